/** The console's API, one function per backend operation (all go through `call`). */
import { call, download, objectUrl, openStream, uploadForm } from './client'
import { OPS, type Operation } from './operations'
import type { SubscribeEvent } from './types'
import type { ApiPath, BodyOf, QueryOf, ResponseOf } from './typing'

/** Response, body and query types of a schema operation, from the generated types. */
type Res<O> = O extends Operation<infer P, infer M> ? (P extends ApiPath ? ResponseOf<P, Lowercase<M>> : never) : never
type Body<O> = O extends Operation<infer P, infer M> ? (P extends ApiPath ? BodyOf<P, Lowercase<M>> : never) : never
type Q<O> = O extends Operation<infer P, infer M> ? (P extends ApiPath ? QueryOf<P, Lowercase<M>> : never) : never
type O = typeof OPS

export const consoleApi = {
  // auth
  login: (body: Body<O['login']>) =>
    call<Res<O['login']>>(OPS.login, { body, anonymous: true }),
  me: () => call<Res<O['me']>>(OPS.me),
  enrollMfa: () => call<Res<O['mfaEnroll']>>(OPS.mfaEnroll),
  confirmMfa: (body: Body<O['mfaConfirm']>) => call<Res<O['mfaConfirm']>>(OPS.mfaConfirm, { body }),
  listPasskeys: () => call<Res<O['listPasskeys']>>(OPS.listPasskeys),
  passkeyRegisterOptions: () => call<Res<O['passkeyRegisterOptions']>>(OPS.passkeyRegisterOptions),
  registerPasskey: (body: Body<O['registerPasskey']>) =>
    call<Res<O['registerPasskey']>>(OPS.registerPasskey, { body }),
  revokePasskey: (id: number) => call<void>(OPS.revokePasskey, { params: { passkey_id: id } }),
  passkeyLoginOptions: (body: Body<O['passkeyLoginOptions']>) =>
    call<Res<O['passkeyLoginOptions']>>(OPS.passkeyLoginOptions, { body, anonymous: true }),
  passkeyLogin: (body: Body<O['passkeyLogin']>) =>
    call<Res<O['passkeyLogin']>>(OPS.passkeyLogin, { body, anonymous: true }),
  stepUpOptions: () => call<Res<O['stepUpOptions']>>(OPS.stepUpOptions),
  stepUp: (body: Body<O['stepUp']>) => call<Res<O['stepUp']>>(OPS.stepUp, { body, noStepUp: true }),
  authPolicy: () => call<Res<O['authPolicy']>>(OPS.authPolicy),
  updateAuthPolicy: (body: Body<O['updateAuthPolicy']>) =>
    call<Res<O['updateAuthPolicy']>>(OPS.updateAuthPolicy, { body }),

  // staff (owner)
  listStaff: (query: Q<O['listStaff']> = {}) => call<Res<O['listStaff']>>(OPS.listStaff, { query }),
  createStaff: (body: Body<O['createStaff']>) =>
    call<Res<O['createStaff']>>(OPS.createStaff, { body }),
  updateStaff: (id: number, body: Body<O['updateStaff']>) =>
    call<Res<O['updateStaff']>>(OPS.updateStaff, { params: { staff_id: id }, body }),
  resetStaffMfa: (id: number) =>
    call<Res<O['resetStaffMfa']>>(OPS.resetStaffMfa, { params: { staff_id: id } }),
  auditLog: (query: Q<O['auditLog']> = {}) => call<Res<O['auditLog']>>(OPS.auditLog, { query }),
  auditChain: () => call<Res<O['auditChain']>>(OPS.auditChain),

  // open platform (owner)
  listOpenApps: () => call<Res<O['listOpenApps']>>(OPS.listOpenApps),
  createOpenApp: (body: Body<O['createOpenApp']>) =>
    call<Res<O['createOpenApp']>>(OPS.createOpenApp, { body }),
  updateOpenApp: (id: number, body: Body<O['updateOpenApp']>) =>
    call<Res<O['updateOpenApp']>>(OPS.updateOpenApp, { params: { app_id: id }, body }),
  rotateOpenAppSecret: (id: number, body: Body<O['rotateOpenAppSecret']>) =>
    call<Res<O['rotateOpenAppSecret']>>(OPS.rotateOpenAppSecret, { params: { app_id: id }, body }),
  openApiAccessLog: (query: Q<O['openApiAccessLog']> = {}) =>
    call<Res<O['openApiAccessLog']>>(OPS.openApiAccessLog, { query }),
  webhookEvents: () => call<Res<O['webhookEvents']>>(OPS.webhookEvents),
  listWebhooks: (appId: number) => call<Res<O['listWebhooks']>>(OPS.listWebhooks, { params: { app_id: appId } }),
  createWebhook: (appId: number, body: Body<O['createWebhook']>) =>
    call<Res<O['createWebhook']>>(OPS.createWebhook, { params: { app_id: appId }, body }),
  updateWebhook: (id: number, body: Body<O['updateWebhook']>) =>
    call<Res<O['updateWebhook']>>(OPS.updateWebhook, { params: { webhook_id: id }, body }),
  pingWebhook: (id: number) => call<Res<O['pingWebhook']>>(OPS.pingWebhook, { params: { webhook_id: id } }),
  rotateWebhookSecret: (id: number, body: Body<O['rotateWebhookSecret']>) =>
    call<Res<O['rotateWebhookSecret']>>(OPS.rotateWebhookSecret, { params: { webhook_id: id }, body }),
  replayWebhook: (id: number, body: Body<O['replayWebhook']>) =>
    call<Res<O['replayWebhook']>>(OPS.replayWebhook, { params: { webhook_id: id }, body }),
  webhookDeliveries: (query: Q<O['webhookDeliveries']> = {}) =>
    call<Res<O['webhookDeliveries']>>(OPS.webhookDeliveries, { query }),
  webhookDelivery: (id: number) =>
    call<Res<O['webhookDelivery']>>(OPS.webhookDelivery, { params: { delivery_id: id } }),
  resendWebhookDelivery: (id: number) =>
    call<Res<O['resendWebhookDelivery']>>(OPS.resendWebhookDelivery, { params: { delivery_id: id } }),
  cobrandItems: (query: Q<O['cobrandItems']> = {}) => call<Res<O['cobrandItems']>>(OPS.cobrandItems, { query }),
  cobrandReport: (query: Q<O['cobrandReport']>) => call<Res<O['cobrandReport']>>(OPS.cobrandReport, { query }),

  // invoices (发票)
  listInvoices: (query: Q<O['listInvoices']> = {}) => call<Res<O['listInvoices']>>(OPS.listInvoices, { query }),
  invoicePdfUrl: (invoiceNo: string) => objectUrl(OPS.invoicePdf, { params: { invoice_no: invoiceNo } }),
  /** Save the invoice as OFD (GB/T 33190); resolves with the file name. */
  downloadInvoiceOfd: (invoiceNo: string) =>
    download(OPS.invoiceDownload, { params: { invoice_no: invoiceNo }, query: { format: 'ofd' } }),
  retryInvoice: (invoiceNo: string) =>
    call<Res<O['retryInvoice']>>(OPS.retryInvoice, { params: { invoice_no: invoiceNo } }),
  getTaxProfile: (productId: number) =>
    call<Res<O['getTaxProfile']>>(OPS.getTaxProfile, { params: { product_id: productId } }),
  putTaxProfile: (productId: number, body: Body<O['putTaxProfile']>) =>
    call<Res<O['putTaxProfile']>>(OPS.putTaxProfile, { params: { product_id: productId }, body }),

  // stores (门店管理, 核销)
  listStores: (query: Q<O['listStores']> = {}) => call<Res<O['listStores']>>(OPS.listStores, { query }),
  createStore: (body: Body<O['createStore']>) => call<Res<O['createStore']>>(OPS.createStore, { body }),
  updateStore: (id: number, body: Body<O['updateStore']>) =>
    call<Res<O['updateStore']>>(OPS.updateStore, { params: { store_id: id }, body }),
  storeStock: (id: number) => call<Res<O['storeStock']>>(OPS.storeStock, { params: { store_id: id } }),
  setStoreStock: (id: number, skuId: number, body: Body<O['setStoreStock']>) =>
    call<Res<O['setStoreStock']>>(OPS.setStoreStock, { params: { store_id: id, sku_id: skuId }, body }),
  listStorePrices: (id: number, query: Q<O['listStorePrices']> = {}) =>
    call<Res<O['listStorePrices']>>(OPS.listStorePrices, { params: { store_id: id }, query }),
  setStorePrice: (id: number, skuId: number, body: Body<O['setStorePrice']>) =>
    call<Res<O['setStorePrice']>>(OPS.setStorePrice, { params: { store_id: id, sku_id: skuId }, body }),
  deleteStorePrice: (id: number, skuId: number) =>
    call<void>(OPS.deleteStorePrice, { params: { store_id: id, sku_id: skuId } }),
  importStorePrices: (id: number, file: File) => {
    const form = new FormData()
    form.append('file', file)
    return call<Res<O['importStorePrices']>>(OPS.importStorePrices, { params: { store_id: id }, form })
  },
  verifyPickup: (id: number, body: Body<O['verifyPickup']>) =>
    call<Res<O['verifyPickup']>>(OPS.verifyPickup, { params: { store_id: id }, body }),
  listStoreServices: (id: number) =>
    call<Res<O['listStoreServices']>>(OPS.listStoreServices, { params: { store_id: id } }),
  createStoreService: (id: number, body: Body<O['createStoreService']>) =>
    call<Res<O['createStoreService']>>(OPS.createStoreService, { params: { store_id: id }, body }),
  addServiceSlot: (serviceId: number, body: Body<O['addServiceSlot']>) =>
    call<Res<O['addServiceSlot']>>(OPS.addServiceSlot, { params: { service_id: serviceId }, body }),
  listStoreAppointments: (id: number, query: Q<O['listStoreAppointments']> = {}) =>
    call<Res<O['listStoreAppointments']>>(OPS.listStoreAppointments, { params: { store_id: id }, query }),
  checkInAppointment: (id: number, bookingId: number) =>
    call<Res<O['checkInAppointment']>>(OPS.checkInAppointment, { params: { store_id: id, booking_id: bookingId } }),

  // catalog
  listCategories: () => call<Res<O['listCategories']>>(OPS.listCategories),
  listProducts: (query: Q<O['listProducts']> = {}) =>
    call<Res<O['listProducts']>>(OPS.listProducts, { query }),
  getProduct: (id: number) =>
    call<Res<O['getProduct']>>(OPS.getProduct, { params: { product_id: id } }),
  productPriceHistory: (id: number, query: Q<O['productPriceHistory']> = {}) =>
    call<Res<O['productPriceHistory']>>(OPS.productPriceHistory, { params: { product_id: id }, query }),
  createProduct: (body: Body<O['createProduct']>) =>
    call<Res<O['createProduct']>>(OPS.createProduct, { body }),
  updateProduct: (id: number, body: Body<O['updateProduct']>) =>
    call<Res<O['updateProduct']>>(OPS.updateProduct, { params: { product_id: id }, body }),
  setProductStatus: (id: number, body: Body<O['setProductStatus']>) =>
    call<Res<O['setProductStatus']>>(OPS.setProductStatus, { params: { product_id: id }, body }),
  adjustStock: (skuId: number, body: Body<O['adjustStock']>) =>
    call<Res<O['adjustStock']>>(OPS.adjustStock, { params: { sku_id: skuId }, body }),
  stockLedger: (skuId: number, query: Q<O['stockLedger']> = {}) =>
    call<Res<O['stockLedger']>>(OPS.stockLedger, { params: { sku_id: skuId }, query }),
  uploadMedia: (file: File) => {
    const form = new FormData()
    form.append('file', file)
    return call<Res<O['uploadMedia']>>(OPS.uploadMedia, { form })
  },
  /** An image through the pipeline, reporting the fraction sent. */
  uploadImage: (file: File, onProgress: (fraction: number) => void) => {
    const form = new FormData()
    form.append('file', file)
    return uploadForm<Res<O['uploadMedia']>>(OPS.uploadMedia, form, onProgress)
  },
  uploadVideo: (file: File, onProgress: (fraction: number) => void) => {
    const form = new FormData()
    form.append('file', file)
    return uploadForm<Res<O['uploadVideo']>>(OPS.uploadVideo, form, onProgress)
  },
  /** The product's 3D model (.glb) and its optional alt text; the sprite is drawn by a job. */
  uploadProductModel: (productId: number, file: File, alt: string) => {
    const form = new FormData()
    form.append('file', file)
    if (alt.trim()) form.append('alt', alt.trim())
    return call<Res<O['uploadProductModel']>>(OPS.uploadProductModel, { params: { product_id: productId }, form })
  },
  getProductModel: (productId: number) =>
    call<Res<O['getProductModel']>>(OPS.getProductModel, { params: { product_id: productId } }),
  deleteProductModel: (productId: number) =>
    call<void>(OPS.deleteProductModel, { params: { product_id: productId } }),
  createBulkJob: (body: Body<O['createBulkJob']>) =>
    call<Res<O['createBulkJob']>>(OPS.createBulkJob, { body }),
  importStock: (file: File) => {
    const form = new FormData()
    form.append('file', file)
    return call<Res<O['importStock']>>(OPS.importStock, { form })
  },
  /** A product import (CSV/XLSX); `update` updates SKUs already in the shop. */
  importProducts: (file: File, update: boolean) => {
    const form = new FormData()
    form.append('file', file)
    if (update) form.append('update', 'true')
    return call<Res<O['importProducts']>>(OPS.importProducts, { form })
  },
  downloadImportTemplate: () => download(OPS.productImportTemplate),
  getBulkJob: (jobId: number) =>
    call<Res<O['getBulkJob']>>(OPS.getBulkJob, { params: { job_id: jobId } }),

  // trade
  listOrders: (query: Q<O['listOrders']> = {}) =>
    call<Res<O['listOrders']>>(OPS.listOrders, { query }),
  getOrder: (orderNo: string, query: Q<O['getOrder']> = {}) =>
    call<Res<O['getOrder']>>(OPS.getOrder, { params: { order_no: orderNo }, query }),
  shipOrder: (orderNo: string, body: Body<O['shipOrder']>) =>
    call<Res<O['shipOrder']>>(OPS.shipOrder, { params: { order_no: orderNo }, body }),
  orderTracking: (orderNo: string) =>
    call<Res<O['orderTracking']>>(OPS.orderTracking, { params: { order_no: orderNo } }),
  // The e-waybill label as an object URL (the image needs the staff token); revoke it when done.
  retryTrackingCall: (orderNo: string, kind: 'subscribe' | 'wechat') =>
    call<Res<O['retryTrackingCall']>>(OPS.retryTrackingCall, { params: { order_no: orderNo, kind } }),
  orderWaybillUrl: (orderNo: string) => objectUrl(OPS.orderWaybill, { params: { order_no: orderNo } }),
  printWaybills: (body: Body<O['printWaybills']>) =>
    call<Res<O['printWaybills']>>(OPS.printWaybills, { body }),
  logisticsSettings: () => call<Res<O['logisticsSettings']>>(OPS.logisticsSettings),
  listCarriers: () => call<Res<O['listCarriers']>>(OPS.listCarriers),
  listShippingCarriers: () => call<Res<O['listShippingCarriers']>>(OPS.listShippingCarriers),
  createCarrier: (body: Body<O['createCarrier']>) =>
    call<Res<O['createCarrier']>>(OPS.createCarrier, { body }),
  updateCarrier: (code: string, body: Body<O['updateCarrier']>) =>
    call<Res<O['updateCarrier']>>(OPS.updateCarrier, { params: { code }, body }),
  reorderCarriers: (body: Body<O['reorderCarriers']>) =>
    call<Res<O['reorderCarriers']>>(OPS.reorderCarriers, { body }),
  listAftersales: (query: Q<O['listAftersales']> = {}) =>
    call<Res<O['listAftersales']>>(OPS.listAftersales, { query }),
  approveAftersale: (no: string) =>
    call<Res<O['approveAftersale']>>(OPS.approveAftersale, { params: { aftersale_no: no } }),
  rejectAftersale: (no: string, body: Body<O['rejectAftersale']>) =>
    call<Res<O['rejectAftersale']>>(OPS.rejectAftersale, { params: { aftersale_no: no }, body }),
  confirmReturn: (no: string) =>
    call<Res<O['confirmReturn']>>(OPS.confirmReturn, { params: { aftersale_no: no } }),
  exportOrders: (body: Body<O['exportOrders']>) =>
    call<Res<O['exportOrders']>>(OPS.exportOrders, { body }),
  getExport: (jobId: number) =>
    call<Res<O['getExport']>>(OPS.getExport, { params: { job_id: jobId } }),
  downloadExport: (jobId: number) => download(OPS.downloadExport, { params: { job_id: jobId } }),

  dashboard: (query: Q<O['dashboard']> = {}) => call<Res<O['dashboard']>>(OPS.dashboard, { query }),

  // flash sales (秒杀)
  listFlashSales: (query: Q<O['listFlashSales']> = {}) =>
    call<Res<O['listFlashSales']>>(OPS.listFlashSales, { query }),
  createFlashSale: (body: Body<O['createFlashSale']>) =>
    call<Res<O['createFlashSale']>>(OPS.createFlashSale, { body }),
  getFlashSale: (id: number) =>
    call<Res<O['getFlashSale']>>(OPS.getFlashSale, { params: { campaign_id: id } }),
  updateFlashSale: (id: number, body: Body<O['updateFlashSale']>) =>
    call<Res<O['updateFlashSale']>>(OPS.updateFlashSale, { params: { campaign_id: id }, body }),
  cancelFlashSale: (id: number) =>
    call<Res<O['cancelFlashSale']>>(OPS.cancelFlashSale, { params: { campaign_id: id } }),
  reconcileFlashSale: (id: number) =>
    call<Res<O['reconcileFlashSale']>>(OPS.reconcileFlashSale, { params: { campaign_id: id } }),

  // coupons (优惠券)
  listCouponTemplates: (query: Q<O['listCouponTemplates']> = {}) =>
    call<Res<O['listCouponTemplates']>>(OPS.listCouponTemplates, { query }),
  createCouponTemplate: (body: Body<O['createCouponTemplate']>) =>
    call<Res<O['createCouponTemplate']>>(OPS.createCouponTemplate, { body }),
  getCouponTemplate: (id: number) =>
    call<Res<O['getCouponTemplate']>>(OPS.getCouponTemplate, { params: { template_id: id } }),
  updateCouponTemplate: (id: number, body: Body<O['updateCouponTemplate']>) =>
    call<Res<O['updateCouponTemplate']>>(OPS.updateCouponTemplate, { params: { template_id: id }, body }),
  activateCouponTemplate: (id: number) =>
    call<Res<O['activateCouponTemplate']>>(OPS.activateCouponTemplate, { params: { template_id: id } }),
  stopCouponTemplate: (id: number) =>
    call<Res<O['stopCouponTemplate']>>(OPS.stopCouponTemplate, { params: { template_id: id } }),
  issueCoupons: (id: number, body: Body<O['issueCoupons']>) =>
    call<Res<O['issueCoupons']>>(OPS.issueCoupons, { params: { template_id: id }, body }),
  listCouponClaims: (id: number, query: Q<O['listCouponClaims']> = {}) =>
    call<Res<O['listCouponClaims']>>(OPS.listCouponClaims, { params: { template_id: id }, query }),

  // points (loyalty)
  getLoyaltySettings: () => call<Res<O['getLoyaltySettings']>>(OPS.getLoyaltySettings),
  updateLoyaltySettings: (body: Body<O['updateLoyaltySettings']>) =>
    call<Res<O['updateLoyaltySettings']>>(OPS.updateLoyaltySettings, { body }),
  // search: synonyms, corrections, zero-result queries, the index
  listSynonyms: () => call<Res<O['listSynonyms']>>(OPS.listSynonyms),
  createSynonym: (body: Body<O['createSynonym']>) => call<Res<O['createSynonym']>>(OPS.createSynonym, { body }),
  updateSynonym: (id: number, body: Body<O['updateSynonym']>) =>
    call<Res<O['updateSynonym']>>(OPS.updateSynonym, { params: { synonym_id: id }, body }),
  deleteSynonym: (id: number) => call<void>(OPS.deleteSynonym, { params: { synonym_id: id } }),
  listCorrections: () => call<Res<O['listCorrections']>>(OPS.listCorrections),
  createCorrection: (body: Body<O['createCorrection']>) =>
    call<Res<O['createCorrection']>>(OPS.createCorrection, { body }),
  deleteCorrection: (id: number) => call<void>(OPS.deleteCorrection, { params: { correction_id: id } }),
  listZeroResults: (query: Q<O['listZeroResults']> = {}) =>
    call<Res<O['listZeroResults']>>(OPS.listZeroResults, { query }),
  synonymFromZeroResult: (body: Body<O['synonymFromZeroResult']>) =>
    call<Res<O['synonymFromZeroResult']>>(OPS.synonymFromZeroResult, { body }),
  searchIndexStatus: () => call<Res<O['searchIndexStatus']>>(OPS.searchIndexStatus),
  searchAnalytics: (query: Q<O['searchAnalytics']> = {}) =>
    call<Res<O['searchAnalytics']>>(OPS.searchAnalytics, { query }),
  recommendAnalytics: (query: Q<O['recommendAnalytics']> = {}) =>
    call<Res<O['recommendAnalytics']>>(OPS.recommendAnalytics, { query }),

  listMembers: (query: Q<O['listMembers']> = {}) => call<Res<O['listMembers']>>(OPS.listMembers, { query }),
  listMemberMerges: (query: Q<O['listMemberMerges']> = {}) =>
    call<Res<O['listMemberMerges']>>(OPS.listMemberMerges, { query }),
  listMembersByTier: (query: Q<O['listMembersByTier']> = {}) =>
    call<Res<O['listMembersByTier']>>(OPS.listMembersByTier, { query }),
  getMember: (id: number, query: Q<O['getMember']> = {}) =>
    call<Res<O['getMember']>>(OPS.getMember, { params: { member_id: id }, query }),
  memberCoupons: (id: number, query: Q<O['memberCoupons']> = {}) =>
    call<Res<O['memberCoupons']>>(OPS.memberCoupons, { params: { member_id: id }, query }),
  memberOrders: (id: number, query: Q<O['memberOrders']> = {}) =>
    call<Res<O['memberOrders']>>(OPS.memberOrders, { params: { member_id: id }, query }),
  getMemberPoints: (id: number, query: { cursor?: string | null; limit?: number } = {}) =>
    call<Res<O['getMemberPoints']>>(OPS.getMemberPoints, { params: { member_id: id }, query }),
  adjustMemberPoints: (id: number, body: Body<O['adjustMemberPoints']>) =>
    call<Res<O['adjustMemberPoints']>>(OPS.adjustMemberPoints, { params: { member_id: id }, body }),
  // reviews (评价管理)
  listReviews: (query: Q<O['listReviews']> = {}) =>
    call<Res<O['listReviews']>>(OPS.listReviews, { query }),
  approveReview: (id: number) =>
    call<Res<O['approveReview']>>(OPS.approveReview, { params: { review_id: id } }),
  hideReview: (id: number) =>
    call<Res<O['hideReview']>>(OPS.hideReview, { params: { review_id: id } }),
  replyReview: (id: number, body: Body<O['replyReview']>) =>
    call<Res<O['replyReview']>>(OPS.replyReview, { params: { review_id: id }, body }),

  // live (直播: sessions and the control room)
  liveSessions: (query: { tab?: 'upcoming' | 'live' | 'replay'; cursor?: string | null } = {}) =>
    call<Res<O['liveSessions']>>(OPS.liveSessions, { query }),
  liveCreate: (body: Body<O['liveCreate']>) => call<Res<O['liveCreate']>>(OPS.liveCreate, { body }),
  liveGet: (id: number) => call<Res<O['liveGet']>>(OPS.liveGet, { params: { session_id: id } }),
  liveUpdate: (id: number, body: Body<O['liveUpdate']>) =>
    call<Res<O['liveUpdate']>>(OPS.liveUpdate, { params: { session_id: id }, body }),
  liveControl: (id: number) => call<Res<O['liveControl']>>(OPS.liveControl, { params: { session_id: id } }),
  liveStart: (id: number) => call<Res<O['liveStart']>>(OPS.liveStart, { params: { session_id: id } }),
  liveEnd: (id: number) => call<Res<O['liveEnd']>>(OPS.liveEnd, { params: { session_id: id } }),
  liveShelf: (id: number, body: Body<O['liveShelf']>) =>
    call<Res<O['liveShelf']>>(OPS.liveShelf, { params: { session_id: id }, body }),
  liveExplain: (id: number, productId: number | null) =>
    call<Res<O['liveExplain']>>(OPS.liveExplain, { params: { session_id: id }, body: { product_id: productId } }),
  livePushCoupon: (id: number, templateId: number) =>
    call<Res<O['livePushCoupon']>>(OPS.livePushCoupon, { params: { session_id: id }, body: { template_id: templateId } }),
  liveRestrict: (id: number, memberId: number, kind: 'mute' | 'ban') =>
    call<Res<O['liveRestrict']>>(OPS.liveRestrict, { params: { session_id: id }, body: { member_id: memberId, kind } }),
  liveLift: (id: number, memberId: number, kind: 'mute' | 'ban') =>
    call<void>(OPS.liveLift, { params: { session_id: id, member_id: memberId }, query: { kind } }),
  liveMetrics: (id: number) => call<Res<O['liveMetrics']>>(OPS.liveMetrics, { params: { session_id: id } }),
  liveRecording: (id: number) => call<Res<O['liveRecording']>>(OPS.liveRecording, { params: { session_id: id } }),
  livePublishReplay: (id: number, isPublished: boolean) =>
    call<Res<O['livePublishReplay']>>(OPS.livePublishReplay, {
      params: { session_id: id },
      body: { is_published: isPublished },
    }),

  // support (客服工作台: the queue, conversations, quick replies)
  supportWorkbench: () => call<Res<O['supportWorkbench']>>(OPS.supportWorkbench),
  supportAgents: () => call<Res<O['supportAgents']>>(OPS.supportAgents),
  supportConversation: (id: number) =>
    call<Res<O['supportConversation']>>(OPS.supportConversation, { params: { conversation_id: id } }),
  supportMessages: (id: number, after: string | null) =>
    call<Res<O['supportMessages']>>(OPS.supportMessages, { params: { conversation_id: id }, query: { after } }),
  supportClaim: (id: number) => call<Res<O['supportClaim']>>(OPS.supportClaim, { params: { conversation_id: id } }),
  supportSend: (id: number, body: Body<O['supportSend']>) =>
    call<Res<O['supportSend']>>(OPS.supportSend, { params: { conversation_id: id }, body }),
  supportTransfer: (id: number, staffId: number) =>
    call<Res<O['supportTransfer']>>(OPS.supportTransfer, { params: { conversation_id: id }, body: { staff_id: staffId } }),
  supportClose: (id: number) => call<Res<O['supportClose']>>(OPS.supportClose, { params: { conversation_id: id } }),
  supportTyping: (id: number) => call<void>(OPS.supportTyping, { params: { conversation_id: id } }),
  supportRead: (id: number, messageId: number) =>
    call<Res<O['supportRead']>>(OPS.supportRead, { params: { conversation_id: id }, body: { message_id: messageId } }),
  supportQuickReplies: () => call<Res<O['supportQuickReplies']>>(OPS.supportQuickReplies),
  supportAddQuickReply: (body: Body<O['supportAddQuickReply']>) =>
    call<Res<O['supportAddQuickReply']>>(OPS.supportAddQuickReply, { body }),
  supportUpdateQuickReply: (id: number, body: Body<O['supportUpdateQuickReply']>) =>
    call<Res<O['supportUpdateQuickReply']>>(OPS.supportUpdateQuickReply, { params: { reply_id: id }, body }),
  supportDeleteQuickReply: (id: number) =>
    call<void>(OPS.supportDeleteQuickReply, { params: { reply_id: id } }),

  // risk (风控: rules, lists, decision log, review queue)
  listRiskRules: () => call<Res<O['listRiskRules']>>(OPS.listRiskRules),
  createRiskRule: (body: Body<O['createRiskRule']>) => call<Res<O['createRiskRule']>>(OPS.createRiskRule, { body }),
  updateRiskRule: (id: number, body: Body<O['updateRiskRule']>) =>
    call<Res<O['updateRiskRule']>>(OPS.updateRiskRule, { params: { rule_id: id }, body }),
  deleteRiskRule: (id: number) => call<void>(OPS.deleteRiskRule, { params: { rule_id: id } }),
  adoptRiskDefaults: () => call<Res<O['adoptRiskDefaults']>>(OPS.adoptRiskDefaults),
  listRiskEntries: () => call<Res<O['listRiskEntries']>>(OPS.listRiskEntries),
  addRiskEntry: (body: Body<O['addRiskEntry']>) => call<Res<O['addRiskEntry']>>(OPS.addRiskEntry, { body }),
  deleteRiskEntry: (id: number) => call<void>(OPS.deleteRiskEntry, { params: { entry_id: id } }),
  listRiskDecisions: (query: Q<O['listRiskDecisions']> = {}) =>
    call<Res<O['listRiskDecisions']>>(OPS.listRiskDecisions, { query }),
  reviewRiskDecision: (id: number, body: Body<O['reviewRiskDecision']>) =>
    call<Res<O['reviewRiskDecision']>>(OPS.reviewRiskDecision, { params: { decision_id: id }, body }),
  riskAnomalyStatus: () => call<Res<O['riskAnomalyStatus']>>(OPS.riskAnomalyStatus),
  refitRiskAnomaly: () => call<Res<O['refitRiskAnomaly']>>(OPS.refitRiskAnomaly),
  // 订阅消息 (subscribe messages)
  listSubscribeTemplates: () => call<Res<O['listSubscribeTemplates']>>(OPS.listSubscribeTemplates),
  saveSubscribeTemplate: (event: SubscribeEvent, body: Body<O['saveSubscribeTemplate']>) =>
    call<Res<O['saveSubscribeTemplate']>>(OPS.saveSubscribeTemplate, { params: { event }, body }),
  listSubscribeSends: (query: Q<O['listSubscribeSends']> = {}) =>
    call<Res<O['listSubscribeSends']>>(OPS.listSubscribeSends, { query }),
  // 公众号 (WeChat Official Account)
  officialAccountSettings: () => call<Res<O['officialAccountSettings']>>(OPS.officialAccountSettings),
  saveOfficialAccountSettings: (body: Body<O['saveOfficialAccountSettings']>) =>
    call<Res<O['saveOfficialAccountSettings']>>(OPS.saveOfficialAccountSettings, { body }),
  syncOfficialAccountFollowers: () =>
    call<Res<O['syncOfficialAccountFollowers']>>(OPS.syncOfficialAccountFollowers),
  listOfficialAccountTemplates: () =>
    call<Res<O['listOfficialAccountTemplates']>>(OPS.listOfficialAccountTemplates),
  saveOfficialAccountTemplate: (event: SubscribeEvent, body: Body<O['saveOfficialAccountTemplate']>) =>
    call<Res<O['saveOfficialAccountTemplate']>>(OPS.saveOfficialAccountTemplate, { params: { event }, body }),
  listOfficialAccountSends: (query: Q<O['listOfficialAccountSends']> = {}) =>
    call<Res<O['listOfficialAccountSends']>>(OPS.listOfficialAccountSends, { query }),
  // content (问答, 种草与话题)
  listContentQuestions: (query: Q<O['listContentQuestions']> = {}) =>
    call<Res<O['listContentQuestions']>>(OPS.listContentQuestions, { query }),
  contentQuestionAnswers: (id: number) =>
    call<Res<O['contentQuestionAnswers']>>(OPS.contentQuestionAnswers, { params: { question_id: id } }),
  answerContentQuestion: (id: number, body: Body<O['answerContentQuestion']>) =>
    call<Res<O['answerContentQuestion']>>(OPS.answerContentQuestion, { params: { question_id: id }, body }),
  removeContentQuestion: (id: number) =>
    call<void>(OPS.removeContentQuestion, { params: { question_id: id } }),
  removeContentAnswer: (id: number) => call<void>(OPS.removeContentAnswer, { params: { answer_id: id } }),
  listContentTopics: () => call<Res<O['listContentTopics']>>(OPS.listContentTopics),
  createContentTopic: (body: Body<O['createContentTopic']>) =>
    call<Res<O['createContentTopic']>>(OPS.createContentTopic, { body }),
  updateContentTopic: (id: number, body: Body<O['updateContentTopic']>) =>
    call<Res<O['updateContentTopic']>>(OPS.updateContentTopic, { params: { topic_id: id }, body }),
  getTopicChallenge: (id: number) =>
    call<Res<O['getTopicChallenge']>>(OPS.getTopicChallenge, { params: { topic_id: id } }),
  saveTopicChallenge: (id: number, body: Body<O['saveTopicChallenge']>) =>
    call<Res<O['saveTopicChallenge']>>(OPS.saveTopicChallenge, { params: { topic_id: id }, body }),
  settleTopicChallenge: (id: number) =>
    call<Res<O['settleTopicChallenge']>>(OPS.settleTopicChallenge, { params: { topic_id: id } }),
  reissueChallengePrize: (id: number, rank: number) =>
    call<Res<O['reissueChallengePrize']>>(OPS.reissueChallengePrize, { params: { topic_id: id, rank } }),
  listContentPosts: (query: Q<O['listContentPosts']> = {}) =>
    call<Res<O['listContentPosts']>>(OPS.listContentPosts, { query }),
  pinContentPost: (id: number, body: Body<O['pinContentPost']>) =>
    call<Res<O['pinContentPost']>>(OPS.pinContentPost, { params: { post_id: id }, body }),
  removeContentPost: (id: number) => call<void>(OPS.removeContentPost, { params: { post_id: id } }),
  removeContentComment: (id: number) =>
    call<void>(OPS.removeContentComment, { params: { comment_id: id } }),

  // moderation (内容审核, 敏感词库)
  listModerationItems: (query: Q<O['listModerationItems']> = {}) =>
    call<Res<O['listModerationItems']>>(OPS.listModerationItems, { query }),
  moderationItem: (id: number) =>
    call<Res<O['moderationItem']>>(OPS.moderationItem, { params: { item_id: id } }),
  approveModerationItem: (id: number, body: Body<O['approveModerationItem']>) =>
    call<Res<O['approveModerationItem']>>(OPS.approveModerationItem, { params: { item_id: id }, body }),
  rejectModerationItem: (id: number, body: Body<O['rejectModerationItem']>) =>
    call<Res<O['rejectModerationItem']>>(OPS.rejectModerationItem, { params: { item_id: id }, body }),
  bulkModerate: (body: Body<O['bulkModerate']>) => call<Res<O['bulkModerate']>>(OPS.bulkModerate, { body }),
  listLexiconWords: (query: Q<O['listLexiconWords']> = {}) =>
    call<Res<O['listLexiconWords']>>(OPS.listLexiconWords, { query }),
  createLexiconWord: (body: Body<O['createLexiconWord']>) =>
    call<Res<O['createLexiconWord']>>(OPS.createLexiconWord, { body }),
  updateLexiconWord: (id: number, body: Body<O['updateLexiconWord']>) =>
    call<Res<O['updateLexiconWord']>>(OPS.updateLexiconWord, { params: { word_id: id }, body }),
  deleteLexiconWord: (id: number) => call<void>(OPS.deleteLexiconWord, { params: { word_id: id } }),
  importLexiconWords: (body: Body<O['importLexiconWords']>) =>
    call<Res<O['importLexiconWords']>>(OPS.importLexiconWords, { body }),
  testLexicon: (body: Body<O['testLexicon']>) => call<Res<O['testLexicon']>>(OPS.testLexicon, { body }),

  // achievements (成就) and the mascot (品牌形象)
  listAchievements: () => call<Res<O['listAchievements']>>(OPS.listAchievements),
  createAchievement: (body: Body<O['createAchievement']>) =>
    call<Res<O['createAchievement']>>(OPS.createAchievement, { body }),
  updateAchievement: (id: number, body: Body<O['updateAchievement']>) =>
    call<Res<O['updateAchievement']>>(OPS.updateAchievement, { params: { definition_id: id }, body }),
  startAchievementBackfill: (id: number) =>
    call<Res<O['startAchievementBackfill']>>(OPS.startAchievementBackfill, { params: { definition_id: id } }),
  getAchievementBackfill: (id: number) =>
    call<Res<O['getAchievementBackfill']>>(OPS.getAchievementBackfill, { params: { job_id: id } }),
  getMascot: () => call<Res<O['getMascot']>>(OPS.getMascot),
  setMascot: (body: Body<O['setMascot']>) => call<Res<O['setMascot']>>(OPS.setMascot, { body }),

  // points mall (积分商城)
  listMallItems: (query: Q<O['listMallItems']> = {}) =>
    call<Res<O['listMallItems']>>(OPS.listMallItems, { query }),
  createMallItem: (body: Body<O['createMallItem']>) =>
    call<Res<O['createMallItem']>>(OPS.createMallItem, { body }),
  updateMallItem: (id: number, body: Body<O['updateMallItem']>) =>
    call<Res<O['updateMallItem']>>(OPS.updateMallItem, { params: { item_id: id }, body }),
  setMallItemStatus: (id: number, body: Body<O['setMallItemStatus']>) =>
    call<Res<O['setMallItemStatus']>>(OPS.setMallItemStatus, { params: { item_id: id }, body }),
  // group buys (拼团)
  // 分销 (distribution)
  distributionSettings: () => call<Res<O['distributionSettings']>>(OPS.distributionSettings),
  saveDistributionSettings: (body: Body<O['saveDistributionSettings']>) =>
    call<Res<O['saveDistributionSettings']>>(OPS.saveDistributionSettings, { body }),
  listPromoters: (query: Q<O['listPromoters']> = {}) =>
    call<Res<O['listPromoters']>>(OPS.listPromoters, { query }),
  reviewPromoter: (id: number, body: Body<O['reviewPromoter']>) =>
    call<Res<O['reviewPromoter']>>(OPS.reviewPromoter, { params: { promoter_id: id }, body }),
  listCommissions: (query: Q<O['listCommissions']> = {}) =>
    call<Res<O['listCommissions']>>(OPS.listCommissions, { query }),
  listWithdrawals: (query: Q<O['listWithdrawals']> = {}) =>
    call<Res<O['listWithdrawals']>>(OPS.listWithdrawals, { query }),
  approveWithdrawal: (id: number) =>
    call<Res<O['approveWithdrawal']>>(OPS.approveWithdrawal, { params: { withdrawal_id: id } }),
  rejectWithdrawal: (id: number, body: Body<O['rejectWithdrawal']>) =>
    call<Res<O['rejectWithdrawal']>>(OPS.rejectWithdrawal, { params: { withdrawal_id: id }, body }),
  // 达人发现 (KOL discovery)
  listKols: (query: Q<O['listKols']> = {}) => call<Res<O['listKols']>>(OPS.listKols, { query }),
  kolGraph: (query: Q<O['kolGraph']> = {}) => call<Res<O['kolGraph']>>(OPS.kolGraph, { query }),
  runKolAnalysis: () => call<Res<O['runKolAnalysis']>>(OPS.runKolAnalysis),
  inviteKols: (body: Body<O['inviteKols']>) => call<Res<O['inviteKols']>>(OPS.inviteKols, { body }),
  listKolInvitations: (query: Q<O['listKolInvitations']> = {}) =>
    call<Res<O['listKolInvitations']>>(OPS.listKolInvitations, { query }),
  listGroupBuys: (query: Q<O['listGroupBuys']> = {}) =>
    call<Res<O['listGroupBuys']>>(OPS.listGroupBuys, { query }),
  createGroupBuy: (body: Body<O['createGroupBuy']>) =>
    call<Res<O['createGroupBuy']>>(OPS.createGroupBuy, { body }),
  updateGroupBuy: (id: number, body: Body<O['updateGroupBuy']>) =>
    call<Res<O['updateGroupBuy']>>(OPS.updateGroupBuy, { params: { campaign_id: id }, body }),
  stopGroupBuy: (id: number) =>
    call<Res<O['stopGroupBuy']>>(OPS.stopGroupBuy, { params: { campaign_id: id }, body: { status: 'stopped' } }),
  listGroupBuyGroups: (query: Q<O['listGroupBuyGroups']> = {}) =>
    call<Res<O['listGroupBuyGroups']>>(OPS.listGroupBuyGroups, { query }),
  shareStats: (query: Q<O['shareStats']> = {}) => call<Res<O['shareStats']>>(OPS.shareStats, { query }),
  groupBuyCosts: (id: number) =>
    call<Res<O['groupBuyCosts']>>(OPS.groupBuyCosts, { params: { campaign_id: id } }),
  // crowdfunding (众筹)
  listCrowdfundings: (query: Q<O['listCrowdfundings']> = {}) =>
    call<Res<O['listCrowdfundings']>>(OPS.listCrowdfundings, { query }),
  getCrowdfunding: (id: number) =>
    call<Res<O['getCrowdfunding']>>(OPS.getCrowdfunding, { params: { campaign_id: id } }),
  createCrowdfunding: (body: Body<O['createCrowdfunding']>) =>
    call<Res<O['createCrowdfunding']>>(OPS.createCrowdfunding, { body }),
  updateCrowdfunding: (id: number, body: Body<O['updateCrowdfunding']>) =>
    call<Res<O['updateCrowdfunding']>>(OPS.updateCrowdfunding, { params: { campaign_id: id }, body }),
  stopCrowdfunding: (id: number) =>
    call<Res<O['stopCrowdfunding']>>(OPS.stopCrowdfunding, { params: { campaign_id: id }, body: { status: 'stopped' } }),
  crowdfundingCosts: (id: number) =>
    call<Res<O['crowdfundingCosts']>>(OPS.crowdfundingCosts, { params: { campaign_id: id } }),
  listBargainCampaigns: (query: Q<O['listBargainCampaigns']> = {}) =>
    call<Res<O['listBargainCampaigns']>>(OPS.listBargainCampaigns, { query }),
  createBargainCampaign: (body: Body<O['createBargainCampaign']>) =>
    call<Res<O['createBargainCampaign']>>(OPS.createBargainCampaign, { body }),
  updateBargainCampaign: (id: number, body: Body<O['updateBargainCampaign']>) =>
    call<Res<O['updateBargainCampaign']>>(OPS.updateBargainCampaign, { params: { campaign_id: id }, body }),
  stopBargainCampaign: (id: number) =>
    call<Res<O['stopBargainCampaign']>>(OPS.stopBargainCampaign, { params: { campaign_id: id }, body: { status: 'stopped' } }),
  bargainCampaignReport: (id: number) =>
    call<Res<O['bargainCampaignReport']>>(OPS.bargainCampaignReport, { params: { campaign_id: id } }),
  // member tiers (会员等级)
  membershipTiers: () => call<Res<O['membershipTiers']>>(OPS.membershipTiers),
  saveMembershipTiers: (body: Body<O['saveMembershipTiers']>) =>
    call<Res<O['saveMembershipTiers']>>(OPS.saveMembershipTiers, { body }),
  membershipSettings: () => call<Res<O['membershipSettings']>>(OPS.membershipSettings),
  saveMembershipSettings: (body: Body<O['saveMembershipSettings']>) =>
    call<Res<O['saveMembershipSettings']>>(OPS.saveMembershipSettings, { body }),
  membershipStats: () => call<Res<O['membershipStats']>>(OPS.membershipStats),
  membershipExclusions: () => call<Res<O['membershipExclusions']>>(OPS.membershipExclusions),
  saveMembershipExclusions: (body: Body<O['saveMembershipExclusions']>) =>
    call<Res<O['saveMembershipExclusions']>>(OPS.saveMembershipExclusions, { body }),
  benefitCosts: (query: Q<O['benefitCosts']> = {}) =>
    call<Res<O['benefitCosts']>>(OPS.benefitCosts, { query }),
  simulateBenefitCosts: (body: Body<O['simulateBenefitCosts']>) =>
    call<Res<O['simulateBenefitCosts']>>(OPS.simulateBenefitCosts, { body }),
  // 智能问数
  ask: (body: Body<O['ask']>) => call<Res<O['ask']>>(OPS.ask, { body }),
  // experiment calculator (实验计算器)
  // feature flags and gray releases
  listFlags: (query: Q<O['listFlags']> = {}) => call<Res<O['listFlags']>>(OPS.listFlags, { query }),
  createFlag: (body: Body<O['createFlag']>) => call<Res<O['createFlag']>>(OPS.createFlag, { body }),
  updateFlag: (key: string, body: Body<O['updateFlag']>) =>
    call<Res<O['updateFlag']>>(OPS.updateFlag, { params: { key }, body }),
  toggleFlag: (key: string, body: Body<O['toggleFlag']>) =>
    call<Res<O['toggleFlag']>>(OPS.toggleFlag, { params: { key }, body }),
  flagHistory: (key: string, query: Q<O['flagHistory']> = {}) =>
    call<Res<O['flagHistory']>>(OPS.flagHistory, { params: { key }, query }),
  startFlagRelease: (key: string, body: Body<O['startFlagRelease']>) =>
    call<Res<O['startFlagRelease']>>(OPS.startFlagRelease, { params: { key }, body }),
  latestFlagRelease: (key: string) =>
    call<Res<O['latestFlagRelease']>>(OPS.latestFlagRelease, { params: { key } }),

  analyzeExperiment: (body: Body<O['analyzeExperiment']>) =>
    call<Res<O['analyzeExperiment']>>(OPS.analyzeExperiment, { body }),
  experimentSampleSize: (body: Body<O['experimentSampleSize']>) =>
    call<Res<O['experimentSampleSize']>>(OPS.experimentSampleSize, { body }),

  // experiments (A/B 实验)
  listExperimentLayers: () => call<Res<O['listExperimentLayers']>>(OPS.listExperimentLayers),
  createExperimentLayer: (body: Body<O['createExperimentLayer']>) =>
    call<Res<O['createExperimentLayer']>>(OPS.createExperimentLayer, { body }),
  // 企业微信 (WeCom customer contact)
  wecomStatus: () => call<Res<O['wecomStatus']>>(OPS.wecomStatus),
  // 线下码 (offline codes)
  listOfflineCodes: (query: Q<O['listOfflineCodes']> = {}) =>
    call<Res<O['listOfflineCodes']>>(OPS.listOfflineCodes, { query }),
  createOfflineCode: (body: Body<O['createOfflineCode']>) =>
    call<Res<O['createOfflineCode']>>(OPS.createOfflineCode, { body }),
  createOfflineCodesForStores: (body: Body<O['createOfflineCodesForStores']>) =>
    call<Res<O['createOfflineCodesForStores']>>(OPS.createOfflineCodesForStores, { body }),
  offlineCodeStoreStats: () => call<Res<O['offlineCodeStoreStats']>>(OPS.offlineCodeStoreStats),
  disableOfflineCode: (id: number) =>
    call<Res<O['disableOfflineCode']>>(OPS.disableOfflineCode, { params: { code_id: id } }),
  enableOfflineCode: (id: number) =>
    call<Res<O['enableOfflineCode']>>(OPS.enableOfflineCode, { params: { code_id: id } }),
  offlineCodeWxacodeUrl: (id: number) => objectUrl(OPS.offlineCodeWxacode, { params: { code_id: id } }),
  downloadOfflineCodeWxacode: (id: number) => download(OPS.offlineCodeWxacode, { params: { code_id: id } }),
  downloadOfflineCodeH5Qr: (id: number) => download(OPS.offlineCodeH5Qr, { params: { code_id: id } }),
  listWecomContactWays: (query: Q<O['listWecomContactWays']> = {}) =>
    call<Res<O['listWecomContactWays']>>(OPS.listWecomContactWays, { query }),
  createWecomContactWay: (body: Body<O['createWecomContactWay']>) =>
    call<Res<O['createWecomContactWay']>>(OPS.createWecomContactWay, { body }),
  updateWecomContactWay: (id: number, body: Body<O['updateWecomContactWay']>) =>
    call<Res<O['updateWecomContactWay']>>(OPS.updateWecomContactWay, { params: { way_id: id }, body }),
  deleteWecomContactWay: (id: number) => call<void>(OPS.deleteWecomContactWay, { params: { way_id: id } }),
  listWecomContacts: (query: Q<O['listWecomContacts']> = {}) =>
    call<Res<O['listWecomContacts']>>(OPS.listWecomContacts, { query }),
  wecomStats: () => call<Res<O['wecomStats']>>(OPS.wecomStats),
  tagWecomSegment: (body: Body<O['tagWecomSegment']>) =>
    call<Res<O['tagWecomSegment']>>(OPS.tagWecomSegment, { body }),
  /** A mini-program card's picture (JPG/PNG ≤ 10 MB), reporting the fraction sent. */
  uploadWecomPicture: (file: File, onProgress: (fraction: number) => void) => {
    const form = new FormData()
    form.append('file', file)
    return uploadForm<Res<O['uploadWecomPicture']>>(OPS.uploadWecomPicture, form, onProgress)
  },
  getWecomWelcome: (wayId: number) =>
    call<Res<O['getWecomWelcome']>>(OPS.getWecomWelcome, { params: { way_id: wayId } }),
  setWecomWelcome: (wayId: number, body: Body<O['setWecomWelcome']>) =>
    call<Res<O['setWecomWelcome']>>(OPS.setWecomWelcome, { params: { way_id: wayId }, body }),
  listWecomWelcomeSends: (query: Q<O['listWecomWelcomeSends']> = {}) =>
    call<Res<O['listWecomWelcomeSends']>>(OPS.listWecomWelcomeSends, { query }),
  listWecomJoinWays: (query: Q<O['listWecomJoinWays']> = {}) =>
    call<Res<O['listWecomJoinWays']>>(OPS.listWecomJoinWays, { query }),
  createWecomJoinWay: (body: Body<O['createWecomJoinWay']>) =>
    call<Res<O['createWecomJoinWay']>>(OPS.createWecomJoinWay, { body }),
  updateWecomJoinWay: (id: number, body: Body<O['updateWecomJoinWay']>) =>
    call<Res<O['updateWecomJoinWay']>>(OPS.updateWecomJoinWay, { params: { way_id: id }, body }),
  deleteWecomJoinWay: (id: number) => call<void>(OPS.deleteWecomJoinWay, { params: { way_id: id } }),
  listWecomGroups: (query: Q<O['listWecomGroups']> = {}) =>
    call<Res<O['listWecomGroups']>>(OPS.listWecomGroups, { query }),
  listWecomGroupMembers: (groupId: number) =>
    call<Res<O['listWecomGroupMembers']>>(OPS.listWecomGroupMembers, { params: { group_id: groupId } }),
  syncWecomGroups: () => call<Res<O['syncWecomGroups']>>(OPS.syncWecomGroups),
  listWecomBroadcasts: (query: Q<O['listWecomBroadcasts']> = {}) =>
    call<Res<O['listWecomBroadcasts']>>(OPS.listWecomBroadcasts, { query }),
  createWecomBroadcast: (body: Body<O['createWecomBroadcast']>) =>
    call<Res<O['createWecomBroadcast']>>(OPS.createWecomBroadcast, { body }),
  listWecomBroadcastRecipients: (broadcastId: number, query: Q<O['listWecomBroadcastRecipients']> = {}) =>
    call<Res<O['listWecomBroadcastRecipients']>>(OPS.listWecomBroadcastRecipients, {
      params: { broadcast_id: broadcastId },
      query,
    }),
  listWecomBroadcastGroups: (broadcastId: number, query: Q<O['listWecomBroadcastGroups']> = {}) =>
    call<Res<O['listWecomBroadcastGroups']>>(OPS.listWecomBroadcastGroups, {
      params: { broadcast_id: broadcastId },
      query,
    }),
  refreshWecomBroadcast: (broadcastId: number) =>
    call<Res<O['refreshWecomBroadcast']>>(OPS.refreshWecomBroadcast, { params: { broadcast_id: broadcastId } }),
  listCampaigns: (query: Q<O['listCampaigns']> = {}) =>
    call<Res<O['listCampaigns']>>(OPS.listCampaigns, { query }),
  createCampaign: (body: Body<O['createCampaign']>) =>
    call<Res<O['createCampaign']>>(OPS.createCampaign, { body }),
  getCampaign: (id: number) =>
    call<Res<O['getCampaign']>>(OPS.getCampaign, { params: { campaign_id: id } }),
  updateCampaign: (id: number, body: Body<O['updateCampaign']>) =>
    call<Res<O['updateCampaign']>>(OPS.updateCampaign, { params: { campaign_id: id }, body }),
  startCampaign: (id: number) =>
    call<Res<O['startCampaign']>>(OPS.startCampaign, { params: { campaign_id: id } }),
  cancelCampaign: (id: number) =>
    call<Res<O['cancelCampaign']>>(OPS.cancelCampaign, { params: { campaign_id: id } }),
  runCampaign: (id: number) =>
    call<Res<O['runCampaign']>>(OPS.runCampaign, { params: { campaign_id: id } }),
  campaignReach: (query: Q<O['campaignReach']>) =>
    call<Res<O['campaignReach']>>(OPS.campaignReach, { query }),
  campaignResults: (id: number) =>
    call<Res<O['campaignResults']>>(OPS.campaignResults, { params: { campaign_id: id } }),
  listExperiments: (query: Q<O['listExperiments']> = {}) =>
    call<Res<O['listExperiments']>>(OPS.listExperiments, { query }),
  createExperiment: (body: Body<O['createExperiment']>) =>
    call<Res<O['createExperiment']>>(OPS.createExperiment, { body }),
  getExperiment: (id: number) =>
    call<Res<O['getExperiment']>>(OPS.getExperiment, { params: { experiment_id: id } }),
  updateExperiment: (id: number, body: Body<O['updateExperiment']>) =>
    call<Res<O['updateExperiment']>>(OPS.updateExperiment, { params: { experiment_id: id }, body }),
  setExperimentTraffic: (id: number, body: Body<O['setExperimentTraffic']>) =>
    call<Res<O['setExperimentTraffic']>>(OPS.setExperimentTraffic, { params: { experiment_id: id }, body }),
  startExperiment: (id: number, body: Body<O['startExperiment']> = { note: '' }) =>
    call<Res<O['startExperiment']>>(OPS.startExperiment, { params: { experiment_id: id }, body }),
  pauseExperiment: (id: number, body: Body<O['pauseExperiment']> = { note: '' }) =>
    call<Res<O['pauseExperiment']>>(OPS.pauseExperiment, { params: { experiment_id: id }, body }),
  stopExperiment: (id: number, body: Body<O['stopExperiment']>) =>
    call<Res<O['stopExperiment']>>(OPS.stopExperiment, { params: { experiment_id: id }, body }),
  experimentResults: (id: number) =>
    call<Res<O['experimentResults']>>(OPS.experimentResults, { params: { experiment_id: id } }),
  memberMembership: (id: number, query: Q<O['memberMembership']> = {}) =>
    call<Res<O['memberMembership']>>(OPS.memberMembership, { params: { member_id: id }, query }),
  adjustGrowth: (id: number, body: Body<O['adjustGrowth']>) =>
    call<Res<O['adjustGrowth']>>(OPS.adjustGrowth, { params: { member_id: id }, body }),
  // paid membership (付费会员 SVIP): plans and the periods members bought
  membershipPlans: () => call<Res<O['membershipPlans']>>(OPS.membershipPlans),
  createMembershipPlan: (body: Body<O['createMembershipPlan']>) =>
    call<Res<O['createMembershipPlan']>>(OPS.createMembershipPlan, { body }),
  updateMembershipPlan: (id: number, body: Body<O['updateMembershipPlan']>) =>
    call<Res<O['updateMembershipPlan']>>(OPS.updateMembershipPlan, { params: { plan_id: id }, body }),
  membershipSubscriptions: (query: Q<O['membershipSubscriptions']> = {}) =>
    call<Res<O['membershipSubscriptions']>>(OPS.membershipSubscriptions, { query }),
  // codes (兑换码), voiding, jobs, an order's coupon
  createCodeBatch: (id: number, body: Body<O['createCodeBatch']>) =>
    call<Res<O['createCodeBatch']>>(OPS.createCodeBatch, { params: { template_id: id }, body }),
  listCodeBatches: (id: number, query: Q<O['listCodeBatches']> = {}) =>
    call<Res<O['listCodeBatches']>>(OPS.listCodeBatches, { params: { template_id: id }, query }),
  exportCodeBatch: (id: number, batchId: number) =>
    download(OPS.exportCodeBatch, { params: { template_id: id, batch_id: batchId } }),
  disableCodeBatch: (id: number, batchId: number) =>
    call<Res<O['disableCodeBatch']>>(OPS.disableCodeBatch, { params: { template_id: id, batch_id: batchId } }),
  voidCoupon: (couponId: number, body: Body<O['voidCoupon']>) =>
    call<Res<O['voidCoupon']>>(OPS.voidCoupon, { params: { coupon_id: couponId }, body }),
  voidUnusedCoupons: (id: number, body: Body<O['voidUnusedCoupons']>) =>
    call<Res<O['voidUnusedCoupons']>>(OPS.voidUnusedCoupons, { params: { template_id: id }, body }),
  listCouponJobs: (id: number) =>
    call<Res<O['listCouponJobs']>>(OPS.listCouponJobs, { params: { template_id: id } }),
  getCouponJob: (id: number, jobId: number) =>
    call<Res<O['getCouponJob']>>(OPS.getCouponJob, { params: { template_id: id, job_id: jobId } }),
  getOrderCoupon: (orderNo: string) =>
    call<Res<O['getOrderCoupon']>>(OPS.getOrderCoupon, { params: { order_no: orderNo } }),
  getOrderPromotions: (orderNo: string) =>
    call<Res<O['getOrderPromotions']>>(OPS.getOrderPromotions, { params: { order_no: orderNo } }),
  // store-wide promotions
  listPromotions: (query: Q<O['listPromotions']> = {}) =>
    call<Res<O['listPromotions']>>(OPS.listPromotions, { query }),
  createPromotion: (body: Body<O['createPromotion']>) =>
    call<Res<O['createPromotion']>>(OPS.createPromotion, { body }),
  getPromotion: (id: number) =>
    call<Res<O['getPromotion']>>(OPS.getPromotion, { params: { promotion_id: id } }),
  updatePromotion: (id: number, body: Body<O['updatePromotion']>) =>
    call<Res<O['updatePromotion']>>(OPS.updatePromotion, { params: { promotion_id: id }, body }),
  activatePromotion: (id: number) =>
    call<Res<O['activatePromotion']>>(OPS.activatePromotion, { params: { promotion_id: id } }),
  stopPromotion: (id: number) =>
    call<Res<O['stopPromotion']>>(OPS.stopPromotion, { params: { promotion_id: id } }),
  getPromotionPolicy: () => call<Res<O['getPromotionPolicy']>>(OPS.getPromotionPolicy),
  updatePromotionPolicy: (body: Body<O['updatePromotionPolicy']>) =>
    call<Res<O['updatePromotionPolicy']>>(OPS.updatePromotionPolicy, { body }),
  previewPromotions: (body: Body<O['previewPromotions']>) =>
    call<Res<O['previewPromotions']>>(OPS.previewPromotions, { body }),

  // analytics (RFM 客户分层)
  // forecasts and replenishment (销量预测, 补货建议)
  forecast: (body: Body<O['forecast']>) => call<Res<O['forecast']>>(OPS.forecast, { body }),
  forecastSeriesList: (query: Q<O['forecastSeriesList']> = {}) =>
    call<Res<O['forecastSeriesList']>>(OPS.forecastSeriesList, { query }),
  forecastSeries: (kind: 'sku' | 'category' | 'shop', refId: number) =>
    call<Res<O['forecastSeries']>>(OPS.forecastSeries, { params: { kind, ref_id: refId } }),
  forecastLatestRun: () => call<Res<O['forecastLatestRun']>>(OPS.forecastLatestRun),
  forecastStartRun: () => call<Res<O['forecastStartRun']>>(OPS.forecastStartRun),
  replenishment: (query: Q<O['replenishment']> = {}) =>
    call<Res<O['replenishment']>>(OPS.replenishment, { query }),
  exportReplenishment: (query: Q<O['exportReplenishment']> = {}) =>
    download(OPS.exportReplenishment, { query }),
  replenishmentPlan: () => call<Res<O['replenishmentPlan']>>(OPS.replenishmentPlan),
  clearancePlan: (body: Body<O['clearancePlan']>) => call<Res<O['clearancePlan']>>(OPS.clearancePlan, { body }),
  insightsDashboard: (level: 'shop' | 'category' | 'product', query: Q<O['insightsDashboard']> = {}) =>
    call<Res<O['insightsDashboard']>>(OPS.insightsDashboard, { params: { level }, query }),
  frontlineBoard: () => call<Res<O['frontlineBoard']>>(OPS.frontlineBoard),
  managementBoard: (query: Q<O['managementBoard']> = {}) => call<Res<O['managementBoard']>>(OPS.managementBoard, { query }),
  operationsBoard: (query: Q<O['operationsBoard']> = {}) => call<Res<O['operationsBoard']>>(OPS.operationsBoard, { query }),
  /** The live stream of 一线看板 (server-sent events; read with `readEvents`). */
  frontlineStream: (signal: AbortSignal) => openStream(OPS.frontlineStream, { signal }),
  clearanceApply: (body: Body<O['clearanceApply']>) => call<Res<O['clearanceApply']>>(OPS.clearanceApply, { body }),
  clearanceCandidates: (query: Q<O['clearanceCandidates']> = {}) =>
    call<Res<O['clearanceCandidates']>>(OPS.clearanceCandidates, { query }),
  clearanceSteps: (query: Q<O['clearanceSteps']> = {}) => call<Res<O['clearanceSteps']>>(OPS.clearanceSteps, { query }),
  clearanceTrials: () => call<Res<O['clearanceTrials']>>(OPS.clearanceTrials),
  clearanceTrialStart: (body: Body<O['clearanceTrialStart']>) =>
    call<Res<O['clearanceTrialStart']>>(OPS.clearanceTrialStart, { body }),
  clearanceTrial: (id: number) => call<Res<O['clearanceTrial']>>(OPS.clearanceTrial, { params: { trial_id: id } }),
  clearanceTrialStop: (id: number) =>
    call<Res<O['clearanceTrialStop']>>(OPS.clearanceTrialStop, { params: { trial_id: id } }),
  updateReplenishmentSetting: (skuId: number, body: Body<O['updateReplenishmentSetting']>) =>
    call<Res<O['updateReplenishmentSetting']>>(OPS.updateReplenishmentSetting, {
      params: { sku_id: skuId },
      body,
    }),
  rfmSummary: () => call<Res<O['rfmSummary']>>(OPS.rfmSummary),
  rfmCustomers: (query: Q<O['rfmCustomers']>) =>
    call<Res<O['rfmCustomers']>>(OPS.rfmCustomers, { query }),
  memberRfm: (memberId: number) =>
    call<Res<O['memberRfm']>>(OPS.memberRfm, { params: { member_id: memberId } }),
  requestRfmRun: () => call<Res<O['requestRfmRun']>>(OPS.requestRfmRun),
  getRfmRun: (runId: number) =>
    call<Res<O['getRfmRun']>>(OPS.getRfmRun, { params: { run_id: runId } }),
  exportRfm: () => download(OPS.exportRfm),
  // 漏斗分析, 留存分析 (tracking events)
  funnel: (body: Body<O['funnel']>) => call<Res<O['funnel']>>(OPS.funnel, { body }),
  exportFunnel: (body: Body<O['exportFunnel']>) => download(OPS.exportFunnel, { body }),
  retention: (query: Q<O['retention']>) => call<Res<O['retention']>>(OPS.retention, { query }),
  eventTrend: (query: Q<O['eventTrend']>) => call<Res<O['eventTrend']>>(OPS.eventTrend, { query }),
  listEvents: (query: Q<O['listEvents']>) => call<Res<O['listEvents']>>(OPS.listEvents, { query }),
  exportEvents: (query: Q<O['exportEvents']>) => download(OPS.exportEvents, { query }),

  // analytics: profiles, tags, segments, clusters
  memberProfile: (memberId: number) =>
    call<Res<O['memberProfile']>>(OPS.memberProfile, { params: { member_id: memberId } }),
  requestProfilesJob: (kind: 'profiles' | 'clusters') =>
    call<Res<O['requestProfilesJob']>>(OPS.requestProfilesJob, { query: { kind } }),
  getProfilesJob: (jobId: number) =>
    call<Res<O['getProfilesJob']>>(OPS.getProfilesJob, { params: { job_id: jobId } }),
  listTags: () => call<Res<O['listTags']>>(OPS.listTags),
  createTag: (body: Body<O['createTag']>) => call<Res<O['createTag']>>(OPS.createTag, { body }),
  updateTag: (tagId: number, body: Body<O['updateTag']>) =>
    call<Res<O['updateTag']>>(OPS.updateTag, { params: { tag_id: tagId }, body }),
  addTagMembers: (tagId: number, body: Body<O['addTagMembers']>) =>
    call<Res<O['addTagMembers']>>(OPS.addTagMembers, { params: { tag_id: tagId }, body }),
  removeTagMembers: (tagId: number, body: Body<O['removeTagMembers']>) =>
    call<Res<O['removeTagMembers']>>(OPS.removeTagMembers, { params: { tag_id: tagId }, body }),
  previewSegment: (body: Body<O['previewSegment']>) =>
    call<Res<O['previewSegment']>>(OPS.previewSegment, { body }),
  listSegments: () => call<Res<O['listSegments']>>(OPS.listSegments),
  createSegment: (body: Body<O['createSegment']>) =>
    call<Res<O['createSegment']>>(OPS.createSegment, { body }),
  segmentMembers: (segmentId: number, query: Q<O['segmentMembers']> = {}) =>
    call<Res<O['segmentMembers']>>(OPS.segmentMembers, { params: { segment_id: segmentId }, query }),
  issueSegmentCoupon: (segmentId: number, body: Body<O['issueSegmentCoupon']>) =>
    call<Res<O['issueSegmentCoupon']>>(OPS.issueSegmentCoupon, { params: { segment_id: segmentId }, body }),
  clusters: () => call<Res<O['clusters']>>(OPS.clusters),
  funnelDropOffs: (body: Body<O['funnelDropOffs']>) =>
    call<Res<O['funnelDropOffs']>>(OPS.funnelDropOffs, { body }),
  // 归因分析, 路径分析, 实时概览
  attribution: (query: Q<O['attribution']>) =>
    call<Res<O['attribution']>>(OPS.attribution, { query }),
  exportAttribution: (query: Q<O['exportAttribution']>) => download(OPS.exportAttribution, { query }),
  paths: (query: Q<O['paths']>) => call<Res<O['paths']>>(OPS.paths, { query }),
  realtimeOverview: () => call<Res<O['realtimeOverview']>>(OPS.realtimeOverview),
  listReplays: (query: Q<O['listReplays']>) => call<Res<O['listReplays']>>(OPS.listReplays, { query }),
  getReplay: (id: number) => call<Res<O['getReplay']>>(OPS.getReplay, { params: { replay_id: id } }),
  heatmap: (query: Q<O['heatmap']>) => call<Res<O['heatmap']>>(OPS.heatmap, { query }),
  heatmapPages: (query: Q<O['heatmapPages']>) => call<Res<O['heatmapPages']>>(OPS.heatmapPages, { query }),
  replayErrors: (query: Q<O['replayErrors']>) => call<Res<O['replayErrors']>>(OPS.replayErrors, { query }),
  scrollMap: (query: Q<O['scrollMap']>) => call<Res<O['scrollMap']>>(OPS.scrollMap, { query }),
  /** A history CSV, reporting the fraction sent. */
  importHistory: (file: File, onProgress: (fraction: number) => void) => {
    const form = new FormData()
    form.append('file', file)
    return uploadForm<Res<O['importHistory']>>(OPS.importHistory, form, onProgress)
  },
  // metric alerts (告警, insights:alerts)
  alertMetrics: () => call<Res<O['alertMetrics']>>(OPS.alertMetrics),
  listAlertMonitors: () => call<Res<O['listAlertMonitors']>>(OPS.listAlertMonitors),
  createAlertMonitor: (body: Body<O['createAlertMonitor']>) =>
    call<Res<O['createAlertMonitor']>>(OPS.createAlertMonitor, { body }),
  updateAlertMonitor: (id: number, body: Body<O['updateAlertMonitor']>) =>
    call<Res<O['updateAlertMonitor']>>(OPS.updateAlertMonitor, { params: { monitor_id: id }, body }),
  silenceAlertMonitor: (id: number, body: Body<O['silenceAlertMonitor']>) =>
    call<Res<O['silenceAlertMonitor']>>(OPS.silenceAlertMonitor, { params: { monitor_id: id }, body }),
  alertMonitorChecks: (id: number, query: Q<O['alertMonitorChecks']> = {}) =>
    call<Res<O['alertMonitorChecks']>>(OPS.alertMonitorChecks, { params: { monitor_id: id }, query }),
  listAlertChannels: () => call<Res<O['listAlertChannels']>>(OPS.listAlertChannels),
  createAlertChannel: (body: Body<O['createAlertChannel']>) =>
    call<Res<O['createAlertChannel']>>(OPS.createAlertChannel, { body }),
  updateAlertChannel: (id: number, body: Body<O['updateAlertChannel']>) =>
    call<Res<O['updateAlertChannel']>>(OPS.updateAlertChannel, { params: { channel_id: id }, body }),
  testAlertChannel: (id: number) =>
    call<Res<O['testAlertChannel']>>(OPS.testAlertChannel, { params: { channel_id: id } }),
  listAlertIncidents: (query: Q<O['listAlertIncidents']> = {}) =>
    call<Res<O['listAlertIncidents']>>(OPS.listAlertIncidents, { query }),
  getAlertIncident: (id: number) =>
    call<Res<O['getAlertIncident']>>(OPS.getAlertIncident, { params: { incident_id: id } }),
  acknowledgeAlertIncident: (id: number, body: Body<O['acknowledgeAlertIncident']>) =>
    call<Res<O['acknowledgeAlertIncident']>>(OPS.acknowledgeAlertIncident, { params: { incident_id: id }, body }),
  resolveAlertIncident: (id: number, body: Body<O['resolveAlertIncident']>) =>
    call<Res<O['resolveAlertIncident']>>(OPS.resolveAlertIncident, { params: { incident_id: id }, body }),
  commentAlertIncident: (id: number, body: Body<O['commentAlertIncident']>) =>
    call<Res<O['commentAlertIncident']>>(OPS.commentAlertIncident, { params: { incident_id: id }, body }),
  alertInbox: () => call<Res<O['alertInbox']>>(OPS.alertInbox),
  readAlertInbox: (body: Body<O['readAlertInbox']>) =>
    call<Res<O['readAlertInbox']>>(OPS.readAlertInbox, { body }),
}
