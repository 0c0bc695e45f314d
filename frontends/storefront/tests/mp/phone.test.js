// 设置 → 绑定手机号 in the compiled mini program: the getPhoneNumber button (mp only) hands its
// one-time code to POST /me/phone/wechat; a declined prompt sends nothing.
import { beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, bootApp, createWx, openPage, settle } from './harness'

let backend
beforeAll(() => {
  assertBuilt()
  backend = createWx({
    'POST /api/v1/me/phone/wechat': (req) =>
      req.data.code === 'spent'
        ? { statusCode: 400, data: { code: 'members.wechat_phone_code_invalid', title: 'invalid', status: 400 } }
        : { phone: '138****5678', merge: { id: 3, from_member_id: 9, into_member_id: 1, reason: 'bind_phone', moved: { orders: 2 }, merged_at: '2026-01-01T00:00:00Z' } },
  })
  backend.storage.set('shoplet.auth', JSON.stringify({ accessToken: 'a', refreshToken: 'r' }))
  bootApp(backend.wx)
})

const exchanges = () => backend.requests.filter((r) => r.key === 'POST /api/v1/me/phone/wechat')

describe('绑定手机号 in the mini program', () => {
  it('offers WeChat’s getPhoneNumber button and binds with its code', async () => {
    const page = await openPage('pkg-user/phone/index')
    const button = page.querySelector('.ph__wx')
    expect(button).toBeTruthy()
    expect(page.dom.innerHTML).toContain('微信手机号一键绑定')
    // The SMS form stays for another number.
    expect(page.querySelector('.ph__send')).toBeTruthy()

    button.dispatchEvent('getphonenumber', { detail: { errMsg: 'getPhoneNumber:fail user deny' } })
    await settle(60)
    expect(exchanges()).toHaveLength(0)
    expect(page.dom.innerHTML).toContain('未获得微信手机号授权')

    button.dispatchEvent('getphonenumber', { detail: { errMsg: 'getPhoneNumber:ok', code: 'spent' } })
    await settle(120)
    expect(page.dom.innerHTML).toContain('授权已失效，请重新点击按钮')

    button.dispatchEvent('getphonenumber', { detail: { errMsg: 'getPhoneNumber:ok', code: 'c0de' } })
    await settle(120)
    expect(exchanges().map((r) => r.data)).toEqual([{ code: 'spent' }, { code: 'c0de' }])
    const html = page.dom.innerHTML
    expect(html).toContain('138****5678')
    expect(html).toContain('phone-bound')
  })
})
