#!/usr/bin/env bash
# Decides, for a CI run, whether the headless-browser test tier runs (the conformance HTML
# report is opened in Chromium and checked). Chromium comes from Debian's `chromium` package:
# used when /usr/bin/chromium exists, installed with apt-get when we are root and it does not
# (about 15 s here). Prints, on stdout, shell assignments for `eval` (as
# scripts/real-apiserver/ci-tier.sh does):
#   ready       -> export PROVISIONKIT_BROWSER=required PROVISIONKIT_CHROMIUM=/usr/bin/chromium
#                  (the browser tests must run; a browser that will not start fails them);
#   unavailable -> a banner "BROWSER TIER: NOT RUN — <reason>" on stderr and
#                  export PROVISIONKIT_BROWSER=skip PROVISIONKIT_BROWSER_REASON=...
#                  (the browser tests report themselves as skipped, never as passed).
# PROVISIONKIT_BROWSER=skip already set in the environment skips it on purpose (banner too).
set -uo pipefail

emit() { printf 'export %s=%q\n' "$1" "$2"; }

not_run() {
  local line='################################################################################'
  {
    printf '\n%s\n##\n##  BROWSER TIER: NOT RUN — %s\n' "$line" "$1"
    printf '##  The headless-Chromium checks of the HTML report are SKIPPED, not passed.\n##\n%s\n\n' "$line"
  } >&2
  emit PROVISIONKIT_BROWSER skip
  emit PROVISIONKIT_BROWSER_REASON "$1"
  exit 0
}

if [[ "${PROVISIONKIT_BROWSER:-}" == skip ]]; then
  not_run "PROVISIONKIT_BROWSER=skip was set${PROVISIONKIT_BROWSER_REASON:+: $PROVISIONKIT_BROWSER_REASON}"
fi

chromium=${PROVISIONKIT_CHROMIUM:-/usr/bin/chromium}
if [[ ! -x "$chromium" ]]; then
  if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
    not_run "no Chromium at $chromium, and apt-get as root is not available to install Debian's chromium"
  fi
  echo "==> browser tier: installing Debian's chromium (apt-get)" >&2
  start=$(date +%s)
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } >&2; then
    not_run "apt-get could not install Debian's chromium"
  fi
  echo "==> browser tier: chromium installed in $(($(date +%s) - start))s" >&2
fi
if ! "$chromium" --version >/dev/null 2>&1; then
  not_run "$chromium does not run (--version failed)"
fi
echo "==> BROWSER TIER: READY ($("$chromium" --version 2>/dev/null | head -1)); PROVISIONKIT_BROWSER=required" >&2
emit PROVISIONKIT_BROWSER required
emit PROVISIONKIT_CHROMIUM "$chromium"
