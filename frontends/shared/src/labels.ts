/**
 * The glossary: one Chinese label per status code, shown the same way in the shop, the mini
 * program and the console. Codes the map does not know are shown as they are.
 */

export type Labels = Readonly<Record<string, string>>

export const ORDER_STATUS_LABELS: Labels = {
  pending_payment: '待付款',
  paid: '待发货',
  shipped: '待收货',
  received: '待评价',
  completed: '已完成',
  cancelled: '已取消',
  refunded: '已退款',
  after_sale: '退款/售后',
  // Not an API status: a paid membership plan (`is_virtual`) has nothing to ship, so its
  // `paid` reads 已开通 (orderStatusKey).
  in_effect: '已开通',
}

export const AFTERSALE_STATUS_LABELS: Labels = {
  requested: '待处理',
  approved: '已同意',
  awaiting_return: '待买家退货',
  returned: '已收到退货',
  refunding: '退款中',
  refunded: '已退款',
  rejected: '已拒绝',
  cancelled: '已撤销',
}

export const AFTERSALE_KIND_LABELS: Labels = {
  refund_only: '仅退款',
  return_refund: '退货退款',
}

// A parcel's stage, normalised from the carrier's states (fulfillment: Kuaidi100 0 在途, 1 揽收,
// 5 派件, 3 签收; 疑难, 退签, 退回, 拒签 are 异常).
export const PARCEL_STAGE_LABELS: Labels = {
  collected: '已揽收',
  in_transit: '运输中',
  delivering: '派送中',
  signed: '已签收',
  exception: '异常',
}

export const PARCEL_LABELS = {
  title: '物流信息',
  empty: '暂无物流信息，包裹揽收后更新',
  carrier: '承运快递',
  trackingNo: '运单号',
  tracked: '已订阅推送',
  waybill: '电子面单',
  printWaybills: '批量打印面单',
  settings: '物流设置',
  carriers: '物流公司',
}

// E-invoices (invoicing): an invoice's status, its kind, a title's kind, and the words around them.
export const INVOICE_STATUS_LABELS: Labels = {
  pending: '待开票',
  issuing: '开票中',
  issued: '已开票',
  failed: '开票失败',
  cancelled: '已取消',
  reversed: '已红冲',
}

export const INVOICE_KIND_LABELS: Labels = {
  blue: '蓝字发票',
  red: '红字发票',
}

export const INVOICE_TITLE_KIND_LABELS: Labels = {
  personal: '个人',
  company: '企业',
}

export const INVOICE_LABELS = {
  title: '发票',
  titles: '发票抬头',
  addTitle: '新增抬头',
  noTitles: '还没有发票抬头，先添加一个',
  name: '抬头名称',
  taxId: '统一社会信用代码',
  taxIdHelp: '18 位，企业抬头必填',
  email: '接收邮箱（选填）',
  request: '申请开票',
  requested: '已提交开票申请',
  download: '下载发票',
  downloadOfd: '下载 OFD',
  none: '暂未申请发票',
  queue: '发票管理',
  retry: '重试',
  view: '查看 PDF',
  number: '发票号码',
  amount: '价税合计',
  tax: '税额',
  buyer: '购买方',
  taxProfile: '税收分类',
  taxCode: '税收分类编码',
  taxRate: '税率',
}

export const SUBSCRIBE_STATUS_LABELS: Labels = {
  pending: '订阅中',
  subscribed: '已订阅',
  failed: '订阅失败',
  unsupported: '不支持的快递',
}

export const WECHAT_SHIPPING_LABELS: Labels = {
  none: '无需录入',
  pending: '待录入',
  uploaded: '已录入',
  failed: '录入失败',
}

export const PAYMENT_STATUS_LABELS: Labels = {
  created: '待支付',
  prepaid: '待支付',
  succeeded: '支付成功',
  closed: '已关闭',
  failed: '支付失败',
}

export const PAYMENT_CHANNEL_LABELS: Labels = {
  wechat_jsapi: '微信小程序支付',
  wechat_h5: '微信 H5 支付',
}

export const REFUND_STATUS_LABELS: Labels = {
  requested: '待提交',
  processing: '退款处理中',
  succeeded: '退款成功',
  failed: '退款失败',
}

export const PRODUCT_STATUS_LABELS: Labels = {
  draft: '草稿',
  on_sale: '在售',
  off_sale: '已下架',
}

/** The levels of the region picker (province → city → district). */
export const REGION_LEVEL_LABELS: Labels = {
  province: '省份',
  city: '城市',
  district: '区县',
}

/**
 * What a status means, as a colour (Element Plus tag types; the storefront maps them to its own
 * palette). One rule everywhere a status is shown as a tag:
 *
 * - `warning` — the shopper must act (待付款, 待买家退货);
 * - `danger`  — the merchant must act now, or money goes back (待发货, 退款/售后, 已退款, 待处理 after-sales);
 * - `primary` — moving, nobody needs to act (待收货, 待评价, 退款中, 已同意, 已收到退货);
 * - `success` — done well (已完成, 已开通, 支付成功, 退款成功);
 * - `info`    — over without a sale (已取消, 已关闭, 已撤销, 已拒绝).
 *
 * 待发货 is `danger`, not `primary`: it is the console's to-do list, and a paid order waiting too
 * long is the most common complaint; `primary` is kept for orders that are on their way.
 */
export type Tone = 'primary' | 'success' | 'warning' | 'danger' | 'info'
export type Tones = Readonly<Record<string, Tone>>

export const ORDER_STATUS_TONES: Tones = {
  pending_payment: 'warning',
  paid: 'danger',
  shipped: 'primary',
  received: 'primary',
  completed: 'success',
  cancelled: 'info',
  refunded: 'danger',
  after_sale: 'danger',
  in_effect: 'success',
}

/**
 * The glossary key of an order's status as shown: `in_effect` (已开通) for a paid virtual
 * order (a membership plan, nothing to ship), else the status itself.
 */
export function orderStatusKey(order: { status: string; is_virtual?: boolean | null }): string {
  return order.status === 'paid' && order.is_virtual ? 'in_effect' : order.status
}

export const AFTERSALE_STATUS_TONES: Tones = {
  requested: 'danger',
  approved: 'primary',
  awaiting_return: 'warning',
  returned: 'primary',
  refunding: 'primary',
  refunded: 'success',
  rejected: 'info',
  cancelled: 'info',
}

export const PAYMENT_STATUS_TONES: Tones = {
  created: 'warning',
  prepaid: 'warning',
  succeeded: 'success',
  closed: 'info',
  failed: 'danger',
}

export const REFUND_STATUS_TONES: Tones = {
  requested: 'warning',
  processing: 'primary',
  succeeded: 'success',
  failed: 'danger',
}

/** The tone of `key` in `map`; `info` (neutral) for a missing or unknown status. */
export function tone(map: Tones, key: string | null | undefined): Tone {
  return (key && map[key]) || 'info'
}

export const BULK_JOB_STATUS_LABELS: Labels = {
  queued: '排队中',
  running: '处理中',
  done: '已完成',
  failed: '失败',
}

/** A product's 3D model: its 360° sprite (the mini program's view) being drawn. */
export const MODEL_STATUS_LABELS: Labels = {
  queued: '排队中',
  rendering: '生成中',
  ready: '已就绪',
  failed: '生成失败',
}

/** 3D 样板间: the words of the 3D model on the product page, in 种草 and in the console. */
export const MODEL3D_LABELS = {
  open: '3D 看看',
  title: '3D 样板间',
  loading: '模型加载中…',
  dragHint: '拖动旋转，双指缩放',
  spinHint: '左右拖动旋转查看',
  spinSlider: '360° 旋转查看，左右拖动或按方向键',
  autoRotate: '自动旋转',
  pause: '暂停',
  turnLeft: '向左转',
  turnRight: '向右转',
  fallback: '当前环境不支持 3D 浏览，已切换为 360° 旋转图',
  noModel: '该商品暂无 3D 模型',
  upload: '上传 3D 模型',
  replace: '更换模型',
  remove: '删除模型',
  altLabel: '模型说明（读屏）',
  progress: '360° 旋转图',
  help: 'glTF 二进制（.glb），不超过 20 MB，贴图等须打包在文件内；上传后自动生成小程序用的 360° 旋转图',
} as const

export const BULK_ACTION_LABELS: Labels = {
  publish: '批量上架',
  unpublish: '批量下架',
  price: '批量改价',
  stock: '导入库存',
  import: '导入商品',
}

/** A member's gender as they set it (`gender` of `/me` and the console's member page). */
export const GENDER_LABELS: Labels = {
  unknown: '未设置',
  male: '男',
  female: '女',
}

/** The console member page's 资料 tab. */
export const MEMBER_PROFILE_LABELS = {
  nickname: '昵称',
  phone: '手机号',
  gender: '性别',
  birthday: '生日',
  wechat: '微信',
  wechatBound: '已绑定',
  wechatNone: '未绑定',
  createdAt: '注册时间',
  lastLoginAt: '最近登录',
  account: '账号状态',
  active: '正常',
  disabled: '已停用',
  reveal: '查看完整手机号（记入操作日志）',
} as const

/** 账号合并 (one identity: a shopper's WeChat, H5 and store accounts become one). */
export const MEMBER_MERGE_LABELS = {
  title: '账号合并记录',
  from: '被合并账号',
  into: '保留账号',
  reason: '原因',
  moved: '迁移内容',
  mergedAt: '合并时间',
  filter: '会员 ID',
  empty: '暂无合并记录',
  bindPhone: '绑定手机号',
  bound: '手机号已绑定',
  merged: '已合并你在其他渠道的账号',
} as const

export const MEMBER_MERGE_REASON_LABELS: Labels = {
  bind_phone: '绑定手机号',
}

export const MEMBER_MERGE_MOVED_LABELS: Labels = {
  orders: '订单',
  promotions: '优惠券',
  loyalty: '积分',
  cart: '购物车与收藏',
  addresses: '收货地址',
  passkeys: '通行密钥',
  achievements: '成就',
  analytics: '会员标签',
  campaigns: '营销触达',
  content: '社区内容',
  flashsale: '秒杀资格',
  fulfillment: '发货单',
  invoicing: '发票',
  live: '直播互动',
  membership: '成长值与付费会员',
  moderation: '审核记录',
  notification: '订阅消息',
  openapi: '联名兑换',
  payments: '支付单',
  pointsmall: '积分商城兑换',
  recommend: '浏览与购买记录',
  review: '评价',
  search: '搜索记录',
  social: '拼团砍价与分销',
  stores: '门店订单与预约',
  support: '客服会话',
  wecom: '企业微信客户',
}

export const COUPON_KIND_LABELS: Labels = {
  threshold: '满减券',
  discount: '折扣券',
  no_threshold: '无门槛券',
  shipping: '运费券',
}

export const COUPON_STATE_LABELS: Labels = {
  unused: '未使用',
  locked: '使用中',
  used: '已使用',
  expired: '已过期',
  void: '已作废',
}

export const COUPON_TEMPLATE_STATUS_LABELS: Labels = {
  draft: '草稿',
  active: '发放中',
  stopped: '已停止',
}

export const COUPON_SCOPE_LABELS: Labels = {
  all: '全场通用',
  products: '指定商品',
  categories: '指定分类',
}

/** The tabs of 我的优惠券 (the `tab` of `GET /me/coupons`). */
export const COUPON_TAB_LABELS: Labels = {
  usable: '可使用',
  used: '已使用',
  expired: '已失效',
}

/** Code batches (兑换码) in the console. */
export const CODE_KIND_LABELS: Labels = {
  one_time: '一次性码',
  shared: '通用码',
}

export const CODE_BATCH_STATUS_LABELS: Labels = {
  active: '可兑换',
  disabled: '已停用',
}

/** Promotions jobs (issue to a segment, void unused copies) and their states. */
export const PROMOTIONS_JOB_KIND_LABELS: Labels = {
  issue_segment: '按人群发券',
  void_unused: '作废未使用券',
}

export const PROMOTIONS_JOB_STATUS_LABELS: Labels = {
  queued: '排队中',
  running: '进行中',
  done: '已完成',
  failed: '失败',
}

/** The claim button of a coupon-centre card, by what the shopper may do. */
export const COUPON_CLAIM_LABELS = {
  claim: '立即领取',
  held: '已领取',
  soldOut: '已抢光',
  use: '去使用',
} as const

/** The coupon words of the checkout and the picker. */
export const COUPON_LABELS = {
  coupon: '优惠券',
  none: '不使用优惠券',
  noneUsable: '暂无可用',
  usable: '可用优惠券',
  unusable: '不可用优惠券',
  newCustomer: '新人专享',
  shippingCoupon: '运费券',
} as const

/** Kinds of points-ledger entries (`kind` of `GET /me/points/entries`), also the history tabs. */
export const POINTS_KIND_LABELS: Labels = {
  earn: '获得',
  spend: '使用',
  expire: '过期',
  reverse: '退回',
  adjust: '调整',
}

/** Why a ledger entry was written (`reason`). */
export const POINTS_REASON_LABELS: Labels = {
  order: '购物',
  signin: '签到',
  refund: '退款扣回',
  spend_return: '订单取消退回',
  expiry: '积分过期',
  staff: '客服调整',
  mall: '积分兑换',
  review: '评价奖励',
  achievement: '成就奖励',
  challenge: '话题挑战奖励',
}

/** The points words of 我的积分, 签到 and the checkout. */
export const POINTS_LABELS = {
  points: '积分',
  balance: '可用积分',
  expiring: '即将过期',
  history: '积分明细',
  signin: '每日签到',
  signedIn: '已签到',
  signNow: '立即签到',
  streak: '连续签到',
  checkoutUse: '积分抵扣',
  all: '全部',
  mall: '积分商城',
} as const

