import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { taxProfileProblem, taxRateOptions, useTaxProfile } from '@/lib/taxProfile'
import { fakeFetch } from './helpers'

const PROFILE = { product_id: 7, tax_code: '1090000000000000000', tax_rate_bp: 1300, is_default: true }

describe('税收分类 on the product form', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('checks the 19-digit 税收分类编码 and the rate as invoicing does', () => {
    expect(taxProfileProblem('1090000000000000000', 13)).toBe('')
    expect(taxProfileProblem('109000000000000000', 13)).toBe('税收分类编码应为 19 位数字')
    expect(taxProfileProblem('10900000000000000a0', 13)).toBe('税收分类编码应为 19 位数字')
    expect(taxProfileProblem('1090000000000000000', null)).toBe('请选择税率')
    expect(taxProfileProblem('1090000000000000000', 18)).toBe('税率应在 0%–17% 之间')
    expect(taxRateOptions(13)).toEqual([13, 9, 6, 5, 3, 1, 0])
    expect(taxRateOptions(11)).toEqual([13, 9, 6, 5, 3, 1, 0, 11])
  })

  it('reads the profile from invoicing and writes it back only when it changed', async () => {
    const { calls } = fakeFetch(
      [200, PROFILE],
      [200, { ...PROFILE, tax_code: '1030201000000000000', tax_rate_bp: 900, is_default: false }],
    )
    const tax = useTaxProfile(() => true)
    await tax.load(7)
    expect(calls[0]).toMatchObject({ method: 'GET', url: '/api/v1/console/invoices/tax-profiles/7' })
    expect([tax.state.code, tax.state.ratePercent, tax.state.isDefault]).toEqual(['1090000000000000000', 13, true])

    await tax.save(7) // nothing changed: no request
    expect(calls).toHaveLength(1)

    tax.state.code = '12345'
    expect(tax.problem()).toBe('税收分类编码应为 19 位数字')
    tax.state.code = ' 1030201000000000000 '
    tax.state.ratePercent = 9
    expect(tax.problem()).toBe('')
    await tax.save(7)
    expect(calls[1]).toMatchObject({
      method: 'PUT',
      url: '/api/v1/console/invoices/tax-profiles/7',
      body: { tax_code: '1030201000000000000', tax_rate_bp: 900 },
    })
    expect([tax.state.isDefault, tax.changed()]).toEqual([false, false])
  })

  it('stays hidden without invoices:manage and asks nothing', async () => {
    const { calls } = fakeFetch()
    const tax = useTaxProfile(() => false)
    await tax.load(7)
    expect(tax.state.enabled).toBe(false)
    expect(tax.problem()).toBe('')
    expect(calls).toHaveLength(0)
  })
})
