// End-to-end encrypted rooms in the browser client, in a real Chromium against a real hub: alice
// makes an encrypted room in her browser (the warning first, then the lock and the line); bob's
// first device is an SDK client, his browser a second one that no trusted device vouched for yet
// (the notice with its fingerprint; what alice sends meanwhile shows as "cannot decrypt"), until
// his first device vouches for it. Then messages both ways, an edit, a reaction, a reply, a picture
// uploaded encrypted and shown decrypted, history from the device's own log after a reload; in
// alice's settings her devices with fingerprints, vouching for an SDK device of hers by its id
// (which then reads what the browser sends, and is read by it), renaming and removing; a second tab
// waiting for the device; axe-core; and the hub's files holding none of the browser's plaintexts.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import type { Browser, BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { Device } from '#core/client/e2e/device'
import { fingerprint } from '#core/client/e2e/fingerprint'
import { E2eSession } from '#core/client/e2e/session'
import { MemoryDeviceStore } from '#core/client/e2e/store'
import type { ChatClient } from '#core/client/sdk'
import { fromBase64 } from '#core/protocol/e2e'
import { browserAvailable, launchBrowser, logInAs, newTestPage, seriousViolations, type TestPage } from '#test/helpers/browser'
import { startHub, type TestHub } from '#test/helpers/start-hub'

const PASSWORD = 'correct horse battery'
const ROOM = 'vault'
const W = 96
const H = 64
/** What the browsers send: none of it may be found in the hub's files. */
const SECRETS = {
  early: 'sent before bobs browser was in the group',
  hello: 'hello bob from alices browser',
  edited: 'hello bob from alices browser, edited',
  answer: 'hello alice from bobs browser',
  reply: 'a reply in the thread from bob',
  interop: 'for every device of alice',
  picture: 'a picture of the vault',
}

/** A device of `name` through the SDK (as the CLI is one): a fresh in-memory store, registered. */
interface SdkDevice {
  client: ChatClient
  session: E2eSession
  store: MemoryDeviceStore
}

const allFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? allFiles(path) : [path]
  })

