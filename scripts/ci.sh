#!/usr/bin/env bash
# `pnpm run ci`: every check, in order. First the real API-server tier is provisioned (or
# found in its cache; see scripts/real-apiserver/), so that the integration tests run
# against a real apiextensions-apiserver as well as the simulator. When it cannot be
# provisioned for reasons outside the project, the run says so at the start and again at
# the end, and those tests are reported as skipped, never as passed.
# Set PROVISIONKIT_REAL_APISERVER=skip to leave the real tier out on purpose. The browser
# tier (scripts/browser/) works the same way, with PROVISIONKIT_BROWSER=skip, and the Ansible
# tier (scripts/ansible/) with PROVISIONKIT_ANSIBLE=skip.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Every stage runs through `stage NAME command...`, which prints its elapsed seconds when it
# ends; the table of all stages is printed at the end, and also when a stage fails (then
# with that stage marked FAILED), so every run shows where the time went. `set -e` still
# stops the run at the first failing command: the stage's command runs in this shell.
stage_names=()
stage_secs=()
stage_current=""
stage_started=""
stage_clock() { echo "${EPOCHREALTIME/,/.}"; }
stage_elapsed() { awk -v a="$1" -v b="$(stage_clock)" 'BEGIN { printf "%.1f", b - a }'; }
stage() {
  local name=$1
  shift
  stage_current=$name
  stage_started=$(stage_clock)
  echo "==> [ci stage] ${name}: $*"
  "$@"
  local secs
  secs=$(stage_elapsed "$stage_started")
  stage_names+=("$name")
  stage_secs+=("$secs")
  stage_current=""
  echo "==> [ci stage] ${name}: done in ${secs} s"
}
ci_started=$(stage_clock)
stage_summary() {
  local status=$?
  {
    echo
    echo "ci stages (seconds):"
    local i
    for i in "${!stage_names[@]}"; do
      printf '  %-28s %8s\n' "${stage_names[$i]}" "${stage_secs[$i]}"
    done
    if [ -n "$stage_current" ]; then
      printf '  %-28s %8s  FAILED (exit %s)\n' "$stage_current" "$(stage_elapsed "$stage_started")" "$status"
    fi
    printf '  %-28s %8s\n' "total (scripts/ci.sh)" "$(stage_elapsed "$ci_started")"
  } >&2
}
trap stage_summary EXIT

# A tier script prints the variables it decided (PROVISIONKIT_*=...); they are set here.
tier_env() {
  local decided
  decided=$("$1")
  eval "$decided"
}
stage tier:real-apiserver tier_env scripts/real-apiserver/ci-tier.sh
# The headless-Chromium tier (the conformance HTML report is checked in a real browser).
stage tier:browser tier_env scripts/browser/ci-tier.sh
# The Ansible tier (the reference playbooks of ansible/ run with the real ansible-playbook).
stage tier:ansible tier_env scripts/ansible/ci-tier.sh

stage build pnpm run build
stage lint pnpm run lint
stage typecheck pnpm run typecheck
stage test pnpm run test
# The conformance CLI on the built packages, as a user runs it: both built-in providers,
# with the JUnit and HTML reports kept under reports/ (not committed).
stage cli:builtin node packages/testing/dist/cli/bin.js integration/conformance/builtin.mjs \
  --junit reports/conformance.xml --html reports/conformance.html
# The operator suite through the same CLI: the ComputeInstance operator with AapProvider, with
# EdaProvider and with EdaProvider in AAP mode, in real time on the Kubernetes API simulator
# (one HTML page per subject, operator-conformance-1.html to -3.html). Only three of its
# scenarios: integration/test/operator-conformance.test.ts already runs every scenario on these
# same three configurations (integration/conformance/operator.mjs) on the same simulator, in
# real time (~70 s), so this run would repeat it scenario for scenario. What only this run
# checks is the CLI as a user runs it on the built packages (module loading, operator
# subjects, crash and restart of the operator process, JSON/JUnit/HTML reports), and these
# three exercise each of those: a plain lifecycle, a crash with adoption (AapProvider, and
# EdaProvider in AAP mode) and a late write-back (the EdaProviders).
stage cli:operator node packages/testing/dist/cli/bin.js integration/conformance/operator.mjs \
  --scenario create-to-ready --scenario crash-after-provision-launch \
  --scenario provision-write-back-late \
  --json reports/operator-conformance.json --junit reports/operator-conformance.xml \
  --html reports/operator-conformance.html
stage docs pnpm run docs
stage check:packages pnpm run check:packages

if [ "${PROVISIONKIT_REAL_APISERVER:-}" = "skip" ]; then
  {
    echo
    echo "################################################################################"
    echo "##  REAL API-SERVER TIER: NOT RUN — ${PROVISIONKIT_REAL_APISERVER_REASON:-skipped on request}"
    echo "##  Everything else passed; the real-server integration tests were SKIPPED."
    echo "################################################################################"
  } >&2
else
  echo "real API-server tier: ran (integration tests against apiextensions-apiserver + etcd)"
fi
if [ "${PROVISIONKIT_BROWSER:-}" = "skip" ]; then
  {
    echo
    echo "################################################################################"
    echo "##  BROWSER TIER: NOT RUN — ${PROVISIONKIT_BROWSER_REASON:-skipped on request}"
    echo "##  Everything else passed; the headless-Chromium report checks were SKIPPED."
    echo "################################################################################"
  } >&2
else
  echo "browser tier: ran (the HTML report checked in headless Chromium)"
fi
if [ "${PROVISIONKIT_ANSIBLE:-}" = "skip" ]; then
  {
    echo
    echo "################################################################################"
    echo "##  ANSIBLE TIER: NOT RUN — ${PROVISIONKIT_ANSIBLE_REASON:-skipped on request}"
    echo "##  Everything else passed; the real ansible-playbook runs of ansible/ were SKIPPED."
    echo "################################################################################"
  } >&2
else
  echo "ansible tier: ran (the reference playbooks with the real ansible-playbook)"
fi
