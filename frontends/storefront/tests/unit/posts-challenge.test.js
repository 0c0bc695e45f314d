// 话题挑战 on the topic page and 分享海报 of a post: the API functions call the backend
// operations, the statuses come from the shared glossary, and the pages wire them (the
// challenge card on a chosen topic with 参与挑战 opening the writer in that topic; the poster
// button on a public post; the post page opened by a poster's code reads its scene). The .vue
// files are read as text: unit tests run without uni-app's compiler.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { CHALLENGE_LABELS, CHALLENGE_STATUS_LABELS, SHARE_LABELS, STATUS_GLOSSARIES } from '@shoplet/shared'

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

describe('话题挑战 and 分享海报', () => {
  it('call the challenge and poster operations', async () => {
    calls.length = 0
    await api.posts.challenge(5)
    await api.posts.poster(9, 'h5')
    expect(calls).toEqual([
      ['topicChallenge', { params: { topic_id: 5 } }],
      ['postPoster', { params: { post_id: 9 }, body: { client: 'h5' } }],
    ])
  })

  it('word the statuses through the shared glossary', () => {
    expect(CHALLENGE_STATUS_LABELS).toEqual({ upcoming: '未开始', running: '进行中', ended: '已结束', awarded: '已颁奖' })
    expect(STATUS_GLOSSARIES.challenge).toBe(CHALLENGE_STATUS_LABELS)
    expect([CHALLENGE_LABELS.join, CHALLENGE_LABELS.myRank, CHALLENGE_LABELS.rank(3)]).toEqual(['参与挑战', '我的排名', '第3名'])
    expect(SHARE_LABELS.poster).toBe('分享海报')
  })

  it('show the challenge on the topic page; 参与挑战 writes in the topic', () => {
    const feed = source('pkg-social/posts/index.vue')
    expect(feed).toContain('<TopicChallenge v-if="challenge" :challenge="challenge" @join="join" />')
    // 参与挑战 asks for the 获奖通知 inside the tap (mini program), then opens the writer.
    expect(feed).toMatch(/function join\(\) \{\n {2}if \(auth\.isLoggedIn\) void askSubscribe\(\['challenge_prize'\]\)\n {2}write\(\)/)
    expect(feed).toContain('api.posts.challenge(id)')
    expect(feed).toContain('/pkg-social/posts/write?topic_id=${topicId.value}')
    const card = source('components/TopicChallenge.vue')
    expect(card).toContain('CHALLENGE_STATUS_LABELS[challenge.status]')
    expect(card).toContain("settled.value ? props.challenge.winners : props.challenge.leaderboard")
    expect(card).toContain("v-if=\"challenge.status === 'running'\"")
  })

  it('offer the poster on a public post and open a post from its code', () => {
    const detail = source('pkg-social/posts/detail.vue')
    expect(detail).toContain('api.posts.poster(postId.value, client)')
    expect(detail).toContain('data-testid="post-poster"')
    expect(detail).toContain('/^id=(\\d+)$/')
  })
})
