// H5 only: uni-app renders its built-in components as custom elements (<uni-button>, <uni-input>)
// and its tab bar and page head as plain <div>s. This bridge gives them what a browser user needs:
// roles, keyboard focus, Enter/Space activation, and the page's aria-label on the real <input>.
// Templates keep declaring intent (role, aria-label); this file only carries it to the DOM.

const ACTIVATABLE = '[role=button],[role=link],[role=tab],[role=radio],[role=checkbox],[role=switch],[role=option],[role=menuitem]'
const NATIVE = new Set(['INPUT', 'TEXTAREA', 'SELECT', 'BUTTON', 'A'])

// Only touch an attribute when it changes: the MutationObserver below must not feed itself.
function setAttr(el, name, value) {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value)
}

function dropAttr(el, name) {
  if (el.hasAttribute(name)) el.removeAttribute(name)
}

function patchButtons(root) {
  for (const el of root.querySelectorAll('uni-button')) {
    if (!el.hasAttribute('role')) setAttr(el, 'role', 'button')
    const disabled = el.hasAttribute('disabled') && el.getAttribute('disabled') !== 'false'
    if (disabled) setAttr(el, 'aria-disabled', 'true')
    else dropAttr(el, 'aria-disabled')
    const tabindex = disabled ? '-1' : '0'
    setAttr(el, 'tabindex', tabindex)
  }
  for (const el of root.querySelectorAll(`${ACTIVATABLE}:not([tabindex])`)) {
    if (!NATIVE.has(el.tagName) && el.getAttribute('aria-disabled') !== 'true') el.setAttribute('tabindex', '0')
  }
}

// Templates label <input>/<textarea> with aria-* (the mini program reads them there); in H5 the
// attributes belong on the real field inside <uni-input>, and are not allowed on the role-less
// host, so they move.
const FIELD_ATTRS = ['aria-label', 'aria-describedby', 'aria-invalid', 'aria-required', 'autocomplete']

function patchFields(root) {
  for (const host of root.querySelectorAll('uni-input, uni-textarea')) {
    const inner = host.querySelector('input, textarea')
    if (!inner) continue
    for (const attr of FIELD_ATTRS) {
      const value = host.getAttribute(attr)
      if (value === null) continue
      setAttr(inner, attr, value)
      host.removeAttribute(attr)
    }
  }
}

function patchChrome(root) {
  const path = window.location.pathname.replace(/^\//, '')
  for (const item of root.querySelectorAll('.uni-tabbar__item')) {
    const label = item.querySelector('.uni-tabbar__label')
    setAttr(item, 'role', 'link')
    if (!item.hasAttribute('tabindex')) setAttr(item, 'tabindex', '0')
    if (label) setAttr(item, 'aria-label', label.textContent.trim())
    const target = item.dataset.path || ''
    if (target && path.startsWith(target)) setAttr(item, 'aria-current', 'page')
    else dropAttr(item, 'aria-current')
  }
  // <uni-image> renders an inner <img>; the host carries role="img" + aria-label (or is
  // decorative), so the inner one is always presentational.
  for (const img of root.querySelectorAll('uni-image img, uni-tabbar img, .uni-tabbar img, uni-page-head img')) {
    if (!img.hasAttribute('alt')) setAttr(img, 'alt', '')
  }
  for (const btn of root.querySelectorAll('.uni-page-head-btn')) {
    setAttr(btn, 'role', 'button')
    if (!btn.hasAttribute('tabindex')) setAttr(btn, 'tabindex', '0')
    if (!btn.hasAttribute('aria-label')) btn.setAttribute('aria-label', '返回')
  }
  for (const title of root.querySelectorAll('.uni-page-head__title')) {
    setAttr(title, 'role', 'heading')
    setAttr(title, 'aria-level', '1')
  }
  const nav = root.querySelector('uni-tabbar')
  if (nav && !nav.hasAttribute('role')) {
    setAttr(nav, 'role', 'navigation')
    setAttr(nav, 'aria-label', '主导航')
  }
  const head = root.querySelector('uni-page-head')
  if (head && !head.hasAttribute('role')) setAttr(head, 'role', 'banner')
  const body = root.querySelector('uni-page-body')
  if (body && !body.hasAttribute('role')) setAttr(body, 'role', 'main')
}

export function patchA11y(root = document) {
  patchButtons(root)
  patchFields(root)
  patchChrome(root)
}

function onKeydown(event) {
  if (event.key !== 'Enter' && event.key !== ' ') return
  const el = event.target
  if (!(el instanceof HTMLElement) || NATIVE.has(el.tagName)) return
  if (el.tagName !== 'UNI-BUTTON' && !el.matches(ACTIVATABLE) && !el.classList.contains('uni-tabbar__item')) return
  if (el.getAttribute('aria-disabled') === 'true') return
  event.preventDefault()
  el.click()
}

export function installA11yBridge(tabPaths = TAB_PATHS) {
  if (typeof document === 'undefined' || window.__shopletA11y) return
  window.__shopletA11y = true
  let scheduled = false
  const run = () => {
    scheduled = false
    const items = document.querySelectorAll(/** @type {'div'} */ ('.uni-tabbar__item'))
    items.forEach((item, i) => {
      if (tabPaths[i]) item.dataset.path = tabPaths[i]
    })
    patchA11y(document)
  }
  const schedule = () => {
    if (scheduled) return
    scheduled = true
    Promise.resolve().then(run)
  }
  new MutationObserver(schedule).observe(document.documentElement, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ['disabled', 'aria-label', 'aria-invalid'],
  })
  document.addEventListener('keydown', onKeydown, true)
  window.addEventListener('popstate', schedule)
  schedule()
}

// Same order as tabBar.list in pages.json.
export const TAB_PATHS = ['pages/index/index', 'pages/category/index', 'pages/cart/index', 'pages/me/index']