/** The words of the points mall (积分商城), storefront and console. */
export const MALL_LABELS = {
  mall: '积分商城',
  items: '兑换商品',
  records: '兑换记录',
  exchange: '立即兑换',
  confirm: '确认兑换',
  points: '积分',
  cash: '现金',
  left: '剩余',
  limit: '限兑',
  coupon: '优惠券',
  product: '实物商品',
  freeShipping: '包邮',
  address: '收货地址',
  quantity: '兑换数量',
  total: '合计',
  success: '兑换成功',
  none: '暂无可兑换的商品',
  noRecords: '还没有兑换记录',
} as const

/** What an item shows instead of 立即兑换 (`state` of a mall item). */
export const MALL_STATE_LABELS: Labels = {
  on_sale: '立即兑换',
  upcoming: '即将开始',
  ended: '已结束',
  sold_out: '已兑完',
  off_sale: '已下架',
}

/** The console's status tabs of mall items (`status`). */
export const MALL_STATUS_LABELS: Labels = {
  draft: '草稿',
  on_sale: '上架中',
  off_sale: '已下架',
}

/** An exchange's status (`status` of an exchange record). */
export const MALL_EXCHANGE_STATUS_LABELS: Labels = {
  issued: '已发放',
  pending_payment: '待支付',
  paid: '已兑换',
  cancelled: '已取消',
  refunded: '已退款',
}

/** How often an item's per-shopper limit starts again (`limit_period`). */
export const MALL_PERIOD_LABELS: Labels = {
  total: '每人',
  day: '每人每天',
  week: '每人每周',
  month: '每人每月',
}

/** Why growth changed (the `reason` of a growth-ledger entry). */
export const GROWTH_REASON_LABELS: Labels = {
  order_paid: '购物获得',
  order_refund: '退款扣减',
  review: '评价奖励',
  signin: '签到奖励',
  adjust: '客服调整',
  downgrade: '等级调整',
}

/** The words of the member centre and the console's tier settings. */
export const MEMBERSHIP_LABELS = {
  memberCentre: '会员中心',
  tier: '会员等级',
  growth: '成长值',
  growthHistory: '成长值明细',
  threshold: '升级所需成长值',
  keepThreshold: '保级成长值',
  benefits: '会员权益',
  discount: '会员折扣',
  freeShipping: '包邮',
  freeShippingThreshold: '满额包邮',
  pointsMultiplier: '积分倍率',
  birthdayGift: '生日礼券',
  exclusiveCoupons: '专属优惠券',
  priorityService: '专属客服',
  topTier: '已是最高等级',
  membersPerTier: '各等级会员数',
  tierPeriod: '等级有效期至',
  adjustGrowth: '调整成长值',
  noBenefits: '暂无专属权益',
  memberShipping: '会员包邮',
  signinGrowth: '签到成长值',
  reviewGrowth: '评价成长值',
  birthday: '生日',
  setBirthday: '设置生日',
} as const

/** Paid membership (SVIP 黑卡): words of the storefront's SVIP page and the console. */
export const SVIP_LABELS = {
  svip: 'SVIP会员',
  plans: '会员套餐',
  open: '立即开通',
  renew: '立即续费',
  activeUntil: '有效期至',
  notActive: '未开通',
  planBenefits: 'SVIP专享权益',
  subscriptions: '开通记录',
  couponPack: '每月礼券包',
  refundRule: '开通7天内未使用任何权益可全额退款；已使用权益或超过7天，按未使用天数比例退款。退款后会员权益立即失效。',
  estimateNote: '按每月消费¥300估算',
  historyNote: '按您近90天的消费估算',
} as const

export const SVIP_STATE_LABELS: Labels = {
  pending: '待支付',
  active: '生效中',
  queued: '待生效',
  expired: '已到期',
  revoked: '已退款',
  cancelled: '已取消',
}

/** This year's birthday gift, by ``status`` of ``GET /me/member-gifts``. */
export const BIRTHDAY_GIFT_LABELS: Labels = {
  issued: '今年的生日礼券已发放，请到「我的优惠券」查看',
  skipped: '今年的生日礼券已领完',
  upcoming: '生日当月自动发放生日礼券',
  no_birthday: '设置生日后，生日当月可获生日礼券',
  not_offered: '当前等级暂无生日礼券',
}

/** "生日礼券将于12月发放". */
export function birthdayMonthText(month: number): string {
  return `生日礼券将于${month}月发放`
}

/** The benefit cost model (会员权益成本) of the console. */
export const BENEFIT_COST_LABELS = {
  title: '权益成本',
  period: '统计周期',
  last30: '近30天',
  last90: '近90天',
  custom: '自定义',
  group: '等级',
  members: '下单会员',
  orders: '订单数',
  gmv: '实付金额',
  grossMargin: '毛利',
  promotionCost: '促销优惠',
  couponCost: '优惠券',
  shippingCost: '免运费',
  pointsCost: '积分成本',
  totalCost: '权益总成本',
  costRatio: '成本率',
  incrementalMargin: '增量毛利',
  retention: '复购留存',
  roi: 'ROI',
  total: '合计',
  redemption: '积分核销率',
  missingCost: '条订单行缺少成本价，按 0 计',
  simulate: '预估成本变化',
  simulateHint: '按草稿规则重算近30天会员订单的权益成本，不会保存',
  current: '当前规则',
  draft: '草稿规则',
  change: '变化',
  costByBenefit: '各等级权益成本',
  projectedChange: '各等级预估成本变化',
} as const

/** A ‰ figure as a percentage with one decimal ("17.5%"); "—" when there is none. */
export function permilleText(permille: number | null | undefined): string {
  if (permille === null || permille === undefined) return '—'
  return `${(permille / 10).toFixed(1)}%`
}

/** "再获得 750 成长值升级为黄金会员". */
export function growthToNextText(needed: number, nextName: string): string {
  return `再获得${needed}成长值升级为${nextName}`
}

/** A per-mille discount as 折 ("9.8折"); 1000 is no discount. */
export function discountText(permille: number): string {
  if (permille >= 1000) return '无折扣'
  return `${Number((permille / 100).toFixed(2))}折`
}

export const PROMOTION_KIND_LABELS: Labels = {
  full_reduction: '满减',
  sku_discount: '限时折扣',
  buy_n_get_m: '买N免M',
  bundle: '组合套餐',
}

/**
 * An applied promotion's row on an order page (the shop's and the console's): the kind, then the
 * promotion's name with its terms when they differ ("满减 · 店庆满减（满300减30，满500减60）").
 */
export function promotionRowText(p: { kind: string; name: string; label: string }): string {
  const terms = !p.name || p.name === p.label ? p.label : `${p.name}（${p.label}）`
  return `${label(PROMOTION_KIND_LABELS, p.kind)} · ${terms}`
}

export const PROMOTION_STATUS_LABELS: Labels = {
  draft: '草稿',
  active: '进行中',
  stopped: '已停止',
}

/** The promotion words of the checkout, the product page and the console. */
export const PROMOTION_LABELS = {
  promotion: '促销',
  promotions: '促销活动',
  policy: '叠加规则',
  trimmed: '已按最高优惠比例调整',
  preview: '效果预览',
} as const

/**
 * Money phrases: every amount row in the shop, the mini program and the console uses these
 * words, so 实付 never turns into 应付 on one screen and 实付款 on another.
 */
export const MONEY_LABELS = {
  itemsTotal: '商品金额',
  total: '合计',
  payable: '实付',
  discount: '优惠',
  shipping: '运费',
  freeShipping: '包邮',
  refunded: '已退款',
  refunding: '退款中',
  refundAmount: '退款金额',
  // 收藏: the price a favourite was saved at, and how much it dropped since (降 ¥10.00).
  favoritedPrice: '收藏时',
  priceDrop: '降',
} as const

/** A review's moderation status (评价管理). */
export const REVIEW_STATUS_LABELS: Labels = {
  pending: '待审核',
  approved: '已通过',
  hidden: '已隐藏',
}

/** Where user content stands in moderation (内容审核). */
export const MODERATION_STATUS_LABELS: Labels = {
  checking: '机器审核中',
  held: '待人工审核',
  approved: '已通过',
  rejected: '未通过',
}

/** What a lexicon word does to a text that holds it. */
export const MODERATION_ACTION_LABELS: Labels = {
  block: '直接驳回',
  hold: '转人工审核',
  replace: '替换为 ***',
}

/** Lexicon categories (敏感词分类). */
export const MODERATION_CATEGORY_LABELS: Labels = {
  politics: '时政',
  porn: '色情',
  abuse: '辱骂',
  ads: '广告引流',
  illegal: '违法',
  fraud: '欺诈',
  other: '其他',
}

/** How a lexicon word was found in a text. */
export const MODERATION_VIA_LABELS: Labels = {
  word: '原词',
  pinyin: '拼音',
  initials: '首字母',
}

/** What the risk engine decided (风控). */
export const RISK_OUTCOME_LABELS: Labels = {
  allow: '放行',
  challenge: '需验证',
  block: '拦截',
  review: '人工审核',
}

/** The actions the risk engine scores. */
export const RISK_ACTION_LABELS: Labels = {
  login: '登录',
  checkout: '下单',
  coupon_claim: '领券',
  refund: '退款',
  flash_token: '秒杀',
  bargain_cut: '砍价',
  group_join: '拼团',
  staff_signin: '员工登录',
  price_change: '改价',
}

/** A risk review (风控审核). */
export const RISK_REVIEW_LABELS: Labels = {
  pending: '待审核',
  approved: '已放行',
  rejected: '已驳回',
}

/** How a rule compares a signal. */
export const RISK_OP_LABELS: Labels = {
  eq: '等于',
  ne: '不等于',
  gt: '大于',
  gte: '大于等于',
  lt: '小于',
  lte: '小于等于',
}

/** The words of the risk pages (风控). */
export const RISK_LABELS = {
  manage: '风控',
  rules: '规则',
  lists: '名单',
  decisions: '决策日志',
  queue: '待审核',
  model: '异常检测模型',
  modelVersion: '模型版本',
  modelNone: '尚未训练：正常流量采样满 {n} 条后，每日自动训练',
  modelSamples: '训练样本',
  modelFittedBy: '训练方式',
  modelFittedAt: '训练时间',
  modelSchedule: '每日自动',
  samplesStored: '已采样（近 14 天）',
  sampleRate: '采样比例',
  refit: '立即重新训练',
  refitted: '模型已更新，各服务进程将在 5 秒内使用新模型',
  modelHint: '模型为孤立森林，按账号、设备、IP 的行为特征给每次操作打分（0 为寻常，1 为最异常）；规则可使用信号 anomaly。',
  addRule: '添加规则',
  editRule: '编辑规则',
  adoptDefaults: '采用默认规则',
  defaultsInEffect: '尚未保存自定义规则，当前生效的是默认规则',
  ruleName: '规则名称',
  actions: '适用场景',
  allActions: '全部场景',
  conditions: '条件（全部满足）',
  addCondition: '添加条件',
  signal: '信号',
  op: '比较',
  value: '值',
  outcome: '结果',
  active: '启用',
  save: '保存',
  remove: '删除',
  allowList: '白名单',
  denyList: '黑名单',
  network: 'IP 或网段',
  note: '备注',
  addEntry: '加入名单',
  reasons: '原因',
  signals: '信号',
  subject: '对象',
  approve: '放行',
  reject: '驳回',
}

/** The words of moderation, in the shop and the console. */
export const MODERATION_LABELS = {
  manage: '内容审核',
  queue: '审核队列',
  lexicon: '敏感词库',
  approve: '通过',
  reject: '驳回',
  bulkApprove: '批量通过',
  bulkReject: '批量驳回',
  reason: '原因',
  appealed: '申诉',
  appeal: '申诉',
  reviewing: '审核中',
  rejectedNote: '未通过审核',
  word: '敏感词',
  category: '分类',
  action: '处理方式',
  addWord: '添加敏感词',
  importCsv: '导入 CSV',
  csvHint: '每行：敏感词,分类,处理方式（如 傻逼,abuse,block）',
  test: '试一试',
  testPlaceholder: '输入一段文字，看敏感词库如何处理',
} as const

/** What a moderated text is (subject_type of a moderation item, 我的内容). */
export const MODERATION_SUBJECT_LABELS: Labels = {
  review: '评价',
  review_followup: '追评',
  question: '提问',
  answer: '回答',
  post: '种草',
  comment: '评论',
  chat_message: '客服消息',
}

/** Where a shopper's question, answer, post or comment stands (content statuses). */
export const CONTENT_STATUS_LABELS: Labels = {
  pending: '审核中',
  approved: '已通过',
  rejected: '未通过',
  removed: '已删除',
}

/** 我的内容: a moderation status as its author sees it. */
export const MY_CONTENT_STATUS_LABELS: Labels = {
  checking: '审核中',
  held: '审核中',
  approved: '已通过',
  rejected: '未通过',
}

/** The feed's orders (`sort` of GET /posts). */
export const FEED_SORT_LABELS: Labels = {
  latest: '最新',
  hot: '热门',
  following: '关注',
}

