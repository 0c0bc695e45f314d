/** Accessibility patches for Element Plus widgets that need them. */
import type { Directive } from 'vue'

function patch(el: HTMLElement, label: string | undefined): void {
  const input = el.querySelector<HTMLInputElement>('input.el-input__inner')
  if (!input) return
  // ElCascader's tooltip puts aria-expanded on a plain text input, which only a combobox may
  // carry (axe: aria-allowed-attr, critical); the input does open a popup, so say so.
  input.setAttribute('role', 'combobox')
  input.setAttribute('aria-haspopup', 'tree')
  if (!input.hasAttribute('aria-expanded')) input.setAttribute('aria-expanded', 'false')
  if (label) input.setAttribute('aria-label', label)
}

/** `v-combobox="'类目'"` on an element wrapping an ElCascader. */
export const vCombobox: Directive<HTMLElement, string | undefined> = {
  mounted: (el, binding) => patch(el, binding.value),
  updated: (el, binding) => patch(el, binding.value),
}

function labelRange(el: HTMLElement, labels: [string, string] | undefined): void {
  const inputs = el.querySelectorAll<HTMLInputElement>('input')
  const [start, end] = labels ?? ['开始日期', '结束日期']
  if (inputs[0]) inputs[0].setAttribute('aria-label', start)
  if (inputs[1]) inputs[1].setAttribute('aria-label', end)
}

/** `v-range-labels` on an element wrapping an ElDatePicker of a range: names its two inputs. */
export const vRangeLabels: Directive<HTMLElement, [string, string] | undefined> = {
  mounted: (el, binding) => labelRange(el, binding.value),
  updated: (el, binding) => labelRange(el, binding.value),
}

const observers = new WeakMap<HTMLElement, MutationObserver>()

function dropMixedOnLabels(root: HTMLElement): void {
  // ElCheckbox puts aria-checked="mixed" on its <label> while indeterminate (a table's "select
  // all" with some rows ticked), which a label may not carry (axe: aria-allowed-attr,
  // critical). The native checkbox inside already tells assistive technology it is mixed.
  root.querySelectorAll('label[aria-checked]').forEach((label) => label.removeAttribute('aria-checked'))
}

/** `v-checkbox-labels` on an ElTable with a selection column (or anything with ElCheckboxes). */
export const vCheckboxLabels: Directive<HTMLElement> = {
  mounted(el) {
    dropMixedOnLabels(el)
    const observer = new MutationObserver(() => dropMixedOnLabels(el))
    observer.observe(el, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-checked'] })
    observers.set(el, observer)
  },
  unmounted(el) {
    observers.get(el)?.disconnect()
    observers.delete(el)
  },
}

function focusableScroll(el: HTMLElement, label: string | undefined): void {
  // A wide ElTable scrolls sideways inside its own wrapper, which keyboard users cannot reach
  // unless it takes focus (axe: scrollable-region-focusable, serious).
  for (const wrap of el.querySelectorAll<HTMLElement>('.el-scrollbar__wrap')) {
    wrap.setAttribute('tabindex', '0')
    if (label) wrap.setAttribute('aria-label', label)
  }
}

/** `v-scroll-focusable="'表名'"` on an element wrapping a wide ElTable. */
export const vScrollFocusable: Directive<HTMLElement, string | undefined> = {
  mounted: (el, binding) => focusableScroll(el, binding.value),
  updated: (el, binding) => focusableScroll(el, binding.value),
}
