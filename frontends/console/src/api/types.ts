/**
 * Shapes the console works with. Operations in the schema snapshot take their types from the
 * generated `schema.d.ts`; planned operations (not served yet) use the shapes of the API contract
 * (docs/console.md) and move to generated types when the backend lands.
 */
import type { components } from './schema'

type S = components['schemas']

export type TokenResponse = S['TokenResponse']
export type StaffProfile = S['StaffProfile']
export type MfaEnrollment = S['MfaEnrollment']
export type StaffAccount = S['StaffAccount']
export type StaffCreate = S['StaffCreate']
export type StaffUpdate = S['StaffUpdate']
export type AuditEntry = S['AuditEntry']
export type LoginRequest = S['LoginRequest']
export type Role = StaffProfile['role']

export interface Page<T> {
  items: T[]
  next_cursor: string | null
}

// ---- catalog ----
export type Category = S['Category']
export type ProductAdmin = S['ProductAdmin']
export type SkuAdmin = S['SkuAdmin']
export type SpecValue = SkuAdmin['specs'][number]
export type ProductStatus = ProductAdmin['status']
export type ProductCreate = S['ProductCreate']
export type ProductUpdate = S['ProductUpdate']
export type SkuCreate = S['SkuCreate']
export type SkuUpdate = S['SkuUpdate']
export type StockLevel = S['StockLevelOut']
export type LedgerEntry = S['LedgerEntry']

// ---- trade (planned) ----
export type OrderStatus =
  | 'pending_payment'
  | 'paid'
  | 'shipped'
  | 'received'
  | 'completed'
  | 'cancelled'
  | 'after_sale'

export interface OrderLine {
  sku_id: number
  product_id?: number
  title: string
  spec_text?: string
  image?: string | null
  quantity: number
  price: number
}

export interface OrderAmounts {
  items_total: number
  shipping_fee: number
  discount_total: number
  payable_total: number
}

export interface OrderEvent {
  at: string
  from: string | null
  to: string
  actor?: string | null
  reason?: string | null
}

export interface OrderSummary {
  order_no: string
  status: OrderStatus
  created_at: string
  payable_total: number
  item_count?: number
  buyer_phone?: string | null
  recipient?: string | null
  lines?: OrderLine[]
}

export interface OrderDetail extends OrderSummary {
  lines: OrderLine[]
  amounts?: OrderAmounts
  address?: Record<string, string | null> | null
  timeline: OrderEvent[]
  expires_at?: string | null
  shipment?: { carrier: string; tracking_no: string; shipped_at?: string } | null
  remark?: string | null
}

export type AftersaleStatus = 'pending' | 'approved' | 'rejected' | 'refunded' | 'closed'

export interface Aftersale {
  aftersale_no: string
  order_no: string
  kind: 'refund_only' | 'return_refund'
  reason: string
  amount: number
  status: AftersaleStatus | string
  created_at: string
  reject_reason?: string | null
}

export interface ExportJob {
  job_id: string
  status: 'pending' | 'running' | 'done' | 'failed' | string
  progress: number
  total: number
  download_url: string | null
}

export interface DashboardFigures {
  gmv: number
  orders: number
  paying_shoppers: number
  aov: number
}

export interface Dashboard {
  today: DashboardFigures
  yesterday: DashboardFigures
  trend: { date: string; gmv: number; orders: number }[]
  top_products: { product_id: number; title: string; units: number; gmv: number }[]
  low_stock: {
    sku_id: number
    product_id: number
    title: string
    spec_text?: string
    available: number
  }[]
}
