// The shopper's side of a risk challenge (docs/risk.md): text a code to the bound phone, ask for
// it in a small dialog (uni.showModal with an input, in H5 and the mini program), verify it and
// hand the grant to the client, which retries the refused request once with it.
import { call } from './client'
import { THEME } from '../theme'

const ATTEMPTS = 3

/**
 * @param {{ challenge_id: string }} problem the 403 risk.challenge_required
 * @param {{ ask?: (phone: string, retry: boolean) => Promise<string | null>, notify?: (text: string) => void }} [ui]
 * @returns {Promise<string | null>} the grant, or null when the shopper cancels or it fails
 */
export async function passChallenge(problem, ui = {}) {
  const ask = ui.ask || askCode
  const notify = ui.notify || ((text) => uni.showToast({ title: text, icon: 'none' }))
  const params = { challenge_id: problem.challenge_id }
  let sent
  try {
    sent = await call('sendRiskChallengeCode', { params })
  } catch (err) {
    notify(/** @type {Error} */ (err).message)
    return null
  }
  for (let i = 0; i < ATTEMPTS; i += 1) {
    const code = await ask(sent.phone, i > 0)
    if (!code) return null
    try {
      const granted = await call('verifyRiskChallenge', { params, body: { code } })
      return granted.grant
    } catch (err) {
      notify(/** @type {Error} */ (err).message)
      if (/** @type {any} */ (err).code !== 'risk.challenge_code_invalid') return null
    }
  }
  return null
}

/**
 * What the dialog says. With an input (editable), uni.showModal shows no text: `content` is the
 * input's initial value (H5 and the mini program alike), so the message would end up in front
 * of the code the shopper types. The field starts empty and the message is its placeholder,
 * which names the field too (H5: aria-label, platform/a11y-h5.js).
 * @param {string} phone @param {boolean} retry
 */
export function codePrompt(phone, retry) {
  return {
    title: '安全验证',
    content: '',
    editable: true,
    // Short enough for the one-line field of the smallest phones (the masked phone's last 4).
    placeholderText: retry ? '验证码错误，请重新输入' : `尾号 ${phone.slice(-4)} 的短信验证码`,
    confirmText: '验证',
    cancelText: '取消',
    // uni's default blue (#007aff) is 4.0:1 on white; the shop's accent passes AA.
    confirmColor: THEME.accent,
    cancelColor: THEME.text,
  }
}

/** @param {string} phone @param {boolean} retry */
function askCode(phone, retry) {
  return new Promise((resolve) => {
    uni.showModal({
      ...codePrompt(phone, retry),
      success: (res) => resolve(res.confirm ? String(res.content || '').trim() : null),
      fail: () => resolve(null),
    })
  })
}
