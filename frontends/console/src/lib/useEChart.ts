/**
 * One ECharts instance bound to an element for a component's lifetime: created on mount with the
 * SVG renderer, redrawn when `source` changes, resized with the window, disposed on unmount.
 * Each chart registers its own chart types and components with `use()` so the bundle carries only
 * what the console draws.
 */
import type { EChartsCoreOption } from 'echarts/core'
import { init, type ECharts } from 'echarts/core'
import { onBeforeUnmount, onMounted, ref, watch, type Ref, type WatchSource } from 'vue'

/** No drawing animation for people who asked their system for less motion. */
export function prefersMotion(): boolean {
  return !window.matchMedia?.('(prefers-reduced-motion: reduce)').matches
}

/**
 * `option` builds the whole option from the component's props; `replace` drops series that a
 * redraw no longer has (ECharts merges by default).
 */
export function useEChart(
  option: () => EChartsCoreOption,
  source: WatchSource,
  { replace = false }: { replace?: boolean } = {},
): { el: Ref<HTMLDivElement | undefined> } {
  const el = ref<HTMLDivElement>()
  let chart: ECharts | null = null

  function render(): void {
    chart?.setOption({ animation: prefersMotion(), ...option() }, replace)
  }
  function resize(): void {
    chart?.resize()
  }

  onMounted(() => {
    if (!el.value) return
    chart = init(el.value, undefined, { renderer: 'svg' })
    render()
    window.addEventListener('resize', resize)
  })
  watch(source, render, { deep: true })
  onBeforeUnmount(() => {
    window.removeEventListener('resize', resize)
    chart?.dispose()
    chart = null
  })
  return { el }
}
