import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { configureClient } from '@/api/client'
import { useAuthStore } from '@/stores/auth'
import InvoicesView from '@/views/invoices/InvoicesView.vue'
import { fakeFetch, OWNER_PROFILE } from './helpers'

const INVOICE = {
  invoice_no: 'FP0123456789ABCDEF01',
  order_no: '202603050001',
  kind: 'blue',
  status: 'issued',
  title_kind: 'company',
  buyer_name: '北京示例科技有限公司',
  buyer_tax_id: '91110108551385082Q',
  amount: 22600,
  net: 20000,
  tax: 2600,
  lines: [],
  invoice_code: null,
  invoice_number: '26312000000087654321',
  issued_at: '2026-03-05T01:30:00Z',
  reverses: null,
  error: null,
  has_pdf: true,
  created_at: '2026-03-05T01:29:00Z',
  member_id: 1001,
  attempts: 1,
  provider_serial: 'S1',
}
const PENDING = { ...INVOICE, invoice_no: 'FP0123456789ABCDEF02', status: 'pending', has_pdf: false, invoice_number: null }
const clickAnchor = HTMLAnchorElement.prototype.click

describe('InvoicesView: 发票管理', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    useAuthStore().staff = { ...OWNER_PROFILE, permissions: ['invoices:manage'] }
  })
  afterEach(() => {
    HTMLAnchorElement.prototype.click = clickAnchor
  })

  it('offers 查看 PDF and 下载 OFD for an issued invoice only, and saves the OFD', async () => {
    const { calls } = fakeFetch([200, { items: [INVOICE, PENDING], next_cursor: null }])
    const wrapper = mount(InvoicesView, { attachTo: document.body, global: { plugins: [ElementPlus] } })
    await flushPromises()
    expect(calls[0]?.url).toBe('/api/v1/console/invoices?limit=50')
    expect(wrapper.findAll('[data-testid="invoice-ofd"]')).toHaveLength(1)
    const button = wrapper.get('[data-testid="invoice-ofd"]')
    expect(button.text()).toBe('下载 OFD')
    expect(button.attributes('aria-label')).toBe('下载 OFD FP0123456789ABCDEF01')
    expect(wrapper.find('[aria-label="查看 PDF FP0123456789ABCDEF01"]').exists()).toBe(true)
    expect(wrapper.find('[aria-label="下载 OFD FP0123456789ABCDEF02"]').exists()).toBe(false)

    const ofd = new Response(new Uint8Array([0x50, 0x4b, 0x03, 0x04]), {
      headers: {
        'Content-Type': 'application/ofd',
        'Content-Disposition': 'inline; filename="invoice-26312000000087654321.ofd"',
      },
    })
    const fetch = vi.fn(async () => ofd)
    configureClient({ fetch: fetch as unknown as typeof globalThis.fetch })
    URL.createObjectURL = vi.fn(() => 'blob:ofd')
    URL.revokeObjectURL = vi.fn()
    const clicked: string[] = []
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
      clicked.push(`${this.download} ${this.href}`)
    }
    await button.trigger('click')
    await flushPromises()
    expect(fetch).toHaveBeenCalledWith(
      '/api/v1/console/invoices/FP0123456789ABCDEF01/download?format=ofd',
      expect.objectContaining({ method: 'GET' }),
    )
    expect(clicked).toEqual(['invoice-26312000000087654321.ofd blob:ofd'])
    expect(wrapper.find('[role="alert"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('says why when the OFD cannot be had yet', async () => {
    fakeFetch(
      [200, { items: [INVOICE], next_cursor: null }],
      [409, { type: 'about:blank', title: 'not issued', status: 409, detail: null, code: 'invoicing.pdf_not_ready' }],
    )
    const wrapper = mount(InvoicesView, { attachTo: document.body, global: { plugins: [ElementPlus] } })
    await flushPromises()
    await wrapper.get('[data-testid="invoice-ofd"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[role="alert"]').text()).toContain('发票尚未开具')
    wrapper.unmount()
  })
})
