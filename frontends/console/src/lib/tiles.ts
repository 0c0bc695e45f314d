/**
 * The tile model of the console's boards (经营看板, 运营看板, 一线看板, 销售看板, 实时概览,
 * 数据概览): what `TileGrid` shows. Values arrive formatted (money, units, rates are the page's
 * business); a tile with `to` is a drill-down link, whose query keeps the page's filters.
 */
import type { RouteLocationRaw } from 'vue-router'

/** A left border telling how urgent a tile is (一线看板). */
export type TileTone = 'ok' | 'warn' | 'bad'

export interface TileChange {
  text: string
  /** A colour the merchant chose for rises and falls (红涨绿跌 or 绿涨红跌). */
  color?: string
  /** A class naming the direction (`up`, `down`, `flat`). */
  trend?: string
}

export interface Tile {
  /** Stable and unique in the grid: the key and the test id (`<prefix><code>`). */
  code: string
  label: string
  value: string
  /** Text before the change: 较上期, 昨日 ¥1.00. */
  note?: string
  change?: TileChange
  tone?: TileTone
  /** Where the tile drills down to. */
  to?: RouteLocationRaw
}
