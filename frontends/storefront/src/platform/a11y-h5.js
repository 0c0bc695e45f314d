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
  // <swiper indicator-dots>: each dot jumps to its slide on a click; it becomes a named button.
  for (const dots of root.querySelectorAll('.uni-swiper-dots')) {
    const all = [...dots.children]
    all.forEach((dot, i) => {
      setAttr(dot, 'role', 'button')
      setAttr(dot, 'aria-label', `第 ${i + 1} 张，共 ${all.length} 张`)
      if (!dot.hasAttribute('tabindex')) setAttr(dot, 'tabindex', '0')
    })
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

// uni.previewImage (H5) mounts a full-screen viewer in #u-a-p: a modal with a close button. It
// already closes with Escape; it gets the dialog role and a named, focusable close button here.
function patchPreview(root) {
  const viewer = root.querySelector('#u-a-p > div')
  if (!viewer) return
  setAttr(viewer, 'role', 'dialog')
  setAttr(viewer, 'aria-modal', 'true')
  setAttr(viewer, 'aria-label', '图片预览')
  const close = viewer.lastElementChild
  if (close && close.tagName === 'DIV' && close.querySelector('svg')) {
    setAttr(close, 'role', 'button')
    setAttr(close, 'aria-label', '关闭预览')
    if (!close.hasAttribute('tabindex')) setAttr(close, 'tabindex', '0')
  }
}

// uni.showModal (H5) mounts its dialog in #u-a-m as plain <div>s: no dialog role or name, an
// unlabelled <textarea> when editable, and buttons a keyboard cannot reach. While it is shown it
// becomes a named modal dialog (title as name, text as description), the field is named by its
// placeholder, the buttons are focusable buttons and Cancel answers Escape ([data-dismiss]).
// Hidden (v-show), it is no dialog at all, so the focus trap lets go.
let modalIds = 0

function patchModal(root) {
  for (const box of root.querySelectorAll('uni-modal .uni-modal')) {
    const host = /** @type {HTMLElement} */ (box.parentElement)
    if (host.style.display === 'none') {
      dropAttr(box, 'role')
      dropAttr(box, 'aria-modal')
      continue
    }
    setAttr(box, 'role', 'dialog')
    setAttr(box, 'aria-modal', 'true')
    const title = box.querySelector('.uni-modal__title')
    if (title) {
      if (!title.id) title.id = `uni-modal-title-${(modalIds += 1)}`
      setAttr(box, 'aria-labelledby', title.id)
    }
    const text = box.querySelector('.uni-modal__bd')
    if (text) {
      if (!text.id) text.id = `uni-modal-text-${(modalIds += 1)}`
      setAttr(box, 'aria-describedby', text.id)
    } else dropAttr(box, 'aria-describedby')
    const field = box.querySelector('.uni-modal__textarea')
    if (field) setAttr(field, 'aria-label', field.getAttribute('placeholder') || '输入内容')
    for (const btn of box.querySelectorAll('.uni-modal__btn')) {
      setAttr(btn, 'role', 'button')
      if (!btn.hasAttribute('tabindex')) setAttr(btn, 'tabindex', '0')
    }
    const cancel = box.querySelector('.uni-modal__btn_default')
    if (cancel) setAttr(cancel, 'data-dismiss', '')
  }
}

export function patchA11y(root = document) {
  patchButtons(root)
  patchFields(root)
  patchChrome(root)
  patchPreview(root)
  patchModal(root)
}

// ---- Modal dialogs (the SKU sheet, the payment sheet, the image preview): focus moves in when
// one opens, Tab and Shift+Tab stay inside, Escape closes it (a click on its [data-dismiss]
// control), and focus goes back to the control that opened it.

const DIALOG = '[role=dialog][aria-modal=true], [role=alertdialog][aria-modal=true]'
const TABBABLE = 'input, textarea, select, button, a[href], [tabindex]'

function isShown(el) {
  return el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden'
}

/**
 * The open modal on top (the last one in the document), or null.
 * @returns {HTMLElement | null}
 */
export function topDialog(root = document) {
  const open = [...root.querySelectorAll(/** @type {'div'} */ (DIALOG))].filter((el) => el.isConnected && !el.closest('[aria-hidden="true"]'))
  return open.length ? open[open.length - 1] : null
}

/** The elements Tab visits inside `container`, in order. */
export function tabbables(container) {
  return [...container.querySelectorAll(TABBABLE)].filter((el) => {
    const tabindex = el.getAttribute('tabindex')
    if (tabindex !== null && Number(tabindex) < 0) return false
    if (el.hasAttribute('disabled') || el.getAttribute('aria-disabled') === 'true') return false
    if (el.closest('[aria-hidden="true"]')) return false
    // uni-app's <input> hosts: the real field inside is the stop.
    if (el.tagName === 'UNI-INPUT' || el.tagName === 'UNI-TEXTAREA') return false
    return isShown(el)
  })
}

const modal = { dialog: /** @type {HTMLElement | null} */ (null), opener: /** @type {HTMLElement | null} */ (null) }

function focusInto(dialog) {
  if (dialog.contains(document.activeElement)) return
  const [first] = tabbables(dialog)
  const target = first || dialog
  if (target === dialog && !dialog.hasAttribute('tabindex')) dialog.setAttribute('tabindex', '-1')
  target.focus()
}

/** Called after every DOM change: notice a modal opening or closing. */
export function trackDialogs(doc = document) {
  const top = topDialog(doc)
  if (top === modal.dialog) return
  if (top && !modal.dialog) {
    const active = doc.activeElement
    modal.opener = active instanceof HTMLElement && active !== doc.body ? active : null
  }
  if (!top && modal.dialog) {
    const opener = modal.opener
    modal.opener = null
    modal.dialog = null
    // Back to the opener, unless the page has moved focus somewhere meaningful itself.
    const lost = !doc.activeElement || doc.activeElement === doc.body || !doc.activeElement.isConnected
    if (opener && opener.isConnected && lost) opener.focus()
    return
  }
  modal.dialog = top
  if (top) focusInto(top)
}

function onDialogKeydown(event) {
  const dialog = modal.dialog && modal.dialog.isConnected ? modal.dialog : topDialog()
  if (!dialog) return false
  if (event.key === 'Escape') {
    const dismiss = dialog.querySelector(/** @type {'div'} */ ('[data-dismiss]'))
    if (!dismiss) return false
    event.preventDefault()
    dismiss.click()
    return true
  }
  if (event.key !== 'Tab') return false
  const stops = tabbables(dialog)
  if (!stops.length) {
    event.preventDefault()
    return true
  }
  const first = stops[0]
  const last = stops[stops.length - 1]
  const active = document.activeElement
  const inside = dialog.contains(active)
  if (!inside || (event.shiftKey && (active === first || active === dialog)) || (!event.shiftKey && active === last)) {
    event.preventDefault()
    ;(event.shiftKey ? last : first).focus()
  }
  return true
}

function onKeydown(event) {
  if (onDialogKeydown(event)) return
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
  const watched = new WeakSet()
  const run = () => {
    scheduled = false
    const items = document.querySelectorAll(/** @type {'div'} */ ('.uni-tabbar__item'))
    items.forEach((item, i) => {
      if (tabPaths[i]) item.dataset.path = tabPaths[i]
    })
    patchA11y(document)
    trackDialogs(document)
    // uni.showModal shows and hides its one dialog by its style alone: watched here, not
    // everywhere (every style change of the page would wake the bridge).
    const modalRoot = document.getElementById('u-a-m')
    if (modalRoot && !watched.has(modalRoot)) {
      watched.add(modalRoot)
      new MutationObserver(schedule).observe(modalRoot, { subtree: true, attributes: true, attributeFilter: ['style'] })
    }
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
    attributeFilter: ['disabled', 'aria-label', 'aria-invalid', 'aria-modal', 'aria-hidden'],
  })
  document.addEventListener('keydown', onKeydown, true)
  window.addEventListener('popstate', schedule)
  schedule()
}

// Same order as tabBar.list in pages.json.
export const TAB_PATHS = ['pages/index/index', 'pages/category/index', 'pages/cart/index', 'pages/me/index']
