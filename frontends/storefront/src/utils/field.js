// uni-app's H5 <input> hands typing to v-model through a 100 ms throttle: text typed again within
// 100 ms of the last change reaches the model only when that timer fires, so a tap on the form's
// button right after could act on the previous text. The field's own value travels with its blur
// (raised before the tap's click) and its confirm; `syncField` writes it into the model first.

/**
 * The text of a uni-app input event (`detail.value`), or null when the event carries none.
 * @param {any} event
 * @returns {string | null}
 */
export function fieldText(event) {
  const value = event?.detail?.value
  return typeof value === 'string' ? value : null
}

/**
 * Write an input event's text into a ref (no change when the event carries none).
 * @param {{ value: string }} model
 * @param {any} event
 */
export function syncField(model, event) {
  const text = fieldText(event)
  if (text !== null) model.value = text
}
