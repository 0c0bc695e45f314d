import { describe, expect, it } from 'vitest'
import { installA11yBridge, patchA11y } from '../../src/platform/a11y-h5'

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
