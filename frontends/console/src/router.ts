import { createRouter, createWebHistory, type RouteRecordRaw, type Router } from 'vue-router'
import { landingPath, type Permission } from '@/lib/permissions'
import { useAuthStore } from '@/stores/auth'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without signing in. */
    public?: boolean
    /** Reachable with the enrolment-only token of an owner who has not enrolled MFA. */
    enrolment?: boolean
    permission?: Permission | null
    title?: string
  }
}

export const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('@/views/LoginView.vue'),
    meta: { public: true, title: '登录' },
  },
  {
    path: '/mfa',
    name: 'mfa',
    component: () => import('@/views/MfaEnrollView.vue'),
    meta: { enrolment: true, title: '绑定身份验证器' },
  },
  {
    path: '/',
    component: () => import('@/layouts/AdminLayout.vue'),
    children: [
      // Never rendered: the guard sends '/' to the first screen the role may use.
      { path: '', name: 'home', component: () => import('@/views/NotFoundView.vue') },
      {
        path: 'dashboard',
        name: 'dashboard',
        component: () => import('@/views/DashboardView.vue'),
        meta: { permission: 'dashboard:read', title: '数据概览' },
      },
      {
        path: 'products',
        name: 'products',
        component: () => import('@/views/products/ProductListView.vue'),
        meta: { permission: 'products:read', title: '商品管理' },
      },
      {
        path: 'products/new',
        name: 'product-new',
        component: () => import('@/views/products/ProductEditView.vue'),
        meta: { permission: 'products:write', title: '新建商品' },
      },
      {
        path: 'products/import',
        name: 'product-import',
        component: () => import('@/views/products/ProductImportView.vue'),
        meta: { permission: 'products:write', title: '导入商品' },
      },
      {
        path: 'products/:id(\\d+)',
        name: 'product-edit',
        component: () => import('@/views/products/ProductEditView.vue'),
        props: (route) => ({ id: Number(route.params.id) }),
        meta: { permission: 'products:write', title: '编辑商品' },
      },
      {
        path: 'orders',
        name: 'orders',
        component: () => import('@/views/orders/OrderListView.vue'),
        meta: { permission: 'orders:read', title: '订单管理' },
      },
      {
        path: 'orders/:orderNo',
        name: 'order-detail',
        component: () => import('@/views/orders/OrderDetailView.vue'),
        props: true,
        meta: { permission: 'orders:read', title: '订单详情' },
      },
      {
        path: 'invoices',
        name: 'invoices',
        component: () => import('@/views/invoices/InvoicesView.vue'),
        meta: { permission: 'invoices:manage', title: '发票管理' },
      },
      {
        path: 'logistics/settings',
        name: 'logistics-settings',
        component: () => import('@/views/logistics/LogisticsSettingsView.vue'),
        meta: { permission: 'orders:ship', title: '物流设置' },
      },
      {
        path: 'logistics/carriers',
        name: 'logistics-carriers',
        component: () => import('@/views/logistics/CarriersView.vue'),
        meta: { permission: 'orders:ship', title: '物流公司' },
      },
      {
        path: 'aftersales',
        name: 'aftersales',
        component: () => import('@/views/orders/AftersaleListView.vue'),
        meta: { permission: 'aftersales:handle', title: '售后处理' },
      },
      {
        path: 'live',
        name: 'live',
        component: () => import('@/views/live/LiveListView.vue'),
        meta: { permission: 'live:manage', title: '直播' },
      },
      {
        path: 'live/:id(\\d+)',
        name: 'live-control',
        component: () => import('@/views/live/LiveControlView.vue'),
        props: (route) => ({ id: Number(route.params.id) }),
        meta: { permission: 'live:manage', title: '直播控制台' },
      },
      {
        path: 'wecom',
        name: 'wecom',
        component: () => import('@/views/wecom/WecomView.vue'),
        meta: { permission: 'wecom:manage', title: '企业微信' },
      },
      {
        path: 'flash-sales',
        name: 'flash-sales',
        component: () => import('@/views/flashsale/FlashSaleListView.vue'),
        meta: { permission: 'flashsale:manage', title: '秒杀活动' },
      },
      {
        path: 'flash-sales/new',
        name: 'flash-sale-new',
        component: () => import('@/views/flashsale/FlashSaleCreateView.vue'),
        meta: { permission: 'flashsale:manage', title: '新建秒杀' },
      },
      {
        path: 'flash-sales/:id(\\d+)',
        name: 'flash-sale-live',
        component: () => import('@/views/flashsale/FlashSaleLiveView.vue'),
        props: (route) => ({ id: Number(route.params.id) }),
        meta: { permission: 'flashsale:manage', title: '秒杀实时数据' },
      },
      {
        path: 'campaigns',
        name: 'campaigns',
        component: () => import('@/views/campaigns/CampaignsView.vue'),
        meta: { permission: 'promotions:manage', title: '唤醒活动' },
      },
      {
        path: 'coupons',
        name: 'coupons',
        component: () => import('@/views/coupons/CouponTemplateListView.vue'),
        meta: { permission: 'promotions:manage', title: '优惠券' },
      },
      {
        path: 'coupons/new',
        name: 'coupon-new',
        component: () => import('@/views/coupons/CouponTemplateEditView.vue'),
        meta: { permission: 'promotions:manage', title: '新建优惠券' },
      },
      {
        path: 'coupons/:id(\\d+)',
        name: 'coupon-edit',
        component: () => import('@/views/coupons/CouponTemplateEditView.vue'),
        props: (route) => ({ id: Number(route.params.id) }),
        meta: { permission: 'promotions:manage', title: '优惠券详情' },
      },
      {
        path: 'distribution',
        name: 'distribution',
        component: () => import('@/views/distribution/DistributionView.vue'),
        meta: { permission: 'distribution:manage', title: '分销' },
      },
      {
        path: 'kols',
        name: 'kols',
        component: () => import('@/views/distribution/KolView.vue'),
        meta: { permission: 'distribution:manage', title: '达人发现' },
      },
      {
        path: 'group-buys',
        name: 'group-buys',
        component: () => import('@/views/groupbuy/GroupBuysView.vue'),
        meta: { permission: 'promotions:manage', title: '拼团活动' },
      },
      {
        path: 'crowdfundings',
        name: 'crowdfundings',
        component: () => import('@/views/crowdfunding/CrowdfundingsView.vue'),
        meta: { permission: 'promotions:manage', title: '众筹活动' },
      },
      {
        path: 'bargains',
        name: 'bargains',
        component: () => import('@/views/bargain/BargainCampaignsView.vue'),
        meta: { permission: 'promotions:manage', title: '砍价活动' },
      },
      {
        path: 'analytics/rfm',
        name: 'analytics-rfm',
        component: () => import('@/views/analytics/RfmView.vue'),
        meta: { permission: 'analytics:view', title: 'RFM 客户分层' },
      },
      {
        path: 'analytics/funnels',
        name: 'analytics-funnels',
        component: () => import('@/views/analytics/FunnelView.vue'),
        meta: { permission: 'analytics:view', title: '漏斗分析' },
      },
      {
        path: 'analytics/events',
        name: 'analytics-events',
        component: () => import('@/views/analytics/EventsView.vue'),
        meta: { permission: 'analytics:view', title: '事件分析' },
      },
      {
        path: 'analytics/retention',
        name: 'analytics-retention',
        component: () => import('@/views/analytics/RetentionView.vue'),
        meta: { permission: 'analytics:view', title: '留存分析' },
      },
      {
        path: 'analytics/profiles',
        name: 'analytics-profiles',
        component: () => import('@/views/analytics/ProfileView.vue'),
        meta: { permission: 'analytics:view', title: '会员画像' },
      },
      {
        path: 'analytics/tags',
        name: 'analytics-tags',
        component: () => import('@/views/analytics/TagsView.vue'),
        meta: { permission: 'analytics:view', title: '标签管理' },
      },
      {
        path: 'analytics/segments',
        name: 'analytics-segments',
        component: () => import('@/views/analytics/SegmentsView.vue'),
        meta: { permission: 'analytics:view', title: '人群分群' },
      },
      {
        path: 'analytics/clusters',
        name: 'analytics-clusters',
        component: () => import('@/views/analytics/ClustersView.vue'),
        meta: { permission: 'analytics:view', title: '聚类' },
      },
      {
        path: 'analytics/attribution',
        name: 'analytics-attribution',
        component: () => import('@/views/analytics/AttributionView.vue'),
        meta: { permission: 'analytics:view', title: '归因分析' },
      },
      {
        path: 'analytics/paths',
        name: 'analytics-paths',
        component: () => import('@/views/analytics/PathView.vue'),
        meta: { permission: 'analytics:view', title: '路径分析' },
      },
      {
        path: 'analytics/replays',
        name: 'analytics-replays',
        component: () => import('@/views/analytics/ReplayView.vue'),
        meta: { permission: 'analytics:view', title: '会话回放' },
      },
      {
        path: 'analytics/heatmap',
        name: 'analytics-heatmap',
        component: () => import('@/views/analytics/HeatmapView.vue'),
        meta: { permission: 'analytics:view', title: '点击热力图' },
      },
      {
        path: 'analytics/realtime',
        name: 'analytics-realtime',
        component: () => import('@/views/analytics/RealtimeView.vue'),
        meta: { permission: 'analytics:view', title: '实时概览' },
      },
      {
        path: 'analytics/forecast',
        name: 'analytics-forecast',
        component: () => import('@/views/analytics/ForecastView.vue'),
        meta: { permission: 'analytics:view', title: '销量预测' },
      },
      {
        path: 'analytics/replenishment',
        name: 'analytics-replenishment',
        component: () => import('@/views/analytics/ReplenishmentView.vue'),
        meta: { permission: 'analytics:view', title: '补货建议' },
      },
      {
        path: 'insights/dashboards/:level(shop|category|product)?',
        name: 'insights-dashboards',
        component: () => import('@/views/insights/DashboardView.vue'),
        meta: { permission: 'dashboard:read', title: '销售看板' },
      },
      {
        // Any role handling one of its tiles may open it; the server leaves the others out.
        path: 'insights/boards/frontline',
        name: 'insights-frontline',
        component: () => import('@/views/insights/FrontlineView.vue'),
        meta: { permission: 'orders:read', title: '一线看板' },
      },
      {
        // One page, two boards: each its own record so that its title is its name.
        path: 'insights/boards/:kind(management)',
        name: 'insights-boards-management',
        component: () => import('@/views/insights/BoardsView.vue'),
        meta: { permission: 'dashboard:read', title: '经营看板' },
      },
      {
        path: 'insights/boards/:kind(operations)',
        name: 'insights-boards-operations',
        component: () => import('@/views/insights/BoardsView.vue'),
        meta: { permission: 'dashboard:read', title: '运营看板' },
      },
      {
        path: 'analytics/clearance',
        name: 'analytics-clearance',
        component: () => import('@/views/analytics/ClearanceView.vue'),
        meta: { permission: 'analytics:view', title: '清仓定价' },
      },
      {
        path: 'insights/ask',
        name: 'insights-ask',
        component: () => import('@/views/insights/AskView.vue'),
        meta: { permission: 'orders:read', title: '智能问数' },
      },
      {
        path: 'support',
        name: 'support',
        component: () => import('@/views/support/WorkbenchView.vue'),
        meta: { permission: 'support:chat', title: '客服工作台' },
      },
      {
        path: 'reviews',
        name: 'reviews',
        component: () => import('@/views/reviews/ReviewsView.vue'),
        meta: { permission: 'reviews:manage', title: '评价管理' },
      },
      {
        path: 'risk',
        name: 'risk',
        component: () => import('@/views/risk/RiskView.vue'),
        meta: { permission: 'risk:manage', title: '风控' },
      },
      {
        path: 'moderation',
        name: 'moderation',
        component: () => import('@/views/moderation/ModerationView.vue'),
        meta: { permission: 'moderation:manage', title: '内容审核' },
      },
      {
        path: 'content/qa',
        name: 'content-qa',
        component: () => import('@/views/content/QaView.vue'),
        meta: { permission: 'content:manage', title: '问答' },
      },
      {
        path: 'content/posts',
        name: 'content-posts',
        component: () => import('@/views/content/PostsView.vue'),
        meta: { permission: 'content:manage', title: '种草与话题' },
      },
      {
        path: 'content/topics/:id/challenge',
        name: 'content-challenge',
        component: () => import('@/views/content/ChallengeView.vue'),
        props: true,
        meta: { permission: 'content:manage', title: '话题挑战' },
      },
      {
        path: 'content/subscribe-messages',
        name: 'subscribe-messages',
        component: () => import('@/views/content/SubscribeMessagesView.vue'),
        meta: { permission: 'content:manage', title: '订阅消息' },
      },
      {
        path: 'content/official-account',
        name: 'official-account',
        component: () => import('@/views/content/OfficialAccountView.vue'),
        meta: { permission: 'content:manage', title: '公众号消息' },
      },
      {
        path: 'loyalty/settings',
        name: 'loyalty-settings',
        component: () => import('@/views/loyalty/LoyaltySettingsView.vue'),
        meta: { permission: 'loyalty:manage', title: '积分规则' },
      },
      {
        path: 'loyalty/mall',
        name: 'points-mall',
        component: () => import('@/views/loyalty/PointsMallView.vue'),
        meta: { permission: 'loyalty:manage', title: '积分商城' },
      },
      {
        path: 'loyalty/achievements',
        name: 'achievements',
        component: () => import('@/views/loyalty/AchievementsView.vue'),
        meta: { permission: 'loyalty:manage', title: '成就' },
      },
      {
        path: 'content/mascot',
        name: 'mascot',
        component: () => import('@/views/content/MascotView.vue'),
        meta: { permission: 'content:manage', title: '品牌形象' },
      },
      {
        path: 'search',
        name: 'search-words',
        component: () => import('@/views/search/SearchWordsView.vue'),
        meta: { permission: 'products:read', title: '搜索词库' },
      },
      {
        path: 'search/analytics',
        name: 'search-analytics',
        component: () => import('@/views/search/SearchAnalyticsView.vue'),
        meta: { permission: 'products:read', title: '搜索与推荐分析' },
      },
      {
        path: 'members',
        name: 'members',
        component: () => import('@/views/members/MemberListView.vue'),
        // Every staff member may look a member up (phones masked; search by phone needs pii:reveal).
        meta: { permission: null, title: '会员列表' },
      },
      {
        path: 'members/merges',
        name: 'member-merges',
        component: () => import('@/views/members/MemberMergesView.vue'),
        // Ids and counts only (no personal data): every staff member, as the member list.
        meta: { permission: null, title: '账号合并记录' },
      },
      {
        path: 'members/points',
        name: 'member-points',
        component: () => import('@/views/members/MemberPointsView.vue'),
        props: { id: null },
        meta: { permission: 'loyalty:manage', title: '会员积分' },
      },
      {
        // The points page of one member is now a tab of the member's page.
        path: 'members/points/:id(\\d+)',
        redirect: (to) => ({ name: 'member-detail', params: { id: to.params.id }, query: { tab: 'points' } }),
      },
      {
        path: 'membership',
        name: 'membership',
        component: () => import('@/views/membership/TierSettingsView.vue'),
        meta: { permission: 'membership:manage', title: '会员等级' },
      },
      {
        path: 'membership/plans',
        name: 'membership-plans',
        component: () => import('@/views/membership/PlansView.vue'),
        meta: { permission: 'membership:manage', title: '付费会员' },
      },
      {
        path: 'membership/subscriptions',
        name: 'membership-subscriptions',
        component: () => import('@/views/membership/SubscriptionsView.vue'),
        meta: { permission: 'membership:manage', title: '开通记录' },
      },
      {
        path: 'membership/costs',
        name: 'benefit-costs',
        component: () => import('@/views/membership/BenefitCostView.vue'),
        meta: { permission: 'membership:manage', title: '权益成本' },
      },
      {
        path: 'experiments',
        name: 'experiments',
        component: () => import('@/views/experiments/ExperimentsView.vue'),
        meta: { permission: 'experiments:manage', title: 'A/B 实验' },
      },
      {
        path: 'experiments/:id(\\d+)/results',
        name: 'experiment-results',
        component: () => import('@/views/experiments/ExperimentResultsView.vue'),
        props: (route) => ({ id: Number(route.params.id) }),
        meta: { permission: 'experiments:manage', title: '实验结果' },
      },
      {
        path: 'experiments/flags',
        name: 'feature-flags',
        component: () => import('@/views/experiments/FlagsView.vue'),
        meta: { permission: 'experiments:manage', title: '功能开关' },
      },
      {
        path: 'alerts',
        name: 'alerts',
        component: () => import('@/views/insights/AlertsView.vue'),
        meta: { permission: 'insights:alerts', title: '告警' },
      },
      {
        path: 'experiments/calculator',
        name: 'experiment-calculator',
        component: () => import('@/views/experiments/ExperimentCalculatorView.vue'),
        meta: { permission: 'experiments:manage', title: '实验计算器' },
      },
      {
        path: 'members/:id(\\d+)',
        name: 'member-detail',
        component: () => import('@/views/members/MemberDetailView.vue'),
        props: (route) => ({ id: Number(route.params.id) }),
        // Open to every signed-in staff member: each tab checks its own permission.
        meta: { permission: null, title: '会员详情' },
      },
      {
        path: 'promotions',
        name: 'promotions',
        component: () => import('@/views/promotions/PromotionListView.vue'),
        meta: { permission: 'promotions:manage', title: '促销活动' },
      },
      {
        path: 'promotions/new',
        name: 'promotion-new',
        component: () => import('@/views/promotions/PromotionEditView.vue'),
        meta: { permission: 'promotions:manage', title: '新建促销活动' },
      },
      {
        path: 'promotions/policy',
        name: 'promotion-policy',
        component: () => import('@/views/promotions/PromotionPolicyView.vue'),
        meta: { permission: 'promotions:manage', title: '叠加规则' },
      },
      {
        path: 'promotions/:id(\\d+)',
        name: 'promotion-edit',
        component: () => import('@/views/promotions/PromotionEditView.vue'),
        props: (route) => ({ id: Number(route.params.id) }),
        meta: { permission: 'promotions:manage', title: '促销活动详情' },
      },
      {
        path: 'staff',
        name: 'staff',
        component: () => import('@/views/staff/StaffListView.vue'),
        meta: { permission: 'staff:manage', title: '员工管理' },
      },
      {
        path: 'audit-log',
        name: 'audit-log',
        component: () => import('@/views/staff/AuditLogView.vue'),
        meta: { permission: 'audit:read', title: '操作日志' },
      },
      {
        path: 'stores',
        name: 'stores',
        component: () => import('@/views/stores/StoresView.vue'),
        meta: { permission: 'stores:manage', title: '门店管理' },
      },
      {
        path: 'pickups/verify',
        name: 'pickup-verify',
        component: () => import('@/views/stores/PickupVerifyView.vue'),
        meta: { permission: 'pickups:verify', title: '核销' },
      },
      {
        path: 'stores/appointments',
        name: 'store-appointments',
        component: () => import('@/views/stores/AppointmentsView.vue'),
        meta: { permission: 'pickups:verify', title: '预约到店' },
      },
      {
        path: 'stores/offline-codes',
        name: 'offline-codes',
        component: () => import('@/views/stores/OfflineCodesView.vue'),
        meta: { permission: 'promotions:manage', title: '线下码' },
      },
      {
        path: 'open-platform/apps',
        name: 'open-apps',
        component: () => import('@/views/openapi/OpenAppsView.vue'),
        meta: { permission: 'openapi:manage', title: '开放平台 · 应用' },
      },
      {
        path: 'open-platform/access-log',
        name: 'open-access-log',
        component: () => import('@/views/openapi/AccessLogView.vue'),
        meta: { permission: 'openapi:manage', title: '开放平台 · 调用日志' },
      },
      {
        path: 'open-platform/webhooks',
        name: 'open-webhooks',
        component: () => import('@/views/openapi/WebhooksView.vue'),
        meta: { permission: 'openapi:manage', title: '开放平台 · Webhook' },
      },
      {
        path: 'open-platform/cobrand',
        name: 'open-cobrand',
        component: () => import('@/views/openapi/CobrandReportView.vue'),
        meta: { permission: 'openapi:manage', title: '开放平台 · 联名分成' },
      },
      {
        path: 'account',
        name: 'account',
        component: () => import('@/views/AccountView.vue'),
        meta: { permission: null, title: '账户安全' },
      },
      {
        path: 'forbidden',
        name: 'forbidden',
        component: () => import('@/views/ForbiddenView.vue'),
        meta: { permission: null, title: '无权访问' },
      },
      {
        path: ':pathMatch(.*)*',
        name: 'not-found',
        component: () => import('@/views/NotFoundView.vue'),
        meta: { permission: null, title: '页面不存在' },
      },
    ],
  },
]

export function createConsoleRouter(history = createWebHistory('/console/')): Router {
  const router = createRouter({ history, routes })
  router.beforeEach((to) => {
    const auth = useAuthStore()
    if (to.meta.public) return true
    if (!auth.isSignedIn) {
      return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } }
    }
    if (auth.mfaEnrollmentRequired) return to.meta.enrolment ? true : { name: 'mfa' }
    if (to.name === 'home') return landingPath(auth.permissions)
    if (to.meta.permission && !auth.can(to.meta.permission)) {
      return { name: 'forbidden', query: { from: to.fullPath } }
    }
    return true
  })
  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · Shoplet 商家后台` : 'Shoplet 商家后台'
  })
  return router
}
