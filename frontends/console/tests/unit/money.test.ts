import { describe, expect, it } from 'vitest'
import { changeRatio, formatFen, formatRatio, yuanToFen } from '@/lib/money'
import { formatTime, label, ORDER_STATUS_LABELS } from '@/lib/format'
import { errorMessage } from '@/lib/errors'
import { ApiError } from '@/api/client'

describe('money', () => {
  it('formats fen as yuan', () => {
    expect(formatFen(123456)).toBe('¥1,234.56')
    expect(formatFen(5)).toBe('¥0.05')
    expect(formatFen(-250)).toBe('-¥2.50')
    expect(formatFen(null)).toBe('—')
    expect(formatFen(123456789)).toBe('¥1,234,567.89')
    expect(formatFen(1.5)).toBe('—')
  })

  it('converts typed yuan to integer fen without float drift', () => {
    expect(yuanToFen(19.99)).toBe(1999)
    expect(yuanToFen(0.1 + 0.2)).toBe(30)
    expect(yuanToFen('12.345')).toBe(1235)
    expect(yuanToFen(1.005)).toBe(101)
    expect(yuanToFen(-3.2)).toBe(-320)
    expect(() => yuanToFen('abc')).toThrow(RangeError)
  })

  it('compares today with yesterday', () => {
    expect(changeRatio(150, 100)).toBe(0.5)
    expect(changeRatio(5, 0)).toBeNull()
    expect(formatRatio(0.5)).toBe('+50.0%')
    expect(formatRatio(-0.125)).toBe('-12.5%')
    expect(formatRatio(null)).toBe('—')
  })
})

describe('format', () => {
  it('shows UTC times in Beijing time', () => {
    expect(formatTime('2026-11-25T16:30:05Z')).toBe('2026-11-26 00:30:05')
    expect(formatTime('2026-11-26T02:03:04+00:00')).toBe('2026-11-26 10:03:04')
    expect(formatTime(null)).toBe('—')
  })

  it('labels known codes and passes unknown ones through', () => {
    expect(label(ORDER_STATUS_LABELS, 'paid')).toBe('待发货')
    expect(label(ORDER_STATUS_LABELS, 'mystery')).toBe('mystery')
    expect(label(ORDER_STATUS_LABELS, null)).toBe('—')
  })

  it('shows the shared glossary message first for a known problem code', () => {
    const problem = { type: 'about:blank', title: 'Not enough stock', status: 409, code: 'inventory.insufficient' }
    expect(errorMessage(new ApiError(409, problem))).toBe('可售库存不足')
    expect(errorMessage(new ApiError(409, { ...problem, code: 'x.unknown', detail: '详情' }))).toBe('详情')
  })
})
