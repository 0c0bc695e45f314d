import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { ApiError } from '@/api/client'
import { errorsCsv, importErrorCount, importErrors, summaryText, type ImportRowError } from '@/lib/productImport'
import { BULK_POLL_MS } from '@/stores/bulk'
import ProductImportView from '@/views/products/ProductImportView.vue'
import { fakeFetch } from './helpers'

const ROWS: ImportRowError[] = [
  { row: 3, column: 'price', code: 'import.bad_price', detail: "'abc' is not yuan", message: '价格格式不正确' },
  { row: 5, column: 'title', code: 'import.missing_value', detail: 'the title is empty' },
  { row: 7, column: null, code: 'import.unknown', detail: '=HYPERLINK("x")' },
]

const SUMMARY = {
  products_created: 3,
  products_updated: 1,
  drafts: 1,
  skus_created: 4,
  skus_updated: 2,
  skus_skipped: 0,
  categories_created: 2,
  seconds: 1.25,
}

const job = (status: string, progress: number, summary: typeof SUMMARY | null = null) => ({
  id: 4, kind: 'import', status, params: { file: 'p.csv', update: 0, rows: 5 }, progress, total: 4,
  result: { changed: progress, unchanged: 0, failed: [], summary }, error: null, created_by: 1,
  created_at: '2026-12-03T02:00:00Z', started_at: null, finished_at: null,
})

describe('product import helpers', () => {
  it('writes the bad rows as a CSV Excel opens, formulas defused', () => {
    const text = errorsCsv(ROWS)
    expect(text.startsWith('\ufeff"行号","列","原因","代码","说明"\r\n')).toBe(true)
    const lines = text.slice(1).trim().split('\r\n')
    expect(lines).toHaveLength(4)
    expect(lines[1]).toBe('"3","价格","价格格式不正确：请填写以元为单位的金额，如 5999、5999.00 或 ¥5,999.00，最多两位小数","import.bad_price","\'abc\' is not yuan"')
    expect(lines[2]).toBe('"5","标题","必填项为空","import.missing_value","the title is empty"')
    expect(lines[3]).toBe(`"7","","'=HYPERLINK(""x"")","import.unknown","'=HYPERLINK(""x"")"`)
  })

  it('reads the rows and their count from a refused request', () => {
    const refused = new ApiError(400, { code: 'catalog.bulk_input_invalid', errors: ROWS, error_count: 250 })
    expect(importErrors(refused)).toEqual(ROWS)
    expect(importErrorCount(refused)).toBe(250)
    expect(importErrors(new Error('x'))).toEqual([])
  })

  it('sums up a finished import', () => {
    expect(summaryText(job('done', 4, SUMMARY))).toBe(
      '新建商品 3 个（其中 1 个无图片，已存为草稿），更新商品 1 个，新建规格 4 个，更新规格 2 个，跳过已有规格 0 个，新建分类 2 个；用时 1.3 秒',
    )
    expect(summaryText(job('running', 1))).toBe('')
  })
})

describe('ProductImportView', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.useFakeTimers()
  })
  afterEach(() => vi.useRealTimers())

  async function mountView() {
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/products', name: 'products', component: { render: () => null } },
        { path: '/products/import', name: 'product-import', component: ProductImportView },
      ],
    })
    await router.push('/products/import')
    await router.isReady()
    const wrapper = mount(ProductImportView, { attachTo: document.body, global: { plugins: [router, ElementPlus] } })
    await flushPromises()
    return wrapper
  }

  async function choose(wrapper: Awaited<ReturnType<typeof mountView>>, text: string) {
    const input = wrapper.get('[data-testid="import-file"]')
    Object.defineProperty(input.element, 'files', { value: [new File([text], 'p.csv', { type: 'text/csv' })] })
    await input.trigger('change')
  }

  it('lists every bad row of a refused file and imports nothing', async () => {
    const backend = fakeFetch([400, { title: 'x', status: 400, code: 'catalog.bulk_input_invalid', errors: ROWS, error_count: 3 }])
    const wrapper = await mountView()
    expect(wrapper.get('[data-testid="import-submit"]').attributes('disabled')).toBeDefined()
    await choose(wrapper, 'title,category,price,stock\n')
    await wrapper.get('[data-testid="import-submit"]').trigger('click')
    await flushPromises()
    expect(backend.calls[0]).toMatchObject({ method: 'POST', url: '/api/v1/console/products/bulk-jobs/product-import' })
    const refused = wrapper.get('[data-testid="import-refused"]')
    expect(refused.text()).toContain('3 处错误，未导入任何商品')
    expect(refused.text()).toContain('价格格式不正确')
    expect(refused.findAll('tbody tr')).toHaveLength(3)
    expect(wrapper.find('[data-testid="import-progress"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('follows a valid file to its summary, with update asked for', async () => {
    const backend = fakeFetch([202, job('queued', 0)], [200, job('running', 2)], [200, job('done', 4, SUMMARY)])
    const wrapper = await mountView()
    await choose(wrapper, 'title,category,price,stock\nA,B,1,1\n')
    await wrapper.get('[data-testid="import-update"] input').setValue(true)
    await wrapper.get('[data-testid="import-submit"]').trigger('click')
    await flushPromises()
    const sent = backend.calls[0]!.body as FormData
    expect(sent.get('update')).toBe('true')
    expect(wrapper.get('[data-testid="import-status"]').text()).toBe('排队中 · 0/4 个商品')
    await vi.advanceTimersByTimeAsync(BULK_POLL_MS)
    expect(wrapper.get('[data-testid="import-status"]').text()).toBe('处理中 · 2/4 个商品')
    await vi.advanceTimersByTimeAsync(BULK_POLL_MS)
    expect(wrapper.get('[data-testid="import-summary"]').text()).toContain('新建商品 3 个')
    expect(backend.pending()).toBe(0)
    wrapper.unmount()
  })
})
