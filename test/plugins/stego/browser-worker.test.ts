// Hidden messages in a real browser: the stego client and its worker, built by Vite with web/'s own
// config and served under the hub's Content-Security-Policy, hide and reveal in Debian's chromium,
// with the CLI's code (files.ts) on the other side, both ways, with the real key derivation.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { extname, join, resolve } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import sharp from 'sharp'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { CONTENT_SECURITY_POLICY } from '#core/web/security-headers'
import { embedInFile, extractFromFile } from '#plugins/stego/files'
import { writePng } from '#plugins/stego/image-io'
import { browserAvailable, launchBrowser } from '#test/helpers/browser'
import { photoLike } from '#test/plugins/stego/fixtures'

const CLIENT = resolve('web/src/stego/stego-client.ts')

/** The page: the client, loaded lazily as the app loads it, and helpers the test calls. */
const HARNESS = `
const b64 = (bytes) => { let s = ''; for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b); return btoa(s) }
const unb64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
const client = async () => (globalThis.client ??= new (await import(${JSON.stringify(CLIENT)})).StegoClient())
const failure = (err) => ({ code: err.code ?? err.name, message: err.message })
globalThis.harness = {
  async hide(file, text, passphrase) {
    const phases = new Set()
    try {
      const out = await (await client()).hide(unb64(file), text, passphrase, { onProgress: (f, phase) => phases.add(phase) })
      return { ...out, png: b64(out.png), phases: [...phases] }
    } catch (err) { return failure(err) }
  },
  async reveal(file, passphrase) {
    try { return await (await client()).reveal(new Blob([unb64(file)]), passphrase) } catch (err) { return failure(err) }
  },
  async analyze(file) {
    try { return await (await client()).analyze(unb64(file)) } catch (err) { return failure(err) }
  },
}
document.body.dataset.ready = 'yes'
`

const MIME: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
}

/**
 * A static server for the built harness, every answer with `csp` (the hub sets it on all of them),
 * or `workerCsp` on the worker's script: a dedicated worker runs under the policy of that answer.
 */
