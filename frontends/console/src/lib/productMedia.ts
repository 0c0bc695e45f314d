/**
 * A product's media in the editor: the ordered lists the API stores (canonical `/media/…` URLs)
 * and the pure helpers behind the image list editor (reordering, announcements, upload order).
 */
import type { ImageSet, ProductAdmin } from '@/api/types'

export interface ProductMedia {
  images: string[]
  detail_images: string[]
  turntable_images: string[]
  video_url: string | null
  video_poster: string | null
}

export function emptyMedia(): ProductMedia {
  return { images: [], detail_images: [], turntable_images: [], video_url: null, video_poster: null }
}

export function mediaFromProduct(p: ProductAdmin): ProductMedia {
  return {
    images: [...p.images],
    detail_images: [...(p.detail_images ?? [])],
    turntable_images: [...p.turntable_images],
    video_url: p.video_url ?? null,
    video_poster: p.video_poster ?? null,
  }
}

/** A copy of `list` with the item at `from` moved to `to` (both clamped into the list). */
export function moveItem<T>(list: readonly T[], from: number, to: number): T[] {
  const next = [...list]
  if (!next.length) return next
  const source = Math.min(Math.max(from, 0), next.length - 1)
  const target = Math.min(Math.max(to, 0), next.length - 1)
  if (source === target) return next
  const [item] = next.splice(source, 1)
  next.splice(target, 0, item as T)
  return next
}

/** The index a keyboard key moves the item at `index` to, or null for other keys. */
export function keyTarget(key: string, index: number, length: number): number | null {
  switch (key) {
    case 'ArrowLeft':
    case 'ArrowUp':
      return index > 0 ? index - 1 : null
    case 'ArrowRight':
    case 'ArrowDown':
      return index < length - 1 ? index + 1 : null
    case 'Home':
      return index > 0 ? 0 : null
    case 'End':
      return index < length - 1 ? length - 1 : null
    default:
      return null
  }
}

/** What a screen reader hears after a move. */
export function moveAnnouncement(label: string, from: number, to: number, total: number): string {
  return `${label}：已将第 ${from + 1} 张移到第 ${to + 1} 张，共 ${total} 张`
}

/** Files in the order they are added: by name, numbers compared as numbers (frame-2 < frame-10). */
export function uploadOrder<T extends { name: string }>(files: readonly T[]): T[] {
  return [...files].sort((a, b) => a.name.localeCompare(b.name, 'zh-CN', { numeric: true }))
}

export interface Thumbnail {
  src: string
  color: string | null
}

/** The small picture of an image URL: the list variant and its placeholder colour when known. */
export function thumbnailOf(url: string, sets: Readonly<Record<string, ImageSet>>): Thumbnail {
  const set = sets[url]
  return set ? { src: set.list, color: set.color } : { src: url, color: null }
}
