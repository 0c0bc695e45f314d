// Voice input for the search box, where the platform has it:
// - H5: the browser's speech recognition (SpeechRecognition / webkitSpeechRecognition), Chinese;
// - mini program: WeChat's 同声传译 plugin (WechatSI), once the merchant has added it to the mini
//   program and declared it in manifest.json (docs/storefront.md); without it there is no button.
// Everything else (a browser without speech input, the tourist appid) shows no voice button.

/**
 * @typedef {{ start: () => void, stop: () => void }} VoiceSession
 * @typedef {{ onText: (text: string) => void, onEnd: () => void, onError: (message: string) => void }} VoiceHandlers
 */

/** @returns {any} the browser's recognition constructor, or null */
function browserRecognition() {
  // #ifdef H5
  const w = /** @type {any} */ (typeof window === 'undefined' ? {} : window)
  return w.SpeechRecognition || w.webkitSpeechRecognition || null
  // #endif
  // #ifndef H5
  // eslint-disable-next-line no-unreachable
  return null
  // #endif
}

/** @returns {any} the WechatSI plugin's recognition manager, or null */
function wechatManager() {
  // #ifdef MP-WEIXIN
  try {
    const load = /** @type {any} */ (globalThis).requirePlugin
    if (typeof load !== 'function') return null
    const plugin = load('WechatSI')
    return plugin && typeof plugin.getRecordRecognitionManager === 'function' ? plugin.getRecordRecognitionManager() : null
  } catch {
    return null
  }
  // #endif
  // #ifndef MP-WEIXIN
  // eslint-disable-next-line no-unreachable
  return null
  // #endif
}

/** Whether this platform offers voice input (decides if the microphone button is shown). */
export function voiceAvailable(env = { browser: browserRecognition, wechat: wechatManager }) {
  return Boolean(env.browser() || env.wechat())
}

/** Error messages a shopper can act on, by the platforms' error names. */
export const VOICE_ERRORS = {
  'not-allowed': '请允许使用麦克风后再试',
  'service-not-allowed': '请允许使用麦克风后再试',
  'no-speech': '没有听清，请再说一次',
  'audio-capture': '没有找到麦克风',
  network: '语音识别暂不可用，请手动输入',
}

/**
 * Start listening; `onText` gets the recognised text (final), `onEnd` when listening stops.
 * @param {VoiceHandlers} handlers
 * @returns {VoiceSession | null} null when the platform has no voice input
 */
export function listen(handlers, env = { browser: browserRecognition, wechat: wechatManager }) {
  const Recognition = env.browser()
  if (Recognition) {
    const rec = new Recognition()
    rec.lang = 'zh-CN'
    rec.interimResults = false
    rec.maxAlternatives = 1
    rec.onresult = (/** @type {any} */ event) => {
      const result = event.results && event.results[event.results.length - 1]
      const text = result && result[0] ? String(result[0].transcript || '') : ''
      if (text.trim()) handlers.onText(cleanSpoken(text))
    }
    rec.onerror = (/** @type {any} */ event) => handlers.onError(VOICE_ERRORS[/** @type {keyof typeof VOICE_ERRORS} */ (event.error)] || '语音识别失败，请手动输入')
    rec.onend = () => handlers.onEnd()
    return { start: () => rec.start(), stop: () => rec.stop() }
  }
  const manager = env.wechat()
  if (manager) {
    manager.onStop = (/** @type {any} */ res) => {
      const text = res && res.result ? String(res.result) : ''
      if (text.trim()) handlers.onText(cleanSpoken(text))
      handlers.onEnd()
    }
    manager.onError = () => {
      handlers.onError('语音识别失败，请手动输入')
      handlers.onEnd()
    }
    return { start: () => manager.start({ lang: 'zh_CN', duration: 10000 }), stop: () => manager.stop() }
  }
  return null
}

/** Spoken queries come back with sentence punctuation (“口红。”): keep the words only. */
export function cleanSpoken(text) {
  return String(text)
    .replace(/[。，,.！!？?、；;：:]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
}
