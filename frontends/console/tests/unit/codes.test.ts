import { describe, expect, it } from 'vitest'
import { buildCodeBatch, buildSegment, emptySegmentForm, jobOpen, jobPercent } from '@/lib/codes'

describe('the code batch dialog', () => {
  it('asks for a count within the quota and 50,000 for one-time codes', () => {
    expect(buildCodeBatch({ kind: 'one_time', count: '10000', code: '' }, 20000)).toEqual({
      body: { kind: 'one_time', count: 10000 },
      errors: {},
    })
    for (const count of ['0', '', '1.5', 'abc', '20001']) {
      expect(buildCodeBatch({ kind: 'one_time', count, code: '' }, 20000).errors.count).toBeTruthy()
    }
    expect(buildCodeBatch({ kind: 'one_time', count: '60000', code: '' }, 100000).errors.count).toContain('50000')
  })

  it('normalises a shared code and refuses what the API refuses', () => {
    expect(buildCodeBatch({ kind: 'shared', count: '', code: ' spring-2027 ' }, 10).body).toEqual({
      kind: 'shared',
      code: 'SPRING2027',
    })
    for (const code of ['AB', '满减码码', 'A'.repeat(21), 'ABCDEFGHJKLM']) {
      expect(buildCodeBatch({ kind: 'shared', count: '', code }, 10).errors.code).toBeTruthy()
    }
  })
})

describe('the segment issue dialog', () => {
  it('builds an empty segment (every member) from an empty form', () => {
    expect(buildSegment(emptySegmentForm())).toEqual({ segment: {}, errors: {} })
  })

  it('turns Beijing dates, yuan and counts into the API segment', () => {
    const { segment, errors } = buildSegment({
      ...emptySegmentForm(),
      registeredFrom: '2026-01-01',
      registeredTo: '2026-07-01',
      paid: 'yes',
      minPaidOrders: '2',
      minSpentYuan: '199.9',
      spentDays: '30',
      lastOrderBefore: '2026-11-01',
    })
    expect(errors).toEqual({})
    expect(segment).toEqual({
      registered_from: '2026-01-01T00:00:00+08:00',
      registered_to: '2026-07-01T00:00:00+08:00',
      has_paid_order: true,
      min_paid_orders: 2,
      min_spent: 19990,
      spent_days: 30,
      last_order_before: '2026-11-01T00:00:00+08:00',
    })
  })

  it('names the field at fault', () => {
    const bad = buildSegment({
      ...emptySegmentForm(),
      registeredFrom: '2026-07-01',
      registeredTo: '2026-01-01',
      paid: 'no',
      minPaidOrders: '0',
      minSpentYuan: '100',
      lastOrderBefore: '2026/11/01',
    })
    expect(bad.segment).toBeNull()
    expect(Object.keys(bad.errors).sort()).toEqual(
      ['lastOrderBefore', 'minPaidOrders', 'paid', 'registeredTo', 'spentDays'].sort(),
    )
  })
  it('wants days that exist, not only their shape', () => {
    for (const day of ['2026-13-01', '2026-02-30', '2026-00-10', '2026-1-01']) {
      expect(buildSegment({ ...emptySegmentForm(), registeredFrom: day }).errors).toEqual({
        registeredFrom: '日期格式为 2026-01-31',
      })
    }
    expect(buildSegment({ ...emptySegmentForm(), registeredFrom: '2028-02-29' }).errors).toEqual({})
  })
})

describe('job progress', () => {
  it('is a percentage until done', () => {
    expect(jobPercent({ status: 'queued', progress: 0, total: 0 })).toBe(0)
    expect(jobPercent({ status: 'running', progress: 50, total: 200 })).toBe(25)
    expect(jobPercent({ status: 'running', progress: 200, total: 200 })).toBe(99)
    expect(jobPercent({ status: 'done', progress: 3, total: 4 })).toBe(100)
    expect([jobOpen({ status: 'running' }), jobOpen({ status: 'failed' })]).toEqual([true, false])
  })
})

describe('the shared code and rule texts', async () => {
  const { codeProblem, normaliseCode, ruleText, CODE_ALPHABET } = await import('@shoplet/shared')

  it('catches a mistyped one-time code before the server', () => {
    // Luhn mod 32 over the alphabet: "22222222222" + its check character.
    const body = '2'.repeat(11)
    const good = [...CODE_ALPHABET].map((c) => body + c).find((c) => codeProblem(c) === null)
    expect(good).toBeDefined()
    const code = good as string
    expect(codeProblem(` ${code.slice(0, 4).toLowerCase()}-${code.slice(4)} `)).toBeNull()
    for (let i = 0; i < 12; i++) {
      for (const other of CODE_ALPHABET) {
        if (other === code[i]) continue
        expect(codeProblem(code.slice(0, i) + other + code.slice(i + 1))).toContain('输错')
      }
    }
    expect(codeProblem('')).toBe('请输入兑换码')
    expect(codeProblem('兑换')).toContain('格式')
    expect(codeProblem('SPRING2027')).toBeNull()
    expect(normaliseCode(' ab-cd ')).toBe('ABCD')
    // Codes the backend generated (promotions/service/codes.py) pass the same check.
    expect(code).toBe('222222222222')
    for (const made of ['MQ5ZDGPT6DDF', 'C876QP7DVHTA', 'RB9JVJTY3UB6']) expect(codeProblem(made)).toBeNull()
  })

  it('says a coupon rule the way order pages show it', () => {
    expect(ruleText({ kind: 'threshold', threshold: 10000, amount: 1000 })).toBe('满100减10')
    expect(ruleText({ kind: 'discount', threshold: 5000, amount: 3000, rate_permille: 850 })).toBe('满50打8.5折，最多减¥30')
    expect(ruleText({ kind: 'no_threshold', threshold: 0, amount: 500 })).toBe('无门槛减5')
    expect(ruleText({ kind: 'shipping', threshold: 0, amount: 1000 })).toBe('无门槛减运费¥10')
  })
})
