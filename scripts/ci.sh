#!/usr/bin/env bash
# `pnpm run ci`: every check (the independent ones at once, see stages_in_parallel), and a
# table of the seconds each stage took at the end. First the real API-server tier is provisioned (or
# found in its cache; see scripts/real-apiserver/), so that the integration tests run
# against a real apiextensions-apiserver as well as the simulator. When it cannot be
# provisioned for reasons outside the project, the run says so at the start and again at
# the end, and those tests are reported as skipped, never as passed.
# Set PROVISIONKIT_REAL_APISERVER=skip to leave the real tier out on purpose. The browser
# tier (scripts/browser/) works the same way, with PROVISIONKIT_BROWSER=skip, the Ansible
# tier (scripts/ansible/) with PROVISIONKIT_ANSIBLE=skip, and the Go tier (scripts/go/) with
# PROVISIONKIT_GO=skip.
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
# `stages_in_parallel NAME=FUNCTION...` runs stages at the same time, each in a subshell with
# `set -euo pipefail` and its output kept in a file, printed whole when it ends (so outputs
# do not interleave). Each one's elapsed seconds go into the table, and the group's own wall
# time as `parallel: NAMES`. When one fails, the others still run to their end; then the run
# stops with the first failure's status, every failed stage marked FAILED in the table. Used
# for the static checks, which are single-threaded (tsc, eslint, typedoc, attw) and so each
# left one of the two cores idle when they ran one after another.
stages_in_parallel() {
  if ((BASH_VERSINFO[0] < 5 || (BASH_VERSINFO[0] == 5 && BASH_VERSINFO[1] < 1))); then
    # `wait -n -p` needs bash 5.1: one after another instead.
    for spec in "$@"; do stage "${spec%%=*}" "${spec#*=}"; done
    return
  fi
  local dir spec name fn pid file
  dir=$(mktemp -d)
  local -A names=() files=()
  local group_started failed="" failed_status=0 group=""
  group_started=$(stage_clock)
  for spec in "$@"; do
    name=${spec%%=*}
    fn=${spec#*=}
    group+="${group:+,}${name}"
    echo "==> [ci stage] ${name}: ${fn} (in parallel; its output follows when it ends)"
    file="${dir}/${name//[^A-Za-z0-9]/_}"
    (
      set -euo pipefail
      # The moment it ended, whichever way: the wait below may reap it later.
      trap 'stage_clock >"${file}.end"' EXIT
      "$fn"
    ) >"${file}.log" 2>&1 &
    names[$!]=$name
    files[$!]=$file
  done
  local status
  while [ "${#names[@]}" -gt 0 ]; do
    status=0
    wait -n -p pid "${!names[@]}" || status=$?
    name=${names[$pid]}
    file=${files[$pid]}
    echo "==> [ci stage] ${name}: output"
    cat "${file}.log"
    local secs
    secs=$(awk -v a="$group_started" -v b="$(cat "${file}.end")" 'BEGIN { printf "%.1f", b - a }')
    if [ "$status" -eq 0 ]; then
      stage_names+=("$name")
      stage_secs+=("$secs")
      echo "==> [ci stage] ${name}: done in ${secs} s (in parallel)"
    else
      echo "==> [ci stage] ${name}: FAILED (exit ${status}) after ${secs} s (in parallel)"
      stage_names+=("${name} FAILED (exit ${status})")
      stage_secs+=("$secs")
      if [ -z "$failed" ]; then
        failed=$name
        failed_status=$status
      fi
    fi
    unset "names[$pid]"
  done
  rm -rf "$dir"
  stage_names+=("parallel: ${group}")
  stage_secs+=("$(stage_elapsed "$group_started")")
  # Every failed stage is in the table already; the run stops with the first one's status.
  if [ -n "$failed" ]; then return "$failed_status"; fi
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
# The Go tier (provisionkit-sim driven by a standard-library Go client, integration/sim-clients/go).
stage tier:go tier_env scripts/go/ci-tier.sh

stage build pnpm run build
# The static checks at once (they read the built providers' types, so after the build).
run_lint() { pnpm run lint; }
run_typecheck() { pnpm run typecheck; }
run_docs() { pnpm run docs; }
stages_in_parallel lint=run_lint typecheck=run_typecheck docs=run_docs
stage test pnpm run test
# The conformance CLI on the built packages, as a user runs it: both built-in providers,
# with the JUnit and HTML reports kept under reports/ (not committed); in virtual time, so it
# runs next to the package checks.
run_cli_builtin() {
  node packages/testing/dist/cli/bin.js integration/conformance/builtin.mjs \
    --junit reports/conformance.xml --html reports/conformance.html
}
run_check_packages() { pnpm run check:packages; }
stages_in_parallel cli:builtin=run_cli_builtin check:packages=run_check_packages
# The consumer matrix (scripts/consumer-smoke.mjs): the packed packages installed into fresh
# npm projects (ESM and CommonJS, TypeScript nodenext and bundler, client-node 1.x and 2.x,
# vitest 3 and 4, without client-node), type-checked and run; the client-node 2.x rows on
# Node 22 from the npm registry's `node` package (NOT RUN, loudly, if it does not install).
stage smoke:consumer node scripts/consumer-smoke.mjs --node22 auto
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
# The incremental mutation check (issue 21, docs/mutation.md): StrykerJS on the engine with the
# committed baseline, re-running only the mutants of what changed since it, then the engine's
# score held to its floors. Last and alone: it mutates packages/core/src/engine in place.
stage mutation:check node scripts/mutation-check.mjs

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
if [ "${PROVISIONKIT_GO:-}" = "skip" ]; then
  {
    echo
    echo "################################################################################"
    echo "##  GO TIER: NOT RUN — ${PROVISIONKIT_GO_REASON:-skipped on request}"
    echo "##  Everything else passed; the simulators were NOT driven from Go (SKIPPED)."
    echo "################################################################################"
  } >&2
else
  echo "go tier: ran (provisionkit-sim driven from a standard-library Go client)"
fi
