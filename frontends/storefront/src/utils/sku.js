// SKU selection: given the product's specs [{name, values}] and skus [{id, specs:[{name,value}],
// available, ...}], work out which values can still be chosen and which SKU a choice means.

function specMap(sku) {
  const map = {}
  for (const s of sku.specs || []) map[s.name] = s.value
  return map
}

function matches(sku, chosen) {
  const map = specMap(sku)
  return Object.entries(chosen).every(([name, value]) => value == null || map[name] === value)
}

/** The SKU whose specs equal the choice exactly, or null while the choice is incomplete. */
export function findSku(product, chosen) {
  const specs = product.specs || []
  if (specs.some((s) => chosen[s.name] == null)) return null
  return (product.skus || []).find((sku) => matches(sku, chosen)) || null
}

/**
 * Whether `value` of spec `name` can be picked given the other choices: some SKU with that value
 * (and the other chosen values) has stock. Out-of-stock values stay visible but disabled.
 */
export function isValueAvailable(product, chosen, name, value) {
  const trial = { ...chosen, [name]: value }
  return (product.skus || []).some((sku) => matches(sku, trial) && sku.available > 0)
}

/** A first choice: the single value of every one-value spec, else the first SKU with stock. */
export function initialChoice(product) {
  const specs = product.specs || []
  const firstInStock = (product.skus || []).find((sku) => sku.available > 0)
  if (!firstInStock) return Object.fromEntries(specs.map((s) => [s.name, null]))
  return specMap(firstInStock)
}

/** "颜色:黑色 / 容量:128G" for a choice (unchosen specs left out). */
export function choiceText(product, chosen) {
  return (product.specs || [])
    .filter((s) => chosen[s.name] != null)
    .map((s) => chosen[s.name])
    .join(' / ')
}

/** Lowest and highest price among the SKUs, for "¥99 起" on cards. */
export function priceRange(product) {
  const prices = (product.skus || []).map((s) => s.price).filter(Number.isInteger)
  if (!prices.length) return { min: product.price ?? null, max: product.price ?? null }
  return { min: Math.min(...prices), max: Math.max(...prices) }
}

/** At or under this many units an option says 「仅剩 N 件」. */
export const LOW_STOCK = 10

/**
 * Units in stock for `value` of spec `name` given the other choices: the sum over the SKUs that
 * have that value and match the other chosen values (a choice still open counts every SKU).
 */
export function valueStock(product, chosen, name, value) {
  const trial = { ...chosen, [name]: value }
  return (product.skus || []).filter((sku) => matches(sku, trial)).reduce((n, sku) => n + Math.max(0, sku.available || 0), 0)
}

/**
 * The options of every spec with their stock, for the SKU sheet: `disabled` (sold out given the
 * other choices), `note` 「仅剩 N 件」 when low, '无货' when none.
 * @returns {{ name: string, values: { value: string, stock: number, disabled: boolean, selected: boolean, note: string }[] }[]}
 */
export function specOptions(product, chosen) {
  return (product.specs || []).map((spec) => ({
    name: spec.name,
    values: spec.values.map((value) => {
      const stock = valueStock(product, chosen, spec.name, value)
      return {
        value,
        stock,
        disabled: stock <= 0,
        selected: chosen[spec.name] === value,
        note: stock <= 0 ? '无货' : stock <= LOW_STOCK ? `仅剩 ${stock} 件` : '',
      }
    }),
  }))
}

/** The stock line of the chosen SKU: 「仅剩 N 件」 when low, 「库存 N 件」 otherwise. */
export function stockText(product, sku) {
  if (!(product.skus || []).some((s) => s.available > 0)) return '已售罄'
  if (!sku) return ''
  if (sku.available <= 0) return '暂时无货'
  return sku.available <= LOW_STOCK ? `仅剩 ${sku.available} 件` : `库存 ${sku.available} 件`
}
