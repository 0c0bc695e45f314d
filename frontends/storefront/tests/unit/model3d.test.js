// 3D 样板间: reading the product's model and cutting the 360° sprite sheet.
import { describe, expect, it } from 'vitest'
import { framesForDrag, model3dOf, spriteFrame } from '../../src/utils/model3d'

const sprite = { url: '/media/catalog/ab/sheet.webp', frames: 24, columns: 6, rows: 4, frame_size: 320 }

describe('model3dOf', () => {
  it('reads the model, or null without one', () => {
    expect(model3dOf(null)).toBeNull()
    expect(model3dOf({ model3d: null })).toBeNull()
    expect(model3dOf({ model3d: { url: '/media/catalog/ab/c.glb', alt: '椅子', poster: null, sprite: null } })).toEqual({
      url: '/media/catalog/ab/c.glb',
      alt: '椅子',
      poster: '',
      sprite: null,
    })
  })
})

describe('spriteFrame', () => {
  it('moves the sheet so frame n shows, row by row', () => {
    expect(spriteFrame(sprite, 0, 300)).toEqual({ width: '1800px', height: '1200px', transform: 'translate(0px, 0px)' })
    expect(spriteFrame(sprite, 7, 300).transform).toBe('translate(-300px, -300px)')
    expect(spriteFrame(sprite, 23, 300).transform).toBe('translate(-1500px, -900px)')
  })

  it('wraps around in both directions', () => {
    expect(spriteFrame(sprite, 24, 300)).toEqual(spriteFrame(sprite, 0, 300))
    expect(spriteFrame(sprite, -1, 300)).toEqual(spriteFrame(sprite, 23, 300))
  })
})

describe('framesForDrag', () => {
  it('turns about once for a swipe across the stage', () => {
    expect(framesForDrag(300, 24, 300)).toBe(24)
    expect(framesForDrag(10, 24, 300)).toBe(0)
    expect(framesForDrag(-25, 24, 300)).toBe(-2)
  })
})
