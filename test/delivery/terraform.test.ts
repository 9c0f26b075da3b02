// terraform/: `terraform fmt -check` where the binary is installed, and, read as text, the
// properties the deployment relies on. `terraform validate` needs the hashicorp/aws provider, which
// `terraform init` downloads: CI's delivery job runs it (scripts/check-delivery.sh terraform).
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { root } from './tools.js'

const dir = join(root, 'terraform')
const files = readdirSync(dir).filter((f) => f.endsWith('.tf'))
const source = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n')

/** Top-level blocks by kind and name; `terraform fmt` closes each with a `}` in column 0. */
function blocks(kind: string): Map<string, string> {
  const found = new Map<string, string>()
  for (const m of source.matchAll(
    new RegExp(`^${kind} ((?:"[^"]+" ?)+)\\{\\n([\\s\\S]*?)^\\}`, 'gm'),
  )) {
    found.set(m[1]!.replaceAll('"', '').trim(), m[2]!)
  }
  return found
}
const resource = (name: string) => blocks('resource').get(name) ?? ''

function terraformInstalled(): boolean {
  try {
    execFileSync('terraform', ['version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

// Not part of this machine's promise, so skipped even under CI; CI's delivery job installs it.
const noTerraform = terraformInstalled()
  ? false
  : 'terraform is not installed here; the CI workflow runs fmt -check and validate'

t.test('terraform fmt -check', { skip: noTerraform }, async (t) => {
  t.doesNotThrow(() =>
    execFileSync('terraform', ['fmt', '-check', '-recursive', '-diff'], {
      cwd: dir,
      stdio: 'pipe',
    }),
  )
})

t.test('hashicorp/aws 5.x only, no registry modules', async (t) => {
  const providers = /required_providers \{([\s\S]*?)\n {2}\}/.exec(source)?.[1] ?? ''
  t.same(
    [...providers.matchAll(/source\s*=\s*"([^"]+)"/g)].map((m) => m[1]),
    ['hashicorp/aws'],
  )
  t.match(providers, /version\s*=\s*">= 5\.\d+, < 6\.0"/)
  t.equal(blocks('module').size, 0, 'terraform init cannot download modules offline')
})

t.test('subnets are tagged for the AWS Load Balancer Controller', async (t) => {
  const publicSubnet = resource('aws_subnet public')
  const privateSubnet = resource('aws_subnet private')
  t.match(publicSubnet, /"kubernetes\.io\/role\/elb"\s*=\s*"1"/)
  t.match(privateSubnet, /"kubernetes\.io\/role\/internal-elb"\s*=\s*"1"/)
  for (const subnet of [publicSubnet, privateSubnet]) t.match(subnet, /local\.cluster_tag/)
  t.match(source, /"kubernetes\.io\/cluster\/\$\{local\.cluster_name\}"\s*=\s*"shared"/)
  t.match(resource('aws_eks_node_group main'), /subnet_ids\s*=\s*aws_subnet\.private\[\*\]\.id/)
})

t.test('RDS PostgreSQL 15: Multi-AZ, encrypted, password kept by RDS', async (t) => {
  const db = resource('aws_db_instance main')
  t.match(db, /engine\s*=\s*"postgres"/)
  t.match(db, /engine_version\s*=\s*"15/)
  for (const flag of ['multi_az', 'storage_encrypted', 'manage_master_user_password']) {
    t.match(db, new RegExp(`${flag}\\s*=\\s*true`), flag)
  }
  t.match(db, /publicly_accessible\s*=\s*false/)
  t.notMatch(db, /^\s*password\s*=/m, 'no password in the configuration or its state')
})

t.test('outputs give the chart what it needs and no secret', async (t) => {
  const outputs = blocks('output')
  for (const name of [
    'ecr_repository_url',
    'cluster_name',
    'db_endpoint',
    'github_release_role_arn',
  ]) {
    t.ok(outputs.has(name), name)
  }
  for (const [name, body] of outputs) {
    t.notMatch(body, /password|secret_string|sensitive/, `${name} exposes nothing secret`)
    t.match(body, /description\s*=/, `${name} is described`)
  }
})

t.test('every variable is described; GitHub reaches AWS through OIDC roles', async (t) => {
  const variables = blocks('variable')
  t.ok(variables.size > 0)
  for (const [name, body] of variables) t.match(body, /description\s*=\s*"/, name)
  t.ok([...variables.values()].filter((b) => b.includes('validation {')).length >= 10)
  t.match(source, /token\.actions\.githubusercontent\.com/)
  t.match(source, /:environment:production"/, 'the release role trusts the protected environment')
  t.match(resource('aws_iam_role github'), /assume_role_policy/)
})
