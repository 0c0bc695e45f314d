() => {
  const NATIVE = new Set(['INPUT', 'TEXTAREA', 'SELECT', 'BUTTON', 'A'])
  const clickable = (el) => {
    if (el.classList.contains('uni-tabbar__item')) return true
    // Vue keeps an element's listeners under a Symbol('_vei') (a string key in older builds).
    const key = Object.getOwnPropertySymbols(el).find((k) => k.description === '_vei')
    const vei = key ? el[key] : el._vei
    if (!vei) return false
    return Object.keys(vei).some((k) => /^on(click|tap|longpress)/i.test(k) && vei[k] && vei[k].value)
  }
  const hidden = (el) => !el.getClientRects().length || el.closest('[aria-hidden="true"],[inert]')
    || getComputedStyle(el).visibility === 'hidden'
  const textName = (el) => {
    const by = (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean)
      .map((id) => (document.getElementById(id) || {}).textContent || '').join(' ')
    const inner = [...el.querySelectorAll('[aria-label]')].map((n) => n.getAttribute('aria-label')).join(' ')
    return (el.getAttribute('aria-label') || by || el.innerText || inner || el.getAttribute('title') || '').trim()
  }
  const describe = (el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} "${(el.innerText || '').trim().slice(0, 30)}"`
  const problems = []
  let count = 0
  for (const el of document.querySelectorAll('uni-page-body *, uni-tabbar *, .uni-page-head-btn')) {
    if (!clickable(el) || hidden(el)) continue
    // Presses that only stop a click from reaching the layer behind (a sheet's body) do nothing.
    if (el.hasAttribute('data-click-guard')) continue
    count += 1
    // <navigator> is a host around a real link (uni-app H5): the link is the Tab stop.
    const link = el.tagName === 'UNI-NAVIGATOR' && el.querySelector(':scope > a[href]')
    const focusable = link ? link.tabIndex >= 0 : NATIVE.has(el.tagName) ? !el.disabled : el.tabIndex >= 0
    if (!focusable && el.getAttribute('aria-disabled') !== 'true') problems.push(`not focusable: ${describe(el)}`)
    if (!textName(el)) problems.push(`no name: ${describe(el)}`)
  }
  return { count, problems }
}
