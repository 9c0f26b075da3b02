// terraform/: `terraform fmt -check` where the binary is installed; `terraform validate` and
// `terraform test` (terraform/tests: the whole configuration planned against a mocked AWS provider)
// where a local mirror of the hashicorp/aws provider is found (TF_PLUGIN_MIRROR, or one of
// Terraform's implied local mirror directories), since `terraform init` cannot download here; and,
// read as text, the properties the deployment relies on. CI's delivery job runs validate with the
// downloaded provider too (scripts/check-delivery.sh terraform).
import { execFileSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { parseAllDocuments } from 'yaml'
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

/** A directory holding registry.terraform.io/hashicorp/aws in the filesystem mirror layout. */
function providerMirror(): string | undefined {
  const candidates = [
    process.env.TF_PLUGIN_MIRROR,
    join(homedir(), '.terraform.d/plugins'),
    join(homedir(), '.local/share/terraform/plugins'),
    '/usr/local/share/terraform/plugins',
    '/usr/share/terraform/plugins',
  ]
  return candidates.find(
    (dir) => dir && existsSync(join(dir, 'registry.terraform.io/hashicorp/aws')),
  )
}
const mirror = providerMirror()
const noMirror =
  noTerraform ||
  (mirror ? false : 'no local mirror of hashicorp/aws (set TF_PLUGIN_MIRROR); CI validates online')

t.test('terraform validate and terraform test, offline', { skip: noMirror }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'rl-terraform-'))
  t.teardown(() => rmSync(work, { recursive: true, force: true }))
  const copy = join(work, 'terraform')
  cpSync(dir, copy, { recursive: true, filter: (src) => !src.includes('.terraform') })
  const cliConfig = join(work, 'terraformrc')
  writeFileSync(
    cliConfig,
    `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(mirror)}\n  }\n}\n`,
  )
  const terraform = (...args: string[]) =>
    execFileSync('terraform', args, {
      cwd: copy,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        TF_CLI_CONFIG_FILE: cliConfig,
        TF_IN_AUTOMATION: '1',
        CHECKPOINT_DISABLE: '1',
      },
    })
  terraform('init', '-backend=false', '-input=false', '-no-color')
  t.match(terraform('validate', '-no-color'), /The configuration is valid/)
  const tested = terraform('test', '-no-color')
  t.match(tested, /Success! \d+ passed, 0 failed/)
  for (const run of [
    'auto_mode_cluster',
    'database_forces_tls_and_is_watched',
    'no_public_endpoint',
    'the_whole_internet_is_refused',
  ]) {
    t.match(tested, new RegExp(`run "${run}"\\.\\.\\. pass`), run)
  }
})

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
  const floor = /version\s*=\s*">= 5\.(\d+), < 6\.0"/.exec(providers)
  t.ok(Number(floor?.[1]) >= 79, 'at least 5.79: EKS Auto Mode (compute_config, storage_config)')
  t.equal(blocks('module').size, 0, 'terraform init cannot download modules offline')
})

t.test('subnets are tagged for the AWS Load Balancer Controller', async (t) => {
  const publicSubnet = resource('aws_subnet public')
  const privateSubnet = resource('aws_subnet private')
  t.match(publicSubnet, /"kubernetes\.io\/role\/elb"\s*=\s*"1"/)
  t.match(privateSubnet, /"kubernetes\.io\/role\/internal-elb"\s*=\s*"1"/)
  for (const subnet of [publicSubnet, privateSubnet]) t.match(subnet, /local\.cluster_tag/)
  t.match(source, /"kubernetes\.io\/cluster\/\$\{local\.cluster_name\}"\s*=\s*"shared"/)
  t.match(resource('aws_eks_cluster main'), /subnet_ids\s*=\s*aws_subnet\.private\[\*\]\.id/)
})

t.test('EKS Auto Mode: ingress and volumes with nothing installed by hand', async (t) => {
  const cluster = resource('aws_eks_cluster main')
  t.match(cluster, /compute_config \{\s*enabled\s*=\s*true/)
  t.match(cluster, /elastic_load_balancing \{\s*enabled\s*=\s*true/)
  t.match(cluster, /block_storage \{\s*enabled\s*=\s*true/)
  t.notOk(blocks('resource').has('aws_eks_node_group main'), 'Auto Mode runs the nodes')
  t.notMatch(source, /aws-load-balancer-controller|aws-ebs-csi-driver/, 'no controller to install')
  // cluster/: the classes Auto Mode does not make, applied by terraform_data once the cluster is up.
  const apply = resource('terraform_data cluster_manifests')
  t.match(apply, /kubectl .*apply .*-f "\$MANIFESTS"/)
  t.match(apply, /MANIFESTS\s*=\s*"\$\{path\.module\}\/cluster"/)
  const kinds = readdirSync(join(dir, 'cluster')).flatMap((f) =>
    parseAllDocuments(readFileSync(join(dir, 'cluster', f), 'utf8')).map(
      (d) => (d.toJS() as { kind: string }).kind,
    ),
  )
  t.same(kinds.sort(), ['ConfigMap', 'IngressClass', 'IngressClassParams', 'StorageClass'])
})

t.test('RDS forces TLS; logs are kept for a set time; RDS has alarms', async (t) => {
  t.match(resource('aws_db_parameter_group main'), /name\s*=\s*"rds\.force_ssl"\s*value\s*=\s*"1"/)
  for (const group of ['eks', 'rds']) {
    t.match(
      resource(`aws_cloudwatch_log_group ${group}`),
      /retention_in_days\s*=\s*var\.log_retention_days/,
    )
  }
  const alarms = resource('aws_cloudwatch_metric_alarm db')
  t.match(alarms, /namespace\s*=\s*"AWS\/RDS"/)
  t.match(alarms, /alarm_actions\s*=\s*\[aws_sns_topic\.alarms\.arn\]/)
})

t.test('the public EKS endpoint answers the CIDRs of a variable without default', async (t) => {
  const variable = blocks('variable').get('cluster_endpoint_public_cidrs') ?? ''
  t.notMatch(variable, /default\s*=/, 'stated by whoever installs, never open by default')
  t.match(
    resource('aws_eks_cluster main'),
    /public_access_cidrs\s*=.*var\.cluster_endpoint_public_cidrs/,
  )
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
  t.match(source, /release-build\s*=\s*\["repo:\$\{var\.github_repository\}:ref:refs\/tags\/v\*"\]/)
  t.match(
    blocks('data').get('aws_iam_policy_document release') ?? '',
    /^(?![\s\S]*ecr:PutImage)/,
    'the deploy role cannot push images',
  )
  t.match(resource('aws_iam_role github'), /assume_role_policy/)
})
