import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { installA11yBridge, patchA11y, tabbables, topDialog } from '../../src/platform/a11y-h5'

function html(markup) {
  document.body.innerHTML = markup
  return document
}

describe('H5 accessibility bridge', () => {
  it('makes uni buttons focusable buttons, and disabled ones unfocusable', () => {
    const doc = html('<uni-button id="a">买</uni-button><uni-button id="b" disabled="">卖</uni-button>')
    patchA11y(doc)
    expect(doc.getElementById('a').getAttribute('role')).toBe('button')
    expect(doc.getElementById('a').getAttribute('tabindex')).toBe('0')
    expect(doc.getElementById('b').getAttribute('tabindex')).toBe('-1')
    expect(doc.getElementById('b').getAttribute('aria-disabled')).toBe('true')
  })

  it('carries the label from <uni-input> to the real input', () => {
    const doc = html('<uni-input aria-label="手机号" aria-invalid="true"><div><input class="uni-input-input"></div></uni-input>')
    patchA11y(doc)
    const input = doc.querySelector('input')
    expect(input.getAttribute('aria-label')).toBe('手机号')
    expect(input.getAttribute('aria-invalid')).toBe('true')
    expect(doc.querySelector('uni-input').hasAttribute('aria-label')).toBe(false)
  })

  it('turns the tab bar into links and the back arrow into a button', () => {
    const doc = html(
      '<uni-tabbar><div class="uni-tabbar__item"><div class="uni-tabbar__icon"><img src="x.png"></div><div class="uni-tabbar__label">首页</div></div></uni-tabbar>' +
        '<uni-page-head><div class="uni-page-head-btn"></div></uni-page-head>',
    )
    patchA11y(doc)
    const item = doc.querySelector('.uni-tabbar__item')
    expect(item.getAttribute('role')).toBe('link')
    expect(item.getAttribute('aria-label')).toBe('首页')
    expect(doc.querySelector('img').getAttribute('alt')).toBe('')
    expect(doc.querySelector('uni-tabbar').getAttribute('role')).toBe('navigation')
    expect(doc.querySelector('.uni-page-head-btn').getAttribute('aria-label')).toBe('返回')
  })

  it('activates role=button/radio elements with Enter and Space', async () => {
    installA11yBridge()
    const doc = html('<div id="r" role="radio" aria-checked="false">红</div><div id="d" role="button" aria-disabled="true">x</div>')
    let clicks = 0
    doc.getElementById('r').addEventListener('click', () => (clicks += 1))
    doc.getElementById('d').addEventListener('click', () => (clicks += 100))
    await Promise.resolve()
    await Promise.resolve()
    expect(doc.getElementById('r').getAttribute('tabindex')).toBe('0')
    for (const key of ['Enter', ' ']) {
      doc.getElementById('r').dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }))
    }
    doc.getElementById('d').dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }))
    expect(clicks).toBe(2)
  })
})

