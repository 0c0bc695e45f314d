import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { useAuthStore } from '@/stores/auth'
import AchievementsView from '@/views/loyalty/AchievementsView.vue'
import MascotView from '@/views/content/MascotView.vue'
import { fakeFetch, OWNER_PROFILE, problem } from './helpers'

const FIRST = {
  id: 1,
  code: 'first_order',
  name: '首单',
  description: '完成第一笔支付订单',
  rule_kind: 'paid_orders',
  threshold: 1,
  points: 50,
  badge_icon: 'bag',
  badge_color: '#E4393C',
  badge_url: '/api/v1/achievements/badges/bag-E4393C.svg',
  is_enabled: true,
  is_builtin: true,
  sort: 9,
  unlocked_count: 3,
  updated_at: '2026-12-05T02:00:00Z',
}
const STREAK = {
  ...FIRST,
  id: 5,
  code: 'signin_7',
  name: '坚持不懈',
  description: '连续签到 7 天',
  rule_kind: 'signin_streak',
  threshold: 7,
  badge_icon: 'flame',
  unlocked_count: 0,
}
const MASCOT = {
  name: '小铺',
  figure: 'cat',
  color: '#F57C00',
  figure_url: '/api/v1/mascot/figures/cat-F57C00.svg',
  messages: {
    empty_cart: '购物车空空的，去挑几件喜欢的吧～',
    empty_orders: '还没有订单，逛逛首页的好物吧～',
    empty_favorites: '还没有收藏，看到喜欢的就点个心吧～',
    no_search_results: '没找到相关商品，换个词试试吧～',
    unlock: '太棒了，恭喜你解锁新成就！',
    payment_success: '支付成功，我们马上为你安排发货！',
  },
}

function mountView(view: unknown) {
  return mount(view as never, {
    attachTo: document.body,
    global: { plugins: [ElementPlus], stubs: { RouterLink: { template: '<a><slot /></a>' } } },
  })
}

describe('AchievementsView: 成就', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    useAuthStore().staff = { ...OWNER_PROFILE, permissions: ['loyalty:manage'] }
    document.body.innerHTML = ''
  })

  it('lists definitions with their rule and unlock counts, and edits one', async () => {
    const { calls } = fakeFetch(
      [200, [FIRST, STREAK]],
      problem(400, 'achievements.invalid_definition'),
      [200, { ...FIRST, name: '开门红', points: 88 }],
      [200, [{ ...FIRST, name: '开门红', points: 88 }, STREAK]],
    )
    const wrapper = mountView(AchievementsView)
    await flushPromises()
    const table = wrapper.get('[data-testid="achievement-table"]').text()
    expect(table).toContain('首单')
    expect(table).toContain('支付订单数 ≥ 1')
    expect(table).toContain('连续签到天数 ≥ 7')
    expect(wrapper.get('[data-testid="unlocked-first_order"]').text()).toBe('3')

    await wrapper.get('[data-testid="edit-first_order"]').trigger('click')
    await flushPromises()
    const vm = wrapper.vm as unknown as { form: { name: string; points: number; rule_kind: string }; save: () => Promise<void> }
    vm.form.name = '开门红'
    vm.form.points = 88
    vm.form.rule_kind = 'posts'
    await vm.save()
    await flushPromises()
    expect(document.body.textContent).toContain('成就设置无效')
    expect(calls[1]).toMatchObject({ method: 'PUT', url: '/api/v1/console/achievements/1' })

    vm.form.rule_kind = 'paid_orders'
    await vm.save()
    await flushPromises()
    expect(calls[2]).toMatchObject({
      method: 'PUT',
      url: '/api/v1/console/achievements/1',
      body: { code: 'first_order', name: '开门红', points: 88, rule_kind: 'paid_orders', threshold: 1, badge_icon: 'bag', badge_color: '#E4393C', is_enabled: true, sort: 9 },
    })
    expect(wrapper.get('[data-testid="achievement-table"]').text()).toContain('开门红')
  })

  it('starts a backfill and shows its progress until done', async () => {
    const job = { id: 7, definition_id: 5, status: 'queued', total: 10, processed: 0, unlocked: 0, error: null, created_at: '2026-12-05T02:00:00Z', finished_at: null }
    const { calls } = fakeFetch(
      [200, [FIRST, STREAK]],
      [202, job],
      [200, { ...job, status: 'done', processed: 10, unlocked: 2, finished_at: '2026-12-05T02:01:00Z' }],
      [200, [FIRST, { ...STREAK, unlocked_count: 2 }]],
    )
    const wrapper = mountView(AchievementsView)
    await flushPromises()
    await wrapper.get('[data-testid="backfill-signin_7"]').trigger('click')
    await flushPromises()
    expect(calls[1]).toMatchObject({ method: 'POST', url: '/api/v1/console/achievements/5/backfill' })
    expect(wrapper.get('[data-testid="job-signin_7"]').text()).toContain('排队中 0/10')
    await new Promise((resolve) => setTimeout(resolve, 1100))
    await flushPromises()
    expect(calls[2]?.url).toBe('/api/v1/console/achievements/backfills/7')
    expect(wrapper.get('[data-testid="job-signin_7"]').text()).toContain('已完成 10/10，新解锁 2')
    expect(wrapper.get('[data-testid="unlocked-signin_7"]').text()).toBe('2')
  })
})

describe('MascotView: 品牌形象', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    useAuthStore().staff = { ...OWNER_PROFILE, permissions: ['content:manage'] }
    document.body.innerHTML = ''
  })

  it('previews the figure and message, and saves the merchant’s words', async () => {
    const saved = { ...MASCOT, name: '铺铺', figure: 'robot', color: '#1E88E5', figure_url: '/api/v1/mascot/figures/robot-1E88E5.svg', messages: { ...MASCOT.messages, unlock: '厉害！又一枚徽章' } }
    const { calls } = fakeFetch([200, MASCOT], [200, saved])
    const wrapper = mountView(MascotView)
    await flushPromises()
    expect(wrapper.get('[data-testid="mascot-preview-figure"]').attributes('src')).toBe('/api/v1/mascot/figures/cat-F57C00.svg')
    expect(wrapper.get('[data-testid="mascot-preview-text"]').text()).toBe('太棒了，恭喜你解锁新成就！')

    const vm = wrapper.vm as unknown as { form: { name: string; figure: string; color: string; messages: Record<string, string> }; save: () => Promise<void> }
    vm.form.name = '铺铺'
    vm.form.figure = 'robot'
    vm.form.color = '#1e88e5'
    vm.form.messages.unlock = '厉害！又一枚徽章'
    await flushPromises()
    expect(wrapper.get('[data-testid="mascot-preview-figure"]').attributes('src')).toBe('/api/v1/mascot/figures/robot-1E88E5.svg')
    expect(wrapper.get('[data-testid="mascot-preview-text"]').text()).toBe('厉害！又一枚徽章')
    await vm.save()
    await flushPromises()
    expect(calls[1]).toMatchObject({ method: 'PUT', url: '/api/v1/console/mascot' })
    expect(calls[1]?.body).toMatchObject({ name: '铺铺', figure: 'robot', color: '#1E88E5', messages: { unlock: '厉害！又一枚徽章' } })
  })
})
