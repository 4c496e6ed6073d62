// Safety numbers and search on the device in the browser client (docs/e2e.md, "In the browser"), in
// a real Chromium against a real hub: alice's and bob's browsers show the same safety number (the
// one safetyNumber() gives over the devices the hub lists), with bob's devices and fingerprints, and
// each marks the other verified; bob's browser vouches for a second device of his (an SDK device),
// and alice's browser warns in the encrypted room's header, naming bob, until she compares the new
// number. Then alice's search finds the encrypted room's message on her device, marked so, beside a
// clear room's message from the hub. axe-core on each new view.
import type { Browser, BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { fingerprint } from '#core/client/e2e/fingerprint'
import { formatSafetyNumber, safetyNumber } from '#core/client/e2e/safety-number'
import { E2eSession } from '#core/client/e2e/session'
import { MemoryDeviceStore } from '#core/client/e2e/store'
import type { ChatClient } from '#core/client/sdk'
import { browserAvailable, joinRoom, launchBrowser, logInAs, newTestPage, seriousViolations, type TestPage } from '#test/helpers/browser'
import { startHub, type TestHub } from '#test/helpers/start-hub'

const PASSWORD = 'correct horse battery'
const ROOM = 'vault'
const SECRET = 'the rendezvous plan is at noon'
const CLEAR = 'release plan for friday'

describe.skipIf(!browserAvailable())('safety numbers and search on the device in the browser client', () => {
  let hub: TestHub
  let browser: Browser
  const contexts: BrowserContext[] = []
  const clients: ChatClient[] = []
  let alice: TestPage
  let bob: TestPage
  /** Asks the hub for devices, as any client can: the reference for the numbers. */
  let observer: ChatClient
  /** The number alice and bob compared. */
  let compared: string

  /** A browser profile of its own, logged in as `name`. */
  const pageOf = async (name: string): Promise<TestPage> => {
    const page = await newTestPage(browser)
    contexts.push(page.context())
    await logInAs(page, hub.url, name, PASSWORD)
    return page
  }

  /** What safetyNumber() gives over alice's and bob's devices as the hub lists them (all trusted here). */
  const expectedNumber = async (): Promise<string> => {
    const [a, b] = await Promise.all(['alice', 'bob'].map((user) => observer.request('devices', { user })))
    return formatSafetyNumber(safetyNumber({ user: 'alice', devices: a!.devices }, { user: 'bob', devices: b!.devices })).join(' ')
  }

  const shownNumber = async (page: TestPage, user: string): Promise<string> => {
    const number = page.getByRole('dialog', { name: `Verify ${user}` }).locator('.safety-number')
    await number.waitFor()
    return (await number.innerText()).replace(/\s+/g, ' ').trim()
  }

  const memberRow = (page: TestPage, user: string) => page.locator('.member-list .member-line', { has: page.locator('.member-name', { hasText: user }) })

  beforeAll(async () => {
    ;[hub, browser] = await Promise.all([startHub(), launchBrowser()])
    for (const name of ['alice', 'bob']) await hub.addUser(name, PASSWORD)
    observer = await hub.connect('alice')
    clients.push(observer)
  }, 60_000)
  afterAll(async () => {
    for (const c of clients) await c.close()
    await Promise.all(contexts.map((c) => c.close()))
    await browser?.close()
    await hub?.close()
  })

  test('alice’s and bob’s browsers show the same safety number, the SDK’s; each marks the other verified', { timeout: 120_000 }, async () => {
    alice = await pageOf('alice')
    await alice.getByRole('button', { name: 'Create a room' }).click()
    const create = alice.getByRole('dialog', { name: 'Create a room' })
    await create.getByLabel('Room name').fill(ROOM)
    await create.getByLabel('End-to-end encrypted').check()
    await create.getByRole('button', { name: 'Create encrypted room' }).click()
    await alice.getByRole('heading', { name: `#${ROOM}`, exact: true }).waitFor()
    bob = await pageOf('bob')
    await joinRoom(bob, ROOM)

    // bob first: asking for the number registers his browser as his device if it is not yet.
    await bob.getByRole('button', { name: 'Members' }).click()
    await bob.getByRole('button', { name: 'Verify alice', exact: true }).click()
    const atBob = await shownNumber(bob, 'alice')
    await alice.getByRole('button', { name: 'Members' }).click()
    await alice.getByRole('button', { name: 'Verify bob', exact: true }).click()
    const atAlice = await shownNumber(alice, 'bob')
    expect(atAlice).toMatch(/^(\d{5} ){11}\d{5}$/)
    expect(atAlice).toBe(atBob)
    expect(atAlice).toBe(await expectedNumber())
    compared = atAlice

    // bob's devices with their fingerprints, as `chathub verify bob` lists them.
    const dialog = alice.getByRole('dialog', { name: 'Verify bob' })
    const { devices: bobs } = await observer.request('devices', { user: 'bob' })
    expect(bobs).toHaveLength(1)
    const row = dialog.getByRole('table', { name: 'bob’s devices' }).getByRole('row').filter({ hasText: bobs[0]!.device })
    expect(await row.locator('.fingerprint').innerText()).toBe(await fingerprint(bobs[0]!.key))
    expect(await row.innerText()).toContain('first device (trusted on first use)')
    expect(await seriousViolations(alice)).toEqual([])

    await dialog.getByRole('button', { name: 'It matches: mark bob verified' }).click()
    await dialog.getByText('Recorded: bob is verified in this browser.').waitFor()
    await dialog.getByText('You compared this number with bob on').waitFor()
    await dialog.getByRole('button', { name: 'Close' }).click()
    await dialog.waitFor({ state: 'detached' })
    await memberRow(alice, 'bob').locator('.tag.verified').waitFor()

    const atBobDialog = bob.getByRole('dialog', { name: 'Verify alice' })
    await atBobDialog.getByRole('button', { name: 'It matches: mark alice verified' }).click()
    await atBobDialog.getByText('Recorded: alice is verified in this browser.').waitFor()
    await atBobDialog.getByRole('button', { name: 'Close' }).click()
    await atBobDialog.waitFor({ state: 'detached' })
    await memberRow(bob, 'alice').locator('.tag.verified').waitFor()
    expect(await alice.locator('.verification-warnings').count()).toBe(0)
  })

  test('bob vouches for a second device: alice’s browser warns in the room, naming bob, until she verifies again', { timeout: 120_000 }, async () => {
    const client = await hub.connect('bob')
    clients.push(client)
    const store = new MemoryDeviceStore()
    const session = await E2eSession.attach(client, { deviceName: 'bob on the sdk', store })
    await session.enable()
    const sdkId = (await store.loadDevice())!.id
    await client.join(ROOM)
    const welcomed = client.next('welcome', (w) => w.room === ROOM, 60_000)

    // An unvouched device is listed, but neither in the number nor a change to a verification.
    await alice.getByRole('button', { name: 'Verify bob', exact: true }).click()
    const before = alice.getByRole('dialog', { name: 'Verify bob' })
    const unvouched = before.getByRole('table', { name: 'bob’s devices' }).getByRole('row').filter({ hasText: sdkId })
    expect(await unvouched.innerText()).toContain('not vouched for: neither in the number nor in your rooms')
    expect(await shownNumber(alice, 'bob')).toBe(compared)
    await before.getByText('You compared this number with bob on').waitFor()
    await before.getByRole('button', { name: 'Close' }).click()
    await before.waitFor({ state: 'detached' })
    expect(await alice.locator('.verification-warnings').count()).toBe(0)

    // bob's browser, his first device, vouches for it.
    await bob.getByRole('button', { name: 'Settings' }).click()
    await bob.getByLabel('Its device id').fill(sdkId)
    await bob.getByRole('button', { name: 'Show its fingerprint' }).click()
    await bob.getByRole('group', { name: 'Vouch for bob on the sdk' }).getByRole('button', { name: 'It matches: vouch for it' }).click()
    await bob.getByRole('table', { name: 'Your devices' }).getByRole('row').filter({ hasText: sdkId }).getByText('vouched for by Chromium on Linux').waitFor()
    await bob.getByRole('button', { name: 'Back to the chat' }).click()

    // The room's header says it, naming bob and what changed.
    const warning = alice.locator('.room-header .verification-warnings')
    await warning.waitFor()
    const text = await warning.innerText()
    expect(text).toContain('Verification broken:')
    expect(text).toContain(`bob’s devices changed since you verified them (device ${sdkId} ("bob on the sdk") added)`)
    await memberRow(alice, 'bob').locator('.tag.verification-broken').waitFor()
    expect(await seriousViolations(alice)).toEqual([])
    // bob's own view of alice has not changed.
    expect(await bob.locator('.verification-warnings').count()).toBe(0)
    await memberRow(bob, 'alice').locator('.tag.verified').waitFor()

    // The new device is in the group and reads and writes there (alice's browser decrypts it).
    await welcomed
    await client.say(ROOM, SECRET)
    await alice.locator('.timeline .message .body', { hasText: SECRET }).waitFor({ timeout: 60_000 })

    // Compare the new number, over both of bob's devices, and confirm it: the warning goes.
    await warning.getByRole('button', { name: 'Verify bob again' }).click()
    const dialog = alice.getByRole('dialog', { name: 'Verify bob' })
    await dialog.getByRole('alert').filter({ hasText: 'Verification broken' }).waitFor()
    const number = await shownNumber(alice, 'bob')
    expect(number).not.toBe(compared)
    expect(number).toBe(await expectedNumber())
    const table = dialog.getByRole('table', { name: 'bob’s devices' })
    expect(await table.getByRole('row').filter({ hasText: sdkId }).innerText()).toContain('vouched for by Chromium on Linux')
    expect(await seriousViolations(alice)).toEqual([])
    await dialog.getByRole('button', { name: 'It matches: mark bob verified again' }).click()
    await dialog.getByText('Recorded: bob is verified in this browser.').waitFor()
    // The warning went with the confirmation; the dialog stays until closed, then focus is on the room.
    await warning.waitFor({ state: 'detached' })
    await dialog.getByRole('button', { name: 'Close' }).click()
    await dialog.waitFor({ state: 'detached' })
    // Focus goes back to the room title once the dialog is gone (after the next render).
    await alice.waitForFunction(() => document.activeElement?.id === 'room-title', undefined, { timeout: 10_000 })
    await memberRow(alice, 'bob').locator('.tag.verified').waitFor()
  })

  test('search in alice’s browser finds the encrypted room’s message on her device, and a clear room’s from the hub', { timeout: 120_000 }, async () => {
    const clear = await hub.connect('alice')
    clients.push(clear)
    await clear.create('lobby')
    await clear.say('lobby', CLEAR)

    await alice.getByRole('button', { name: 'Search messages' }).click()
    const dialog = alice.getByRole('dialog', { name: 'Search messages' })
    await dialog.getByText('Encrypted rooms are searched on this device').waitFor()
    await dialog.getByLabel('Words').fill('plan')
    await dialog.getByRole('button', { name: 'Search', exact: true }).click()
    const results = dialog.getByRole('list', { name: 'Search results' })
    const onDevice = results.getByRole('listitem').filter({ hasText: 'rendezvous' })
    const fromHub = results.getByRole('listitem').filter({ hasText: CLEAR })
    await onDevice.waitFor()
    await fromHub.waitFor()
    expect(await results.getByRole('listitem').count()).toBe(2)
    expect(await onDevice.innerText()).toContain('#vault')
    expect(await onDevice.locator('.hit-source').innerText()).toBe('on this device')
    expect(await fromHub.innerText()).toContain('#lobby')
    expect(await fromHub.locator('.hit-source').count()).toBe(0)
    expect(await onDevice.locator('mark').innerText()).toBe('plan')
    expect(await seriousViolations(alice)).toEqual([])

    // The encrypted room alone: the device alone.
    await dialog.getByRole('combobox', { name: 'Room' }).selectOption(ROOM)
    await dialog.getByRole('button', { name: 'Search', exact: true }).click()
    await fromHub.waitFor({ state: 'detached' })
    expect(await results.getByRole('listitem').count()).toBe(1)
    await onDevice.getByRole('button').click()
    await alice.getByRole('heading', { name: `#${ROOM}`, exact: true }).waitFor()
    await alice.locator('.timeline .message .body', { hasText: SECRET }).waitFor()

    // (401: /me before login; 404: the settings ask for the totp plugin, which this hub does not run)
    for (const page of [alice, bob]) expect(page.problems.filter((p) => !/\b40[14]\b/.test(p))).toEqual([])
  })
})
