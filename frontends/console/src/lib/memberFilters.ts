/**
 * 会员列表's filters: the search text (members) and the tier and SVIP choices (membership).
 * Without a tier or SVIP choice the page reads the plain list (`GET /console/members`); with
 * one, membership's list by tier (`GET /console/membership/members`), which takes the same
 * search text and pages by the same member-id cursor.
 */

export type SvipChoice = '' | 'yes' | 'no'

export interface MemberFilters {
  q: string
  /** A tier's level (0 = V0); null: every tier. */
  level: number | null
  svip: SvipChoice
}

interface Paging {
  q?: string
  cursor?: string
  limit: number
}

export type MemberListRequest =
  | { op: 'listMembers'; query: Paging }
  | { op: 'listMembersByTier'; query: Paging & { level?: number; svip?: boolean } }

export function memberListRequest(f: MemberFilters, cursor: string | null = null, limit = 20): MemberListRequest {
  const paging: Paging = { limit }
  const q = f.q.trim()
  if (q) paging.q = q
  if (cursor) paging.cursor = cursor
  if (f.level === null && f.svip === '') return { op: 'listMembers', query: paging }
  const query: Paging & { level?: number; svip?: boolean } = { ...paging }
  if (f.level !== null) query.level = f.level
  if (f.svip !== '') query.svip = f.svip === 'yes'
  return { op: 'listMembersByTier', query }
}

/** The tier picker's options, lowest level first: "V1 白银会员". */
export function tierOptions(tiers: readonly { level: number; code: string; name: string }[]): { value: number; label: string }[] {
  return [...tiers].sort((a, b) => a.level - b.level).map((t) => ({ value: t.level, label: `${t.code} ${t.name}` }))
}
