import { describe, expect, it, vi } from 'vitest'
import { fieldRows, fieldsOf, mappingText, sendAnswer, useEventTemplates, useSendLog } from '@/lib/messageTemplates'

describe('message templates', () => {
  it('turns a mapping into dialog rows and back, leaving out incomplete rows', () => {
    expect(fieldRows()).toEqual([{ key: '', source: '' }])
    const rows = fieldRows({ thing1: 'product_title', amount2: 'amount' })
    expect(rows).toEqual([
      { key: 'thing1', source: 'product_title' },
      { key: 'amount2', source: 'amount' },
    ])
    rows.push({ key: ' ', source: 'amount' }, { key: 'time3', source: '' }, { key: ' date4 ', source: 'paid_at' })
    expect(fieldsOf(rows)).toEqual({ thing1: 'product_title', amount2: 'amount', date4: 'paid_at' })
    expect(mappingText({ thing1: 'an_unknown_source' })).toBe('thing1 ← an_unknown_source')
  })

  it('shows a send answer as the errcode and reason, or a dash', () => {
    expect(sendAnswer({ errcode: null, error: null })).toBe('—')
    expect(sendAnswer({ errcode: 43101, error: null })).toBe('43101')
    expect(sendAnswer({ errcode: 40037, error: '模板已停用' })).toBe('40037 模板已停用')
    expect(sendAnswer({ errcode: null, error: '无订阅' })).toBe('无订阅')
  })

  it('lists every event with its template and the turned-off ones; a save replaces one', async () => {
    const fetch = vi.fn().mockResolvedValue({
      items: [
        { event: 'payment_success', template_id: 'T1', fields: {}, is_enabled: true, disabled_reason: null },
        { event: 'shipped', template_id: 'T2', fields: {}, is_enabled: false, disabled_reason: '40037' },
      ],
      sources: { payment_success: ['amount'] },
    })
    const t = useEventTemplates(fetch, vi.fn())
    await t.load()
    expect(t.rows.value.find((r) => r.event === 'payment_success')?.template?.template_id).toBe('T1')
    expect(t.rows.value.filter((r) => r.template === null).length).toBe(t.rows.value.length - 2)
    expect(t.disabled.value.map((d) => d.event)).toEqual(['shipped'])
    expect(t.sources.value).toEqual({ payment_success: ['amount'] })
    t.replace({ event: 'shipped', template_id: 'T3', fields: {}, is_enabled: true, disabled_reason: null })
    expect(t.disabled.value).toEqual([])
    expect(t.templates.value.map((x) => x.template_id).sort()).toEqual(['T1', 'T3'])
  })

  it('pages the send log by status and reports errors', async () => {
    const fetch = vi
      .fn()
      .mockResolvedValueOnce({ items: [1, 2], next_cursor: 'c2' })
      .mockResolvedValueOnce({ items: [3], next_cursor: null })
      .mockRejectedValueOnce(new Error('网络错误'))
    const onError = vi.fn()
    const log = useSendLog<number, 'sent' | 'failed'>(fetch, onError)
    log.status.value = 'failed'
    await log.load()
    expect(fetch).toHaveBeenLastCalledWith({ status: 'failed', cursor: undefined, limit: 20 })
    await log.load(true)
    expect(fetch).toHaveBeenLastCalledWith({ status: 'failed', cursor: 'c2', limit: 20 })
    expect(log.items.value).toEqual([1, 2, 3])
    expect(log.cursor.value).toBeNull()
    await log.load()
    expect(onError).toHaveBeenCalledOnce()
    expect(log.items.value).toEqual([1, 2, 3])
    expect(log.loading.value).toBe(false)
  })
})
