import { defineStore } from 'pinia'
import { api } from '../api'
import { resetExperiments } from '../composables/useExperiment'
import { getPasskey } from '../utils/passkey'
import { load, remove, save } from '../utils/storage'

/**
 * The refresh in flight, shared by concurrent 401s (not state: a promise is not persisted).
 * @type {Promise<boolean> | null}
 */
let refreshing = null

const KEY = 'shoplet.auth'

export const useAuthStore = defineStore('auth', {
  state: () => ({
    accessToken: '',
    refreshToken: '',
    expiresAt: 0,
    member: null,
  }),
  getters: {
    isLoggedIn: (s) => Boolean(s.accessToken),
    displayName: (s) => (s.member && (s.member.nickname || s.member.phone)) || '',
  },
  actions: {
    restore() {
      const saved = load(KEY, null)
      if (saved && saved.accessToken) Object.assign(this, saved)
    },
    persist() {
      save(KEY, {
        accessToken: this.accessToken,
        refreshToken: this.refreshToken,
        expiresAt: this.expiresAt,
        member: this.member,
      })
    },
    /** Store a token response `{access_token, refresh_token, expires_in, member}`. */
    applyTokens(res, now = Date.now()) {
      this.accessToken = res.access_token
      this.refreshToken = res.refresh_token || this.refreshToken
      this.expiresAt = now + (res.expires_in || 0) * 1000
      if (res.member) this.member = res.member
      this.persist()
    },
    async wechatLogin(code) {
      this.applyTokens(await api.auth.wechatLogin(code))
      resetExperiments() // the A/B unit is now the member, no longer the device
      return this.member
    },
    async sendSmsCode(phone) {
      await api.auth.sendSmsCode(phone)
    },
    async smsLogin(phone, code) {
      this.applyTokens(await api.auth.smsLogin(phone, code))
      resetExperiments()
      return this.member
    },
    /** H5: a passkey added from 设置 signs in alone (the passkey says whose it is). */
    async passkeyLogin() {
      const options = await api.auth.passkeyOptions()
      const credential = await getPasskey(options.public_key)
      this.applyTokens(await api.auth.passkeyLogin(options.challenge_id, credential))
      resetExperiments()
      return this.member
    },
    /** One refresh at a time: concurrent 401s share the same attempt. */
    refresh() {
      if (!this.refreshToken) return Promise.resolve(false)
      if (!refreshing) {
        refreshing = api.auth
          .refresh(this.refreshToken)
          .then((res) => {
            this.applyTokens(res)
            return true
          })
          .catch(() => {
            this.clear()
            return false
          })
          .finally(() => {
            refreshing = null
          })
      }
      return refreshing
    },
    async loadMe() {
      if (!this.accessToken) return null
      this.member = await api.me.get()
      this.persist()
      return this.member
    },
    async updateProfile(patch) {
      this.member = await api.me.update(patch)
      this.persist()
      return this.member
    },
    async logout() {
      const token = this.refreshToken
      try {
        if (token) await api.auth.logout(token)
      } finally {
        this.clear()
      }
    },
    clear() {
      this.accessToken = ''
      this.refreshToken = ''
      this.expiresAt = 0
      this.member = null
      remove(KEY)
      resetExperiments()
    },
  },
})
