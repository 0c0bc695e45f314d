import { describe, expect, it } from 'vitest'
import type { ImageSet, ProductAdmin } from '@/api/types'
import {
  emptyMedia,
  keyTarget,
  mediaFromProduct,
  moveAnnouncement,
  moveItem,
  thumbnailOf,
  uploadOrder,
} from '@/lib/productMedia'

describe('moveItem', () => {
  const list = ['a', 'b', 'c', 'd']

  it('moves forwards and backwards without touching the input', () => {
    expect(moveItem(list, 0, 2)).toEqual(['b', 'c', 'a', 'd'])
    expect(moveItem(list, 3, 0)).toEqual(['d', 'a', 'b', 'c'])
    expect(moveItem(list, 1, 2)).toEqual(['a', 'c', 'b', 'd'])
    expect(list).toEqual(['a', 'b', 'c', 'd'])
  })

  it('clamps out-of-range indexes and keeps the same order for no move', () => {
    expect(moveItem(list, 2, 99)).toEqual(['a', 'b', 'd', 'c'])
    expect(moveItem(list, -5, 1)).toEqual(['b', 'a', 'c', 'd'])
    expect(moveItem(list, 1, 1)).toEqual(list)
    expect(moveItem([], 0, 1)).toEqual([])
  })

  it('keeps duplicates apart (the same image twice)', () => {
    expect(moveItem(['x', 'y', 'x'], 2, 0)).toEqual(['x', 'x', 'y'])
  })
})

describe('keyboard moves', () => {
  it('maps arrows, Home and End to a target, and refuses moves past the ends', () => {
    expect(keyTarget('ArrowLeft', 2, 4)).toBe(1)
    expect(keyTarget('ArrowUp', 2, 4)).toBe(1)
    expect(keyTarget('ArrowRight', 2, 4)).toBe(3)
    expect(keyTarget('ArrowDown', 2, 4)).toBe(3)
    expect(keyTarget('Home', 2, 4)).toBe(0)
    expect(keyTarget('End', 1, 4)).toBe(3)
    expect(keyTarget('ArrowLeft', 0, 4)).toBeNull()
    expect(keyTarget('ArrowRight', 3, 4)).toBeNull()
    expect(keyTarget('Home', 0, 4)).toBeNull()
    expect(keyTarget('Enter', 1, 4)).toBeNull()
  })

  it('announces a move in Chinese, counting from 1', () => {
    expect(moveAnnouncement('商品图片', 0, 2, 5)).toBe('商品图片：已将第 1 张移到第 3 张，共 5 张')
  })
})

describe('uploads and thumbnails', () => {
  it('adds files by name with numbers compared as numbers', () => {
    const files = ['frame-10.jpg', 'frame-2.jpg', 'frame-1.jpg'].map((name) => ({ name }))
    expect(uploadOrder(files).map((f) => f.name)).toEqual(['frame-1.jpg', 'frame-2.jpg', 'frame-10.jpg'])
  })

  it('shows the list variant with its colour, and a pre-pipeline URL as it is', () => {
    const set: ImageSet = {
      list: '/media/catalog/aa/l.webp',
      detail: '/media/catalog/bb/d.webp',
      zoom: '/media/catalog/cc/z.webp',
      fallback: '/media/catalog/dd/f.jpg',
      width: 800,
      height: 800,
      color: '#c80000',
    }
    expect(thumbnailOf(set.fallback, { [set.fallback]: set })).toEqual({ src: set.list, color: '#c80000' })
    expect(thumbnailOf('/media/products/x.jpg', {})).toEqual({ src: '/media/products/x.jpg', color: null })
  })

  it('copies a product media lists so editing them leaves the product alone', () => {
    const product = {
      images: ['/a'],
      detail_images: ['/b'],
      turntable_images: ['/c'],
      video_url: '/v.mp4',
      video_poster: null,
    } as unknown as ProductAdmin
    const media = mediaFromProduct(product)
    expect(media).toEqual({ images: ['/a'], detail_images: ['/b'], turntable_images: ['/c'], video_url: '/v.mp4', video_poster: null })
    media.images.push('/d')
    expect(product.images).toEqual(['/a'])
    expect(emptyMedia()).toEqual({ images: [], detail_images: [], turntable_images: [], video_url: null, video_poster: null })
  })
})
