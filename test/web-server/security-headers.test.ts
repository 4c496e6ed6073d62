// Security headers on every HTTP answer: the client's pages and files, API routes (answers, errors
// and 404s alike), and attachment downloads, which keep their own stricter policy and headers.
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { CONTENT_SECURITY_POLICY } from '#core/web/security-headers'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { type Answer, call, fakeClient, openSocket } from './support.ts'

const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; " +
  "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

let hub: TestHub
let dir: string
beforeAll(async () => {
  dir = fakeClient().dir
  hub = await startHub({ web: { dir } })
})
afterAll(async () => {
  await hub.close()
  rmSync(dir, { recursive: true, force: true })
})

const expectHeaders = (answer: Answer, what: string, csp = CSP) => {
  expect(answer.headers['content-security-policy'], what).toBe(csp)
  expect(answer.headers['x-content-type-options'], what).toBe('nosniff')
  expect(answer.headers['referrer-policy'], what).toBe('no-referrer')
  expect(answer.headers['x-frame-options'], what).toBe('DENY')
}

test('the policy is the documented one', () => {
  expect(CONTENT_SECURITY_POLICY).toBe(CSP)
})

test('pages, files, API answers, errors and 404s all carry the headers', async () => {
  const token = hub.token('alice')
  const answers: [string, Answer][] = [
    ['page', await call(hub.url, '/', { headers: { accept: 'text/html' } })],
    ['deep link', await call(hub.url, '/rooms/general', { headers: { accept: 'text/html' } })],
    ['asset', await call(hub.url, '/assets/index-Ab12Cd34.js')],
    ['me', await call(hub.url, '/api/v1/me', { headers: { authorization: `Bearer ${token}` } })],
    ['401', await call(hub.url, '/api/v1/me')],
    ['400', await call(hub.url, '/api/v1/login', { body: { user: '' } })],
    ['404', await call(hub.url, '/api/v1/nope')],
    ['healthz', await call(hub.url, '/healthz')],
    ['metrics', await call(hub.url, '/metrics')],
  ]
  expect(answers.map(([what, a]) => [what, a.status])).toEqual([
    ['page', 200],
    ['deep link', 200],
    ['asset', 200],
    ['me', 200],
    ['401', 401],
    ['400', 400],
    ['404', 404],
    ['healthz', 200],
    ['metrics', 200],
  ])
  for (const [what, answer] of answers) expectHeaders(answer, what)
})

test('an attachment download keeps its own sandboxing policy, type, disposition and cache headers', async () => {
  const token = hub.token('alice')
  const socket = await openSocket(hub.url)
  expect((await socket.auth(token)).type).toBe('ack')
  expect((await socket.request({ type: 'create', room: 'files' })).type).toBe('ack')
  socket.ws.close()
  const upload = await fetch(`${hub.url}/api/v1/rooms/files/attachments?name=notes.txt`, {
    method: 'POST',
    body: 'hello, world\n',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
  })
  expect(upload.status).toBe(201)
  expectHeaders(
    { status: upload.status, headers: Object.fromEntries(upload.headers), text: '', json: {} },
    'upload',
  )
  const { id } = (await upload.json()) as { id: string }
  const download = await call(hub.url, `/api/v1/attachments/${id}`, { headers: { authorization: `Bearer ${token}` } })
  expect(download.status).toBe(200)
  expect(download.text).toBe('hello, world\n')
  expectHeaders(download, 'download', "default-src 'none'; sandbox")
  expect(download.headers['content-disposition']).toMatch(/^attachment; filename="notes.txt"/)
  expect(download.headers['cache-control']).toBe('private, max-age=31536000, immutable')
  expect(download.headers['content-type']).toMatch(/^text\/plain|^application\/octet-stream/)
})
