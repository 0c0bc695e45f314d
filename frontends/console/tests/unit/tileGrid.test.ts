import { flushPromises, mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import TileGrid from '@/components/TileGrid.vue'
import type { Tile } from '@/lib/tiles'

const router = () =>
  createRouter({ history: createMemoryHistory(), routes: [{ path: '/:any(.*)', component: { template: '<div />' } }] })

const tiles: Tile[] = [
  { code: 'gmv', label: '销售额', value: '¥900.00', note: '较上期', change: { text: '+12.5%', trend: 'up', color: 'rgb(179, 38, 30)' } },
  { code: 'orders', label: '支付订单数', value: '6 单', to: { path: '/orders', query: { status: 'paid', region: '440000' } } },
  { code: 'alerts', label: '未恢复告警', value: '2 条', tone: 'bad' },
]

describe('TileGrid', () => {
  it('shows each tile with its label, value and change, in a labelled live list', async () => {
    const r = router()
    await r.push('/')
    const wrapper = mount(TileGrid, { props: { tiles, label: '经营看板', testid: 'board-tiles' }, global: { plugins: [r] } })
    const list = wrapper.get('ul[data-testid="board-tiles"]')
    expect(list.attributes('aria-live')).toBe('polite')
    expect(list.attributes('aria-label')).toBe('经营看板')
    expect(list.findAll('li')).toHaveLength(3)
    const gmv = wrapper.get('[data-testid="tile-gmv"]')
    expect(gmv.get('[data-testid="tile-value"]').text()).toBe('¥900.00')
    expect(gmv.text()).toContain('销售额')
    expect(gmv.text()).toContain('较上期')
    const change = gmv.get('[data-testid="tile-change"]')
    expect(change.text()).toBe('+12.5%')
    expect(change.classes()).toContain('up')
    expect(change.attributes('style')).toContain('color: rgb(179, 38, 30)')
    expect(wrapper.get('[data-testid="tile-orders"]').find('[data-testid="tile-change"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="tile-alerts"]').classes()).toContain('tile--bad')
  })

  it('makes a tile with a destination a drill-down link that keeps its query', async () => {
    const r = router()
    await r.push('/')
    const wrapper = mount(TileGrid, { props: { tiles }, global: { plugins: [r] } })
    const link = wrapper.get('a[data-testid="tile-orders"]')
    expect(link.attributes('href')).toBe('/orders?status=paid&region=440000')
    await link.trigger('click')
    await r.isReady()
    await flushPromises()
    expect(r.currentRoute.value.fullPath).toBe('/orders?status=paid&region=440000')
    expect(wrapper.find('a[data-testid="tile-gmv"]').exists()).toBe(false)
  })

  it('makes selectable tiles toggle buttons that say which one is open', async () => {
    const r = router()
    await r.push('/')
    const wrapper = mount(TileGrid, {
      props: { tiles, selectable: true, selected: 'gmv', controls: 'drill', testidPrefix: 'frontline-', valueTestid: 'v', changeTestid: 'c' },
      global: { plugins: [r] },
    })
    const gmv = wrapper.get('button[data-testid="frontline-gmv"]')
    expect(gmv.attributes('aria-expanded')).toBe('true')
    expect(gmv.attributes('aria-controls')).toBe('drill')
    expect(gmv.classes()).toContain('tile--on')
    expect(gmv.get('[data-testid="v"]').text()).toBe('¥900.00')
    expect(gmv.get('[data-testid="c"]').text()).toBe('+12.5%')
    const orders = wrapper.get('button[data-testid="frontline-orders"]')
    expect(orders.attributes('aria-expanded')).toBe('false')
    await orders.trigger('click')
    expect(wrapper.emitted('select')).toEqual([[tiles[1]]])
  })
})
