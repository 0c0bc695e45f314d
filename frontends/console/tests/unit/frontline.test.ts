import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { configureClient } from '@/api/client'
import { mergeTiles, readEvents, tileTone, type BoardTile } from '@/lib/frontline'
import FrontlineView from '@/views/insights/FrontlineView.vue'

const tile = (code: string, value: number, items: BoardTile['items'] = []): BoardTile => ({
  code,
  name: { to_ship: '待发货订单', aftersales: '售后待处理', stock_outs: '售罄 SKU' }[code] ?? code,
  unit: '单',
  value,
  link: code === 'to_ship' ? '/orders?status=paid' : '/aftersales',
  items,
})
const order = { key: 'S1', label: 'S1', detail: '待发货', amount: 4990, quantity: null, at: '2026-05-01T02:00:00Z', link: '/orders/S1' }

function body(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk))
      controller.close()
    },
  })
}

const sse = (data: unknown, id: number) => `id: ${id}\nevent: tiles\ndata: ${JSON.stringify(data)}\n\n`

async function collect(stream: ReadableStream<Uint8Array>) {
  const out = []
  for await (const event of readEvents(stream)) out.push(event)
  return out
}

describe('一线看板 helpers', () => {
  it('reads server-sent events across chunk boundaries, skipping comments', async () => {
    const events = await collect(body(['retry: 3000\n\nid: 1\nevent: ti', 'les\ndata: {"a":1}\n\n: heartbeat\n\n', 'event: tiles\r\ndata: {"b":2}\r\n\r\n']))
    expect(events).toEqual([
      { event: 'tiles', data: '{"a":1}', id: '1' },
      { event: 'tiles', data: '{"b":2}' },
    ])
  })

  it('merges updates: a full one replaces, a partial one changes by code', () => {
    const first = mergeTiles([], { generated_at: '', full: true, tiles: [tile('to_ship', 1), tile('aftersales', 0)] })
    const next = mergeTiles(first, { generated_at: '', full: false, tiles: [tile('to_ship', 2)] })
    expect(next.map((t) => [t.code, t.value])).toEqual([
      ['to_ship', 2],
      ['aftersales', 0],
    ])
    expect([tileTone(tile('to_ship', 0)), tileTone(tile('to_ship', 3)), tileTone(tile('stock_outs', 1))]).toEqual(['ok', 'warn', 'bad'])
  })
})

describe('一线看板', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => vi.useRealTimers())

  function router() {
    const r = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/insights/boards/frontline', component: FrontlineView },
        { path: '/:any(.*)', component: { template: '<div />' } },
      ],
    })
    return r
  }

  it('shows the live tiles, applies updates and drills into a tile through the URL', async () => {
    const urls: string[] = []
    const fetch = vi.fn(async (url: string, init: RequestInit = {}) => {
      urls.push(url)
      expect((init.headers as Record<string, string>).Accept).toBe('text/event-stream')
      return new Response(
        body([
          'retry: 3000\n\n',
          sse({ generated_at: '2026-05-01T02:00:00Z', full: true, tiles: [tile('to_ship', 1, [order]), tile('aftersales', 0)] }, 1),
          ': heartbeat\n\n',
          sse({ generated_at: '2026-05-01T02:00:05Z', full: false, tiles: [tile('to_ship', 2, [order, { ...order, key: 'S2', label: 'S2', link: '/orders/S2' }])] }, 2),
        ]),
        { status: 200, headers: { 'Content-Type': 'text/event-stream' } },
      )
    })
    // The stream ends after its events; the page opens a new one, which this fake holds open.
    fetch.mockImplementationOnce(fetch.getMockImplementation()!)
    fetch.mockImplementation(async (url: string, init: RequestInit = {}) => {
      urls.push(url)
      return new Promise<Response>((_, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))))
    })
    configureClient({ fetch: fetch as unknown as typeof globalThis.fetch })
    const r = router()
    await r.push('/insights/boards/frontline')
    const wrapper = mount(FrontlineView, { attachTo: document.body, global: { plugins: [ElementPlus, r] } })
    await flushPromises()
    await flushPromises()
    expect(urls[0]).toBe('/api/v1/console/insights/boards/frontline/stream')
    expect(wrapper.get('[data-testid="frontline-to_ship"]').text()).toContain('2 单')
    expect(wrapper.get('[data-testid="frontline-aftersales"]').text()).toContain('0 单')
    expect(wrapper.get('[data-testid="frontline-status"]').text()).toContain('实时更新中')
    expect(urls).toHaveLength(2) // reopened after the first stream ended

    await wrapper.get('[data-testid="frontline-to_ship"]').trigger('click')
    await flushPromises()
    expect(r.currentRoute.value.query.tile).toBe('to_ship')
    const drill = wrapper.get('[data-testid="frontline-drill"]')
    expect(drill.findAll('li')).toHaveLength(2)
    expect(drill.text()).toContain('¥49.90')
    expect(drill.find('a[href="/orders?status=paid"]').exists()).toBe(true)
    expect(wrapper.get('[data-testid="frontline-to_ship"]').attributes('aria-expanded')).toBe('true')
    wrapper.unmount()
  })

  it('falls back to polling when the stream cannot be opened', async () => {
    vi.useFakeTimers()
    const urls: string[] = []
    let polled = 0
    const fetch = vi.fn(async (url: string) => {
      urls.push(url)
      if (url.endsWith('/stream')) return new Response('bad gateway', { status: 502 })
      polled += 1
      return new Response(
        JSON.stringify({ generated_at: '2026-05-01T02:00:00Z', refresh_seconds: 15, tiles: [tile('to_ship', polled)] }),
        { status: 200, headers: { 'Content-Type': 'application/json' } },
      )
    })
    configureClient({ fetch: fetch as unknown as typeof globalThis.fetch })
    const r = router()
    await r.push('/insights/boards/frontline')
    const wrapper = mount(FrontlineView, { attachTo: document.body, global: { plugins: [ElementPlus, r] } })
    await flushPromises()
    await flushPromises()
    expect(urls).toEqual(['/api/v1/console/insights/boards/frontline/stream', '/api/v1/console/insights/boards/frontline'])
    expect(wrapper.get('[data-testid="frontline-to_ship"]').text()).toContain('1 单')
    expect(wrapper.get('[data-testid="frontline-status"]').text()).toContain('每 15 秒刷新')
    await vi.advanceTimersByTimeAsync(15_000)
    await flushPromises()
    expect(wrapper.get('[data-testid="frontline-to_ship"]').text()).toContain('2 单')
    wrapper.unmount()
  })
})
