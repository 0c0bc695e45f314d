import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { backoffDelay, createChatClient, FAILURES_BEFORE_POLLING, mergeMessages, POLL_MS } from '../../src/utils/chat'

// A socket the test drives: open it, push frames, close it.
function fakeSockets() {
  const made = []
  const open = (url) => {
    const handlers = {}
    const socket = {
      url,
      sent: [],
      closed: false,
      send: (data) => socket.sent.push(JSON.parse(data)),
      close: () => {
        socket.closed = true
      },
      onOpen: (fn) => (handlers.open = fn),
      onMessage: (fn) => (handlers.message = fn),
      onClose: (fn) => (handlers.close = fn),
      fireOpen: () => handlers.open(),
      push: (frame) => handlers.message(JSON.stringify(frame)),
      fireClose: () => handlers.close(),
    }
    made.push(socket)
    return socket
  }
  return { made, open }
}

const msg = (id, text = `m${id}`) => ({ id, conversation_id: 1, sender: 'staff', kind: 'text', text })

function client(sockets, fetchAfter, extra = {}) {
  const seen = []
  const modes = []
  const chat = createChatClient({
    url: 'ws://shop.test/api/v1/support/ws',
    token: () => 'tok',
    conversationId: () => 1,
    openSocket: sockets.open,
    fetchAfter,
    onMessages: (all) => seen.push(all.map((m) => m.id)),
    onMode: (m) => modes.push(m),
    ...extra,
  })
  return { chat, seen, modes }
}

describe('support chat client', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('authenticates in the first frame, never in the URL', () => {
    const sockets = fakeSockets()
    const { chat } = client(sockets, vi.fn(async () => ({ items: [], next_cursor: null })))
    chat.start()
    sockets.made[0].fireOpen()
    expect(sockets.made[0].url).not.toContain('tok')
    expect(sockets.made[0].sent).toEqual([{ type: 'auth', token: 'tok' }])
  })

  it('keeps each message once, in id order, whichever way it came', async () => {
    const sockets = fakeSockets()
    const fetchAfter = vi.fn(async () => ({ items: [msg(2), msg(3)], next_cursor: 'c3' }))
    const { chat } = client(sockets, fetchAfter)
    chat.start()
    const socket = sockets.made[0]
    socket.fireOpen()
    socket.push({ type: 'message', message: msg(3) })
    socket.push({ type: 'ready' }) // catches up with a poll
    await vi.runOnlyPendingTimersAsync()
    chat.add([msg(1), msg(2)]) // the answer of a send, and a duplicate
    socket.push({ type: 'message', message: msg(3) })
    expect(chat.messages.map((m) => m.id)).toEqual([1, 2, 3])
    expect(mergeMessages([msg(1)], [msg(1), msg(1)])[1]).toEqual([])
  })

  it('reconnects with exponential backoff and polls while the socket keeps failing', async () => {
    const sockets = fakeSockets()
    let page = { items: [], next_cursor: null }
    const fetchAfter = vi.fn(async () => page)
    const { chat, modes } = client(sockets, fetchAfter)
    chat.start()
    expect(backoffDelay(1)).toBe(1000)
    expect(backoffDelay(3)).toBe(4000)
    expect(backoffDelay(10)).toBe(30000)

    sockets.made[0].fireClose() // failure 1: retry after 1 s, no polling yet
    expect(fetchAfter).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1000)
    expect(sockets.made).toHaveLength(2)

    sockets.made[1].fireClose() // failure 2: polling starts, retry after 2 s
    expect(FAILURES_BEFORE_POLLING).toBe(2)
    expect(modes).toContain('polling')
    page = { items: [msg(7)], next_cursor: 'c7' }
    await vi.advanceTimersByTimeAsync(POLL_MS)
    expect(chat.messages.map((m) => m.id)).toEqual([7])
    await vi.advanceTimersByTimeAsync(POLL_MS)
    expect(fetchAfter).toHaveBeenLastCalledWith(1, 'c7') // the next poll asks only for newer ones

    // The socket comes back: polling stops.
    const third = sockets.made[2]
    third.fireOpen()
    third.push({ type: 'ready' })
    expect(chat.mode).toBe('live')
    const calls = fetchAfter.mock.calls.length
    await vi.advanceTimersByTimeAsync(POLL_MS * 3)
    expect(fetchAfter.mock.calls.length).toBe(calls + 0)
    chat.stop()
    expect(third.closed).toBe(true)
  })

  it('stops cleanly: no reconnect after stop', async () => {
    const sockets = fakeSockets()
    const { chat } = client(sockets, vi.fn(async () => ({ items: [], next_cursor: null })))
    chat.start()
    chat.stop()
    sockets.made[0].fireClose()
    await vi.advanceTimersByTimeAsync(60000)
    expect(sockets.made).toHaveLength(1)
  })
})
