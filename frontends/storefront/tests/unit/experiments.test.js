import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createApp, defineComponent, h, nextTick } from 'vue'

const calls = { assign: [], expose: [] }
let answer = null
let failAssign = false
vi.mock('../../src/api', () => ({
  api: {
    experiments: {
      assign: (body, device) => {
        calls.assign.push({ body, device })
        return failAssign ? Promise.reject(new Error('offline')) : Promise.resolve(answer)
      },
      expose: (body, device) => {
        calls.expose.push({ body, device })
        return Promise.resolve({ recorded: true })
      },
    },
  },
}))

const { resetExperiments, useExperiment } = await import('../../src/composables/useExperiment')
const { CHECKOUT_BUTTON_VARIANTS } = await import('@shoplet/shared')

function probe(slot) {
  return defineComponent({
    setup() {
      const { variant } = useExperiment(slot)
      return () => h('button', CHECKOUT_BUTTON_VARIANTS[variant.value] || CHECKOUT_BUTTON_VARIANTS.default)
    },
  })
}

/** Mount in jsdom (no test-utils in the storefront): `text()` reads what the button shows. */
function mount(component) {
  const el = document.createElement('div')
  document.body.appendChild(el)
  createApp(component).mount(el)
  return { text: () => el.textContent }
}

async function settle() {
  for (let i = 0; i < 5; i += 1) await nextTick()
  await new Promise((r) => setTimeout(r, 0))
}

describe('useExperiment', () => {
  beforeEach(() => {
    calls.assign.length = 0
    calls.expose.length = 0
    failAssign = false
    answer = {
      unit: 'd:x',
      version: 3,
      variants: {
        checkout_button_text: { experiment_id: 7, variant: 'alt', is_holdout: false },
        home_layout: { experiment_id: 8, variant: 'default', is_holdout: true },
      },
    }
    resetExperiments()
  })

  it('renders the assigned variant and logs one exposure', async () => {
    const first = mount(probe('checkout_button_text'))
    expect(first.text()).toBe('提交订单')
    await settle()
    expect(first.text()).toBe('立即支付')
    const second = mount(probe('checkout_button_text'))
    await settle()
    expect(second.text()).toBe('立即支付')
    // One fetch per session, one exposure per experiment, with this device's id.
    expect(calls.assign).toHaveLength(1)
    expect(calls.assign[0].body.platform).toBe('h5')
    expect(calls.assign[0].device).toMatch(/^[A-Za-z0-9_-]{8,64}$/)
    expect(calls.expose.map((c) => c.body)).toEqual([{ experiment_id: 7, variant: 'alt' }])
  })

  it('keeps the default for a slot with no experiment or a held-out shopper', async () => {
    const none = mount(probe('promotion_strategy'))
    const held = mount(probe('home_layout'))
    await settle()
    expect(none.text()).toBe('提交订单')
    expect(held.text()).toBe('提交订单')
    expect(calls.expose).toHaveLength(0)
  })

  it('falls back to the default when the fetch fails, and retries later', async () => {
    failAssign = true
    const wrapper = mount(probe('checkout_button_text'))
    await settle()
    expect(wrapper.text()).toBe('提交订单')
    failAssign = false
    const again = mount(probe('checkout_button_text'))
    await settle()
    expect(again.text()).toBe('立即支付')
    expect(calls.assign).toHaveLength(2)
  })
})