/** The words of Q&A (问大家), posts (种草) and topics, in the shop and the console. */
export const CONTENT_LABELS = {
  qa: '问大家',
  qaAll: '查看全部问答',
  ask: '我要提问',
  askPlaceholder: '向买过的人提问，最多 200 字',
  answer: '回答',
  answerPlaceholder: '买过这件商品？说说你的经验，最多 500 字',
  answerAsShop: '以商家身份回答',
  answers: '个回答',
  noQuestions: '还没有人提问，来问问买过的人吧',
  noAnswers: '暂无回答',
  merchant: '商家',
  helpful: '有用',
  submit: '提交',
  submittedPending: '已提交，审核通过后展示',
  submittedPublic: '已发布',
  posts: '种草',
  post: '发布种草',
  postPlaceholder: '分享你的使用心得，最多 1000 字',
  addImage: '添加图片（最多 9 张）',
  addVideo: '添加视频（最长 60 秒）',
  addReviewVideo: '添加视频（最长 15 秒）',
  video: '视频',
  playVideo: '播放视频',
  removeVideo: '删除视频',
  uploading: '上传中',
  videoOrImages: '图片和视频只能选一种',
  topics: '话题',
  allTopics: '全部',
  noTopic: '不选话题',
  linkProducts: '关联商品',
  buySame: '买同款',
  like: '点赞',
  liked: '已赞',
  favorite: '收藏',
  favorited: '已收藏',
  follow: '关注',
  followed: '已关注',
  followHint: '登录后查看你关注的作者的种草',
  noFollowing: '还没有关注的作者，去种草里看看吧',
  favoritePosts: '帖子',
  favoriteProducts: '商品',
  noFavoritePosts: '还没有收藏的种草',
  comments: '评论',
  commentPlaceholder: '说点什么，最多 300 字',
  noComments: '暂无评论',
  noPosts: '还没有种草，发布第一篇吧',
  pinned: '置顶',
  pin: '置顶',
  unpin: '取消置顶',
  remove: '删除',
  takeDown: '下架',
  mine: '我的内容',
  notices: '回答提醒',
  noMine: '你还没有发布过内容',
  appealReason: '申诉理由',
  appealSent: '已提交申诉，等待人工复核',
  topicName: '话题名称',
  topicDescription: '话题说明',
  newTopic: '新建话题',
  active: '开启',
  closed: '已关闭',
  manageQa: '问答',
  managePosts: '种草与话题',
  hasShopAnswer: '商家已回答',
  noShopAnswer: '待商家回答',
} as const

/** The filters of a product's review list (`kind` of GET /products/{id}/reviews). */
export const REVIEW_FILTER_LABELS: Labels = {
  all: '全部',
  photos: '有图',
  videos: '有视频',
  good: '好评',
  neutral: '中评',
  bad: '差评',
}

/** The words of reviews, in the shop and the console. */
export const REVIEW_LABELS = {
  reviews: '商品评价',
  write: '去评价',
  followup: '追评',
  reviewed: '已评价',
  goodRate: '好评率',
  withPhotos: '有图',
  rating: '评分',
  content: '评价内容',
  contentPlaceholder: '说说你的使用感受，最多 500 字',
  photos: '晒图（最多 9 张）',
  addPhoto: '添加图片',
  anonymous: '匿名评价',
  submit: '提交评价',
  submitted: '评价已提交',
  pointsEarned: '评价奖励积分',
  pendingNote: '评价审核通过后展示',
  merchantReply: '商家回复',
  followupPrefix: '追评：',
  none: '暂无评价',
  noText: '此用户没有填写评价',
  all: '查看全部评价',
  approve: '通过',
  hide: '隐藏',
  reply: '回复',
  manage: '评价管理',
} as const

/** RFM classes (客户分层, the Chinese marketing convention): R, F and M high or low against the mean score. */
export const RFM_CLASS_LABELS: Labels = {
  important_value: '重要价值客户',
  important_develop: '重要发展客户',
  important_keep: '重要保持客户',
  important_retain: '重要挽留客户',
  general_value: '一般价值客户',
  general_develop: '一般发展客户',
  general_keep: '一般保持客户',
  general_retain: '一般挽留客户',
}

/** An RFM computation's status (重新计算). */
export const RFM_RUN_STATUS_LABELS: Labels = {
  queued: '排队中',
  running: '计算中',
  done: '已完成',
  failed: '计算失败',
}

/** The words of the RFM screen (RFM 客户分层). */
export const RFM_LABELS = {
  title: 'RFM 客户分层',
  recompute: '重新计算',
  export: '导出 CSV',
  importHistory: '导入历史订单',
  importHint: 'CSV 表头 customer_id,date,amount（日期 YYYY-MM-DD，金额单位元）',
  customers: '客户数',
  share: '占比',
  spend: '累计消费',
  clv: '预测价值（12个月）',
  pAlive: '活跃概率',
  recency: '最近消费（天前）',
  frequency: '消费次数',
  monetary: '消费金额',
  scores: 'R/F/M 评分',
  lastPurchase: '最近消费日',
  customer: '客户',
  memberId: '会员ID',
  externalId: '外部客户',
  computedAt: '计算时间',
  never: '尚未计算',
  scatter: '客户分布（最近消费天数 × 消费金额）',
  treemap: '各层级消费金额',
  members: '客户列表',
  more: '加载更多',
  empty: '暂无客户',
  progress: '计算进度',
  imported: '已导入',
} as const

/** Tracking events by name (漏斗分析 steps; docs/analytics.md, "Events"). */
export const EVENT_NAME_LABELS: Labels = {
  page_view: '浏览页面',
  exposure: '曝光',
  click: '点击',
  add_to_cart: '加入购物车',
  checkout_step: '结算',
  pay_click: '点击支付',
  share: '分享',
  search: '搜索',
  identify: '登录关联',
  order_paid: '支付成功',
  order_shipped: '已发货',
  order_refunded: '已退款',
}

/** Where a tracked event was sent from (事件分析). */
export const EVENT_PLATFORM_LABELS: Labels = {
  h5: 'H5 商城',
  'mp-weixin': '微信小程序',
  console: '商家后台',
  other: '其他',
}

/** 事件分析, the events explorer (docs/analytics.md, "The events explorer"). */
export const EVENT_EXPLORER_LABELS = {
  title: '事件分析',
  events: '事件',
  allEvents: '全部事件',
  platform: '平台',
  allPlatforms: '全部平台',
  page: '页面路径（前缀）',
  memberId: '会员ID',
  deviceId: '设备ID',
  measure: '指标',
  count: '次数',
  persons: '人数',
  trend: '每日事件趋势',
  totals: '事件汇总',
  rows: '事件明细',
  time: '时间',
  person: '用户',
  scene: '场景值',
  source: '来源',
  properties: '属性',
  member: '会员 {id}',
  visitor: '访客 {id}',
  more: '加载更多',
  memberIdInvalid: '会员ID须为正整数',
  deviceIdInvalid: '设备ID为 8–64 位字母、数字、- 或 _',
  peakPersons: '单日最多人数',
} as const

/** 漏斗分析 and 留存分析 (console pages over the tracking events). */
export const EVENT_ANALYTICS_LABELS = {
  funnelTitle: '漏斗分析',
  retentionTitle: '留存分析',
  steps: '漏斗步骤',
  addStep: '添加步骤',
  removeStep: '删除步骤',
  step: '步骤',
  event: '事件',
  filterKey: '属性名',
  filterValue: '属性值',
  window: '转化窗口',
  dateRange: '日期范围',
  breakdown: '分组',
  noBreakdown: '不分组',
  platform: '平台',
  channel: '渠道（场景值或来源）',
  region: '地区（默认收货省份）',
  segment: '人群',
  experiment: '实验分组',
  segmentTarget: '选择人群',
  experimentTarget: '选择实验',
  targetRequired: '请先选择人群或实验',
  run: '查询',
  export: '导出 CSV',
  persons: '人数',
  conversion: '总转化率',
  stepConversion: '步骤转化率',
  dropOff: '流失人数',
  group: '分组',
  all: '全部',
  chart: '漏斗各步骤人数',
  cohort: '首次访问周',
  size: '人数',
  week: '第 {n} 周',
  weeks: '观察周数',
  empty: '暂无数据',
} as const

/** 会员画像, 标签管理, 人群分群 and 聚类 (docs/analytics.md, "Profiles, tags, segments, clusters"). */
export const PROFILE_LABELS = {
  profileTitle: '会员画像',
  tagsTitle: '标签管理',
  segmentsTitle: '人群分群',
  clustersTitle: '聚类',
  memberId: '会员ID',
  lookUp: '查看画像',
  nickname: '昵称',
  region: '地区编码',
  platform: '首次访问平台',
  channel: '获客渠道',
  firstPurchase: '首次购买',
  lastPurchase: '最近购买',
  lastActive: '最近活跃',
  orderCount: '订单数',
  spend: '累计消费（扣除退款）',
  spend90d: '近 90 天消费',
  aov: '客单价',
  favourites: '偏好品类',
  priceSensitivity: '价格敏感度（有优惠的订单占比）',
  couponCount: '用券订单数',
  socialRole: '社交角色',
  rfmClass: 'RFM 分层',
  tags: '标签',
  timeline: '时间线',
  order: '订单',
  event: '行为',
  noProfile: '该会员暂无画像（还没有购买记录或尚未计算）',
  recompute: '重新计算画像',
  progress: '计算进度',
  newTag: '新建标签',
  code: '标签编码',
  name: '名称',
  kind: '类型',
  members: '人数',
  condition: '条件',
  match: '满足',
  matchAll: '全部条件',
  matchAny: '任一条件',
  addCondition: '添加条件',
  addTag: '添加标签条件',
  remove: '删除',
  field: '字段',
  operator: '运算',
  value: '值',
  liveCount: '当前符合人数',
  save: '保存',
  edit: '编辑条件',
  manualMembers: '会员ID（逗号分隔）',
  addMembers: '添加会员',
  removeMembers: '移除会员',
  changed: '已更新 {n} 人',
  hasTag: '拥有标签',
  segmentName: '分群名称',
  saveSegment: '保存分群',
  segments: '已保存的分群',
  memberList: '分群会员',
  phone: '手机号',
  more: '加载更多',
  issueCoupon: '发券',
  couponTemplate: '优惠券模板ID',
  issued: '已发放 {issued} 张，此前已发 {already} 人',
  recluster: '重新聚类',
  k: '聚类数',
  silhouette: '轮廓系数',
  size: '人数',
  meanSpend: '人均消费',
  scatter: '聚类分布（最近消费天数 × 消费金额）',
  empty: '暂无数据',
  yuanHint: '金额单位：元',
} as const

/** Profile fields a tag rule or segment condition can test (``conditions.FIELDS``). */
export const PROFILE_FIELD_LABELS: Labels = {
  order_count: '订单数',
  orders_90d: '近 90 天订单数',
  spend: '累计消费（元）',
  spend_90d: '近 90 天消费（元）',
  aov: '客单价（元）',
  days_since_last_purchase: '距最近购买天数',
  days_since_first_purchase: '距首次购买天数',
  price_sensitivity: '价格敏感度（‰）',
  coupon_count: '用券订单数',
  days_since_active: '距最近活跃天数',
  region: '地区编码',
  platform: '平台',
  channel: '获客渠道',
  rfm_class: 'RFM 分层',
  social_role: '社交角色',
  categories: '购买过的品类',
}

/** Operators of the condition language. */
export const CONDITION_OP_LABELS: Labels = {
  eq: '等于',
  ne: '不等于',
  gt: '大于',
  gte: '大于等于',
  lt: '小于',
  lte: '小于等于',
  in: '属于',
  not_in: '不属于',
  prefix: '开头是',
  contains: '包含',
  not_contains: '不包含',
}

/** Tag kinds. */
export const TAG_KIND_LABELS: Labels = {
  rule: '规则标签',
  computed: '计算标签',
  manual: '手动标签',
}

/** 销量预测 and 补货建议 (insights' forecasts and replenishment). */
export const FORECAST_LABELS = {
  forecastTitle: '销量预测',
  replenishmentTitle: '补货建议',
  stored: '店铺预测',
  adhoc: '自定义序列预测',
  kind: '对象',
  kindShop: '全店',
  kindCategory: '分类',
  kindSku: 'SKU',
  item: '选择',
  history: '历史',
  forecast: '预测',
  band: '预测区间',
  lower: '下限',
  upper: '上限',
  model: '模型',
  baseline: '季节性朴素基准',
  mase: 'MASE',
  mape: 'MAPE',
  smape: 'sMAPE',
  folds: '回测折数',
  paste: '粘贴 CSV（表头 date,value）',
  upload: '上传 CSV',
  seasonLength: '季节周期',
  horizon: '预测期数',
  level: '区间置信度',
  calendar: '节假日与 618/双11 回归',
  run: '预测',
  recompute: '重新计算',
  progress: '计算进度',
  lastRun: '最近计算',
  noForecast: '暂无预测：请先重新计算',
  withinDays: '预计 N 天内缺货',
  allSkus: '全部',
  sku: '商品',
  available: '可售库存',
  demand7: '未来 7 天需求',
  demand28: '未来 28 天需求',
  leadTime: '补货周期（天）',
  serviceLevel: '服务水平',
  safetyStock: '安全库存',
  reorderPoint: '再订货点',
  suggested: '建议补货量',
  stockout: '预计缺货（天后）',
  never: '28 天内不缺货',
  export: '导出 CSV',
  edit: '设置',
  save: '保存',
  cancel: '取消',
  saved: '已保存',
  plan: '促销排期',
  promotions: '促销活动',
  flashSales: '秒杀场次',
  flashSalePrefix: '秒杀：',
  festivals: '大促日（618/双11）',
  holidays: '法定节假日',
  empty: '暂无数据',
  date: '日期',
  value: '数值',
  chart: '历史销量、预测值与预测区间',
} as const

/** The storefront's 使用统计 switch (设置 › 隐私): consent to tracking, or an opt-out. */
export const TRACKING_LABELS = {
  toggle: '使用统计',
  hint: '记录浏览、加购等操作以改进商城，不含手机号和地址；关闭后不再记录',
} as const

/** 转化窗口 choices (seconds). */
export const FUNNEL_WINDOW_LABELS: Labels = {
  '1800': '30 分钟',
  '3600': '1 小时',
  '86400': '1 天',
  '604800': '7 天',
}

