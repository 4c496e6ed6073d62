// Rooms in the browser, in a real Chromium against a real hub: the public room directory, creating a
// private room and inviting into it (the invitation arrives live), a private room out of reach of
// the others, roles, topic, kick, ban and unban from the members panel (a plain member sees no such
// buttons; a refusal shows the hub's code), leaving, presence in the members panel and in direct
// messages, the members dialog on a phone, and axe-core with the panel and the directory open.
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { browserAvailable, joinRoom, launchBrowser, logInAs, newTestPage, seriousViolations } from '#test/helpers/browser'
import { startHub, type TestHub } from '#test/helpers/start-hub'

const PASSWORD = 'correct horse battery'

describe.skipIf(!browserAvailable())('rooms in the browser client', () => {
  let hub: TestHub
  let browser: Browser

  beforeAll(async () => {
    ;[hub, browser] = await Promise.all([startHub(), launchBrowser()])
    for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank']) await hub.addUser(name, PASSWORD)
    const alice = await hub.connect('alice')
    await alice.create('lobby', { topic: 'say hi' })
    await alice.create('town')
    await alice.create('hideout', { private: true })
    await alice.close()
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await hub?.close()
  })

  const newPage = (viewport?: { width: number; height: number }) => newTestPage(browser, viewport)
  const logIn = (page: Page, name: string) => logInAs(page, hub.url, name, PASSWORD)

  const openRoom = joinRoom

  /** The members side panel (wide screens), opened. */
  const openMembers = async (page: Page): Promise<Locator> => {
    await page.getByRole('button', { name: 'Members', exact: true }).click()
    const panel = page.getByRole('complementary', { name: 'Members', exact: true })
    await panel.getByRole('list', { name: 'Members' }).waitFor()
    return panel
  }

  const member = (panel: Locator, user: string): Locator =>
    panel.locator('.member', { has: panel.page().locator('.member-name', { hasText: new RegExp(`^${user}\\b`) }) })

  const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id)
  const focusedText = (page: Page) => page.evaluate(() => document.activeElement?.textContent?.trim())

  /** The browser logs the 401 of /api/v1/me before login; anything else is a problem. */
  const problems = (...pages: (Page & { problems: string[] })[]) => pages.flatMap((p) => p.problems).filter((p) => !p.includes('401'))

  test('the directory lists the public rooms one is not in; Escape closes it, Join opens the room', { timeout: 90_000 }, async () => {
    const page = await newPage()
    await logIn(page, 'dave')
    const opener = page.getByRole('button', { name: 'Room directory' })
    await opener.click()
    const dialog = page.getByRole('dialog', { name: 'Browse rooms' })
    expect(await dialog.getAttribute('aria-modal')).toBe('true')
    const lobby = dialog.getByRole('listitem').filter({ hasText: '#lobby' })
    await lobby.waitFor()
    expect(await lobby.innerText()).toMatch(/say hi/)
    expect(await lobby.innerText()).toMatch(/1 member\b/)
    await dialog.getByRole('button', { name: 'Join town' }).waitFor()
    expect(await dialog.getByText('#hideout').count()).toBe(0) // private: not in the directory
    expect(await seriousViolations(page)).toEqual([])

    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
    expect(await focusedText(page)).toBe('Room directory')

    await opener.click()
    await dialog.getByLabel('Filter by name or topic').fill('nothing like it')
    await dialog.getByText('No public room matches.').waitFor()
    await dialog.getByLabel('Filter by name or topic').fill('hi')
    expect(await dialog.getByRole('button', { name: /^Join / }).count()).toBe(1)
    await dialog.getByRole('button', { name: 'Join lobby' }).click()
    await page.getByRole('heading', { name: '#lobby', exact: true }).waitFor()
    await dialog.waitFor({ state: 'hidden' })
    expect(await focusedId(page)).toBe('room-title')
    await page.getByRole('button', { name: '#lobby', exact: true }).waitFor()

    await opener.click()
    await dialog.getByRole('button', { name: 'Join town' }).waitFor()
    expect(await dialog.getByRole('button', { name: 'Join lobby' }).count()).toBe(0) // a member now
    await dialog.getByRole('button', { name: 'Close' }).click()
    await dialog.waitFor({ state: 'hidden' })
    expect(problems(page)).toEqual([])
  })

  test('a private room: created, an invitation arrives live and is accepted; nobody else sees or joins it', { timeout: 90_000 }, async () => {
    const [a, b, c] = await Promise.all([newPage(), newPage(), newPage()])
    await Promise.all([logIn(a, 'alice'), logIn(b, 'bob'), logIn(c, 'carol')])

    await a.getByRole('button', { name: 'Create a room' }).click()
    const dialog = a.getByRole('dialog', { name: 'Create a room' })
    expect(await dialog.getAttribute('aria-modal')).toBe('true')
    await dialog.getByLabel('Room name').fill('lobby')
    await dialog.getByRole('button', { name: 'Create', exact: true }).click()
    await expect.poll(() => dialog.getByRole('alert').textContent()).toContain('CHATHUB_ROOM_EXISTS')
    await dialog.getByLabel('Room name').fill('plans')
    await dialog.getByLabel(/^Private/).check()
    await dialog.getByLabel('Topic (optional)').fill('next quarter')
    await dialog.getByRole('button', { name: 'Create', exact: true }).click()
    await a.getByRole('heading', { name: '#plans', exact: true }).waitFor()
    await dialog.waitFor({ state: 'hidden' })
    expect(await a.locator('.room-header .topic').innerText()).toBe('next quarter')

    // alice invites bob from the members panel; the invitation reaches bob's page at once.
    const panel = await openMembers(a)
    expect(await member(panel, 'alice').innerText()).toMatch(/owner/)
    await panel.getByLabel('Invite someone').fill('bob')
    await panel.getByRole('button', { name: 'Invite', exact: true }).click()
    await panel.getByRole('status').filter({ hasText: 'Invited bob' }).waitFor()
    const invitation = b.locator('.invitations li', { hasText: '#plans' })
    await invitation.waitFor()
    expect(await invitation.innerText()).toContain('invited by alice')
    await invitation.getByRole('button', { name: 'Join plans' }).click()
    await b.getByRole('heading', { name: '#plans', exact: true }).waitFor()
    await b.getByRole('heading', { name: 'Invitations' }).waitFor({ state: 'detached' })
    await member(panel, 'bob').waitFor() // live in alice's panel (a `joined` event)

    // bob is a plain member of a private room: no invitations, moderation or topic buttons for him.
    const bobs = await openMembers(b)
    await member(bobs, 'alice').waitFor()
    expect(await bobs.getByRole('button', { name: /^(Kick|Ban|Promote|Demote) / }).count()).toBe(0)
    expect(await bobs.getByLabel('Invite someone').count()).toBe(0)
    expect(await bobs.getByLabel('Unban someone').count()).toBe(0)
    expect(await b.getByRole('button', { name: 'Edit topic' }).count()).toBe(0)

    // carol: not in the directory, and joining by name is refused as for a room that does not exist.
    await c.getByRole('button', { name: 'Room directory' }).click()
    const directory = c.getByRole('dialog', { name: 'Browse rooms' })
    await directory.getByRole('button', { name: 'Join lobby' }).waitFor()
    expect(await directory.getByText('#plans').count()).toBe(0)
    await c.keyboard.press('Escape')
    await directory.waitFor({ state: 'hidden' })
    await c.getByLabel('Join a room').fill('plans')
    await c.getByLabel('Join a room').press('Enter')
    await expect.poll(() => c.getByRole('alert').textContent()).toContain('CHATHUB_ROOM_NOT_FOUND')
    expect(await c.getByRole('button', { name: '#plans' }).count()).toBe(0)
    expect(problems(a, b, c)).toEqual([])
  })

  test('roles, topic, kick, ban and unban from the members panel; a refusal shows the hub’s code', { timeout: 120_000 }, async () => {
    const [a, b, c] = await Promise.all([newPage(), newPage(), newPage()])
    await Promise.all([logIn(a, 'alice'), logIn(b, 'bob'), logIn(c, 'carol')])
    await Promise.all([openRoom(a, 'town'), openRoom(b, 'town'), openRoom(c, 'town')])

    // carol, a plain member: the members, but no moderation and no topic editing.
    const carols = await openMembers(c)
    await member(carols, 'bob').waitFor()
    expect(await carols.getByRole('button', { name: /^(Kick|Ban|Promote|Demote) / }).count()).toBe(0)
    expect(await carols.getByLabel('Unban someone').count()).toBe(0)
    expect(await carols.getByLabel('Read receipts', { exact: false }).count()).toBe(0)
    expect(await c.getByRole('button', { name: 'Edit topic' }).count()).toBe(0)
    await carols.getByLabel('Invite someone').waitFor() // any member may invite to a public room

    // The owner makes bob a moderator.
    const alices = await openMembers(a)
    await member(alices, 'carol').waitFor()
    expect(await member(alices, 'alice').getByRole('button').count()).toBe(0) // not on herself
    await alices.getByRole('button', { name: 'Promote bob to moderator' }).click()
    await member(alices, 'bob').getByText('moderator', { exact: true }).waitFor()
    expect(await focusedText(a)).toBe('Demote') // the same button, now the other way

    // bob (his role is read again when he opens the panel) edits the topic; alice sees it live.
    expect(await b.getByRole('button', { name: 'Edit topic' }).count()).toBe(0)
    const bobs = await openMembers(b)
    await b.getByRole('button', { name: 'Edit topic' }).click()
    await b.getByRole('textbox', { name: 'Topic' }).fill('release day')
    await b.getByRole('textbox', { name: 'Topic' }).press('Enter')
    await a.locator('.room-header .topic', { hasText: 'release day' }).waitFor()
    expect(await focusedText(b)).toBe('Edit topic')
    await c.locator('.room-header .topic', { hasText: 'release day' }).waitFor()

    // Read receipts: turned on by alice, seen live in bob's panel; turned off by bob.
    const receipts = (panel: Locator) => panel.getByRole('checkbox', { name: /^Read receipts/ })
    await receipts(alices).check()
    await expect.poll(() => receipts(bobs).isChecked()).toBe(true)
    await receipts(bobs).uncheck()
    await expect.poll(() => receipts(alices).isChecked()).toBe(false)

    // bob kicks carol (not alice: the owner is above him); carol's page drops the room and says so.
    expect(await bobs.getByRole('button', { name: /^(Kick|Ban) alice/ }).count()).toBe(0)
    expect(await bobs.getByRole('button', { name: /^(Promote|Demote) / }).count()).toBe(0) // roles: the owner only
    await bobs.getByRole('button', { name: 'Kick carol', exact: true }).click()
    await bobs.getByLabel('Reason for kicking carol (optional)').fill('cool off')
    await bobs.locator('form').getByRole('button', { name: 'Kick carol', exact: true }).click()
    await c.getByRole('status').filter({ hasText: 'You were removed from #town by bob: cool off' }).waitFor()
    await c.getByRole('button', { name: '#town', exact: true }).waitFor({ state: 'detached' })
    await c.getByRole('heading', { name: 'No room open' }).waitFor()
    await member(alices, 'carol').waitFor({ state: 'detached' })

    // A kick is not a ban: carol comes back; bob bans her, and she cannot come back.
    await openRoom(c, 'town')
    await member(bobs, 'carol').waitFor()
    await bobs.getByRole('button', { name: 'Ban carol', exact: true }).click()
    await bobs.getByLabel('Reason for banning carol (optional)').fill('spam')
    await bobs.locator('form').getByRole('button', { name: 'Ban carol', exact: true }).click()
    await c.getByRole('status').filter({ hasText: 'You were banned from #town by bob: spam' }).waitFor()
    await c.getByLabel('Join a room').fill('town')
    await c.getByLabel('Join a room').press('Enter')
    await expect.poll(() => c.getByRole('alert').textContent()).toContain('CHATHUB_ROOM_BANNED')

    // Unban by name (the protocol lists no bans); carol may join again.
    await bobs.getByLabel('Unban someone').fill('carol')
    await bobs.getByRole('button', { name: 'Unban', exact: true }).click()
    await bobs.getByRole('status').filter({ hasText: 'carol may join again.' }).waitFor()
    await openRoom(c, 'town')
    await member(bobs, 'carol').waitFor()

    // alice makes bob a member again; bob's page does not know yet, and the hub refuses his kick.
    await alices.getByRole('button', { name: 'Demote bob to member' }).click()
    await member(alices, 'bob').getByText('member', { exact: true }).waitFor()
    await bobs.getByRole('button', { name: 'Kick carol', exact: true }).click()
    await bobs.locator('form').getByRole('button', { name: 'Kick carol', exact: true }).click()
    await expect.poll(() => member(bobs, 'carol').getByRole('alert').textContent()).toContain('CHATHUB_FORBIDDEN')
    expect(problems(a, b, c)).toEqual([])
  })

  test('leaving a room asks first; the room then leaves the list', { timeout: 90_000 }, async () => {
    const page = await newPage()
    await logIn(page, 'dave')
    await openRoom(page, 'town')
    const leave = page.getByRole('button', { name: 'Leave room' })
    await leave.click()
    const dialog = page.getByRole('dialog', { name: 'Leave #town?' })
    expect(await dialog.getAttribute('aria-modal')).toBe('true')
    expect(await focusedText(page)).toBe('Stay')
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
    expect(await focusedText(page)).toBe('Leave room')
    await page.getByRole('button', { name: '#town', exact: true }).waitFor()

    await leave.click()
    await dialog.getByRole('button', { name: 'Leave the room' }).click()
    await dialog.waitFor({ state: 'hidden' })
    await page.getByRole('button', { name: '#town', exact: true }).waitFor({ state: 'detached' })
    await page.getByRole('heading', { name: 'No room open' }).waitFor()
    expect(await focusedId(page)).toBe('room-title')
    const alice = await hub.connect('alice')
    expect((await alice.members('town')).members.map((m) => m.user)).not.toContain('dave')
    // A public room one left is back in the directory.
    await page.getByRole('button', { name: 'Room directory' }).click()
    await page.getByRole('dialog', { name: 'Browse rooms' }).getByRole('button', { name: 'Join town' }).waitFor()
    await alice.close()
    expect(problems(page)).toEqual([])
  })

  test('the members panel shows people coming online and going offline, live; it passes axe-core', { timeout: 90_000 }, async () => {
    const a = await newPage()
    await logIn(a, 'alice')
    await openRoom(a, 'lobby')
    const panel = await openMembers(a)
    expect(await focusedText(a)).toBe('Members') // the panel's heading has the focus
    expect(await a.getByRole('button', { name: 'Members', exact: true }).getAttribute('aria-expanded')).toBe('true')

    const e = await newPage()
    await logIn(e, 'erin')
    await openRoom(e, 'lobby')
    const erin = member(panel, 'erin')
    await erin.getByText('online', { exact: true }).waitFor()
    expect(await seriousViolations(a)).toEqual([])

    await e.context().close()
    await erin.getByText('offline', { exact: true }).waitFor()

    await panel.getByRole('button', { name: 'Close the members panel' }).click()
    await panel.waitFor({ state: 'detached' })
    expect(await focusedText(a)).toBe('Members') // back on the toggle
    expect(problems(a)).toEqual([])
  })

  test('direct messages have their own section, with whether the other person is online', { timeout: 90_000 }, async () => {
    const a = await newPage()
    await logIn(a, 'alice')
    await a.getByLabel('Direct message').fill('frank')
    await a.getByLabel('Direct message').press('Enter')
    await a.getByRole('heading', { name: '@frank', exact: true }).waitFor()
    await a.getByRole('heading', { name: 'Direct messages' }).waitFor()
    const frank = a.locator('nav .room-link', { hasText: '@frank' })
    await expect.poll(() => frank.textContent()).toContain(', offline')
    expect(await a.locator('nav .room-link', { hasText: '#lobby' }).count()).toBe(1) // rooms stay in their own list

    const f = await newPage()
    await logIn(f, 'frank')
    await f.locator('nav .room-link', { hasText: '@alice' }).waitFor()
    await expect.poll(() => frank.textContent()).toContain(', online')
    await expect.poll(() => f.locator('nav .room-link', { hasText: '@alice' }).textContent()).toContain(', online')
    expect(problems(a, f)).toEqual([])
  })

  test('on a phone-sized screen the members are a dialog; Escape closes it', { timeout: 90_000 }, async () => {
    const page = await newPage({ width: 390, height: 800 })
    await logIn(page, 'bob')
    await openRoom(page, 'lobby')
    const toggle = page.getByRole('button', { name: 'Members', exact: true })
    await toggle.click()
    const dialog = page.getByRole('dialog', { name: 'Members of #lobby' })
    expect(await dialog.getAttribute('aria-modal')).toBe('true')
    await member(dialog, 'alice').waitFor()
    const box = await dialog.boundingBox()
    expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= 390).toBe(true)
    expect(await seriousViolations(page)).toEqual([])
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
    expect(await focusedText(page)).toBe('Members')
    expect(problems(page)).toEqual([])
  })
})
