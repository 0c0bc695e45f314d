// Merchant-editable storefront content that has no API yet: the home banners. Each links to a
// search or a category, so no banner can point at a page that does not exist.
export const HOME_BANNERS = [
  { id: 'new', title: '新品上市', subtitle: '每周上新 · 限时尝鲜价', url: '/pages/search/index?sort=newest', tone: 'red' },
  { id: 'hot', title: '热销榜单', subtitle: '大家都在买', url: '/pages/search/index?sort=sales', tone: 'orange' },
  { id: 'deal', title: '低价好物', subtitle: '价格从低到高，一网打尽', url: '/pages/search/index?sort=price_asc', tone: 'dark' },
]

export const FEED_PAGE_SIZE = 10
