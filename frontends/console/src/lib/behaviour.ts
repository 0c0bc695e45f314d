/**
 * 归因分析 / 路径分析 / 实时概览: names of channels and pages, the Sankey of a page's
 * neighbours, the polling interval (pure, unit-tested).
 */
import { CHANNEL_LABELS, label } from '@shoplet/shared'

/** A channel's name: a fixed one, 场景 1007, UTM 来源, or the host as it is. */
export function channelLabel(channel: string): string {
  if (channel in CHANNEL_LABELS) return label(CHANNEL_LABELS, channel)
  if (channel.startsWith('scene:')) return `场景 ${channel.slice(6)}`
  if (channel.startsWith('utm:')) return `UTM ${channel.slice(4)}`
  return channel
}

/** A row's name on the chart: the channel, with the campaign when grouped by campaign. */
export function rowLabel(row: { channel: string; campaign: string }): string {
  const name = channelLabel(row.channel)
  return row.campaign ? `${name} · ${row.campaign}` : name
}

/** A page route, or 离开 / 进入 where a session ends or starts. */
export function pageLabel(page: string): string {
  return page in CHANNEL_LABELS ? label(CHANNEL_LABELS, page) : page
}

export interface SankeyData {
  nodes: { name: string }[]
  links: { source: string; target: string; value: number }[]
}

/**
 * The chosen page and its neighbours as a one-step Sankey. Node names must be unique and the
 * graph acyclic, so the neighbours are prefixed (上一页 / 下一页) and never equal the page.
 */
export function sankeyData(
  page: string,
  direction: 'next' | 'previous',
  neighbours: { page: string; count: number }[],
): SankeyData {
  const prefix = direction === 'next' ? '下一页：' : '上一页：'
  const nodes = [{ name: page }, ...neighbours.map((n) => ({ name: `${prefix}${pageLabel(n.page)}` }))]
  const links = neighbours.map((n) =>
    direction === 'next'
      ? { source: page, target: `${prefix}${pageLabel(n.page)}`, value: n.count }
      : { source: `${prefix}${pageLabel(n.page)}`, target: page, value: n.count },
  )
  return { nodes, links }
}

/** Orders credited: whole numbers as they are, fractions with two decimals. */
export function creditText(orders: number): string {
  return Number.isInteger(orders) ? String(orders) : orders.toFixed(2)
}

/** The polling interval in ms: what the server asks (seconds), at least 2 s. */
export function pollMs(refreshSeconds: number | undefined): number {
  return Math.max(2, refreshSeconds ?? 5) * 1000
}
