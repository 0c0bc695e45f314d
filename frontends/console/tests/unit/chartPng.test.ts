import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { afterEach, describe, expect, it, vi } from 'vitest'
import ChartPng from '@/components/ChartPng.vue'
import { downloadPng } from '@/lib/useEChart'

afterEach(() => vi.restoreAllMocks())

describe('下载图片', () => {
  it("draws the chart's SVG on a white canvas at twice its size and downloads it as <name>.png", async () => {
    const chart = {
      getDataURL: vi.fn(() => 'data:image/svg+xml;charset=UTF-8,%3Csvg%3E%3C%2Fsvg%3E'),
      getWidth: () => 300,
      getHeight: () => 200,
    }
    const drawn: unknown[][] = []
    const context = { fillStyle: '', fillRect: vi.fn(), drawImage: (...args: unknown[]) => drawn.push(args) }
    // jsdom loads no images: decode() resolves at once, as a browser's does for a data URL.
    Object.defineProperty(HTMLImageElement.prototype, 'decode', { configurable: true, value: () => Promise.resolve() })
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(context as unknown as CanvasRenderingContext2D)
    vi.spyOn(HTMLCanvasElement.prototype, 'toBlob').mockImplementation(function (this: HTMLCanvasElement, done: BlobCallback) {
      done(new Blob([`${this.width}x${this.height}`], { type: 'image/png' }))
    })
    URL.createObjectURL = vi.fn(() => 'blob:png')
    URL.revokeObjectURL = vi.fn()
    const clicked: string[] = []
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(`${this.download} ${this.href}`)
    })

    await downloadPng(chart, '每日事件趋势')
    expect(chart.getDataURL).toHaveBeenCalledWith({ type: 'svg', backgroundColor: '#fff' })
    expect(context.fillRect).toHaveBeenCalledWith(0, 0, 600, 400)
    expect(drawn[0]!.slice(1)).toEqual([0, 0, 600, 400])
    expect(clicked).toEqual(['每日事件趋势.png blob:png'])
    delete (HTMLImageElement.prototype as { decode?: unknown }).decode
  })

  it('is a button named after its chart that saves it', async () => {
    const save = vi.fn(() => Promise.resolve())
    const w = mount(ChartPng, { props: { save, name: 'RFM 分布' }, global: { plugins: [ElementPlus] } })
    const button = w.get('[data-testid="chart-png"]')
    expect(button.attributes('aria-label')).toBe('下载图片：RFM 分布')
    await button.trigger('click')
    await flushPromises()
    expect(save).toHaveBeenCalledWith('RFM 分布')
  })
})
