import { defineStore } from 'pinia'
import { load, save } from '../utils/storage'

const KEY = 'shoplet.prefs'
const HISTORY_MAX = 10


export const usePrefsStore = defineStore('prefs', {
  state: () => ({
    // 长辈模式: larger type and higher contrast, switched in "me", kept across visits.
    elderMode: false,
    // The shopper's own switch; H5 also honours the system's prefers-reduced-motion.
    reduceMotion: false,
    systemReducedMotion: false,
    searchHistory: [],
  }),
  getters: {
    motionReduced: (s) => s.reduceMotion || s.systemReducedMotion,
    shellClass: (s) => ({
      elder: s.elderMode,
      'reduce-motion': s.reduceMotion || s.systemReducedMotion,
    }),
  },
  actions: {
    restore() {
      const saved = load(KEY, null)
      if (saved) {
        this.elderMode = Boolean(saved.elderMode)
        this.reduceMotion = Boolean(saved.reduceMotion)
        this.searchHistory = Array.isArray(saved.searchHistory) ? saved.searchHistory : []
      }
      // #ifdef H5
      if (typeof window !== 'undefined' && window.matchMedia) {
        const mq = window.matchMedia('(prefers-reduced-motion: reduce)')
        this.systemReducedMotion = mq.matches
        mq.addEventListener && mq.addEventListener('change', (e) => (this.systemReducedMotion = e.matches))
      }
      // #endif
    },
    persist() {
      save(KEY, {
        elderMode: this.elderMode,
        reduceMotion: this.reduceMotion,
        searchHistory: this.searchHistory,
      })
    },
    setElderMode(on) {
      this.elderMode = Boolean(on)
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
