import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { backoffDelay, createSupportFeed, feedUrl, type FeedSocket, type SupportFrame } from '@/lib/supportFeed'

interface Fake extends FeedSocket {
  url: string
  sent: unknown[]
  closed: boolean
}

function sockets(): { made: Fake[]; nth: (i: number) => Fake; open: (url: string) => FeedSocket } {
  const made: Fake[] = []
  return {
    made,
    nth: (i) => {
      const socket = made[i]
      if (!socket) throw new Error(`no socket ${i}`)
      return socket
    },
    open: (url) => {
      const s: Fake = {
        url,
        sent: [],
        closed: false,
        send: (data) => s.sent.push(JSON.parse(data)),
        close: () => {
          s.closed = true
          s.onclose?.()
        },
        onopen: null,
        onmessage: null,
        onclose: null,
      }
      made.push(s)
      return s
    },
  }
}

describe('the workbench feed', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('builds the socket URL from the page, without a token', () => {
    expect(feedUrl('/api/v1/console/support/ws', { protocol: 'https:', host: 'shop.example' })).toBe(
      'wss://shop.example/api/v1/console/support/ws',
    )
  })

  it('authenticates in the first frame and hands the others on', () => {
    const s = sockets()
    const frames: SupportFrame[] = []
    const modes: string[] = []
    const feed = createSupportFeed({
      url: 'ws://x/api/v1/console/support/ws',
      token: () => 'staff-token',
      onFrame: (f) => frames.push(f),
      onMode: (m) => modes.push(m),
      openSocket: s.open,
    })
    feed.start()
    s.nth(0).onopen?.()
    expect(s.nth(0).sent).toEqual([{ type: 'auth', token: 'staff-token' }])
    s.nth(0).onmessage?.({ data: JSON.stringify({ type: 'ready', staff_id: 1 }) })
    s.nth(0).onmessage?.({ data: JSON.stringify({ type: 'message', message: { id: 3 } }) })
    s.nth(0).onmessage?.({ data: 'not json' })
    expect(modes).toEqual(['connecting', 'live'])
    expect(frames).toEqual([{ type: 'message', message: { id: 3 } }])
  })

  it('reconnects with exponential backoff, and not after stop', async () => {
    const s = sockets()
    const feed = createSupportFeed({ url: 'ws://x', token: () => 't', onFrame: () => {}, openSocket: s.open })
    expect([1, 2, 3, 6, 20].map(backoffDelay)).toEqual([1000, 2000, 4000, 30000, 30000])
    feed.start()
    s.nth(0).onclose?.()
    await vi.advanceTimersByTimeAsync(999)
    expect(s.made).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(s.made).toHaveLength(2)
    s.nth(1).onclose?.()
    await vi.advanceTimersByTimeAsync(2000)
    expect(s.made).toHaveLength(3)
    feed.stop()
    expect(s.nth(2).closed).toBe(true)
    await vi.advanceTimersByTimeAsync(60000)
    expect(s.made).toHaveLength(3)
  })
})
