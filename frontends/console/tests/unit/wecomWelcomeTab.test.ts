import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { describe, expect, it, vi } from 'vitest'
import WecomWelcomeTab from '@/views/wecom/WecomWelcomeTab.vue'
import type { WecomContactWay } from '@/api/types'

type Welcome = { text: string; miniprogram: null }
const answers = new Map<number, (welcome: Welcome) => void>()
vi.mock('@/api/console', () => ({
  consoleApi: {
    getWecomWelcome: (id: number) => new Promise((resolve) => answers.set(id, resolve)),
    listWecomWelcomeSends: () => Promise.resolve([]),
  },
}))

const way = (id: number, campaign: string) => ({ id, campaign, state: `sp.c${campaign}`, store_name: null }) as unknown as WecomContactWay

describe('WecomWelcomeTab', () => {
  it("keeps the form read-only until the chosen way's welcome arrives and drops an earlier way's late answer", async () => {
    const w = mount(WecomWelcomeTab, {
      attachTo: document.body,
      global: { plugins: [ElementPlus] },
      props: { ways: [way(1, 'first'), way(2, 'second')], configured: true },
    })
    await flushPromises()
    const text = () => w.get('textarea[data-testid="wecom-welcome-text"]').element as HTMLTextAreaElement
    const save = () => w.get('[data-testid="wecom-welcome-save"]')
    expect(text().disabled).toBe(true)
    expect(save().attributes('disabled')).toBeDefined()

    // The operator picks the second way before the first one's welcome has come back.
    ;(w.vm as unknown as { wayId: number }).wayId = 2
    await flushPromises()
    answers.get(2)?.({ text: '第二个渠道的欢迎语', miniprogram: null })
    await flushPromises()
    expect(text().disabled).toBe(false)
    expect(text().value).toBe('第二个渠道的欢迎语')

    answers.get(1)?.({ text: '第一个渠道的欢迎语', miniprogram: null })
    await flushPromises()
    expect(text().value).toBe('第二个渠道的欢迎语')
    expect(save().attributes('disabled')).toBeUndefined()
    w.unmount()
  })
})
