// A real browser for the web client's tests: Debian's chromium driven by playwright-core (nothing is
// downloaded: executablePath). Without chromium the browser tests are skipped with a notice, except
// under CI=true, where a missing browser fails the run. Also: axe-core checks inside a page.
import { accessSync, constants, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { type Browser, type Page, chromium } from 'playwright-core'

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium']

/** The chromium binary, or undefined when it is not installed. */
export const chromiumPath = ((): string | undefined => {
  for (const path of CANDIDATES) {
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {
      // next candidate
    }
  }
  return undefined
})()

/** Whether browser tests can run; see the header. */
export const browserAvailable = (): boolean => {
  if (chromiumPath) return true
  const notice = 'chromium is not installed: browser tests skipped. Install it with `sudo apt-get install chromium`.'
  if (process.env.CI === 'true') throw new Error(`${notice} (CI=true: failing instead of skipping)`)
  process.stderr.write(`\n[notice] ${notice}\n`)
  return false
}

/** Headless chromium with the flags that keep it from reaching any other address. */
export const launchBrowser = (): Promise<Browser> =>
  chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  })

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

export interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: { target: string[] }[]
}

/**
 * Run axe-core in the page and return its serious and critical violations. The script goes in
 * through the DevTools protocol (page.evaluate), which the page's Content-Security-Policy allows.
 */
export const seriousViolations = async (page: Page): Promise<AxeViolation[]> => {
  await page.evaluate(axeSource)
  const violations = await page.evaluate(async () => {
    const page = globalThis as unknown as { axe: { run: (context: unknown) => Promise<{ violations: unknown[] }> }; document: unknown }
    return (await page.axe.run(page.document)).violations
  })
  return (violations as AxeViolation[]).filter((v) => v.impact === 'serious' || v.impact === 'critical')
}

/** A page of its own browser profile (its own cookies), with the page's console errors collected. */
export type TestPage = Page & { problems: string[] }

/** A fresh profile and page (closed with the browser). */
export const newTestPage = async (browser: Browser, viewport = { width: 1200, height: 800 }): Promise<TestPage> => {
  const context = await browser.newContext({ viewport })
  const page = Object.assign(await context.newPage(), { problems: [] as string[] })
  page.on('console', (m) => {
    if (m.type() === 'error') page.problems.push(m.text())
  })
  page.on('pageerror', (err) => page.problems.push(String(err)))
  return page
}

/** Log in through the login form and wait for the chat. */
export const logInAs = async (page: Page, hubUrl: string, name: string, password: string): Promise<void> => {
  await page.goto(hubUrl)
  await page.getByLabel('Name').fill(name)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.getByRole('button', { name: 'Log out', exact: true }).waitFor()
}

/** Join a room by name from the rooms list and wait until it is on the screen. */
export const joinRoom = async (page: Page, room: string): Promise<void> => {
  await page.getByLabel('Join a room').fill(room)
  await page.getByLabel('Join a room').press('Enter')
  await page.getByRole('heading', { name: `#${room}`, exact: true }).waitFor()
}
