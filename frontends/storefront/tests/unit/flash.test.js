import { describe, expect, it } from 'vitest'
import {
  announcement,
  announceStep,
  campaignPhase,
  createServerClock,
  flashCountdown,
  flashMessage,
  homeFlashEntry,
  pollTicket,
  serverOffset,
  spokenDuration,
  syncServerClock,
  ticketFailureMessage,
} from '../../src/utils/flash'

const T0 = Date.parse('2026-11-26T12:00:00Z')

function campaign(over = {}) {
  return {
    id: 7,
    title: '双十二秒杀',
    status: 'live',
    starts_at: '2026-11-26T12:00:00Z',
    ends_at: '2026-11-26T13:00:00Z',
    items: [{ sku_id: 1, remaining: 3, stock: 10, flash_price: 100, original_price: 200, per_shopper_limit: 1 }],
    ...over,
  }
}

describe('server clock', () => {
  it('takes the midpoint of the round trip as the moment the server stamped', () => {
    // Sent at 1000, answered at 1200 (device clock); the server said 61100: we are 60 s behind.
    expect(serverOffset({ epochMs: 61_100, sentAt: 1000, receivedAt: 1200 })).toBe(60_000)
    // A device clock far ahead of the server gives a negative offset.
    expect(serverOffset({ epochMs: 1000, sentAt: 3_601_000, receivedAt: 3_601_000 })).toBe(-3_600_000)
  })

  it('keeps the sample with the shortest round trip and counts on server time', () => {
    let device = 10_000
    const clock = createServerClock({ now: () => device })
    expect(clock.synced).toBe(false)
    expect(clock.now()).toBe(10_000)
    clock.add({ epochMs: 20_500, sentAt: 10_000, receivedAt: 11_000 }) // rtt 1000 -> +10000
    expect(clock.offset).toBe(10_000)
    clock.add({ epochMs: 21_050, sentAt: 11_000, receivedAt: 11_100 }) // rtt 100 -> +10000
    clock.add({ epochMs: 99_999, sentAt: 12_000, receivedAt: 15_000 }) // slow and odd: ignored
    expect(clock.offset).toBe(10_000)
    expect(clock.synced).toBe(true)
    device = 50_000
    expect(clock.now()).toBe(60_000)
  })

  it('syncs from GET /time, never from the device clock alone', async () => {
    let device = 0
    const clock = createServerClock({ now: () => device })
    const fetchTime = async () => {
      device += 40 // 40 ms each way
      const res = { epoch_ms: T0 }
      device += 40
      return res
    }
    const offset = await syncServerClock(clock, fetchTime, { samples: 2, now: () => device })
    // First sample: sent 0, received 80, server T0 -> T0 - 40. Second: sent 80 -> T0 - 120.
    expect(offset).toBe(T0 - 120)
    expect(clock.now()).toBe(device + T0 - 120)
  })
})

describe('countdown', () => {
  it('counts down to the start, then to the end, on server time', () => {
    const c = campaign({ status: 'upcoming' })
    expect(flashCountdown(c, T0 - 3_723_000)).toEqual({ phase: 'upcoming', ms: 3_723_000, text: '01:02:03', label: '距开始' })
    // The cached page still says "upcoming" but the server clock passed the start.
    expect(flashCountdown(c, T0 + 1000)).toEqual({ phase: 'live', ms: 3_599_000, text: '00:59:59', label: '距结束' })
    expect(flashCountdown(c, T0 + 3_600_000)).toEqual({ phase: 'ended', ms: 0, text: '00:00:00', label: '已结束' })
  })

  it('shows days for campaigns more than a day away', () => {
    const c = campaign({ status: 'upcoming' })
    expect(flashCountdown(c, T0 - (2 * 86_400_000 + 3_600_000 + 5000)).text).toBe('2天 01:00:05')
  })

  it('knows sold out from the status or the counters', () => {
    expect(campaignPhase(campaign({ status: 'sold_out' }), T0 + 1)).toBe('sold_out')
    expect(campaignPhase(campaign({ items: [{ sku_id: 1, remaining: 0 }] }), T0 + 1)).toBe('sold_out')
    expect(campaignPhase(campaign(), T0 + 1)).toBe('live')
    expect(campaignPhase(campaign({ status: 'ended' }), T0 + 1)).toBe('ended')
  })
})

