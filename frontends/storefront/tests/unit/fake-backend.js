// A transport for the API client that answers from per-route handlers and records every request,
// so store tests assert exactly what went over the wire.
export function fakeBackend(routes) {
  const requests = []
  const transport = async (req) => {
    requests.push(req)
    const path = req.url.replace(/^https?:\/\/[^/]+/, '').split('?')[0]
    const key = `${req.method} ${path}`
    const handler = routes[key]
    if (!handler) return { status: 404, data: { code: 'test.no_route', title: key } }
    const out = await handler(req)
    // A handler returns either a body (200) or an explicit { status, data } reply.
    const isReply = out && typeof out === 'object' && 'status' in out && 'data' in out
    return isReply ? out : { status: 200, data: out }
  }
  return { transport, requests }
}
