// The live room's connection and the pure helpers of the live pages. The socket
// (/api/v1/live/sessions/{id}/ws) authenticates with its first frame and reconnects with the
// same backoff as 在线客服 (utils/chat.js); comments are kept once each by id, the newest
// MAX_COMMENTS; likes tapped quickly are sent as one frame. The socket and the timers are
// injected, so tests drive it without a network or a clock.
import { errorText } from '@shoplet/shared'
import { backoffDelay } from './chat'

export const MAX_COMMENTS = 200
export const LIKE_FLUSH_MS = 400
export const MAX_LIKES_PER_FRAME = 50

/** Comments merged once each by id, oldest first, the newest `max` kept. */
export function mergeComments(list, incoming, max = MAX_COMMENTS) {
  const seen = new Set(list.map((c) => c.id))
  const fresh = incoming.filter((c) => c && !seen.has(c.id) && seen.add(c.id))
  if (!fresh.length) return list
  const all = [...list, ...fresh].sort((a, b) => a.id - b.id)
  return all.length > max ? all.slice(all.length - max) : all
}

/** Time left until `startAt` (ms since epoch) as { done, days, hours, minutes, seconds, text }. */
export function countdown(startAt, now) {
  const left = Math.max(0, Math.floor((startAt - now) / 1000))
  const days = Math.floor(left / 86400)
  const hours = Math.floor((left % 86400) / 3600)
  const minutes = Math.floor((left % 3600) / 60)
  const seconds = left % 60
  const pad = (n) => String(n).padStart(2, '0')
  const clock = `${pad(hours)}:${pad(minutes)}:${pad(seconds)}`
  return { done: left === 0, days, hours, minutes, seconds, text: days ? `${days}天 ${clock}` : clock }
}

/** A count as the room shows it: 9999, then 1.2万. */
export function shortCount(n) {
  if (n < 10000) return String(n)
  return `${(n / 10000).toFixed(1).replace(/\.0$/, '')}万`
}

/**
 * @param {{
 *   url: string, token: () => string,
 *   openSocket: (url: string) => import('./chat').Socket,
 *   onFrame: (frame: any) => void,
 *   onMode?: (mode: 'connecting' | 'live' | 'closed' | 'stopped') => void,
 *   timers?: { setTimeout: typeof setTimeout, clearTimeout: typeof clearTimeout },
 * }} options
 */
export function createRoomClient(options) {
  const timers = options.timers || globalThis
  let socket = null
  let ready = false
  let failures = 0
  let reconnectTimer = null
  let likeTimer = null
  let pendingLikes = 0
  let stopped = false
  let refs = 0
  const waiting = new Map()

  const setMode = (mode) => options.onMode?.(mode)

  function scheduleReconnect() {
    if (stopped || reconnectTimer !== null) return
    failures += 1
    setMode('connecting')
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
    ready = false
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
        ready = true
        setMode('live')
      } else if ((frame.type === 'ack' || frame.type === 'error') && frame.ref && waiting.has(frame.ref)) {
        const { resolve, reject } = waiting.get(frame.ref)
        waiting.delete(frame.ref)
        if (frame.type === 'ack') resolve(frame.comment)
        else reject(Object.assign(new Error(errorText(frame.code, frame.detail || frame.code)), { code: frame.code }))
        if (frame.type === 'ack') options.onFrame({ type: 'comment', comment: frame.comment })
        return
      } else if (frame.type === 'banned' || (frame.type === 'error' && frame.code === 'live.banned')) {
        // Refused for good: no reconnecting.
        stopped = true
        setMode('closed')
      }
      options.onFrame(frame)
    })
    current.onClose(() => {
      if (closed) return
      closed = true
      ready = false
      if (socket === current) socket = null
      for (const { reject } of waiting.values()) reject(Object.assign(new Error('连接已断开'), { code: 'network' }))
      waiting.clear()
      if (!stopped) scheduleReconnect()
    })
  }

  function flushLikes() {
    likeTimer = null
    if (!pendingLikes || !socket || !ready) return
    const count = Math.min(pendingLikes, MAX_LIKES_PER_FRAME)
    pendingLikes -= count
    socket.send(JSON.stringify({ type: 'like', count }))
    if (pendingLikes) likeTimer = timers.setTimeout(flushLikes, LIKE_FLUSH_MS)
  }

  return {
    start() {
      stopped = false
      connect()
    },
    stop() {
      stopped = true
      if (reconnectTimer !== null) timers.clearTimeout(reconnectTimer)
      if (likeTimer !== null) timers.clearTimeout(likeTimer)
      reconnectTimer = likeTimer = null
      socket?.close()
      socket = null
      setMode('stopped')
    },
    get ready() {
      return ready
    },
    /** Send a comment over the socket: resolves with the stored comment, rejects with its code. */
    comment(text) {
      if (!socket || !ready) return Promise.reject(Object.assign(new Error('连接中'), { code: 'network' }))
      refs += 1
      const ref = `c${refs}`
      return new Promise((resolve, reject) => {
        waiting.set(ref, { resolve, reject })
        socket.send(JSON.stringify({ type: 'comment', ref, text }))
      })
    },
    /** One tap: likes tapped within LIKE_FLUSH_MS go as one frame. */
    like() {
      pendingLikes += 1
      if (likeTimer === null) likeTimer = timers.setTimeout(flushLikes, LIKE_FLUSH_MS)
    },
  }
}

/** Attach hls.js (a lazy chunk, H5 only) to a <video> element when the browser cannot play HLS
 *  itself; resolves with a stop function. */
export async function attachHls(video, url) {
  if (!video) return () => {}
  if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = url
    return () => video.removeAttribute('src')
  }
  const { default: Hls } = await import('hls.js')
  if (!Hls.isSupported()) {
    video.src = url
    return () => video.removeAttribute('src')
  }
  const hls = new Hls({ lowLatencyMode: true })
  hls.loadSource(url)
  hls.attachMedia(video)
  return () => hls.destroy()
}