describe('countdown announcements', () => {
  it('speaks durations in words', () => {
    expect(spokenDuration(3_723_000)).toBe('1小时2分3秒')
    expect(spokenDuration(120_000)).toBe('2分')
    expect(spokenDuration(0)).toBe('0秒')
  })

  it('changes once a minute, then every 10 s, then every second', () => {
    expect(announceStep(3_600_000)).toBe(60_000)
    expect(announceStep(59_000)).toBe(10_000)
    expect(announceStep(5_000)).toBe(1_000)
    // Every tick within the same minute announces the same text: the live region stays quiet.
    const texts = new Set()
    for (let ms = 180_000; ms > 120_000; ms -= 250) texts.add(announcement('距开始', ms))
    expect([...texts]).toEqual(['距开始 3分'])
    expect(announcement('距开始', 119_750)).toBe('距开始 2分')
    expect(announcement('距开始', 42_000)).toBe('距开始 50秒')
    expect(announcement('距开始', 3_200)).toBe('距开始 4秒')
    expect(announcement('距开始', 0)).toBe('')
    // Across a whole hour: 1小时, 59分 … 2分 (59), 1分 … 10秒 (6), 5秒 … 1秒 (5).
    const all = new Set()
    for (let ms = 3_600_000; ms > 0; ms -= 250) all.add(announcement('距开始', ms))
    expect(all.size).toBe(59 + 6 + 5)
  })
})

describe('messages', () => {
  it('explains every refusal of the buy path', () => {
    expect(flashMessage('flashsale.sold_out')).toBe('已抢光，下次早点来')
    expect(flashMessage('flashsale.limit_reached')).toBe('你已达到本场限购数量')
    expect(flashMessage('flashsale.not_started')).toBe('活动还没开始，请稍候')
    expect(flashMessage('flashsale.ended')).toBe('活动已结束')
    expect(flashMessage('something.else', '出错了')).toBe('出错了')
    expect(ticketFailureMessage('members.address_not_found')).toBe('下单失败：请检查默认收货地址，名额已退回')
    expect(ticketFailureMessage(null)).toBe('下单失败，名额已退回')
  })
})

describe('home entry', () => {
  it('prefers the live campaign ending first, then the next upcoming one', () => {
    const live = campaign({ id: 1, title: 'A', ends_at: '2026-11-26T14:00:00Z' })
    const soon = campaign({ id: 2, title: 'B', status: 'upcoming', starts_at: '2026-11-26T15:00:00Z', ends_at: '2026-11-26T16:00:00Z' })
    expect(homeFlashEntry([soon, live], T0 + 1)).toEqual({ id: 1, title: 'A', phase: 'live', text: '抢购中 · 11-26 22:00 结束' })
    expect(homeFlashEntry([soon], T0 + 1)).toEqual({ id: 2, title: 'B', phase: 'upcoming', text: '即将开始 · 11-26 23:00 开抢' })
    expect(homeFlashEntry([campaign({ status: 'ended' })], T0 + 1)).toBe(null)
    expect(homeFlashEntry([], T0)).toBe(null)
  })
})

describe('ticket polling', () => {
  const noWait = async () => {}

  it('polls until the order is created', async () => {
    const answers = [{ status: 'queued' }, { status: 'queued' }, { status: 'created', order_no: 'F1' }]
    const seen = []
    const last = await pollTicket(async () => answers.shift(), { wait: noWait, onUpdate: (t) => seen.push(t.status) })
    expect(last).toEqual({ status: 'created', order_no: 'F1' })
    expect(seen).toEqual(['queued', 'queued', 'created'])
  })

  it('stops on failure, retries network errors and 503s, gives up after maxAttempts', async () => {
    const flaky = [
      Object.assign(new Error('x'), { code: 'network', status: 0 }),
      Object.assign(new Error('y'), { code: 'flashsale.busy', status: 503 }),
      { status: 'failed', reason: 'members.address_not_found' },
    ]
    const next = async () => {
      const a = flaky.shift()
      if (a instanceof Error) throw a
      return a
    }
    expect(await pollTicket(next, { wait: noWait })).toEqual({ status: 'failed', reason: 'members.address_not_found' })

    let calls = 0
    const waits = []
    const stuck = await pollTicket(
      async () => {
        calls++
        return { status: 'queued' }
      },
      { wait: async (ms) => waits.push(ms), maxAttempts: 3, intervalMs: 1500 },
    )
    expect(stuck).toEqual({ status: 'queued' })
    expect(calls).toBe(3)
    expect(waits).toEqual([1500, 1500])
  })

  it('rejects other errors and stops when the page is left', async () => {
    const notFound = Object.assign(new Error('no'), { code: 'flashsale.ticket_not_found', status: 404 })
    await expect(pollTicket(async () => Promise.reject(notFound), { wait: noWait })).rejects.toBe(notFound)
    let calls = 0
    const result = await pollTicket(
      async () => {
        calls++
        return { status: 'queued' }
      },
      { wait: noWait, isCancelled: () => calls >= 2 },
    )
    expect(result).toEqual({ status: 'queued' })
    expect(calls).toBe(2)
  })
})
