// Short videos in 种草 and reviews: the upload operations the pages call, the progress they
// report, the editor's choice (images or one video), playback on the detail page and in reviews,
// and the 有视频 filter. The .vue files are read as text: unit tests run without uni-app's compiler.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CONTENT_LABELS, REVIEW_FILTER_LABELS, errorText } from '@shoplet/shared'
import { api, configureClient } from '../../src/api'

const SRC = resolve(__dirname, '../../src')
const source = (path) => readFileSync(resolve(SRC, path), 'utf8')

describe('video uploads', () => {
  it('send the file to the post and review video operations and report progress', async () => {
    const sent = []
    const seen = []
    configureClient({
      baseUrl: 'http://shop.test',
      auth: { accessToken: () => 'tok' },
      uploader: async (req) => {
        sent.push([req.url, req.name, req.filePath, req.header.Authorization])
        req.onProgress(40)
        req.onProgress(100)
        return { status: 201, data: { id: 5, duration_ms: 3000 } }
      },
    })
    const post = await api.posts.uploadVideo('blob:a', (p) => seen.push(p))
    const review = await api.reviews.uploadVideo('blob:b', (p) => seen.push(p))
    expect([post.id, review.id]).toEqual([5, 5])
    expect(sent).toEqual([
      ['http://shop.test/api/v1/content/videos', 'file', 'blob:a', 'Bearer tok'],
      ['http://shop.test/api/v1/reviews/videos', 'file', 'blob:b', 'Bearer tok'],
    ])
    expect(seen).toEqual([40, 100, 40, 100])
  })

  it('refusals read in Chinese from the shared glossary', () => {
    expect(errorText('content.video_too_long')).toBe('种草视频最长 60 秒')
    expect(errorText('review.video_too_long')).toBe('评价视频最长 15 秒')
    expect(errorText('content.video_with_images')).toBe(CONTENT_LABELS.videoOrImages)
    expect(REVIEW_FILTER_LABELS.videos).toBe('有视频')
  })
})

describe('video pages', () => {
  it('the editor offers images or one video, with progress, and sends video_id', () => {
    const write = source('pkg-social/posts/write.vue')
    expect(write).toContain('uni.chooseVideo(')
    expect(write).toContain('<view v-if="!video" class="pw__card">')
    expect(write).toContain('<view v-if="!images.length" class="pw__card">')
    expect(write).toContain('role="progressbar"')
    expect(write).toContain('body.video_id = video.value.id')
  })

  it('the post page plays the video, the feed shows its cover with a play badge', () => {
    const card = source('components/PostCard.vue')
    expect(card).toMatch(/<video\s+v-if="post\.video && play"/)
    expect(card).toContain('v-if="post.video && !play" class="pc__cover"')
    expect(card).toContain(':poster="post.video.cover_url"')
    expect(card).toContain('class="pc__play"')
    expect(source('pkg-social/posts/detail.vue')).toContain(':show-follow="!isMine" play')
  })

  it('reviews take a video, play it, and list 有视频', () => {
    expect(source('pkg-trade/review/write.vue')).toContain('video_id: video.value.id')
    expect(source('components/ReviewItem.vue')).toContain('v-if="review.video"')
    expect(source('pkg-trade/review/list.vue')).toContain("'photos', 'videos'")
  })
})
