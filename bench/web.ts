// `npm run bench -- web [--runs N] [--only paint|bytes|heap]`: the browser client in Debian's chromium
// (playwright-core) against a real hub serving the built client (web/dist; `npm run bench` builds).
//
// paint: navigation to the first message painted, for a reader of a room with 10,000 messages and,
//        side by side in the same run as the baseline, of a room with 10 — the client loads one page
//        of history, so the ratio should stay near 1. Medians over --runs.
// bytes: what the first load of the chat view transfers: JS and CSS, raw and gzip (level 9); for an
//        account with no encrypted room (the end-to-end code stays unloaded), then for one whose first
//        room is encrypted (the browser's device and the MLS code load too).
// heap:  a tab with a room open receives 50 messages/s for 60 s; its JS heap after a forced GC at
//        the start, after 30 s and after 60 s, and the messages in the DOM (bounded by the window).
import { gzipSync } from 'node:zlib'
import type { Browser, Page } from 'playwright-core'
import { E2eSession } from '#core/client/e2e/session'
import { MemoryDeviceStore } from '#core/client/e2e/store'
import type { ChatClient } from '#core/client/sdk'
import { chromiumPath, launchBrowser } from '#test/helpers/browser'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { median } from './process.ts'

const PASSWORD = 'correct horse battery'

const logIn = async (page: Page, url: string, user: string) => {
  await page.goto(url)
  await page.getByLabel('Name').fill(user)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.getByRole('button', { name: 'Log out', exact: true }).waitFor()
}

/** ms from navigation (with a session cookie) until the room's newest message is on the screen. */
const timeToFirstMessage = async (browser: Browser, url: string, user: string, newest: string): Promise<number> => {
  const context = await browser.newContext()
  const page = await context.newPage()
  await logIn(page, url, user)
  await page.goto('about:blank')
  const start = performance.now()
  await page.goto(url)
  await page.locator('.message .body', { hasText: newest }).waitFor()
  const ms = performance.now() - start
  await context.close()
  return ms
}

const fill = async (client: ChatClient, room: string, count: number) => {
  await client.create(room)
  const batch: Promise<unknown>[] = []
  for (let i = 1; i <= count; i++) {
    batch.push(client.say(room, `${room} message ${i}: the quick brown fox jumps over the lazy dog`))
    if (batch.length === 200) await Promise.all(batch.splice(0))
  }
  await Promise.all(batch)
}

const paint = async (hub: TestHub, browser: Browser, runs: number): Promise<string> => {
  const owner = await hub.connect('owner')
  await fill(owner, 'big', 10_000)
  await fill(owner, 'small', 10)
  for (const [user, room] of [
    ['bigreader', 'big'],
    ['smallreader', 'small'],
  ] as const) {
    await hub.addUser(user, PASSWORD)
    const c = await hub.connect(user)
    await c.join(room)
    await c.close()
  }
  const big: number[] = []
  const small: number[] = []
  const ratios: number[] = []
  for (let i = 0; i < runs; i++) {
    const b = await timeToFirstMessage(browser, hub.url, 'bigreader', 'big message 10000:')
    const s = await timeToFirstMessage(browser, hub.url, 'smallreader', 'small message 10:')
    big.push(b)
    small.push(s)
    ratios.push(b / s)
  }
  await owner.close()
  return [
    `| first message painted | runs | median ms | ratio to 10 messages (median of pairs) |`,
    `|---|---|---|---|`,
    `| room of 10,000 messages | ${runs} | ${median(big).toFixed(0)} | **${median(ratios).toFixed(2)}** |`,
    `| room of 10 messages (baseline) | ${runs} | ${median(small).toFixed(0)} | 1.00 |`,
  ].join('\n')
}

type Sizes = Record<'js' | 'css' | 'html', [number, number]>

