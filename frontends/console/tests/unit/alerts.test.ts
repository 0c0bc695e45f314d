import { describe, expect, it } from 'vitest'
import type { AlertMonitor } from '@/api/types'
import {
  channelToForm,
  checkLabel,
  describeRule,
  emptyChannelForm,
  emptyMonitorForm,
  formatValue,
  formToChannel,
  formToMonitor,
  monitorToForm,
} from '@/lib/alerts'

describe('alerts', () => {
  it('turns the monitor form into the API body and back', () => {
    const form = { ...emptyMonitorForm(), name: ' UV 异常 ', kind: 'anomaly' as const, direction: 'down' as const, z: '3.5', weeks: '4' }
    const body = formToMonitor(form)
    expect(body).toEqual({
      name: 'UV 异常',
      metric: 'uv',
      grain: 'hour',
      rule: { kind: 'anomaly', z: 3.5, weeks: 4, direction: 'down', min_change_percent: 0 },
      resolve_after: 3,
      channel_ids: [],
      is_active: true,
    })
    const monitor = { ...body, id: 1, metric_name: 'UV', unit: '人', silenced_until: null, last_bucket_at: null, created_at: '', updated_at: '' } as unknown as AlertMonitor
    expect(monitorToForm(monitor)).toMatchObject({ kind: 'anomaly', z: '3.5', weeks: '4', direction: 'down' })
  })

  it('turns a forecast-interval rule into the API body and back', () => {
    const form = { ...emptyMonitorForm(), kind: 'forecast' as const, level: '95', weeks: '6', direction: 'down' as const }
    const body = formToMonitor(form)
    expect(body.rule).toEqual({ kind: 'forecast', level: 95, weeks: 6, direction: 'down', min_change_percent: 0 })
    const monitor = { ...body, id: 1, metric_name: 'UV', unit: '人', silenced_until: null, last_bucket_at: null, created_at: '', updated_at: '' } as unknown as AlertMonitor
    expect(monitorToForm(monitor)).toMatchObject({ kind: 'forecast', level: '95', weeks: '6' })
    expect(describeRule(body.rule as Record<string, unknown>)).toBe('预测区间：下降超出 95% 区间，参考 6 周')
  })

  it('sends empty threshold bounds as null and refuses text', () => {
    const threshold = formToMonitor({ ...emptyMonitorForm(), kind: 'threshold', above: '100', below: '' })
    expect(threshold.rule).toEqual({ kind: 'threshold', above: 100, below: null, direction: 'both' })
    expect(() => formToMonitor({ ...emptyMonitorForm(), kind: 'threshold', above: 'abc' })).toThrow('高于需要是数字')
  })

  it('describes rules and values in Chinese', () => {
    expect(describeRule({ kind: 'threshold', above: 10, below: 2 })).toBe('高于 10 或 低于 2')
    expect(describeRule({ kind: 'change', percent: 20, direction: 'down' })).toBe('较上周同期下降超过 20%')
    expect(describeRule({ kind: 'anomaly', z: 4, weeks: 4, direction: 'both' })).toBe('异常检测：变化，z > 4，参考 4 周')
    expect(formatValue(123456, '分')).toBe('¥1,234.56')
    expect(formatValue(2.345, '%')).toBe('2.35%')
    expect(formatValue(null, '人')).toBe('—')
    expect(checkLabel('2026-11-03T06:00:00Z', 'hour')).toBe('11-03 14:00')
    expect(checkLabel('2026-11-02T16:00:00Z', 'day')).toBe('11-03')
  })

  it('leaves secrets out of an edit unless typed again', () => {
    const channel = { id: 1, name: '钉钉', kind: 'dingtalk', target: '', secret_hint: '…oken', is_active: true, created_at: '', updated_at: '' } as const
    expect(formToChannel(channelToForm(channel))).toEqual({ name: '钉钉', kind: 'dingtalk', is_active: true })
    expect(formToChannel({ ...emptyChannelForm(), name: 'mail', kind: 'email', recipients: 'a@b.cn, c@d.cn' })).toEqual({
      name: 'mail',
      kind: 'email',
      is_active: true,
      recipients: ['a@b.cn', 'c@d.cn'],
    })
  })
})
