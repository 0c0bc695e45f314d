// 种草's 收藏 and 关注: the API functions call the backend operations the pages use, and the pages
// offer them (a 收藏 toggle with its pressed state, 关注 by the author, the feed's 关注 tab, and
// 我的收藏's 帖子 tab). The .vue files are read as text: unit tests run without uni-app's compiler.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { CONTENT_LABELS, FEED_SORT_LABELS } from '@shoplet/shared'

const calls = []
vi.mock('../../src/api/client', () => ({
  call: (operation, options) => {
    calls.push([operation, options])
    return Promise.resolve({})
  },
  download: () => Promise.resolve({}),
  upload: () => Promise.resolve({}),
  ApiError: Error,
  assetUrl: (x) => x,
  configureClient: () => {},
  OPERATIONS: {},
  socketUrl: (x) => x,
}))

const { api } = await import('../../src/api')
const SRC = resolve(__dirname, '../../src')
const source = (path) => readFileSync(resolve(SRC, path), 'utf8')

describe('收藏 and 关注 of posts', () => {
  it('call the favourite, follow and list operations', async () => {
    calls.length = 0
    await api.posts.favorite(7, true)
    await api.posts.favorite(7, false)
    await api.posts.follow(3, true)
    await api.posts.follow(3, false)
    await api.posts.favorites({ limit: 20 })
    expect(calls).toEqual([
      ['favoritePost', { params: { post_id: 7 } }],
      ['unfavoritePost', { params: { post_id: 7 } }],
      ['followAuthor', { params: { member_id: 3 } }],
      ['unfollowAuthor', { params: { member_id: 3 } }],
      ['favoritePosts', { query: { limit: 20 } }],
    ])
  })

  it('are worded in the shared glossary', () => {
    expect(FEED_SORT_LABELS.following).toBe('关注')
    expect([CONTENT_LABELS.favorite, CONTENT_LABELS.follow, CONTENT_LABELS.followed]).toEqual(['收藏', '关注', '已关注'])
    expect(CONTENT_LABELS.favoritePosts).toBe('帖子')
  })

  it('the post card toggles 收藏 with a pressed state and offers 关注 by the author', () => {
    const card = source('components/PostCard.vue')
    expect(card).toMatch(/:aria-pressed="post\.favorited \? 'true' : 'false'"/)
    expect(card).toContain("$emit('favorite', post)")
    expect(card).toContain('v-if="showFollow"')
    expect(card).toContain("$emit('follow', post)")
    const detail = source('pkg-social/posts/detail.vue')
    expect(detail).toContain(':show-follow="!isMine"')
    expect(detail).toContain('api.posts.follow(p.member_id, !p.following_author)')
    expect(detail).toContain('api.posts.favorite(p.id, !p.favorited)')
  })

  it('the feed has a 关注 tab and 我的收藏 a 帖子 tab', () => {
    expect(source('pkg-social/posts/index.vue')).toContain("const SORTS = ['latest', 'hot', 'following']")
    const favorites = source('pkg-user/favorites/index.vue')
    expect(favorites).toContain("const TABS = ['products', 'posts']")
    expect(favorites).toContain('api.posts.favorites(page)')
  })
})