/** A commission's status (分销佣金): frozen through the after-sales window, then settled. */
export const COMMISSION_STATUS_LABELS: Labels = {
  frozen: '冻结中',
  settled: '已结算',
  reversed: '已冲回',
}

/** A promoter's withdrawal (提现) status. */
export const WITHDRAWAL_STATUS_LABELS: Labels = {
  requested: '待审核',
  paying: '打款中',
  paid: '已到账',
  failed: '打款失败',
  rejected: '已驳回',
}

/** A shopper's promoter status (推广员申请). */
export const PROMOTER_STATUS_LABELS: Labels = {
  none: '未申请',
  pending: '审核中',
  active: '推广员',
  rejected: '未通过',
}

/** A dormant-shopper campaign's status (唤醒活动). */
export const CAMPAIGN_STATUS_LABELS: Labels = {
  draft: '草稿',
  scheduled: '已排期',
  running: '进行中',
  done: '已完成',
  cancelled: '已取消',
}

/** Who a campaign reaches. */
export const CAMPAIGN_AUDIENCE_LABELS: Labels = {
  segment: '人群分群',
  rfm_class: 'RFM 分层',
  tag: '标签',
  dormant: '沉睡天数',
}

/** A campaign's groups: reached, or held out for comparison. */
export const CAMPAIGN_GROUP_LABELS: Labels = {
  treated: '触达组',
  holdout: '对照组',
}

/** The channel a campaign's message goes through (自动: 订阅消息 when the shopper holds an
 * accept, else 公众号 when they follow). */
export const CAMPAIGN_CHANNEL_LABELS: Labels = {
  subscribe: '订阅消息',
  official_account: '公众号模板消息',
  auto: '自动',
}

/** A support conversation's status (在线客服). */
export const SUPPORT_STATUS_LABELS: Labels = {
  queued: '排队中',
  active: '接待中',
  closed: '已结束',
}

/** Where a support conversation's shopper writes from, so where replies go. */
export const SUPPORT_CHANNEL_LABELS: Labels = {
  app: '在线客服',
  wechat: '微信客服',
}

/** The lines the system writes into a support conversation. */
export const SUPPORT_EVENT_LABELS: Labels = {
  claimed: '客服已接入',
  transferred: '已转接给其他客服',
  closed: '会话已结束',
}

/** A live session's status (直播): 预告 before it starts, then live, then its replay. */
export const LIVE_STATUS_LABELS: Labels = {
  scheduled: '预告',
  live: '直播中',
  ended: '直播结束',
}

/** The tabs of the live list (`tab`). */
export const LIVE_TAB_LABELS: Labels = {
  upcoming: '预告',
  live: '直播中',
  replay: '回放',
}

/** The words of the live room, the storefront's and the console's. */
export const LIVE_LABELS = {
  explaining: '讲解中',
  subscribe: '订阅提醒',
  subscribed: '已订阅',
  buy: '去购买',
  shelf: '购物袋',
  livePrice: '直播价',
  addToCart: '加入购物车',
  // A cart line added from the room once the session ended or the product left the shelf.
  livePriceEnded: '直播已结束，已恢复原价',
  claim: '领取',
  claimed: '已领取',
  like: '点赞',
  online: '在线',
  viewers: '观看',
  likes: '点赞',
  comments: '评论',
  sales: '成交',
  muted: '你已被禁言',
  banned: '你已被移出直播间',
  mute: '禁言',
  ban: '拉黑',
  unmute: '解除禁言',
  start: '开播',
  end: '下播',
  explain: '讲解',
  stopExplaining: '取消讲解',
  pushCoupon: '推券',
  replay: '回放',
} as const

/** A session's recorded replay (`recording.status`): 录制中 while segments arrive (or WeChat is
 * still making it), 已生成 once the replay exists, 无回放 when there is none. */
export const LIVE_RECORDING_STATUS_LABELS: Labels = {
  recording: '录制中',
  ready: '已生成',
  none: '无回放',
}

/** Why a session has no replay (`recording.outcome`). */
export const LIVE_RECORDING_OUTCOME_LABELS: Labels = {
  not_recorded: '未录制',
  no_segments: '未录到画面',
  'wechat.room_invalid': '微信直播间不存在',
  'wechat.room_forbidden': '微信直播间不可访问',
  'wechat.no_replay': '微信未生成回放',
  'wechat.unavailable': '微信回放暂不可用',
}

/** The words of the replay card (console 直播控制台, storefront 回放). */
export const LIVE_REPLAY_LABELS = {
  title: '回放',
  status: '录制状态',
  segments: '片段',
  gaps: '缺失片段',
  duration: '时长',
  size: '大小',
  published: '已发布',
  hidden: '未发布',
  publish: '发布回放',
  hide: '隐藏回放',
  manualOverride: '已填写回放地址，优先播放该地址',
  waiting: '回放生成中，请稍后再来',
} as const

/** A shopper's restriction in a session (`kind`). */
export const LIVE_RESTRICTION_LABELS: Labels = {
  mute: '禁言',
  ban: '拉黑',
}

/** The words of 我的成就 (storefront) and 成就 (console). */
export const ACHIEVEMENT_LABELS = {
  title: '我的成就',
  console: '成就',
  unlocked: '已解锁',
  locked: '未解锁',
  unlockedOn: '解锁于',
  progress: '进度',
  reward: '奖励',
  points: '积分',
  share: '晒一晒',
  newUnlock: '解锁新成就',
  gotIt: '知道了',
  none: '还没有成就，去逛逛吧',
  unlockedCount: '已解锁',
  badges: '我的徽章',
  allBadges: '全部成就',
  noBadges: '还没有徽章，下单、评价、签到都能解锁',
  backfill: '补发给已达成的会员',
  backfillDone: '补发完成',
  unlockCount: '解锁人数',
  builtin: '内置',
  enabled: '启用',
  disabled: '停用',
} as const

/** What an achievement counts (`rule_kind`), with the unit of its threshold. */
export const ACHIEVEMENT_RULE_LABELS: Labels = {
  paid_orders: '支付订单数',
  approved_reviews: '通过审核的评价数',
  signin_streak: '连续签到天数',
  group_leader: '作为团长拼团成功次数',
  posts: '公开的种草笔记数',
}

/** A backfill job's status (`status` of an achievements backfill). */
export const ACHIEVEMENT_JOB_STATUS_LABELS: Labels = {
  queued: '排队中',
  running: '进行中',
  done: '已完成',
  failed: '失败',
}

/** The built-in badge icons (`badge_icon`). */
export const BADGE_ICON_LABELS: Labels = {
  bag: '购物袋',
  star: '星星',
  flame: '火焰',
  team: '团队',
  pen: '笔',
  crown: '皇冠',
  heart: '爱心',
  gift: '礼物',
}

/** The mascot's words (品牌形象), its figures and its occasions. */
export const MASCOT_LABELS = {
  title: '品牌形象',
  name: '形象名称',
  figure: '形象',
  color: '主色',
  messages: '台词',
  preview: '预览',
  save: '保存',
  saved: '已保存',
  defaultHint: '留空则使用默认台词',
} as const

export const MASCOT_FIGURE_LABELS: Labels = {
  cat: '小猫',
  bear: '小熊',
  rabbit: '兔子',
  robot: '机器人',
}

export const MASCOT_OCCASION_LABELS: Labels = {
  empty_cart: '购物车为空',
  empty_orders: '没有订单',
  empty_favorites: '没有收藏',
  no_search_results: '搜索无结果',
  unlock: '解锁成就',
  payment_success: '支付成功',
}

/** The label of `key` in `map`: "—" when there is no key, the key itself when it is unknown. */
export function label(map: Labels, key: string | null | undefined): string {
  if (!key) return '—'
  return map[key] ?? key
}

/** Recommendation shelves (placement of GET /recommendations), as the storefront titles them. */
export const REC_PLACEMENT_LABELS: Labels = {
  home: '猜你喜欢（首页）',
  product: '看了又看（商品页）',
  cart: '凑单推荐（购物车）',
  paid: '买了还买（支付结果）',
}

/** The model that put a product on a shelf (its reason_code). */
export const REC_MODEL_LABELS: Labels = {
  personal: '个性化（EASE）',
  also_bought: '买了还买（共同购买）',
  also_viewed: '看了又看（物品相似）',
  popular: '热销（流行度）',
}

/** Ranking variants of an experiment; `default` until experiments assign others. */
export const REC_VARIANT_LABELS: Labels = {
  default: '默认',
}

/** The search box's buttons and the photo search's words (accessible names included). */
export const SEARCH_LABELS = {
  voice: '语音搜索',
  voiceStop: '停止语音输入',
  photo: '拍照搜索',
  photoResults: '与照片相似的商品',
  photoSearching: '正在识别照片',
  photoFailed: '图片搜索失败，请换一张照片',
} as const

/** Group buys (拼团): the words of the product page, the group page and the console. */
export const GROUP_BUY_LABELS = {
  groupBuy: '拼团',
  groupPrice: '拼团价',
  shelfPrice: '单独购买',
  open: '发起拼团',
  join: '立即参团',
  invite: '邀请好友参团',
  slotsLeft: '还差',
  people: '人',
  endsIn: '剩余',
  leader: '团长',
  waiting: '待参团',
  paid: '已支付，等待成团',
  payNow: '去支付',
  campaigns: '拼团活动',
  groups: '拼团列表',
  autoFill: '模拟成团',
  autoFillHint: '到时未满员时，已付款人数达到下限即自动成团，空位由商家补足',
  autoFillMin: '模拟成团最少付款人数',
  autoFilled: '模拟补位',
} as const

/** A group's status (`status` of a group). */
export const GROUP_STATUS_LABELS: Labels = {
  pending: '待开团',
  open: '拼团中',
  succeeded: '拼团成功',
  failed: '拼团失败',
}

/** A group-buy campaign's state (`state`). */
export const GROUP_BUY_STATE_LABELS: Labels = {
  running: '进行中',
  upcoming: '未开始',
  ended: '已结束',
  stopped: '已停止',
}

/** Offline codes (线下码): where each code is printed (placement) and the page it opens. */
export const OFFLINE_PLACEMENT_LABELS: Labels = {
  poster: '海报',
  shelf: '货架',
  table_tent: '桌牌',
  receipt: '小票',
  window: '橱窗',
  package: '包裹卡',
  other: '其他',
}

export const OFFLINE_TARGET_LABELS: Labels = {
  home: '首页',
  product: '商品页',
  store: '门店页',
  campaign: '活动页',
}

export const OFFLINE_CODE_STATE_LABELS: Labels = {
  active: '启用中',
  disabled: '停用中',
}

/** Offline codes (线下码): the scan landing page and the console's 线下码 page. */
export const OFFLINE_CODE_LABELS = {
  title: '线下码',
  opening: '正在打开…',
  invalid: '二维码不存在或已失效',
  create: '新建线下码',
  bulk: '按门店批量生成',
  label: '名称',
  placement: '投放位置',
  store: '门店',
  campaign: '拼团活动',
  target: '打开页面',
  targetId: '目标 ID',
  scans: '扫码次数',
  visitors: '扫码人数',
  orders: '订单数',
  revenue: '成交金额',
  byStore: '按门店汇总',
  noStore: '未指定门店',
  downloadMp: '下载小程序码',
  downloadH5: '下载 H5 二维码',
  disable: '停用',
  enable: '启用',
  disabledHint: '停用后扫码将打开首页，且不再计数',
  empty: '还没有线下码',
} as const

/** Sharing (分享): the share sheet, posters, the scene landing page and 分享统计. */
export const SHARE_LABELS = {
  share: '分享',
  shareToFriend: '分享给好友',
  copyLink: '复制链接',
  savePoster: '保存海报',
  poster: '分享海报',
  posterSaved: '海报已保存到相册',
  longPressToSave: '长按图片保存海报',
  linkCopied: '链接已复制，快去分享给好友吧',
  cancel: '关闭',
  opening: '正在打开分享内容…',
  linkInvalid: '分享链接不存在或已失效',
  stats: '分享统计',
  links: '分享次数',
  sharers: '分享人数',
  visits: '访问人数',
  orders: '带来订单',
  orderAmount: '带来成交额',
  topSharers: '分享达人',
  topTargets: '热门分享内容',
  sharer: '分享人',
  target: '分享内容',
  days: '统计周期',
} as const

/** What a share link leads to (`target_kind`). */
export const SHARE_TARGET_LABELS: Labels = {
  product: '商品',
  group: '拼团',
  bargain: '砍价',
  campaign: '拼团活动',
}

/** Crowdfunding (众筹): the campaign page, the product page's entry and the console. */
export const CROWDFUNDING_LABELS = {
  crowdfunding: '众筹',
  pledgePrice: '众筹价',
  shelfPrice: '原价',
  support: '支持',
  target: '目标',
  pledged: '已筹',
  backers: '支持者',
  progress: '进度',
  endsIn: '剩余',
  unitsLeft: '剩余',
  perMember: '每人限',
  pieces: '件',
  story: '项目介绍',
  payNow: '去支付',
  campaigns: '众筹活动',
  result: '众筹结果',
  succeededNote: '众筹成功，订单将陆续发货',
  failedNote: '众筹未达目标，已付款项将原路退回',
} as const

/** A crowdfunding campaign's state (`state`). */
export const CROWDFUNDING_STATE_LABELS: Labels = {
  running: '众筹中',
  upcoming: '未开始',
  settling: '结算中',
  stopped: '已停止',
  succeeded: '已成功',
  failed: '已失败',
}

/** A pledge's status (`status` of a pledge). */
export const PLEDGE_STATUS_LABELS: Labels = {
  pending: '待支付',
  paid: '已支持',
  succeeded: '已成功',
  refunded: '已退款',
  cancelled: '已取消',
}

