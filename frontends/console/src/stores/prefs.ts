/** The signed-in staff member's display preferences (kept in this browser, per staff id). */
import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import { deltaColor, loadConvention, saveConvention, type Convention, type Direction } from '@/lib/trend'
import { useAuthStore } from '@/stores/auth'

export const usePrefsStore = defineStore('prefs', () => {
  const auth = useAuthStore()
  const staffId = computed(() => auth.staff?.id ?? null)
  const convention = ref<Convention>(loadConvention(staffId.value))

  watch(staffId, (id) => {
    convention.value = loadConvention(id)
  })

  function setConvention(value: Convention): void {
    convention.value = value
    saveConvention(staffId.value, value)
  }

  function colorOf(dir: Direction): string {
    return deltaColor(dir, convention.value)
  }

  return { convention, setConvention, colorOf }
})
