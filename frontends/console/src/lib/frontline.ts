/**
 * 一线看板 helpers: the server-sent events of the live stream read from a fetch body, and the
 * tiles merged as updates arrive (the first event carries every tile, later ones only those
 * that changed).
 */
import type { components } from '@shoplet/shared/schema'

export type BoardTile = components['schemas']['BoardTile']
/** One `tiles` event of the stream (insights' FrontlineUpdate; not in the OpenAPI schema,
 * which describes the stream as text). */
export interface FrontlineUpdate {
  generated_at: string
  full: boolean
  tiles: BoardTile[]
}

export interface ServerEvent {
  event: string
  data: string
  id?: string
}

/** Split a text/event-stream into events (comments and `retry:` skipped). */
export async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerEvent> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  let current: ServerEvent = { event: 'message', data: '' }
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      buffer += decoder.decode(value, { stream: true })
      let newline = buffer.search(/\r?\n/)
      while (newline >= 0) {
        const line = buffer.slice(0, newline)
        buffer = buffer.slice(newline + (buffer[newline] === '\r' ? 2 : 1))
        newline = buffer.search(/\r?\n/)
        if (line === '') {
          if (current.data) yield current
          current = { event: 'message', data: '' }
          continue
        }
        if (line.startsWith(':')) continue
        const colon = line.indexOf(':')
        const field = colon < 0 ? line : line.slice(0, colon)
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
        if (field === 'event') current.event = value
        else if (field === 'data') current.data = current.data ? `${current.data}\n${value}` : value
        else if (field === 'id') current.id = value
      }
    }
  } finally {
    reader.releaseLock()
  }
}

/** The tiles after an update: a full update replaces them, a partial one replaces by code. */
export function mergeTiles(tiles: BoardTile[], update: FrontlineUpdate): BoardTile[] {
  if (update.full) return update.tiles
  const changed = new Map(update.tiles.map((t) => [t.code, t]))
  return tiles.map((t) => changed.get(t.code) ?? t)
}

/** A tile's tone: nothing to do, something waiting, or stock gone / an alert firing. */
export function tileTone(tile: BoardTile): 'ok' | 'warn' | 'bad' {
  if (tile.value === 0) return 'ok'
  return tile.code === 'stock_outs' || tile.code === 'alerts' ? 'bad' : 'warn'
}