/** A campaign's cost panel (group buys and crowdfunding): 补贴、新客、获客成本、预算. */
export const CAMPAIGN_COST_LABELS = {
  title: '成本与拉新',
  budget: '预算',
  unlimited: '不限',
  subsidy: '补贴支出',
  newCustomers: '新客数',
  costPerNewCustomer: '单个新客成本',
  budgetLeft: '剩余预算',
  paidOrders: '支付订单',
  stoppedByBudget: '预算已用完，活动已自动停止',
} as const

/** Bargains (砍价): the words of the product page, the bargain page and the console. */
export const BARGAIN_LABELS = {
  bargain: '砍价',
  start: '发起砍价',
  cut: '帮砍一刀',
  buyNow: '立即购买',
  invite: '邀请好友帮砍',
  currentPrice: '当前价',
  floorPrice: '底价',
  shelfPrice: '原价',
  cutTotal: '已砍',
  leftToCut: '还差',
  helpers: '帮砍好友',
  endsIn: '剩余',
  cutDone: '砍掉了',
  atFloor: '已砍到底价',
  payNow: '去支付',
  mine: '我的砍价',
  campaigns: '砍价活动',
  report: '成本报表',
  started: '发起数',
  helpersCount: '帮砍人数',
  newMembers: '新客数',
  orders: '下单数',
  subsidy: '补贴金额',
  costPerNewMember: '拉新成本',
  budgetLeft: '剩余预算',
} as const

/** A bargain's status (`status` of a bargain). */
export const BARGAIN_STATUS_LABELS: Labels = {
  open: '砍价中',
  ordered: '已下单',
  paid: '已购买',
  expired: '已过期',
  cancelled: '已取消',
}

/** A bargain campaign's state (`state`). */
export const BARGAIN_STATE_LABELS: Labels = {
  running: '进行中',
  upcoming: '未开始',
  ended: '已结束',
  stopped: '已停止',
}

/** The console's 搜索词库 header: the shopper's context in search relevance (docs/search.md). */
export const SEARCH_CONTEXT_LABELS = {
  title: '情境加权',
  off: '已关闭',
  hint: '按收货省份、季节和时段，为当地当季热卖的商品加分（最多加这么多分；完全匹配一个词为 1 分）',
} as const

/** Distribution (分销): the words of the promoter centre and the console. */
/** 达人发现 (KOL discovery, console). */
export const KOL_LABELS = {
  title: '达人发现',
  hint: '根据分享、推广绑定、拼团与砍价关系，找出带来最多好友的顾客',
  rerun: '重新分析',
  lastRun: '最近分析',
  never: '尚未分析',
  nodes: '人数',
  edges: '关系数',
  communities: '圈子数',
  duration: '用时',
  rank: '排名',
  member: '顾客',
  pagerank: '影响力',
  brought: '直接带来',
  reach2: '两度触达',
  converted: '成交人数',
  conversionRate: '转化率',
  revenue: '带来成交额',
  community: '圈子',
  promoter: '推广员',
  graph: '关系图',
  graphHint: '前 {n} 名达人和他们直接带来的顾客，颜色代表圈子',
  list: '达人列表',
  invite: '邀请',
  invitePromoter: '邀请成为推广员',
  inviteCampaign: '邀请参加活动',
  play: '活动类型',
  campaignId: '活动编号',
  couponTemplateId: '赠送优惠券（模板编号，可不填）',
  invitations: '邀请记录',
  invited: '已邀请',
  alreadyInvited: '已邀请过',
  alreadyPromoter: '已是推广员',
  couponIssued: '已发券',
  empty: '暂无达人，先点“重新分析”',
  selected: '已选 {n} 人',
  sent: '已邀请 {n} 人，发券 {m} 张',
} as const

export const KOL_PLAY_LABELS: Labels = {
  groupbuy: '拼团',
  bargain: '砍价',
  crowdfunding: '众筹',
}

export const DISTRIBUTION_LABELS = {
  title: '推广中心',
  console: '分销',
  settings: '分销设置',
  promoters: '推广员',
  commissions: '佣金明细',
  withdrawals: '提现审核',
  apply: '申请成为推广员',
  applied: '申请已提交，等待审核',
  autoHint: '累计支付订单满',
  autoHintTail: '笔后自动成为推广员',
  myCode: '我的推广码',
  copyLink: '复制推广链接',
  frozen: '冻结佣金',
  available: '可提现',
  withdrawing: '提现中',
  withdrawn: '已提现',
  team: '我的团队',
  level1: '一级',
  level2: '二级',
  orders: '推广订单',
  withdraw: '提现',
  withdrawAll: '全部提现',
  withdrawAmount: '提现金额（元）',
  payeeName: '收款人真实姓名',
  payeeNameHint: '单笔 2000 元及以上，微信要求填写与微信实名一致的姓名',
  minWithdrawal: '最低提现',
  submit: '提交申请',
  unfreezeAt: '预计解冻',
  commissionRate: '佣金比例',
  approve: '通过',
  reject: '驳回',
  rejectReason: '驳回原因',
  enabled: '开启分销',
  becomeMode: '成为推广员',
  becomeApply: '申请审核',
  becomeAuto: '自动（按支付订单数）',
  bindingMode: '绑定关系',
  bindingFirstTouch: '首次绑定（有效期）',
  bindingPermanent: '永久绑定',
  bindingDays: '绑定有效期（天）',
  freezeDays: '佣金冻结期（天，不短于售后期）',
  categoryRates: '按分类设置佣金',
  productRates: '按商品设置佣金',
  teamSize: '团队人数',
  empty: '暂无记录',
} as const

/** The experiment calculator (实验计算器): verdicts and the words of its screen. */
export const EXPERIMENT_VERDICT_LABELS: Labels = {
  winner: '有胜出组',
  none: '无显著差异',
  blocked: '已阻断',
}

export const EXPERIMENT_STATUS_LABELS: Labels = {
  draft: '草稿',
  running: '进行中',
  paused: '已暂停',
  stopped: '已结束',
}

export const EXPERIMENT_METRIC_LABELS: Labels = {
  conversion: '转化率',
  revenue_per_visitor: '人均收入',
  aov: '客单价',
}

export const EXPERIMENT_SLOT_LABELS: Labels = {
  home_layout: '首页布局',
  product_card_style: '商品卡片样式',
  checkout_button_text: '结算按钮文案',
  promotion_strategy: '促销策略',
  search_ranking: '搜索排序',
}

/** catalog_price_history.source: what changed a SKU's price (商品 → 调价记录). */
export const PRICE_SOURCE_LABELS: Labels = {
  console: '商品编辑',
  bulk: '批量调价',
  import: '商品导入',
}

/** The search ranking presets (GET /search ?ranking=, the arms of the slot search_ranking). */
export const SEARCH_RANKING_LABELS: Labels = {
  default: '当前排序',
  semantic: '语义加权',
  popular: '热销加权',
  lexical: '纯关键词',
}

export const EXPERIMENT_POLICY_LABELS: Labels = {
  thompson: '汤普森采样',
  epsilon_greedy: 'ε-贪心',
  ucb1: 'UCB1',
}

export const EXPERIMENT_ACTION_LABELS: Labels = {
  create: '创建',
  edit: '编辑',
  start: '开始',
  pause: '暂停',
  stop: '结束',
  ramp: '调整流量',
}

/** The checkout button's built-in experiment (slot checkout_button_text): variant → text. */
export const CHECKOUT_BUTTON_VARIANTS: Labels = {
  default: '提交订单',
  alt: '立即支付',
}

export const EXPERIMENT_MANAGE_LABELS = {
  title: 'A/B 实验',
  create: '新建实验',
  edit: '编辑实验',
  name: '实验名称',
  layer: '实验层',
  newLayer: '新建实验层',
  layerKey: '层标识',
  layerName: '层名称',
  slot: '实验位置',
  hypothesis: '实验假设',
  primaryMetric: '主指标',
  guardrails: '护栏指标',
  buckets: '桶区间',
  bucketStart: '起始桶',
  bucketEnd: '结束桶（不含）',
  freeRanges: '空闲区间',
  traffic: '流量比例（%）',
  holdout: '留出比例（%）',
  targeting: '定向',
  platforms: '平台',
  appVersionMin: '最低版本',
  regions: '地区编码前缀',
  membersOnly: '仅会员',
  segments: '人群分群',
  segmentsHint: '仅这些分群里的登录会员进入实验（不选：不限）',
  segmentMembers: '人',
  arms: '分组',
  armKey: '组标识',
  armName: '组名',
  weight: '权重（万分比）',
  allocation: '分流方式',
  allocationFixed: '固定比例',
  allocationBandit: '多臂老虎机',
  policy: '老虎机策略',
  status: '状态',
  actions: '操作',
  save: '保存',
  cancel: '取消',
  start: '开始',
  pause: '暂停',
  stop: '结束实验',
  results: '实验结果',
  winner: '胜出组',
  noWinner: '不选胜出组',
  note: '备注',
  decisionLog: '决策记录',
  orders: '订单数',
  revenue: '收入',
  revenuePerVisitor: '人均收入',
  aov: '客单价',
  srmBlocked: '样本比例失衡（SRM）：各组访客数与配置的分流比例不符，结论已阻断，请先排查分流问题。',
  sequentialNote: '结论使用序贯 p 值，可随时查看而不增加误判',
  allocationChart: '老虎机分流变化',
  empty: '暂无实验',
  noData: '每组至少 2 名访客后显示对比',
  more: '加载更多',
  controlArm: '对照组',
  variantArm: '实验组',
  needTwoArms: '至少需要 2 组',
  badArmKey: '组标识只能用小写字母、数字、_ 和 -',
  duplicateArmKey: '组标识不能重复',
  slotArmKeys: '该位置的组标识只能是',
  weightPositive: '每组权重须为正整数',
  weightTotal: '权重合计应为 10000，当前为',
  cuped: 'CUPED 方差缩减',
  cupedHint: '用每位访客实验开始前的下单金额校正人均收入与客单价，置信区间更窄、结论更快',
  cupedPrePeriod: '前期窗口（天）',
  cupedMetric: '指标',
  cupedReduction: '方差缩减',
  cupedAdjusted: '校正后均值',
  cupedDiff: '与对照组之差',
  cupedRawCi: '未校正区间',
  cupedCi: '校正后区间',
  cupedNone: '暂不能校正：每组至少 2 名访客，且需有实验前的购买记录',
} as const

export const EXPERIMENT_LABELS = {
  title: '实验计算器',
  arms: '实验组',
  armName: '组名',
  visitors: '访客数',
  conversions: '转化数',
  revenueSum: '收入合计',
  revenueSumSquares: '收入平方和',
  split: '计划分流比例',
  baseline: '对照组',
  rate: '转化率',
  ci: '95% 置信区间',
  lift: '相对提升',
  pValue: 'p 值',
  pAdjusted: '校正后 p 值',
  sequentialP: '序贯 p 值（可随时查看）',
  probBest: '最优概率',
  expectedLoss: '预期损失',
  revenueMean: '人均收入',
  chi2: '卡方检验',
  srm: '样本比例失衡（SRM）',
  srmWarning: '各组访客数与计划分流比例不符（p < 0.001），分流可能有误，结论已阻断：请先排查分流原因。',
  verdict: '结论',
  decision: '判定方式',
  decisionFixed: '固定样本量',
  decisionSequential: '序贯检验（已中途查看）',
  correction: '多重比较校正',
  alpha: '显著性水平 α',
  analyze: '计算',
  addArm: '添加实验组',
  removeArm: '删除',
  pasteCsv: '粘贴 CSV（组名,访客数,转化数）',
  applyCsv: '导入',
  chartTitle: '各组转化率与置信区间',
  sampleSize: '样本量计算',
  baselineRate: '基线转化率',
  mde: '最小可检测相对提升',
  power: '统计功效',
  armCount: '组数',
  perArm: '每组所需访客',
  total: '合计访客',
  compute: '计算样本量',
} as const

/** 功能开关与灰度发布 (console: 功能开关). */
export const FLAG_LABELS = {
  title: '功能开关',
  key: '开关标识',
  description: '说明',
  kind: '类型',
  variants: '取值',
  defaultVariant: '默认取值',
  offVariant: '关闭时取值',
  enabled: '启用',
  version: '版本',
  rules: '定向规则',
  ruleOrder: '规则按顺序匹配，命中第一条即生效；都不命中时取默认值。',
  addRule: '添加规则',
  removeRule: '删除',
  ruleValue: '条件',
  ruleVariant: '取值',
  create: '新建开关',
  edit: '编辑规则',
  save: '保存',
  cancel: '取消',
  history: '变更记录',
  actor: '操作人',
  action: '操作',
  reason: '原因',
  when: '时间',
  before: '变更前',
  after: '变更后',
  killConfirmTitle: '关闭开关',
  killConfirm: '关闭后所有用户立即得到“关闭时取值”，确定关闭？',
  enableConfirmTitle: '启用开关',
  enableConfirm: '启用后按定向规则生效，确定启用？',
  confirm: '确定',
  release: '灰度发布',
  releaseStart: '开始灰度',
  releaseSteps: '放量步骤（%）',
  releaseHold: '每步观察（分钟）',
  releaseVariant: '放量取值',
  releaseStatus: '灰度状态',
  releasePercent: '当前比例',
  guardrailErrorRate: '5xx 错误率上限',
  guardrailPaymentFailure: '支付失败率上限',
  guardrailLatency: 'P99 延迟上限（毫秒）',
  noRelease: '尚未灰度发布',
  empty: '还没有功能开关',
} as const

export const FLAG_KIND_LABELS: Labels = {
  boolean: '布尔（开/关）',
  string: '多值',
}

export const FLAG_RULE_LABELS: Labels = {
  staff: '仅员工',
  allow: '白名单（会员 ID）',
  deny: '黑名单（会员 ID）',
  platform: '平台',
  app_version: '版本范围',
  segment: '人群（分群 ID）',
  percentage: '按比例放量（%）',
}

