import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { carrierFormProblem } from '@/lib/carriers'
import { useAuthStore } from '@/stores/auth'
import CarriersView from '@/views/logistics/CarriersView.vue'
import { fakeFetch, OWNER_PROFILE } from './helpers'

const row = (code: string, name: string, sort: number, enabled = true) => ({
  code,
  name,
  is_enabled: enabled,
  sort_order: sort,
  customer_code: null,
  is_secret_configured: false,
  tracking_adapter: 'kuaidi100',
})
const LIST = {
  carriers: [row('shunfeng', '顺丰速运', 10), row('zhongtong', '中通快递', 20)],
  available: [{ code: 'jd', name: '京东快递', is_enabled: false }],
}

describe('CarriersView: 物流公司', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    useAuthStore().staff = { ...OWNER_PROFILE, permissions: ['orders:ship'] }
  })

  it('lists the carriers, switches one off, moves one up and adds one', async () => {
    const { calls } = fakeFetch(
      [200, LIST],
      [200, row('zhongtong', '中通快递', 20, false)],
      [200, { ...LIST, carriers: [LIST.carriers[1], LIST.carriers[0]] }],
      [201, row('jd', '京东快递', 30)],
      [200, { carriers: [...LIST.carriers, row('jd', '京东快递', 30)], available: [] }],
    )
    const wrapper = mount(CarriersView, { attachTo: document.body, global: { plugins: [ElementPlus] } })
    await flushPromises()
    expect(calls[0]?.url).toBe('/api/v1/console/logistics/carriers')
    const table = wrapper.get('[data-testid="carriers-table"]')
    expect(table.text()).toContain('顺丰速运')
    expect(table.text()).toContain('中通快递')

    const toggle = wrapper.get('[data-testid="carrier-enabled-zhongtong"]')
    expect(toggle.attributes('aria-label') ?? toggle.find('input').attributes('aria-label')).toBe('启用中通快递')
    await toggle.trigger('click')
    await flushPromises()
    expect(calls[1]).toMatchObject({
      method: 'PATCH',
      url: '/api/v1/console/logistics/carriers/zhongtong',
      body: { is_enabled: false },
    })

    await wrapper.get('[aria-label="上移中通快递"]').trigger('click')
    await flushPromises()
    expect(calls[2]).toMatchObject({
      method: 'PUT',
      url: '/api/v1/console/logistics/carriers/order',
      body: { codes: ['zhongtong', 'shunfeng'] },
    })
    expect(wrapper.get('[data-testid="carriers-table"] tbody tr').text()).toContain('中通快递')

    const vm = wrapper.findComponent({ name: 'ElSelect' })
    vm.vm.$emit('update:modelValue', 'jd')
    await flushPromises()
    await wrapper.get('form.add').trigger('submit')
    await flushPromises()
    expect(calls[3]).toMatchObject({ method: 'POST', url: '/api/v1/console/logistics/carriers', body: { code: 'jd', is_enabled: true, tracking_adapter: 'kuaidi100' } })
    expect(wrapper.get('[data-testid="carriers-table"]').text()).toContain('京东快递')
    wrapper.unmount()
  })

  it('checks the edit form as the backend does', () => {
    expect(carrierFormProblem('', '')).toBe('请填写快递公司名称')
    expect(carrierFormProblem('顺丰', '月结 001')).toContain('客户编码')
    expect(carrierFormProblem('顺丰', 'SF_0755-01')).toBe('')
  })
})
