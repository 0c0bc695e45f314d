/**
 * A list view's filters, read from the route and changed by navigating (see `listQuery`), plus its
 * per-staff column settings and saved views.
 */
import { computed, ref, watch, type Ref } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { loadColumns, resolveColumns, saveColumns, visibleKeys, type ColumnDef, type ColumnSetting } from '@/lib/columns'
import { filtersFromQuery, nextQuery, sameFilters, viewQuery, type ListFilters } from '@/lib/listQuery'
import { loadViews, saveViews, withoutView, withView, type SavedView } from '@/lib/savedViews'
import { useAuthStore } from '@/stores/auth'

export function useListRoute(table: string, statuses: readonly string[], defs: readonly ColumnDef[]) {
  const route = useRoute()
  const router = useRouter()
  const auth = useAuthStore()
  const staffId = computed(() => auth.staff?.id ?? null)

  const filters = computed<ListFilters>(() => filtersFromQuery(route.query, statuses))
  const routeName = route.name

  /** Call `load` now and whenever the filters change while this list is the current route. */
  function onFilters(load: (f: ListFilters) => void): void {
    watch(
      () => (route.name === routeName ? JSON.stringify(filters.value) : null),
      (key) => {
        if (key !== null) load(filters.value)
      },
      { immediate: true },
    )
  }

  function update(patch: Partial<ListFilters>): Promise<unknown> {
    return router.push({ query: nextQuery(route.query, statuses, patch) })
  }

  // -- columns
  const columns: Ref<ColumnSetting[]> = ref(loadColumns(table, staffId.value, defs))
  const shown = computed(() => visibleKeys(columns.value))
  watch(columns, (value) => saveColumns(table, staffId.value, value), { deep: true })
  function resetColumns(): void {
    columns.value = resolveColumns(defs, null)
  }

  // -- saved views
  const views = ref<SavedView[]>(loadViews(table, staffId.value))
  const activeView = computed(
    () => views.value.find((v) => sameFilters(filtersFromQuery(v.query, statuses), filters.value))?.name ?? null,
  )
  function saveView(name: string): void {
    views.value = withView(views.value, name, viewQuery(filters.value))
    saveViews(table, staffId.value, views.value)
  }
  function removeView(name: string): void {
    views.value = withoutView(views.value, name)
    saveViews(table, staffId.value, views.value)
  }
  function applyView(view: SavedView): Promise<unknown> {
    return router.push({ query: { ...view.query } })
  }

  watch(staffId, (id) => {
    columns.value = loadColumns(table, id, defs)
    views.value = loadViews(table, id)
  })

  return { filters, onFilters, update, columns, shown, resetColumns, views, activeView, saveView, removeView, applyView }
}
