/** Chinese messages for the backend's problem codes (the shared glossary), else the problem's text. */
import { errorText } from '@shoplet/shared'
import { ApiError, OperationUnavailable } from '@/api/client'

export function errorMessage(error: unknown): string {
  if (error instanceof OperationUnavailable) return error.message
  if (error instanceof ApiError) {
    const known = errorText(error.code)
    if (known) return known
    if (error.status === 422) {
      const detail = error.problem.detail ? `（${error.problem.detail}）` : ''
      return `提交的内容格式不正确，请检查后重试${detail}`
    }
    return error.problem.detail || error.problem.title || `请求失败（${error.status}）`
  }
  return error instanceof Error ? error.message : String(error)
}
