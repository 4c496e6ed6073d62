// The browser client's messages features in a real Chromium against a real hub: reactions (counts,
// who, toggling, the hub's refusals shown), replies and the thread panel (live, following a thread),
// @-completion and the mention highlight, unread counts cleared by a read on another device, and
// search with results that open the message in context; axe-core with the thread panel open and with
// search results shown.
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { ChatClient } from '#core/client/sdk'
import { browserAvailable, joinRoom, launchBrowser, logInAs, newTestPage, seriousViolations } from '#test/helpers/browser'
import { startHub, type TestHub } from '#test/helpers/start-hub'

const PASSWORD = 'correct horse battery'

describe.skipIf(!browserAvailable())('messages in the browser client', () => {
  let hub: TestHub
  let browser: Browser
  const clients: ChatClient[] = []

  beforeAll(async () => {
    ;[hub, browser] = await Promise.all([startHub(), launchBrowser()])
    for (const name of ['alice', 'bob', 'carol']) await hub.addUser(name, PASSWORD)
  }, 60_000)
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()))
    await browser?.close()
    await hub?.close()
  })

  const newPage = (viewport?: { width: number; height: number }) => newTestPage(browser, viewport)
  const logIn = (page: Page, name: string) => logInAs(page, hub.url, name, PASSWORD)

  const openRoom = joinRoom

  /** An SDK client (closed after the tests). */
  const sdk = async (name: string): Promise<ChatClient> => {
    const client = await hub.connect(name)
    clients.push(client)
    return client
  }

  /** A room made by alice with the others as members. */
  const room = async (name: string, members: string[]): Promise<ChatClient> => {
    const alice = await sdk('alice')
    await alice.create(name)
    for (const user of members) await (await sdk(user)).join(name)
    return alice
  }

  /** The timeline's message with this text (not the thread panel's). */
  const inTimeline = (page: Page, text: string): Locator => page.locator('main .message', { hasText: text })
  /** The timeline's message with this seq. */
  const timelineAt = (page: Page, seq: number): Locator => page.locator(`main .message[data-seq="${seq}"]`)

  /** The page's own errors, without the 401 of /api/v1/me before login. */
  const problems = (...pages: (Page & { problems: string[] })[]) => pages.flatMap((p) => p.problems).filter((p) => !p.includes('401'))

  test('reactions: one reacts, the other sees the count and who, and toggles; the hub’s refusals are shown', { timeout: 90_000 }, async () => {
    const alice = await room('reacts', ['bob'])
    const { seq } = await alice.say('reacts', 'react to this')
    const full = await alice.say('reacts', 'full of reactions')
    const twenty = ['😀', '😁', '😃', '😄', '😅', '😆', '😉', '😊', '😋', '😎', '😍', '😘', '🙂', '🤗', '🤩', '🤔', '🤨', '😐', '😑', '😶']
    for (const emoji of twenty) await alice.react('reacts', full.seq, emoji)
    const [a, b] = await Promise.all([newPage(), newPage()])
    await Promise.all([logIn(a, 'alice'), logIn(b, 'bob')])
    await Promise.all([openRoom(a, 'reacts'), openRoom(b, 'reacts')])

    // alice reacts from the picker; bob sees the count and who.
    const mine = timelineAt(a, seq)
    await mine.hover()
    await mine.getByRole('button', { name: `React to message ${seq}` }).click()
    await mine.getByRole('group', { name: /Add a reaction/ }).getByRole('button', { name: 'React with 👍' }).click()
    const seen = timelineAt(b, seq).getByRole('button', { name: /^👍 1: alice$/ })
    await seen.waitFor()
    expect(await seen.getAttribute('title')).toBe('alice reacted with 👍')
    expect(await seen.getAttribute('aria-pressed')).toBe('false')
    expect(await mine.getByRole('group', { name: /Add a reaction/ }).count()).toBe(0) // the picker closed

    // bob adds his by clicking it, alice sees both; bob takes his back, then alice hers.
    await seen.click()
    await timelineAt(a, seq).getByRole('button', { name: '👍 2: bob and you' }).waitFor()
    const both = timelineAt(b, seq).getByRole('button', { name: '👍 2: alice and you' })
    await both.waitFor()
    expect(await both.getAttribute('aria-pressed')).toBe('true')
    await both.click()
    await timelineAt(a, seq).getByRole('button', { name: '👍 1: you' }).click()
    await timelineAt(b, seq).locator('.reactions').waitFor({ state: 'detached' })

    // Anything but one emoji, and a 21st emoji of one user on a message: the hub's codes, shown.
    await mine.hover()
    await mine.getByRole('button', { name: `React to message ${seq}` }).click()
    const picker = mine.getByRole('group', { name: /Add a reaction/ })
    await picker.getByLabel('Any emoji').fill('not an emoji')
    await picker.getByRole('button', { name: 'Add' }).click()
    await expect.poll(() => picker.getByRole('alert').textContent()).toContain('CHATHUB_REACTION_INVALID')
    await picker.getByLabel('Any emoji').press('Escape')
    await picker.waitFor({ state: 'detached' })
    const crowded = timelineAt(a, full.seq)
    expect(await crowded.locator('.reaction').count()).toBe(20)
    await crowded.hover()
    await crowded.getByRole('button', { name: `React to message ${full.seq}` }).click()
    await crowded.getByRole('button', { name: 'React with 🎉' }).click()
    await expect.poll(() => crowded.getByRole('alert').textContent()).toContain('CHATHUB_REACTION_LIMIT')
    expect(problems(a, b)).toEqual([])
  })

  test('replies open the thread panel; a reply reaches the other’s panel live and the root counts it', { timeout: 90_000 }, async () => {
    const alice = await room('threads', ['bob'])
    const root = await alice.say('threads', 'shall we ship on friday?')
    const [a, b] = await Promise.all([newPage(), newPage()])
    await Promise.all([logIn(a, 'alice'), logIn(b, 'bob')])
    await Promise.all([openRoom(a, 'threads'), openRoom(b, 'threads')])

    // Both open the thread from "reply": the root comes first, and the reply field has the focus.
    for (const page of [a, b]) {
      const message = timelineAt(page, root.seq)
      await message.hover()
      await message.getByRole('button', { name: `Reply to message ${root.seq}` }).click()
      const panel = page.getByRole('complementary', { name: 'Thread in #threads' })
      await panel.locator('.message .body', { hasText: 'shall we ship on friday?' }).waitFor()
      await expect.poll(() => page.locator(':focus').getAttribute('placeholder')).toBe('Reply in the thread')
    }
    const panelB = b.getByRole('complementary', { name: 'Thread in #threads' })
    await panelB.getByLabel('Reply', { exact: true }).fill('yes, after the tests pass')
    await panelB.getByLabel('Reply', { exact: true }).press('Enter')

    // alice's panel gets it live, after the root; both timelines count it on the root and show what it answers.
    const panelA = a.getByRole('complementary', { name: 'Thread in #threads' })
    await panelA.locator('.message .body', { hasText: 'yes, after the tests pass' }).waitFor()
    expect(await panelA.locator('.message .body').allInnerTexts()).toEqual(['shall we ship on friday?', 'yes, after the tests pass'])
    expect(await panelA.locator('.thread-divider').innerText()).toBe('1 reply')
    for (const page of [a, b]) {
      await timelineAt(page, root.seq).getByRole('button', { name: /^1 reply, last at / }).waitFor()
      await inTimeline(page, 'yes, after the tests pass').getByRole('button', { name: 'replying to alice: shall we ship on friday?' }).waitFor()
    }
    // The history's view of it is the same after a reload.
    await b.reload()
    await b.getByRole('button', { name: 'Log out', exact: true }).waitFor()
    await openRoom(b, 'threads')
    await timelineAt(b, root.seq).getByRole('button', { name: /^1 reply, last at / }).waitFor()

    expect(await seriousViolations(a)).toEqual([])

    // Escape closes the panel and gives the focus back to the button that opened it.
    await panelA.getByLabel('Reply', { exact: true }).press('Escape')
    await panelA.waitFor({ state: 'detached' })
    await expect.poll(() => a.locator(':focus').getAttribute('aria-label')).toBe(`Reply to message ${root.seq}`)
    expect(problems(a, b)).toEqual([])
  })

  test('following a thread: a reply in it marks the thread until it is opened', { timeout: 90_000 }, async () => {
    const alice = await room('follow', ['carol'])
    const root = await alice.say('follow', 'who reviews the release notes?')
    const c = await newPage()
    await logIn(c, 'carol')
    await openRoom(c, 'follow')
    const message = timelineAt(c, root.seq)
    await message.hover()
    await message.getByRole('button', { name: `Reply to message ${root.seq}` }).click()
    const panel = c.getByRole('complementary', { name: 'Thread in #follow' })
    await panel.getByRole('button', { name: 'Follow thread' }).click()
    await panel.getByRole('button', { name: 'Unfollow thread' }).waitFor()
    await panel.getByRole('button', { name: 'Close the thread' }).click()
    await panel.waitFor({ state: 'detached' })

    await alice.say('follow', 'I will', { replyTo: root.seq })
    await message.getByText('1 new reply').waitFor()
    await message.getByRole('button', { name: /^1 reply, last at / }).click()
    await panel.locator('.message .body', { hasText: 'I will' }).waitFor()
    expect(await message.getByText('1 new reply').count()).toBe(0)
    expect(problems(c)).toEqual([])
  })

  test('@-completion inserts a member’s name; the mentioned user sees the message highlighted', { timeout: 90_000 }, async () => {
    await room('mentions', ['bob', 'carol'])
    const [a, b] = await Promise.all([newPage(), newPage()])
    await Promise.all([logIn(a, 'alice'), logIn(b, 'bob')])
    await Promise.all([openRoom(a, 'mentions'), openRoom(b, 'mentions')])
    const field = a.getByLabel('Message', { exact: true })

    // Escape dismisses the list; Enter then sends as usual.
    await field.pressSequentially('ping @ca')
    const names = a.getByRole('listbox', { name: 'Mention someone' })
    await names.getByRole('option', { name: '@carol' }).waitFor()
    expect(await field.getAttribute('aria-activedescendant')).toBe(await names.getByRole('option').first().getAttribute('id'))
    await field.press('Escape')
    await names.waitFor({ state: 'detached' })
    await field.press('Enter')
    await inTimeline(b, 'ping @ca').waitFor()
    expect(await field.inputValue()).toBe('')

    // Tab takes the chosen name (↓ moves), Enter sends.
    await field.pressSequentially('over to @b')
    await names.getByRole('option', { name: '@bob' }).waitFor()
    await field.press('Tab')
    await names.waitFor({ state: 'detached' })
    expect(await field.inputValue()).toBe('over to @bob ')
    await field.pressSequentially('for the demo')
    await field.press('Enter')
    const mention = inTimeline(b, 'over to @bob for the demo')
    await mention.waitFor()
    await expect.poll(() => mention.getAttribute('class')).toContain('mentioned')
    expect(await mention.locator('.mention-me').innerText()).toBe('@bob')
    expect(await inTimeline(a, 'over to @bob for the demo').getAttribute('class')).not.toContain('mentioned')
    expect(problems(a, b)).toEqual([])
  })

  test('a read on another device of the same user clears the unread count in the page', { timeout: 90_000 }, async () => {
    const alice = await room('unread', ['bob'])
    await room('elsewhere', ['bob'])
    const b = await newPage()
    await logIn(b, 'bob')
    await openRoom(b, 'unread')
    await openRoom(b, 'elsewhere')
    for (const text of ['one', 'two', 'three']) await alice.say('unread', text)
    const link = b.locator('.room-link', { hasText: '#unread' })
    await expect.poll(() => link.locator('.badge').innerText()).toBe('3')

    // bob's phone reads the room: the count goes here too.
    const phone = await sdk('bob')
    const { rooms } = await phone.rooms()
    const seq = rooms.find((r) => r.name === 'unread')?.seq ?? 0
    expect(seq).toBeGreaterThan(0)
    await phone.read('unread', seq)
    await link.locator('.badge').waitFor({ state: 'detached' })
    expect(problems(b)).toEqual([])
  })

  test('search: results with the words marked, paging, and a result opens its room at the message', { timeout: 120_000 }, async () => {
    const alice = await room('archive', [])
    for (let i = 1; i <= 300; i++) await alice.say('archive', i === 40 ? 'the zeppelin lands at noon, message 40' : `archived line ${i}`)
    const b = await newPage()
    await logIn(b, 'bob')

    await b.getByRole('button', { name: 'Search messages' }).click()
    const dialog = b.getByRole('dialog', { name: 'Search messages' })
    await dialog.getByLabel('Words').fill('archived')
    await dialog.getByRole('button', { name: 'Search', exact: true }).click()
    const results = dialog.getByRole('list', { name: 'Search results' })
    await expect.poll(() => results.getByRole('listitem').count()).toBe(20)
    // Newest first; "more results" brings the next, older page.
    expect(await results.locator('.hit-snippet').first().innerText()).toBe('archived line 300')
    await dialog.getByRole('button', { name: 'More results' }).click()
    await expect.poll(() => results.getByRole('listitem').count()).toBe(40)
    expect(await results.locator('.hit-snippet').nth(20).innerText()).toBe('archived line 280')

    await dialog.getByLabel('Words').fill('Zeppelin')
    await dialog.getByLabel('Room').selectOption({ label: 'All rooms' })
    await dialog.getByLabel('From').fill('alice')
    await dialog.getByLabel('Words').press('Enter')
    await expect.poll(() => results.getByRole('listitem').count()).toBe(1)
    const hit = results.getByRole('button')
    expect(await hit.locator('mark').allInnerTexts()).toEqual(['zeppelin'])
    expect(await hit.locator('.hit-snippet').innerText()).toBe('the zeppelin lands at noon, message 40')
    expect(await seriousViolations(b)).toEqual([])

    // The room opens around the message (not on its newest page), scrolled to it and highlighted.
    await hit.click()
    await dialog.waitFor({ state: 'hidden' })
    await b.getByRole('heading', { name: '#archive' }).waitFor()
    const target = b.locator('main .message[data-seq="40"]')
    await target.waitFor()
    await expect.poll(() => target.getAttribute('class')).toContain('highlighted')
    const [box, view] = await Promise.all([target.boundingBox(), b.getByRole('log', { name: 'Messages in archive' }).boundingBox()])
    expect(box && view && box.y >= view.y && box.y + box.height <= view.y + view.height).toBe(true)
    expect(await b.locator('main .message .body', { hasText: /^archived line 300$/ }).count()).toBe(0)
    await expect.poll(() => b.locator(':focus').getAttribute('data-seq')).toBe('40')
    // Reading on from there loads the pages after it.
    const timeline = b.getByRole('log', { name: 'Messages in archive' })
    for (let i = 0; i < 50 && (await b.locator('main .message .body', { hasText: /^archived line 150$/ }).count()) === 0; i++) {
      await timeline.evaluate((el) => {
        el.scrollTop = el.scrollHeight
      })
      await b.waitForTimeout(100)
    }
    await b.locator('main .message .body', { hasText: /^archived line 150$/ }).waitFor()
    expect(await b.locator('main .message .body', { hasText: /^archived line 300$/ }).count()).toBe(0)
    await b.getByRole('button', { name: 'Jump to the newest messages' }).click()
    await b.locator('main .message .body', { hasText: /^archived line 300$/ }).waitFor()
    expect(problems(b)).toEqual([])
  })
})
