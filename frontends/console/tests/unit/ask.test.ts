import { beforeEach, describe, expect, it } from 'vitest'
import { chartOption, clearHistory, formatDelta, formatValue, HISTORY_SIZE, plotted, pushHistory, readHistory, type Answer } from '@/lib/ask'

function answer(partial: Partial<Answer>): Answer {
  return {
    question: 'q',
    query: null,
    description: '',
    columns: [],
    rows: [],
    chart: null,
    message: null,
    suggestions: [],
    via: 'parser',
    ...partial,
  } as Answer
}

describe('ask', () => {
  beforeEach(() => localStorage.clear())

  it('reads figures by unit', () => {
    expect(formatValue(123456, 'fen')).toBe('¥1,234.56')
    expect(formatValue(125, 'permille')).toBe('12.5%')
    expect(formatValue(12345, 'count')).toBe('12,345')
    expect(formatValue(null, 'fen')).toBe('—')
    expect(formatValue('华东', 'dimension')).toBe('华东')
    expect(formatDelta(123)).toBe('+12.3%')
    expect(formatDelta(-40)).toBe('-4.0%')
    expect(formatDelta(null)).toBe('—')
    expect(plotted(12345, 'fen')).toBe(123.45)
    expect(plotted(125, 'permille')).toBe(12.5)
  })

  it('draws a ranking as bars and a time series per group as lines', () => {
    const bar = chartOption(
      answer({
        columns: [
          { key: 'category', label: '品类', kind: 'dimension' },
          { key: 'gmv', label: '销售额', kind: 'fen' },
        ],
        rows: [['女装', 19900], ['服饰', 19800]],
        chart: { type: 'bar', x: 'category', y: ['gmv'], group: null, unit: 'fen', value: null, previous: null, delta_permille: null },
      }),
    ) as { xAxis: { data: string[] }; series: { type: string; data: number[]; name: string }[] }
    expect(bar.xAxis.data).toEqual(['女装', '服饰'])
    expect(bar.series).toEqual([{ name: '销售额', type: 'bar', smooth: false, data: [199, 198] }])
    const lines = chartOption(
      answer({
        columns: [
          { key: 'date', label: '日期', kind: 'dimension' },
          { key: 'channel', label: '渠道', kind: 'dimension' },
          { key: 'orders', label: '订单数', kind: 'count' },
        ],
        rows: [['2026-11-23', '拼团', 1], ['2026-11-23', '秒杀', 2], ['2026-11-24', '拼团', 3]],
        chart: { type: 'line', x: 'date', y: ['orders'], group: 'channel', unit: 'count', value: null, previous: null, delta_permille: null },
      }),
    ) as { series: { name: string; data: (number | null)[] }[] }
    expect(lines.series.map((s) => [s.name, s.data])).toEqual([
      ['拼团', [1, 3]],
      ['秒杀', [2, null]],
    ])
    expect(chartOption(answer({ chart: { type: 'number', x: null, y: [], group: null, unit: 'fen', value: 1, previous: null, delta_permille: null } }))).toBeNull()
  })

  it('keeps the last ten questions per staff member, newest first, once each', () => {
    for (let i = 0; i < 12; i++) pushHistory(7, `问题${i}`)
    pushHistory(7, '问题5')
    const kept = readHistory(7)
    expect(kept).toHaveLength(HISTORY_SIZE)
    expect(kept[0]).toBe('问题5')
    expect(kept.filter((q) => q === '问题5')).toHaveLength(1)
    expect(readHistory(8)).toEqual([])
    clearHistory(7)
    expect(readHistory(7)).toEqual([])
  })
})