export const FLAG_ACTION_LABELS: Labels = {
  create: '创建',
  update: '修改规则',
  enable: '启用',
  disable: '关闭（熔断）',
  release_start: '开始灰度',
  release_step: '灰度放量',
  release_rollback: '自动回滚',
}

export const FLAG_RELEASE_STATUS_LABELS: Labels = {
  running: '灰度中',
  completed: '已全量',
  rolled_back: '已回滚',
}

/** 归因分析, 路径分析, 实时概览 and the funnel's drop-off list (docs/analytics.md). */
export const BEHAVIOUR_LABELS = {
  attributionTitle: '归因分析',
  pathsTitle: '路径分析',
  realtimeTitle: '实时概览',
  model: '归因模型',
  lookback: '回溯窗口（天）',
  groupBy: '维度',
  byChannel: '按渠道',
  byCampaign: '按渠道和活动',
  channel: '渠道',
  campaign: '活动 / 分享码',
  orders: '订单数',
  revenue: '成交额（元）',
  touches: '触点数',
  totalOrders: '支付订单',
  totalRevenue: '支付金额',
  attributionChart: '各渠道归因成交额（元）',
  shareLinks: '分享链接成交（与分享统计、分销同一规则）',
  shareCode: '分享码',
  page: '页面',
  pagePlaceholder: '选择或输入页面路径',
  direction: '方向',
  next: '下一页',
  previous: '上一页',
  views: '浏览次数',
  sessions: '会话数',
  count: '次数',
  share: '占比',
  topPages: '热门页面',
  sankey: '页面流向图',
  online: '当前在线（近 5 分钟）',
  paidLastMinute: '近 1 分钟支付订单',
  ordersToday: '今日订单',
  gmvToday: '今日成交额',
  province: '省份',
  provinceChart: '今日各省成交额（元）',
  updatedAt: '更新于',
  refreshHint: '每 {n} 秒自动刷新',
  dropOffs: '流失名单',
  showDropOffs: '查看流失',
  person: '用户',
  member: '会员',
  device: '设备（未登录）',
  dropOffTotal: '共 {n} 人',
  run: '查询',
  export: '导出 CSV',
  dateRange: '日期范围',
  empty: '暂无数据',
} as const

/** 会话回放 and 点击热力图 (H5 recordings; docs/analytics.md). */
export const REPLAY_LABELS = {
  replaysTitle: '会话回放',
  heatmapTitle: '点击热力图',
  memberId: '会员 ID',
  page: '页面',
  pagePlaceholder: '选择或输入页面路径',
  dateRange: '日期范围',
  run: '查询',
  startedAt: '开始时间',
  duration: '时长',
  pages: '浏览页面',
  clicks: '点击',
  events: '事件',
  size: '存储大小',
  member: '会员',
  guest: '未登录',
  play: '播放',
  player: '回放画面',
  playing: '正在回放',
  pause: '暂停',
  resume: '继续',
  replayAgain: '重新播放',
  more: '加载更多',
  empty: '暂无录制',
  noClicks: '该页面暂无点击',
  totalClicks: '共 {n} 次点击',
  heatCanvas: '点击热力图：颜色越暖点击越多',
  hotCells: '点击最多的区域',
  position: '位置（横向 ‰ / 纵向 px）',
  count: '次数',
  noSnapshot: '暂无该页面的录制画面，仅显示热力分布',
  maskedNote: '输入内容与手机号、地址等个人信息在录制时已遮盖',
  errors: '页面错误',
  errorText: '错误信息',
  errorPlaceholder: '错误信息中的文字，如 TypeError',
  withErrors: '仅看有错误的录制',
  errorCount: '错误',
  topErrors: '常见页面错误',
  noErrors: '所选日期内没有页面错误',
  recordings: '录制数',
  occurrences: '次数',
  lastSeen: '最近一次',
  showRecordings: '查看录制',
  jumpTo: '跳到',
  source: '位置',
  mode: '分析方式',
  modeClicks: '点击热力图',
  modeScroll: '滚动深度',
  scrollTitle: '滚动深度',
  visits: '共 {n} 次访问',
  scrollCanvas: '滚动深度图：颜色越暖看到的访问越多',
  scrollMarks: '到达比例',
  reachedShare: '看到此处的访问',
  depth: '深度（px，按 375 px 宽）',
  fold: '首屏底部',
  noScroll: '该页面暂无滚动数据',
  platform: '平台',
  allPlatforms: '全部平台',
} as const

/** 归因模型. */
export const ATTRIBUTION_MODEL_LABELS: Labels = {
  last_touch: '末次触点',
  first_touch: '首次触点',
  linear: '线性',
  position_based: '位置归因（40/20/40）',
}

/** Channels with a fixed name; others are a scene value, a UTM source or a host. */
export const CHANNEL_LABELS: Labels = {
  share: '分享链接',
  campaign: '活动',
  direct: '直接访问',
  unattributed: '无触点',
  $exit: '离开',
  $entry: '进入',
}
/** 开放平台: what each scope of a partner app allows (the backend's closed list). */
export const OPENAPI_SCOPE_LABELS: Labels = {
  'products:read': '读取商品',
  'stock:read': '读取库存',
  'stock:write': '调整库存',
  'orders:read': '读取订单（脱敏）',
  'orders:write': '订单发货',
  'members:read': '读取会员（手机号脱敏）',
  'coupons:write': '发放优惠券',
}

export const OPENAPI_LABELS = {
  apps: '应用',
  accessLog: '调用日志',
  newApp: '新建应用',
  appKey: 'App Key',
  appSecret: 'App Secret',
  secretOnce: '密钥只显示这一次，请立即复制并安全保存；之后只能轮换，无法再次查看。',
  scopes: '权限范围',
  rateLimit: '限流（次/分钟）',
  ipAllowlist: 'IP 白名单',
  ipAllowlistHelp: '每行一个 IP 或 CIDR（如 10.0.0.0/8），留空表示不限制',
  rotate: '轮换密钥',
  rotateHelp: '新密钥立即生效；旧密钥在所选时间前仍可使用，便于对方平滑切换。',
  oldExpiresAt: '旧密钥失效时间',
  webhookRotateHelp:
    '新密钥立即生效；旧密钥失效前，每次推送同时带新旧两个签名（X-Shoplet-Signature 与 X-Shoplet-Signature-Previous），接收方可随时切换。',
  previousSecretUntil: '旧密钥签名至',
  disable: '停用',
  enable: '启用',
  secrets: '密钥',
  webhooks: 'Webhook',
  newWebhook: '新建订阅',
  webhookUrl: '推送地址',
  webhookEvents: '订阅事件',
  webhookSecret: '签名密钥',
  webhookSecretHelp: '16–128 位可见 ASCII 字符；留空则自动生成。密钥只显示这一次。',
  deliveries: '推送记录',
  ping: '测试推送',
  replay: '重放',
  replayHelp: '把所选时间内已结束（成功、失败或进入死信）的推送重新发送一次，事件 ID 不变。',
  resend: '重发',
  attempts: '尝试次数',
  responseCode: '响应码',
  latency: '耗时 (ms)',
  responseExcerpt: '响应摘要',
  eventId: '事件 ID',
  cobrand: '联名分成',
  cobrandItems: '联名套餐与联名券',
  revenueShare: '分成比例',
  revenueShareHelp: '合作方可获得其联名套餐、联名券带来的净收入（实付减退款）的这一比例，按支付时间统计。',
  redemptions: '核销订单',
  revenue: '实付金额',
  refunded: '退款',
  net: '净收入',
  cobrandDiscount: '联名优惠',
  share: '分成金额',
  setShare: '调整比例',
} as const
/** 联名活动 item kinds (开放平台 · 联名分成). */
export const COBRAND_KIND_LABELS: Labels = {
  bundle: '联名套餐',
  coupon: '联名券',
}
/** 订阅消息 (console: templates per event and the send log; storefront: the prompts). */
export const SUBSCRIBE_MESSAGE_LABELS = {
  title: '订阅消息',
  templates: '模板设置',
  event: '触发事件',
  templateId: '模板 ID',
  page: '跳转页面',
  fields: '字段映射',
  fieldKey: '模板字段',
  fieldSource: '取值',
  addField: '添加字段',
  enabled: '启用',
  notSet: '未设置',
  edit: '编辑',
  save: '保存',
  saved: '已保存',
  disabledNotice: '已被停用，请在微信公众平台确认模板后重新保存',
  sends: '发送记录',
  status: '状态',
  allStatuses: '全部状态',
  member: '会员',
  ref: '关联单号',
  error: '微信返回',
  createdAt: '创建时间',
  sentAt: '发送时间',
  empty: '暂无发送记录',
  more: '加载更多',
} as const
/** The events a subscribe message is sent on (`event`). */
export const SUBSCRIBE_EVENT_LABELS: Labels = {
  payment_success: '支付成功',
  shipped: '订单发货',
  groupbuy_result: '拼团结果',
  price_drop: '降价提醒',
  back_in_stock: '到货提醒',
  points_expiring: '积分到期',
  live_start: '开播提醒',
  challenge_prize: '挑战获奖',
}
/** The values an event carries (what a template field may show). */
export const SUBSCRIBE_SOURCE_LABELS: Labels = {
  order_no: '订单号',
  amount: '金额',
  paid_at: '支付时间',
  status: '状态',
  carrier: '快递公司',
  tracking_no: '运单号',
  item_desc: '商品',
  shipped_at: '发货时间',
  product_name: '商品名称',
  result: '拼团结果',
  price: '现价',
  old_price: '原价',
  points: '到期积分',
  expires_at: '到期时间',
  balance: '积分余额',
  live_title: '直播标题',
  anchor_name: '主播',
  start_time: '开播时间',
  challenge_name: '挑战名称',
  prize: '奖品',
  settled_at: '颁奖时间',
}
/** A send's status in the send log (`status`). */
export const SUBSCRIBE_SEND_STATUS_LABELS: Labels = {
  pending: '待发送',
  sending: '发送中',
  sent: '已发送',
  refused: '用户未订阅',
  params_invalid: '参数错误',
  template_invalid: '模板无效',
  field_invalid: '内容超出限制',
  no_credit: '无订阅次数',
  no_openid: '非小程序用户',
  failed: '发送失败',
}
export const SUBSCRIBE_SEND_STATUS_TONES: Tones = {
  pending: 'primary',
  sending: 'primary',
  sent: 'success',
  refused: 'warning',
  params_invalid: 'danger',
  template_invalid: 'danger',
  field_invalid: 'danger',
  no_credit: 'info',
  no_openid: 'info',
  failed: 'danger',
}
/** 公众号 (WeChat Official Account): settings, template messages per event, the send log. */
export const OFFICIAL_ACCOUNT_LABELS = {
  title: '公众号消息',
  settings: '公众号设置',
  appid: 'AppID',
  secret: 'AppSecret', // pragma: allowlist secret
  secretKeep: '留空则不修改',
  token: '令牌 Token',
  aesKey: '消息加解密密钥 EncodingAESKey',
  aesKeyHint: '填写即启用安全模式；清空为明文模式',
  miniprogramAppid: '跳转小程序 AppID',
  pushUrl: '服务器地址 URL',
  safeMode: '安全模式',
  plainMode: '明文模式',
  notConfigured: '未配置',
  followers: '关注人数',
  linkedFollowers: '已关联会员',
  sync: '同步粉丝',
  synced: '已同步',
  templates: '模板消息设置',
  url: '跳转网页',
  pagepath: '小程序页面',
  fallbackNote: '关注公众号且没有订阅消息次数的顾客，收到模板消息代替订阅消息（每个事件每人一条）',
  delivery: '送达结果',
  msgid: '消息 ID',
} as const
/** A 公众号 template message's status in the send log (`status`). */
export const OA_SEND_STATUS_LABELS: Labels = {
  pending: '待发送',
  sending: '发送中',
  sent: '已发送',
  unfollowed: '未关注公众号',
  openid_invalid: 'OpenID 无效',
  template_invalid: '模板无效',
  field_invalid: '内容超出限制',
  failed: '发送失败',
}
export const OA_SEND_STATUS_TONES: Tones = {
  pending: 'primary',
  sending: 'primary',
  sent: 'success',
  unfollowed: 'info',
  openid_invalid: 'danger',
  template_invalid: 'danger',
  field_invalid: 'danger',
  failed: 'danger',
}
/** What WeChat's TEMPLATESENDJOBFINISH said of a sent template message (`delivery`). */
export const OA_DELIVERY_LABELS: Labels = {
  delivered: '已送达',
  user_block: '用户拒收',
  system_failed: '系统失败',
}
/** 推送状态 of a webhook delivery (开放平台 · Webhook). */
export const WEBHOOK_DELIVERY_STATUS_LABELS: Labels = {
  pending: '待推送',
  sending: '推送中',
  delivered: '已送达',
  failed: '失败',
  dead: '死信',
}
export const WEBHOOK_DELIVERY_STATUS_TONES: Tones = {
  pending: 'primary',
  sending: 'primary',
  delivered: 'success',
  failed: 'danger',
  dead: 'danger',
}
/** One attempt's outcome in a delivery's log. */
export const WEBHOOK_ATTEMPT_OUTCOME_LABELS: Labels = {
  ok: '成功',
  retry: '将重试',
  failed: '失败（不重试）',
  dead: '失败（进入死信）',
  abandoned: '中断（已重新推送）',
}
/** 告警 (console: 告警): monitors, incidents, channels. */
export const ALERT_LABELS = {
  title: '告警',
  monitors: '监控规则',
  incidents: '告警事件',
  channels: '通知渠道',
  newMonitor: '新建监控',
  editMonitor: '编辑监控',
  newChannel: '新建渠道',
  editChannel: '编辑渠道',
  name: '名称',
  metric: '指标',
  grain: '粒度',
  rule: '规则',
  above: '高于',
  below: '低于',
  percent: '变化幅度（%）',
  direction: '方向',
  z: '灵敏度 z',
  weeks: '参考周数',
  minChange: '最小变化（%）',
  resolveAfter: '连续正常点后恢复',
  channelsOf: '通知渠道',
  inboxAlways: '控制台收件箱始终接收',
  active: '启用',
  silence: '静默',
  silenceUntil: '静默至',
  silenced: '静默中',
  unsilence: '取消静默',
  silence1h: '静默 1 小时',
  silence24h: '静默 24 小时',
  lastChecked: '最近检查',
  openIncident: '告警中',
  normal: '正常',
  status: '状态',
  currentValue: '当前值',
  expected: '预期',
  openedAt: '开始时间',
  period: '时段',
  acknowledge: '确认',
  resolve: '标记恢复',
  comment: '评论',
  addComment: '添加评论',
  timeline: '时间线',
  notifications: '通知记录',
  attempts: '尝试次数',
  kind: '类型',
  target: '接收方',
  secretHint: '密钥',
  secretKeep: '留空则保留原密钥',
  key: 'Webhook key',
  accessToken: 'access_token',
  signingSecret: '加签密钥 / 签名密钥',
  recipients: '收件人（逗号分隔）',
  url: 'Webhook 地址',
  sendTest: '发送测试消息',
  testOk: '测试消息已发送',
  testFailed: '发送失败',
  save: '保存',
  cancel: '取消',
  edit: '编辑',
  view: '详情',
  inbox: '未读告警',
  markRead: '全部已读',
  emptyMonitors: '还没有监控规则',
  emptyIncidents: '暂无告警事件',
  emptyChannels: '还没有通知渠道',
  chart: '最近检查',
  level: '预测区间（%）',
} as const

