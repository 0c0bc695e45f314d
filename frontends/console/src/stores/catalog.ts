/** Categories, loaded once per session for the product filters and the product form. */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { consoleApi } from '@/api/console'
import type { Category } from '@/api/types'

export interface CategoryOption {
  value: number
  label: string
  disabled?: boolean
  children?: CategoryOption[]
}

export function categoryOptions(categories: Category[]): CategoryOption[] {
  return categories.map((c) => ({
    value: c.id,
    label: c.is_active ? c.name : `${c.name}（已停用）`,
    ...(c.is_active ? {} : { disabled: true }),
    ...(c.children?.length ? { children: categoryOptions(c.children) } : {}),
  }))
}

/** id -> "服饰 / T恤" */
export function categoryPaths(categories: Category[], prefix = ''): Map<number, string> {
  const paths = new Map<number, string>()
  for (const c of categories) {
    const path = prefix ? `${prefix} / ${c.name}` : c.name
    paths.set(c.id, path)
    for (const [id, p] of categoryPaths(c.children ?? [], path)) paths.set(id, p)
  }
  return paths
}

export const useCatalogStore = defineStore('catalog', () => {
  const categories = ref<Category[]>([])
  let loading: Promise<void> | null = null

  const options = computed(() => categoryOptions(categories.value))
  const paths = computed(() => categoryPaths(categories.value))

  function load(force = false): Promise<void> {
    if (!loading || force) {
      loading = consoleApi.listCategories().then(
        (tree) => {
          categories.value = tree
        },
        (error: unknown) => {
          loading = null
          throw error
        },
      )
    }
    return loading
  }

  function pathOf(id: number | null | undefined): string {
    if (id === null || id === undefined) return '—'
    return paths.value.get(id) ?? `#${id}`
  }

  return { categories, options, load, pathOf }
})
