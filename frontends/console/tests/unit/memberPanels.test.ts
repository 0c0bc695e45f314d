import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { useAuthStore } from '@/stores/auth'
import MemberCouponsPanel from '@/views/members/MemberCouponsPanel.vue'
import MemberOrdersPanel from '@/views/members/MemberOrdersPanel.vue'
import MemberProfilePanel from '@/views/members/MemberProfilePanel.vue'
import { fakeFetch, OWNER_PROFILE, SUPPORT_PROFILE } from './helpers'

const PROFILE = {
  id: 7,
  nickname: '小王',
  avatar_url: null,
  phone: '138****5678',
  gender: 'female',
  birthday: '1990-05-01',
  has_wechat: true,
  created_at: '2026-11-01T02:00:00Z',
  last_login_at: '2026-12-03T02:00:00Z',
  is_active: true,
}

const COUPON = {
  id: 3, template_id: 2, name: '满100减20', kind: 'threshold', threshold: 10000, amount: 2000,
  rate_permille: null, scope: 'all', scope_ids: [], state: 'used', source: 'claim',
  valid_from: '2026-12-01T00:00:00Z', valid_to: '2026-12-08T00:00:00Z', order_no: '202612030001',
  claimed_at: '2026-12-01T00:00:00Z', used_at: '2026-12-02T00:00:00Z',
}

const ORDER = {
  order_no: '202612030002', status: 'paid', source: 'membership', is_virtual: true, items_total: 1990,
  shipping_fee: 0, discount_total: 0, payable_total: 1990, refunded_total: 0, item_count: 1,
  lines: [{ sku_id: 0, title: 'SVIP月卡', spec_text: '1个月', image: null, unit_price: 1990, quantity: 1 }],
  created_at: '2026-12-03T02:00:00Z', expires_at: '2026-12-03T02:15:00Z', member_id: 7,
}

function router() {
  return createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { render: () => null } }] })
}

function signIn(profile = OWNER_PROFILE, extra: string[] = []) {
  const auth = useAuthStore()
  auth.staff = { ...profile, permissions: [...profile.permissions, ...extra] }
}

describe('member page panels', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('资料: masked phone; an owner reveals it, support cannot', async () => {
    signIn(OWNER_PROFILE, ['pii:reveal'])
    const { calls } = fakeFetch([200, PROFILE], [200, { ...PROFILE, phone: '13812345678' }])
    const wrapper = mount(MemberProfilePanel, { props: { memberId: 7 }, global: { plugins: [ElementPlus, router()] } })
    await flushPromises()
    expect(wrapper.get('[data-testid="member-phone"]').text()).toBe('138****5678')
    expect(wrapper.text()).toContain('女')
    expect(wrapper.text()).toContain('已绑定')
    await wrapper.get('button.reveal').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="member-phone"]').text()).toBe('13812345678')
    expect(calls.map((c) => c.url)).toEqual(['/api/v1/console/members/7?reveal=false', '/api/v1/console/members/7?reveal=true'])
    expect(wrapper.find('button.reveal').exists()).toBe(false)

    setActivePinia(createPinia())
    signIn(SUPPORT_PROFILE)
    fakeFetch([200, PROFILE])
    const support = mount(MemberProfilePanel, { props: { memberId: 7 }, global: { plugins: [ElementPlus, router()] } })
    await flushPromises()
    expect(support.find('button.reveal').exists()).toBe(false)
  })

  it('优惠券: one request per wallet tab', async () => {
    signIn()
    const { calls } = fakeFetch([200, { items: [], next_cursor: null }], [200, { items: [COUPON], next_cursor: null }])
    const wrapper = mount(MemberCouponsPanel, { props: { memberId: 7 }, global: { plugins: [ElementPlus, router()] } })
    await flushPromises()
    expect(wrapper.text()).toContain('没有优惠券')
    await wrapper.findAll('.el-radio-button input')[1]!.setValue(true)
    await flushPromises()
    expect(calls.map((c) => new URL(c.url, 'http://x').searchParams.get('tab'))).toEqual(['usable', 'used'])
    expect(wrapper.text()).toContain('满100减20')
    expect(wrapper.text()).toContain('已使用')
    expect(wrapper.text()).toContain('202612030001')
  })

  it('订单: a paid membership plan reads 已开通', async () => {
    signIn()
    fakeFetch([200, { items: [ORDER], next_cursor: null }])
    const wrapper = mount(MemberOrdersPanel, { props: { memberId: 7 }, global: { plugins: [ElementPlus, router()] } })
    await flushPromises()
    expect(wrapper.text()).toContain('SVIP月卡')
    expect(wrapper.text()).toContain('已开通')
    expect(wrapper.text()).toContain('¥19.90')
  })
})
