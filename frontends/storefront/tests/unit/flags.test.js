import { afterEach, describe, expect, it } from 'vitest'
import { configureClient } from '../../src/api'
import { flagsLoaded, loadFlags, resetFlags, useFlag } from '../../src/utils/flags'
import { fakeBackend } from './fake-backend'

const BOOTSTRAP = 'GET /api/v1/flags/bootstrap'

function useBackend(routes) {
  const backend = fakeBackend(routes)
  configureClient({ baseUrl: '', transport: backend.transport })
  return backend
}

afterEach(() => resetFlags())

describe('useFlag', () => {
  it('reads the bootstrap once per session and serves every flag from it', async () => {
    const { requests } = useBackend({
      [BOOTSTRAP]: () => ({
        version: 3,
        flags: {
          new_checkout: { value: true, variant: 'on' },
          checkout_layout: { value: 'compact', variant: 'compact' },
        },
      }),
    })
    const newCheckout = useFlag('new_checkout')
    const layout = useFlag('checkout_layout', 'classic')
    const unknown = useFlag('not_a_flag', 'fallback')
    expect(newCheckout.value).toBe(false) // the fallback until the bootstrap answers
    await loadFlags()
    expect(newCheckout.value).toBe(true)
    expect(layout.value).toBe('compact')
    expect(unknown.value).toBe('fallback')
    expect(flagsLoaded()).toBe(true)
    expect(requests).toHaveLength(1)
    expect(requests[0].header['X-Device-Id']).toMatch(/^[A-Za-z0-9_-]{8,48}$/)
    // Chosen at build time (#ifdef): vitest reads the source as it is.
    expect(['h5', 'mp-weixin']).toContain(requests[0].header['X-Platform'])
    useFlag('new_checkout')
    await loadFlags()
    expect(requests).toHaveLength(1)
  })

  it('keeps the fallbacks when the bootstrap fails', async () => {
    useBackend({ [BOOTSTRAP]: () => ({ status: 503, data: { code: 'shoplet.unavailable' } }) })
    const newCheckout = useFlag('new_checkout', false)
    await loadFlags()
    expect(newCheckout.value).toBe(false)
    expect(flagsLoaded()).toBe(true)
  })

  it('fetches again when forced (after a login)', async () => {
    let value = false
    const { requests } = useBackend({ [BOOTSTRAP]: () => ({ version: 1, flags: { new_checkout: { value, variant: value ? 'on' : 'off' } } }) })
    const flag = useFlag('new_checkout')
    await loadFlags()
    expect(flag.value).toBe(false)
    value = true
    await loadFlags({ force: true })
    expect(flag.value).toBe(true)
    expect(requests).toHaveLength(2)
  })
})
