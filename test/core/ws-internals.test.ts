// frame-writer.ts writes whole frames straight to ws's socket and reads ws's private fields to know
// when that is safe. ws is pinned exactly in package.json; this fails if an upgrade moves the fields
// (the hub would keep working through ws.send, silently slower), and checks that an idle socket is
// in the state the fast path expects.
import { createRequire } from 'node:module'
import { afterEach, expect, test } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { hasWsInternals, sendFramed, textFrame, type WsInternals } from '#core/connections/frame-writer'

const servers: WebSocketServer[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r))
})

const pair = (options: { perMessageDeflate: boolean }) =>
  new Promise<{ server: WebSocket; client: WebSocket }>((resolve) => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: options.perMessageDeflate })
    servers.push(wss)
    wss.on('listening', () => {
      const { port } = wss.address() as { port: number }
      const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: options.perMessageDeflate })
      wss.once('connection', (server) => client.once('open', () => resolve({ server, client })))
    })
  })

test('ws is the pinned version whose internals frame-writer reads', () => {
  const pkg = createRequire(import.meta.url)('../../package.json') as { dependencies: Record<string, string> }
  const installed = (createRequire(import.meta.url)('ws/package.json') as { version: string }).version
  expect(pkg.dependencies.ws).toMatch(/^\d+\.\d+\.\d+$/) // exact, no range
  expect(installed).toBe(pkg.dependencies.ws)
})

test("a server socket has the fields the fast path uses, idle and uncompressed; a frame written through them arrives", async () => {
  const { server, client } = await pair({ perMessageDeflate: false })
  expect(hasWsInternals(server)).toBe(true)
  const internals = server as unknown as WsInternals
  expect(internals._sender?._state).toBe(0)
  expect(internals._extensions?.['permessage-deflate']).toBeUndefined()
  const got = new Promise<string>((resolve) => client.once('message', (data) => resolve(String(data))))
  sendFramed(server, textFrame('{"type":"ping"}'))
  expect(await got).toBe('{"type":"ping"}')
  client.close()
})

test('with permessage-deflate negotiated the extension is visible, so the fast path steps aside', async () => {
  const { server, client } = await pair({ perMessageDeflate: true })
  expect(hasWsInternals(server)).toBe(true)
  expect((server as unknown as WsInternals)._extensions?.['permessage-deflate']).toBeDefined()
  const got = new Promise<string>((resolve) => client.once('message', (data) => resolve(String(data))))
  sendFramed(server, textFrame('{"type":"ping"}'))
  expect(await got).toBe('{"type":"ping"}')
  client.close()
})

test('an upgraded connection keeps nothing of its upgrade request (idle memory per connection)', async () => {
  const { startHub } = await import('#test/helpers/start-hub')
  const h = await startHub()
  try {
    await h.connect('idle')
    const [conn] = [...h.hub.connections]
    const tcp = (conn?.ws as unknown as { _socket: { _httpMessage: unknown } })._socket
    // @fastify/websocket assigns a ServerResponse to the TCP socket and closes over the request and
    // reply in an 'error' listener; the gateway lets go of both (about 3 KiB of heap per connection).
    expect(tcp._httpMessage).toBeNull()
    expect(conn?.ws.listenerCount('error')).toBe(1)
  } finally {
    await h.close()
  }
})
