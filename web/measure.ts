// Measures the first page as a visitor gets it: what the browser downloads (compressed bytes on
// the wire, by kind) and the time from navigation start until the catalogue is usable (its first
// Rent button or sign-in link is on screen). Run against a served app with books in it:
//   npx tsx web/measure.ts http://127.0.0.1:3000/home
import chromium from '@sparticuz/chromium'
import { chromium as pw } from 'playwright-core'

const url = process.argv[2] ?? 'http://127.0.0.1:3000/home'
const runs = Number(process.argv[3] ?? 5)
const browser = await pw.launch({
  executablePath: await chromium.executablePath(),
  args: chromium.args.filter((a) => a !== '--single-process'),
  headless: true,
})
const times: number[] = []
const bytes: Record<string, number> = {}
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext()
  const page = await context.newPage()
  const cdp = await context.newCDPSession(page)
  await cdp.send('Network.enable')
  const kinds = new Map<string, string>()
  const wire: Record<string, number> = {}
  cdp.on('Network.responseReceived', (e) => kinds.set(e.requestId, e.type))
  cdp.on('Network.loadingFinished', (e) => {
    const kind = kinds.get(e.requestId) ?? 'Other'
    wire[kind] = (wire[kind] ?? 0) + e.encodedDataLength
  })
  await page.goto(url)
  await page
    .getByRole('listitem')
    .first()
    .getByRole('button', { name: /^Rent/ })
    .or(page.getByRole('link', { name: 'Sign in to rent' }).first())
    .first()
    .waitFor()
  times.push(await page.evaluate<number>('performance.now()'))
  if (i === 0) Object.assign(bytes, wire)
  await context.close()
}
await browser.close()
times.sort((a, b) => a - b)
console.log(
  `first page ${url}: usable after ${times.map((t) => t.toFixed(0)).join(', ')} ms (median ${times[Math.floor(times.length / 2)]!.toFixed(0)} ms)`,
)
console.log(`bytes on the wire (compressed, with headers) by kind: ${JSON.stringify(bytes)}`)
