// 在线客服's live connection: a WebSocket (uni.connectSocket: the browser's WebSocket in H5,
// wx.connectSocket in the mini program) that authenticates with its first frame, reconnects with
// exponential backoff, and falls back to polling GET …/messages?after=<cursor> while the socket
// keeps failing. Messages are kept once each by id, whichever way they came (the socket, a poll,
// or the answer to a send), in id order. Pure logic: the socket, the fetch and the timers are
// injected, so tests drive it without a network or a clock.

/**
 * @typedef {{ send: (data: string) => void, close: () => void, onOpen: (fn: () => void) => void,
 *   onMessage: (fn: (data: string) => void) => void, onClose: (fn: () => void) => void }} Socket
 */

/** uni.connectSocket as a Socket. */
export function uniSocket(url) {
  const task = uni.connectSocket({ url, complete: () => {} })
  return {
    send: (data) => task.send({ data }),
    close: () => task.close({}),
    onOpen: (fn) => task.onOpen(fn),
    onMessage: (fn) => task.onMessage((res) => fn(String(res.data))),
    onClose: (fn) => {
      task.onClose(fn)
      task.onError(fn)
    },
  }
}

export const BACKOFF_BASE_MS = 1000
export const BACKOFF_MAX_MS = 30000
export const POLL_MS = 3000
// Consecutive failed connections before polling starts (the socket keeps retrying meanwhile).
export const FAILURES_BEFORE_POLLING = 2

/** The wait before reconnect attempt n (1, 2, …): 1 s, 2 s, 4 s … at most 30 s. */
export function backoffDelay(attempt, base = BACKOFF_BASE_MS, max = BACKOFF_MAX_MS) {
  return Math.min(max, base * 2 ** Math.max(0, attempt - 1))
}

/** Merge messages into a list sorted by id, once each; returns [list, the new ones]. */
export function mergeMessages(list, incoming) {
  const seen = new Set(list.map((m) => m.id))
  const fresh = []
  for (const m of incoming) {
    if (m && !seen.has(m.id)) {
      seen.add(m.id)
      fresh.push(m)
    }
  }
  if (!fresh.length) return [list, fresh]
  return [[...list, ...fresh].sort((a, b) => a.id - b.id), fresh]
}

/**
 * @param {{
 *   url: string, token: () => string, conversationId: () => number | null,
 *   openSocket: (url: string) => Socket,
 *   fetchAfter: (conversationId: number, cursor: string | null) => Promise<{ items: any[], next_cursor: string | null }>,
 *   onMessages: (all: any[], fresh: any[]) => void,
 *   onEvent?: (frame: any) => void,
 *   onMode?: (mode: 'connecting' | 'live' | 'polling' | 'stopped') => void,
 *   timers?: { setTimeout: typeof setTimeout, clearTimeout: typeof clearTimeout, setInterval: typeof setInterval, clearInterval: typeof clearInterval },
 * }} options
 */
export function createChatClient(options) {
  const timers = options.timers || globalThis
  let messages = []
  let cursor = null
  let socket = null
  let failures = 0
  let reconnectTimer = null
  let pollTimer = null
  let stopped = false
  let mode = 'connecting'

  const setMode = (next) => {
    if (mode !== next) {
      mode = next
      options.onMode?.(next)
    }
  }

  function add(items) {
    const [all, fresh] = mergeMessages(messages, items)
    messages = all
    if (fresh.length) options.onMessages(all, fresh)
  }

  async function poll() {
    const id = options.conversationId()
    if (id == null) return
    try {
      const page = await options.fetchAfter(id, cursor)
      add(page.items)
      if (page.next_cursor) cursor = page.next_cursor
    } catch {
      // The next poll (or the socket) tries again.
    }
  }

  function startPolling() {
    if (pollTimer !== null || stopped) return
    setMode('polling')
    pollTimer = timers.setInterval(() => void poll(), POLL_MS)
    void poll()
  }

  function stopPolling() {
    if (pollTimer !== null) timers.clearInterval(pollTimer)
    pollTimer = null
  }

  function scheduleReconnect() {
    if (stopped || reconnectTimer !== null) return
    failures += 1
    if (failures >= FAILURES_BEFORE_POLLING) startPolling()
    reconnectTimer = timers.setTimeout(() => {
      reconnectTimer = null
      connect()
    }, backoffDelay(failures))
  }

  function connect() {
    if (stopped) return
    let closed = false
    const current = options.openSocket(options.url)
    socket = current
    current.onOpen(() => current.send(JSON.stringify({ type: 'auth', token: options.token() })))
    current.onMessage((data) => {
      let frame
      try {
        frame = JSON.parse(data)
      } catch {
        return
      }
      if (frame.type === 'ready') {
        failures = 0
        stopPolling()
        setMode('live')
        void poll() // what was written while the socket was down
      } else if (frame.type === 'message' || frame.type === 'ack') {
        add([frame.message])
      } else {
        options.onEvent?.(frame)
      }
    })
    current.onClose(() => {
      if (closed) return
      closed = true
      if (socket === current) socket = null
      if (!stopped) scheduleReconnect()
    })
  }

  return {
    start() {
      stopped = false
      connect()
    },
    stop() {
      stopped = true
      stopPolling()
      if (reconnectTimer !== null) timers.clearTimeout(reconnectTimer)
      reconnectTimer = null
      socket?.close()
      socket = null
      setMode('stopped')
    },
    /** Messages from elsewhere (the first page, the answer to a send). */
    add,
    /** Where polling resumes (next_cursor of the first page). */
    setCursor(next) {
      if (next) cursor = next
    },
    poll,
    get messages() {
      return messages
    },
    get mode() {
      return mode
    },
  }
}
