// The browser client served by the hub from web.dir: index.html at / (revalidated), hashed assets
// cached for a year, index.html for deep links, the hub's own paths never shadowed, and the 503 page
// when the client is not built.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import type { ConfigInput } from '#core/config'
import { packageRoot } from '#core/web/client-files'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { call, fakeClient } from './support.ts'

const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' }

let hub: TestHub | undefined
const dirs: string[] = []
afterEach(async () => {
  await hub?.close()
  hub = undefined
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
const start = async (config: ConfigInput) => (hub = await startHub(config))
const withClient = async () => {
  const client = fakeClient()
  dirs.push(client.dir)
  return { ...client, hub: await start({ web: { dir: client.dir } }) }
}

describe('a built client', () => {
  test('/ is index.html, revalidated on every load; hashed assets are cached for a year', async () => {
    const { hub, index, asset } = await withClient()
    const page = await call(hub.url, '/', { headers: HTML })
    expect(page.status).toBe(200)
    expect(page.headers['content-type']).toMatch(/^text\/html/)
    expect(page.headers['cache-control']).toBe('no-cache')
    expect(page.text).toBe(index)

    const script = await call(hub.url, '/assets/index-Ab12Cd34.js')
    expect(script.status).toBe(200)
    expect(script.headers['content-type']).toMatch(/javascript/)
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(script.text).toBe(asset)

    // A file at the top of the build is served too, but not as immutable (its name has no hash).
    const icon = await call(hub.url, '/favicon.svg')
    expect(icon.status).toBe(200)
    expect(icon.headers['cache-control']).toBe('no-cache')

    // Revalidation works: the ETag answers 304.
    const again = await call(hub.url, '/', { headers: { ...HTML, 'if-none-match': String(page.headers.etag) } })
    expect(again.status).toBe(304)
  })

  test('a deep link gets index.html; files that do not exist and API paths stay 404s', async () => {
    const { hub, index } = await withClient()
    for (const path of ['/rooms/general', '/settings', '/rooms/general?seq=40']) {
      const page = await call(hub.url, path, { headers: HTML })
      expect(page.status, path).toBe(200)
      expect(page.text).toBe(index)
      expect(page.headers['cache-control']).toBe('no-cache')
    }
    // Not a navigation (a fetch accepting JSON), or a path with a dot: no page.
    const json = await call(hub.url, '/rooms/general', { headers: { accept: 'application/json' } })
    expect(json.status).toBe(404)
    expect(json.json.code).toBe('CHATHUB_NOT_FOUND')
    const missing = await call(hub.url, '/assets/gone-12345678.js', { headers: HTML })
    expect(missing.status).toBe(404)
    expect(missing.json.code).toBe('CHATHUB_NOT_FOUND')
    // The hub's own paths are never the client, whatever the request accepts.
    for (const path of ['/api/v1/nope', '/api', '/plugins/nope/x']) {
      const answer = await call(hub.url, path, { headers: HTML })
      expect(answer.status, path).toBe(404)
      expect(answer.json).toMatchObject({ code: 'CHATHUB_NOT_FOUND', message: `No route GET ${path}.` })
    }
    const post = await call(hub.url, '/api/v1/nope', { body: {}, headers: HTML })
    expect(post.json).toMatchObject({ code: 'CHATHUB_NOT_FOUND', message: 'No route POST /api/v1/nope.' })
    expect((await call(hub.url, '/healthz', { headers: HTML })).json.status).toBe('ok')
    expect((await call(hub.url, '/metrics', { headers: HTML })).text).toContain('chathub_connections')
    // No way out of the folder.
    for (const path of ['/../package.json', '/assets/%2e%2e/%2e%2e/package.json', '//etc/passwd']) {
      const answer = await call(hub.url, path)
      expect(answer.status, path).toBeGreaterThanOrEqual(400)
      expect(answer.text, path).not.toContain('"name"')
    }
  })
})

describe('without a built client', () => {
  test('/ and deep links answer 503 saying how to build it; the API works', async () => {
    const client = fakeClient()
    dirs.push(client.dir)
    rmSync(join(client.dir, 'index.html'))
    const h = await start({ web: { dir: client.dir } })
    for (const path of ['/', '/rooms/general']) {
      const page = await call(h.url, path, { headers: HTML })
      expect(page.status, path).toBe(503)
      expect(page.headers['content-type']).toBe('text/plain; charset=utf-8')
      expect(page.text).toContain('browser client is not built')
      expect(page.text).toContain('npm run build')
      // The page does not tell the world where the hub is installed.
      expect(page.text).not.toContain(client.dir)
    }
    expect((await call(h.url, '/api/v1/me')).json.code).toBe('CHATHUB_AUTH_REQUIRED')
  })

  test('web.enabled false: no client, / is a JSON 404', async () => {
    const client = fakeClient()
    dirs.push(client.dir)
    const h = await start({ web: { enabled: false, dir: client.dir } })
    const page = await call(h.url, '/', { headers: HTML })
    expect(page.status).toBe(404)
    expect(page.json.code).toBe('CHATHUB_NOT_FOUND')
    expect((await call(h.url, '/assets/index-Ab12Cd34.js')).status).toBe(404)
  })

  test('web.dir defaults to web/dist of the package, found from the sources', () => {
    expect(join(packageRoot(), 'package.json')).toBe(join(process.cwd(), 'package.json'))
  })
})