export const DASHBOARD_LABELS = {
  title: '销售看板',
  levels: '看板层级',
  shop: '总览',
  category: '品类',
  product: '商品',
  period: '时间范围',
  today: '今日',
  lastDays: '近 {n} 天',
  updatedAt: '更新于',
  refreshHint: '每 {n} 秒自动刷新',
  vsBefore: '较上期',
  byCategory: '各品类',
  byProduct: '各商品',
  gmv: '销售额',
  orders: '订单数',
  units: '销量',
  buyers: '购买人数',
  empty: '暂无数据',
} as const

export const BUSINESS_BOARD_LABELS = {
  management: '经营看板',
  operations: '运营看板',
  drill: '下钻层级',
  allRegions: '全国',
  allChannels: '全部渠道',
  range: '日期范围',
  start: '开始日期',
  end: '结束日期',
  byProvince: '各省份',
  byCity: '各城市',
  bySource: '各订单来源',
  byCampaign: '各活动',
  byStore: '各门店',
  byMethod: '各履约方式',
  method: '履约方式',
  store: '门店',
  storeBoardHint: '只统计经过本门店的订单（到店自提、同城配送、扫码购），合计等于本门店；门店没有「新会员」。',
  storeToday: '门店今日',
  pickupsAwaiting: '待取货',
  bookingsToday: '今日预约',
  checkedInToday: '已到店',
  manageStore: '门店设置',
  appointments: '预约日历',
  campaign: '活动',
  storeHint: '按收货城市统计；门店行是该门店自提、同城配送和扫码购的订单，「线上」是没有经过门店的订单，合计等于本城市。',
  campaignHint: '每笔订单只计入一个活动：秒杀、拼团、砍价、众筹优先，其次直播，再次优惠券。',
  kind: '活动类型',
  aov: '客单价',
  share: 'GMV 占比',
  region: '地区',
  channel: '渠道',
  stockRisk: '缺货风险（{n} 天内售罄）',
  stockDays: '预警天数',
  sku: '商品',
  available: '可售',
  runsOut: '预计售罄（天）',
  suggested: '建议补货',
  noRisk: '暂无缺货风险',
} as const

/** How a store's order reached its shopper (stores' ``StoreMethod``; the rows of a store's board). */
export const STORE_METHOD_LABELS: Labels = {
  pickup: '到店自提',
  same_city: '同城配送',
  scan: '扫码购',
}

/** What a row of 运营看板's campaign drill is (the backend's ``CAMPAIGN_KIND_LABELS``). */
export const BOARD_CAMPAIGN_KIND_LABELS: Labels = {
  flashsale: '秒杀',
  groupbuy: '拼团',
  bargain: '砍价',
  crowdfunding: '众筹',
  live: '直播',
  coupon: '优惠券',
  none: '无活动',
}

export const FRONTLINE_LABELS = {
  title: '一线看板',
  intro: '当班要处理的事：待发货订单、售后队列、售罄与库存告急、未恢复的告警。点开磁贴查看最先要处理的几条。',
  live: '实时更新中',
  polling: '实时连接不可用，每 {n} 秒刷新',
  connecting: '正在连接…',
  updatedAt: '更新于',
  viewAll: '查看全部',
  empty: '暂无待处理',
  noTiles: '当前角色没有可查看的磁贴',
} as const

export const CLEARANCE_LABELS = {
  title: '清仓定价',
  intro: '按价格历史与销量估计价格弹性（扣除促销、大促、节假日与趋势的影响；数据少时向品类收缩），给出在目标日期前清完库存、毛利最高的降价路径。',
  sku: 'SKU 编号',
  targetDate: '清仓截止日期',
  steps: '降价步数',
  minMargin: '最低毛利率（%）',
  maxDiscount: '最大折扣（%）',
  plan: '生成方案',
  elasticity: '价格弹性',
  interval: '95% 区间',
  own: '本品估计',
  prior: '品类弹性',
  weight: '本品数据权重',
  observations: '观测周数',
  distinctPrices: '不同价格数',
  controls: '控制变量',
  noControls: '仅价格（数据不足以加入控制变量）',
  controlNames: {
    promotion: '促销深度',
    festival: '618/双11',
    holiday: '法定节假日',
    trend: '趋势',
  } as Record<string, string>,
  stock: '可售库存',
  price: '现价',
  cost: '成本价',
  floor: '最低价（成本 + 最低毛利）',
  baseUnits: '现价周销量',
  steps_: '降价步骤',
  startsOn: '开始',
  endsOn: '结束',
  weeks: '周数',
  stepPrice: '价格',
  discount: '折扣',
  units: '预计销量（件）',
  revenue: '预计销售额',
  margin: '预计毛利',
  total: '合计',
  leftover: '预计剩余（件）',
  clears: '能否清完',
  yes: '能',
  no: '不能',
  apply: '设为限时折扣',
  applied: '已创建限时折扣',
  chart: '每周价格与销量（历史与方案）',
  week: '周',
  history: '历史销量',
  projected: '方案预计销量',
  priceLine: '价格（元）',
  empty: '暂无数据',
  candidates: '清仓候选',
  candidatesIntro: '可售库存超过所选周数预测销量的 SKU，按积压成本从高到低（来自最近一次销量预测）。',
  coverWeeks: '按预测覆盖周数',
  weeklyDemand: '预测周销量',
  weeksOfCover: '库存可售周数',
  excessUnits: '积压件数',
  excessCost: '积压成本',
  noCost: '未填成本',
  makePlan: '制定方案',
  tracking: '执行跟踪',
  trackingIntro: '已设为限时折扣的降价步骤：窗口内已支付件数与按预测应售件数（预测按窗口时间均摊）对比，销售额与毛利按折扣价计。',
  window: '时间窗口',
  state: '状态',
  elapsed: '已进行',
  projectedUnits: '预计（件）',
  expectedToDate: '截至目前应售',
  soldUnits: '已售（件）',
  ratio: '完成率',
  soldRevenue: '销售额',
  soldMargin: '毛利',
  promotion: '限时折扣',
} as const

export const CLEARANCE_STEP_STATE_LABELS: Labels = {
  scheduled: '未开始',
  running: '进行中',
  ended: '已结束',
}

export const CLEARANCE_TRIAL_STATUS_LABELS: Labels = {
  running: '进行中',
  stopped: '已停止',
}

export const CLEARANCE_TRIAL_ARM_LABELS: Labels = {
  plan: '方案组',
  control: '对照组（维持原价）',
}

export const CLEARANCE_TRIAL_LABELS = {
  title: '清仓实验',
  intro:
    '把清仓方案当作实验来跑：所选 SKU 按库存可售周数两两配对，每对随机一个执行降价方案（限时折扣），另一个维持原价；开始后按组比较清仓率与每件库存毛利（随机化检验，成对比较）。同一 SKU 同时只能在一个进行中的实验里。',
  name: '实验名称',
  skus: 'SKU 编号（4–40 个，逗号分隔）',
  start: '开始实验',
  started: '实验已开始',
  list: '实验列表',
  status: '状态',
  startedAt: '开始时间',
  targetDate: '截止日期',
  planSkus: '方案组 SKU',
  controlSkus: '对照组 SKU',
  view: '查看',
  stop: '停止实验',
  stopConfirm: '停止后，方案组尚未结束的限时折扣立即停止，SKU 可加入新的实验。确定停止？',
  stopped: '实验已停止',
  metric: '指标',
  sellThrough: '清仓率',
  marginPerUnit: '每件库存毛利',
  planMean: '方案组',
  controlMean: '对照组',
  difference: '差值',
  interval: '95% 区间',
  pValue: 'p 值',
  pairs: '配对数',
  days: '已测天数',
  arm: '分组',
  pair: '配对',
  stock: '开始时库存',
  sold: '已售（件）',
  margin: '毛利',
  projected: '预计销量（件）',
  empty: '暂无实验',
  badSkus: '请输入 4–40 个 SKU 编号，用逗号分隔',
  fewPairs: '不足 6 对，无法给出区间',
} as const

export const ALERT_GRAIN_LABELS: Labels = { hour: '按小时', day: '按天' }

export const ALERT_RULE_LABELS: Labels = {
  threshold: '固定阈值',
  change: '较上周同期变化',
  anomaly: '异常检测（季节性稳健 z 分数）',
  forecast: '异常检测（预测区间）',
}

export const ALERT_DIRECTION_LABELS: Labels = { both: '上升或下降', up: '上升', down: '下降' }

export const ALERT_CHANNEL_LABELS: Labels = {
  wecom: '企业微信群机器人',
  dingtalk: '钉钉群机器人',
  email: '邮件',
  webhook: 'Webhook（签名）',
}

export const ALERT_STATUS_LABELS: Labels = {
  open: '告警中',
  acknowledged: '已确认',
  resolved: '已恢复',
}

export const ALERT_TIMELINE_LABELS: Labels = {
  opened: '触发告警',
  acknowledged: '确认',
  resolved: '恢复',
  comment: '评论',
  notified: '已通知',
  failed: '通知失败',
}

export const ALERT_NOTIFICATION_LABELS: Labels = {
  pending: '待发送',
  sending: '发送中',
  retry: '等待重试',
  sent: '已发送',
  failed: '发送失败',
}
/** 智能问数: questions in Chinese answered with a chart and a table (insights/ask). */
export const ASK_LABELS = {
  title: '智能问数',
  intro: '用一句中文提问，例如"上周华东地区哪个品类销售额最高"。支持今天、昨天、上周、本月、近7天、双11、同比、环比等说法。',
  question: '输入问题',
  placeholder: '例如：近7天每天的订单数',
  ask: '提问',
  examples: '试试这些问题',
  history: '最近问过',
  clearHistory: '清空记录',
  didYouMean: '您是不是想问…',
  query: '查询条件',
  previous: '对比期',
  change: '变化',
  empty: '这段时间没有数据',
  viaLlm: '由大模型理解问题',
  noAnswer: '没能理解这个问题',
  table: '结果明细',
  chart: '图表',
} as const

export const ASK_EXAMPLES: readonly string[] = [
  '上周华东地区哪个品类销售额最高',
  '本月复购率和上月比',
  '近7天每天的订单数',
  '去年同期GMV',
  '昨天退款率',
  '哪个商品卖得最好',
]

/** 操作日志's chain status: the tamper-evident audit chain (docs/audit.md). */
export const AUDIT_CHAIN_LABELS = {
  title: '防篡改校验',
  intact: '完整',
  broken: '已被篡改',
  unchecked: '未实时校验',
  headSeq: '最新序号',
  checkpoint: '最近签名检查点',
  noCheckpoint: '尚无检查点',
  signatureValid: 'SM2 签名有效',
  signatureInvalid: 'SM2 签名无效',
  verifiedTo: '已校验至',
  checkedAt: '校验时间',
  tooLong: '检查点之后的记录过多，请运行 shoplet audit verify',
  problems: '发现的问题',
  refresh: '重新校验',
} as const

