#!/usr/bin/env bash
# Decides, for a CI run, whether the Go tier runs: integration/sim-clients/go, a Go client of
# provisionkit-sim's control protocol written with the standard library only, and its test
# (integration/test/sim-go-client.test.ts runs `go test`). It needs a Go toolchain: the one on
# PATH, else Debian's golang-go (Go 1.19 on bookworm), installed with apt-get when we are
# root (about 30 s on a clean bookworm). No module is fetched (GOPROXY=off): the client needs
# nothing outside the standard library. Prints, on stdout, shell assignments for `eval`:
#   ready       -> export PROVISIONKIT_GO=required (the test must run; a missing go fails it);
#   unavailable -> a banner "GO TIER: NOT RUN — <reason>" on stderr and
#                  export PROVISIONKIT_GO=skip PROVISIONKIT_GO_REASON=...
#                  (the test reports itself as skipped, never as passed).
# PROVISIONKIT_GO=skip already set in the environment skips it on purpose (banner too).
set -uo pipefail

emit() { printf 'export %s=%q\n' "$1" "$2"; }

not_run() {
  local line='################################################################################'
  {
    printf '\n%s\n##\n##  GO TIER: NOT RUN — %s\n' "$line" "$1"
    printf '##  The simulators are NOT driven from Go: SKIPPED, not passed.\n##\n%s\n\n' "$line"
  } >&2
  emit PROVISIONKIT_GO skip
  emit PROVISIONKIT_GO_REASON "$1"
  exit 0
}

if [[ "${PROVISIONKIT_GO:-}" == skip ]]; then
  not_run "PROVISIONKIT_GO=skip was set${PROVISIONKIT_GO_REASON:+: $PROVISIONKIT_GO_REASON}"
fi

if ! command -v go >/dev/null 2>&1; then
  if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
    not_run "no go on PATH, and apt-get as root is not available to install Debian's golang-go"
  fi
  echo "==> go tier: installing Debian's golang-go (apt-get)" >&2
  start=$(date +%s)
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends golang-go; } >&2; then
    not_run "apt-get could not install Debian's golang-go"
  fi
  echo "==> go tier: installed in $(($(date +%s) - start))s" >&2
  command -v go >/dev/null 2>&1 || not_run "golang-go was installed but go is not on PATH"
fi
echo "==> GO TIER: READY ($(go version 2>/dev/null)); PROVISIONKIT_GO=required" >&2
emit PROVISIONKIT_GO required
