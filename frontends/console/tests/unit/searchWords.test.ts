import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { splitWords } from '@/lib/searchWords'
import { useAuthStore } from '@/stores/auth'
import SearchWordsView from '@/views/search/SearchWordsView.vue'
import { fakeFetch, OWNER_PROFILE } from './helpers'

describe('splitWords', () => {
  it.each([
    ['手机壳，保护壳, 手机套', ['手机壳', '保护壳', '手机套']],
    ['  电饭煲 、 电饭锅；饭煲 ', ['电饭煲', '电饭锅', '饭煲']],
    ['iPhone iphone IPHONE 苹果', ['iPhone', '苹果']],
    ['', []],
    [' ，, ', []],
  ])('%j → %j', (text, words) => {
    expect(splitWords(text)).toEqual(words)
  })
})

describe('SearchWordsView', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('makes a zero-result query a synonym in one step and checks the words first', async () => {
    useAuthStore().staff = { ...OWNER_PROFILE, permissions: ['products:read', 'products:write'] }
    const synonym = { id: 4, words: ['露营帐篷', '帐篷'], updated_at: '2026-12-04T02:00:00Z' }
    const { calls } = fakeFetch(
      [200, { ready: true, products: 120, words: 900, last_change_id: 3, built_seconds: 1.2 }],
      [200, []],
      [200, []],
      [200, { items: [{ query: '露营帐篷', searches: 9, zero_results: 9, last_searched_at: '2026-12-04T01:00:00Z' }], next_cursor: null }],
      [201, synonym],
      [200, { items: [], next_cursor: null }],
      [200, [synonym]],
    )
    const wrapper = mount(SearchWordsView, { attachTo: document.body, global: { plugins: [ElementPlus] } })
    await flushPromises()
    expect(wrapper.get('[data-testid="index-status"]').text()).toBe('索引 120 件商品 · 900 个词')
    await wrapper.get('[aria-label="设为同义词 露营帐篷"]').trigger('click')
    await flushPromises()
    const save = document.querySelector<HTMLButtonElement>('[data-testid="synonym-save"]')!
    save.click()
    await flushPromises()
    expect(document.body.textContent).toContain('至少填写 1 个能搜到商品的词')
    const box = document.querySelector<HTMLTextAreaElement>('[data-testid="synonym-words"] textarea, textarea[data-testid="synonym-words"]')!
    box.value = '帐篷，帐篷'
    box.dispatchEvent(new Event('input'))
    save.click()
    await flushPromises()
    const posted = calls.find((c) => c.url.endsWith('/zero-results/synonym'))
    expect(posted?.body).toEqual({ query: '露营帐篷', words: ['帐篷'] })
    expect(wrapper.get('[data-testid="synonym-table"]').text()).toContain('露营帐篷')
    wrapper.unmount()
  })
})
