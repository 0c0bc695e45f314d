/** The signed-in staff member: token, profile, permissions, sign-in with TOTP and MFA enrolment. */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { ApiError, configureClient } from '@/api/client'
import { consoleApi } from '@/api/console'
import { getPasskey } from '@/lib/webauthn'
import type { MfaEnrollment, StaffProfile, TokenResponse } from '@/api/types'
import { can as canDo, type Permission } from '@/lib/permissions'
import { useStepUpStore } from './stepUp'

const STORAGE_KEY = 'shoplet.console.session'

interface SavedSession {
  token: string
  expiresAt: number
  staff: StaffProfile
  mfaEnrollmentRequired: boolean
}

/** What `login` achieved: signed in, a second factor is needed, or the owner must enrol MFA. */
export type LoginOutcome = 'signed_in' | 'otp_required' | 'enrollment_required'

function load(): SavedSession | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY)
    if (!raw) return null
    const saved = JSON.parse(raw) as SavedSession
    return saved.expiresAt > Date.now() ? saved : null
  } catch {
    return null
  }
}

export const useAuthStore = defineStore('auth', () => {
  const saved = load()
  const token = ref<string | null>(saved?.token ?? null)
  const expiresAt = ref<number>(saved?.expiresAt ?? 0)
  const staff = ref<StaffProfile | null>(saved?.staff ?? null)
  const mfaEnrollmentRequired = ref<boolean>(saved?.mfaEnrollmentRequired ?? false)

  const isSignedIn = computed(() => token.value !== null && expiresAt.value > Date.now())
  const permissions = computed<string[]>(() => staff.value?.permissions ?? [])
  const role = computed(() => staff.value?.role ?? null)

  function persist(): void {
    if (token.value && staff.value) {
      const session: SavedSession = {
        token: token.value,
        expiresAt: expiresAt.value,
        staff: staff.value,
        mfaEnrollmentRequired: mfaEnrollmentRequired.value,
      }
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session))
    } else {
      sessionStorage.removeItem(STORAGE_KEY)
    }
  }

  function accept(response: TokenResponse): void {
    token.value = response.access_token
    expiresAt.value = Date.now() + response.expires_in * 1000
    staff.value = response.staff
    mfaEnrollmentRequired.value = response.mfa_enrollment_required
    persist()
  }

  function can(permission: Permission | null): boolean {
    // An enrolment-only token may do nothing but enrol.
    if (mfaEnrollmentRequired.value) return false
    return canDo(permissions.value, permission)
  }

  /** The second factors the server asked for (`console.mfa_required`): totp, passkey. */
  const secondFactors = ref<string[]>([])

  async function login(username: string, password: string, otp?: string): Promise<LoginOutcome> {
    try {
      const response = await consoleApi.login({ username, password, otp: otp || null })
      accept(response)
      return response.mfa_enrollment_required ? 'enrollment_required' : 'signed_in'
    } catch (error) {
      if (error instanceof ApiError && error.code === 'console.mfa_required') {
        const methods = error.problem.methods
        secondFactors.value = Array.isArray(methods) ? (methods as string[]) : ['totp']
        return 'otp_required'
      }
      throw error
    }
  }

  /** Password, then a passkey as the second factor. */
  async function loginWithPasskeyFactor(username: string, password: string): Promise<LoginOutcome> {
    const options = await consoleApi.passkeyLoginOptions({ username })
    const credential = await getPasskey(options.public_key)
    const response = await consoleApi.login({
      username,
      password,
      passkey: { challenge_id: options.challenge_id, credential },
    })
    accept(response)
    return response.mfa_enrollment_required ? 'enrollment_required' : 'signed_in'
  }

  /** A passkey alone, when the owners allow it (403 console.passwordless_disabled otherwise). */
  async function loginPasswordless(): Promise<LoginOutcome> {
    const options = await consoleApi.passkeyLoginOptions({})
    const credential = await getPasskey(options.public_key)
    const response = await consoleApi.passkeyLogin({ challenge_id: options.challenge_id, credential })
    accept(response)
    return response.mfa_enrollment_required ? 'enrollment_required' : 'signed_in'
  }

  async function startEnrollment(): Promise<MfaEnrollment> {
    return consoleApi.enrollMfa()
  }

  async function confirmEnrollment(otp: string): Promise<void> {
    accept(await consoleApi.confirmMfa({ otp }))
  }

  async function refreshProfile(): Promise<void> {
    staff.value = await consoleApi.me()
    persist()
  }

  function logout(): void {
    token.value = null
    expiresAt.value = 0
    staff.value = null
    mfaEnrollmentRequired.value = false
    persist()
  }

  return {
    token,
    staff,
    role,
    permissions,
    mfaEnrollmentRequired,
    isSignedIn,
    can,
    login,
    secondFactors,
    loginWithPasskeyFactor,
    loginPasswordless,
    startEnrollment,
    confirmEnrollment,
    refreshProfile,
    logout,
  }
})

/**
 * Wire the API client to the stores: bearer token, sign out on an expired session, and the
 * step-up dialog (then one retry) when a sensitive action needs a fresh confirmation.
 */
export function connectClient(
  store: ReturnType<typeof useAuthStore>,
  onExpired: () => void,
  stepUp?: ReturnType<typeof useStepUpStore>,
): void {
  configureClient({
    getToken: () => store.token,
    onUnauthorized: () => {
      stepUp?.clear()
      store.logout()
      onExpired()
    },
    getStepUpToken: () => stepUp?.current() ?? null,
    onStepUpRequired: stepUp
      ? (error) => {
          const methods = Array.isArray(error.problem.methods) ? (error.problem.methods as string[]) : []
          return stepUp.request(methods)
        }
      : null,
  })
}
