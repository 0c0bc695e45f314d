/**
 * 漏斗分析 / 留存分析: the funnel query a form builds, and the figures the pages show (pure,
 * unit-tested).
 */
import { EVENT_NAME_LABELS, label } from '@shoplet/shared'

export const FUNNEL_EVENTS = [
  'page_view',
  'exposure',
  'click',
  'add_to_cart',
  'checkout_step',
  'pay_click',
  'share',
  'search',
  'order_paid',
  'order_shipped',
  'order_refunded',
] as const
export type FunnelEvent = (typeof FUNNEL_EVENTS)[number]

export interface StepForm {
  event: FunnelEvent
  filterKey: string
  filterValue: string
}

export const FUNNEL_BREAKDOWNS = ['platform', 'channel', 'region', 'segment', 'experiment'] as const
export type FunnelBreakdown = (typeof FUNNEL_BREAKDOWNS)[number]

export interface FunnelBody {
  steps: { event: FunnelEvent; filters: { key: string; value: string }[] }[]
  window_seconds: number
  date_from: string
  date_to: string
  breakdown?: FunnelBreakdown
  segment_id?: number
  experiment_id?: number
}

/** Breakdowns that need a second choice: the segment, or the experiment. */
export function needsTarget(breakdown: '' | FunnelBreakdown): breakdown is 'segment' | 'experiment' {
  return breakdown === 'segment' || breakdown === 'experiment'
}

export function funnelBody(
  steps: StepForm[],
  windowSeconds: number,
  range: [string, string],
  breakdown: '' | FunnelBreakdown,
  target: number | null = null,
): FunnelBody {
  return {
    steps: steps.map((s) => ({
      event: s.event,
      filters: s.filterKey.trim() ? [{ key: s.filterKey.trim(), value: s.filterValue.trim() }] : [],
    })),
    window_seconds: windowSeconds,
    date_from: range[0],
    date_to: range[1],
    ...(breakdown ? { breakdown } : {}),
    ...(breakdown === 'segment' && target !== null ? { segment_id: target } : {}),
    ...(breakdown === 'experiment' && target !== null ? { experiment_id: target } : {}),
  }
}

/** A group's name on the page: the label the server gives (province, 属于/不属于, the arm), else
 * the value as recorded (platform, channel). */
export function groupName(group: { value: string; label?: string | null }): string {
  return group.label || group.value
}

export function eventLabel(name: string): string {
  return label(EVENT_NAME_LABELS, name)
}

/** 0.3456 as 34.6%. */
export function percent(rate: number): string {
  return `${(Math.round(rate * 1000) / 10).toFixed(1)}%`
}

/** A retention cell: the share of the cohort still active in week n, '' past the data. */
export function retentionShare(size: number, retained: number): number {
  return size ? retained / size : 0
}

/** Heat from white to the accent red by share (0..1), dark text on light cells. */
export function heatStyle(share: number): Record<string, string> {
  const clamped = Math.max(0, Math.min(1, share))
  const lightness = Math.round(97 - clamped * 55)
  return {
    background: `hsl(0, 65%, ${lightness}%)`,
    color: lightness < 60 ? '#ffffff' : '#1f1f1f',
  }
}
