import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { useAuthStore } from '@/stores/auth'
import WecomView from '@/views/wecom/WecomView.vue'
import { fakeFetch, OWNER_PROFILE, problem } from './helpers'
import {
  buildBroadcast,
  buildContactWay,
  buildJoinWay,
  buildTagging,
  emptyBroadcastForm,
  emptyCard,
  emptyContactWayForm,
  messageError,
  sourceText,
  splitIds,
  stateOf,
  statLabel,
  utf8Bytes,
} from '@/lib/wecom'

describe('渠道活码 form', () => {
  it('builds the body the API takes', () => {
    const form = { ...emptyContactWayForm(), storeId: 12, campaign: ' spring24 ', staff: 'zhangsan，lisi\nwangwu', remark: '门店海报' }
    const { body, errors } = buildContactWay(form)
    expect(errors).toEqual({})
    expect(body).toEqual({ store_id: 12, campaign: 'spring24', staff_userids: ['zhangsan', 'lisi', 'wangwu'], remark: '门店海报' })
  })

  it('names what the API would refuse', () => {
    expect(buildContactWay({ ...emptyContactWayForm(), staff: 'lisi' }).errors).toEqual({
      attribution: '请至少选择门店或填写活动代码',
    })
    const bad = buildContactWay({ ...emptyContactWayForm(), campaign: '春季', staff: 'lisi, lisi' })
    expect(bad.body).toBeNull()
    expect(Object.keys(bad.errors).sort()).toEqual(['campaign', 'staff'])
    const long = buildContactWay({ ...emptyContactWayForm(), storeId: 123456789012, campaign: 'x'.repeat(16), staff: 'lisi' })
    expect(long.errors.campaign).toBe('门店与活动代码合计超过 30 个字符')
  })

  it('writes the state as the backend does', () => {
    expect(stateOf(12, 'spring24')).toBe('sp.s12.cspring24')
    expect(stateOf(null, 'poster')).toBe('sp.cposter')
    expect(stateOf(7, '')).toBe('sp.s7')
    expect(splitIds(' a, b ,,c ')).toEqual(['a', 'b', 'c'])
  })
})

describe('customers and counts', () => {
  it('says where a customer came from', () => {
    expect(sourceText({ store_id: 3, store_name: '人民广场店', campaign: 'spring24', state: 'sp.s3.cspring24' })).toBe('人民广场店 · 活动 spring24')
    expect(sourceText({ store_id: null, store_name: null, campaign: null, state: 'poster-a' })).toBe('state: poster-a')
    expect(sourceText({ store_id: null, store_name: null, campaign: null, state: '' })).toBe('（无）')
    expect(statLabel({ key: '', label: '', added: 3, active: 2 })).toBe('（无）')
    expect(statLabel({ key: '3', label: '人民广场店', added: 3, active: 2 })).toBe('人民广场店')
  })

  it('tags only with a segment and a tag', () => {
    expect(buildTagging(null, 'et_vip', '')).toBeNull()
    expect(buildTagging(4, '', ' ')).toBeNull()
    expect(buildTagging(4, 'et_vip, et_new', 'et_dormant')).toEqual({
      segment_id: 4,
      add_tag_ids: ['et_vip', 'et_new'],
      remove_tag_ids: ['et_dormant'],
    })
  })
})

describe('WecomView: 企业微信', () => {
  const WAY = {
    id: 1,
    config_id: 'cfg1',
    state: 'sp.s3.cspring24',
    store_id: 3,
    store_name: '人民广场店',
    campaign: 'spring24',
    staff_userids: ['zhangsan', 'lisi'],
    qr_code: 'https://wework.qpic.cn/wwpic/sim/1/0',
    remark: '',
    created_at: '2026-12-06T01:00:00Z',
  }

  beforeEach(() => {
    setActivePinia(createPinia())
    useAuthStore().staff = { ...OWNER_PROFILE, permissions: ['wecom:manage'] }
  })

  it('lists the contact ways, refuses a bad form locally, creates one and shows the backend refusal', async () => {
    const { calls, pending } = fakeFetch(
      [200, { configured: true, corp_id: 'wwcorp', contact_ways: 0 }],
      [200, { items: [{ id: 3, name: '人民广场店' }], next_cursor: null }],
      [200, []],
      [200, { items: [], next_cursor: null }],
      [201, WAY],
      problem(400, 'wecom.staff_unknown'),
    )
    const wrapper = mount(WecomView, { attachTo: document.body, global: { plugins: [ElementPlus] } })
    await flushPromises()
    expect(calls.map((c) => c.url)).toEqual([
      '/api/v1/console/wecom/status',
      '/api/v1/console/stores?limit=100',
      '/api/v1/console/analytics/segments',
      '/api/v1/console/wecom/contact-ways?limit=20',
    ])
    expect(wrapper.text()).toContain('企业 ID：wwcorp')

    await wrapper.get('[data-testid="wecom-create"]').trigger('click')
    await flushPromises()
    expect(wrapper.text()).toContain('请至少选择门店或填写活动代码')
    expect(calls).toHaveLength(4)

    await wrapper.get('[data-testid="wecom-campaign"]').setValue('spring24')
    await wrapper.get('[data-testid="wecom-staff"]').setValue('zhangsan, lisi')
    await wrapper.get('[data-testid="wecom-create"]').trigger('click')
    await flushPromises()
    expect(calls[4]).toMatchObject({
      method: 'POST',
      url: '/api/v1/console/wecom/contact-ways',
      body: { store_id: null, campaign: 'spring24', staff_userids: ['zhangsan', 'lisi'], remark: '' },
    })
    expect(wrapper.get('[data-testid="wecom-created"]').text()).toContain('sp.s3.cspring24')
    expect(wrapper.get('[data-testid="wecom-ways"]').text()).toContain('人民广场店')

    await wrapper.get('[data-testid="wecom-campaign"]').setValue('autumn')
    await wrapper.get('[data-testid="wecom-staff"]').setValue('nobody')
    await wrapper.get('[data-testid="wecom-create"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="wecom-error"]').text()).toContain('企业微信中没有该员工')
    expect(pending()).toBe(0)
    wrapper.unmount()
  })

  it('warns when WeCom is not set up', async () => {
    fakeFetch(
      [200, { configured: false, corp_id: null, contact_ways: 0 }],
      [200, { items: [], next_cursor: null }],
      [200, []],
      [200, { items: [], next_cursor: null }],
    )
    const wrapper = mount(WecomView, { attachTo: document.body, global: { plugins: [ElementPlus] } })
    await flushPromises()
    expect(wrapper.text()).toContain('未配置企业微信')
    expect(wrapper.get('[data-testid="wecom-create"]').attributes('disabled')).toBeDefined()
    wrapper.unmount()
  })
})

