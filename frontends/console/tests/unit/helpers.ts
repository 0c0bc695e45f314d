import { vi } from 'vitest'
import { configureClient } from '@/api/client'
import type { StaffProfile, TokenResponse } from '@/api/types'

export interface Recorded {
  method: string
  url: string
  headers: Record<string, string>
  body: unknown
}

/** A fake backend: answers in order, records every request. */
export function fakeFetch(...responses: [number, unknown][]) {
  const calls: Recorded[] = []
  const queue = [...responses]
  const fetch = vi.fn(async (url: string, init: RequestInit = {}) => {
    calls.push({
      method: String(init.method),
      url,
      headers: { ...(init.headers as Record<string, string>) },
      body: typeof init.body === 'string' ? JSON.parse(init.body) : init.body,
    })
    const next = queue.shift()
    if (!next) throw new Error(`unexpected request ${init.method} ${url}`)
    const [status, payload] = next
    const text = payload === undefined ? '' : JSON.stringify(payload)
    return new Response(status === 204 ? null : text, {
      status,
      headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' },
    })
  })
  configureClient({ fetch: fetch as unknown as typeof globalThis.fetch })
  return { calls, fetch, pending: () => queue.length }
}

export function problem(status: number, code: string, title = code) {
  return [status, { type: 'about:blank', title, status, detail: null, code }] as [number, unknown]
}

export const OWNER_PROFILE: StaffProfile = {
  id: 1,
  username: 'boss',
  display_name: '老板',
  role: 'owner',
  mfa_enabled: true,
  permissions: ['products:read', 'products:write', 'staff:manage', 'audit:read', 'dashboard:read'],
}

export const SUPPORT_PROFILE: StaffProfile = {
  id: 3,
  username: 'kefu',
  display_name: '客服小王',
  role: 'support',
  mfa_enabled: false,
  permissions: ['products:read', 'orders:read', 'aftersales:handle'],
}

export function tokenResponse(staff: StaffProfile = OWNER_PROFILE, enrolment = false): TokenResponse {
  return {
    access_token: enrolment ? 'mfa-only-token' : 'console-token',
    token_type: 'bearer',
    expires_in: 3600,
    mfa_enrollment_required: enrolment,
    staff,
  }
}
