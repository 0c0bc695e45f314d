// @vitest-environment node
/**
 * The client against the backend schema snapshot (src/api/openapi.json, kept fresh by
 * tests/e2e/test_console_openapi.py): every `op()` must exist there, and the generated types
 * must match the snapshot.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import openapiTS, { astToString } from 'openapi-typescript'
import { describe, expect, it } from 'vitest'
import available from 'virtual:openapi-operations'
import { isAvailable, operationKey, OPS } from '@/api/operations'

const API = resolve(process.cwd(), 'src/api') + '/'
const spec = JSON.parse(readFileSync(`${API}openapi.json`, 'utf8')) as {
  paths: Record<string, Record<string, unknown>>
}

function schemaHas(method: string, path: string): boolean {
  const wanted = path.replace(/\{[^}]+\}/g, '{}')
  return Object.entries(spec.paths).some(
    ([p, item]) => p.replace(/\{[^}]+\}/g, '{}') === wanted && method.toLowerCase() in item,
  )
}

describe('operations vs the OpenAPI schema', () => {
  const entries = Object.entries(OPS)

  it.each(entries.filter(([, op]) => !op.planned))('%s is served by the backend', (_, op) => {
    expect(schemaHas(op.method, op.path), `${operationKey(op)} is missing from openapi.json`).toBe(true)
    expect(isAvailable(op)).toBe(true)
  })

  it('gates planned operations on the schema', () => {
    for (const [, op] of entries.filter(([, o]) => o.planned)) {
      expect(isAvailable(op)).toBe(schemaHas(op.method, op.path))
    }
  })

  it('declares console operations with the /api/v1/console prefix', () => {
    for (const [, op] of entries) expect(op.path.startsWith('/api/v1/console/')).toBe(true)
  })

  it('bundles the same operation list as the schema', () => {
    const fromSpec = Object.entries(spec.paths).flatMap(([p, item]) =>
      Object.keys(item)
        .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map((m) => `${m.toUpperCase()} ${p.replace(/\{[^}]+\}/g, '{}')}`),
    )
    expect([...available].sort()).toEqual(fromSpec.sort())
  })

  it('has generated types (schema.d.ts) matching the snapshot: run `npm run gen:api`', async () => {
    const generated = astToString(await openapiTS(pathToFileURL(`${API}openapi.json`)))
    const committed = readFileSync(`${API}schema.d.ts`, 'utf8')
    const body = (text: string) => text.slice(text.indexOf('export '))
    expect(body(committed).trim()).toBe(body(generated).trim())
  }, 20_000)
})
