/**
 * Unsaved changes: a form compares what it holds with what was loaded or saved, and asks before
 * the merchant leaves the page (a route change in the console, or closing / reloading the tab).
 */
import { ElMessageBox } from 'element-plus'
import { onBeforeUnmount, onMounted } from 'vue'
import { onBeforeRouteLeave } from 'vue-router'

export const UNSAVED_TEXT = '有未保存的修改'

/** A stable text of a form's state (keys sorted), to compare against the saved one. */
export function snapshotOf(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  )
}

export async function confirmLeave(): Promise<boolean> {
  try {
    await ElMessageBox.confirm('有未保存的修改，离开后将丢失。确定离开吗？', '离开此页', {
      confirmButtonText: '离开',
      cancelButtonText: '继续编辑',
      type: 'warning',
    })
    return true
  } catch {
    return false
  }
}

/** The `beforeunload` listener: the browser asks before closing a tab with unsaved changes. */
export function beforeUnload(isDirty: () => boolean): (event: BeforeUnloadEvent) => void {
  return (event) => {
    if (!isDirty()) return
    event.preventDefault()
    event.returnValue = ''
  }
}

/** Ask before leaving while `isDirty()`; call in a routed component's setup. */
export function useUnsavedGuard(isDirty: () => boolean, confirm: () => Promise<boolean> = confirmLeave): void {
  const listener = beforeUnload(isDirty)
  onBeforeRouteLeave(async () => (isDirty() ? await confirm() : true))
  onMounted(() => window.addEventListener('beforeunload', listener))
  onBeforeUnmount(() => window.removeEventListener('beforeunload', listener))
}
