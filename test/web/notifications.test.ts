// Browser notifications while the tab is hidden: a mention and a direct message notify, a plain
// message in a room does not (rooms default to mentions), a room set to "Nothing" stays quiet; the
// tab's title counts what is unread. The page's Notification is observed by an init script (it
// records what the page shows) and its visibility is switched the same way.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { browserAvailable, joinRoom, launchBrowser, logInAs } from '#test/helpers/browser'
import { startHub, type TestHub } from '#test/helpers/start-hub'

const PASSWORD = 'correct horse battery'

/** Runs in the page before its own scripts: Notification records, visibility follows `__hidden`. */
const observe = () => {
  const w = globalThis as unknown as { __notes: { title: string; body: string }[]; __hidden: boolean; Notification: unknown }
  w.__notes = []
  w.__hidden = false
  class Recorded {
    static permission = 'granted'
    static requestPermission = async () => 'granted'
    onclick: (() => void) | null = null
    constructor(title: string, options: { body?: string } = {}) {
      w.__notes.push({ title, body: options.body ?? '' })
    }
    close() {}
  }
  w.Notification = Recorded
  Object.defineProperty(document, 'visibilityState', { get: () => (w.__hidden ? 'hidden' : 'visible') })
}

describe.skipIf(!browserAvailable())('browser notifications', () => {
  let hub: TestHub
  let browser: Browser
  beforeAll(async () => {
    ;[hub, browser] = await Promise.all([startHub(), launchBrowser()])
    await hub.addUser('carol', PASSWORD)
    const bob = await hub.connect('bob')
    await bob.create('general')
    await bob.close()
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await hub?.close()
  })

  const notes = (page: Page) => page.evaluate(() => (globalThis as unknown as { __notes: { title: string; body: string }[] }).__notes)
  const hide = (page: Page, hidden: boolean) =>
    page.evaluate((h) => {
      ;(globalThis as unknown as { __hidden: boolean }).__hidden = h
      document.dispatchEvent(new Event('visibilitychange'))
    }, hidden)

  test('mentions and direct messages notify while hidden; a room set to Nothing does not; the title counts', { timeout: 90_000 }, async () => {
    const context = await browser.newContext()
    await context.addInitScript(observe)
    const page = await context.newPage()
    await logInAs(page, hub.url, 'carol', PASSWORD)
    await joinRoom(page, 'general')
    const bob = await hub.connect('bob')
    await bob.join('general')
    const { room: direct } = await bob.openDirect('carol')
    await page.getByRole('heading', { name: '#general' }).waitFor()

    await hide(page, true)
    await bob.say('general', 'a plain message')
    await bob.say('general', '@carol can you look')
    await bob.say(direct, 'psst')
    await expect.poll(() => notes(page)).toHaveLength(2)
    expect(await notes(page)).toEqual([
      { title: 'bob in #general', body: '@carol can you look' },
      { title: 'bob', body: 'psst' },
    ])
    // What arrived while hidden is unread; the tab's title says how much.
    await expect.poll(() => page.title()).toBe('(3) chathub')

    // "Nothing" for general: a mention there stays quiet; the DM after it is the sentinel.
    await hide(page, false)
    await expect.poll(() => page.title()).toBe('(1) chathub')
    await page.getByLabel('Notify me of').selectOption('none')
    await hide(page, true)
    await bob.say('general', '@carol again')
    await bob.say(direct, 'sentinel')
    await expect.poll(async () => (await notes(page)).length).toBe(3)
    expect((await notes(page)).at(-1)).toEqual({ title: 'bob', body: 'sentinel' })
    await bob.close()
  })
})
