// The storefront's API: one function per backend operation (operations.json), grouped by area.
// Pages and stores import `api` from here and never build URLs themselves.
import { call, download, upload } from './client'

export { ApiError, assetUrl, configureClient, OPERATIONS, socketUrl } from './client'

export const api = {
  auth: {
    wechatLogin: (code) => call('wechatLogin', { body: { code }, auth: false }),
    sendSmsCode: (phone) => call('sendSmsCode', { body: { phone }, auth: false }),
    smsLogin: (phone, code) => call('smsLogin', { body: { phone, code }, auth: false }),
    passkeyOptions: () => call('passkeyLoginOptions', { auth: false }),
    passkeyLogin: (challenge_id, credential) =>
      call('passkeyLogin', { body: { challenge_id, credential }, auth: false }),
    refresh: (refresh_token) => call('refreshToken', { body: { refresh_token }, auth: false }),
    logout: (refresh_token) => call('logout', { body: { refresh_token } }),
  },
  me: {
    get: () => call('getMe'),
    update: (patch) => call('updateMe', { body: patch }),
    // One identity: binds a phone proven by its SMS code; an H5 / store account holding it is
    // merged into this one (orders, coupons, points, cart, addresses).
    bindPhone: (phone, code) => call('bindPhone', { body: { phone, code } }),
    // The same bind with the phone WeChat proves (the mini program's getPhoneNumber code).
    bindPhoneWechat: (code) => call('bindPhoneWechat', { body: { code } }),
    // A picture the shopper chose (chooseAvatar / an image file): stored as a square PNG.
    uploadAvatar: (filePath) => upload('uploadAvatar', { filePath }),
  },
  subscribe: {
    // 订阅消息: the shop's enabled templates per event ([{ event, template_id }]).
    templates: () => call('listSubscribeTemplates', { auth: false }),
    // uni.requestSubscribeMessage's answers ({ [template_id]: 'accept' | 'reject' | 'ban' | 'filter' }),
    // and what a reminder is for ({ sku_id } of 到货提醒, { product_id } of 降价提醒).
    record: (results, subject = {}) => call('recordSubscriptions', { body: { results, ...subject } }),
    // 降价提醒 the shopper has on ({ offered, items: [{ product_id, price }] }), and turning one off.
    priceDrops: () => call('listPriceDropReminders'),
    cancelPriceDrop: (productId) => call('cancelPriceDropReminder', { params: { product_id: productId } }),
  },
  passkeys: {
    list: () => call('listPasskeys'),
    options: () => call('passkeyRegisterOptions'),
    register: (challenge_id, name, credential) =>
      call('registerPasskey', { body: { challenge_id, name, credential } }),
    remove: (id) => call('deletePasskey', { params: { passkey_id: id } }),
  },
  addresses: {
    list: () => call('listAddresses'),
    get: (id) => call('getAddress', { params: { address_id: id } }),
    create: (address) => call('createAddress', { body: address }),
    update: (id, patch) => call('updateAddress', { params: { address_id: id }, body: patch }),
    remove: (id) => call('deleteAddress', { params: { address_id: id } }),
    // Smart paste: recipient, phone, region and detail found in pasted text.
    parse: (text) => call('parseAddress', { body: { text } }),
  },
  flags: {
    // Every feature flag evaluated for this shopper or device (utils/flags.js reads it once).
    bootstrap: (headers) => call('flagsBootstrap', { headers }),
  },
  regions: {
    // Public and cached a day by HTTP (ETag): sent without the shopper's token.
    list: (parent_code) => call('listRegions', { query: { parent_code }, auth: false }),
  },
  catalog: {
    categories: () => call('listCategories'),
    products: (query, abort) => call('listProducts', { query, abort }),
    product: (id) => call('getProduct', { params: { product_id: id } }),
  },
  search: {
    // Chinese search (pinyin, initials, typos): public, answered from the server's index.
    query: (query, abort) => call('searchProducts', { query, abort, auth: false }),
    suggest: (q, abort) => call('searchSuggest', { query: { q, limit: 8 }, abort, auth: false }),
    hot: () => call('hotSearches', { auth: false }),
    // A tap on a result (click-through): fire-and-forget, see utils/clicks.js.
    click: (body) => call('searchClick', { body }),
    // Products that look like a photo (a local file path from uni.chooseImage): public.
    byImage: (filePath) => upload('searchByImage', { filePath, query: { limit: 20 }, auth: false }),
  },
  promotions: {
    // The store-wide promotions of a product page (满300减30, 限时8折): public.
    forProduct: (productId) => call('activePromotions', { query: { product_id: productId }, auth: false }),
    // The store-wide promotions an order was placed with, as snapshotted then ([]: none).
    ofOrder: (orderNo) => call('getOrderPromotions', { params: { order_no: orderNo } }),
  },
  experiments: {
    // The shopper's variants of the running A/B tests, by slot (composables/useExperiment.js):
    // the member when signed in, else this device (X-Device-Id, utils/visitor.js).
    assign: (body, deviceId) => call('assignExperiments', { body, headers: { 'X-Device-Id': deviceId } }),
    // The variant was rendered: logged once per experiment and shopper (fire-and-forget).
    expose: (body, deviceId) => call('logExposure', { body, headers: { 'X-Device-Id': deviceId } }),
  },
  recommend: {
    // A shelf: placement home | product (with product_id) | cart | paid; personal when signed in.
    list: (query) => call('getRecommendations', { query }),
    click: (body) => call('recommendationClick', { body }),
    // A product page opened (the session model's input): fire-and-forget, see utils/recent.js.
    view: (body) => call('recommendationView', { body }),
  },
  reviews: {
    // A product's 好评率, counts and latest reviews, and its review list: public.
    summary: (productId) => call('reviewSummary', { params: { product_id: productId }, auth: false }),
    list: (productId, query) => call('productReviews', { params: { product_id: productId }, query, auth: false }),
    // The shopper's order lines with what may be done (去评价 / 追评).
    ofOrder: (orderNo) => call('getOrderReviews', { params: { order_no: orderNo } }),
    // A photo (a local file path from uni.chooseImage) for the next review: its id goes in photo_ids.
    uploadPhoto: (filePath) => upload('uploadReviewPhoto', { filePath }),
    // One short video (≤ 15 s, from uni.chooseVideo) for the next review: its id goes in video_id;
    // onProgress(percent) while it uploads.
    uploadVideo: (filePath, onProgress) => upload('uploadReviewVideo', { filePath, onProgress }),
    create: (body) => call('createReview', { body }),
    followup: (reviewId, content) => call('addReviewFollowup', { params: { review_id: reviewId }, body: { content } }),
    // 申诉: a rejected review back to a person, once.
    appeal: (reviewId, reason) =>
      call('appealModeration', { body: { subject_type: 'review', subject_id: reviewId, reason } }),
  },
  qa: {
    // 问大家: a product's count and latest questions, its question list (public; liked marks the viewer's likes).
    summary: (productId) => call('qaSummary', { params: { product_id: productId } }),
    list: (productId, query) => call('productQuestions', { params: { product_id: productId }, query }),
    ask: (productId, content) => call('askQuestion', { params: { product_id: productId }, body: { content } }),
    // Buyers of the product only (403 content.not_a_buyer).
    answer: (questionId, content) => call('answerQuestion', { params: { question_id: questionId }, body: { content } }),
    like: (answerId, on) => call(on ? 'likeAnswer' : 'unlikeAnswer', { params: { answer_id: answerId } }),
  },
  posts: {
    topics: () => call('listTopics', { auth: false }),
    topic: (topicId) => call('getTopic', { params: { topic_id: topicId }, auth: false }),
    // 话题挑战 of a topic (404 content.challenge_not_found when it runs none); signed in, with 我的排名.
    challenge: (topicId) => call('topicChallenge', { params: { topic_id: topicId } }),
    // 分享海报 (PNG URL) of a public post: client 'mp' carries the mini-program code, 'h5' a QR code.
    poster: (postId, client) => call('postPoster', { params: { post_id: postId }, body: { client } }),
    // The feed: { pinned, items, next_cursor }; query { topic_id, sort: latest | hot, cursor }.
    feed: (query) => call('postFeed', { query }),
    get: (postId) => call('getPost', { params: { post_id: postId } }),
    // An image (a local file path from uni.chooseImage) for the next post: its id goes in image_ids.
    uploadImage: (filePath) => upload('uploadPostImage', { filePath }),
    // One short video (≤ 60 s, from uni.chooseVideo) instead of images: its id goes in video_id;
    // onProgress(percent) while it uploads.
    uploadVideo: (filePath, onProgress) => upload('uploadPostVideo', { filePath, onProgress }),
    create: (body) => call('createPost', { body }),
    like: (postId, on) => call(on ? 'likePost' : 'unlikePost', { params: { post_id: postId } }),
    // 收藏 ({ favorited, favorite_count }) and the shopper's 收藏 of posts, page by page.
    favorite: (postId, on) => call(on ? 'favoritePost' : 'unfavoritePost', { params: { post_id: postId } }),
    favorites: (query) => call('favoritePosts', { query }),
    // 关注 a post's author (member_id): { following, follower_count }.
    follow: (memberId, on) => call(on ? 'followAuthor' : 'unfollowAuthor', { params: { member_id: memberId } }),
    comments: (postId, query) => call('postComments', { params: { post_id: postId }, query, auth: false }),
    comment: (postId, content) => call('commentPost', { params: { post_id: postId }, body: { content } }),
    mine: () => call('myPosts'),
  },
  myContent: {
    // 我的内容: reviews, questions, answers, posts and comments with their moderation status.
    list: (query) => call('myModerationItems', { query }),
    notices: () => call('contentNotices'),
    readNotices: () => call('readContentNotices'),
    appeal: (subjectType, subjectId, reason) =>
      call('appealModeration', { body: { subject_type: subjectType, subject_id: subjectId, reason } }),
  },
  favorites: {
    list: (query) => call('listFavorites', { query }),
    state: (productId) => call('getFavorite', { params: { product_id: productId } }),
    add: (productId) => call('addFavorite', { params: { product_id: productId } }),
    remove: (productId) => call('removeFavorite', { params: { product_id: productId } }),
  },
  cart: {
    get: () => call('getCart'),
    count: () => call('countCart'),
    // `source`: added from a play at its price ({kind: 'live', id}: a live room's 直播价).
    add: (sku_id, quantity, source) =>
      call('addCartLine', { body: source ? { sku_id, quantity, source } : { sku_id, quantity } }),
    update: (skuId, patch) => call('updateCartLine', { params: { sku_id: skuId }, body: patch }),
    remove: (skuId) => call('removeCartLine', { params: { sku_id: skuId } }),
    selectAll: (selected) => call('selectCart', { body: { selected } }),
    merge: (guest_token) => call('mergeCart', { body: { guest_token } }),
  },
  checkout: {
    preview: (body) => call('previewCheckout', { body }),
    placeOrder: (body, idempotencyKey) =>
      call('createOrder', { body, headers: { 'Idempotency-Key': idempotencyKey } }),
  },
  membership: {
    gifts: () => call('myMemberGifts'),
    // The tier table is public (the benefits table); the card and the ledger are the shopper's.
    tiers: () => call('membershipTiers', { auth: false }),
    card: () => call('myMembership'),
    growth: (query) => call('myGrowth', { query }),
    // Paid membership (SVIP): plans are public; buying one is a virtual order paid like any
    // other (api.orders.pay), the plan starting when the payment is confirmed.
    plans: () => call('membershipPlans', { auth: false }),
    // Goods the member price skips (the product page hides "开通SVIP省¥xx" on them).
    priceExclusions: () => call('membershipPriceExclusions', { auth: false }),
    benefits: () => call('myBenefits'),
    svip: () => call('mySvip'),
    buyPlan: (body, idempotencyKey) =>
      call('buyPlan', { body, headers: { 'Idempotency-Key': idempotencyKey } }),
  },
  coupons: {
    // The coupon centre is public; signed in, each card also says what this shopper holds.
    centre: (query) => call('couponCentre', { query }),
    claim: (templateId) => call('claimCoupon', { params: { template_id: templateId } }),
    mine: (query) => call('myCoupons', { query }),
    get: (id) => call('getMyCoupon', { params: { coupon_id: id } }),
    forCheckout: (body) => call('checkoutCoupons', { body }),
    // 兑换码: a one-time or shared code becomes a coupon (201 with it).
    redeem: (code) => call('redeemCouponCode', { body: { code } }),
    // The coupon an order used, as snapshotted when it was placed (null: none).
    ofOrder: (orderNo) => call('getOrderCoupon', { params: { order_no: orderNo } }),
  },
  achievements: {
    // 我的成就: unlocked (with dates) then locked (progress N/M).
    mine: () => call('myAchievements'),
    // 会员中心's row: the newest unlocked badges (at most `limit`) and unlocked_count / total.
    summary: (limit = 4) => call('myAchievementSummary', { query: { limit } }),
    // Unlocks not celebrated yet; each is marked seen once shown.
    celebrations: () => call('myCelebrations'),
    seen: (code) => call('markAchievementSeen', { params: { code } }),
    // The badge's share card (PNG), drawn by the server's poster pipeline.
    poster: (code, client) => call('achievementPoster', { params: { code }, body: { client } }),
  },
  mascot: {
    // Public: the shop's mascot (name, figure URL, colour, the merchant's messages).
    get: () => call('getMascot', { auth: false }),
  },
  points: {
    summary: () => call('myPoints'),
    entries: (query) => call('myPointEntries', { query }),
    signIn: () => call('signIn'),
    calendar: (month) => call('signInCalendar', { query: month ? { month } : {} }),
  },
  mall: {
    // Public: the items on offer (the balance comes from points.summary).
    items: (query) => call('listMallItems', { query, auth: false }),
    item: (id) => call('getMallItem', { params: { item_id: id }, auth: false }),
    // request_id: one per exchange the shopper means; a retry sends the same one.
    exchange: (id, body) => call('exchangeMallItem', { params: { item_id: id }, body }),
    records: (query) => call('myMallExchanges', { query }),
  },
  groupBuys: {
    // Public: a product's group buys and a group's share page.
    forProduct: (productId) => call('listProductGroupBuys', { params: { product_id: productId }, auth: false }),
    group: (shareId) => call('getGroup', { params: { share_id: shareId }, auth: false }),
    // Each answers the order to pay (POST /orders/{order_no}/pay, the usual cashier).
    open: (campaignId, body) => call('openGroup', { params: { campaign_id: campaignId }, body }),
    join: (shareId, body) => call('joinGroup', { params: { share_id: shareId }, body }),
  },
  crowdfunding: {
    // Public: a product's campaigns (the product page's entry) and a campaign's page.
    forProduct: (productId) => call('listProductCrowdfundings', { params: { product_id: productId }, auth: false }),
    get: (id) => call('getCrowdfunding', { params: { campaign_id: id }, auth: false }),
    // Answers the order to pay (POST /orders/{order_no}/pay, the usual cashier).
    pledge: (id, body) => call('pledgeCrowdfunding', { params: { campaign_id: id }, body }),
  },
  bargains: {
    // Public: a product's bargain campaigns. A bargain's page is public too, with the token
    // when signed in (it says whether the viewer started it or has cut it).
    forProduct: (productId) => call('listProductBargains', { params: { product_id: productId }, auth: false }),
    get: (shareId) => call('getBargain', { params: { share_id: shareId } }),
    start: (campaignId) => call('startBargain', { body: { campaign_id: campaignId } }),
    cut: (shareId, body = {}) => call('cutBargain', { params: { share_id: shareId }, body }),
    // The initiator's order at the current price: paid at the usual cashier.
    buy: (shareId, body) => call('buyBargain', { params: { share_id: shareId }, body }),
    mine: (query) => call('myBargains', { query }),
  },
  share: {
    // The shopper's short link to a product, group, campaign or bargain (made once, reused).
    link: (body) => call('createShareLink', { body }),
    // A poster (PNG URL): client 'mp' carries the mini-program code, 'h5' a QR code of the link.
    poster: (body) => call('createSharePoster', { body }),
    // Where a scene leads; the visit counts once per shopper (or per device for a guest).
    resolve: (scene, visitor) =>
      call('resolveShare', { params: { scene }, headers: visitor ? { 'X-Shoplet-Visitor': visitor } : {} }),
    // After sign-in: this device's guest visits become the member's (the first brings them).
    claimVisits: (visitor) => call('claimGuestVisits', { headers: { 'X-Shoplet-Visitor': visitor } }),
  },
  offlineCodes: {
    // A printed offline code (线下码): where it leads; the scan counts (a visitor once).
    resolve: (scene, visitor) =>
      call('resolveOfflineCode', { params: { scene }, headers: visitor ? { 'X-Shoplet-Visitor': visitor } : {} }),
  },
  distribution: {
    // 分销: bind through a promoter's link, then the promoter centre.
    bind: (promoter_code) => call('bindPromoter', { body: { promoter_code } }),
    me: () => call('getPromoterCentre'),
    apply: () => call('applyPromoter'),
    team: (query) => call('listPromoterTeam', { query }),
    commissions: (query) => call('listMyCommissions', { query }),
    withdrawals: (query) => call('listMyWithdrawals', { query }),
    // From ¥2,000 WeChat needs the payee's real name (realName), sent only then.
    withdraw: (amount, realName) =>
      call('requestWithdrawal', { body: realName ? { amount, real_name: realName } : { amount } }),
  },
  orders: {
    list: (query) => call('listOrders', { query }),
    get: (orderNo) => call('getOrder', { params: { order_no: orderNo } }),
    cancel: (orderNo, reason) =>
      call('cancelOrder', { params: { order_no: orderNo }, body: reason ? { reason } : {} }),
    confirmReceipt: (orderNo) => call('confirmReceipt', { params: { order_no: orderNo } }),
    requestAftersale: (orderNo, body) =>
      call('requestAftersale', { params: { order_no: orderNo }, body }),
    pay: (orderNo, channel) => call('payOrder', { params: { order_no: orderNo }, body: { channel } }),
    // The parcel's carrier timeline (fulfillment); 404 before the order ships.
    tracking: (orderNo) => call('getOrderTracking', { params: { order_no: orderNo } }),
    // The store side of a pickup / same-city order (the pickup code once paid); 404 otherwise.
    store: (orderNo) => call('getOrderStore', { params: { order_no: orderNo } }),
  },
  stores: {
    nearby: (query) => call('nearbyStores', { query, auth: false }),
    // 预约到店: the store's services and the next 14 days' slots with seats left.
    services: (storeId) => call('storeServices', { params: { store_id: storeId }, auth: false }),
    // 扫码购: the product a barcode names, with what this store holds of it.
    scan: (storeId, barcode) => call('scanInStore', { params: { store_id: storeId, barcode }, auth: false }),
  },
  appointments: {
    book: (slotId) => call('bookAppointment', { body: { slot_id: slotId } }),
    mine: (query = {}) => call('myAppointments', { query }),
    cancel: (id) => call('cancelAppointment', { params: { booking_id: id } }),
  },
  invoices: {
    // 发票抬头: personal, or a company with its 统一社会信用代码 (checked by the backend).
    titles: () => call('listInvoiceTitles'),
    createTitle: (title) => call('createInvoiceTitle', { body: title }),
    removeTitle: (id) => call('deleteInvoiceTitle', { params: { title_id: id } }),
    // One active invoice per order (409 invoicing.already_requested); issued asynchronously.
    request: (orderNo, titleId, email) =>
      call('requestInvoice', { params: { order_no: orderNo }, body: email ? { title_id: titleId, email } : { title_id: titleId } }),
    ofOrder: (orderNo) => call('listOrderInvoices', { params: { order_no: orderNo } }),
    // The issued invoice's PDF: a local path (a blob URL in H5).
    pdf: (invoiceNo) => download('downloadInvoicePdf', { params: { invoice_no: invoiceNo } }),
    // The same invoice as OFD (GB/T 33190, the format of Chinese e-invoices).
    ofd: (invoiceNo) => download('downloadInvoice', { params: { invoice_no: invoiceNo }, query: { format: 'ofd' } }),
  },
  flash: {
    // Server time for countdowns (never the device clock).
    time: () => call('serverTime', { auth: false }),
    list: () => call('listFlashSales', { auth: false }),
    get: (id) => call('getFlashSale', { params: { campaign_id: id }, auth: false }),
    token: (id, body = {}) => call('issueFlashToken', { params: { campaign_id: id }, body }),
    buy: (id, sku_id, quantity, token) =>
      call('buyFlashSale', { params: { campaign_id: id }, body: { sku_id, quantity, token } }),
    ticket: (ticket) => call('getFlashTicket', { params: { ticket } }),
  },
  live: {
    // 预告 (upcoming), 直播中 (live) and 回放 (replay), newest first.
    list: (tab, cursor) => call('listLiveSessions', { query: { tab, cursor }, auth: false }),
    // With the shopper's token when signed in (is_subscribed), without otherwise.
    get: (id, signedIn) => call('getLiveSession', { params: { session_id: id }, auth: Boolean(signedIn) }),
    comments: (id) => call('liveComments', { params: { session_id: id }, auth: false }),
    // 订阅提醒, with requestSubscribeMessage's answers for the 开播提醒 template (mini program).
    subscribe: (id, results = {}) => call('subscribeLiveSession', { params: { session_id: id }, body: { results } }),
    comment: (id, text) => call('postLiveComment', { params: { session_id: id }, body: { text } }),
    like: (id, count) => call('likeLiveSession', { params: { session_id: id }, body: { count } }),
    claimCoupon: (id, templateId) => call('claimLiveCoupon', { params: { session_id: id, template_id: templateId } }),
  },
  support: {
    // 在线客服: the open conversation (a new one in the queue when there is none).
    open: () => call('openSupportChat'),
    current: () => call('currentSupportChat'),
    // Messages after a cursor (next_cursor of the last page): the polling fallback of the socket.
    messages: (id, after) => call('supportMessages', { params: { conversation_id: id }, query: { after } }),
    send: (body) => call('sendSupportMessage', { body }),
    sendImage: (filePath) => upload('sendSupportImage', { filePath }),
    read: (id, message_id) => call('readSupportMessages', { params: { conversation_id: id }, body: { message_id } }),
    close: () => call('closeSupportChat'),
    rate: (id, score) => call('rateSupportChat', { params: { conversation_id: id }, body: { score } }),
  },
  simulator: {
    // Embedded/test mode only: the WeChat Pay simulator confirms the payment and sends the signed
    // notify to the backend, exactly as WeChat Pay would.
    pay: (prepay_id) => call('simulatorPay', { body: { prepay_id }, auth: false }),
  },
}
