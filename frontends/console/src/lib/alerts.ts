/**
 * Pure helpers of the 告警 page: the monitor form ⇄ the API's rule, how values read, bucket
 * labels in Beijing time. The backend validates again (400 insights.alert_*).
 */
import type { AlertChannel, AlertChannelWrite, AlertMonitor, AlertMonitorWrite, AlertRule } from '@/api/types'

export interface MonitorForm {
  name: string
  metric: string
  grain: 'hour' | 'day'
  kind: 'threshold' | 'change' | 'anomaly' | 'forecast'
  above: string
  below: string
  percent: string
  direction: 'up' | 'down' | 'both'
  z: string
  weeks: string
  minChange: string
  level: string
  resolveAfter: number
  channelIds: number[]
  isActive: boolean
}

export function emptyMonitorForm(): MonitorForm {
  return {
    name: '',
    metric: 'uv',
    grain: 'hour',
    kind: 'anomaly',
    above: '',
    below: '',
    percent: '20',
    direction: 'both',
    z: '4',
    weeks: '4',
    minChange: '0',
    level: '99.9',
    resolveAfter: 3,
    channelIds: [],
    isActive: true,
  }
}

const text = (value: unknown): string => (value === null || value === undefined ? '' : String(value))

export function monitorToForm(monitor: AlertMonitor): MonitorForm {
  const rule = monitor.rule as Record<string, unknown>
  return {
    ...emptyMonitorForm(),
    name: monitor.name,
    metric: monitor.metric,
    grain: monitor.grain,
    kind: (rule.kind as MonitorForm['kind']) ?? 'anomaly',
    above: text(rule.above),
    below: text(rule.below),
    percent: text(rule.percent ?? 20),
    direction: (rule.direction as MonitorForm['direction']) ?? 'both',
    z: text(rule.z ?? 4),
    weeks: text(rule.weeks ?? 4),
    minChange: text(rule.min_change_percent ?? 0),
    level: text(rule.level ?? 99.9),
    resolveAfter: monitor.resolve_after,
    channelIds: [...monitor.channel_ids],
    isActive: monitor.is_active,
  }
}

/** A number typed in a box, or null when left empty; throws on anything else. */
export function parseNumber(value: string, label: string): number | null {
  const trimmed = value.trim()
  if (trimmed === '') return null
  const number = Number(trimmed)
  if (!Number.isFinite(number)) throw new Error(`${label}需要是数字`)
  return number
}

export function formToRule(form: MonitorForm): AlertRule {
  if (form.kind === 'threshold') {
    return { kind: 'threshold', above: parseNumber(form.above, '高于'), below: parseNumber(form.below, '低于'), direction: 'both' }
  }
  if (form.kind === 'change') {
    return { kind: 'change', percent: parseNumber(form.percent, '变化幅度'), direction: form.direction }
  }
  const weeks = parseNumber(form.weeks, '参考周数')
  if (form.kind === 'forecast') {
    return {
      kind: 'forecast',
      level: parseNumber(form.level, '预测区间'),
      weeks: weeks === null ? null : Math.round(weeks),
      direction: form.direction,
      min_change_percent: parseNumber(form.minChange, '最小变化'),
    }
  }
  return {
    kind: 'anomaly',
    z: parseNumber(form.z, '灵敏度 z'),
    weeks: weeks === null ? null : Math.round(weeks),
    direction: form.direction,
    min_change_percent: parseNumber(form.minChange, '最小变化'),
  }
}

export function formToMonitor(form: MonitorForm): AlertMonitorWrite {
  return {
    name: form.name.trim(),
    metric: form.metric,
    grain: form.grain,
    rule: formToRule(form),
    resolve_after: form.resolveAfter,
    channel_ids: form.channelIds,
    is_active: form.isActive,
  }
}

/** A rule in one line of Chinese. */
export function describeRule(rule: Record<string, unknown>): string {
  const direction = { up: '上升', down: '下降', both: '变化' }[String(rule.direction ?? 'both')] ?? '变化'
  if (rule.kind === 'threshold') {
    const parts = []
    if (rule.above !== null && rule.above !== undefined) parts.push(`高于 ${rule.above}`)
    if (rule.below !== null && rule.below !== undefined) parts.push(`低于 ${rule.below}`)
    return parts.join(' 或 ')
  }
  if (rule.kind === 'change') return `较上周同期${direction}超过 ${rule.percent}%`
  if (rule.kind === 'forecast') return `预测区间：${direction}超出 ${rule.level}% 区间，参考 ${rule.weeks} 周`
  return `异常检测：${direction}，z > ${rule.z}，参考 ${rule.weeks} 周`
}

/** A metric value as people read it: GMV (fen) in yuan, others with their unit. */
export function formatValue(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined) return '—'
  if (unit === '分') return `¥${(value / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`
  const shown = Math.round(value * 100) / 100
  return `${shown.toLocaleString('zh-CN')}${unit === '%' ? '%' : ` ${unit}`}`
}

/** A bucket's start in Beijing time: "11-03 14:00" by hour, "11-03" by day. */
export function checkLabel(iso: string, grain: string): string {
  const parts = new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).formatToParts(new Date(iso))
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? ''
  const day = `${get('month')}-${get('day')}`
  return grain === 'hour' ? `${day} ${get('hour')}:${get('minute')}` : day
}

export interface ChannelForm {
  name: string
  kind: 'wecom' | 'dingtalk' | 'email' | 'webhook'
  key: string
  accessToken: string
  signingSecret: string
  recipients: string
  url: string
  isActive: boolean
}

export function emptyChannelForm(): ChannelForm {
  return { name: '', kind: 'wecom', key: '', accessToken: '', signingSecret: '', recipients: '', url: '', isActive: true }
}

export function channelToForm(channel: AlertChannel): ChannelForm {
  return {
    ...emptyChannelForm(),
    name: channel.name,
    kind: channel.kind,
    recipients: channel.kind === 'email' ? channel.target.split(',').join(', ') : '',
    url: channel.kind === 'webhook' ? channel.target : '',
    isActive: channel.is_active,
  }
}

/** The body to send; empty secrets are left out so an edit keeps the stored ones. */
export function formToChannel(form: ChannelForm): AlertChannelWrite {
  const body: AlertChannelWrite = { name: form.name.trim(), kind: form.kind, is_active: form.isActive }
  if (form.kind === 'wecom' && form.key.trim()) body.key = form.key.trim()
  if (form.kind === 'dingtalk') {
    if (form.accessToken.trim()) body.access_token = form.accessToken.trim()
    if (form.signingSecret.trim()) body.secret = form.signingSecret.trim()
  }
  if (form.kind === 'email') body.recipients = form.recipients.split(/[,，\s]+/).filter(Boolean)
  if (form.kind === 'webhook') {
    body.url = form.url.trim()
    if (form.signingSecret.trim()) body.secret = form.signingSecret.trim()
  }
  return body
}
