/** 物流公司 form checks, the same as the backend's (fulfillment.schemas): a message, or ''. */
const CUSTOMER_CODE = /^[A-Za-z0-9_-]*$/

export function carrierFormProblem(name: string, customerCode: string): string {
  if (!name.trim()) return '请填写快递公司名称'
  if (name.trim().length > 50) return '名称最多 50 个字'
  const code = customerCode.trim()
  if (code.length > 64 || !CUSTOMER_CODE.test(code)) {
    return '客户编码只能包含字母、数字、下划线和短横线，最多 64 位'
  }
  return ''
}
