/**
 * 税收分类 on the product form: the product's tax profile is invoicing's (its console API
 * `GET/PUT /console/invoices/tax-profiles/{product_id}`), not catalog's, so the form reads and
 * writes it through that API beside the product's own. Checks match invoicing's: a 19-digit
 * 税收分类编码 and a rate of 0–17 %.
 */
import { reactive } from 'vue'
import { consoleApi } from '@/api/console'
import { isAvailable, OPS } from '@/api/operations'
import type { TaxProfile } from '@/api/types'

export const TAX_CODE = /^\d{19}$/
/** The VAT rates a Chinese e-invoice line uses, in percent. */
export const TAX_RATES = [13, 9, 6, 5, 3, 1, 0] as const

/** The rates to offer: the usual ones, plus the product's own when it is another. */
export function taxRateOptions(current: number | null): number[] {
  const rates: number[] = [...TAX_RATES]
  return current === null || rates.includes(current) ? rates : [...rates, current]
}

export function taxProfileProblem(code: string, ratePercent: number | null | undefined): string {
  const text = code.trim()
  if (!TAX_CODE.test(text)) return '税收分类编码应为 19 位数字'
  if (ratePercent === null || ratePercent === undefined || Number.isNaN(ratePercent)) return '请选择税率'
  if (ratePercent < 0 || ratePercent > 17) return '税率应在 0%–17% 之间'
  return ''
}

export function useTaxProfile(canManage: () => boolean) {
  const state = reactive({
    enabled: false,
    code: '',
    ratePercent: 13 as number | null,
    isDefault: true,
    loadedCode: '',
    loadedRate: 13 as number | null,
  })

  function available(): boolean {
    return canManage() && isAvailable(OPS.getTaxProfile) && isAvailable(OPS.putTaxProfile)
  }

  function fill(profile: TaxProfile): void {
    state.code = profile.tax_code
    state.ratePercent = profile.tax_rate_bp / 100
    state.isDefault = profile.is_default
    state.loadedCode = state.code
    state.loadedRate = state.ratePercent
  }

  async function load(productId: number): Promise<void> {
    state.enabled = available()
    if (state.enabled) fill(await consoleApi.getTaxProfile(productId))
  }

  function changed(): boolean {
    return state.enabled && (state.code.trim() !== state.loadedCode || state.ratePercent !== state.loadedRate)
  }

  function problem(): string {
    return changed() ? taxProfileProblem(state.code, state.ratePercent) : ''
  }

  /** Write the profile if it changed (after the product itself is saved). */
  async function save(productId: number): Promise<void> {
    if (!changed()) return
    fill(
      await consoleApi.putTaxProfile(productId, {
        tax_code: state.code.trim(),
        tax_rate_bp: Math.round((state.ratePercent ?? 0) * 100),
      }),
    )
  }

  return { state, load, problem, save, changed }
}
