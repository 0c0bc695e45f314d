import { describe as suite, expect, it } from 'vitest'
import { buildCondition, describe, newRow, parseIds, rowValue, rowsOf } from '@/lib/profiles'

suite('the condition editor', () => {
  it('sends money in fen and lists split on commas', () => {
    expect(rowValue({ ...newRow(), field: 'spend_90d', value: '1000.5' })).toBe(100050)
    expect(rowValue({ ...newRow(), field: 'order_count', value: '3' })).toBe(3)
    expect(rowValue({ ...newRow(), field: 'region', op: 'in', value: '110101，440305, ' })).toEqual(['110101', '440305'])
    expect(rowValue({ ...newRow(), field: 'categories', op: 'contains', value: ' 母婴 ' })).toBe('母婴')
    expect(rowValue({ ...newRow(), field: 'spend', value: 'abc' })).toBe('abc')
  })

  it('builds AND / OR and reads it back', () => {
    const rows = [
      { ...newRow(), field: 'spend_90d', op: 'gte', value: '1000' },
      { ...newRow(), field: 'categories', op: 'contains', value: '母婴' },
      { ...newRow('tag'), tag: 'vip' },
    ]
    const built = buildCondition('all', rows)
    expect(built).toEqual({
      all: [
        { field: 'spend_90d', op: 'gte', value: 100000 },
        { field: 'categories', op: 'contains', value: '母婴' },
        { tag: 'vip' },
      ],
    })
    expect(buildCondition('any', [])).toBeNull()
    const back = rowsOf(built)
    expect(back.match).toBe('all')
    expect(back.rows.map((r) => [r.type, r.field, r.value, r.tag])).toEqual([
      ['field', 'spend_90d', '1000', ''],
      ['field', 'categories', '母婴', ''],
      ['tag', 'spend_90d', '', 'vip'],
    ])
    expect(rowsOf({ field: 'aov', op: 'lt', value: 500 }).rows[0]?.value).toBe('5')
  })

  it('describes conditions in Chinese', () => {
    expect(describe({ any: [{ field: 'spend', op: 'gte', value: 100000 }, { all: [{ tag: 'vip' }, { field: 'region', op: 'in', value: ['1', '2'] }] }] })).toBe(
      '累计消费（元） 大于等于 1000 或 （拥有标签 vip 且 地区编码 属于 1、2）',
    )
  })

  it('reads member ids', () => {
    expect(parseIds('3, 1，3 x 0 -2 7')).toEqual([3, 1, 7])
  })
})
