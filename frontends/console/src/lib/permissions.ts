/**
 * What a staff role may see and do in the console. The backend decides (the permissions come
 * from `GET /console/auth/me` and every route checks them again); the console only hides what a
 * role cannot use.
 */
import { isAvailable, OPS, type Operation } from '@/api/operations'

export type Permission =
  | 'staff:manage'
  | 'audit:read'
  | 'pii:reveal'
  | 'products:read'
  | 'products:write'
  | 'stock:adjust'
  | 'orders:read'
  | 'orders:ship'
  | 'orders:export'
  | 'aftersales:handle'
  | 'dashboard:read'
  | 'flashsale:manage'
  | 'promotions:manage'
  | 'loyalty:manage'
  | 'membership:manage'
  | 'reviews:manage'
  | 'moderation:manage'
  | 'risk:manage'
  | 'content:manage'
  | 'experiments:manage'
  | 'distribution:manage'
  | 'analytics:view'
  | 'analytics:manage'
  | 'openapi:manage'
  | 'insights:alerts'
  | 'replenishment:manage'
  | 'stores:manage'
  | 'pickups:verify'
  | 'invoices:manage'
  | 'support:chat'
  | 'live:manage'
  | 'wecom:manage'

export interface MenuEntry {
  path: string
  title: string
  icon: string
  /** Permission needed to see the entry; null: every signed-in staff member. */
  permission: Permission | null
  /** The backend operation the screen cannot work without. */
  operation: Operation | null
}

