import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { useAuthStore } from '@/stores/auth'
import SubscribeMessagesView from '@/views/content/SubscribeMessagesView.vue'
import { fakeFetch, OWNER_PROFILE, problem } from './helpers'

const SOURCES = {
  payment_success: ['order_no', 'amount', 'paid_at', 'status'],
  shipped: ['order_no', 'carrier', 'tracking_no', 'item_desc', 'shipped_at', 'status'],
  groupbuy_result: [],
  price_drop: [],
  back_in_stock: ['product_name', 'status'],
  points_expiring: [],
}
const PAID = {
  id: 1,
  event: 'payment_success',
  template_id: 'pay-ok-1',
  page: 'pages/orders/detail',
  fields: { character_string1: 'order_no', amount2: 'amount' },
  is_enabled: true,
  disabled_reason: null,
  updated_at: '2026-12-05T02:00:00Z',
}
const SHIPPED = {
  ...PAID,
  id: 2,
  event: 'shipped',
  template_id: 'ship-gone',
  fields: { character_string1: 'order_no' },
  is_enabled: false,
  disabled_reason: '微信返回 40037：模板 ID 无效，已停用',
}
const SEND = {
  id: 9,
  event: 'payment_success',
  member_id: 42,
  ref: 'S202612050001',
  status: 'no_credit',
  template_id: 'pay-ok-1',
  errcode: null,
  error: null,
  created_at: '2026-12-05T02:00:00Z',
  sent_at: null,
}
const FAILED = { ...SEND, id: 8, ref: 'S202612050002', status: 'template_invalid', errcode: 40037, error: 'invalid template id' }

function mountView() {
  return mount(SubscribeMessagesView, {
    attachTo: document.body,
    global: { plugins: [ElementPlus], stubs: { RouterLink: { template: '<a><slot /></a>' } } },
  })
}

describe('SubscribeMessagesView: 订阅消息', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    useAuthStore().staff = { ...OWNER_PROFILE, permissions: ['content:manage'] }
    document.body.innerHTML = ''
  })

  it('lists every event, warns about a template WeChat disabled and shows the send log', async () => {
    const { calls } = fakeFetch(
      [200, { items: [PAID, SHIPPED], sources: SOURCES }],
      [200, { items: [SEND, FAILED], next_cursor: 'c2' }],
      [200, { items: [FAILED], next_cursor: null }],
    )
    const wrapper = mountView()
    await flushPromises()
    const table = wrapper.get('[data-testid="subscribe-templates"]').text()
    expect(table).toContain('支付成功')
    expect(table).toContain('pay-ok-1')
    expect(table).toContain('character_string1 ← 订单号')
    expect(table).toContain('到货提醒')
    expect(table).toContain('未设置')
    const notices = wrapper.findAll('[data-testid="template-disabled-notice"]')
    expect(notices).toHaveLength(1)
    expect(notices[0]!.text()).toContain('订单发货（ship-gone）：微信返回 40037：模板 ID 无效，已停用')
    const log = wrapper.get('[data-testid="subscribe-sends"]').text()
    expect(log).toContain('S202612050001')
    expect(log).toContain('无订阅次数')
    expect(log).toContain('模板无效')
    expect(log).toContain('40037 invalid template id')
    expect(calls[1]?.url).toBe('/api/v1/console/subscribe-messages/sends?limit=20')

    // The status filter reloads the log from the start.
    ;(wrapper.vm as unknown as { status: string }).status = 'template_invalid'
    await (wrapper.vm as unknown as { loadSends: () => Promise<void> }).loadSends()
    await flushPromises()
    expect(calls[2]?.url).toBe('/api/v1/console/subscribe-messages/sends?status=template_invalid&limit=20')
    expect(wrapper.get('[data-testid="subscribe-sends"]').text()).not.toContain('S202612050001')
  })

  it('saves an event’s template and shows a refused mapping in the dialog', async () => {
    const saved = { ...PAID, id: 3, event: 'back_in_stock', template_id: 'stock-1', fields: { thing1: 'product_name' } }
    const { calls } = fakeFetch(
      [200, { items: [PAID], sources: SOURCES }],
      [200, { items: [], next_cursor: null }],
      problem(400, 'notification.field_type_unknown'),
      [200, saved],
    )
    const wrapper = mountView()
    await flushPromises()
    await wrapper.get('[data-testid="edit-back_in_stock"]').trigger('click')
    await flushPromises()
    const vm = wrapper.vm as unknown as { form: { template_id: string; fields: { key: string; source: string }[] } }
    vm.form.template_id = 'stock-1'
    vm.form.fields = [{ key: 'title1', source: 'product_name' }]
    document.querySelector<HTMLFormElement>('[data-testid="template-form"]')!.dispatchEvent(new Event('submit'))
    await flushPromises()
    expect(document.body.textContent).toContain('字段名须为微信模板的关键词类型加序号')
    expect(calls[2]).toMatchObject({
      method: 'PUT',
      url: '/api/v1/console/subscribe-messages/templates/back_in_stock',
      body: { template_id: 'stock-1', page: '', fields: { title1: 'product_name' }, is_enabled: true },
    })

    vm.form.fields = [{ key: 'thing1', source: 'product_name' }]
    document.querySelector<HTMLFormElement>('[data-testid="template-form"]')!.dispatchEvent(new Event('submit'))
    await flushPromises()
    expect(calls[3]?.body).toMatchObject({ fields: { thing1: 'product_name' } })
    expect(wrapper.get('[data-testid="subscribe-templates"]').text()).toContain('stock-1')
    expect(wrapper.get('[data-testid="subscribe-templates"]').text()).toContain('thing1 ← 商品名称')
  })
})
