/**
 * Types derived from the generated schema (`npm run gen:api` from the shared snapshot,
 * frontends/shared/src/openapi.json): vue-tsc fails when an operation the client declares with `op()` loses its path or method, or when a
 * request or response shape the console relies on changes.
 */
import type { paths } from '@shoplet/shared/schema'

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
type Lower = 'get' | 'post' | 'patch' | 'put' | 'delete'
type Json<R> = R extends { content: { 'application/json': infer T } } ? T : void
type Success<O> = O extends { responses: infer R }
  ? R extends { 200: infer A }
    ? Json<A>
    : R extends { 201: infer A }
      ? Json<A>
      : R extends { 202: infer A }
        ? Json<A>
        : void
  : never

export type ApiPath = keyof paths
/** The methods a path really has (the generated types mark absent ones as optional `never`). */
export type MethodOf<P extends ApiPath> = {
  [K in keyof paths[P] & Lower]-?: paths[P][K] extends { responses: unknown } ? K : never
}[keyof paths[P] & Lower]
type OperationOf<P extends ApiPath, M extends string> = M extends keyof paths[P]
  ? NonNullable<paths[P][M]>
  : never
export type ResponseOf<P extends ApiPath, M extends string> = Success<OperationOf<P, M>>
export type BodyOf<P extends ApiPath, M extends string> =
  OperationOf<P, M> extends { requestBody?: { content: { 'application/json': infer B } } }
    ? B
    : never
export type QueryOf<P extends ApiPath, M extends string> =
  OperationOf<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never
