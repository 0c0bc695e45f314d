/** Product imports (导入商品): the rows a refused file lists, as a table and as a CSV to download. */
import { ApiError } from '@/api/client'
import type { BulkJob } from '@/api/types'
import { errorText } from '@shoplet/shared'

/** One bad row of a refused import (problem extension `errors`). */
export interface ImportRowError {
  row: number | null
  column: string | null
  code: string
  detail: string
  message?: string
}

export const IMPORT_COLUMN_LABELS: Record<string, string> = {
  title: '标题',
  category: '分类',
  price: '价格',
  stock: '库存',
  original_price: '原价',
  spec: '规格',
  sku_code: '商家编码',
  barcode: '条码',
  subtitle: '副标题',
  description: '描述',
  brand: '品牌',
  tags: '标签',
  image: '图片',
}

export function importErrors(error: unknown): ImportRowError[] {
  if (!(error instanceof ApiError) || !Array.isArray(error.problem.errors)) return []
  return error.problem.errors as ImportRowError[]
}

/** How many bad rows there were in all (the list may be cut short). */
export function importErrorCount(error: unknown): number {
  if (!(error instanceof ApiError)) return 0
  const count = error.problem.error_count
  return typeof count === 'number' ? count : importErrors(error).length
}

export function reasonOf(e: ImportRowError): string {
  return errorText(e.code) || e.message || e.detail
}

export function columnOf(e: ImportRowError): string {
  if (!e.column) return ''
  return IMPORT_COLUMN_LABELS[e.column] ?? e.column
}

function cell(value: string | number | null): string {
  const text = value === null ? '' : String(value)
  // Quote always; a leading = + - @ would be a formula in Excel.
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text
  return `"${safe.replace(/"/g, '""')}"`
}

/** The bad rows as a CSV Excel opens in Chinese (UTF-8 with a BOM). */
export function errorsCsv(rows: ImportRowError[]): string {
  const lines = [['行号', '列', '原因', '代码', '说明'].map(cell).join(',')]
  for (const e of rows) {
    lines.push([e.row, columnOf(e), reasonOf(e), e.code, e.detail].map(cell).join(','))
  }
  return `\ufeff${lines.join('\r\n')}\r\n`
}

/** The finished job's summary in one sentence. */
export function summaryText(job: Pick<BulkJob, 'result'>): string {
  const s = job.result.summary
  if (!s) return ''
  const parts = [
    `新建商品 ${s.products_created} 个${s.drafts ? `（其中 ${s.drafts} 个无图片，已存为草稿）` : ''}`,
    `更新商品 ${s.products_updated} 个`,
    `新建规格 ${s.skus_created} 个`,
    `更新规格 ${s.skus_updated} 个`,
    `跳过已有规格 ${s.skus_skipped} 个`,
    `新建分类 ${s.categories_created} 个`,
  ]
  return `${parts.join('，')}；用时 ${s.seconds.toFixed(1)} 秒`
}