const bytes = async (hub: TestHub, browser: Browser): Promise<string> => {
  await hub.addUser('bytes', PASSWORD)
  const plain = await firstLoad(hub, browser, 'bytes')
  // An account whose room is end-to-end encrypted (made on a device of its own, through the SDK).
  await hub.addUser('bytese2e', PASSWORD)
  const owner = await hub.connect('bytese2e')
  await E2eSession.attach(owner, { deviceName: 'bench', store: new MemoryDeviceStore() })
  await owner.create('sealed', { e2e: true })
  await owner.close()
  const sealed = await firstLoad(hub, browser, 'bytese2e', '#sealed')
  const kb = (n: number) => (n / 1024).toFixed(1)
  return [
    `| first load of the chat view | raw KB | gzip KB | raw KB, encrypted room | gzip KB, encrypted room |`,
    `|---|---|---|---|---|`,
    `| JavaScript | ${kb(plain.js[0])} | **${kb(plain.js[1])}** | ${kb(sealed.js[0])} | ${kb(sealed.js[1])} |`,
    `| CSS | ${kb(plain.css[0])} | ${kb(plain.css[1])} | ${kb(sealed.css[0])} | ${kb(sealed.css[1])} |`,
    `| HTML | ${kb(plain.html[0])} | ${kb(plain.html[1])} | ${kb(sealed.html[0])} | ${kb(sealed.html[1])} |`,
  ].join('\n')
}

/** What a logged-in reload of the chat view fetches until the network is idle (`room`: once that heading shows). */
const firstLoad = async (hub: TestHub, browser: Browser, user: string, room?: string): Promise<Sizes> => {
  const context = await browser.newContext()
  const page = await context.newPage()
  await logIn(page, hub.url, user)
  const sizes: Sizes = { js: [0, 0], css: [0, 0], html: [0, 0] }
  page.on('response', (res) => {
    void res.body().then(
      (body) => {
        const type = res.headers()['content-type'] ?? ''
        const kind = type.includes('javascript') ? 'js' : type.includes('css') ? 'css' : type.includes('html') ? 'html' : undefined
        if (!kind) return
        sizes[kind][0] += body.length
        sizes[kind][1] += gzipSync(body, { level: 9 }).length
      },
      () => {},
    )
  })
  await page.reload()
  await page.getByRole('button', { name: 'Log out', exact: true }).waitFor()
  if (room) await page.getByRole('heading', { name: room, exact: true }).waitFor()
  await page.waitForLoadState('networkidle')
  await context.close()
  return sizes
}

const heap = async (hub: TestHub, browser: Browser): Promise<string> => {
  await hub.addUser('watcher', PASSWORD)
  const sender = await hub.connect('sender')
  await sender.create('busy')
  const w = await hub.connect('watcher')
  await w.join('busy')
  await w.close()
  const context = await browser.newContext()
  const page = await context.newPage()
  await logIn(page, hub.url, 'watcher')
  await page.getByRole('heading', { name: '#busy' }).waitFor()
  const cdp = await context.newCDPSession(page)
  const sample = async () => {
    await cdp.send('HeapProfiler.collectGarbage')
    const { usedSize } = await cdp.send('Runtime.getHeapUsage')
    return { heapMB: usedSize / 2 ** 20, messages: await page.locator('.message').count() }
  }
  const rows = [{ at: 0, ...(await sample()) }]
  let sent = 0
  const started = performance.now()
  for (const until of [30_000, 60_000]) {
    while (performance.now() - started < until) {
      const due = Math.floor(((performance.now() - started) / 1000) * 50)
      while (sent < due) void sender.say('busy', `message ${++sent} at 50 per second`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    await page.locator('.message .body', { hasText: `message ${sent} at` }).waitFor()
    rows.push({ at: until / 1000, ...(await sample()) })
  }
  await context.close()
  await sender.close()
  return [
    `| 50 messages/s into an open room | JS heap after GC, MB | messages in the DOM |`,
    `|---|---|---|`,
    ...rows.map((r) => `| after ${r.at} s (${Math.min(sent, r.at * 50)} received) | ${r.heapMB.toFixed(2)} | ${r.messages} |`),
    `| end ÷ start | **${((rows.at(-1)?.heapMB ?? 0) / (rows[0]?.heapMB ?? 1)).toFixed(2)}** | |`,
  ].join('\n')
}

export const runWeb = async (options: { runs: number; only?: string | undefined }): Promise<string> => {
  if (!chromiumPath) throw new Error('chromium is not installed: `sudo apt-get install chromium`')
  const hub = await startHub({ log: { level: 'warn' } })
  const browser = await launchBrowser()
  try {
    const parts: string[] = [`chromium: ${await browser.version()}`]
    if (!options.only || options.only === 'bytes') parts.push(await bytes(hub, browser))
    if (!options.only || options.only === 'paint') parts.push(await paint(hub, browser, options.runs))
    if (!options.only || options.only === 'heap') parts.push(await heap(hub, browser))
    return parts.join('\n\n')
  } finally {
    await browser.close()
    await hub.close()
  }
}
