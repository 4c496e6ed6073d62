// Hidden messages between the browser and the CLI, both ways: a picture hidden in the browser (the
// codec in a Web Worker; passphrase and text never leave the page) is revealed by `chathub reveal`,
// and one hidden by `chathub send --hide` is revealed in the browser. A wrong passphrase finds nothing.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { browserAvailable, launchBrowser, seriousViolations } from '#test/helpers/browser'
import { credentialsHome, runCli, tempDir } from '#test/helpers/run-cli'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { photoLike } from '#test/plugins/stego/fixtures'

const PASSWORD = 'correct horse battery'
const PASSPHRASE = 'blue harbour lantern'

/** A photo-like cover (the stego suites' own: smooth shapes and sensor noise, which analysis passes). */
const cover = async (): Promise<Buffer> => {
  const image = photoLike({ width: 320, height: 240, seed: 1 })
  return sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: image.channels } }).png().toBuffer()
}

describe.skipIf(!browserAvailable())('hidden messages in the browser', () => {
  let hub: TestHub
  let browser: Browser
  let dir: string
  beforeAll(async () => {
    ;[hub, browser] = await Promise.all([startHub({ plugins: { stego: {} } }), launchBrowser()])
    await hub.addUser('alice', PASSWORD)
    const alice = await hub.connect('alice')
    await alice.create('secrets')
    await alice.close()
    dir = tempDir('chathub-web-stego-')
    writeFileSync(join(dir, 'harbour.png'), await cover())
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await hub?.close()
  })

  const logIn = async (): Promise<Page> => {
    const page = await (await browser.newContext()).newPage()
    await page.goto(hub.url)
    await page.getByLabel('Name').fill('alice')
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.getByRole('heading', { name: '#secrets' }).waitFor()
    return page
  }
  const cli = (args: string[]) =>
    runCli(args, { env: { ...credentialsHome(hub.url, 'bob', hub.token('bob')), STEGO_PASS: PASSPHRASE }, timeoutMs: 60_000 })

  test('hidden in the browser, revealed by chathub reveal', { timeout: 120_000 }, async () => {
    const page = await logIn()
    await page.locator('input[type=file]').setInputFiles(join(dir, 'harbour.png'))
    await page.getByRole('button', { name: 'Hide a message in harbour.png' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByText(/carries up to \d+ bytes/).waitFor()
    await dialog.getByLabel('Hidden message').fill('the key is under the third stone')
    await dialog.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE)
    expect(await seriousViolations(page)).toEqual([])
    await dialog.getByRole('button', { name: 'Hide' }).click()
    await dialog.getByRole('button', { name: 'Send this picture' }).or(dialog.getByRole('alert')).first().waitFor({ timeout: 60_000 })
    expect(await dialog.innerText()).toMatch(/Steganalysis of the result: looks clean/)
    await dialog.getByRole('button', { name: 'Send this picture' }).click()
    await page.getByLabel('Message', { exact: true }).fill('harbour at dusk')
    await page.getByLabel('Message', { exact: true }).press('Enter')
    await page.locator('.message', { hasText: 'harbour at dusk' }).locator('img').waitFor()

    const bob = await hub.connect('bob')
    await bob.join('secrets')
    const sent = (await bob.history('secrets')).messages.find((m) => m.text === 'harbour at dusk')
    expect(sent?.attachments?.[0]).toMatchObject({ name: 'harbour.png', mime: 'image/png' })
    const revealed = await cli(['reveal', '--room', 'secrets', '--message', String(sent?.seq), '--passphrase-env', 'STEGO_PASS'])
    expect(revealed.code, revealed.stderr).toBe(0)
    expect(revealed.stdout).toContain('the key is under the third stone')
    await bob.close()
  })

  test('hidden by chathub send --hide, revealed in the browser; a wrong passphrase finds nothing', { timeout: 120_000 }, async () => {
    const bob = await hub.connect('bob')
    await bob.join('secrets')
    await bob.close()
    const sent = await cli(['send', '--room', 'secrets', '--image', join(dir, 'harbour.png'), '--hide', 'meet at the lighthouse', '--passphrase-env', 'STEGO_PASS', 'from the cli'])
    expect(sent.code, sent.stderr).toBe(0)

    const page = await logIn()
    const message = page.locator('.message', { hasText: 'from the cli' })
    await message.locator('img').waitFor()
    await message.getByRole('button', { name: /^Reveal a hidden message/ }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByLabel('Passphrase', { exact: true }).fill('not the passphrase')
    await dialog.getByRole('button', { name: 'Reveal' }).click()
    await dialog.getByText('No hidden message for this passphrase.').waitFor({ timeout: 60_000 })
    await dialog.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE)
    await dialog.getByRole('button', { name: 'Reveal' }).click()
    await dialog.locator('.revealed').waitFor({ timeout: 60_000 })
    expect(await dialog.locator('.revealed').innerText()).toBe('meet at the lighthouse')
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })
  })
})
