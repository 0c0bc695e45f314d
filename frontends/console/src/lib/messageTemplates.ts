/**
 * What 订阅消息 and 公众号消息 share: one template per event whose fields are filled from the
 * event's values (the mapping shown as `thing1 ← 商品名称`), the notice for templates WeChat
 * turned off, and the paged send log filtered by status. Each view keeps its own API calls and
 * the fields only its template has (a subscribe template's page, a template message's url).
 */
import { label, SUBSCRIBE_EVENT_LABELS, SUBSCRIBE_SOURCE_LABELS } from '@shoplet/shared'
import { computed, ref, type Ref } from 'vue'
import type { SubscribeEvent } from '@/api/types'
import { errorMessage } from '@/lib/errors'

export const TEMPLATE_EVENTS = Object.keys(SUBSCRIBE_EVENT_LABELS) as SubscribeEvent[]

export interface EventTemplate {
  event: SubscribeEvent
  template_id: string
  fields: Record<string, string>
  is_enabled: boolean
  disabled_reason?: string | null
}

/** One line of the edit dialog: a template field and the event value that fills it. */
export interface FieldRow {
  key: string
  source: string
}

export function mappingText(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([key, source]) => `${key} ← ${label(SUBSCRIBE_SOURCE_LABELS, source)}`)
    .join('，')
}

/** The dialog's rows for a template's fields (one empty row for a new template). */
export function fieldRows(fields?: Record<string, string>): FieldRow[] {
  return fields ? Object.entries(fields).map(([key, source]) => ({ key, source })) : [{ key: '', source: '' }]
}

/** The rows back as the API's mapping: rows without a key or a source are left out. */
export function fieldsOf(rows: FieldRow[]): Record<string, string> {
  return Object.fromEntries(rows.filter((f) => f.key.trim() && f.source).map((f) => [f.key.trim(), f.source]))
}

/** A send's WeChat answer: the errcode and Shoplet's reason, or a dash. */
export function sendAnswer(row: { errcode: number | null; error?: string | null }): string {
  if (row.errcode === null && !row.error) return '—'
  return [row.errcode !== null ? String(row.errcode) : '', row.error ?? ''].filter(Boolean).join(' ')
}

/** Every event with its template (or none), the turned-off ones, and the event values each
 * event offers as field sources. */
export function useEventTemplates<T extends EventTemplate>(
  fetch: () => Promise<{ items: T[]; sources: Record<string, string[]> }>,
  onError: (message: string) => void,
) {
  const templates = ref([]) as Ref<T[]>
  const sources = ref<Record<string, string[]>>({})
  const rows = computed(() =>
    TEMPLATE_EVENTS.map((event) => ({ event, template: templates.value.find((t) => t.event === event) ?? null })),
  )
  const disabled = computed(() => templates.value.filter((t) => !t.is_enabled && t.disabled_reason))

  async function load(): Promise<void> {
    try {
      const view = await fetch()
      templates.value = view.items
      sources.value = view.sources
    } catch (e) {
      onError(errorMessage(e))
    }
  }

  function replace(saved: T): void {
    templates.value = [...templates.value.filter((t) => t.event !== saved.event), saved]
  }

  return { templates, sources, rows, disabled, load, replace }
}

export interface SendPage<T> {
  items: T[]
  next_cursor?: string | null
}

/** The send log: 20 a page, filtered by status, more on demand. */
export function useSendLog<T, S extends string>(
  fetch: (query: { status?: S; cursor?: string; limit: number }) => Promise<SendPage<T>>,
  onError: (message: string) => void,
) {
  const items = ref([]) as Ref<T[]>
  const status = ref<S | null>(null) as Ref<S | null>
  const cursor = ref<string | null>(null)
  const loading = ref(false)

  async function load(more = false): Promise<void> {
    loading.value = true
    try {
      const page = await fetch({
        status: status.value ?? undefined,
        cursor: more ? (cursor.value ?? undefined) : undefined,
        limit: 20,
      })
      items.value = more ? [...items.value, ...page.items] : page.items
      cursor.value = page.next_cursor ?? null
    } catch (e) {
      onError(errorMessage(e))
    } finally {
      loading.value = false
    }
  }

  return { items, status, cursor, loading, load }
}
