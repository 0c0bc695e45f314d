// @vitest-environment node
/**
 * The client against the shared backend schema snapshot (frontends/shared/src/openapi.json, kept
 * fresh by tests/e2e/test_console_openapi.py): every `op()` must exist there, and the generated types
 * must match the snapshot.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import openapiTS, { astToString } from 'openapi-typescript'
import { describe, expect, it } from 'vitest'
import available from 'virtual:openapi-operations'
import { findOperation, operationKeys, type OpenApiSpec } from '@shoplet/shared/operations'
import { isAvailable, operationKey, OPS } from '@/api/operations'

const SHARED = resolve(process.cwd(), '../shared/src') + '/'
const spec = JSON.parse(readFileSync(`${SHARED}openapi.json`, 'utf8')) as OpenApiSpec

function schemaHas(method: string, path: string): boolean {
  return findOperation(spec, method, path) !== null
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
    expect([...available].sort()).toEqual(operationKeys(spec))
  })

  it('has generated types (schema.d.ts) matching the snapshot: run `npm run gen:api`', async () => {
    const generated = astToString(await openapiTS(pathToFileURL(`${SHARED}openapi.json`)))
    const committed = readFileSync(`${SHARED}schema.d.ts`, 'utf8')
    const body = (text: string) => text.slice(text.indexOf('export '))
    expect(body(committed).trim()).toBe(body(generated).trim())
  }, 20_000)
})
