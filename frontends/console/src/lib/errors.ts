/** Chinese messages for the backend's stable problem codes (the problem's own text otherwise). */
import { ApiError, OperationUnavailable } from '@/api/client'

const MESSAGES: Record<string, string> = {
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
  'shoplet.rate_limited': '操作过于频繁，请稍后再试',
  'auth.unauthorized': '登录已失效，请重新登录',
  'catalog.barcode_taken': '条码已被其他 SKU 使用',
  'catalog.invalid_sku_matrix': 'SKU 规格组合无效（组合需唯一，且规格名一致）',
  'catalog.category_not_found': '类目不存在',
  'catalog.product_not_found': '商品不存在',
  'inventory.below_reserved': '调整后库存将低于已占用数量',
  'inventory.negative': '调整后库存不能为负数',
  'flashsale.invalid_campaign': '秒杀活动设置无效（开始时间须晚于现在、结束晚于开始、最长 7 天，秒杀价不高于售价，限购不超过秒杀库存，SKU 不重复）',
  'flashsale.sku_unavailable': '所选 SKU 未在售，不能参加秒杀',
  'flashsale.campaign_locked': '活动即将开始或已开始，不能再修改',
  'flashsale.campaign_not_found': '秒杀活动不存在',
  'inventory.insufficient': '可售库存不足，无法划出这么多秒杀库存',
  'network.error': '网络错误，请检查连接后重试',
}

export function errorMessage(error: unknown): string {
  if (error instanceof OperationUnavailable) return error.message
  if (error instanceof ApiError) {
    const known = MESSAGES[error.code]
    if (known) return known
    if (error.status === 422) {
      const detail = error.problem.detail ? `（${error.problem.detail}）` : ''
      return `提交的内容格式不正确，请检查后重试${detail}`
    }
    return error.problem.detail || error.problem.title || `请求失败（${error.status}）`
  }
  return error instanceof Error ? error.message : String(error)
}
