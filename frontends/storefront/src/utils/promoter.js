// 分销 binding: a shopper who arrives through a promoter's link (?promoter=<code>) is bound to
// that promoter once signed in (first touch wins on the server). The code waits in storage
// until the shopper has an account.
import { api } from '../api'
import { load, remove, save } from './storage'

const KEY = 'shoplet.promoterCode'
const CODE = /^[A-Za-z0-9]{4,16}$/

/** Remember ?promoter= of the entry page (a later link does not replace an earlier one). */
export function rememberPromoter(query) {
  const code = query && query.promoter
  if (typeof code === 'string' && CODE.test(code) && !load(KEY, '')) save(KEY, code)
}

/** Bind the signed-in shopper to the remembered promoter; the code is dropped once answered. */
export async function bindPendingPromoter(auth) {
  const code = load(KEY, '')
  if (!code || !auth.isLoggedIn) return null
  try {
    const binding = await api.distribution.bind(code)
    remove(KEY)
    return binding
  } catch (err) {
    // A refusal (unknown code, self-binding, distribution off) is final; a network error retries later.
    if (err && err.status >= 400 && err.status < 500 && err.status !== 401) remove(KEY)
    return null
  }
}
