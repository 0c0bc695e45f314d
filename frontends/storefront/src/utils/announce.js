// Screen-reader announcements: PageShell renders one polite live region per page that reads
// `announcement.text`; stores call announce() after changes a shopper cannot see happen (a
// product added to the cart from a page without the cart on screen).
import { reactive } from 'vue'

export const announcement = reactive({ text: '', seq: 0 })

/** Set the live region's text; the same text twice in a row is announced twice. */
export function announce(text) {
  announcement.seq += 1
  const mine = announcement.seq
  announcement.text = ''
  // Assistive technology announces a change of the region's text: clear first, then set.
  Promise.resolve().then(() => {
    if (announcement.seq === mine) announcement.text = String(text || '')
  })
}

/** @param {number} count the units now in the cart */
export function cartAddedText(count) {
  return `已加入购物车，共 ${count} 件`
}
