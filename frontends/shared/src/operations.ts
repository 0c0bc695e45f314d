/**
 * Checks of an app's operation list against the OpenAPI snapshot (`openapi.json` next to this
 * file, refreshed by `make console-openapi`). Both apps' unit tests use them, and the console's
 * Vite plugin bundles the "METHOD /path" list so the UI knows which operations the backend serves.
 */

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const

interface SchemaNode {
  $ref?: string
  properties?: Record<string, unknown>
  anyOf?: SchemaNode[]
  oneOf?: SchemaNode[]
  allOf?: SchemaNode[]
}

export interface OpenApiOperation {
  parameters?: { name: string; in: string }[]
  requestBody?: { content?: Record<string, { schema?: SchemaNode }> }
}

export interface OpenApiSpec {
  paths: Record<string, Record<string, unknown>>
  components?: unknown
}

/** Path parameter names do not matter (client and backend may name them differently). */
export function normalisePath(path: string): string {
  return path.replace(/\{[^}]+\}/g, '{}')
}

/** "GET /api/v1/x/{}" for every operation of the schema, sorted. */
export function operationKeys(spec: OpenApiSpec): string[] {
  const keys: string[] = []
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of Object.keys(item)) {
      if ((HTTP_METHODS as readonly string[]).includes(method)) {
        keys.push(`${method.toUpperCase()} ${normalisePath(path)}`)
      }
    }
  }
  return keys.sort()
}

/** The schema's operation for `method` + `path`, or null when the backend does not serve it. */
export function findOperation(spec: OpenApiSpec, method: string, path: string): OpenApiOperation | null {
  const wanted = normalisePath(path)
  for (const [candidate, item] of Object.entries(spec.paths)) {
    const found = item[method.toLowerCase()]
    if (normalisePath(candidate) === wanted && found) return found as OpenApiOperation
  }
  return null
}

/** Names of the operation's query parameters. */
export function queryParameters(operation: OpenApiOperation): Set<string> {
  return new Set((operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name))
}

function resolve(spec: OpenApiSpec, node: SchemaNode): SchemaNode {
  let current = node
  while (current.$ref) {
    let target: unknown = spec
    for (const part of current.$ref.replace(/^#\//, '').split('/')) {
      target = (target as Record<string, unknown>)[part]
    }
    current = target as SchemaNode
  }
  return current
}

/** Every property name the JSON request body may carry (through $ref, anyOf, oneOf, allOf). */
export function bodyFields(spec: OpenApiSpec, operation: OpenApiOperation): Set<string> {
  const names = new Set<string>()
  const root = operation.requestBody?.content?.['application/json']?.schema
  const stack: SchemaNode[] = root ? [root] : []
  while (stack.length) {
    const node = resolve(spec, stack.pop() as SchemaNode)
    Object.keys(node.properties ?? {}).forEach((name) => names.add(name))
    for (const key of ['anyOf', 'oneOf', 'allOf'] as const) stack.push(...(node[key] ?? []))
  }
  return names
}

/** What an app's call needs from the backend: method, path, and the query/body fields it sends. */
export interface ClientCall {
  method: string
  path: string
  query?: readonly string[]
  body?: readonly string[]
}

/**
 * Problems of one call against the schema: an empty list when the backend serves it with every
 * query parameter and body field the app sends.
 */
export function callProblems(spec: OpenApiSpec, call: ClientCall): string[] {
  const found = findOperation(spec, call.method, call.path)
  if (!found) return [`${call.method} ${call.path} is not in the OpenAPI schema`]
  const problems: string[] = []
  const query = queryParameters(found)
  for (const name of call.query ?? []) {
    if (!query.has(name)) problems.push(`query parameter "${name}" is unknown to the backend`)
  }
  const body = bodyFields(spec, found)
  for (const name of call.body ?? []) {
    if (!body.has(name)) problems.push(`body field "${name}" is unknown to the backend`)
  }
  if ((call.body ?? []).length && !found.requestBody) {
    problems.push('the app sends a body the backend does not accept')
  }
  return problems
}
