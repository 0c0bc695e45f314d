import { mount } from '@vue/test-utils'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, nextTick, ref } from 'vue'

const chart = { setOption: vi.fn(), resize: vi.fn(), dispose: vi.fn() }
const init = vi.fn((..._args: unknown[]) => chart)
vi.mock('echarts/core', () => ({ init: (...args: unknown[]) => init(...args) }))

const { useEChart } = await import('@/lib/useEChart')

function host(values: { value: number[] }, replace = false) {
  return defineComponent({
    setup() {
      const { el } = useEChart(() => ({ series: [{ type: 'bar', data: values.value }] }), () => values.value, { replace })
      return () => h('div', { ref: el })
    },
  })
}

describe('useEChart', () => {
  beforeEach(() => {
    vi.clearAllMocks()
  })

  it('draws on mount with the SVG renderer, redraws on change and disposes on unmount', async () => {
    const values = ref([1, 2])
    const wrapper = mount(host(values))
    expect(init).toHaveBeenCalledOnce()
    expect(init.mock.calls[0]?.[2]).toEqual({ renderer: 'svg' })
    expect(chart.setOption).toHaveBeenLastCalledWith({ animation: true, series: [{ type: 'bar', data: [1, 2] }] }, false)

    values.value = [3]
    await nextTick()
    expect(chart.setOption).toHaveBeenCalledTimes(2)
    expect(chart.setOption).toHaveBeenLastCalledWith({ animation: true, series: [{ type: 'bar', data: [3] }] }, false)

    window.dispatchEvent(new Event('resize'))
    expect(chart.resize).toHaveBeenCalledOnce()

    wrapper.unmount()
    expect(chart.dispose).toHaveBeenCalledOnce()
    window.dispatchEvent(new Event('resize'))
    expect(chart.resize).toHaveBeenCalledOnce()
  })

  it('replaces the option when asked and draws no animation for reduced motion', () => {
    const matchMedia = vi.fn(() => ({ matches: true }))
    vi.stubGlobal('matchMedia', matchMedia)
    try {
      mount(host(ref([5]), true))
      expect(chart.setOption).toHaveBeenLastCalledWith({ animation: false, series: [{ type: 'bar', data: [5] }] }, true)
      expect(matchMedia).toHaveBeenCalledWith('(prefers-reduced-motion: reduce)')
    } finally {
      vi.unstubAllGlobals()
    }
  })
})
