// The browser client survives a hub crash: the real `chathub serve` is SIGKILLed under an open page
// and restarted on the same port and data dir. The page says it lost the connection, keeps a line
// typed meanwhile as "sending…", reconnects with back-off, resumes the room, sends that line once,
// and shows what others sent — nothing lost, nothing twice.
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, describe, expect, test } from 'vitest'
import { ChatClient } from '#core/client/sdk'
import { DB_FILE, openDb } from '#core/db/client'
import { addAccount } from '#core/users/accounts'
import { browserAvailable, launchBrowser } from '#test/helpers/browser'
import { tempDir } from '#test/helpers/run-cli'
import { type ServeProcess, serveOn } from '#test/helpers/serve-process'

const PASSWORD = 'correct horse battery'

describe.skipIf(!browserAvailable())('the browser client across a hub restart', () => {
  const running: ServeProcess[] = []
  let browser: Browser | undefined
  afterAll(async () => {
    for (const p of running) p.proc.kill('SIGKILL')
    await browser?.close()
  })


  test('reconnects, resumes the room and re-sends the unacked line once', { timeout: 90_000 }, async () => {
    const dataDir = tempDir('chathub-web-reconnect-')
    const db = openDb(join(dataDir, DB_FILE))
    const policy = { minPasswordLength: 12, argon2: { memoryKiB: 19456, passes: 2 } }
    await addAccount(db, { name: 'alice', password: PASSWORD }, policy)
    await addAccount(db, { name: 'bob', password: PASSWORD }, policy)
    db.$client.close()

    const [first, launched] = await Promise.all([serveOn(dataDir, 0, running), launchBrowser()])
    browser = launched
    const bobSession = await ChatClient.login(first.url, 'bob', PASSWORD)
    const bob = await ChatClient.connect(first.url, bobSession.token)
    await bob.create('r')
    await bob.say('r', 'before the crash')

    const page = await (await browser.newContext()).newPage()
    await page.goto(first.url)
    await page.getByLabel('Name').fill('alice')
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.getByLabel('Join a room').fill('r')
    await page.getByLabel('Join a room').press('Enter')
    await page.locator('.message .body', { hasText: 'before the crash' }).waitFor()

    first.proc.kill('SIGKILL')
    await first.exited
    await page.getByText('Connection lost; reconnecting…').waitFor()
    await page.getByLabel('Message', { exact: true }).fill('typed while the hub was down')
    await page.getByLabel('Message', { exact: true }).press('Enter')
    await page.locator('.pending', { hasText: 'typed while the hub was down' }).getByText('sending…').waitFor()

    const second = await serveOn(dataDir, first.port, running)
    const bob2 = await ChatClient.connect(second.url, bobSession.token)
    await bob2.join('r')
    await bob2.say('r', 'sent while alice was away')
    await page.locator('.message .body', { hasText: 'typed while the hub was down' }).waitFor({ timeout: 30_000 })
    await page.locator('.message .body', { hasText: 'sent while alice was away' }).waitFor({ timeout: 30_000 })
    expect(await page.getByText('Connection lost; reconnecting…').count()).toBe(0)

    // A sentinel after everything: then the page shows each message exactly once.
    await bob2.say('r', 'sentinel')
    await page.locator('.message .body', { hasText: 'sentinel' }).waitFor()
    const texts = await page.locator('.message .body').allInnerTexts()
    // (bob's line may come before or after alice's: whichever the restarted hub stored first)
    expect([...texts].sort()).toEqual(['before the crash', 'sent while alice was away', 'sentinel', 'typed while the hub was down'])
    expect(await page.locator('.pending').count()).toBe(0)
    const stored = (await bob2.history('r')).messages.map((m) => m.text)
    expect(stored).toEqual(texts)
    await bob2.close()
  })
})
