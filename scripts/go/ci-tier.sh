#!/usr/bin/env bash
# Decides, for a CI run, whether the Go tier runs: integration/sim-clients/go, a Go client of
# provisionkit-sim's control protocol written with the standard library only, and its test
# (integration/test/sim-go-client.test.ts runs `go test`). It needs a Go toolchain: the one on
# PATH, else Debian's golang-go (Go 1.19 on bookworm), installed with apt-get when we are
# root (13 s here to download and install it; apt-get update not counted). No module is
# fetched (GOPROXY=off): the client needs nothing outside the standard library. Prints, on
# stdout, shell assignments for `eval`:
#   ready       -> export PROVISIONKIT_GO=required (the test must run; a missing go fails it),
#                  and CGO_ENABLED=0 when there is no C compiler (see below);
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
# Go 1.19 builds with cgo by default and then needs a C compiler (golang-go only recommends
# gcc, and --no-install-recommends leaves it out). Without one, build pure Go, as Go 1.20 and
# later decide by themselves: the client needs no cgo (the net package has a Go resolver);
# the standard library is then compiled once into GOCACHE (~25 s on a loaded 2-core machine).
cc=$(go env CC 2>/dev/null)
if [[ "${CGO_ENABLED:-}" != 0 ]] && ! command -v "${cc:-gcc}" >/dev/null 2>&1; then
  echo "==> go tier: no C compiler (${cc:-gcc}): CGO_ENABLED=0" >&2
  emit CGO_ENABLED 0
fi
