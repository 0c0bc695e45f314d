import { describe, expect, it } from 'vitest'
import {
  actionsFor,
  allocationSeries,
  emptyForm,
  evenWeights,
  fromExperiment,
  toBody,
  weightProblem,
} from '@/lib/experimentManage'

describe('experiment editor helpers', () => {
  it('splits weights evenly into basis points', () => {
    expect(evenWeights(2)).toEqual([5000, 5000])
    expect(evenWeights(3)).toEqual([3334, 3333, 3333])
    expect(evenWeights(3).reduce((a, b) => a + b)).toBe(10_000)
    expect(evenWeights(0)).toEqual([])
  })

  it('checks the arms before sending', () => {
    const form = emptyForm()
    expect(weightProblem(form.arms)).toBe('')
    // The search ranking's arms are the search presets.
    expect(weightProblem(form.arms, 'search_ranking')).toBe('该位置的组标识只能是 default / semantic / popular / lexical')
    // The storefront's slots take only the arms it renders (alt is the checkout button's).
    expect(weightProblem(form.arms, 'checkout_button_text')).toBe('')
    expect(weightProblem(form.arms, 'home_layout')).toBe('该位置的组标识只能是 default / shelf_first')
    expect(
      weightProblem(
        [
          { key: 'default', name: 'A', weight: 5000 },
          { key: 'semantic', name: 'B', weight: 5000 },
        ],
        'search_ranking',
      ),
    ).toBe('')
    expect(weightProblem([{ key: 'a', name: 'A', weight: 10_000 }])).toBe('至少需要 2 组')
    expect(
      weightProblem([
        { key: 'a', name: 'A', weight: 5000 },
        { key: 'b', name: 'B', weight: 4000 },
      ]),
    ).toBe('权重合计应为 10000，当前为 9000')
    expect(
      weightProblem([
        { key: 'a', name: 'A', weight: 5000 },
        { key: 'a', name: 'B', weight: 5000 },
      ]),
    ).toBe('组标识不能重复')
    expect(
      weightProblem([
        { key: 'A B', name: 'A', weight: 5000 },
        { key: 'b', name: 'B', weight: 5000 },
      ]),
    ).toMatch('组标识')
  })

  it('builds the request body and reads an experiment back', () => {
    const form = {
      ...emptyForm(),
      name: ' 结算按钮 ',
      layer_id: 3,
      primary_metric: 'conversion' as const,
      guardrail_metrics: ['conversion' as const, 'aov' as const],
      regions: '31, 44，11',
      segment_ids: [7, 0, 9],
      app_version_min: ' ',
      platforms: ['h5' as const],
    }
    const body = toBody(form)
    expect(body.name).toBe('结算按钮')
    expect(body.guardrail_metrics).toEqual(['aov'])
    expect(body.targeting).toEqual({
      platforms: ['h5'],
      app_version_min: null,
      regions: ['31', '44', '11'],
      members_only: false,
      segment_ids: [7, 9],
    })
    const back = fromExperiment({ ...body, arms: body.arms })
    expect(back.regions).toBe('31, 44, 11')
    expect(back.segment_ids).toEqual([7, 9])
    expect(back.layer_id).toBe(3)
  })

  it('offers the actions a status allows', () => {
    expect(actionsFor('draft')).toEqual(['edit', 'start'])
    expect(actionsFor('running')).toEqual(['pause', 'stop'])
    expect(actionsFor('paused')).toEqual(['start', 'stop'])
    expect(actionsFor('stopped')).toEqual([])
  })

  it('turns the allocation history into percent series', () => {
    const out = allocationSeries(
      [
        { computed_at: 't1', weights: { default: 5000, alt: 5000 } },
        { computed_at: 't2', weights: { default: 500, alt: 9500 } },
      ],
      ['default', 'alt'],
    )
    expect(out.times).toEqual(['t1', 't2'])
    expect(out.series).toEqual([
      { name: 'default', data: [50, 5] },
      { name: 'alt', data: [50, 95] },
    ])
  })
})
