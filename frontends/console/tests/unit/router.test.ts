import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { createMemoryHistory } from 'vue-router'
import type { StaffProfile } from '@/api/types'
import { createConsoleRouter } from '@/router'
import { useAuthStore } from '@/stores/auth'
import { fakeFetch, OWNER_PROFILE, SUPPORT_PROFILE, tokenResponse } from './helpers'

async function signedInAs(staff: StaffProfile, enrolment = false) {
  fakeFetch([200, tokenResponse(staff, enrolment)])
  await useAuthStore().login(staff.username, 'correct horse battery', enrolment ? undefined : '123456')
}

async function land(path: string): Promise<string> {
  const router = createConsoleRouter(createMemoryHistory())
  await router.push(path)
  return router.currentRoute.value.fullPath
}

beforeEach(() => {
  sessionStorage.clear()
  setActivePinia(createPinia())
})

describe('router guards', () => {
  it('sends anonymous visitors to the sign-in page with a redirect', async () => {
    expect(await land('/products')).toBe('/login?redirect=/products')
    expect(await land('/')).toBe('/login')
  })

  it('keeps an owner on the enrolment page until MFA is set up', async () => {
    await signedInAs({ ...OWNER_PROFILE, mfa_enabled: false }, true)
    expect(await land('/staff')).toBe('/mfa')
  })

  it('refuses product editing to the support role', async () => {
    await signedInAs(SUPPORT_PROFILE)
    expect(await land('/products/new')).toBe('/forbidden?from=/products/new')
    expect(await land('/products/12')).toBe('/forbidden?from=/products/12')
    expect(await land('/staff')).toBe('/forbidden?from=/staff')
    expect(await land('/flash-sales')).toBe('/forbidden?from=/flash-sales')
    expect(await land('/flash-sales/3')).toBe('/forbidden?from=/flash-sales/3')
    expect(await land('/account')).toBe('/account')
  })

  it('lets an owner in and lands on a usable screen', async () => {
    await signedInAs(OWNER_PROFILE)
    expect(await land('/staff')).toBe('/staff')
    expect(await land('/audit-log')).toBe('/audit-log')
    const home = await land('/')
    expect(home).not.toBe('/login')
    expect(home).not.toBe('/')
  })
})