const serve = (
  dir: string,
  csp: string,
  workerCsp = csp,
): Promise<{ server: Server; url: string }> =>
  new Promise((done) => {
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname
      const file = join(dir, path === '/' ? 'index.html' : path)
      try {
        const body = readFileSync(file)
        res.writeHead(200, {
          'content-type': MIME[extname(file)] ?? 'application/octet-stream',
          'content-security-policy': path.includes('/stego-worker-') ? workerCsp : csp,
        })
        res.end(body)
      } catch {
        res.writeHead(404, { 'content-security-policy': csp }).end()
      }
    })
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      done({
        server,
        url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`,
      })
    })
  })

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')

interface Failure {
  code: string
  message: string
}

describe.runIf(browserAvailable())('hidden messages in chromium', () => {
  let root: string
  let browser: Browser
  const servers: Server[] = []

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'chathub-stego-web-'))
    writeFileSync(
      join(root, 'index.html'),
      '<!doctype html><title>stego</title><script type="module" src="./harness.js"></script>',
    )
    writeFileSync(join(root, 'harness.js'), HARNESS)
    await build({
      configFile: resolve('web/vite.config.ts'),
      root,
      logLevel: 'silent',
      build: { outDir: join(root, 'dist'), emptyOutDir: true },
    })
    browser = await launchBrowser()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    for (const server of servers) server.close()
    if (root) rmSync(root, { recursive: true, force: true })
  })

  const open = async (csp: string, workerCsp = csp): Promise<Page> => {
    const { server, url } = await serve(join(root, 'dist'), csp, workerCsp)
    servers.push(server)
    const page = await browser.newPage()
    await page.goto(url)
    await page.waitForSelector('body[data-ready="yes"]', { state: 'attached' })
    return page
  }

  const cover = photoLike({ width: 240, height: 180, channels: 3, seed: 41 })

  test('CLI → browser and browser → CLI, under the hub policy', async () => {
    const page = await open(CONTENT_SECURITY_POLICY)
    try {
      // `chathub send --hide`: the CLI's path, real argon2id v1
      const text = 'meet at the ⛲ at 17:00 — ñandú 你好'
      const fromCli = await embedInFile(await writePng(cover), { kind: 'text', text }, 'room words')
      const revealed = await page.evaluate(
        ([file]) => (globalThis as unknown as Paged).harness.reveal(file!, 'room words'),
        [b64(fromCli.png)],
      )
      expect(revealed).toEqual({ kind: 'text', text })
      const wrong = await page.evaluate(
        ([file]) => (globalThis as unknown as Paged).harness.reveal(file!, 'other words'),
        [b64(fromCli.png)],
      )
      expect(wrong).toMatchObject({ code: 'STEGO_NO_MESSAGE' })

      // hidden in the browser, revealed by `chathub reveal`'s path
      const reply = 'the mill, at nine'
      const hidden = await page.evaluate(
        ([file, t]) => (globalThis as unknown as Paged).harness.hide(file!, t!, 'room words'),
        [b64(await writePng(cover)), reply],
      )
      if ('code' in hidden) throw new Error(`hide failed: ${hidden.code} ${hidden.message}`)
      expect(hidden).toMatchObject({
        width: 240,
        height: 180,
        format: 'png',
        overSafe: false,
        payloadBytes: reply.length,
      })
      expect(hidden.analysis.suspicious).toBe(false)
      expect(hidden.phases).toEqual(expect.arrayContaining(['kdf', 'embed', 'encode', 'analyze']))
      const png = Buffer.from(hidden.png, 'base64')
      expect(await extractFromFile(png, 'room words')).toEqual({ kind: 'text', text: reply })
    } finally {
      await page.close()
    }
  })

  test('a JPEG cover, decoded by the browser in the worker, gives a PNG the CLI reads', async () => {
    const page = await open(CONTENT_SECURITY_POLICY)
    try {
      const jpeg = await sharp(Buffer.from(cover.data), {
        raw: { width: 240, height: 180, channels: 3 },
      })
        .jpeg({ quality: 92 })
        .toBuffer()
      const check = await page.evaluate(
        ([file]) => (globalThis as unknown as Paged).harness.analyze(file!),
        [b64(jpeg)],
      )
      expect(check).toMatchObject({ width: 240, height: 180, format: 'jpeg', fromJpeg: true })
      const hidden = await page.evaluate(
        ([file]) => (globalThis as unknown as Paged).harness.hide(file!, 'from a photo', 'pw'),
        [b64(jpeg)],
      )
      if ('code' in hidden) throw new Error(`hide failed: ${hidden.code} ${hidden.message}`)
      expect(hidden.fromJpeg).toBe(true)
      expect(await extractFromFile(Buffer.from(hidden.png, 'base64'), 'pw')).toEqual({
        kind: 'text',
        text: 'from a photo',
      })
    } finally {
      await page.close()
    }
  })

  // What counts is the policy sent with the worker's script, not the page's: both need it when the
  // hub sends one policy everywhere, as it does.
  const noWasm = CONTENT_SECURITY_POLICY.replace(" 'wasm-unsafe-eval'", '')
  test.each([
    ['nowhere', noWasm, noWasm, false],
    ["only on the page's answer", CONTENT_SECURITY_POLICY, noWasm, false],
    ["only on the worker script's answer", noWasm, CONTENT_SECURITY_POLICY, true],
  ] as const)("'wasm-unsafe-eval' %s", async (_where, csp, workerCsp, works) => {
    const page = await open(csp, workerCsp)
    try {
      const result = await page.evaluate(
        ([file]) => (globalThis as unknown as Paged).harness.reveal(file!, 'pw'),
        [b64(await writePng(cover))],
      )
      // a cover with nothing hidden: STEGO_NO_MESSAGE once argon2id ran
      if (works) expect(result).toMatchObject({ code: 'STEGO_NO_MESSAGE' })
      else {
        expect(result).toMatchObject({ code: 'CHATHUB_INTERNAL' })
        expect((result as Failure).message).toMatch(/WebAssembly|wasm|Content Security Policy/i)
      }
    } finally {
      await page.close()
    }
  })
})

interface Harness {
  hide(
    file: string,
    text: string,
    passphrase: string,
  ): Promise<
    | Failure
    | {
        png: string
        width: number
        height: number
        format: string
        fromJpeg: boolean
        overSafe: boolean
        analysis: { suspicious: boolean; verdict: string }
        phases: string[]
      }
  >
  reveal(file: string, passphrase: string): Promise<unknown>
  analyze(file: string): Promise<unknown>
}

/** The page's global with its helpers (called in the page, through page.evaluate). */
interface Paged {
  harness: Harness
}
