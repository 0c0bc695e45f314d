// The live room's client without a network or a clock: authenticate with the first frame,
// comments acknowledged by ref, likes batched into one frame, reconnect after a drop, and no
// reconnect once banned; the countdown and count helpers; the room's 购买 carrying the session to
// checkout for the 直播价.
import { describe, expect, it } from 'vitest'
import { countdown, createRoomClient, mergeComments, shortCount } from '../../src/utils/live'
import { liveActivity, liveBuyUrl } from '../../src/utils/livePrice'

function fakeSocket() {
  const handlers = {}
  const sent = []
  return {
    sent,
    send: (data) => sent.push(JSON.parse(data)),
    close: () => handlers.close?.(),
    onOpen: (fn) => (handlers.open = fn),
    onMessage: (fn) => (handlers.message = fn),
    onClose: (fn) => (handlers.close = fn),
    open: () => handlers.open(),
    receive: (frame) => handlers.message(JSON.stringify(frame)),
    drop: () => handlers.close(),
  }
}

function fakeTimers() {
  let now = 0
  let next = 1
  const due = new Map()
  return {
    setTimeout: (fn, ms) => (due.set(next, [now + ms, fn]), next++),
    clearTimeout: (id) => due.delete(id),
    advance(ms) {
      now += ms
      for (const [id, [at, fn]] of [...due.entries()].sort((a, b) => a[1][0] - b[1][0])) {
        if (at <= now) {
          due.delete(id)
          fn()
        }
      }
    },
  }
}

describe('createRoomClient', () => {
  it('authenticates, acknowledges comments by ref and batches likes', async () => {
    const sockets = []
    const frames = []
    const timers = fakeTimers()
    const room = createRoomClient({
      url: 'ws://x/api/v1/live/sessions/1/ws',
      token: () => 'tok',
      openSocket: () => (sockets.push(fakeSocket()), sockets[sockets.length - 1]),
      onFrame: (f) => frames.push(f),
      timers,
    })
    room.start()
    sockets[0].open()
    expect(sockets[0].sent).toEqual([{ type: 'auth', token: 'tok' }])
    sockets[0].receive({ type: 'ready', online: 1 })
    expect(room.ready).toBe(true)

    const pending = room.comment('有XL吗')
    expect(sockets[0].sent[1]).toEqual({ type: 'comment', ref: 'c1', text: '有XL吗' })
    sockets[0].receive({ type: 'ack', ref: 'c1', comment: { id: 5, text: '有XL吗' } })
    await expect(pending).resolves.toEqual({ id: 5, text: '有XL吗' })
    const refused = room.comment('在吗')
    sockets[0].receive({ type: 'error', ref: 'c2', code: 'live.rate_limited', detail: '太快了' })
    await expect(refused).rejects.toMatchObject({ code: 'live.rate_limited' })

    room.like()
    room.like()
    room.like()
    timers.advance(400)
    expect(sockets[0].sent.at(-1)).toEqual({ type: 'like', count: 3 })

    sockets[0].drop()
    timers.advance(1000)
    expect(sockets).toHaveLength(2)
    sockets[1].open()
    sockets[1].receive({ type: 'banned' })
    sockets[1].drop()
    timers.advance(60000)
    expect(sockets).toHaveLength(2) // banned: no reconnect
    expect(frames.map((f) => f.type)).toEqual(['ready', 'comment', 'banned'])
  })
})

describe('helpers', () => {
  it('merges comments once each, newest kept', () => {
    const list = mergeComments([{ id: 2 }], [{ id: 1 }, { id: 2 }, { id: 3 }], 2)
    expect(list.map((c) => c.id)).toEqual([2, 3])
  })

  it('counts down to the start', () => {
    expect(countdown(90061000, 0).text).toBe('1天 01:01:01')
    expect(countdown(5000, 0)).toMatchObject({ done: false, text: '00:00:05' })
    expect(countdown(0, 5000).done).toBe(true)
  })

  it('shortens large counts', () => {
    expect(shortCount(9999)).toBe('9999')
    expect(shortCount(12345)).toBe('1.2万')
  })
})

describe('buying at the live price', () => {
  const live = { id: 12, status: 'live' }
  it('carries the live session to the product page only for a live price while live', () => {
    expect(liveBuyUrl(live, { product_id: 7, live_price: 3900 })).toBe('/pages/product/detail?id=7&live=12')
    expect(liveBuyUrl(live, { product_id: 7, live_price: null })).toBe('/pages/product/detail?id=7')
    expect(liveBuyUrl({ id: 12, status: 'ended' }, { product_id: 7, live_price: 3900 })).toBe('/pages/product/detail?id=7')
  })

  it('turns the page query into the checkout activity', () => {
    expect(liveActivity('12')).toEqual({ kind: 'live', id: 12 })
    for (const bad of [undefined, '', '0', '-3', '1.5', 'abc']) expect(liveActivity(bad)).toBe(null)
  })
})
