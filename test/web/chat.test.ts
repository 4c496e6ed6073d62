// The browser client in a real Chromium against a real hub: login, two people chatting (messages,
// typing, edits, deletes), text that looks like HTML staying text, a private room nobody else sees,
// scroll-back, logout closing the socket, accessibility (axe-core), a phone-sized screen, and
// screenshots of the main views for docs/.
import { mkdirSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { browserAvailable, joinRoom, launchBrowser, logInAs, newTestPage, seriousViolations } from '#test/helpers/browser'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { issueSession } from '#core/auth/session-store'
import { ChatClient } from '#core/client/sdk'
import { insertUser } from '#core/users/queries'

const PASSWORD = 'correct horse battery'
const SHOTS = new URL('../../docs/images/', import.meta.url)

describe.skipIf(!browserAvailable())('the browser client', () => {
  let hub: TestHub
  let browser: Browser

  beforeAll(async () => {
    ;[hub, browser] = await Promise.all([startHub(), launchBrowser()])
    for (const name of ['alice', 'bob', 'carol']) await hub.addUser(name, PASSWORD)
    const alice = await hub.connect('alice')
    await alice.create('general', { topic: 'everything' })
    await alice.create('secret', { private: true })
    await alice.close()
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await hub?.close()
  })

  const newPage = (viewport?: { width: number; height: number }) => newTestPage(browser, viewport)
  const logIn = (page: Page, name: string) => logInAs(page, hub.url, name, PASSWORD)

  const openRoom = joinRoom

  test('the page is the hub’s own, under a strict Content-Security-Policy', { timeout: 90_000 }, async () => {
    const res = await fetch(hub.url)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('referrer-policy')).toBe('no-referrer')
    const html = await res.text()
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/) // no inline script
  })

  test('a wrong password is refused with the hub’s code; the login view passes axe-core', { timeout: 90_000 }, async () => {
    const page = await newPage()
    await page.goto(hub.url)
    expect(await seriousViolations(page)).toEqual([])
    mkdirSync(SHOTS, { recursive: true })
    await page.screenshot({ path: new URL('web-login.png', SHOTS).pathname })
    await page.getByLabel('Name').fill('alice')
    await page.getByLabel('Password').fill('not the password')
    await page.getByRole('button', { name: 'Log in' }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('CHATHUB_AUTH_FAILED')
    expect(page.problems.filter((p) => !p.includes('401'))).toEqual([])
  })

  test('two people chat: messages, typing, edits and deletes reach the other; HTML stays text', { timeout: 90_000 }, async () => {
    const [a, b] = await Promise.all([newPage(), newPage()])
    await Promise.all([logIn(a, 'alice'), logIn(b, 'bob')])
    await openRoom(b, 'general')
    await a.getByRole('button', { name: '#general' }).click()
    await a.getByRole('heading', { name: '#general' }).waitFor()

    // Typing shows on the other side, then the message.
    await a.getByLabel('Message', { exact: true }).pressSequentially('hello bo')
    await b.getByText('alice is typing…').waitFor()
    await a.getByLabel('Message', { exact: true }).pressSequentially('b')
    await a.getByLabel('Message', { exact: true }).press('Enter')
    await b.locator('.message .body', { hasText: 'hello bob' }).waitFor()

    // Shift+Enter is a new line, Enter sends.
    await b.getByLabel('Message', { exact: true }).fill('line one')
    await b.getByLabel('Message', { exact: true }).press('Shift+Enter')
    await b.getByLabel('Message', { exact: true }).pressSequentially('line two')
    await b.getByLabel('Message', { exact: true }).press('Enter')
    await a.locator('.message .body', { hasText: 'line one' }).waitFor()
    expect(await a.locator('.message .body', { hasText: 'line one' }).innerText()).toBe('line one\nline two')

    // HTML and script in a message and in the topic are shown as text.
    const payload = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script> **bold** `code` https://example.org/x'
    await a.getByLabel('Message', { exact: true }).fill(payload)
    await a.getByLabel('Message', { exact: true }).press('Enter')
    const shown = b.locator('.message .body', { hasText: 'onerror' })
    await shown.waitFor()
    expect(await shown.innerText()).toContain('<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>')
    expect(await shown.locator('img, script').count()).toBe(0)
    expect(await shown.locator('strong').innerText()).toBe('bold')
    expect(await shown.locator('code').innerText()).toBe('code')
    expect(await shown.locator('a').getAttribute('rel')).toBe('noopener noreferrer')
    expect(await b.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned)).toBeUndefined()
    const owner = await hub.connect('alice')
    await owner.topic('general', '<b onmouseover=alert(1)>topic</b>')
    await b.getByText('<b onmouseover=alert(1)>topic</b>').waitFor()
    expect(await b.locator('.topic b').count()).toBe(0)

    // alice edits and deletes her own message; bob sees both.
    const mine = a.locator('.message', { hasText: 'hello bob' })
    await mine.hover()
    await mine.getByRole('button', { name: /^Edit message/ }).click()
    await a.getByRole('textbox', { name: 'Edit message' }).fill('hello bob, edited')
    await a.getByRole('textbox', { name: 'Edit message' }).press('Enter')
    await b.locator('.message .body', { hasText: 'hello bob, edited' }).waitFor()
    const edited = a.locator('.message', { hasText: 'hello bob, edited' })
    await edited.hover()
    await edited.getByRole('button', { name: /^Delete message/ }).click()
    await b.locator('.message .body.deleted').first().waitFor()
    expect(await b.locator('.message .body', { hasText: 'hello bob, edited' }).count()).toBe(0)
    // bob may not edit or delete alice's messages: no such buttons.
    expect(await b.locator('.message', { hasText: 'line one' }).getByRole('button', { name: /^Edit/ }).count()).toBe(1)
    expect(await b.locator('.message', { hasText: 'onerror' }).getByRole('button', { name: /^(Edit|Delete) message/ }).count()).toBe(0)

    expect(await seriousViolations(b)).toEqual([])
    await b.screenshot({ path: new URL('web-chat.png', SHOTS).pathname })
    // (the page asks /api/v1/me before login: the browser logs that 401)
    expect([...a.problems, ...b.problems].filter((p) => !p.includes('401'))).toEqual([])
    await owner.close()
  })

  test('a bot carries a bot badge; a bridged message names its network', { timeout: 90_000 }, async () => {
    const account = (name: string, kind: 'bot' | 'bridge') =>
      ChatClient.connect(hub.url, issueSession(hub.hub.db, insertUser(hub.hub.db, { name, passwordHash: null, kind }).id, { ttlMs: null, kind: 'bot' }).token)
    const [greeter, relay] = await Promise.all([account('greeter', 'bot'), account('relay', 'bridge')])
    await Promise.all([greeter.join('general'), relay.join('general')])
    await greeter.say('general', 'welcome, I am a bot')
    await relay.request('say', { room: 'general', text: 'hello from irc', txn: 'irc-1', as: 'dora@irc' })
    const page = await newPage()
    await logIn(page, 'carol')
    await openRoom(page, 'general')
    const bot = page.locator('.message', { hasText: 'welcome, I am a bot' })
    await bot.waitFor()
    expect(await bot.locator('.tag').allInnerTexts()).toEqual(['bot'])
    const bridged = page.locator('.message', { hasText: 'hello from irc' })
    expect(await bridged.locator('.from').innerText()).toBe('dora@irc')
    expect(await bridged.locator('.tag').allInnerTexts()).toEqual(['via irc'])
    await Promise.all([greeter.close(), relay.close()])
  })

  test('a private room is invisible to a non-member; a DM reaches only its two people', { timeout: 90_000 }, async () => {
    const carol = await newPage()
    await logIn(carol, 'carol')
    expect(await carol.getByRole('button', { name: '#secret' }).count()).toBe(0)
    await carol.getByLabel('Join a room').fill('secret')
    await carol.getByLabel('Join a room').press('Enter')
    await expect.poll(() => carol.getByRole('alert').textContent()).toMatch(/CHATHUB_(FORBIDDEN|ROOM_NOT_FOUND)/)

    await carol.getByLabel('Direct message').fill('alice')
    await carol.getByLabel('Direct message').press('Enter')
    await carol.getByRole('heading', { name: '@alice' }).waitFor()
    await carol.getByLabel('Message', { exact: true }).fill('just between us')
    await carol.getByLabel('Message', { exact: true }).press('Enter')
    const alice = await hub.connect('alice')
    const { rooms } = await alice.rooms()
    const direct = rooms.find((r) => r.kind === 'direct' && r.peer === 'carol')
    expect(direct?.unread).toBe(1)
    const bob = await hub.connect('bob')
    expect((await bob.rooms()).rooms.some((r) => r.name === direct?.name)).toBe(false)
    await Promise.all([alice.close(), bob.close()])
  })

  test('scroll-back: a room with 1,000 messages loads older pages as the reader scrolls up; the DOM stays bounded', { timeout: 90_000 }, async () => {
    const alice = await hub.connect('alice')
    await alice.create('archive')
    for (let i = 1; i <= 1000; i++) await alice.say('archive', `archived ${i}`)
    const page = await newPage()
    await logIn(page, 'alice')
    await page.getByRole('button', { name: '#archive' }).click()
    await page.locator('.message .body', { hasText: /^archived 1000$/ }).waitFor()
    const timeline = page.getByRole('log')
    // Scroll to the top again and again: each time the page before loads above.
    let firstShown = ''
    for (let i = 0; i < 200 && firstShown !== 'archived 1'; i++) {
      await timeline.evaluate((el) => {
        el.scrollTop = 0
      })
      await page.waitForTimeout(100)
      firstShown = await page.locator('.message .body').first().innerText()
    }
    await page.locator('.message .body', { hasText: /^archived 1$/ }).waitFor()
    expect(await page.locator('.message').count()).toBeLessThanOrEqual(400)
    await page.getByRole('button', { name: 'Jump to the newest messages' }).click()
    await page.locator('.message .body', { hasText: /^archived 1000$/ }).waitFor()
    await alice.close()
  })

  test('on a phone-sized screen the rooms list is a drawer', { timeout: 90_000 }, async () => {
    const page = await newPage({ width: 390, height: 800 })
    await logIn(page, 'bob')
    const toggle = page.getByRole('button', { name: 'Rooms' })
    await toggle.waitFor()
    expect(await page.getByRole('navigation').isVisible()).toBe(true) // in the DOM, moved off screen
    const box = await page.locator('aside.rooms').boundingBox()
    expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(1)
    await toggle.click()
    await expect.poll(async () => (await page.locator('aside.rooms').boundingBox())?.x).toBe(0)
    await page.getByRole('button', { name: '#general' }).click()
    await page.getByRole('heading', { name: '#general' }).waitFor()
    await page.screenshot({ path: new URL('web-phone.png', SHOTS).pathname })
  })

  test('logging out revokes the session and closes the socket; the page asks to log in again', { timeout: 90_000 }, async () => {
    const page = await newPage()
    await logIn(page, 'bob')
    const closed = page.waitForEvent('websocket').then((ws) => new Promise<void>((resolve) => ws.on('close', () => resolve())))
    await page.reload()
    await page.getByRole('button', { name: 'Log out', exact: true }).waitFor()
    await page.getByRole('button', { name: 'Log out', exact: true }).click()
    await closed
    await page.getByRole('button', { name: 'Log in' }).waitFor()
    await page.reload()
    await page.getByRole('button', { name: 'Log in' }).waitFor()
  })
})
