import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { consoleApi } from '@/api/console'
import type { ProductModelAdmin } from '@/api/types'
import ProductModelField from '@/components/ProductModelField.vue'

function model(over: Partial<ProductModelAdmin> = {}): ProductModelAdmin {
  return {
    product_id: 7,
    url: '/media/catalog/aa/chair.glb',
    size: 12196,
    alt: '橡木餐椅',
    triangles: 408,
    bounds_min: [-0.25, 0, -0.25],
    bounds_max: [0.25, 1.02, 0.25],
    status: 'rendering',
    frames_done: 12,
    frames_total: 24,
    error: null,
    model3d: { url: '/media/catalog/aa/chair.glb', alt: '橡木餐椅', poster: null, sprite: null },
    created_at: '2026-12-06T08:00:00Z',
    updated_at: '2026-12-06T08:00:00Z',
    rendered_at: null,
    ...over,
  }
}

afterEach(() => {
  vi.restoreAllMocks()
  vi.useRealTimers()
})

describe('ProductModelField', () => {
  it('polls the sprite job until it is ready, then shows the poster', async () => {
    vi.useFakeTimers()
    const ready = model({
      status: 'ready',
      frames_done: 24,
      rendered_at: '2026-12-06T08:00:02Z',
      model3d: { url: '/media/catalog/aa/chair.glb', alt: '橡木餐椅', poster: '/media/catalog/bb/poster.webp', sprite: null },
    })
    const get = vi.spyOn(consoleApi, 'getProductModel').mockResolvedValueOnce(model()).mockResolvedValueOnce(ready)
    const w = mount(ProductModelField, { props: { productId: 7 }, global: { plugins: [ElementPlus] } })
    await flushPromises()
    expect(w.get('[data-testid=model-status]').text()).toContain('生成中')
    expect(w.get('[data-testid=model-progress]').attributes('aria-label')).toBe('360° 旋转图：12/24')

    await vi.advanceTimersByTimeAsync(1000)
    await flushPromises()
    expect(get).toHaveBeenCalledTimes(2)
    expect(w.get('[data-testid=model-status]').text()).toContain('已就绪')
    expect(w.find('[data-testid=model-progress]').exists()).toBe(false)
    expect(w.get('img').attributes()).toMatchObject({ src: '/media/catalog/bb/poster.webp', alt: '橡木餐椅' })
    await vi.advanceTimersByTimeAsync(5000)
    expect(get).toHaveBeenCalledTimes(2) // no polling once ready
    w.unmount()
  })

  it('says there is no model on a 404', async () => {
    const { ApiError } = await import('@/api/client')
    vi.spyOn(consoleApi, 'getProductModel').mockRejectedValue(new ApiError(404, { title: 'x', code: 'catalog.model_not_found' }))
    const w = mount(ProductModelField, { props: { productId: 7 }, global: { plugins: [ElementPlus] } })
    await flushPromises()
    expect(w.text()).toContain('该商品暂无 3D 模型')
    expect(w.text()).toContain('上传 3D 模型')
    w.unmount()
  })
})
