import { describe, expect, it } from 'vitest'
import { chartRows, metric, parseSeriesCsv, percentLevel } from '@/lib/forecast'

describe('forecast helpers', () => {
  it('reads a pasted CSV with or without its header', () => {
    expect(parseSeriesCsv('\uFEFFdate,value\n2024-01-01, 3\n\n2024-02-01,x\r\n')).toEqual([
      { date: '2024-01-01', value: '3' },
      { date: '2024-02-01', value: 'x' },
    ])
    expect(parseSeriesCsv('2024-01-01\t4')).toEqual([{ date: '2024-01-01', value: '4' }])
  })

  it('joins history and forecast on the last observed day', () => {
    const rows = chartRows(['d1', 'd2'], [1, 2], ['d3'], [3], [2.5], [3.5])
    expect(rows).toEqual([
      { date: 'd1', history: 1, forecast: null, lower: null, upper: null },
      { date: 'd2', history: 2, forecast: 2, lower: null, upper: null },
      { date: 'd3', history: null, forecast: 3, lower: 2.5, upper: 3.5 },
    ])
  })

  it('formats levels and metrics', () => {
    expect(percentLevel(0.975)).toBe('97.5%')
    expect(metric(null)).toBe('—')
    expect(metric(0.12345)).toBe('0.123')
  })
})
