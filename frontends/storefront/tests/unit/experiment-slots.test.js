// Every built-in A/B slot is rendered by a storefront page and logs its exposure once, when the
// variant is actually on screen (docs/experiments.md, "Slots in the storefront").
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createApp, defineComponent, h, nextTick, ref } from 'vue'

const calls = { expose: [] }
let answer = null
vi.mock('../../src/api', () => ({
  api: {
    experiments: {
      assign: () => Promise.resolve(answer),
      expose: (body) => {
        calls.expose.push(body)
        return Promise.resolve({ recorded: true })
      },
    },
  },
}))

const { SLOT_ARMS, resetExperiments, useExperiment } = await import('../../src/composables/useExperiment')

const SRC = resolve(__dirname, '../../src')

function sources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sources(path)
    return name.endsWith('.vue') || name.endsWith('.js') ? [path] : []
  })
}

function probe(slot, options) {
  return defineComponent({
    setup() {
      const { variant } = useExperiment(slot, 'default', options)
      return () => h('p', variant.value)
    },
  })
}

function mount(component) {
  const el = document.createElement('div')
  document.body.appendChild(el)
  createApp(component).mount(el)
  return { text: () => el.textContent }
}

async function settle() {
  for (let i = 0; i < 5; i += 1) await nextTick()
  await new Promise((r) => setTimeout(r, 0))
  await nextTick()
}

describe('built-in slots in the storefront', () => {
  beforeEach(() => {
    calls.expose.length = 0
    answer = {
      unit: 'd:x',
      version: 1,
      variants: {
        home_layout: { experiment_id: 11, variant: 'shelf_first', is_holdout: false },
        product_card_style: { experiment_id: 12, variant: 'list', is_holdout: false },
        promotion_strategy: { experiment_id: 13, variant: 'surprise', is_holdout: false },
      },
    }
    resetExperiments()
  })

  it('has a page using each slot and rendering each of its arms', () => {
    const files = sources(SRC).map((path) => ({ path, text: readFileSync(path, 'utf8') }))
    for (const [slot, arms] of Object.entries(SLOT_ARMS)) {
      const pages = files.filter((f) => /\/(pages|pkg-[a-z]+)\//.test(f.path))
      const users = pages.filter((f) => f.text.includes(`useExperiment('${slot}'`))
      expect(users.map((f) => f.path), slot).toHaveLength(1)
      // The page (or the component it hands the variant to) names every non-default arm.
      const named = files.filter((f) => arms.slice(1).every((arm) => f.text.includes(`'${arm}'`)))
      expect(named.length, slot).toBeGreaterThan(0)
    }
  })

  it('logs an exposure only once the variant is on screen, and once', async () => {
    const shown = ref(false)
    const feed = mount(probe('product_card_style', { when: shown }))
    await settle()
    expect(feed.text()).toBe('list')
    expect(calls.expose).toEqual([]) // assigned, but no product on screen yet
    shown.value = true
    await settle()
    shown.value = false
    await settle()
    shown.value = true
    await settle()
    expect(calls.expose).toEqual([{ experiment_id: 12, variant: 'list' }])
  })

  it('logs on mount without a condition', async () => {
    const home = mount(probe('home_layout'))
    await settle()
    expect(home.text()).toBe('shelf_first')
    expect(calls.expose).toEqual([{ experiment_id: 11, variant: 'shelf_first' }])
  })

  it('keeps the default and logs nothing for an arm the shop cannot render', async () => {
    const product = mount(probe('promotion_strategy', { when: () => true }))
    await settle()
    expect(product.text()).toBe('default')
    expect(calls.expose).toEqual([])
  })
})
