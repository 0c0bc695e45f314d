import { defineStore } from 'pinia'
import { load, save } from '../utils/storage'

const KEY = 'shoplet.prefs'
const HISTORY_MAX = 10

/**
 * The display settings as stored: only known keys, only booleans, so a damaged or older entry
 * never switches a mode on by accident.
 * @param {any} saved
 */
export function readPrefs(saved) {
  const s = saved && typeof saved === 'object' ? saved : {}
  return {
    elderMode: s.elderMode === true,
    highContrast: s.highContrast === true,
    reduceMotion: s.reduceMotion === true,
    searchHistory: Array.isArray(s.searchHistory) ? s.searchHistory.filter((x) => typeof x === 'string').slice(0, HISTORY_MAX) : [],
  }
}

/**
 * Earlier searches that contain what is being typed (not the text itself), at most `max`.
 * @param {string[]} history most recent first
 * @param {unknown} typed
 */
export function suggestFrom(history, typed, max = 5) {
  const t = String(typed || '').trim().toLowerCase()
  if (!t) return []
  return history.filter((h) => h.toLowerCase().includes(t) && h.toLowerCase() !== t).slice(0, max)
}

/**
 * The classes every page's root (PageShell) carries, and the H5 document root too.
 * @param {{ elderMode: boolean, highContrast: boolean, reduceMotion: boolean, systemReducedMotion?: boolean }} s
 */
/** pages.json tabBar colours, and their 高对比度 counterparts (theme.js: 7:1 on white). */
export const TAB_BAR = { color: '#595959', selectedColor: '#c81e1e', backgroundColor: '#ffffff', borderStyle: 'black' }
export const TAB_BAR_HIGH_CONTRAST = { color: '#000000', selectedColor: '#8a0000', backgroundColor: '#ffffff', borderStyle: 'black' }

export function displayClasses(s) {
  return {
    elder: s.elderMode,
    'high-contrast': s.highContrast,
    'reduce-motion': s.reduceMotion || Boolean(s.systemReducedMotion),
  }
}

export const usePrefsStore = defineStore('prefs', {
  state: () => ({
    // 大字版: larger type, switched in 我的 → 设置, kept across visits.
    elderMode: false,
    // 高对比度: black on white, darker accents, outlined controls (7:1 contrast).
    highContrast: false,
    // The shopper's own switch; H5 also honours the system's prefers-reduced-motion.
    reduceMotion: false,
    systemReducedMotion: false,
    searchHistory: [],
  }),
  getters: {
    motionReduced: (s) => s.reduceMotion || s.systemReducedMotion,
    shellClass: (s) => displayClasses(s),
  },
  actions: {
    restore() {
      const saved = readPrefs(load(KEY, null))
      this.elderMode = saved.elderMode
      this.highContrast = saved.highContrast
      this.reduceMotion = saved.reduceMotion
      this.searchHistory = saved.searchHistory
      // #ifdef H5
      if (typeof window !== 'undefined' && window.matchMedia) {
        const mq = window.matchMedia('(prefers-reduced-motion: reduce)')
        this.systemReducedMotion = mq.matches
        mq.addEventListener && mq.addEventListener('change', (e) => (this.systemReducedMotion = e.matches))
      }
      // #endif
      this.applyToDocument()
      this.applyTabBar()
    },
    /** H5: the same classes on <html>, so the page head, tab bar and toasts follow too. */
    applyToDocument() {
      // #ifdef H5
      if (typeof document !== 'undefined' && document.documentElement) {
        for (const [name, on] of Object.entries(displayClasses(this))) {
          document.documentElement.classList.toggle(`sl-${name}`, Boolean(on))
        }
      }
      // #endif
    },
    /**
     * The tab bar's colours follow 高对比度 on both platforms (uni.setTabBarStyle). Its icons are
     * PNGs in the mini program (grey and red, both 3:1 on the white bar already); the H5 bar draws
     * them black under .sl-high-contrast (App.vue). Both refuse the call off a tab page: every page
     * applies it again when it shows (the mixin in main.js).
     */
    applyTabBar() {
      if (typeof uni === 'undefined' || !uni.setTabBarStyle) return
      try {
        uni.setTabBarStyle({ ...(this.highContrast ? TAB_BAR_HIGH_CONTRAST : TAB_BAR), fail: () => {} })
      } catch {
        // No tab bar on this page.
      }
    },
    persist() {
      this.applyToDocument()
      this.applyTabBar()
      save(KEY, {
        elderMode: this.elderMode,
        highContrast: this.highContrast,
        reduceMotion: this.reduceMotion,
        searchHistory: this.searchHistory,
      })
    },
    setElderMode(on) {
      this.elderMode = Boolean(on)
      this.persist()
    },
    setHighContrast(on) {
      this.highContrast = Boolean(on)
      this.persist()
    },
    setReduceMotion(on) {
      this.reduceMotion = Boolean(on)
      this.persist()
    },
    /** Most recent first, no duplicates, at most ten. */
    remember(query) {
      const q = String(query || '').trim()
      if (!q) return
      this.searchHistory = [q, ...this.searchHistory.filter((x) => x !== q)].slice(0, HISTORY_MAX)
      this.persist()
    },
    clearHistory() {
      this.searchHistory = []
      this.persist()
    },
  },
})
