/**
 * Chinese messages for the backend's stable problem codes (`module.reason`, RFC 9457
 * problem+json). Both apps show these first and fall back to the problem's own `detail`/`title`
 * only for a code this map does not know.
 */
export const ERROR_MESSAGES: Readonly<Record<string, string>> = {
  // Shared by every endpoint
  'shoplet.bad_request': '请求无效，请检查后重试',
  'shoplet.conflict': '操作冲突，请刷新后重试',
  'shoplet.not_found': '内容不存在或已删除',
  'shoplet.rate_limited': '操作过于频繁，请稍后再试',
  'shoplet.unavailable': '服务暂时不可用，请稍后再试',
  'pagination.invalid_cursor': '列表已变化，请刷新后重试',
  network: '网络错误，请检查连接后重试',
  'network.error': '网络错误，请检查连接后重试',
  rate_limited: '操作过于频繁，请稍后再试',

  // Shopper sign-in
  'auth.unauthorized': '登录已失效，请重新登录',
  'auth.forbidden': '没有权限进行此操作',
  'auth.code_invalid': '验证码错误或已过期',
  'auth.code_expired': '验证码错误或已过期',
  'auth.sms_unavailable': '短信发送失败，请稍后再试',
  'auth.member_disabled': '账号已停用，请联系客服',
  'auth.refresh_expired': '登录已失效，请重新登录',
  'auth.refresh_invalid': '登录已失效，请重新登录',
  'auth.refresh_reused': '登录已失效，请重新登录',
  'auth.wechat_code_invalid': '微信登录失败，请重试',
  'auth.wechat_rate_limited': '微信登录过于频繁，请稍后再试',
  'auth.wechat_unavailable': '微信服务暂时不可用，请稍后再试',
  'auth.wechat_user_blocked': '该微信账号暂时无法登录',

  // Addresses
  'members.address_limit': '收货地址数量已达上限',
  'members.address_not_found': '收货地址不存在',
  'addresses.region_unknown': '所在地区不存在，请重新选择',
  'addresses.region_mismatch': '所在地区与省市区不一致，请重新选择',
  'regions.not_found': '所在地区不存在，请重新选择',

  // Catalog and stock
  'catalog.barcode_taken': '条码已被其他 SKU 使用',
  'catalog.invalid_sku_matrix': 'SKU 规格组合无效（组合需唯一，且规格名一致）',
  'catalog.category_not_found': '类目不存在',
  'catalog.product_not_found': '商品不存在或已下架',
  'catalog.sku_not_found': '商品规格不存在',
  'catalog.bulk_input_invalid': '部分行有误，未做任何修改，请修正后重试',
  'catalog.bulk_file_invalid': '请上传 CSV 或 XLSX 文件，首行为列名：sku_id 或 条码，以及 库存',
  'catalog.bulk_too_many_rows': '一次最多导入 5000 行',
  'catalog.bulk_job_not_found': '批量任务不存在',
  'catalog.bulk_jobs_busy': '批量任务过多，请等待进行中的任务完成',
  'catalog.barcode_not_found': '没有商品使用此条码',
  'bulk.bad_number': '数字格式不正确',
  'bulk.bad_barcode': '条码格式不正确（8–14 位数字）',
  'bulk.bad_price': '价格超出允许范围',
  'bulk.missing_sku': '缺少 sku_id 或条码',
  'bulk.negative_stock': '库存不能为负数',
  'bulk.duplicate_sku': '同一 SKU 出现了多次',
  'inventory.below_reserved': '调整后库存将低于已占用数量',
  'inventory.negative': '调整后库存不能为负数',
  'inventory.insufficient': '可售库存不足',

  // Cart and checkout
  'cart.full': '购物车已满，请先结算或删除部分商品',
  'cart.identity_required': '请先登录',
  'cart.line_not_found': '购物车中没有这件商品',
  'cart.product_not_found': '商品不存在或已下架',
  'cart.sku_not_found': '商品规格不存在',
  'cart.sku_unavailable': '该商品已下架',
  'cart.quantity_exceeds_stock': '库存不足，请减少购买数量',
  'checkout.empty': '没有选中要结算的商品',
  'checkout.sku_unavailable': '部分商品已下架或库存不足',
  'checkout.idempotency_key_required': '下单请求无效，请重试',

  // Orders, after-sales, payments
  'orders.not_found': '订单不存在',
  'orders.not_payable': '订单当前不能支付',
  'orders.illegal_transition': '订单状态已变化，请刷新后重试',
  'orders.idempotency_conflict': '订单已提交，请勿重复下单',
  'orders.aftersale_not_allowed': '该订单当前不能申请售后',
  'orders.aftersale_not_found': '售后单不存在',
  'orders.aftersale_amount_exceeded': '退款金额超过可退金额',
  'orders.invalid_aftersale_items': '售后商品或数量不正确',
  'payments.already_paid': '订单已支付',
  'payments.closed': '支付已关闭，请重新下单',
  'payments.expired': '支付已超时，请重新下单',
  'payments.amount_changed': '订单金额已变化，请重新确认',
  'payments.provider_error': '支付服务暂时不可用，请稍后再试',
  'payments.openid_required': '请使用微信登录后再支付',

  // Flash sales
  'flashsale.sold_out': '已抢光，下次早点来',
  'flashsale.limit_reached': '你已达到本场限购数量',
  'flashsale.not_started': '活动还没开始，请稍候',
  'flashsale.ended': '活动已结束',
  'flashsale.too_early': '活动开始前 5 分钟才能抢购，请稍候',
  'flashsale.address_required': '请先添加收货地址，秒杀订单会寄往默认地址',
  'flashsale.invalid_token': '抢购资格已失效，请重试',
  'flashsale.challenge_required': '请先回答验证问题',
  'flashsale.challenge_failed': '验证答案不正确，请重试',
  'flashsale.rate_limited': '操作过于频繁，请稍后再试',
  'flashsale.busy': '人太多了，请稍后重试',
  'flashsale.sku_not_in_campaign': '该规格不参加本场秒杀',
  'flashsale.invalid_quantity': '购买数量不正确',
  'flashsale.campaign_not_found': '秒杀活动不存在',
  'flashsale.invalid_campaign':
    '秒杀活动设置无效（开始时间须晚于现在、结束晚于开始、最长 7 天，秒杀价不高于售价，限购不超过秒杀库存，SKU 不重复）',
  'flashsale.sku_unavailable': '所选 SKU 未在售，不能参加秒杀',
  'flashsale.campaign_locked': '活动即将开始或已开始，不能再修改',

  // Coupons
  'promotions.template_not_found': '优惠券不存在',
  'promotions.coupon_not_found': '优惠券不存在',
  'promotions.invalid_template':
    '优惠券设置无效（金额须为正的整数分，满减券减额不超过门槛，折扣 1–999‰，有效期结束晚于开始且在未来，或领取后 1–3650 天有效，每人限领不超过总量）',
  'promotions.template_not_editable': '只有草稿状态的优惠券可以修改或发布，只有发放中的可以停止',
  'promotions.template_not_active': '该优惠券已停止发放',
  'promotions.not_claimable': '该优惠券仅由商家发放，不能自行领取',
  'promotions.quota_exhausted': '优惠券已被领完',
  'promotions.claim_limit_reached': '你已达到该券的领取上限',
  'promotions.new_customer_only': '仅限新客（未下过单）使用',
  'promotions.coupon_unavailable': '优惠券已使用或正被其他订单占用',
  'promotions.coupon_expired': '优惠券已过期',
  'promotions.coupon_not_started': '优惠券未到使用时间',
  'promotions.below_threshold': '未达到优惠券的使用门槛',
  'promotions.out_of_scope': '订单中没有可用此券的商品',
  'promotions.no_shipping_fee': '本单已免运费，无需使用运费券',

  // Store-wide promotions
  'promotions.invalid_promotion':
    '促销设置无效（结束时间须晚于开始且在未来；满减档位门槛递增、减额不超过门槛；折扣 1–999‰ 或特价低于售价；买N免M 中 M 小于 N；套餐 2–10 个商品并给出套餐价或立减金额）',
  'promotions.invalid_policy': '叠加规则设置无效（最高优惠比例须为 1–1000‰）',
  'promotions.promotion_not_found': '促销活动不存在',
  'promotions.promotion_not_editable': '只有草稿状态的活动可以修改或发布，只有进行中的可以停止',
  'promotions.promotion_limit_reached': '你已达到该活动的限购数量，请按原价购买或减少数量',

  // Merchant console
  'console.invalid_credentials': '用户名或密码错误',
  'console.mfa_invalid': '验证码错误或已使用过，请输入身份验证器上的最新验证码',
  'console.mfa_required': '请输入身份验证器上的 6 位验证码',
  'console.account_locked': '连续登录失败次数过多，账户已临时锁定，请稍后再试',
  'console.permission_denied': '当前角色没有此操作权限',
  'console.mfa_enrollment_required': '请先绑定身份验证器',
  'console.last_owner': '店铺至少需要保留一位启用中的店主',
  'console.username_taken': '用户名已被占用',
  'console.invalid_username': '用户名需为 3–32 位小写字母、数字或 _ . -',
  'console.weak_password': '密码强度不足（至少 10 位）',
  'console.unknown_role': '未知角色',
}

/** The Chinese message for a problem code, or `fallback` when the glossary does not know it. */
export function errorText(code: string | null | undefined, fallback = ''): string {
  return (code && ERROR_MESSAGES[code]) || fallback
}
