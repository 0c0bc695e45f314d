/**
 * One ECharts instance bound to an element for a component's lifetime: created on mount with the
 * SVG renderer, redrawn when `source` changes, resized with the window, disposed on unmount;
 * `savePng` downloads it as a picture (the `ChartPng` button every chart carries).
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
): { el: Ref<HTMLDivElement | undefined>; savePng: (name: string) => Promise<void> } {
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
  async function savePng(name: string): Promise<void> {
    if (chart) await downloadPng(chart, name)
  }
  return { el, savePng }
}

/** The chart as a PNG file: its SVG drawn on a white canvas at twice its size, downloaded as
 * ``<name>.png`` (the SVG renderer exports SVG only). */
export async function downloadPng(chart: Pick<ECharts, 'getDataURL' | 'getWidth' | 'getHeight'>, name: string): Promise<void> {
  const image = new Image()
  image.src = chart.getDataURL({ type: 'svg', backgroundColor: '#fff' })
  await image.decode()
  const canvas = document.createElement('canvas')
  canvas.width = chart.getWidth() * 2
  canvas.height = chart.getHeight() * 2
  const context = canvas.getContext('2d')
  if (!context) return
  context.fillStyle = '#fff'
  context.fillRect(0, 0, canvas.width, canvas.height)
  context.drawImage(image, 0, 0, canvas.width, canvas.height)
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'))
  if (!blob) return
  const url = URL.createObjectURL(blob)
  try {
    const link = document.createElement('a')
    link.href = url
    link.download = `${name}.png`
    document.body.appendChild(link)
    link.click()
    link.remove()
  } finally {
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
  }
}
