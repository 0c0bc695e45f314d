import { describe, expect, it } from 'vitest'
import { THEME, TEXT_PAIRS } from '../../src/theme'
import { addressPayload, validateAddress } from '../../src/pkg-user/utils/address'
import { contrastRatio } from '../../src/utils/color'
import { h5PayMode, requestPaymentArgs } from '../../src/pkg-trade/utils/pay'
import { isMobile, isSmsCode } from '../../src/utils/phone'
import { cardOf, galleryOf, turntableOf } from '../../src/utils/product'

describe('theme', () => {
  it('keeps every text/background pair at WCAG AA (4.5:1)', () => {
    for (const [fg, bg] of TEXT_PAIRS) {
      expect(contrastRatio(THEME[fg], THEME[bg]), `${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5)
    }
  })

  it('computes the WCAG ratio', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5)
    expect(contrastRatio('#777777', '#777')).toBeCloseTo(1, 5)
  })
})

describe('address form', () => {
  const good = { recipient: '张三', phone: '13800138000', province: '北京市', city: '北京市', district: '朝阳区', region_code: '110105', detail: '建国路 88 号 1 栋', tag: '', is_default: true }

  it('accepts a complete address', () => {
    expect(validateAddress(good)).toEqual({})
  })

  it('says what is wrong with each field', () => {
    expect(validateAddress({ ...good, recipient: ' ', phone: '1234', region_code: '', detail: '短' })).toEqual({
      recipient: '请填写收货人',
      phone: '请填写正确的手机号',
      region: '请选择所在地区',
      detail: '详细地址至少 4 个字',
    })
  })

  it('lets an edit keep the masked phone by leaving it empty', () => {
    expect(validateAddress({ ...good, phone: '' }, { phoneRequired: false })).toEqual({})
    expect(addressPayload({ ...good, phone: '' }, { includePhone: false })).toEqual({
      recipient: '张三', province: '北京市', city: '北京市', district: '朝阳区', region_code: '110105', detail: '建国路 88 号 1 栋', is_default: true,
    })
    expect(addressPayload({ ...good, tag: '公司' }).tag).toBe('公司')
    expect(addressPayload(good).phone).toBe('13800138000')
  })
})

describe('login inputs', () => {
  it('recognises mainland mobile numbers and SMS codes', () => {
    expect(isMobile('13800138000')).toBe(true)
    expect(isMobile('12800138000')).toBe(false)
    expect(isMobile('1380013800')).toBe(false)
    expect(isSmsCode('123456')).toBe(true)
    expect(isSmsCode('12a456')).toBe(false)
  })
})

describe('payment', () => {
  it('redirects to WeChat in production and drives the simulator when embedded', () => {
    expect(h5PayMode({ h5_url: 'https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx1', prepay_id: 'wx1' })).toBe('redirect')
    expect(h5PayMode({ h5_url: '/_sim/wechatpay/h5?prepay_id=wx1', prepay_id: 'wx1' })).toBe('simulator')
    expect(h5PayMode({ h5_url: 'http://127.0.0.1:8000/_sim/wechatpay/h5', prepay_id: 'wx1' })).toBe('simulator')
    expect(h5PayMode({ prepay_id: 'wx1' })).toBe('simulator')
    expect(h5PayMode({})).toBe('unavailable')
  })

  it('passes the backend pay_params to wx.requestPayment unchanged', () => {
    const params = { appId: 'wx1', timeStamp: 1700000000, nonceStr: 'n', package: 'prepay_id=wx1', signType: 'RSA', paySign: 's' }
    expect(requestPaymentArgs(params)).toEqual({ provider: 'wxpay', timeStamp: '1700000000', nonceStr: 'n', package: 'prepay_id=wx1', signType: 'RSA', paySign: 's' })
  })
})

describe('product readers', () => {
  it('reads list items and details from the catalog API', () => {
    expect(cardOf({ id: 1, title: 'T', image: '/media/a.jpg', price: 990, original_price: 1290, sales_count: 12 })).toEqual({
      id: 1, title: 'T', image: '/media/a.jpg', webp: false, color: '', price: 990, originalPrice: 1290, sales: 12,
    })
    expect(galleryOf({ images: ['/media/a.jpg', { url: '/media/b.jpg' }, ''] })).toEqual(['/media/a.jpg', '/media/b.jpg'])
    expect(turntableOf({})).toEqual([])
  })
})
