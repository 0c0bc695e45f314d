/**
 * A console list page: its filters, the rows loaded so far and the cursor of the next page
 * ("加载更多"; lists page by keyset, never by offset), a loading flag and the error to show.
 * `load()` starts again from the first page (after a filter changed or a row was written),
 * `load(true)` appends the next page. Failures become the glossary's Chinese message
 * (`errorMessage`); a response that arrives after a newer request started is dropped, so a fast
 * tab switch never shows the rows of the tab left.
 *
 * Lists whose filters live in the URL use `useListRoute` instead.
 */
import { reactive, ref, type Ref } from 'vue'
import { errorMessage } from '@/lib/errors'

export interface CursorPage<T> {
  items: T[]
  next_cursor?: string | null
}

export interface ListPageOptions<F extends object, T> {
  /** The filters a page opens with (and returns to on `resetFilters`). */
  filters: F
  /** One page of rows for these filters, from `cursor` (null: the first page). */
  fetch: (filters: F, cursor: string | null, limit: number) => Promise<CursorPage<T>>
  limit?: number
  /** What identifies a row for `replace` (default: its `id`). */
  key?: (row: T) => unknown
}

export interface ListPage<F extends object, T> {
  filters: F
  items: Ref<T[]>
  cursor: Ref<string | null>
  loading: Ref<boolean>
  error: Ref<string>
  load: (more?: boolean) => Promise<void>
  reload: () => Promise<void>
  loadMore: () => Promise<void>
  replace: (row: T) => void
  resetFilters: () => Promise<void>
}

const byId = (row: unknown): unknown => (row as { id?: unknown }).id

export function useListPage<F extends object, T>(options: ListPageOptions<F, T>): ListPage<F, T> {
  const initial = { ...options.filters }
  const filters = reactive({ ...initial }) as F
  const items = ref([]) as Ref<T[]>
  const cursor = ref<string | null>(null)
  const loading = ref(false)
  const error = ref('')
  const limit = options.limit ?? 20
  const key = options.key ?? byId
  let latest = 0

  async function load(more = false): Promise<void> {
    const request = ++latest
    loading.value = true
    error.value = ''
    try {
      const page = await options.fetch({ ...filters }, more ? cursor.value : null, limit)
      if (request !== latest) return
      items.value = more ? [...items.value, ...page.items] : page.items
      cursor.value = page.next_cursor ?? null
    } catch (e) {
      if (request === latest) error.value = errorMessage(e)
    } finally {
      if (request === latest) loading.value = false
    }
  }

  function replace(row: T): void {
    const k = key(row)
    items.value = items.value.map((r) => (key(r) === k ? row : r))
  }

  function resetFilters(): Promise<void> {
    Object.assign(filters, initial)
    return load()
  }

  return {
    filters,
    items,
    cursor,
    loading,
    error,
    load,
    reload: () => load(),
    loadMore: () => load(true),
    replace,
    resetFilters,
  }
}

/** A tab filter's value for the API: 'all' asks for every status. */
export function statusParam<S extends string>(status: S | 'all'): Exclude<S, 'all'> | null {
  return status === 'all' ? null : (status as Exclude<S, 'all'>)
}
