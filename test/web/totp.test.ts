// Two-factor login in the browser against a hub with the totp plugin (its clock injected, codes
// computed as an authenticator app would): enrol from the settings page (QR code, secret as text,
// first code, recovery codes shown once), log in with a code (a wrong one refused) and with a
// recovery code, change the password with a code — the chat goes on with the new session cookie.
import { generateSync } from 'otplib'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { browserAvailable, launchBrowser, seriousViolations } from '#test/helpers/browser'
import { PASSWORD, startTotpHub, type TotpHub } from '#test/plugins/totp/helpers'

const SHOTS = new URL('../../docs/images/', import.meta.url)

describe.skipIf(!browserAvailable())('two-factor login in the browser', () => {
  let hub: TotpHub
  let browser: Browser
  beforeAll(async () => {
    ;[hub, browser] = await Promise.all([startTotpHub({ policy: 'optional' }), launchBrowser()])
    await hub.addUser('tina', PASSWORD)
    const tina = await hub.connect('tina')
    await tina.create('lobby')
    await tina.close()
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await hub?.close()
  })

  /** What the app shows for `secret` at the hub's clock (+ steps). */
  const code = (secret: string, steps = 0) => generateSync({ secret, epoch: Math.floor(hub.clock.now / 1000) + steps * 30 })

  const password = async (page: Page, pass = PASSWORD) => {
    await page.goto(hub.url)
    await page.getByLabel('Name').fill('tina')
    await page.getByLabel('Password').fill(pass)
    await page.getByRole('button', { name: 'Log in' }).click()
  }
  const loggedIn = (page: Page) => page.getByRole('button', { name: 'Log out', exact: true }).waitFor()

  test('enrol, then log in with a code (a wrong one refused) or a recovery code; change the password', { timeout: 120_000 }, async () => {
    const page = await (await browser.newContext()).newPage()
    const problems: string[] = []
    page.on('pageerror', (err) => problems.push(String(err)))
    await password(page)
    await loggedIn(page)

    // Enrol from the settings page.
    await page.getByRole('button', { name: 'Settings' }).click()
    await page.getByRole('button', { name: 'Set up two-factor login' }).click()
    const qr = page.getByRole('img', { name: 'QR code for your authenticator app' })
    await qr.waitFor()
    expect(await qr.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0)
    const secret = (await page.locator('code.secret').innerText()).trim()
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/)
    expect(await seriousViolations(page)).toEqual([])
    await page.getByLabel('First code').fill('000000' === code(secret) ? '111111' : '000000')
    await page.getByRole('button', { name: 'Confirm' }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('TOTP_CODE_INVALID')
    await page.getByLabel('First code').fill(code(secret))
    await page.getByRole('button', { name: 'Confirm' }).click()
    const codes = page.getByRole('region', { name: 'Recovery codes' }).locator('code')
    await codes.first().waitFor()
    const recovery = await codes.allInnerTexts()
    expect(recovery).toHaveLength(10)
    await page.getByText('On. 10 recovery codes left.').waitFor()
    await page.screenshot({ path: new URL('web-settings.png', SHOTS).pathname })
    hub.clock.advance(30)

    // A new login asks for the code; a wrong one is refused, the right one logs in.
    await page.getByRole('button', { name: 'Log out', exact: true }).click()
    await password(page)
    await page.getByLabel('Code from your authenticator app').waitFor()
    await page.getByLabel('Code from your authenticator app').fill('000000' === code(secret) ? '111111' : '000000')
    await page.getByRole('button', { name: 'Confirm' }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('TOTP_CODE_INVALID')
    await page.getByLabel('Code from your authenticator app').fill(code(secret))
    await page.getByRole('button', { name: 'Confirm' }).click()
    await loggedIn(page)
    hub.clock.advance(30)

    // A recovery code works once.
    await page.getByRole('button', { name: 'Log out', exact: true }).click()
    await password(page)
    await page.getByRole('button', { name: 'Use a recovery code' }).click()
    await page.getByLabel('Recovery code').fill(recovery[0] ?? '')
    await page.getByRole('button', { name: 'Confirm' }).click()
    await loggedIn(page)

    // The password changes with a fresh code; the chat goes on with the new session cookie.
    await page.getByRole('button', { name: 'Settings' }).click()
    await page.getByLabel('Current password').fill(PASSWORD)
    await page.getByLabel('New password', { exact: true }).fill('a brand new passphrase')
    await page.getByLabel('New password again').fill('a brand new passphrase')
    await page.getByLabel('Two-factor code (if you use it)').fill(code(secret))
    await page.getByRole('button', { name: 'Change password' }).click()
    await page.getByRole('status').filter({ hasText: 'Password changed' }).waitFor()
    await page.getByRole('button', { name: 'Back to the chat' }).click()
    await page.getByLabel('Message', { exact: true }).fill('still here')
    await page.getByLabel('Message', { exact: true }).press('Enter')
    const watcher = await hub.connect('tina')
    await expect.poll(async () => (await watcher.history('lobby')).messages.map((m) => m.text)).toContain('still here')
    await watcher.close()
    expect(problems).toEqual([])
  })
})