describe('欢迎语、客户群与群发 forms', () => {
  it('counts text in UTF-8 bytes as WeCom does', () => {
    expect(utf8Bytes('欢迎')).toBe(6)
    expect(messageError('欢'.repeat(1333), emptyCard(), true)).toBeNull()
    expect(messageError('欢'.repeat(1334), emptyCard(), true)).toBe('内容 4002 字节，超过 4000 字节上限')
    expect(messageError('', emptyCard(), false)).toBeNull()
    expect(messageError('', { ...emptyCard(), enabled: true }, false)).toBe('请填写文字内容（仅小程序卡片不能发送）')
    expect(messageError('hi', { ...emptyCard(), enabled: true, title: '上新' }, false)).toBe('小程序卡片需要标题和封面图')
  })

  it('builds a broadcast for the audience it names only', () => {
    const form = { ...emptyBroadcastForm(), audience: 'campaign' as const, campaign: ' spring ', storeId: 3, text: '八折' }
    expect(buildBroadcast(form)).toEqual({
      body: { target: 'customers', owners: null, audience: 'campaign', segment_id: null, store_id: null, campaign: 'spring', text: '八折', miniprogram: null },
      error: null,
    })
    expect(buildBroadcast({ ...form, audience: 'segment' }).error).toBe('请选择分群')
    expect(buildBroadcast({ ...form, text: ' ' }).error).toBe('请填写文字内容（仅小程序卡片不能发送）')
    const card = { enabled: true, title: '上新', page: 'pages/index/index', pictureId: 7, pictureUrl: '/media/wecom/aa/p.png' }
    expect(buildBroadcast({ ...form, card }).body?.miniprogram).toEqual({ title: '上新', page: 'pages/index/index', picture_id: 7 })
    expect(buildBroadcast({ ...form, card: { ...card, pictureId: null } }).error).toBe('小程序卡片需要标题和封面图')
  })

  it('builds a broadcast to customer groups by owner, never by segment', () => {
    const form = { ...emptyBroadcastForm(), target: 'groups' as const, owners: ['lisi', 'lisi', 'zhangsan'], text: '群里好' }
    expect(buildBroadcast(form).body).toEqual({
      target: 'groups', owners: ['lisi', 'zhangsan'], audience: 'all', segment_id: null, store_id: null, campaign: null, text: '群里好', miniprogram: null,
    })
    expect(buildBroadcast({ ...form, owners: [] }).body?.owners).toBeNull()
    expect(buildBroadcast({ ...form, audience: 'segment', segmentId: 2 }).error).toBe('客户群群发不能按分群发送')
  })

  it('builds a join way with 1 to 5 distinct chats', () => {
    expect(buildJoinWay(null, 'grp', 'wr1，wr2', false, '')).toEqual({
      body: { store_id: null, campaign: 'grp', chat_ids: ['wr1', 'wr2'], auto_create_room: false, room_base_name: '', remark: '' },
      error: null,
    })
    expect(buildJoinWay(null, '', 'wr1', false, '').error).toBe('请至少选择门店或填写活动代码')
    expect(buildJoinWay(null, 'grp', 'wr1 wr1', false, '').error).toBe('请填写 1–5 个不重复的群 ID')
    expect(buildJoinWay(null, 'grp', 'a b c d e f', false, '').error).toBe('请填写 1–5 个不重复的群 ID')
    expect(buildJoinWay(null, 'grp', 'wr1', true, ' ').error).toBe('自动建群需要填写新群名称前缀')
  })
})
