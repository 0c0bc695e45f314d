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
