// One glossary (frontends/shared/src/labels.ts): every status the backend can return has its
// words there, and no page of the shop or the console spells a status or money word by hand.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  formatFen,
  MONEY_LABELS,
  ORDER_STATUS_LABELS,
  shippingText,
  STATUS_GLOSSARIES,
} from '@shoplet/shared'

const REPO = resolve(__dirname, '../../../..')
const read = (path) => readFileSync(join(REPO, path), 'utf8')

/** The quoted names of a Python `Name = Literal[...]` or `NAME = (...)` in a backend file. */
function pythonNames(path, name) {
  const source = read(path)
  const match = source.match(new RegExp(`^${name} = (?:Literal\\[|\\()([^\\])]*)[\\])]`, 'm'))
  if (!match) throw new Error(`${name} not found in ${path}`)
  return [...match[1].matchAll(/"([a-z_]+)"/g)].map((m) => m[1])
}

function files(dir, ext = '.vue') {
  const out = []
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name)
      if (statSync(path).isDirectory()) walk(path)
      else if (path.endsWith(ext)) out.push(path)
    }
  }
  walk(join(REPO, dir))
  return out
}

// The screens: storefront pages and components, console views.
const SCREENS = [
  ...files('frontends/storefront/src/pages'),
  ...files('frontends/storefront/src/components'),
  ...files('frontends/console/src/views'),
]

const OWNED = [
  ...new Set([...Object.values(STATUS_GLOSSARIES).flatMap((map) => Object.values(map)), ...Object.values(MONEY_LABELS)]),
]

const escape = (word) => word.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

/**
 * The places in `source` where `word` is a whole literal: the entire text of a string
 * ('待付款', label="实付") or of an element (<text>合计：</text>), a trailing colon allowed.
 * Sentences that merely contain the word (订单已取消, 已同意，退款处理中) are fine.
 */
export function literalUses(source, word) {
  const re = new RegExp(`(['"\`>])\\s*${escape(word)}\\s*[：:]?\\s*(['"\`<])`, 'g')
  return [...source.matchAll(re)].filter((m) => m[1] === '>' ? m[2] === '<' : m[1] === m[2]).map((m) => m.index)
}

describe('the glossary', () => {
  it('labels every order status the backend knows, in the shopper\'s words', () => {
    for (const status of pythonNames('src/shoplet/modules/orders/schemas.py', 'ListStatus')) {
      expect(ORDER_STATUS_LABELS[status], status).toBeTruthy()
    }
    expect(ORDER_STATUS_LABELS).toMatchObject({
      pending_payment: '待付款',
      paid: '待发货',
      shipped: '待收货',
      received: '待评价',
      completed: '已完成',
      cancelled: '已取消',
    })
  })

  it('labels every after-sale, payment and refund status', () => {
    const backend = {
      aftersale: pythonNames('src/shoplet/modules/orders/states.py', 'AfterSaleStatus'),
      payment: pythonNames('src/shoplet/modules/payments/models.py', 'PAYMENT_STATUSES'),
      refund: pythonNames('src/shoplet/modules/payments/models.py', 'REFUND_STATUSES'),
      moderation: pythonNames('src/shoplet/modules/moderation/models.py', 'STATUSES'),
      support: pythonNames('src/shoplet/modules/support/models.py', 'ConversationStatus'),
      live: pythonNames('src/shoplet/modules/live/models.py', 'SessionStatus'),
      invoice: pythonNames('src/shoplet/modules/invoicing/models.py', 'INVOICE_STATUSES'),
      experiment: pythonNames('src/shoplet/modules/experiments/models.py', 'STATUSES'),
      storeMethod: pythonNames('src/shoplet/modules/stores/schemas.py', 'StoreMethod'),
      model3d: pythonNames('src/shoplet/modules/catalog/schemas.py', 'ModelStatus'),
    }
    for (const [kind, statuses] of Object.entries(backend)) {
      expect(statuses.length, kind).toBeGreaterThan(2)
      for (const status of statuses) expect(STATUS_GLOSSARIES[kind][status], `${kind}.${status}`).toBeTruthy()
    }
  })

  it('says 包邮 for a zero shipping fee, never ¥0.00', () => {
    expect(shippingText(0)).toBe('包邮')
    expect(shippingText('0')).toBe('包邮')
    expect(shippingText(800)).toBe(formatFen(800))
    expect(shippingText(null)).toBe('—')
    expect(MONEY_LABELS).toMatchObject({ total: '合计', payable: '实付', discount: '优惠', shipping: '运费' })
  })

  it('finds whole-literal uses and ignores sentences', () => {
    expect(literalUses(`<text>合计：</text>`, '合计')).toHaveLength(1)
    expect(literalUses(`{ label: '待付款' }`, '待付款')).toHaveLength(1)
    expect(literalUses(`<el-table-column label="实付" width="120">`, '实付')).toHaveLength(1)
    expect(literalUses(`toast('订单已取消')`, '已取消')).toHaveLength(0)
    expect(literalUses(`ElMessage.success('已同意，退款处理中')`, '已同意')).toHaveLength(0)
    expect(literalUses(`<dt>{{ MONEY_LABELS.payable }}</dt>`, '实付')).toHaveLength(0)
  })

  it('owns every status and money word: no screen hard-codes one', () => {
    expect(SCREENS.length).toBeGreaterThan(20)
    const offences = []
    for (const path of SCREENS) {
      const source = readFileSync(path, 'utf8')
      for (const word of OWNED) {
        for (const index of literalUses(source, word)) {
          const line = source.slice(0, index).split('\n').length
          offences.push(`${relative(REPO, path)}:${line} hard-codes 「${word}」`)
        }
      }
    }
    expect(offences, 'use the labels of @shoplet/shared (labels.ts) instead').toEqual([])
  })
})
