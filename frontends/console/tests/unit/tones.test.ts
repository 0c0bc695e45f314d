import {
  AFTERSALE_STATUS_LABELS,
  AFTERSALE_STATUS_TONES,
  ORDER_STATUS_LABELS,
  ORDER_STATUS_TONES,
  orderStatusKey,
  PAYMENT_STATUS_LABELS,
  PAYMENT_STATUS_TONES,
  REFUND_STATUS_LABELS,
  REFUND_STATUS_TONES,
  tone,
} from '@shoplet/shared'
import type { components } from '@shoplet/shared/schema'
import { mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { describe, expect, it } from 'vitest'
import StatusTag from '@/components/StatusTag.vue'
import { deltaColor, direction, GREEN, NEUTRAL, RED, seriesDirection, loadConvention, saveConvention } from '@/lib/trend'
import { useAuthStore } from '@/stores/auth'
import { usePrefsStore } from '@/stores/prefs'
import { OWNER_PROFILE, SUPPORT_PROFILE } from './helpers'

type OrderStatus = components['schemas']['OrderAdmin']['status']
type AftersaleStatus = components['schemas']['AfterSale']['status']

// Every status the API can send (compile-time complete: a new status fails the type check here).
const ORDER_STATUSES: Record<OrderStatus, true> = {
  pending_payment: true,
  paid: true,
  shipped: true,
  received: true,
  completed: true,
  cancelled: true,
  refunded: true,
}
const AFTERSALE_STATUSES: Record<AftersaleStatus, true> = {
  requested: true,
  approved: true,
  awaiting_return: true,
  returned: true,
  refunding: true,
  refunded: true,
  rejected: true,
  cancelled: true,
}

describe('status tones', () => {
  it('give every labelled status a tone, and every API status a label', () => {
    for (const [labels, tones] of [
      [ORDER_STATUS_LABELS, ORDER_STATUS_TONES],
      [AFTERSALE_STATUS_LABELS, AFTERSALE_STATUS_TONES],
      [PAYMENT_STATUS_LABELS, PAYMENT_STATUS_TONES],
      [REFUND_STATUS_LABELS, REFUND_STATUS_TONES],
    ] as const) {
      expect(Object.keys(tones).sort()).toEqual(Object.keys(labels).sort())
    }
    for (const s of Object.keys(ORDER_STATUSES)) expect(ORDER_STATUS_LABELS[s]).toBeTruthy()
    for (const s of Object.keys(AFTERSALE_STATUSES)) expect(AFTERSALE_STATUS_TONES[s]).toBeTruthy()
  })

  it('colour by meaning', () => {
    expect(tone(ORDER_STATUS_TONES, 'pending_payment')).toBe('warning')
    expect(tone(ORDER_STATUS_TONES, 'paid')).toBe('danger')
    expect(tone(ORDER_STATUS_TONES, 'shipped')).toBe('primary')
    expect(tone(ORDER_STATUS_TONES, 'completed')).toBe('success')
    expect(tone(ORDER_STATUS_TONES, 'cancelled')).toBe('info')
    expect(tone(ORDER_STATUS_TONES, 'refunded')).toBe('danger')
    expect(tone(ORDER_STATUS_TONES, 'after_sale')).toBe('danger')
    expect(tone(ORDER_STATUS_TONES, 'something_new')).toBe('info')
    expect(tone(ORDER_STATUS_TONES, null)).toBe('info')
  })

  it('are what StatusTag shows', () => {
    const wrapper = mount(StatusTag, { props: { kind: 'order', status: 'paid' }, global: { plugins: [ElementPlus] } })
    expect(wrapper.text()).toBe('待发货')
    expect(wrapper.get('.el-tag').classes()).toContain('el-tag--danger')
    // A paid membership plan has nothing to ship: 已开通, done well.
    const plan = mount(StatusTag, {
      props: { kind: 'order', status: orderStatusKey({ status: 'paid', is_virtual: true }) },
      global: { plugins: [ElementPlus] },
    })
    expect(plan.text()).toBe('已开通')
    expect(plan.get('.el-tag').classes()).toContain('el-tag--success')
    expect(orderStatusKey({ status: 'paid', is_virtual: false })).toBe('paid')
    expect(orderStatusKey({ status: 'refunded', is_virtual: true })).toBe('refunded')
    const unknown = mount(StatusTag, { props: { kind: 'aftersale', status: 'mystery' }, global: { plugins: [ElementPlus] } })
    expect(unknown.text()).toBe('mystery')
    expect(unknown.get('.el-tag').classes()).toContain('el-tag--info')
  })
})

describe('rise and fall colours', () => {
  it('follow the Chinese convention by default: up red, down green', () => {
    expect(deltaColor('up')).toBe(RED)
    expect(deltaColor('down')).toBe(GREEN)
    expect(deltaColor('flat')).toBe(NEUTRAL)
  })

  it('switch to the international convention', () => {
    expect(deltaColor('up', 'intl')).toBe(GREEN)
    expect(deltaColor('down', 'intl')).toBe(RED)
    expect(deltaColor('flat', 'intl')).toBe(NEUTRAL)
  })

  it('read a change ratio and a series', () => {
    expect([direction(0.2), direction(-0.1), direction(0), direction(null)]).toEqual(['up', 'down', 'flat', 'flat'])
    expect(seriesDirection([1, 1, 1, 1, 5, 5, 5, 5], 4)).toBe('up')
    expect(seriesDirection([9, 9, 1, 1], 2)).toBe('down')
    expect(seriesDirection([3])).toBe('flat')
    expect(seriesDirection([2, 2])).toBe('flat')
  })

  it('keep the chosen convention per staff member', () => {
    localStorage.clear()
    expect(loadConvention(1)).toBe('cn')
    saveConvention(1, 'intl')
    expect(loadConvention(1)).toBe('intl')
    expect(loadConvention(2)).toBe('cn')
  })
})

describe('prefs store', () => {
  it('colours by the signed-in staff member’s convention and remembers it', () => {
    localStorage.clear()
    setActivePinia(createPinia())
    useAuthStore().staff = OWNER_PROFILE
    const prefs = usePrefsStore()
    expect(prefs.colorOf('up')).toBe(RED)
    prefs.setConvention('intl')
    expect(prefs.colorOf('up')).toBe(GREEN)
    expect(loadConvention(OWNER_PROFILE.id)).toBe('intl')

    setActivePinia(createPinia())
    useAuthStore().staff = SUPPORT_PROFILE
    expect(usePrefsStore().convention).toBe('cn')
  })
})
