/**
 * Step-up (身份验证) for sensitive actions: the grant the server issued (sent with every request
 * while it lasts) and the dialog the API client opens on 403 `auth.step_up_required`.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { StepUpGrant } from '@/api/types'

const STORAGE_KEY = 'shoplet.console.stepUp'

interface SavedGrant {
  token: string
  expiresAt: number
}

function load(): SavedGrant | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY)
    const saved = raw ? (JSON.parse(raw) as SavedGrant) : null
    return saved && saved.expiresAt > Date.now() ? saved : null
  } catch {
    return null
  }
}

export const useStepUpStore = defineStore('stepUp', () => {
  // Kept for the tab like the session itself (it is bound to that session's token).
  const saved = load()
  const grant = ref<string | null>(saved?.token ?? null)
  const expiresAt = ref(saved?.expiresAt ?? 0)
  const open = ref(false)
  const methods = ref<string[]>([])
  let pending: ((token: string | null) => void) | null = null

  function current(): string | null {
    return grant.value && expiresAt.value > Date.now() ? grant.value : null
  }

  /** Open the dialog; resolves with a grant, or null when the staff member cancels. */
  function request(available: string[]): Promise<string | null> {
    pending?.(null)
    methods.value = available
    open.value = true
    return new Promise((resolve) => {
      pending = resolve
    })
  }

  function accept(issued: StepUpGrant): void {
    grant.value = issued.step_up_token
    // A few seconds' margin: the server's clock decides.
    expiresAt.value = Date.now() + (issued.expires_in - 5) * 1000
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ token: grant.value, expiresAt: expiresAt.value }))
    open.value = false
    pending?.(issued.step_up_token)
    pending = null
  }

  function cancel(): void {
    open.value = false
    pending?.(null)
    pending = null
  }

  function clear(): void {
    grant.value = null
    expiresAt.value = 0
    sessionStorage.removeItem(STORAGE_KEY)
  }

  return { grant, open, methods, current, request, accept, cancel, clear }
})
