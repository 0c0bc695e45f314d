import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { useAuthStore } from '@/stores/auth'
import WebhooksView from '@/views/openapi/WebhooksView.vue'
import { fakeFetch, OWNER_PROFILE, problem } from './helpers'

const APP = {
  id: 7,
  name: '健康 App',
  app_key: 'ak_0123',
  scopes: ['products:read'],
  rate_limit_per_minute: 600,
  ip_allowlist: [],
  is_active: true,
  revenue_share_bp: 0,
  created_by: 'staff:owner',
  created_at: '2026-12-05T02:00:00Z',
  updated_at: '2026-12-05T02:00:00Z',
  secrets: [],
}
const HOOK = {
  id: 3,
  app_id: 7,
  url: 'https://erp.example.com/hooks',
  event_types: ['product.updated'],
  secret_hint: 'OLD1',
  previous_secret_hint: null,
  previous_secret_expires_at: null,
  is_active: true,
  created_by: 'staff:owner',
  created_at: '2026-12-05T02:00:00Z',
  updated_at: '2026-12-05T02:00:00Z',
}
const EVENTS = [{ type: 'product.updated', title: '商品更新', scope: 'products:read' }]
const NO_DELIVERIES = { items: [], next_cursor: null }

function mountView() {
  return mount(WebhooksView, { attachTo: document.body, global: { plugins: [ElementPlus] } })
}

async function submitRotation(): Promise<void> {
  const form = [...document.querySelectorAll<HTMLFormElement>('.el-dialog form')].find((f) =>
    f.textContent?.includes('旧密钥失效时间'),
  )
  expect(form).toBeDefined()
  form!.dispatchEvent(new Event('submit'))
  await flushPromises()
}

describe('WebhooksView: 轮换密钥', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    useAuthStore().staff = { ...OWNER_PROFILE, permissions: ['openapi:manage'] }
    document.body.innerHTML = ''
  })

  it('rotates a subscription’s secret, shows the new one once and the old one’s overlap', async () => {
    const until = '2026-12-07T02:00:00Z'
    const { calls } = fakeFetch(
      [200, [APP]],
      [200, EVENTS],
      [200, [HOOK]],
      [200, NO_DELIVERIES],
      [
        200,
        {
          webhook: { ...HOOK, secret_hint: 'NEW2', previous_secret_hint: 'OLD1', previous_secret_expires_at: until },
          secret: 'whsec_brand-new-secret-NEW2',
        },
      ],
    )
    const wrapper = mountView()
    await flushPromises()
    expect(wrapper.get('[data-testid="webhooks-table"]').text()).toContain('…OLD1')

    await wrapper.get('[data-testid="rotate-webhook-secret"]').trigger('click')
    await flushPromises()
    expect(document.body.textContent).toContain('X-Shoplet-Signature-Previous')
    await submitRotation()

    const post = calls.find((c) => c.url.endsWith('/rotate-secret'))
    expect(post?.method).toBe('POST')
    expect(post?.url).toBe('/api/v1/console/openapi/webhooks/3/rotate-secret')
    const body = post?.body as { old_secret_expires_at: string }
    const hours = (Date.parse(body.old_secret_expires_at) - Date.now()) / 3600_000
    expect(hours).toBeGreaterThan(23)
    expect(hours).toBeLessThanOrEqual(24)

    const shown = document.querySelector('[data-testid="webhook-secret"]')
    expect(shown?.textContent).toContain('whsec_brand-new-secret-NEW2')
    expect(shown?.textContent).toContain('只显示这一次')
    const table = wrapper.get('[data-testid="webhooks-table"]').text()
    expect(table).toContain('…NEW2')
    expect(wrapper.get('[data-testid="previous-secret"]').text()).toContain('…OLD1')
    expect(wrapper.get('[data-testid="previous-secret"]').text()).toContain('旧密钥签名至')
    wrapper.unmount()
  })

  it('shows a refused rotation in the dialog and keeps the subscription as it was', async () => {
    fakeFetch(
      [200, [APP]],
      [200, EVENTS],
      [200, [HOOK]],
      [200, NO_DELIVERIES],
      problem(400, 'openapi.rotation_invalid', '旧密钥失效时间须在未来 30 天内'),
    )
    const wrapper = mountView()
    await flushPromises()
    await wrapper.get('[data-testid="rotate-webhook-secret"]').trigger('click')
    await flushPromises()
    await submitRotation()
    expect(document.querySelector('.el-dialog [role="alert"]')?.textContent).toBeTruthy()
    expect(document.querySelector('[data-testid="webhook-secret"]')).toBeNull()
    expect(wrapper.get('[data-testid="webhooks-table"]').text()).toContain('…OLD1')
    expect(wrapper.find('[data-testid="previous-secret"]').exists()).toBe(false)
    wrapper.unmount()
  })
})
