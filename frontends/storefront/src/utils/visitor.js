// This device's visitor id: sent with a share link's resolution so a guest's visit counts once
// (signed-in shoppers are counted by their account). Random, kept in storage, nothing personal.
import { load, save } from './storage'

const KEY = 'shoplet.visitor'

function randomId() {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  let id = ''
  for (let i = 0; i < 24; i += 1) id += alphabet[Math.floor(Math.random() * alphabet.length)]
  return id
}

export function visitorId() {
  let id = load(KEY, '')
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{8,48}$/.test(id)) {
    id = randomId()
    save(KEY, id)
  }
  return id
}

/**
 * The scene of an incoming share: the mini program's `query.scene` (URL-encoded by WeChat), or the
 * H5 short link's `?scene=`.
 * @param {Record<string, string> | undefined} query
 */
export function sceneOf(query) {
  const raw = (query && query.scene) || ''
  try {
    return decodeURIComponent(raw)
  } catch {
    return raw
  }
}
