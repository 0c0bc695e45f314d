import { describe, expect, it } from 'vitest'
import { sceneOf, visitorId } from '../../src/utils/visitor'

describe('share arrivals', () => {
  it('keeps one random visitor id per device', () => {
    const first = visitorId()
    expect(first).toMatch(/^[A-Za-z0-9]{24}$/)
    expect(visitorId()).toBe(first)
  })

  it('reads the scene of a mini-program code (URL-encoded by WeChat) and of an H5 short link', () => {
    expect(sceneOf({ scene: 'Ab3dE5gH9k' })).toBe('Ab3dE5gH9k')
    expect(sceneOf({ scene: 'a%3D1%26b%3D2' })).toBe('a=1&b=2')
    expect(sceneOf({ scene: '%E4%B8%AD' })).toBe('中')
    expect(sceneOf({ scene: '%' })).toBe('%')
    expect(sceneOf({})).toBe('')
    expect(sceneOf(undefined)).toBe('')
  })
})
