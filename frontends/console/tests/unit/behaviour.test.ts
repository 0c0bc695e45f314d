import { describe, expect, it } from 'vitest'
import { channelLabel, creditText, pageLabel, pollMs, rowLabel, sankeyData } from '@/lib/behaviour'

describe('behaviour reports', () => {
  it('names channels', () => {
    expect(channelLabel('share')).toBe('分享链接')
    expect(channelLabel('scene:1007')).toBe('场景 1007')
    expect(channelLabel('utm:wechat')).toBe('UTM wechat')
    expect(channelLabel('m.example.com')).toBe('m.example.com')
    expect(rowLabel({ channel: 'share', campaign: 'Ab12' })).toBe('分享链接 · Ab12')
    expect(rowLabel({ channel: 'direct', campaign: '' })).toBe('直接访问')
    expect(pageLabel('$exit')).toBe('离开')
  })

  it('builds an acyclic one-step sankey', () => {
    const next = sankeyData('a', 'next', [
      { page: 'a', count: 2 },
      { page: '$exit', count: 1 },
    ])
    expect(next.nodes.map((n) => n.name)).toEqual(['a', '下一页：a', '下一页：离开'])
    expect(next.links).toEqual([
      { source: 'a', target: '下一页：a', value: 2 },
      { source: 'a', target: '下一页：离开', value: 1 },
    ])
    const previous = sankeyData('a', 'previous', [{ page: '$entry', count: 3 }])
    expect(previous.links).toEqual([{ source: '上一页：进入', target: 'a', value: 3 }])
  })

  it('formats credits and the polling interval', () => {
    expect(creditText(2)).toBe('2')
    expect(creditText(0.25)).toBe('0.25')
    expect(pollMs(5)).toBe(5000)
    expect(pollMs(0)).toBe(2000)
    expect(pollMs(undefined)).toBe(5000)
  })
})
