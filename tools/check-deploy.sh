#!/usr/bin/env bash
# Checks deploy/ without a container engine or a cluster (CI has neither):
#   1. the Node checks (tools/check-deploy.mjs): Helm values vs values.schema.json, the compose
#      file's services/healthchecks/dependencies/profile, .env.example vs the settings table,
#      Dockerfile vs .dockerignore;
#   2. `docker compose config` (or docker-compose v1) parses the compose file, default and
#      `--profile single`;
#   3. `helm lint` and `helm template` render every template to valid YAML (chart defaults plus
#      each deploy/helm/slotwatch/ci/*.yaml), and bare defaults are refused with a clear message.
# A missing tool is reported as NOT CHECKED, never as a pass. Exit 1 on any real failure.
#
#   tools/check-deploy.sh             check with what is installed
#   tools/check-deploy.sh --install   first apt-get install docker-compose if no compose is found (root)
#   HELM=/path/to/helm tools/check-deploy.sh   use that helm (Debian does not package helm)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

install=false
[ "${1:-}" = --install ] && install=true
failed=()
skipped=()
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

section() { printf '\n== %s\n' "$*"; }
fail() { echo "FAIL $*"; failed+=("$*"); }
pass() { echo "ok   $*"; }
indent() { sed 's/^/       /'; }

section "node checks (tools/check-deploy.mjs)"
node tools/check-deploy.mjs || failed+=("node checks")

section "docker compose config"
compose=()
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
elif $install && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's docker-compose (--install)"
  if (apt-get install -y -qq docker-compose >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq docker-compose; }) >/dev/null 2>&1; then
    compose=(docker-compose)
  else
    fail "apt-get install docker-compose"
  fi
fi
if [ ${#compose[@]} -eq 0 ]; then
  echo "docker compose not installed: the compose file is NOT parsed by compose (run with --install as root, or apt-get install docker-compose)"
  skipped+=("docker compose config")
else
  # A fixed env file: the developer's own .env must not change the result.
  printf 'SLOTWATCH_SECRET_KEY=%s\n' "$(head -c 32 /dev/zero | base64)" >"$tmp/check.env"
  : >"$tmp/empty.env"
  for profile in "" single; do
    label="${profile:-default}"
    args=(--env-file "$tmp/check.env" -f docker-compose.yml)
    [ -n "$profile" ] && args+=(--profile "$profile")
    if out="$("${compose[@]}" "${args[@]}" config 2>&1)"; then
      pass "${compose[*]} config ($label)"
      if [ "$profile" = single ] && ! grep -q 'slotwatch' <<<"$("${compose[@]}" "${args[@]}" config --services 2>/dev/null)"; then
        fail "profile single has no slotwatch service"
      fi
    else
      fail "${compose[*]} config ($label)"
      indent <<<"$out"
    fi
  done
  if "${compose[@]}" --env-file "$tmp/empty.env" -f docker-compose.yml config >/dev/null 2>"$tmp/err" || ! grep -q SLOTWATCH_SECRET_KEY "$tmp/err"; then
    fail "compose must refuse to start without SLOTWATCH_SECRET_KEY"
  else
    pass "compose refuses to start without SLOTWATCH_SECRET_KEY"
  fi
fi

section "helm lint + template"
helm="${HELM:-helm}"
chart=deploy/helm/slotwatch
if ! command -v "$helm" >/dev/null 2>&1; then
  echo "helm not installed: template rendering NOT checked (Debian has no helm package; set HELM=/path/to/helm)"
  skipped+=("helm template")
else
  echo "using $("$helm" version --short 2>/dev/null || echo "$helm")"
  if out="$("$helm" lint "$chart" -f "$chart/ci/default-values.yaml" 2>&1)"; then pass "helm lint"; else fail "helm lint"; indent <<<"$out"; fi
  rendered=()
  for values in "$chart"/ci/*.yaml; do
    name="$(basename "$values" .yaml)"
    if "$helm" template slotwatch "$chart" -f "$values" >"$tmp/$name.out" 2>"$tmp/$name.err"; then
      pass "helm template -f ci/$name.yaml"
      rendered+=(--rendered "$tmp/$name.out")
    else
      fail "helm template -f ci/$name.yaml"
      indent <"$tmp/$name.err"
    fi
  done
  if [ ${#rendered[@]} -gt 0 ]; then
    node tools/check-deploy.mjs --rendered-only "${rendered[@]}" || failed+=("rendered manifests")
  fi
  # No secret key, no database: the chart must refuse, saying what to set.
  if "$helm" template slotwatch "$chart" >/dev/null 2>"$tmp/defaults.err"; then
    fail "helm template with bare defaults rendered; it must ask for secrets.secretKey"
  elif grep -q 'set secrets.secretKey' "$tmp/defaults.err"; then
    pass "helm template with bare defaults refuses and asks for secrets.secretKey"
  else
    fail "helm template with bare defaults failed for another reason"
    indent <"$tmp/defaults.err"
  fi
fi

section "entrypoint"
if sh -n deploy/docker/entrypoint.sh; then pass "sh -n deploy/docker/entrypoint.sh"; else fail "entrypoint syntax"; fi
if command -v shellcheck >/dev/null 2>&1; then
  if shellcheck deploy/docker/entrypoint.sh tools/check-deploy.sh; then pass "shellcheck"; else fail "shellcheck"; fi
else
  echo "shellcheck not installed: shell scripts NOT linted"
  skipped+=("shellcheck")
fi

echo
echo "NOT checked here (needs a container engine or a cluster): docker build, the containers' healthchecks, helm install/upgrade."
[ ${#skipped[@]} -gt 0 ] && echo "skipped, tool missing: ${skipped[*]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "check-deploy: FAILED: ${failed[*]}"
  exit 1
fi
echo "check-deploy: all run checks passed"
