import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { configureClient } from '@/api/client'
import { consoleApi } from '@/api/console'
import { fromBase64url, toBase64url } from '@/lib/webauthn'
import { connectClient, useAuthStore } from '@/stores/auth'
import { useStepUpStore } from '@/stores/stepUp'
import { fakeFetch } from './helpers'

const required = [
  403,
  { title: 'step up', status: 403, code: 'auth.step_up_required', methods: ['passkey', 'totp'] },
] as [number, unknown]

beforeEach(() => setActivePinia(createPinia()))
afterEach(() =>
  configureClient({
    getToken: () => null,
    onUnauthorized: () => undefined,
    getStepUpToken: () => null,
    onStepUpRequired: null,
  }),
)

describe('step-up', () => {
  it('opens the dialog on auth.step_up_required, then retries once with the grant', async () => {
    const auth = useAuthStore()
    auth.token = 'tok'
    const stepUp = useStepUpStore()
    connectClient(auth, () => undefined, stepUp)
    const backend = fakeFetch(required, [200, { step_up_token: 'grant-1', expires_in: 300, method: 'totp' }], [200, { id: 7 }])

    const pending = consoleApi.updateStaff(7, { role: 'support' })
    await vi.waitFor(() => expect(stepUp.open).toBe(true))
    expect(stepUp.methods).toEqual(['passkey', 'totp'])
    stepUp.accept(await consoleApi.stepUp({ otp: '123456' }))

    await expect(pending).resolves.toEqual({ id: 7 })
    expect(backend.calls.map((c) => [c.url, c.headers['X-Step-Up-Token']])).toEqual([
      ['/api/v1/console/staff/7', undefined],
      ['/api/v1/console/auth/step-up', undefined],
      ['/api/v1/console/staff/7', 'grant-1'],
    ])
    // The grant rides along while it lasts.
    fakeFetch([200, { id: 7 }])
    expect(stepUp.current()).toBe('grant-1')
  })

  it('gives the original error back when the dialog is cancelled', async () => {
    const auth = useAuthStore()
    auth.token = 'tok'
    const stepUp = useStepUpStore()
    connectClient(auth, () => undefined, stepUp)
    fakeFetch(required)

    const pending = consoleApi.resetStaffMfa(3)
    await vi.waitFor(() => expect(stepUp.open).toBe(true))
    stepUp.cancel()

    await expect(pending).rejects.toMatchObject({ code: 'auth.step_up_required' })
  })

  it('round-trips base64url', () => {
    const bytes = new Uint8Array([0, 250, 251, 252, 253, 254, 255])
    expect(new Uint8Array(fromBase64url(toBase64url(bytes.buffer)))).toEqual(bytes)
    expect(toBase64url(bytes.buffer)).toBe('APr7_P3-_w')
  })
})
