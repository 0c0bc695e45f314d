import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { ApiError, configureClient } from '@/api/client'
import { connectClient, useAuthStore } from '@/stores/auth'
import { fakeFetch, OWNER_PROFILE, problem, SUPPORT_PROFILE, tokenResponse } from './helpers'

beforeEach(() => {
  sessionStorage.clear()
  setActivePinia(createPinia())
  configureClient({ getToken: () => null, onUnauthorized: () => undefined })
})

describe('auth store', () => {
  it('asks for the TOTP code when the backend requires it, then signs in', async () => {
    const backend = fakeFetch(problem(401, 'console.mfa_required'), [200, tokenResponse()])
    const auth = useAuthStore()
    expect(await auth.login('boss', 'correct horse battery')).toBe('otp_required')
    expect(auth.isSignedIn).toBe(false)
    expect(await auth.login('boss', 'correct horse battery', '654321')).toBe('signed_in')
    expect(backend.calls.map((c) => c.body)).toEqual([
      { username: 'boss', password: 'correct horse battery', otp: null },
      { username: 'boss', password: 'correct horse battery', otp: '654321' },
    ])
    expect(auth.isSignedIn).toBe(true)
    expect(auth.token).toBe('console-token')
    expect(auth.role).toBe('owner')
    expect(auth.can('staff:manage')).toBe(true)
    expect(auth.can('orders:ship')).toBe(false)
  })

  it('rethrows other failures with their code and stays signed out', async () => {
    fakeFetch(problem(401, 'console.invalid_credentials'))
    const auth = useAuthStore()
    const error = await auth.login('boss', 'wrong').catch((e: unknown) => e)
    expect((error as ApiError).code).toBe('console.invalid_credentials')
    expect(auth.isSignedIn).toBe(false)
    expect(sessionStorage.length).toBe(0)
  })

  it('keeps an owner without MFA on the enrolment-only token until confirmed', async () => {
    const enrolled = { ...OWNER_PROFILE, mfa_enabled: true }
    const backend = fakeFetch(
      [200, tokenResponse({ ...OWNER_PROFILE, mfa_enabled: false }, true)],
      [200, { secret: 'JBSWY3DPEHPK3PXP', otpauth_uri: 'otpauth://totp/Shoplet:boss', qr_png_base64: 'iVBOR' }],
      [200, tokenResponse(enrolled)],
    )
    const auth = useAuthStore()
    connectClient(auth, () => undefined)
    expect(await auth.login('boss', 'correct horse battery')).toBe('enrollment_required')
    expect(auth.mfaEnrollmentRequired).toBe(true)
    expect(auth.can('products:read')).toBe(false)
    const enrolment = await auth.startEnrollment()
    expect(enrolment.secret).toBe('JBSWY3DPEHPK3PXP')
    await auth.confirmEnrollment('123456')
    expect(backend.calls.map((c) => [c.url, c.headers.Authorization ?? null])).toEqual([
      ['/api/v1/console/auth/login', null],
      ['/api/v1/console/auth/mfa/enroll', 'Bearer mfa-only-token'],
      ['/api/v1/console/auth/mfa/confirm', 'Bearer mfa-only-token'],
    ])
    expect(backend.calls[2]!.body).toEqual({ otp: '123456' })
    expect(auth.mfaEnrollmentRequired).toBe(false)
    expect(auth.token).toBe('console-token')
    expect(auth.can('products:read')).toBe(true)
  })

  it('restores the session from sessionStorage and forgets it on logout', async () => {
    fakeFetch([200, tokenResponse(SUPPORT_PROFILE)])
    await useAuthStore().login('kefu', 'correct horse battery')
    setActivePinia(createPinia())
    const restored = useAuthStore()
    expect(restored.isSignedIn).toBe(true)
    expect(restored.staff?.username).toBe('kefu')
    expect(restored.can('products:write')).toBe(false)
    expect(restored.can('aftersales:handle')).toBe(true)
    restored.logout()
    expect(sessionStorage.length).toBe(0)
    setActivePinia(createPinia())
    expect(useAuthStore().isSignedIn).toBe(false)
  })

  it('ignores an expired saved session', () => {
    sessionStorage.setItem(
      'shoplet.console.session',
      JSON.stringify({ token: 't', expiresAt: Date.now() - 1, staff: OWNER_PROFILE, mfaEnrollmentRequired: false }),
    )
    expect(useAuthStore().isSignedIn).toBe(false)
  })

  it('signs out when the backend rejects the token', async () => {
    fakeFetch([200, tokenResponse()], problem(401, 'auth.unauthorized'))
    const auth = useAuthStore()
    let expired = 0
    connectClient(auth, () => expired++)
    await auth.login('boss', 'correct horse battery', '123456')
    await expect(auth.refreshProfile()).rejects.toBeInstanceOf(ApiError)
    expect(expired).toBe(1)
    expect(auth.isSignedIn).toBe(false)
  })
})
