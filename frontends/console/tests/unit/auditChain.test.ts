import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { AUDIT_CHAIN_LABELS } from '@shoplet/shared/labels'
import { useAuthStore } from '@/stores/auth'
import AuditLogView from '@/views/staff/AuditLogView.vue'
import { fakeFetch, OWNER_PROFILE } from './helpers'

const PAGE = { items: [], next_cursor: null }

function status(intact: boolean | null, problems: string[] = []) {
  return {
    head_seq: 42,
    last_checkpoint: {
      seq: 40,
      hash: 'ab'.repeat(32),
      key_id: '4131df7b9ff2e4f7',
      created_at: '2026-12-05T07:00:00Z',
      signature_valid: true,
    },
    verified_to_seq: intact ? 42 : null,
    intact,
    problems,
    checked_at: '2026-12-05T07:30:00Z',
  }
}

describe('AuditLogView: the chain status', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    useAuthStore().staff = { ...OWNER_PROFILE, permissions: ['audit:read'] }
  })

  async function mounted() {
    const wrapper = mount(AuditLogView, { attachTo: document.body, global: { plugins: [ElementPlus] } })
    await flushPromises()
    return wrapper
  }

  it('shows the last signed checkpoint and an intact chain', async () => {
    const { calls } = fakeFetch([200, PAGE], [200, status(true)])
    const wrapper = await mounted()
    expect(calls.map((c) => c.url)).toContain('/api/v1/console/audit-log/chain')
    const card = wrapper.get('[data-testid="audit-chain"]')
    expect(card.get('[data-testid="audit-chain-state"]').text()).toBe(AUDIT_CHAIN_LABELS.intact)
    expect(card.text()).toContain('#40')
    expect(card.text()).toContain(AUDIT_CHAIN_LABELS.signatureValid)
    expect(card.find('[data-testid="audit-chain-problems"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('names a broken chain with its problems by seq', async () => {
    fakeFetch([200, PAGE], [200, status(false, ['edited seq=41: its content no longer gives its hash'])])
    const wrapper = await mounted()
    expect(wrapper.get('[data-testid="audit-chain-state"]').text()).toBe(AUDIT_CHAIN_LABELS.broken)
    expect(wrapper.get('[data-testid="audit-chain-problems"]').text()).toContain('edited seq=41')
    wrapper.unmount()
  })
})