describe('H5 modal dialogs', () => {
  // jsdom lays nothing out: every element counts as shown.
  const rects = Element.prototype.getClientRects
  beforeAll(() => {
    Element.prototype.getClientRects = function () {
      return /** @type {any} */ ([{ width: 1, height: 1 }])
    }
  })
  afterAll(() => {
    Element.prototype.getClientRects = rects
  })

  const settle = async () => {
    for (let i = 0; i < 4; i++) await Promise.resolve()
  }
  const key = (k, shiftKey = false) =>
    document.activeElement.dispatchEvent(new KeyboardEvent('keydown', { key: k, shiftKey, bubbles: true, cancelable: true }))

  it('moves focus in, keeps Tab inside, closes on Escape and gives focus back to the opener', async () => {
    installA11yBridge()
    document.body.innerHTML = '<button id="open">选择规格</button><div id="page"><button id="other">其他</button></div>'
    const opener = document.getElementById('open')
    opener.focus()
    const sheet = document.createElement('div')
    sheet.setAttribute('role', 'dialog')
    sheet.setAttribute('aria-modal', 'true')
    sheet.innerHTML =
      '<div id="close" role="button" aria-label="关闭" data-dismiss></div>' +
      '<div id="red" role="radio" aria-checked="false">红</div>' +
      '<uni-button id="add">加入购物车</uni-button><uni-button id="off" disabled="">立即购买</uni-button>'
    let closed = 0
    sheet.querySelector('#close').addEventListener('click', () => {
      closed += 1
      sheet.remove()
    })
    document.body.append(sheet)
    await settle()
    expect(topDialog()).toBe(sheet)
    expect(tabbables(sheet).map((el) => el.id)).toEqual(['close', 'red', 'add'])
    expect(document.activeElement.id).toBe('close')

    document.getElementById('add').focus()
    key('Tab')
    expect(document.activeElement.id).toBe('close')
    key('Tab', true)
    expect(document.activeElement.id).toBe('add')
    // Focus that escaped (a click on the page behind) is brought back by the next Tab.
    document.getElementById('other').focus()
    key('Tab')
    expect(document.activeElement.id).toBe('close')

    key('Escape')
    expect(closed).toBe(1)
    await settle()
    expect(topDialog()).toBe(null)
    expect(document.activeElement).toBe(opener)
  })

  it('names the image preview and its close button', async () => {
    document.body.innerHTML = '<div id="u-a-p"><div><div class="swiper"></div><div><svg></svg></div></div></div>'
    patchA11y(document)
    const viewer = document.querySelector('#u-a-p > div')
    expect(viewer.getAttribute('role')).toBe('dialog')
    expect(viewer.getAttribute('aria-label')).toBe('图片预览')
    const close = viewer.lastElementChild
    expect([close.getAttribute('role'), close.getAttribute('aria-label'), close.getAttribute('tabindex')]).toEqual(['button', '关闭预览', '0'])
    await settle()
  })
})

describe('H5 uni.showModal', () => {
  const MODAL = `<div id="u-a-m"><uni-modal style=""><div class="uni-mask"></div><div class="uni-modal">
    <div class="uni-modal__hd"><strong class="uni-modal__title">安全验证</strong></div>
    <textarea class="uni-modal__textarea" placeholder="请输入验证码（已发送至 138****1111）"></textarea>
    <div class="uni-modal__ft"><div class="uni-modal__btn uni-modal__btn_default">取消</div>
    <div class="uni-modal__btn uni-modal__btn_primary">验证</div></div></div></uni-modal></div>`

  it('is a named modal dialog with a labelled field and focusable buttons while shown', () => {
    document.body.innerHTML = MODAL
    patchA11y(document)
    const box = document.querySelector('.uni-modal')
    expect([box.getAttribute('role'), box.getAttribute('aria-modal')]).toEqual(['dialog', 'true'])
    expect(document.getElementById(box.getAttribute('aria-labelledby')).textContent).toBe('安全验证')
    expect(document.querySelector('textarea').getAttribute('aria-label')).toBe('请输入验证码（已发送至 138****1111）')
    const buttons = [...box.querySelectorAll('.uni-modal__btn')]
    expect(buttons.map((b) => [b.getAttribute('role'), b.getAttribute('tabindex')])).toEqual([
      ['button', '0'],
      ['button', '0'],
    ])
    expect(buttons[0].hasAttribute('data-dismiss')).toBe(true)
  })

  it('is no dialog while hidden', () => {
    document.body.innerHTML = MODAL
    patchA11y(document)
    document.querySelector('uni-modal').style.display = 'none'
    patchA11y(document)
    expect(document.querySelector('.uni-modal').hasAttribute('role')).toBe(false)
  })
})

describe('H5 swiper dots', () => {
  it('makes each dot a named button', () => {
    const doc = html('<div class="uni-swiper-dots"><div class="uni-swiper-dot uni-swiper-dot-active"></div><div class="uni-swiper-dot"></div></div>')
    patchA11y(doc)
    const dots = [...doc.querySelectorAll('.uni-swiper-dot')]
    expect(dots.map((d) => [d.getAttribute('role'), d.getAttribute('aria-label'), d.getAttribute('tabindex')])).toEqual([
      ['button', '第 1 张，共 2 张', '0'],
      ['button', '第 2 张，共 2 张', '0'],
    ])
  })
})
