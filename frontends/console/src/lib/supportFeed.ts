/**
 * The workbench's live feed: the staff WebSocket (`/api/v1/console/support/ws`). It
 * authenticates with its first frame (the console token never goes in the URL, which servers
 * log), hands every other frame to `onFrame`, and reconnects with exponential backoff when the
 * socket drops; `onMode('live')` after each (re)connection tells the page to reload what it
 * shows, which covers anything missed meanwhile. The socket and the timers are injected so the
 * tests drive it without a network or a clock.
 */

export interface FeedSocket {
  send(data: string): void
  close(): void
  onopen: (() => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: (() => void) | null
}

export type FeedMode = 'connecting' | 'live' | 'retrying' | 'stopped'

export interface SupportFrame {
  type: string
  [key: string]: unknown
}

export interface FeedOptions {
  url: string
  token: () => string | null
  onFrame: (frame: SupportFrame) => void
  onMode?: (mode: FeedMode) => void
  openSocket?: (url: string) => FeedSocket
  timers?: { setTimeout: typeof setTimeout; clearTimeout: typeof clearTimeout }
}

export const BACKOFF_BASE_MS = 1000
export const BACKOFF_MAX_MS = 30000

/** The wait before reconnect attempt n (1, 2, …): 1 s, 2 s, 4 s … at most 30 s. */
export function backoffDelay(attempt: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1))
}

/** ws(s)://<this host><path>: the console is served by the API it talks to. */
export function feedUrl(path: string, location: Pick<Location, 'protocol' | 'host'> = window.location): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`
}

export function createSupportFeed(options: FeedOptions): { start(): void; stop(): void } {
  const timers = options.timers ?? globalThis
  const open = options.openSocket ?? ((url: string) => new WebSocket(url) as unknown as FeedSocket)
  let socket: FeedSocket | null = null
  let failures = 0
  let timer: ReturnType<typeof setTimeout> | null = null
  let stopped = false

  function connect(): void {
    if (stopped) return
    options.onMode?.(failures ? 'retrying' : 'connecting')
    const current = open(options.url)
    socket = current
    current.onopen = () => current.send(JSON.stringify({ type: 'auth', token: options.token() ?? '' }))
    current.onmessage = (event) => {
      let frame: SupportFrame
      try {
        frame = JSON.parse(String(event.data)) as SupportFrame
      } catch {
        return
      }
      if (frame.type === 'ready') {
        failures = 0
        options.onMode?.('live')
      } else {
        options.onFrame(frame)
      }
    }
    current.onclose = () => {
      if (socket !== current) return
      socket = null
      if (stopped) return
      failures += 1
      options.onMode?.('retrying')
      timer = timers.setTimeout(() => {
        timer = null
        connect()
      }, backoffDelay(failures))
    }
  }

  return {
    start() {
      stopped = false
      connect()
    },
    stop() {
      stopped = true
      if (timer !== null) timers.clearTimeout(timer)
      timer = null
      const current = socket
      socket = null
      current?.close()
      options.onMode?.('stopped')
    },
  }
}