/** 门店 (stores): the console's 门店管理 and 核销, the storefront's store finder and pickup. */
export const STORES_LABELS = {
  stores: '门店管理',
  verify: '核销',
  newStore: '新建门店',
  editStore: '编辑门店',
  name: '门店名称',
  address: '地址',
  phone: '电话',
  lat: '纬度',
  lng: '经度',
  hours: '营业时间',
  closedDay: '休息',
  staff: '门店员工',
  staffHelp: '员工 ID，用逗号分隔；门店员工可在本店核销',
  pickupEnabled: '支持自提',
  radius: '同城配送半径（米）',
  radiusHelp: '0 表示不提供同城配送',
  feePerKm: '每公里运费（元）',
  active: '启用',
  inactive: '已停用',
  stock: '门店库存',
  sku: 'SKU ID',
  quantity: '数量',
  setStock: '设置库存',
  code: '取货码',
  codeHelp: '输入顾客出示的 6 位取货码，或扫描取货二维码',
  qr: '二维码内容',
  verifyNow: '核销',
  verified: '核销成功，请交付以下商品',
  chooseStore: '选择门店',
  openNow: '营业中',
  closedNow: '休息中',
  pickup: '到店自提',
  sameCity: '同城配送',
  express: '快递配送',
  distance: '距离',
  inStock: '有货',
  outOfStock: '门店缺货',
  pickupTime: '自提时间',
  awaiting: '待取货',
  pickedUp: '已取货',
  cancelled: '已取消',
  awaitingPayment: '支付后显示取货码',
  finder: '附近门店',
  locate: '使用当前位置',
  noStores: '附近没有门店',
  scan: '扫码购',
  scanNow: '门店扫码购 · 付款后当场取走',
  scanCode: '扫描商品条码',
  barcode: '商品条码',
  barcodeHelp: '输入商品包装上的 8–14 位条码',
  lookUp: '查找商品',
  storeHolds: '本店库存',
  buyHere: '在本店购买',
  handedOver: '已在门店取走',
  storePrice: '门店价',
  onlinePrice: '线上价',
  storePrices: '门店价',
  storePricesHelp: '扫码购在本店按门店价结算，促销照常叠加；不在有效期内按线上价',
  priceSku: 'SKU ID',
  priceYuan: '门店价（元）',
  priceFrom: '开始时间',
  priceUntil: '结束时间',
  priceAlways: '长期有效',
  priceCurrent: '生效中',
  priceNotCurrent: '未生效',
  setPrice: '设置门店价',
  removePrice: '删除',
  importPrices: '导入门店价',
  importPricesHelp: 'CSV 或 XLSX：列 sku_id 或 条码、门店价（元），可选 开始时间、结束时间；有错行则整批不导入',
  importedPrices: '已导入',
  importRow: '行',
  importCode: '错误',
  noPrices: '本店暂无门店价，按线上价销售',
} as const

export const WEEKDAY_LABELS: readonly string[] = ['周一', '周二', '周三', '周四', '周五', '周六', '周日']

export const PICKUP_STATUS_LABELS: Record<'awaiting' | 'picked_up' | 'cancelled', string> = {
  awaiting: STORES_LABELS.awaiting,
  picked_up: STORES_LABELS.pickedUp,
  cancelled: STORES_LABELS.cancelled,
}

// Appointments (预约到店): services, slots with capacity, bookings and check-in.
export const APPOINTMENT_LABELS = {
  title: '预约到店',
  services: '预约服务',
  newService: '新增服务',
  serviceName: '服务名称',
  duration: '时长（分钟）',
  newSlot: '新增时段',
  startsAt: '开始时间',
  capacity: '名额',
  booked: '已约',
  remaining: '剩余',
  bookings: '预约记录',
  member: '会员 ID',
  checkIn: '签到',
  checkedIn: '已签到',
  book: '预约',
  cancel: '取消预约',
  none: '暂无可预约的服务',
  full: '已约满',
  mine: '我的预约',
} as const

export const APPOINTMENT_STATUS_LABELS: Labels = {
  booked: '已预约',
  checked_in: '已签到',
  cancelled: '已取消',
}

// Passkeys (通行密钥) and the console's sign-in policy (账户安全).
export const PASSKEY_LOGIN_LABELS: Labels = {
  second_factor: '密码 + 通行密钥（通行密钥作第二步验证）',
  passwordless: '允许仅用通行密钥登录（免密码）',
}

export const PASSKEY_LABELS = {
  title: '通行密钥',
  none: '还没有通行密钥',
  add: '添加通行密钥',
  revoke: '移除',
  policy: '登录方式',
} as const

export const WECOM_LABELS = {
  title: '企业微信',
  actions: '操作',
  edit: '编辑',
  delete: '删除',
  editWay: '编辑渠道活码',
  editWayPrompt: '员工 UserID（逗号分隔；单人活码只能一人，多人活码须保留多人），活码和来源不变',
  editJoinWay: '编辑加入群聊二维码',
  editJoinWayPrompt: '客户群 chat_id（逗号分隔，最多 5 个），二维码和来源不变',
  deleteWay: '删除渠道活码',
  deleteWayConfirm: '删除后此二维码立即失效，已添加的客户及其来源保留。',
  deleteJoinWay: '删除加入群聊二维码',
  deleteJoinWayConfirm: '删除后此二维码立即失效，群和群成员的来源保留。',
  saved: '已保存',
  cancel: '取消',
  contactWays: '渠道活码',
  contacts: '客户',
  stats: '拉新统计',
  tagging: '给客户打标签',
  notConfigured: '未配置企业微信（SHOPLET_WECOM_CORP_ID、SHOPLET_WECOM_SECRET），以下功能不可用',
  corpId: '企业 ID',
  newWay: '新建渠道活码',
  store: '门店',
  noStore: '不限门店',
  campaign: '活动代码',
  campaignHelp: '1–16 位字母、数字、_ 或 -，如 spring24',
  staff: '员工 UserID',
  staffHelp: '企业微信成员的 UserID，用逗号分隔；多人时轮流接待',
  remark: '备注',
  create: '生成活码',
  state: '渠道参数 state',
  qr: '二维码',
  openQr: '查看二维码',
  createdAt: '创建时间',
  name: '客户昵称',
  source: '来源',
  member: '关联会员',
  unlinked: '未关联',
  addedAt: '添加时间',
  deletedAt: '删除时间',
  status: '状态',
  active: '好友',
  deleted: '已删除',
  all: '全部',
  byStore: '按门店',
  byCampaign: '按活动',
  byStaff: '按员工',
  added: '累计添加',
  remaining: '当前好友',
  none: '（无）',
  segment: '分群',
  addTags: '添加标签 ID',
  removeTags: '移除标签 ID',
  tagsHelp: '企业标签 ID，用逗号分隔，如 et_vip',
  apply: '打标签',
  loadMore: '加载更多',
  welcome: '欢迎语',
  welcomeWay: '渠道活码',
  welcomeText: '欢迎语内容',
  welcomeTextHelp: '客户扫码添加后自动发送，最多 4000 字节（约 1333 个汉字）',
  card: '小程序卡片',
  cardTitle: '卡片标题',
  cardPage: '打开页面',
  cardPic: '封面图',
  cardPicHelp: 'JPG 或 PNG，不超过 10 MB，建议 520×416；发送时由 Shoplet 上传到企业微信（3 天内自动续传）',
  cardPicUpload: '上传封面图',
  cardPicReplace: '更换封面图',
  cardPicPreview: '小程序卡片封面预览',
  cardPicMissing: '请上传封面图（原先填写的 media_id 已不再使用）',
  saveWelcome: '保存欢迎语',
  welcomeSends: '发送记录',
  receivedAt: '添加时间',
  groups: '客户群',
  joinWays: '加入群聊二维码',
  newJoinWay: '新建加入群聊二维码',
  chatIds: '群 ID（chat_id）',
  chatIdsHelp: '1–5 个客户群的 chat_id，用逗号分隔',
  autoCreateRoom: '群满后自动建新群',
  roomBaseName: '新群名称前缀',
  createJoinWay: '生成二维码',
  syncGroups: '同步客户群',
  groupName: '群名称',
  owner: '群主',
  members: '成员',
  memberCount: '成员数',
  customerCount: '客户数',
  dismissed: '已解散',
  groupActive: '正常',
  memberType: '类型',
  staffMember: '员工',
  customerMember: '客户',
  joinedAt: '入群时间',
  broadcasts: '群发',
  newBroadcast: '新建群发',
  audience: '发送对象',
  audienceAll: '全部客户',
  audienceSegment: '分群客户',
  audienceStore: '门店客户',
  audienceCampaign: '活动客户',
  broadcastText: '群发内容',
  broadcastHelp: '每位客户每天最多收到 1 条群发；今日已收到的客户将自动跳过',
  send: '提交群发',
  recipients: '客户数',
  capped: '今日已达上限',
  results: '发送结果',
  refresh: '刷新结果',
  sender: '发送员工',
  target: '群发到',
  targetCustomers: '客户',
  targetGroups: '客户群',
  groupAudienceAll: '全部客户群',
  groupAudienceStore: '门店客户群',
  groupAudienceCampaign: '活动客户群',
  groupOwners: '群主',
  groupOwnersHelp: '不选则发到所有群主的客户群',
  groupBroadcastHelp: '每个客户群每天最多收到 1 条群发；今日已收到的群将自动跳过',
  groupCount: '群数',
  sentAt: '发送时间',
} as const

export const WECOM_BROADCAST_STATUS_LABELS: Labels = {
  sending: '提交中',
  submitted: '待员工发送',
  failed: '提交失败',
}

export const WECOM_RECIPIENT_STATUS_LABELS: Labels = {
  pending: '未发送',
  sent: '已发送',
  not_friend: '非好友',
  limited: '今日已收到群发',
  failed: '发送失败',
}

export const WECOM_GROUP_RESULT_STATUS_LABELS: Labels = {
  pending: '未发送',
  sent: '已发送',
  not_friend: '无法发送（群已解散）',
  limited: '今日已收到群发',
  failed: '发送失败',
}

export const WECOM_WELCOME_STATUS_LABELS: Labels = {
  pending: '待发送',
  sending: '发送中',
  sent: '已发送',
  expired: '已过期',
  failed: '发送失败',
}

/** Every status glossary, for checks that no screen spells a status by hand. */
/** A topic challenge's status (`status` of 话题挑战; the backend's CHALLENGE_STATUSES). */
export const CHALLENGE_STATUS_LABELS: Labels = {
  upcoming: '未开始',
  running: '进行中',
  ended: '已结束',
  awarded: '已颁奖',
}

/** A challenge winner's coupon prize (`coupon_status`; the backend's PRIZE_COUPON_STATUSES). */
export const PRIZE_COUPON_STATUS_LABELS: Labels = {
  issued: '已发放',
  retrying: '重试中',
  given_up: '未发放',
}

/** The words of a topic challenge (话题挑战) on the topic page and in the console. */
export const CHALLENGE_LABELS = {
  title: '话题挑战',
  join: '参与挑战',
  rules: '挑战规则',
  prizes: '挑战奖品',
  leaderboard: '排行榜',
  myRank: '我的排名',
  noRank: '暂未上榜',
  winners: '获奖名单',
  startsIn: '距开始',
  endsIn: '距结束',
  ended: '挑战已结束，等待颁奖',
  likes: '赞',
  points: '积分',
  coupon: '优惠券',
  rank: (n: number): string => `第${n}名`,
  couponStatus: '优惠券',
  reissue: '重新发放',
  reissued: '优惠券已发放',
  notReissued: '仍未发放',
  attempts: (n: number): string => `已尝试 ${n} 次`,
} as const

export const STATUS_GLOSSARIES: Readonly<Record<string, Labels>> = {
  offlinePlacement: OFFLINE_PLACEMENT_LABELS,
  offlineTarget: OFFLINE_TARGET_LABELS,
  offlineCodeState: OFFLINE_CODE_STATE_LABELS,
  model3d: MODEL_STATUS_LABELS,
  order: ORDER_STATUS_LABELS,
  aftersale: AFTERSALE_STATUS_LABELS,
  aftersaleKind: AFTERSALE_KIND_LABELS,
  payment: PAYMENT_STATUS_LABELS,
  refund: REFUND_STATUS_LABELS,
  coupon: COUPON_STATE_LABELS,
  couponTemplate: COUPON_TEMPLATE_STATUS_LABELS,
  growthReason: GROWTH_REASON_LABELS,
  review: REVIEW_STATUS_LABELS,
  moderation: MODERATION_STATUS_LABELS,
  promotion: PROMOTION_STATUS_LABELS,
  rfmClass: RFM_CLASS_LABELS,
  rfmRun: RFM_RUN_STATUS_LABELS,
  commission: COMMISSION_STATUS_LABELS,
  withdrawal: WITHDRAWAL_STATUS_LABELS,
  promoter: PROMOTER_STATUS_LABELS,
  campaign: CAMPAIGN_STATUS_LABELS,
  campaignGroup: CAMPAIGN_GROUP_LABELS,
  campaignChannel: CAMPAIGN_CHANNEL_LABELS,
  live: LIVE_STATUS_LABELS,
  liveRecording: LIVE_RECORDING_STATUS_LABELS,
  support: SUPPORT_STATUS_LABELS,
  invoice: INVOICE_STATUS_LABELS,
  subscribe: SUBSCRIBE_STATUS_LABELS,
  subscribeSend: SUBSCRIBE_SEND_STATUS_LABELS,
  oaSend: OA_SEND_STATUS_LABELS,
  oaDelivery: OA_DELIVERY_LABELS,
  webhookDelivery: WEBHOOK_DELIVERY_STATUS_LABELS,
  groupBuy: GROUP_STATUS_LABELS,
  bargain: BARGAIN_STATUS_LABELS,
  pledge: PLEDGE_STATUS_LABELS,
  experiment: EXPERIMENT_STATUS_LABELS,
  alert: ALERT_STATUS_LABELS,
  pickup: PICKUP_STATUS_LABELS,
  appointment: APPOINTMENT_STATUS_LABELS,
  storeMethod: STORE_METHOD_LABELS,
  wecomBroadcast: WECOM_BROADCAST_STATUS_LABELS,
  wecomRecipient: WECOM_RECIPIENT_STATUS_LABELS,
  wecomGroupResult: WECOM_GROUP_RESULT_STATUS_LABELS,
  wecomWelcome: WECOM_WELCOME_STATUS_LABELS,
  challenge: CHALLENGE_STATUS_LABELS,
  clearanceTrial: CLEARANCE_TRIAL_STATUS_LABELS,
  clearanceTrialArm: CLEARANCE_TRIAL_ARM_LABELS,
  prizeCoupon: PRIZE_COUPON_STATUS_LABELS,
}