export const MENU: MenuEntry[] = [
  { path: '/dashboard', title: '数据概览', icon: 'DataAnalysis', permission: 'dashboard:read', operation: OPS.dashboard },
  { path: '/products', title: '商品管理', icon: 'Goods', permission: 'products:read', operation: OPS.listProducts },
  { path: '/search', title: '搜索词库', icon: 'Search', permission: 'products:read', operation: OPS.listSynonyms },
  { path: '/search/analytics', title: '搜索分析', icon: 'TrendCharts', permission: 'products:read', operation: OPS.searchAnalytics },
  { path: '/orders', title: '订单管理', icon: 'List', permission: 'orders:read', operation: OPS.listOrders },
  { path: '/logistics/settings', title: '物流设置', icon: 'Van', permission: 'orders:ship', operation: OPS.logisticsSettings },
  { path: '/logistics/carriers', title: '物流公司', icon: 'Van', permission: 'orders:ship', operation: OPS.listCarriers },
  { path: '/invoices', title: '发票管理', icon: 'Tickets', permission: 'invoices:manage', operation: OPS.listInvoices },
  { path: '/aftersales', title: '售后处理', icon: 'Service', permission: 'aftersales:handle', operation: OPS.listAftersales },
  { path: '/support', title: '客服工作台', icon: 'ChatLineRound', permission: 'support:chat', operation: OPS.supportWorkbench },
  { path: '/stores', title: '门店管理', icon: 'Shop', permission: 'stores:manage', operation: OPS.listStores },
  { path: '/pickups/verify', title: '核销', icon: 'Finished', permission: 'pickups:verify', operation: OPS.verifyPickup },
  { path: '/stores/appointments', title: '预约到店', icon: 'Calendar', permission: 'pickups:verify', operation: OPS.listStoreAppointments },
  { path: '/stores/offline-codes', title: '线下码', icon: 'FullScreen', permission: 'promotions:manage', operation: OPS.listOfflineCodes },
  { path: '/flash-sales', title: '秒杀活动', icon: 'Lightning', permission: 'flashsale:manage', operation: OPS.listFlashSales },
  { path: '/live', title: '直播', icon: 'VideoCamera', permission: 'live:manage', operation: OPS.liveSessions },
  { path: '/coupons', title: '优惠券', icon: 'Ticket', permission: 'promotions:manage', operation: OPS.listCouponTemplates },
  { path: '/wecom', title: '企业微信', icon: 'ChatDotRound', permission: 'wecom:manage', operation: OPS.listWecomContactWays },
  { path: '/campaigns', title: '唤醒活动', icon: 'AlarmClock', permission: 'promotions:manage', operation: OPS.listCampaigns },
  { path: '/promotions', title: '促销活动', icon: 'Present', permission: 'promotions:manage', operation: OPS.listPromotions },
  { path: '/group-buys', title: '拼团活动', icon: 'UserFilled', permission: 'promotions:manage', operation: OPS.listGroupBuys },
  { path: '/crowdfundings', title: '众筹活动', icon: 'Flag', permission: 'promotions:manage', operation: OPS.listCrowdfundings },
  { path: '/bargains', title: '砍价活动', icon: 'Scissor', permission: 'promotions:manage', operation: OPS.listBargainCampaigns },
  { path: '/distribution', title: '分销', icon: 'Share', permission: 'distribution:manage', operation: OPS.distributionSettings },
  { path: '/kols', title: '达人发现', icon: 'Star', permission: 'distribution:manage', operation: OPS.listKols },
  { path: '/reviews', title: '评价管理', icon: 'ChatDotSquare', permission: 'reviews:manage', operation: OPS.listReviews },
  { path: '/moderation', title: '内容审核', icon: 'Checked', permission: 'moderation:manage', operation: OPS.listModerationItems },
  { path: '/risk', title: '风控', icon: 'Lock', permission: 'risk:manage', operation: OPS.listRiskRules },
  { path: '/content/qa', title: '问答', icon: 'ChatLineRound', permission: 'content:manage', operation: OPS.listContentQuestions },
  { path: '/content/posts', title: '种草与话题', icon: 'Picture', permission: 'content:manage', operation: OPS.listContentPosts },
  { path: '/content/subscribe-messages', title: '订阅消息', icon: 'Message', permission: 'content:manage', operation: OPS.listSubscribeTemplates },
  { path: '/content/official-account', title: '公众号消息', icon: 'ChatDotSquare', permission: 'content:manage', operation: OPS.officialAccountSettings },
  { path: '/loyalty/settings', title: '积分规则', icon: 'Medal', permission: 'loyalty:manage', operation: OPS.getLoyaltySettings },
  { path: '/loyalty/mall', title: '积分商城', icon: 'ShoppingBag', permission: 'loyalty:manage', operation: OPS.listMallItems },
  { path: '/loyalty/achievements', title: '成就', icon: 'Trophy', permission: 'loyalty:manage', operation: OPS.listAchievements },
  { path: '/content/mascot', title: '品牌形象', icon: 'Sunny', permission: 'content:manage', operation: OPS.getMascot },
  { path: '/members', title: '会员列表', icon: 'Avatar', permission: null, operation: OPS.listMembers },
  { path: '/members/merges', title: '账号合并记录', icon: 'Connection', permission: null, operation: OPS.listMemberMerges },
  { path: '/members/points', title: '会员积分', icon: 'Coin', permission: 'loyalty:manage', operation: OPS.getMemberPoints },
  { path: '/membership', title: '会员等级', icon: 'Medal', permission: 'membership:manage', operation: OPS.membershipTiers },
  { path: '/membership/plans', title: '付费会员', icon: 'Trophy', permission: 'membership:manage', operation: OPS.membershipPlans },
  { path: '/analytics/rfm', title: 'RFM 客户分层', icon: 'PieChart', permission: 'analytics:view', operation: OPS.rfmSummary },
  { path: '/analytics/funnels', title: '漏斗分析', icon: 'Filter', permission: 'analytics:view', operation: OPS.funnel },
  { path: '/analytics/events', title: '事件分析', icon: 'DataAnalysis', permission: 'analytics:view', operation: OPS.listEvents },
  { path: '/analytics/retention', title: '留存分析', icon: 'Calendar', permission: 'analytics:view', operation: OPS.retention },
  { path: '/analytics/profiles', title: '会员画像', icon: 'Postcard', permission: 'analytics:view', operation: OPS.memberProfile },
  { path: '/analytics/tags', title: '标签管理', icon: 'CollectionTag', permission: 'analytics:view', operation: OPS.listTags },
  { path: '/analytics/segments', title: '人群分群', icon: 'Connection', permission: 'analytics:view', operation: OPS.listSegments },
  { path: '/analytics/clusters', title: '聚类', icon: 'ScaleToOriginal', permission: 'analytics:view', operation: OPS.clusters },
  { path: '/analytics/attribution', title: '归因分析', icon: 'Share', permission: 'analytics:view', operation: OPS.attribution },
  { path: '/analytics/paths', title: '路径分析', icon: 'Guide', permission: 'analytics:view', operation: OPS.paths },
  { path: '/analytics/realtime', title: '实时概览', icon: 'Odometer', permission: 'analytics:view', operation: OPS.realtimeOverview },
  { path: '/analytics/replays', title: '会话回放', icon: 'VideoPlay', permission: 'analytics:view', operation: OPS.listReplays },
  { path: '/analytics/heatmap', title: '点击热力图', icon: 'Aim', permission: 'analytics:view', operation: OPS.heatmap },
  { path: '/analytics/forecast', title: '销量预测', icon: 'TrendCharts', permission: 'analytics:view', operation: OPS.forecast },
  { path: '/analytics/replenishment', title: '补货建议', icon: 'Box', permission: 'analytics:view', operation: OPS.replenishment },
  { path: '/insights/dashboards/shop', title: '销售看板', icon: 'DataBoard', permission: 'dashboard:read', operation: OPS.insightsDashboard },
  { path: '/insights/boards/management', title: '经营看板', icon: 'MapLocation', permission: 'dashboard:read', operation: OPS.managementBoard },
  { path: '/insights/boards/operations', title: '运营看板', icon: 'TrendCharts', permission: 'dashboard:read', operation: OPS.operationsBoard },
  { path: '/insights/boards/frontline', title: '一线看板', icon: 'Monitor', permission: 'orders:read', operation: OPS.frontlineBoard },
  { path: '/analytics/clearance', title: '清仓定价', icon: 'Discount', permission: 'analytics:view', operation: OPS.clearancePlan },
  { path: '/insights/ask', title: '智能问数', icon: 'ChatLineRound', permission: 'orders:read', operation: OPS.ask },
  { path: '/membership/costs', title: '权益成本', icon: 'PieChart', permission: 'membership:manage', operation: OPS.benefitCosts },
  { path: '/experiments', title: 'A/B 实验', icon: 'Operation', permission: 'experiments:manage', operation: OPS.listExperiments },
  { path: '/experiments/flags', title: '功能开关', icon: 'Switch', permission: 'experiments:manage', operation: OPS.listFlags },
  { path: '/experiments/calculator', title: '实验计算器', icon: 'Histogram', permission: 'experiments:manage', operation: OPS.analyzeExperiment },
  { path: '/alerts', title: '告警', icon: 'Bell', permission: 'insights:alerts', operation: OPS.listAlertMonitors },
  { path: '/staff', title: '员工管理', icon: 'User', permission: 'staff:manage', operation: OPS.listStaff },
  { path: '/audit-log', title: '操作日志', icon: 'Document', permission: 'audit:read', operation: OPS.auditLog },
  { path: '/open-platform/apps', title: '开放平台 · 应用', icon: 'Connection', permission: 'openapi:manage', operation: OPS.listOpenApps },
  { path: '/open-platform/access-log', title: '开放平台 · 调用日志', icon: 'Tickets', permission: 'openapi:manage', operation: OPS.openApiAccessLog },
  { path: '/open-platform/webhooks', title: '开放平台 · Webhook', icon: 'Promotion', permission: 'openapi:manage', operation: OPS.webhookDeliveries },
  { path: '/open-platform/cobrand', title: '开放平台 · 联名分成', icon: 'Coin', permission: 'openapi:manage', operation: OPS.cobrandReport },
  { path: '/account', title: '账户安全', icon: 'Lock', permission: null, operation: OPS.me },
]

export function can(permissions: Iterable<string>, permission: Permission | null): boolean {
  if (permission === null) return true
  for (const p of permissions) if (p === permission) return true
  return false
}

/** Menu entries the role may see; `available` says whether the backend serves the screen yet. */
export function visibleMenu(permissions: Iterable<string>): (MenuEntry & { available: boolean })[] {
  const granted = [...permissions]
  return MENU.filter((entry) => can(granted, entry.permission)).map((entry) => ({
    ...entry,
    available: entry.operation === null || isAvailable(entry.operation),
  }))
}

/** Where a staff member lands after signing in: the first screen they may use that works. */
export function landingPath(permissions: Iterable<string>): string {
  const menu = visibleMenu(permissions)
  return (menu.find((entry) => entry.available) ?? menu[menu.length - 1])?.path ?? '/account'
}

/** Full phone numbers and addresses (reveal button, search by phone): `pii:reveal` only. */
export function canRevealPii(permissions: readonly string[]): boolean {
  return can(permissions, 'pii:reveal')
}

/** The order search box offers phone search only to staff who may look phones up. */
export function orderSearchPlaceholder(permissions: readonly string[]): string {
  return canRevealPii(permissions) ? '订单号 / 收货人完整手机号' : '订单号'
}
