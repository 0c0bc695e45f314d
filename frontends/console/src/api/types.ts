/**
 * Shapes the console works with, named after the generated `schema.d.ts` (from the schema
 * snapshot). A planned operation (not served yet) would declare its shape here by hand and move
 * to the generated type when the backend lands.
 */
import type { components } from '@shoplet/shared/schema'

type S = components['schemas']

export type TokenResponse = S['TokenResponse']
export type StaffProfile = S['StaffProfile']
export type MfaEnrollment = S['MfaEnrollment']
export type StaffAccount = S['StaffAccount']
export type StaffCreate = S['StaffCreate']
export type StaffUpdate = S['StaffUpdate']
export type AuditEntry = S['AuditEntry']
export type LoginRequest = S['LoginRequest']
export type Role = StaffProfile['role']

export interface Page<T> {
  items: T[]
  next_cursor: string | null
}

// ---- catalog ----
export type Category = S['Category']
export type ProductAdmin = S['ProductAdmin']
export type SkuAdmin = S['SkuAdmin']
export type SpecValue = SkuAdmin['specs'][number]
export type ProductStatus = ProductAdmin['status']
export type ProductCreate = S['ProductCreate']
export type ProductUpdate = S['ProductUpdate']
export type SkuCreate = S['SkuCreate']
export type SkuUpdate = S['SkuUpdate']
export type StockLevel = S['StockLevelOut']
export type LedgerEntry = S['LedgerEntry']
export type BulkJob = S['BulkJobOut']
export type BulkJobCreate = S['BulkJobCreate']
export type BulkFailure = S['BulkFailure']
export type PriceChange = S['PriceChange']
export type PriceMode = PriceChange['mode']

// ---- trade ----
export type OrderAdmin = S['OrderAdmin']
export type ConsoleOrder = S['ConsoleOrder']
export type OrderStatus = OrderAdmin['status']
export type OrderLine = OrderAdmin['lines'][number]
export type TimelineEntry = OrderAdmin['timeline'][number]
export type OrderAddress = NonNullable<OrderAdmin['address']>
export type Aftersale = S['AfterSale']
export type AftersaleStatus = Aftersale['status']
export type ExportJob = S['ExportJobOut']
export type ExportQueued = S['ExportQueued']
export type OrderExportCreate = S['OrderExportCreate']
export type Dashboard = S['Dashboard']
export type DashboardFigures = S['DayFigures']
export type MediaOut = S['MediaOut']
export type VideoOut = S['VideoOut']
export type ImageSet = S['ImageSet']

// ---- flash sales (秒杀) ----
export type FlashSale = S['CampaignAdmin']
export type FlashSaleItem = S['ItemAdmin']
export type FlashSaleStatus = FlashSale['status']
export type FlashSaleCreate = S['CampaignCreate']
export type FlashSaleItemCreate = S['CampaignItemCreate']

// ---- coupons (优惠券) ----
export type CouponTemplate = S['Template']
export type MallItem = S['MallItem']
export type MallItemWrite = S['MallItemWrite']
export type DistributionSettingsWrite = S['DistributionSettingsWrite']
export type PromoterAdmin = S['PromoterAdmin']
export type KolRow = S['KolRow']
export type KolRunOut = S['KolRunOut']
export type KolGraph = S['KolGraph']
export type KolInviteOut = S['KolInviteOut']
export type InviteBody = S['InviteBody']
export type CommissionAdmin = S['CommissionAdmin']
export type WithdrawalAdmin = S['WithdrawalAdmin']
export type GroupBuy = S['GroupBuy']
export type GroupBuyWrite = S['GroupBuyWrite']
export type ShareStats = S['ShareStats']
export type GroupBuyGroupAdmin = S['GroupBuyGroupAdmin']
export type Crowdfunding = S['Crowdfunding']
export type CrowdfundingWrite = S['CrowdfundingWrite']
export type CampaignCosts = S['CampaignCosts']
export type BargainCampaign = S['BargainCampaign']
export type BargainCampaignWrite = S['BargainCampaignWrite']
export type BargainReport = S['BargainReport']
export type ReviewAdmin = S['ReviewAdmin']
export type CouponTemplateCreate = S['TemplateCreate']
export type CouponKind = CouponTemplate['kind']
export type CouponScope = CouponTemplate['scope']
export type CouponTemplateStatus = CouponTemplate['status']
export type CouponClaim = S['CouponClaim']
export type IssueReport = S['IssueReport']

export type LoyaltySettings = S['LoyaltySettings']
export type LoyaltySettingsUpdate = S['LoyaltySettingsUpdate']
export type MemberPoints = S['MemberPoints']
export type PointsEntry = S['PointsEntry']
export type CodeBatch = S['CodeBatch']
export type CouponJob = S['Job']
export type Segment = S['Segment']
export type SegmentPreview = S['SegmentPreview']
export type AppliedCoupon = S['AppliedCouponOut']
// ---- store-wide promotions (促销) ----
export type Promotion = S['PromotionOut']
export type PromotionCreate = S['PromotionCreate']
export type PromotionKind = Promotion['kind']
export type PromotionStatus = Promotion['status']
export type PromotionPolicy = S['Policy']
export type PromotionPreview = S['PromotionPreview']
export type AppliedPromotion = S['AppliedPromotion']
export type OrderPromotion = S['OrderPromotion']

// ---- paid membership (SVIP) ----
export type MembershipPlan = S['PlanOut']
export type MembershipPlanBody = S['PlanBody']
export type PlanPeriod = S['PlanPeriodOut']
export type Flag = S['Flag']
export type FlagCreate = S['FlagCreate']
export type FlagUpdate = S['FlagUpdate']
export type FlagChange = S['FlagChange']
export type FlagRelease = S['Release']
export type ReleaseStart = S['ReleaseStart']

// ---- metric alerts (告警) ----
export type AlertMetric = S['AlertMetric']
export type AlertMonitor = S['AlertMonitor']
export type AlertMonitorWrite = S['AlertMonitorWrite']
export type AlertRule = S['AlertRule']
export type AlertChannel = S['AlertChannel']
export type AlertChannelWrite = S['AlertChannelWrite']
export type AlertIncident = S['AlertIncident']
export type AlertIncidentDetail = S['AlertIncidentDetail']
export type AlertCheck = S['AlertCheck']
