/**
 * Pure helpers of the experiment pages (A/B 实验): the editor's form ↔ request body, the
 * weight check done before sending (the backend checks again), the actions a status allows,
 * and the bandit allocation history as chart series.
 */
import { EXPERIMENT_MANAGE_LABELS as L } from '@shoplet/shared'

export interface ArmForm {
  key: string
  name: string
  weight: number
}

export interface ExperimentForm {
  name: string
  layer_id: number | null
  slot: 'home_layout' | 'product_card_style' | 'checkout_button_text' | 'promotion_strategy' | 'search_ranking'
  hypothesis: string
  primary_metric: 'conversion' | 'revenue_per_visitor' | 'aov'
  guardrail_metrics: Array<'conversion' | 'revenue_per_visitor' | 'aov'>
  bucket_start: number
  bucket_end: number
  traffic_percent: number
  holdout_percent: number
  platforms: Array<'h5' | 'mp-weixin'>
  app_version_min: string
  regions: string
  members_only: boolean
  segment_ids: number[]
  arms: ArmForm[]
  allocation: 'fixed' | 'bandit'
  policy: 'thompson' | 'epsilon_greedy' | 'ucb1'
}

export const WEIGHT_TOTAL = 10_000

export function emptyForm(): ExperimentForm {
  return {
    name: '',
    layer_id: null,
    slot: 'checkout_button_text',
    hypothesis: '',
    primary_metric: 'conversion',
    guardrail_metrics: [],
    bucket_start: 0,
    bucket_end: 1000,
    traffic_percent: 100,
    holdout_percent: 0,
    platforms: [],
    app_version_min: '',
    regions: '',
    members_only: false,
    segment_ids: [],
    arms: [
      { key: 'default', name: L.controlArm, weight: 5000 },
      { key: 'alt', name: L.variantArm, weight: 5000 },
    ],
    allocation: 'fixed',
    policy: 'thompson',
  }
}

/** Equal weights in basis points summing to 10 000 (the first arms take the remainder). */
export function evenWeights(count: number): number[] {
  if (count <= 0) return []
  const base = Math.floor(WEIGHT_TOTAL / count)
  return Array.from({ length: count }, (_, i) => base + (i < WEIGHT_TOTAL - base * count ? 1 : 0))
}

/** Slots whose arms the shop knows by name: what the storefront renders (docs/experiments.md)
 *  and the search ranking's presets (docs/search.md); the server refuses other keys. */
export const SLOT_ARM_KEYS: Partial<Record<ExperimentForm['slot'], string[]>> = {
  home_layout: ['default', 'shelf_first'],
  product_card_style: ['default', 'list'],
  checkout_button_text: ['default', 'alt'],
  promotion_strategy: ['default', 'promo_first'],
  search_ranking: ['default', 'semantic', 'popular', 'lexical'],
}

/** What is wrong with the arms, or '' when they can be sent. */
export function weightProblem(arms: ArmForm[], slot?: ExperimentForm['slot']): string {
  if (arms.length < 2) return L.needTwoArms
  const keys = arms.map((a) => a.key.trim())
  if (keys.some((k) => !/^[a-z0-9_-]+$/.test(k))) return L.badArmKey
  if (new Set(keys).size !== keys.length) return L.duplicateArmKey
  const known = slot ? SLOT_ARM_KEYS[slot] : undefined
  if (known && keys.some((k) => !known.includes(k))) return `${L.slotArmKeys} ${known.join(' / ')}`
  if (arms.some((a) => !Number.isInteger(a.weight) || a.weight < 1)) return L.weightPositive
  const total = arms.reduce((s, a) => s + a.weight, 0)
  if (total !== WEIGHT_TOTAL) return `${L.weightTotal} ${total}`
  return ''
}

function list(text: string): string[] {
  return text
    .split(/[\s,，]+/)
    .map((s) => s.trim())
    .filter(Boolean)
}

export function toBody(form: ExperimentForm) {
  return {
    name: form.name.trim(),
    layer_id: form.layer_id ?? 0,
    slot: form.slot,
    hypothesis: form.hypothesis.trim(),
    primary_metric: form.primary_metric,
    guardrail_metrics: form.guardrail_metrics.filter((m) => m !== form.primary_metric),
    bucket_start: form.bucket_start,
    bucket_end: form.bucket_end,
    traffic_percent: form.traffic_percent,
    holdout_percent: form.holdout_percent,
    targeting: {
      platforms: form.platforms,
      app_version_min: form.app_version_min.trim() || null,
      regions: list(form.regions),
      members_only: form.members_only,
      segment_ids: form.segment_ids.filter((n) => Number.isInteger(n) && n > 0),
    },
    arms: form.arms.map((a) => ({ key: a.key.trim(), name: a.name.trim(), weight: a.weight })),
    allocation: form.allocation,
    policy: form.policy,
  }
}

interface ExperimentLike {
  name: string
  layer_id: number
  slot: string
  hypothesis: string
  primary_metric: string
  guardrail_metrics: string[]
  bucket_start: number
  bucket_end: number
  traffic_percent: number
  holdout_percent: number
  targeting: {
    platforms?: string[]
    app_version_min?: string | null
    regions?: string[]
    members_only?: boolean
    segment_ids?: number[]
  }
  arms: ArmForm[]
  allocation: string
  policy: string
}

export function fromExperiment(e: ExperimentLike): ExperimentForm {
  return {
    name: e.name,
    layer_id: e.layer_id,
    slot: e.slot as ExperimentForm['slot'],
    hypothesis: e.hypothesis,
    primary_metric: e.primary_metric as ExperimentForm['primary_metric'],
    guardrail_metrics: e.guardrail_metrics as ExperimentForm['guardrail_metrics'],
    bucket_start: e.bucket_start,
    bucket_end: e.bucket_end,
    traffic_percent: e.traffic_percent,
    holdout_percent: e.holdout_percent,
    platforms: (e.targeting.platforms ?? []) as ExperimentForm['platforms'],
    app_version_min: e.targeting.app_version_min ?? '',
    regions: (e.targeting.regions ?? []).join(', '),
    members_only: e.targeting.members_only ?? false,
    segment_ids: [...(e.targeting.segment_ids ?? [])],
    arms: e.arms.map((a) => ({ key: a.key, name: a.name, weight: a.weight })),
    allocation: e.allocation as ExperimentForm['allocation'],
    policy: e.policy as ExperimentForm['policy'],
  }
}

export type Action = 'edit' | 'start' | 'pause' | 'stop'

/** The buttons a status shows (the backend refuses the others with 409). */
export function actionsFor(status: string): Action[] {
  switch (status) {
    case 'draft':
      return ['edit', 'start']
    case 'running':
      return ['pause', 'stop']
    case 'paused':
      return ['start', 'stop']
    default:
      return []
  }
}

export interface AllocationPoint {
  computed_at: string
  weights: Record<string, number>
}

/** One line per arm, in percent, over the allocation history (for ECharts). */
export function allocationSeries(
  points: AllocationPoint[],
  arms: string[],
): { times: string[]; series: Array<{ name: string; data: number[] }> } {
  return {
    times: points.map((p) => p.computed_at),
    series: arms.map((name) => ({
      name,
      data: points.map((p) => Math.round((p.weights[name] ?? 0) / 10) / 10),
    })),
  }
}
