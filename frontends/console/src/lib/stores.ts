/**
 * Every store of the shop, page after page (the API gives 100 at most a page): the pickers and
 * the stores page list a chain's 300 stores as well as a shop's three.
 */
import { consoleApi } from '@/api/console'

export type StoreRow = Awaited<ReturnType<typeof consoleApi.listStores>>['items'][number]

/** Pages are read until the API says there is no next one (bounded, in case it never does). */
export async function listAllStores(maxPages = 50): Promise<StoreRow[]> {
  const all: StoreRow[] = []
  let cursor: string | undefined
  for (let page = 0; page < maxPages; page++) {
    const found = await consoleApi.listStores({ limit: 100, cursor })
    all.push(...found.items)
    if (!found.next_cursor) break
    cursor = found.next_cursor
  }
  return all
}
