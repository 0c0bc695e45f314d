import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import WaybillBatchDialog from '@/views/logistics/WaybillBatchDialog.vue'
import ShipOrderCard from '@/views/orders/ShipOrderCard.vue'
import { fakeFetch, problem } from './helpers'

// The shop's enabled carriers in 物流公司 order (a switched-off one is never in this answer).
const ENABLED = [
  { code: 'ems', name: '中国邮政 EMS', ship_as: 'EMS' },
  { code: 'yunda', name: '韵达快递', ship_as: '韵达快递' },
]

function optionTexts(): string[] {
  return [...document.querySelectorAll('.el-select-dropdown__item')].map((li) => li.textContent?.trim() ?? '')
}

describe('发货 dialogs list the shop carriers from the server', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    document.body.innerHTML = ''
  })

  it('发货 offers the enabled carriers in order and ships with the standard name', async () => {
    const { calls } = fakeFetch([200, ENABLED], [200, { order_no: '202612050001', status: 'shipped' }])
    const wrapper = mount(ShipOrderCard, {
      props: { orderNo: '202612050001' },
      global: { plugins: [ElementPlus] },
      attachTo: document.body,
    })
    await flushPromises()
    expect(calls[0]!.url).toBe('/api/v1/console/logistics/carriers/enabled')
    await wrapper.get('[data-testid="carrier"]').trigger('click')
    await flushPromises()
    expect(optionTexts()).toEqual(['中国邮政 EMS', '韵达快递'])
    expect(optionTexts()).not.toContain('顺丰速运')

    ;(document.querySelector('.el-select-dropdown__item') as HTMLElement).click()
    await wrapper.get('input[name="tracking_no"]').setValue('EMS1234567')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(calls[1]!.method).toBe('POST')
    expect(calls[1]!.url).toBe('/api/v1/console/orders/202612050001/ship')
    expect(calls[1]!.body).toEqual({ carrier: 'EMS', tracking_no: 'EMS1234567' })
    expect(wrapper.emitted('shipped')).toHaveLength(1)
    wrapper.unmount()
  })

  it('发货 without the list says why and still lets a carrier be typed', async () => {
    fakeFetch(problem(403, 'console.permission_denied', '没有权限'))
    const wrapper = mount(ShipOrderCard, {
      props: { orderNo: '202612050001' },
      global: { plugins: [ElementPlus] },
      attachTo: document.body,
    })
    await flushPromises()
    expect(wrapper.get('[data-testid="carriers-error"]').text()).toContain('快递公司列表未能读取')
    expect(optionTexts()).toEqual([])
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[role="alert"]').text()).toContain('请填写快递公司和运单号')
    wrapper.unmount()
  })

  it('批量打印面单 preselects the first enabled carrier and prints with its code', async () => {
    const { calls } = fakeFetch(
      [200, ENABLED],
      [200, { results: [{ order_no: '202612050001', ok: true, tracking_no: 'EMS0001', error: null }] }],
    )
    const wrapper = mount(WaybillBatchDialog, {
      props: { orderNos: ['202612050001'], modelValue: false },
      global: { plugins: [ElementPlus] },
      attachTo: document.body,
    })
    await wrapper.setProps({ modelValue: true })
    await flushPromises()
    expect(calls[0]!.url).toBe('/api/v1/console/logistics/carriers/enabled')
    expect(optionTexts()).toEqual(['中国邮政 EMS', '韵达快递'])
    ;(document.querySelector('[data-testid="waybill-print"]') as HTMLElement).click()
    await flushPromises()
    expect(calls[1]!.body).toEqual({ order_nos: ['202612050001'], carrier_code: 'ems' })
    wrapper.unmount()
  })
})
