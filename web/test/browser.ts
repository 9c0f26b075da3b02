// The browser tests' harness: the real service on PostgreSQL, listening on a free port, and a
// headless Chromium from the @sparticuz/chromium package (nothing is downloaded) driven by
// playwright-core. Pages are found as a person finds them: by role, label and text.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { AxeBuilder } from '@axe-core/playwright'
import chromium from '@sparticuz/chromium'
import {
  type Browser,
  type BrowserContext,
  type Locator,
  type Page,
  chromium as pw,
} from 'playwright-core'
import type { Test } from 'tap'
import { startTestApp, type TestApp } from '../../test/helpers/app.js'
import { openTestDatabase } from '../../test/helpers/db.js'

export const ARTIFACTS = join(import.meta.dirname, '../../test/artifacts')
/**
 * The package's flags are made for a serverless function; these would weaken what the tests
 * check: one process shares cookies across browser contexts (two people would be one), and the
 * others switch off the same-origin policy and mixed-content blocking.
 */
const UNWANTED = new Set([
  '--single-process',
  '--disable-web-security',
  '--allow-running-insecure-content',
  '--disable-site-isolation-trials',
])

/** How long a web-first wait may take on a shared, slow machine. */
const WAIT_MS = 15_000

export interface WebHarness extends TestApp {
  base: string
  browser: Browser
  /** A fresh browser profile (its own cookies): a second person at a second computer. */
  context(options?: { width?: number }): Promise<BrowserContext>
}

/** The service on PostgreSQL (required: under CI its absence fails the test) and a browser. */
export async function startWeb(t: Test): Promise<WebHarness> {
  const database = await openTestDatabase(t, 'postgres')
  const ctx = await startTestApp(t, database)
  // The service's clock stands still at the time the test starts, so charges do not drift.
  ctx.clock.now = new Date()
  const base = await ctx.app.listen({ port: 0, host: '127.0.0.1' })
  const browser = await pw.launch({
    executablePath: await chromium.executablePath(),
    args: chromium.args.filter((a) => !UNWANTED.has(a)),
    headless: true,
  })
  t.teardown(() => browser.close())
  const context = async (options: { width?: number } = {}) => {
    const c = await browser.newContext({
      baseURL: base,
      locale: 'en-US',
      viewport: { width: options.width ?? 1100, height: 800 },
    })
    c.setDefaultTimeout(WAIT_MS)
    return c
  }
  return { ...ctx, base, browser, context }
}

/** Waits until `locator` shows `text` (web-first: retried until it holds, then fails). */
export async function see(locator: Locator, text: string | RegExp): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor({ state: 'visible' })
}

/**
 * The page as it looks now, kept in test/artifacts/ (ignored by git): the whole page, or (given
 * `at`) the screen with `at` scrolled into view, small enough for the README.
 */
export async function shot(page: Page, name: string, at?: Locator): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true })
  await at?.scrollIntoViewIfNeeded()
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: !at })
}

/** axe-core on the page as it is: the serious and critical violations (none expected). */
export async function seriousViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze()
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)
}

/** A page at 360 px: its heading shows, axe finds nothing serious, nothing overflows; a shot. */
export async function checkPage(t: Test, page: Page, name: string, heading: string) {
  await page.getByRole('heading', { name: heading, level: 1 }).waitFor()
  t.same(await seriousViolations(page), [], `${name}: no serious or critical axe violation`)
  const width = await page.evaluate<number>('document.documentElement.scrollWidth')
  t.ok(width <= 360, `${name}: fits 360 px (${width})`)
  await shot(page, `360-${name}`)
}

/** Signs in through the landing page's form. */
export async function signIn(page: Page, username: string, password = 'correct horse battery') {
  await page.goto('/user/login/')
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Catalogue', level: 1 }).waitFor()
}

/** A book's card in a list, by its title. */
export const card = (page: Page, title: string) =>
  page
    .getByRole('listitem')
    .filter({ has: page.getByRole('heading', { name: title, exact: true }) })

/**
 * Presses Tab until the focused element is named `name` (its aria-label, its label's own text, or
 * its text); fails after 80 presses.
 */
export async function tabTo(page: Page, name: string): Promise<void> {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab')
    // Run in the page (a string: this file is compiled without the DOM's types).
    const focused = await page.evaluate<string>(`(() => {
      const el = document.activeElement
      return el?.getAttribute('aria-label') ?? el?.labels?.[0]?.querySelector('span')?.textContent
        ?? el?.textContent?.trim() ?? ''
    })()`)
    if (focused === name) return
  }
  throw new Error(`no focusable element named ${name}`)
}

/** A 1×1 PNG: a cover to upload. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)
