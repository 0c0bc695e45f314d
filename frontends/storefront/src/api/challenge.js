// The shopper's side of a risk challenge (docs/risk.md). On H5, when the 403 offers "passkey"
// (the member has one), the dialog first offers 使用通行密钥 (navigator.credentials.get); if the
// shopper prefers SMS, cancels the passkey prompt or the passkey is refused, it falls back to
// the SMS code: text a code to the bound phone, ask for it in a small dialog (uni.showModal with
// an input, in H5 and the mini program), verify it. Either way the grant goes to the client,
// which retries the refused request once with it.
import { call } from './client'
import { THEME } from '../theme'
import { getPasskey, passkeySupported } from '../utils/passkey'

const ATTEMPTS = 3

/**
 * @typedef {{
 *   ask?: (phone: string, retry: boolean) => Promise<string | null>,
 *   notify?: (text: string) => void,
 *   choose?: () => Promise<boolean>,
 *   passkeys?: () => boolean,
 *   getPasskey?: (options: any) => Promise<any>,
 * }} ChallengeUi
 */

/**
 * @param {{ challenge_id: string, methods?: string[] }} problem the 403 risk.challenge_required
 * @param {ChallengeUi} [ui]
 * @returns {Promise<string | null>} the grant, or null when the shopper cancels or it fails
 */
export async function passChallenge(problem, ui = {}) {
  const notify = ui.notify || ((text) => uni.showToast({ title: text, icon: 'none' }))
  const params = { challenge_id: problem.challenge_id }
  const offered = (problem.methods || []).includes('passkey') && (ui.passkeys || passkeySupported)()
  if (offered && (await (ui.choose || choosePasskey)())) {
    const grant = await passWithPasskey(params, ui.getPasskey || getPasskey, notify)
    if (grant) return grant
  }
  return passWithSms(params, ui.ask || askCode, notify)
}

/**
 * @param {{ challenge_id: string }} params
 * @param {(options: any) => Promise<any>} get
 * @param {(text: string) => void} notify
 * @returns {Promise<string | null>}
 */
async function passWithPasskey(params, get, notify) {
  let options
  try {
    options = await call('riskChallengePasskeyOptions', { params })
  } catch (err) {
    notify(/** @type {Error} */ (err).message)
    return null
  }
  let credential
  try {
    credential = await get(options.public_key)
  } catch {
    return null // the shopper closed the browser's prompt (NotAllowedError): SMS instead
  }
  try {
    const granted = await call('verifyRiskChallengePasskey', { params, body: { credential } })
    return granted.grant
  } catch (err) {
    notify(/** @type {Error} */ (err).message)
    return null
  }
}

/**
 * @param {{ challenge_id: string }} params
 * @param {(phone: string, retry: boolean) => Promise<string | null>} ask
 * @param {(text: string) => void} notify
 * @returns {Promise<string | null>}
 */
async function passWithSms(params, ask, notify) {
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

/** The first dialog when a passkey is offered (H5 only): the passkey, or SMS instead. */
export function methodPrompt() {
  return {
    title: '安全验证',
    content: '请用本机的通行密钥（指纹、面容或锁屏密码）完成验证，也可以改用短信验证码。',
    confirmText: '使用通行密钥',
    cancelText: '短信验证',
    confirmColor: THEME.accent,
    cancelColor: THEME.text,
  }
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

/** @returns {Promise<boolean>} */
function choosePasskey() {
  return new Promise((resolve) => {
    uni.showModal({
      ...methodPrompt(),
      success: (res) => resolve(!!res.confirm),
      fail: () => resolve(false),
    })
  })
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
