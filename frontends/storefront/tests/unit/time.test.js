import { describe, expect, it } from 'vitest'
import { countdown, formatShanghai, msUntil } from '../../src/utils/time'

describe('time', () => {
  it('shows UTC instants in Asia/Shanghai', () => {
    expect(formatShanghai('2026-11-26T02:05:09Z')).toBe('2026-11-26 10:05')
    expect(formatShanghai('2026-12-31T16:30:00+00:00')).toBe('2027-01-01 00:30')
    expect(formatShanghai('2026-11-26T02:05:09Z', { seconds: true })).toBe('2026-11-26 10:05:09')
    expect(formatShanghai('not a date')).toBe('')
  })

  it('counts down and never below zero', () => {
    expect(countdown(3723_000).text).toBe('01:02:03')
    expect(countdown(999).text).toBe('00:00:00')
    expect(countdown(-5000)).toEqual({ hours: 0, minutes: 0, seconds: 0, text: '00:00:00' })
  })

  it('measures time left against the server clock', () => {
    const now = Date.parse('2026-11-26T00:00:00Z')
    expect(msUntil('2026-11-26T00:15:00Z', { now })).toBe(900_000)
    // Our clock is 60 s behind the server's: 60 s less remain.
    expect(msUntil('2026-11-26T00:15:00Z', { now, serverOffsetMs: 60_000 })).toBe(840_000)
    expect(msUntil('2026-11-25T00:00:00Z', { now })).toBe(0)
  })
})
