import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { useAuthStore } from '@/stores/auth'
import ModerationView from '@/views/moderation/ModerationView.vue'
import { fakeFetch, OWNER_PROFILE } from './helpers'

// The moderation queue with a 种草 post carrying a short video: the item plays the video and
// shows its cover and sampled frames (the images WeChat screens), a photo item shows photos.

const BASE = {
  subject_type: 'post', member_id: 7, status: 'checking', hits: [], filter_action: null,
  text_state: 'pass', text_label: null, reason: null, appeal_reason: null, appealed_at: null,
  decided_by: null, decided_at: null, created_at: '2026-12-06T01:00:00Z',
}
const media = (n: number) => Array.from({ length: n }, (_, i) => ({ url: `/media/videos/frames/${i}.jpg`, state: 'queued', label: null }))
const VIDEO_ITEM = { ...BASE, id: 1, subject_id: 11, text: '开箱视频', media: media(4), video_url: '/media/videos/ab/clip.mp4' }
const PHOTO_ITEM = { ...BASE, id: 2, subject_id: 12, text: '晒图', media: media(2), video_url: null }

describe('moderation queue', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    useAuthStore().staff = { ...OWNER_PROFILE, permissions: [...OWNER_PROFILE.permissions, 'moderation:manage'] }
  })

  it('plays an item’s video beside its cover and frames', async () => {
    fakeFetch([200, { items: [VIDEO_ITEM, PHOTO_ITEM], next_cursor: null }])
    const wrapper = mount(ModerationView, { global: { plugins: [ElementPlus] } })
    await flushPromises()
    const rows = wrapper.get('[data-testid="moderation-table"]').findAll('tbody tr')
    expect(rows).toHaveLength(2)
    const video = rows[0]!.get('[data-testid="moderation-video"]')
    expect(video.attributes('src')).toBe('/media/videos/ab/clip.mp4')
    expect(video.attributes('poster')).toBe('/media/videos/frames/0.jpg')
    expect(rows[0]!.text()).toContain('视频封面与抽帧 4 张')
    expect(rows[1]!.find('[data-testid="moderation-video"]').exists()).toBe(false)
    expect(rows[1]!.text()).toContain('图片 2 张')
  })
})