describe.skipIf(!browserAvailable())('end-to-end encrypted rooms in the browser client', () => {
  let hub: TestHub
  let browser: Browser
  const contexts: BrowserContext[] = []
  const devices: SdkDevice[] = []
  let alice: TestPage
  let bob: TestPage
  let bobSdk: SdkDevice
  let picture: Buffer
  /** Bytes of the picture's pixels (its IDAT chunk): the same in any copy of it, stripped or not. */
  let pixels: Buffer
  let files: string

  const sdkDevice = async (name: string, deviceName: string): Promise<SdkDevice> => {
    const client = await hub.connect(name)
    const store = new MemoryDeviceStore()
    const session = await E2eSession.attach(client, { deviceName, store })
    await session.enable()
    const device = { client, session, store }
    devices.push(device)
    return device
  }

  /** A browser profile of its own, logged in as `name`. */
  const pageOf = async (name: string): Promise<TestPage> => {
    const page = await newTestPage(browser)
    contexts.push(page.context())
    await logInAs(page, hub.url, name, PASSWORD)
    return page
  }

  const message = (page: TestPage) => page.getByLabel('Message', { exact: true })
  const say = async (page: TestPage, text: string) => {
    await message(page).fill(text)
    await message(page).press('Enter')
  }
  const shown = (page: TestPage, text: string) => page.locator('.timeline .message .body', { hasText: text })

  /** A notice of `sdk`'s session: `device` was added to the room's group (by a Commit). */
  const joinedGroup = (sdk: SdkDevice, device: string) =>
    sdk.client.next('notice', (n) => n.room === ROOM && n.text.includes(`device ${device} joined`), 60_000)

  beforeAll(async () => {
    ;[hub, browser] = await Promise.all([startHub(), launchBrowser()])
    for (const name of ['alice', 'bob']) await hub.addUser(name, PASSWORD)
    picture = await sharp({ create: { width: W, height: H, channels: 3, background: { r: 200, g: 40, b: 90 } } })
      .composite([{ input: Buffer.from(`<svg width="${W}" height="${H}"><circle cx="30" cy="30" r="20" fill="#1d4ed8"/></svg>`) }])
      .png()
      .toBuffer()
    const idat = picture.indexOf('IDAT') + 4
    pixels = picture.subarray(idat, idat + 32)
    files = mkdtempSync(join(tmpdir(), 'chathub-e2e-web-'))
    writeFileSync(join(files, 'vault.png'), picture)
  }, 60_000)
  afterAll(async () => {
    for (const d of devices) await d.client.close()
    await Promise.all(contexts.map((c) => c.close()))
    await browser?.close()
    await hub?.close()
    if (files) rmSync(files, { recursive: true, force: true })
  })

  test('alice creates an encrypted room in her browser: warned first, then a lock and the line', { timeout: 120_000 }, async () => {
    alice = await pageOf('alice')
    await alice.getByRole('button', { name: 'Create a room' }).click()
    const dialog = alice.getByRole('dialog', { name: 'Create a room' })
    await dialog.getByLabel('Room name').fill(ROOM)
    await dialog.getByLabel('End-to-end encrypted').check()
    await dialog.getByText('No history before joining.').waitFor()
    await dialog.getByText('Lose every device and you lose what they could read').waitFor()
    expect(await seriousViolations(alice)).toEqual([])
    await dialog.getByRole('button', { name: 'Create encrypted room' }).click()
    await alice.getByRole('heading', { name: `#${ROOM}`, exact: true }).waitFor()

    const header = alice.locator('.room-header')
    expect(await header.getByRole('img', { name: 'end-to-end encrypted' }).count()).toBe(1)
    expect(await header.locator('.encryption-line').innerText()).toBe(
      'End-to-end encrypted: only members’ devices can read it. No history from before you joined.',
    )
    await alice.getByRole('button', { name: `#${ROOM}` }).getByRole('img', { name: 'end-to-end encrypted' }).waitFor()

    // bob's first device is an SDK client: it joins, and alice's browser adds it to the group.
    bobSdk = await sdkDevice('bob', 'bob on the sdk')
    const welcomed = bobSdk.client.next('welcome', (w) => w.room === ROOM, 60_000)
    await bobSdk.client.join(ROOM)
    await welcomed
  })

  test('bob’s browser is a second device nobody vouched for: a notice, and what is sent meanwhile cannot be decrypted', { timeout: 120_000 }, async () => {
    bob = await pageOf('bob')
    await bob.getByRole('heading', { name: `#${ROOM}`, exact: true }).waitFor()
    const notice = bob.locator('.notice.unvouched')
    await notice.waitFor()
    const { devices: listed } = await bobSdk.client.request('devices', { user: 'bob' })
    const browserDevice = listed.find((d) => d.name === 'Chromium on Linux')
    expect(browserDevice).toBeDefined()
    const id = browserDevice!.device
    expect(await notice.innerText()).toContain(`chathub devices vouch ${id}`)
    expect(await notice.locator('.fingerprint').innerText()).toBe(await fingerprint(browserDevice!.key))

    await say(alice, SECRETS.early)
    await shown(alice, SECRETS.early).waitFor()
    const unreadable = bob.locator('.message .body.undecryptable', { hasText: 'cannot decrypt: sent before this device joined the room' })
    await unreadable.first().waitFor()
    expect(await unreadable.first().innerText()).toContain('E2E_CANNOT_DECRYPT')
    expect(await bob.getByText(SECRETS.early).count()).toBe(0)

    // bob's first device compares and vouches, as `chathub devices vouch ID` does; alice's browser
    // adds the new one, and the voucher (it hears of no change itself) accepts that Commit.
    const added = joinedGroup(bobSdk, id)
    const me = Device.fromJSON(await bobSdk.store.loadDevice())
    const vouch = await me.vouchFor('bob', id, fromBase64(browserDevice!.key))
    await bobSdk.client.request('vouch', { device: id, by: vouch.by, signature: vouch.signature })
    await added
    await notice.waitFor({ state: 'detached' })
  })

  test('messages both ways, an edit, a reaction and a reply; history from the device log after a reload', { timeout: 120_000 }, async () => {
    await say(alice, SECRETS.hello)
    await shown(bob, SECRETS.hello).waitFor()
    await say(bob, SECRETS.answer)
    await shown(alice, SECRETS.answer).waitFor()

    const mine = alice.locator('.timeline .message', { hasText: SECRETS.hello })
    await mine.hover()
    await mine.getByRole('button', { name: /^Edit message/ }).click()
    await alice.getByRole('textbox', { name: 'Edit message' }).fill(SECRETS.edited)
    await alice.getByRole('textbox', { name: 'Edit message' }).press('Enter')
    const edited = bob.locator('.timeline .message', { hasText: SECRETS.edited })
    await edited.locator('.edited').waitFor()

    await edited.hover()
    await edited.getByRole('button', { name: /^React to message/ }).click()
    await bob.getByRole('button', { name: 'React with 👍' }).click()
    await alice.locator('.timeline .message', { hasText: SECRETS.edited }).getByRole('button', { name: /^👍 1: bob/ }).waitFor()

    // A reply from the thread panel: alice sees what it answers.
    await edited.hover()
    await edited.getByRole('button', { name: /^Reply to message/ }).click()
    const panel = bob.locator('.thread-panel')
    await panel.locator('.message .body', { hasText: SECRETS.edited }).waitFor()
    await panel.getByLabel('Reply', { exact: true }).fill(SECRETS.reply)
    await panel.getByLabel('Reply', { exact: true }).press('Enter')
    await panel.locator('.message .body', { hasText: SECRETS.reply }).waitFor()
    const reply = alice.locator('.timeline .message', { hasText: SECRETS.reply })
    await reply.waitFor()
    expect(await reply.locator('.reply-context').innerText()).toContain(`replying to alice: ${SECRETS.edited}`)

    // The hub's copy is ciphertext: what bob's page shows after a reload is his device's own log.
    await bob.reload()
    await shown(bob, SECRETS.edited).waitFor()
    await shown(bob, SECRETS.reply).waitFor()
    await bob.locator('.message .body.undecryptable').first().waitFor()
    expect(await bob.getByText(SECRETS.early).count()).toBe(0)
  })

  test('a picture goes up encrypted and shows decrypted from a blob: URL', { timeout: 120_000 }, async () => {
    await alice.locator('.composer input[type=file]').first().setInputFiles(join(files, 'vault.png'))
    await alice.getByRole('list', { name: 'Files to send' }).getByText('vault.png').waitFor()
    await say(alice, SECRETS.picture)
    await alice.getByRole('list', { name: 'Files to send' }).waitFor({ state: 'detached', timeout: 60_000 })
    const img = bob.getByRole('button', { name: 'vault.png', exact: true }).locator('img')
    await img.waitFor({ timeout: 60_000 })
    expect(await img.getAttribute('src')).toMatch(/^blob:/)
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(W)
    expect(await img.evaluate((el) => (el as HTMLImageElement).naturalHeight)).toBe(H)
    // The hub stored ciphertext under a name that says nothing.
    const { messages } = await bobSdk.client.request('history', { room: ROOM })
    const stored = messages.flatMap((m) => m.attachments ?? [])
    expect(stored.length).toBeGreaterThan(0)
    for (const a of stored) expect(a.name).toBe('encrypted.bin')
    const downloaded = await bobSdk.client.download(stored.at(-1)!.id)
    expect(downloaded.name).toBe('encrypted.bin')
    expect(Buffer.from(downloaded.bytes).includes(pixels)).toBe(false)
    expect(await seriousViolations(bob)).toEqual([])
  })

  test('settings list alice’s devices with fingerprints; vouching for her SDK device lets it read the browser, and the browser it', { timeout: 120_000 }, async () => {
    const sdk = await sdkDevice('alice', 'alice on the sdk')
    const sdkId = (await sdk.store.loadDevice())!.id
    await sdk.client.join(ROOM)
    const old = await sdkDevice('alice', 'old phone')

    await alice.getByRole('button', { name: 'Settings' }).click()
    const table = alice.getByRole('table', { name: 'Your devices' })
    await table.getByText('alice on the sdk').waitFor()
    const { devices: listed } = await sdk.client.request('devices', { user: 'alice' })
    expect(listed).toHaveLength(3)
    for (const d of listed) {
      const row = table.getByRole('row').filter({ hasText: d.device })
      expect(await row.locator('.fingerprint').innerText()).toBe(await fingerprint(d.key))
    }
    const self = table.getByRole('row').filter({ hasText: 'this browser' })
    expect(await self.innerText()).toContain('first device (trusted on first use)')
    expect(await table.getByRole('row').filter({ hasText: sdkId }).innerText()).toContain('not vouched for')
    expect(await seriousViolations(alice)).toEqual([])

    // Vouch by its id, after its fingerprint is shown to compare.
    const added = joinedGroup(bobSdk, sdkId)
    await alice.getByLabel('Its device id').fill(sdkId)
    await alice.getByRole('button', { name: 'Show its fingerprint' }).click()
    const check = alice.getByRole('group', { name: 'Vouch for alice on the sdk' })
    expect(await check.locator('.fingerprint').innerText()).toBe(await fingerprint(listed.find((d) => d.device === sdkId)!.key))
    await check.getByRole('button', { name: 'It matches: vouch for it' }).click()
    await table.getByRole('row').filter({ hasText: sdkId }).getByText('vouched for by Chromium on Linux').waitFor()
    await added

    // Rename it.
    await alice.getByRole('button', { name: 'Rename alice on the sdk' }).click()
    await alice.getByLabel('New name for alice on the sdk').fill('sdk on the test machine')
    await alice.getByLabel('New name for alice on the sdk').press('Enter')
    await table.locator('.device-name', { hasText: 'sdk on the test machine' }).waitFor()

    // The browser and the SDK device read each other.
    await alice.getByRole('button', { name: 'Back to the chat' }).click()
    const atSdk = sdk.client.next('message', (m) => m.room === ROOM && m.text === SECRETS.interop, 60_000)
    await say(alice, SECRETS.interop)
    const got = await atSdk
    expect(got.from).toBe('alice')
    expect(got.undecryptable).toBeUndefined()
    await sdk.client.say(ROOM, 'from alices sdk device')
    await shown(alice, 'from alices sdk device').waitFor()
    await shown(bob, 'from alices sdk device').waitFor()

    // Remove the old phone: it leaves the list (and the account).
    const oldId = (await old.store.loadDevice())!.id
    await old.client.close()
    await alice.getByRole('button', { name: 'Settings' }).click()
    await alice.getByRole('button', { name: 'Remove old phone' }).click()
    await alice.getByRole('group', { name: 'Remove old phone?' }).getByRole('button', { name: 'Remove' }).click()
    await table.getByRole('row').filter({ hasText: oldId }).waitFor({ state: 'detached' })
    await alice.getByRole('button', { name: 'Back to the chat' }).click()
  })

  test('a second tab of the same browser waits for the device, then takes it over', { timeout: 120_000 }, async () => {
    const second = Object.assign(await alice.context().newPage(), { problems: [] as string[] })
    second.on('pageerror', (err) => second.problems.push(String(err)))
    await second.goto(hub.url)
    await second.getByRole('heading', { name: `#${ROOM}`, exact: true }).waitFor()
    await second.getByText('in use in another tab').waitFor()
    expect(await message(second).count()).toBe(0)
    // (401: /me before login; 404: the settings ask for the totp plugin, which this hub does not run)
    expect(alice.problems.filter((p) => !/\b40[14]\b/.test(p))).toEqual([])
    await alice.close()
    await shown(second, SECRETS.edited).waitFor({ timeout: 60_000 })
    await message(second).waitFor()
    expect(await second.getByText('in use in another tab').count()).toBe(0)
    expect(second.problems).toEqual([])
  })

  test('the hub’s files hold none of what the browsers sent (and the scan finds clear text)', async () => {
    const canary = `clear-canary-${Math.random().toString(36).slice(2)}`
    const clear = await hub.connect('alice')
    await clear.create('lobby')
    await clear.say('lobby', canary)
    const bytes = Buffer.concat(allFiles(hub.dataDir).map((f) => readFileSync(f)))
    expect(bytes.includes(Buffer.from(canary))).toBe(true)
    for (const text of Object.values(SECRETS)) expect(bytes.includes(Buffer.from(text)), text).toBe(false)
    expect(bytes.includes(pixels)).toBe(false)
    expect(bob.problems.filter((p) => !p.includes('401'))).toEqual([])
  })
})
