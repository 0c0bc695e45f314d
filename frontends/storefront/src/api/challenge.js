// The shopper's side of a risk challenge (docs/risk.md): text a code to the bound phone, ask for
// it in a small dialog (uni.showModal with an input, in H5 and the mini program), verify it and
// hand the grant to the client, which retries the refused request once with it.
import { call } from './client'

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

/** @param {string} phone @param {boolean} retry */
function askCode(phone, retry) {
  return new Promise((resolve) => {
    uni.showModal({
      title: '安全验证',
      content: `${retry ? '验证码错误，请重新输入。' : ''}验证码已发送至 ${phone}`,
      editable: true,
      placeholderText: '请输入 6 位验证码',
      confirmText: '验证',
      success: (res) => resolve(res.confirm ? String(res.content || '').trim() : null),
      fail: () => resolve(null),
    })
  })
}
