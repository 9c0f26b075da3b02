// No command is refused for contention alone (issue 15), and batches stay right across replicas
// (issue 12, §4): two API processes on one database, their clients all on one title, so that the
// processes' batches keep moving the same book stream under each other. A batch that loses twice
// locks the stream and waits its turn; only the domain may refuse.
// CONTENTION_TEST_SECONDS sets how long each load phase runs (default 20). Cross-process
// contention is asserted to have happened (retries counted by the processes), whatever the length.
import t, { type Test } from 'tap'
import {
  type Account,
  type Answer,
  apiCluster,
  call,
  metricTotal,
  readWhenCaughtUp,
} from '../helpers/api-processes.js'
import { spawnCli } from '../helpers/processes.js'

const SECONDS = Number(process.env.CONTENTION_TEST_SECONDS ?? 20)
t.setTimeout(600_000)

t.test('two API processes on one database', async (t) => {
  // Users rent and return for a while: the owing limit is not under test here.
  const cluster = await apiCluster(t, 2, { MAX_OWED_CENTS: '100000000' })
  const { apis, account } = cluster
  const [reader] = apis
  const staff = await account('staff')
  const users = await Promise.all(Array.from({ length: 100 }, () => account()))
  const extra = await Promise.all(Array.from({ length: 100 }, () => account()))

  const addBook = async (title: string, copies: number) => {
    const r = await call(`${reader!.url}/api/books`, staff, 'POST', {
      title,
      author: 'Contention Test',
      description: 'A book under test',
      type: 'novel',
      copies,
    })
    if (r.status !== 201) throw new Error(`adding ${title}: ${r.status} ${JSON.stringify(r.body)}`)
    return r.body.id as string
  }
  /** What each user's returns were answered to cost, over every phase. */
  const charged = new Map<Account, number>()
  const charge = (u: Account, a: Answer) => {
    if (a.status === 200) charged.set(u, (charged.get(u) ?? 0) + (a.body.chargeCents as number))
  }
  const latest = (answers: Answer[]) =>
    answers
      .filter((a) => a.status < 300)
      .map((a) => a.body.position as string)
      .sort()
      .at(-1)!
  const available = async (bookId: string, position: string) =>
    (await readWhenCaughtUp(`${reader!.url}/api/books/${bookId}?minPosition=${position}`, staff))
      .body.available

  await t.test('200 users rent a book with 50 copies at once: exactly 50 win', async (t) => {
    const book = await addBook('Fifty Copies Across Replicas', 50)
    const answers = await Promise.all(
      [...users, ...extra].map((u, i) =>
        call(`${apis[i % 2]!.url}/api/rentals`, u, 'POST', { bookId: book }),
      ),
    )
    t.equal(answers.filter((a) => a.status === 201).length, 50, 'fifty rentals')
    t.ok(
      answers.every((a) => a.status === 201 || a.body.code === 'NO_COPY_AVAILABLE'),
      'every other one refused for want of a copy',
    )
    t.equal(await available(book, latest(answers)), 0, 'no copy left')
    // Give the copies back so that these users start the next phases with nothing open.
    const back = await Promise.all(
      answers
        .map((a, i) => [a, [...users, ...extra][i]!] as const)
        .filter(([a]) => a.status === 201)
        .map(async ([a, u], i) => {
          const back = await call(`${apis[i % 2]!.url}/api/rentals/${a.body.id}/return`, u, 'POST')
          charge(u, back)
          return back
        }),
    )
    t.ok(
      back.every((a) => a.status === 200),
      'every copy returned',
    )
  })

  /** Each user rents and returns copies of `bookId` for SECONDS, alternating processes. */
  const churn = async (bookId: string) => {
    const until = Date.now() + SECONDS * 1000
    const perUser = new Map<Account, Answer[]>()
    const retriesBefore = await totalRetries()
    await Promise.all(
      users.map(async (u, i) => {
        const mine: Answer[] = []
        perUser.set(u, mine)
        for (let n = i; Date.now() < until; n++) {
          const api = apis[n % 2]!
          const rented = await call(`${api.url}/api/rentals`, u, 'POST', { bookId })
          mine.push(rented)
          if (rented.status !== 201) continue
          const other = apis[(n + 1) % 2]!
          const back = await call(`${other.url}/api/rentals/${rented.body.id}/return`, u, 'POST')
          mine.push(back)
          charge(u, back)
        }
      }),
    )
    const all = [...perUser.values()].flat()
    const ms = all.map((a) => a.ms).sort((a, b) => a - b)
    const retries = (await totalRetries()) - retriesBefore
    return { perUser, all, retries, p99: ms[Math.floor(ms.length * 0.99)] ?? 0 }
  }
  const totalRetries = async () => {
    let sum = 0
    for (const api of apis) {
      sum += await metricTotal(api, 'rental_ledger_command_concurrency_retries_total')
    }
    return sum
  }
  const statuses = (answers: Answer[]) => {
    const seen: Record<string, number> = {}
    for (const a of answers) {
      const k = a.status < 300 ? String(a.status) : `${a.status} ${a.body.code}`
      seen[k] = (seen[k] ?? 0) + 1
    }
    return seen
  }

  const balancesRight = async (t: Test, run: Awaited<ReturnType<typeof churn>>) => {
    const position = latest(run.all)
    let wrong = 0
    for (const u of run.perUser.keys()) {
      const balance = (
        await readWhenCaughtUp(`${reader!.url}/api/me/balance?minPosition=${position}`, u)
      ).body
      const open = (balance.openRentals as unknown[]).length
      if (balance.chargedCents !== (charged.get(u) ?? 0) || open !== 0) {
        if (++wrong <= 3) t.comment(`expected ${charged.get(u)}: ${JSON.stringify(balance)}`)
      }
    }
    t.equal(wrong, 0, 'every balance holds exactly the charges its returns answered')
  }

  await t.test(`100 users on 200 copies for ${SECONDS} s`, async (t) => {
    const book = await addBook('Two Hundred Copies', 200)
    const run = await churn(book)
    t.comment(
      `${run.all.length} commands, ${JSON.stringify(statuses(run.all))}, ${run.retries} batch retries across processes, p99 ${run.p99.toFixed(0)} ms`,
    )
    t.ok(run.retries > 0, 'the processes did contend for the stream')
    t.same(Object.keys(statuses(run.all)).sort(), ['200', '201'], 'every command succeeded')
    t.equal(await available(book, latest(run.all)), 200, 'every copy back on the shelf')
    await balancesRight(t, run)
  })

  await t.test(`100 users on one copy for ${SECONDS} s`, async (t) => {
    const book = await addBook('The Only Copy', 1)
    const run = await churn(book)
    const seen = statuses(run.all)
    t.comment(
      `${run.all.length} commands, ${JSON.stringify(seen)}, ${run.retries} batch retries across processes, p99 ${run.p99.toFixed(0)} ms`,
    )
    t.same(
      Object.keys(seen)
        .filter((k) => !['200', '201', '409 NO_COPY_AVAILABLE'].includes(k))
        .sort(),
      [],
      'only successes and the domain refusal NO_COPY_AVAILABLE',
    )
    t.ok((seen['201'] ?? 0) > 0, 'the copy went out')
    t.equal(await available(book, latest(run.all)), 1, 'and came back')
    await balancesRight(t, run)
  })

  await t.test('the read models equal a rebuild from the log', async (t) => {
    for (const api of apis) {
      t.equal(
        await metricTotal(api, 'rental_ledger_command_contention_exhausted_total'),
        0,
        'no command ran out of attempts',
      )
    }
    const verify = spawnCli(t, ['verify'], cluster.env)
    t.equal(await verify.exited, 0, `verify is clean\n${verify.output().slice(-2000)}`)
  })
})
