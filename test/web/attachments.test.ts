// Attachments in the browser client, in a real Chromium against a real hub. A PNG with text, time
// and EXIF chunks, picked from the keyboard through the file chooser, leaves the browser already
// stripped, uploads with visible progress (the upload is throttled), and shows as a thumbnail in
// another person's page, which opens the full picture in a modal viewer; the stored file has no
// metadata chunk and the same pixels. Another file is a download link that downloads the same
// bytes. Uploads over the quota or the size limit show the hub's code; dropped files are added, and
// an upload can be cancelled.
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import sharp from 'sharp'
import type { Browser, BrowserContext, FileChooser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { browserAvailable, launchBrowser, seriousViolations } from '#test/helpers/browser'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { PNG_METADATA, pngChunkTypes, withPngChunks } from '#test/core/attachment-files'
import { photoLike } from '#test/plugins/stego/fixtures'

const PASSWORD = 'correct horse battery'
/** What each account may keep stored; the size limit of one upload is above it. */
const QUOTA = 1_500_000
const MAX_BYTES = 4_000_000
const W = 320
const H = 240
const METADATA = ['tEXt', 'tIME', 'eXIf']


/** Records the body of every XMLHttpRequest the page sends (the uploads), before the page's own scripts run. */
const RECORD_UPLOADS = `
  globalThis.__uploads = []
  const send = XMLHttpRequest.prototype.send
  XMLHttpRequest.prototype.send = function (body) {
    if (body instanceof Blob) globalThis.__uploads.push(body)
    return send.call(this, body)
  }
`

describe.skipIf(!browserAvailable())('attachments in the browser client', () => {
  let hub: TestHub
  let browser: Browser
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    ;[hub, browser] = await Promise.all([startHub({ attachments: { quotaBytesPerUser: QUOTA, maxBytes: MAX_BYTES } }), launchBrowser()])
    for (const name of ['alice', 'bob', 'carol', 'dave']) await hub.addUser(name, PASSWORD)
    const alice = await hub.connect('alice')
    await alice.create('photos')
    await alice.close()
  }, 60_000)
  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close()))
    await browser?.close()
    await hub?.close()
  })

  /** A fresh browser profile logged in as `name` with `room` open; its console errors are collected. */
  const pageOf = async (name: string, room = 'photos'): Promise<Page & { problems: string[] }> => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } })
    contexts.push(context)
    await context.addInitScript(RECORD_UPLOADS)
    const page = Object.assign(await context.newPage(), { problems: [] as string[] })
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().includes('401')) page.problems.push(m.text())
    })
    page.on('pageerror', (err) => page.problems.push(String(err)))
    await page.goto(hub.url)
    await page.getByLabel('Name').fill(name)
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.getByLabel('Join a room').fill(room)
    await page.getByLabel('Join a room').press('Enter')
    await page.getByRole('heading', { name: `#${room}` }).waitFor()
    return page
  }

  /** Slow the page's uploads down to `bytesPerSecond`, so that their progress can be watched. */
  const throttleUploads = async (page: Page, bytesPerSecond: number) => {
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Network.enable')
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: bytesPerSecond })
    return () => cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })
  }

  /** The bytes of the page's last upload, as it sent them. */
  const lastUpload = async (page: Page): Promise<Buffer> =>
    Buffer.from(
      await page.evaluate(async () => {
        const uploads = (globalThis as unknown as { __uploads: Blob[] }).__uploads
        return [...new Uint8Array(await uploads.at(-1)!.arrayBuffer())]
      }),
    )

  const message = (page: Page) => page.getByLabel('Message', { exact: true })

  /**
   * Focus "Attach files" and press Enter, as a keyboard user does. Under load the room view can
   * re-render between the focus and the key press (a late history page), which takes the focus
   * with the old button; so the focus is checked right before the press, and the press repeated
   * (at most three times) if no chooser opened.
   */
  const openChooserByKeyboard = async (page: Page): Promise<FileChooser> => {
    const button = page.getByRole('button', { name: 'Attach files' })
    for (let attempt = 1; ; attempt++) {
      await button.focus()
      const focused = await button.evaluate((el) => el === document.activeElement)
      if (!focused && attempt < 3) continue
      expect(focused).toBe(true)
      const opened = page.waitForEvent('filechooser', { timeout: 10_000 })
      await page.keyboard.press('Enter')
      try {
        return await opened
      } catch (err) {
        if (attempt >= 3) throw err
      }
    }
  }

  test('a PNG is stripped in the browser, uploads with progress and shows as a thumbnail for the others', { timeout: 90_000 }, async () => {
    const raw = Buffer.from(photoLike({ width: W, height: H, seed: 5 }).data)
    const clean = await sharp(raw, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer()
    const original = withPngChunks(clean, PNG_METADATA)
    expect(pngChunkTypes(original)).toEqual(expect.arrayContaining(METADATA))
    const [a, b] = await Promise.all([pageOf('alice'), pageOf('bob')])

    // From the keyboard: "Attach files" is a button; Enter on it opens the chooser.
    const chooser = await openChooserByKeyboard(a)
    expect(chooser.isMultiple()).toBe(true)
    await chooser.setFiles({ name: 'holiday.png', mimeType: 'image/png', buffer: original })
    await a.getByRole('list', { name: 'Files to send' }).getByText('holiday.png').waitFor()

    const unthrottle = await throttleUploads(a, Math.ceil(original.length / 3)) // about three seconds
    await message(a).fill('from the beach')
    await message(a).press('Enter')
    const bar = a.getByRole('progressbar', { name: 'Uploading holiday.png' })
    await expect
      .poll(() => bar.evaluate((el) => {
        const { value, max } = el as unknown as { value: number; max: number }
        return value > 0 && value < max
      }), { timeout: 30_000, interval: 50 })
      .toBe(true)
    expect(await a.getByRole('button', { name: 'Cancel holiday.png' }).isVisible()).toBe(true)
    await a.getByRole('list', { name: 'Files to send' }).waitFor({ state: 'detached', timeout: 60_000 })
    await unthrottle()

    // What left the browser had no metadata already; the hub stored exactly that.
    const sent = await lastUpload(a)
    expect(pngChunkTypes(sent)).toEqual(pngChunkTypes(original).filter((t) => !METADATA.includes(t)))
    expect(sent.toString('latin1')).not.toContain('51.5007N')

    // bob sees the thumbnail, sized before it loads (no layout jump), and it loads.
    const thumb = b.getByRole('button', { name: 'holiday.png', exact: true })
    await thumb.waitFor()
    const img = thumb.locator('img')
    expect(await img.getAttribute('width')).toBe('240')
    expect(await img.getAttribute('height')).toBe('180')
    await expect.poll(() => img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0)
    await b.locator('.message .body', { hasText: 'from the beach' }).waitFor()

    // The stored file, downloaded with the SDK: no metadata chunk, the same pixels, the bytes sent.
    const sdk = await hub.connect('bob')
    const { messages } = await sdk.history('photos', { limit: 5 })
    const carried = messages.find((m) => m.text === 'from the beach')?.attachments ?? []
    expect(carried).toMatchObject([{ name: 'holiday.png', mime: 'image/png', width: W, height: H }])
    const stored = Buffer.from((await sdk.download(carried[0]!.id)).bytes)
    for (const meta of METADATA) expect(pngChunkTypes(stored)).not.toContain(meta)
    expect((await sharp(stored).raw().toBuffer()).equals(await sharp(original).raw().toBuffer())).toBe(true)
    expect(stored.equals(sent)).toBe(true)
    await sdk.close()

    // The viewer: a modal dialog with the full picture; Escape closes it and focus goes back.
    await thumb.click()
    const dialog = b.getByRole('dialog', { name: 'holiday.png' })
    await dialog.waitFor()
    expect(await dialog.getAttribute('aria-modal')).toBe('true')
    const full = dialog.getByRole('img', { name: 'holiday.png' })
    expect(await full.getAttribute('src')).toBe(`/api/v1/attachments/${carried[0]!.id}`)
    await expect.poll(() => full.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth)).toBe(W)
    expect(await seriousViolations(b)).toEqual([])
    await b.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })
    await expect.poll(() => thumb.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true)

    expect([...a.problems, ...b.problems]).toEqual([])
  })

  test('another file is a download link with its name and size that downloads the same bytes', { timeout: 60_000 }, async () => {
    const bytes = randomBytes(50_000)
    const [a, b] = await Promise.all([pageOf('alice'), pageOf('bob')])
    await a.locator('input[type=file]').setInputFiles({ name: 'notes.bin', mimeType: 'application/octet-stream', buffer: bytes })
    await message(a).press('Enter') // no text: the message says the file's name
    const link = b.getByRole('link', { name: /notes\.bin/ })
    await link.waitFor()
    expect(await link.textContent()).toBe('notes.bin (48.8 KiB)')
    const [download] = await Promise.all([b.waitForEvent('download'), link.click()])
    expect(download.suggestedFilename()).toBe('notes.bin')
    expect(readFileSync(await download.path()).equals(bytes)).toBe(true)
    expect((await lastUpload(a)).equals(bytes)).toBe(true)
    expect([...a.problems, ...b.problems]).toEqual([])
  })

  test('uploads over the quota or the size limit show the hub’s code; the text stays', { timeout: 60_000 }, async () => {
    const c = await pageOf('carol')
    await c.locator('input[type=file]').setInputFiles({ name: 'big.bin', mimeType: 'application/octet-stream', buffer: randomBytes(QUOTA + 100_000) })
    await message(c).fill('too much')
    await message(c).press('Enter')
    const failed = c.getByRole('list', { name: 'Files to send' }).getByRole('alert')
    await expect.poll(() => failed.textContent()).toContain('(CHATHUB_ATTACHMENT_QUOTA_EXCEEDED)')
    expect(await message(c).inputValue()).toBe('too much')

    await c.getByRole('button', { name: 'Remove big.bin' }).click()
    await c.locator('input[type=file]').setInputFiles({ name: 'huge.bin', mimeType: 'application/octet-stream', buffer: randomBytes(MAX_BYTES + 1) })
    await message(c).press('Enter')
    await expect.poll(() => failed.textContent()).toContain('(CHATHUB_ATTACHMENT_TOO_LARGE)')
    // Refused uploads count against nothing: a small file still goes, with the text kept.
    await c.getByRole('button', { name: 'Remove huge.bin' }).click()
    await c.locator('input[type=file]').setInputFiles({ name: 'small.txt', mimeType: 'text/plain', buffer: Buffer.from('fits') })
    await message(c).press('Enter')
    await c.locator('.message', { hasText: 'too much' }).getByRole('link', { name: /small\.txt/ }).waitFor()
    expect(c.problems.filter((p) => !p.includes('413'))).toEqual([])
  })

  test('files dropped on the room view are added; an upload in progress can be cancelled', { timeout: 60_000 }, async () => {
    const d = await pageOf('dave')
    const room = d.locator('main.room')
    const dropped = await d.evaluateHandle(`(() => {
      const transfer = new DataTransfer()
      transfer.items.add(new File([new Uint8Array(600000)], 'dropped.bin', { type: 'application/octet-stream' }))
      return transfer
    })()`)
    await room.dispatchEvent('dragenter', { dataTransfer: dropped })
    expect(await room.getAttribute('data-dropping')).toBe('')
    await room.dispatchEvent('drop', { dataTransfer: dropped })
    expect(await room.getAttribute('data-dropping')).toBeNull()
    const files = d.getByRole('list', { name: 'Files to send' })
    await files.getByText('dropped.bin').waitFor()

    await throttleUploads(d, 60_000) // ten seconds
    await message(d).fill('never sent')
    await message(d).press('Enter')
    await d.getByRole('progressbar', { name: 'Uploading dropped.bin' }).waitFor()
    await d.getByRole('button', { name: 'Cancel dropped.bin' }).click()
    await files.waitFor({ state: 'detached' })
    await expect.poll(() => d.getByRole('button', { name: 'Send' }).isEnabled()).toBe(true)
    expect(await message(d).inputValue()).toBe('never sent')
    expect(d.problems).toEqual([])
  })
})
