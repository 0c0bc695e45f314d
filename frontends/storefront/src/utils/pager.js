// Keyset-cursor paging for infinite lists: `{items, next_cursor}` pages appended in order, one
// request at a time, stopping when the backend returns no cursor.
export function createPager(fetchPage, { limit = 10, wrap = (x) => x } = {}) {
  // `wrap` is Vue's reactive() in pages, identity in unit tests.
  const state = wrap({ items: [], cursor: null, done: false, loading: false, error: null })
  let generation = 0

  async function loadMore() {
    if (state.loading || state.done) return state
    state.loading = true
    state.error = null
    const mine = generation
    try {
      const page = await fetchPage({ cursor: state.cursor || undefined, limit })
      if (mine !== generation) return state
      state.items.push(...(page.items || []))
      state.cursor = page.next_cursor || null
      state.done = !state.cursor
    } catch (err) {
      if (mine === generation) state.error = err
    } finally {
      if (mine === generation) state.loading = false
    }
    return state
  }

  function reset() {
    generation += 1
    state.items.splice(0)
    state.cursor = null
    state.done = false
    state.loading = false
    state.error = null
  }

  /** Start over from the first page (a new filter, or the page shown again). */
  function reload() {
    reset()
    return loadMore()
  }

  return { state, loadMore, reset, reload }
}
