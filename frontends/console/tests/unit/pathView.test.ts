import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { describe, expect, it, vi } from 'vitest'
import { configureClient } from '@/api/client'
import PathView from '@/views/analytics/PathView.vue'

vi.mock('@/components/SankeyChart.vue', () => ({ default: { props: ['label'], template: '<div role="img" :aria-label="label" />' } }))

const TOP = [
  { page: 'pages/me/index', views: 4 },
  { page: 'pages/index/index', views: 3 },
]

function answer(page: string | null, views: number) {
  return {
    page,
    direction: 'next',
    views,
    neighbours: page ? [{ page: '$exit', count: 1, share: 1 }] : [],
    top_pages: TOP,
  }
}

describe('路径分析', () => {
  it('shows the page picked last even when an earlier answer comes back after it', async () => {
    // Each request waits until the test answers it, so the order of the answers is the test's.
    const waiting: { page: string | null; resolve: (r: Response) => void }[] = []
    const fetch = vi.fn(
      (url: string) =>
        new Promise<Response>((resolve) => {
          waiting.push({ page: new URL(url, 'http://x').searchParams.get('page'), resolve })
        }),
    )
    configureClient({ fetch: fetch as unknown as typeof globalThis.fetch })
    const reply = (index: number, body: unknown) =>
      waiting[index]!.resolve(new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } }))

    const wrapper = mount(PathView, { attachTo: document.body, global: { plugins: [ElementPlus] } })
    await flushPromises()
    expect(waiting.map((w) => w.page)).toEqual([null])
    reply(0, answer(null, 0)) // the first load: the top pages, then it asks for the top one
    await flushPromises()
    expect(waiting.map((w) => w.page)).toEqual([null, 'pages/me/index'])

    const home = wrapper.findAll('[data-testid="path-top-pages"] button').find((b) => b.text() === 'pages/index/index')
    await home!.trigger('click') // the operator picks another page before the first answer
    await flushPromises()
    expect(waiting.map((w) => w.page)).toEqual([null, 'pages/me/index', 'pages/index/index'])

    reply(2, answer('pages/index/index', 3))
    await flushPromises()
    reply(1, answer('pages/me/index', 4)) // late: must not replace the page picked
    await flushPromises()
    expect(wrapper.get('[data-testid="path-views"]').text()).toContain('pages/index/index')
    expect(wrapper.get('[data-testid="path-views"]').text()).toContain('3')
    wrapper.unmount()
  })
})
