/**
 * Every backend operation the console calls, in one table.
 *
 * `op()` marks an operation the backend schema (frontends/shared/src/openapi.json) must have: vitest fails
 * when it is missing (tests/unit/operations.test.ts). `planned()` marks an operation from the API
 * contract that the backend may not serve yet: the client refuses to call it (and the UI shows
 * the feature as not yet available) until it appears in the schema snapshot.
 */
import available from 'virtual:openapi-operations'
import type { ApiPath, HttpMethod, MethodOf } from './typing'

export type { HttpMethod }

export interface Operation<P extends string = string, M extends HttpMethod = HttpMethod> {
  readonly method: M
  readonly path: P
  readonly planned: boolean
}

/** An operation of the schema snapshot: the path and method are type-checked against it. */
function op<P extends ApiPath, M extends Uppercase<MethodOf<P>> & HttpMethod>(
  method: M,
  path: P,
): Operation<P, M> {
  return { method, path, planned: false }
}

/** An operation of the API contract that the backend does not serve yet. */
export function planned(method: HttpMethod, path: string): Operation {
  return { method, path, planned: true }
}

export const OPS = {
  login: op('POST', '/api/v1/console/auth/login'),
  me: op('GET', '/api/v1/console/auth/me'),
  mfaEnroll: op('POST', '/api/v1/console/auth/mfa/enroll'),
  mfaConfirm: op('POST', '/api/v1/console/auth/mfa/confirm'),
  listPasskeys: op('GET', '/api/v1/console/auth/passkeys'),
  passkeyRegisterOptions: op('POST', '/api/v1/console/auth/passkeys/register-options'),
  registerPasskey: op('POST', '/api/v1/console/auth/passkeys'),
  revokePasskey: op('DELETE', '/api/v1/console/auth/passkeys/{passkey_id}'),
  passkeyLoginOptions: op('POST', '/api/v1/console/auth/passkeys/login-options'),
  passkeyLogin: op('POST', '/api/v1/console/auth/passkeys/login'),
  stepUpOptions: op('POST', '/api/v1/console/auth/step-up/options'),
  stepUp: op('POST', '/api/v1/console/auth/step-up'),
  authPolicy: op('GET', '/api/v1/console/auth/policy'),
  updateAuthPolicy: op('PUT', '/api/v1/console/auth/policy'),

  listStaff: op('GET', '/api/v1/console/staff'),
  createStaff: op('POST', '/api/v1/console/staff'),
  updateStaff: op('PATCH', '/api/v1/console/staff/{staff_id}'),
  resetStaffMfa: op('POST', '/api/v1/console/staff/{staff_id}/reset-mfa'),
  auditLog: op('GET', '/api/v1/console/audit-log'),

  listOpenApps: op('GET', '/api/v1/console/openapi/apps'),
  createOpenApp: op('POST', '/api/v1/console/openapi/apps'),
  updateOpenApp: op('PATCH', '/api/v1/console/openapi/apps/{app_id}'),
  rotateOpenAppSecret: op('POST', '/api/v1/console/openapi/apps/{app_id}/rotate-secret'),
  openApiAccessLog: op('GET', '/api/v1/console/openapi/access-log'),

  listCategories: op('GET', '/api/v1/console/categories'),
  listProducts: op('GET', '/api/v1/console/products'),
  createProduct: op('POST', '/api/v1/console/products'),
  getProduct: op('GET', '/api/v1/console/products/{product_id}'),
  productPriceHistory: op('GET', '/api/v1/console/products/{product_id}/price-history'),
  updateProduct: op('PATCH', '/api/v1/console/products/{product_id}'),
  setProductStatus: op('POST', '/api/v1/console/products/{product_id}/status'),
  adjustStock: op('POST', '/api/v1/console/skus/{sku_id}/stock-adjustments'),
  stockLedger: op('GET', '/api/v1/console/skus/{sku_id}/ledger'),
  uploadMedia: op('POST', '/api/v1/console/media'),
  uploadVideo: op('POST', '/api/v1/console/media/videos'),
  createBulkJob: op('POST', '/api/v1/console/products/bulk-jobs'),
  importStock: op('POST', '/api/v1/console/products/bulk-jobs/stock-import'),
  importProducts: op('POST', '/api/v1/console/products/bulk-jobs/product-import'),
  productImportTemplate: op('GET', '/api/v1/console/products/bulk-jobs/product-import/template'),
  getBulkJob: op('GET', '/api/v1/console/products/bulk-jobs/{job_id}'),

  listOrders: op('GET', '/api/v1/console/orders'),
  getOrder: op('GET', '/api/v1/console/orders/{order_no}'),
  shipOrder: op('POST', '/api/v1/console/orders/{order_no}/ship'),
  orderTracking: op('GET', '/api/v1/console/orders/{order_no}/tracking'),
  orderWaybill: op('GET', '/api/v1/console/orders/{order_no}/waybill'),
  printWaybills: op('POST', '/api/v1/console/orders/waybills'),
  logisticsSettings: op('GET', '/api/v1/console/logistics/settings'),
  listAftersales: op('GET', '/api/v1/console/aftersales'),
  approveAftersale: op('POST', '/api/v1/console/aftersales/{aftersale_no}/approve'),
  rejectAftersale: op('POST', '/api/v1/console/aftersales/{aftersale_no}/reject'),
  confirmReturn: op('POST', '/api/v1/console/aftersales/{aftersale_no}/confirm-return'),
  exportOrders: op('POST', '/api/v1/console/exports/orders'),
  getExport: op('GET', '/api/v1/console/exports/{job_id}'),
  downloadExport: op('GET', '/api/v1/console/exports/{job_id}/download'),

  dashboard: op('GET', '/api/v1/console/dashboard'),

  listFlashSales: op('GET', '/api/v1/console/flash-sales'),
  createFlashSale: op('POST', '/api/v1/console/flash-sales'),
  getFlashSale: op('GET', '/api/v1/console/flash-sales/{campaign_id}'),
  updateFlashSale: op('PATCH', '/api/v1/console/flash-sales/{campaign_id}'),
  cancelFlashSale: op('POST', '/api/v1/console/flash-sales/{campaign_id}/cancel'),
  reconcileFlashSale: op('POST', '/api/v1/console/flash-sales/{campaign_id}/reconcile'),

  listCouponTemplates: op('GET', '/api/v1/console/coupon-templates'),
  createCouponTemplate: op('POST', '/api/v1/console/coupon-templates'),
  getCouponTemplate: op('GET', '/api/v1/console/coupon-templates/{template_id}'),
  updateCouponTemplate: op('PUT', '/api/v1/console/coupon-templates/{template_id}'),
  activateCouponTemplate: op('POST', '/api/v1/console/coupon-templates/{template_id}/activate'),
  listPromotions: op('GET', '/api/v1/console/promotions'),
  createPromotion: op('POST', '/api/v1/console/promotions'),
  getPromotion: op('GET', '/api/v1/console/promotions/{promotion_id}'),
  updatePromotion: op('PUT', '/api/v1/console/promotions/{promotion_id}'),
  activatePromotion: op('POST', '/api/v1/console/promotions/{promotion_id}/activate'),
  stopPromotion: op('POST', '/api/v1/console/promotions/{promotion_id}/stop'),
  getPromotionPolicy: op('GET', '/api/v1/console/promotions/policy'),
  updatePromotionPolicy: op('PUT', '/api/v1/console/promotions/policy'),
  previewPromotions: op('POST', '/api/v1/console/promotions/preview'),
  stopCouponTemplate: op('POST', '/api/v1/console/coupon-templates/{template_id}/stop'),
  issueCoupons: op('POST', '/api/v1/console/coupon-templates/{template_id}/issue'),
  listCouponClaims: op('GET', '/api/v1/console/coupon-templates/{template_id}/claims'),

  getLoyaltySettings: op('GET', '/api/v1/console/loyalty/settings'),
  updateLoyaltySettings: op('PUT', '/api/v1/console/loyalty/settings'),
  listSynonyms: op('GET', '/api/v1/console/search/synonyms'),
  createSynonym: op('POST', '/api/v1/console/search/synonyms'),
  updateSynonym: op('PUT', '/api/v1/console/search/synonyms/{synonym_id}'),
  deleteSynonym: op('DELETE', '/api/v1/console/search/synonyms/{synonym_id}'),
  listCorrections: op('GET', '/api/v1/console/search/corrections'),
  createCorrection: op('POST', '/api/v1/console/search/corrections'),
  deleteCorrection: op('DELETE', '/api/v1/console/search/corrections/{correction_id}'),
  listZeroResults: op('GET', '/api/v1/console/search/zero-results'),
  synonymFromZeroResult: op('POST', '/api/v1/console/search/zero-results/synonym'),
  searchIndexStatus: op('GET', '/api/v1/console/search/index'),
  searchAnalytics: op('GET', '/api/v1/console/search/analytics'),
  recommendAnalytics: op('GET', '/api/v1/console/recommendations/analytics'),
  listMembers: op('GET', '/api/v1/console/members'),
  listMembersByTier: op('GET', '/api/v1/console/membership/members'),
  getMember: op('GET', '/api/v1/console/members/{member_id}'),
  memberCoupons: op('GET', '/api/v1/console/members/{member_id}/coupons'),
  memberOrders: op('GET', '/api/v1/console/members/{member_id}/orders'),
  getMemberPoints: op('GET', '/api/v1/console/members/{member_id}/points'),
  adjustMemberPoints: op('POST', '/api/v1/console/members/{member_id}/points/adjust'),
  listMallItems: op('GET', '/api/v1/console/points-mall/items'),
  createMallItem: op('POST', '/api/v1/console/points-mall/items'),
  updateMallItem: op('PUT', '/api/v1/console/points-mall/items/{item_id}'),
  setMallItemStatus: op('POST', '/api/v1/console/points-mall/items/{item_id}/status'),
  distributionSettings: op('GET', '/api/v1/console/distribution/settings'),
  saveDistributionSettings: op('PUT', '/api/v1/console/distribution/settings'),
  listPromoters: op('GET', '/api/v1/console/distribution/promoters'),
  reviewPromoter: op('POST', '/api/v1/console/distribution/promoters/{promoter_id}/review'),
  listCommissions: op('GET', '/api/v1/console/distribution/commissions'),
  listWithdrawals: op('GET', '/api/v1/console/distribution/withdrawals'),
  approveWithdrawal: op('POST', '/api/v1/console/distribution/withdrawals/{withdrawal_id}/approve'),
  rejectWithdrawal: op('POST', '/api/v1/console/distribution/withdrawals/{withdrawal_id}/reject'),
  listKols: op('GET', '/api/v1/console/social/kols'),
  kolGraph: op('GET', '/api/v1/console/social/kols/graph'),
  runKolAnalysis: op('POST', '/api/v1/console/social/kols/runs'),
  inviteKols: op('POST', '/api/v1/console/social/kols/invitations'),
  listKolInvitations: op('GET', '/api/v1/console/social/kols/invitations'),
  listGroupBuys: op('GET', '/api/v1/console/group-buys'),
  createGroupBuy: op('POST', '/api/v1/console/group-buys'),
  updateGroupBuy: op('PUT', '/api/v1/console/group-buys/{campaign_id}'),
  stopGroupBuy: op('POST', '/api/v1/console/group-buys/{campaign_id}/status'),
  listGroupBuyGroups: op('GET', '/api/v1/console/group-buy-groups'),
  shareStats: op('GET', '/api/v1/console/share/stats'),
  groupBuyCosts: op('GET', '/api/v1/console/group-buys/{campaign_id}/costs'),
  listCrowdfundings: op('GET', '/api/v1/console/crowdfundings'),
  getCrowdfunding: op('GET', '/api/v1/console/crowdfundings/{campaign_id}'),
  createCrowdfunding: op('POST', '/api/v1/console/crowdfundings'),
  updateCrowdfunding: op('PUT', '/api/v1/console/crowdfundings/{campaign_id}'),
  stopCrowdfunding: op('POST', '/api/v1/console/crowdfundings/{campaign_id}/status'),
  crowdfundingCosts: op('GET', '/api/v1/console/crowdfundings/{campaign_id}/costs'),
  listBargainCampaigns: op('GET', '/api/v1/console/bargains'),
  createBargainCampaign: op('POST', '/api/v1/console/bargains'),
  updateBargainCampaign: op('PUT', '/api/v1/console/bargains/{campaign_id}'),
  stopBargainCampaign: op('POST', '/api/v1/console/bargains/{campaign_id}/status'),
  bargainCampaignReport: op('GET', '/api/v1/console/bargains/{campaign_id}/report'),
  listReviews: op('GET', '/api/v1/console/reviews'),
  approveReview: op('POST', '/api/v1/console/reviews/{review_id}/approve'),
  hideReview: op('POST', '/api/v1/console/reviews/{review_id}/hide'),
  replyReview: op('PUT', '/api/v1/console/reviews/{review_id}/reply'),
  membershipTiers: op('GET', '/api/v1/console/membership/tiers'),
  saveMembershipTiers: op('PUT', '/api/v1/console/membership/tiers'),
  membershipSettings: op('GET', '/api/v1/console/membership/settings'),
  saveMembershipSettings: op('PUT', '/api/v1/console/membership/settings'),
  membershipStats: op('GET', '/api/v1/console/membership/stats'),
  membershipExclusions: op('GET', '/api/v1/console/membership/exclusions'),
  saveMembershipExclusions: op('PUT', '/api/v1/console/membership/exclusions'),
  benefitCosts: op('GET', '/api/v1/console/insights/benefit-costs'),
  simulateBenefitCosts: op('POST', '/api/v1/console/insights/benefit-costs/simulate'),
  ask: op('POST', '/api/v1/console/insights/ask'),
  analyzeExperiment: op('POST', '/api/v1/console/experiments/analyze'),
  experimentSampleSize: op('POST', '/api/v1/console/experiments/sample-size'),
  listExperimentLayers: op('GET', '/api/v1/console/experiments/layers'),
  createExperimentLayer: op('POST', '/api/v1/console/experiments/layers'),
  listExperiments: op('GET', '/api/v1/console/experiments'),
  createExperiment: op('POST', '/api/v1/console/experiments'),
  getExperiment: op('GET', '/api/v1/console/experiments/{experiment_id}'),
  updateExperiment: op('PUT', '/api/v1/console/experiments/{experiment_id}'),
  setExperimentTraffic: op('POST', '/api/v1/console/experiments/{experiment_id}/traffic'),
  startExperiment: op('POST', '/api/v1/console/experiments/{experiment_id}/start'),
  pauseExperiment: op('POST', '/api/v1/console/experiments/{experiment_id}/pause'),
  stopExperiment: op('POST', '/api/v1/console/experiments/{experiment_id}/stop'),
  experimentResults: op('GET', '/api/v1/console/experiments/{experiment_id}/results'),
  listFlags: op('GET', '/api/v1/console/flags'),
  createFlag: op('POST', '/api/v1/console/flags'),
  getFlag: op('GET', '/api/v1/console/flags/{key}'),
  updateFlag: op('PUT', '/api/v1/console/flags/{key}'),
  toggleFlag: op('POST', '/api/v1/console/flags/{key}/toggle'),
  flagHistory: op('GET', '/api/v1/console/flags/{key}/history'),
  startFlagRelease: op('POST', '/api/v1/console/flags/{key}/releases'),
  latestFlagRelease: op('GET', '/api/v1/console/flags/{key}/releases/latest'),
  memberMembership: op('GET', '/api/v1/console/members/{member_id}/membership'),
  adjustGrowth: op('POST', '/api/v1/console/members/{member_id}/membership/growth/adjust'),
  membershipPlans: op('GET', '/api/v1/console/membership/plans'),
  createMembershipPlan: op('POST', '/api/v1/console/membership/plans'),
  updateMembershipPlan: op('PUT', '/api/v1/console/membership/plans/{plan_id}'),
  membershipSubscriptions: op('GET', '/api/v1/console/membership/subscriptions'),
  createCodeBatch: op('POST', '/api/v1/console/coupon-templates/{template_id}/codes'),
  listCodeBatches: op('GET', '/api/v1/console/coupon-templates/{template_id}/codes'),
  exportCodeBatch: op('GET', '/api/v1/console/coupon-templates/{template_id}/codes/{batch_id}/export'),
  disableCodeBatch: op('POST', '/api/v1/console/coupon-templates/{template_id}/codes/{batch_id}/disable'),
  voidCoupon: op('POST', '/api/v1/console/coupons/{coupon_id}/void'),
  voidUnusedCoupons: op('POST', '/api/v1/console/coupon-templates/{template_id}/void-unused'),
  listCouponJobs: op('GET', '/api/v1/console/coupon-templates/{template_id}/jobs'),
  getCouponJob: op('GET', '/api/v1/console/coupon-templates/{template_id}/jobs/{job_id}'),
  getOrderCoupon: op('GET', '/api/v1/console/orders/{order_no}/coupon'),
  getOrderPromotions: op('GET', '/api/v1/console/orders/{order_no}/promotions'),
  forecast: op('POST', '/api/v1/console/analytics/forecast'),
  forecastSeriesList: op('GET', '/api/v1/console/insights/forecast/series'),
  forecastSeries: op('GET', '/api/v1/console/insights/forecast/series/{kind}/{ref_id}'),
  forecastLatestRun: op('GET', '/api/v1/console/insights/forecast/runs/latest'),
  forecastStartRun: op('POST', '/api/v1/console/insights/forecast/runs'),
  replenishment: op('GET', '/api/v1/console/insights/replenishment'),
  exportReplenishment: op('GET', '/api/v1/console/insights/replenishment/export'),
  replenishmentPlan: op('GET', '/api/v1/console/insights/replenishment/plan'),
  replenishmentSetting: op('GET', '/api/v1/console/insights/replenishment/settings/{sku_id}'),
  updateReplenishmentSetting: op('PUT', '/api/v1/console/insights/replenishment/settings/{sku_id}'),
  rfmSummary: op('GET', '/api/v1/console/analytics/rfm'),
  rfmCustomers: op('GET', '/api/v1/console/analytics/rfm/customers'),
  memberRfm: op('GET', '/api/v1/console/analytics/rfm/members/{member_id}'),
  requestRfmRun: op('POST', '/api/v1/console/analytics/rfm/runs'),
  getRfmRun: op('GET', '/api/v1/console/analytics/rfm/runs/{run_id}'),
  exportRfm: op('GET', '/api/v1/console/analytics/rfm/export'),
  funnel: op('POST', '/api/v1/console/analytics/funnels'),
  exportFunnel: op('POST', '/api/v1/console/analytics/funnels/export'),
  retention: op('GET', '/api/v1/console/analytics/retention'),
  funnelDropOffs: op('POST', '/api/v1/console/analytics/funnels/drop-offs'),
  attribution: op('GET', '/api/v1/console/analytics/attribution'),
  exportAttribution: op('GET', '/api/v1/console/analytics/attribution/export'),
  paths: op('GET', '/api/v1/console/analytics/paths'),
  realtimeOverview: op('GET', '/api/v1/console/analytics/realtime'),
  importHistory: op('POST', '/api/v1/console/analytics/history-imports'),
  memberProfile: op('GET', '/api/v1/console/analytics/profiles/{member_id}'),
  requestProfilesJob: op('POST', '/api/v1/console/analytics/profiles/jobs'),
  getProfilesJob: op('GET', '/api/v1/console/analytics/profiles/jobs/{job_id}'),
  listTags: op('GET', '/api/v1/console/analytics/tags'),
  createTag: op('POST', '/api/v1/console/analytics/tags'),
  updateTag: op('PATCH', '/api/v1/console/analytics/tags/{tag_id}'),
  addTagMembers: op('POST', '/api/v1/console/analytics/tags/{tag_id}/members'),
  removeTagMembers: op('POST', '/api/v1/console/analytics/tags/{tag_id}/member-removals'),
  previewSegment: op('POST', '/api/v1/console/analytics/segments/preview'),
  listSegments: op('GET', '/api/v1/console/analytics/segments'),
  createSegment: op('POST', '/api/v1/console/analytics/segments'),
  segmentMembers: op('GET', '/api/v1/console/analytics/segments/{segment_id}/members'),
  issueSegmentCoupon: op('POST', '/api/v1/console/analytics/segments/{segment_id}/coupon-issues'),
  clusters: op('GET', '/api/v1/console/analytics/clusters'),
  alertMetrics: op('GET', '/api/v1/console/insights/alerts/metrics'),
  listAlertMonitors: op('GET', '/api/v1/console/insights/alerts/monitors'),
  createAlertMonitor: op('POST', '/api/v1/console/insights/alerts/monitors'),
  updateAlertMonitor: op('PUT', '/api/v1/console/insights/alerts/monitors/{monitor_id}'),
  silenceAlertMonitor: op('POST', '/api/v1/console/insights/alerts/monitors/{monitor_id}/silence'),
  alertMonitorChecks: op('GET', '/api/v1/console/insights/alerts/monitors/{monitor_id}/checks'),
  listAlertChannels: op('GET', '/api/v1/console/insights/alerts/channels'),
  createAlertChannel: op('POST', '/api/v1/console/insights/alerts/channels'),
  updateAlertChannel: op('PUT', '/api/v1/console/insights/alerts/channels/{channel_id}'),
  testAlertChannel: op('POST', '/api/v1/console/insights/alerts/channels/{channel_id}/test'),
  listAlertIncidents: op('GET', '/api/v1/console/insights/alerts/incidents'),
  getAlertIncident: op('GET', '/api/v1/console/insights/alerts/incidents/{incident_id}'),
  acknowledgeAlertIncident: op('POST', '/api/v1/console/insights/alerts/incidents/{incident_id}/acknowledge'),
  resolveAlertIncident: op('POST', '/api/v1/console/insights/alerts/incidents/{incident_id}/resolve'),
  commentAlertIncident: op('POST', '/api/v1/console/insights/alerts/incidents/{incident_id}/comments'),
  alertInbox: op('GET', '/api/v1/console/insights/alerts/inbox'),
  readAlertInbox: op('POST', '/api/v1/console/insights/alerts/inbox/read'),
} satisfies Record<string, Operation>

export type OperationName = keyof typeof OPS

/** "METHOD /path" with path parameters normalised to `{}`, as in `virtual:openapi-operations`. */
export function operationKey(operation: Pick<Operation, 'method' | 'path'>): string {
  return `${operation.method} ${operation.path.replace(/\{[^}]+\}/g, '{}')}`
}

const AVAILABLE = new Set(available)

/** Whether the backend this console was built against serves `operation`. */
export function isAvailable(operation: Operation): boolean {
  return AVAILABLE.has(operationKey(operation))
}

/** Fill `{name}` placeholders; every placeholder must be given, values are URI-encoded. */
export function buildPath(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params[name]
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${template}`)
    return encodeURIComponent(String(value))
  })
}
