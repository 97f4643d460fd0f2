#!/usr/bin/env bash
# Decides, for a CI run, whether the real API-server test tier runs: provisions it
# (scripts/real-apiserver/provision.sh) and prints, on stdout, shell assignments for `eval`.
#
# Usage from .ci/run (which has `set -euo pipefail`):
#
#   tier=$(scripts/real-apiserver/ci-tier.sh)   # exit 1 (a bug) fails the CI run right here
#   eval "$tier"                                # exports PROVISIONKIT_REAL_APISERVER=...
#
# The one-liner `eval "$(scripts/real-apiserver/ci-tier.sh)"` also fails the run on a bug, through
# a `false` that this script prints in that case (bash ignores a failed command substitution
# inside eval's argument, so the two-line form above is the more direct one). Do not `source` it.
#
# Outcomes (progress and banners go to stderr; stdout carries only the assignments):
#   provision.sh exit 0 -> export PROVISIONKIT_REAL_APISERVER=required (+ the binaries' paths):
#                          the tests must run, and an unavailable server fails them;
#   provision.sh exit 2 -> a banner "REAL API-SERVER TIER: NOT RUN — <reason>" and
#                          export PROVISIONKIT_REAL_APISERVER=skip, PROVISIONKIT_REAL_APISERVER_REASON:
#                          the tests report themselves as skipped (never as passed);
#   anything else       -> exit 1: a bug in the provisioning, the CI run fails.
# PROVISIONKIT_REAL_APISERVER=skip already set in the environment skips provisioning (banner too).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

emit() { # emit NAME VALUE: an eval-safe export on stdout
  printf 'export %s=%q\n' "$1" "$2"
}

banner_not_run() {
  local line='################################################################################'
  {
    printf '\n%s\n%s\n' "$line" "$line"
    printf '##\n##  REAL API-SERVER TIER: NOT RUN — %s\n##\n' "$1"
    printf '##  The integration tests against a real apiextensions-apiserver + etcd are SKIPPED.\n'
    printf '##  They are reported as not run, not as passed.\n'
    printf '##\n%s\n%s\n\n' "$line" "$line"
  } >&2
}

if [[ "${PROVISIONKIT_REAL_APISERVER:-}" == skip ]]; then
  reason="PROVISIONKIT_REAL_APISERVER=skip was set${PROVISIONKIT_REAL_APISERVER_REASON:+: $PROVISIONKIT_REAL_APISERVER_REASON}"
  banner_not_run "$reason"
  emit PROVISIONKIT_REAL_APISERVER skip
  emit PROVISIONKIT_REAL_APISERVER_REASON "$reason"
  exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/provisionkit-ci-tier.XXXXXX") || {
  echo "ci-tier.sh: cannot create a temporary directory" >&2
  echo false
  exit 1
}
trap 'rm -rf "$work"' EXIT

echo "==> real API-server tier: provisioning (scripts/real-apiserver/provision.sh)" >&2
start=$(date +%s)
# provision.sh's stderr goes on to ours (live progress) and to a file (for the reason line);
# its stdout (the binaries' paths) to another file.
{ "$here/provision.sh" 2>&1 1>&3 | tee "$work/stderr" >&2; } 3>"$work/stdout"
status=${PIPESTATUS[0]}
seconds=$(($(date +%s) - start))

case "$status" in
  0)
    echo "==> REAL API-SERVER TIER: READY after ${seconds}s; PROVISIONKIT_REAL_APISERVER=required" >&2
    emit PROVISIONKIT_REAL_APISERVER required
    # The same binaries the tests would find through the cache, passed on explicitly.
    while IFS='=' read -r name value; do
      case "$name" in
        PROVISIONKIT_REAL_APISERVER_BIN | PROVISIONKIT_ETCD_BIN)
          emit "$name" "$value"
          ;;
      esac
    done <"$work/stdout"
    ;;
  2)
    reason=$(sed -n 's/^real-apiserver: NOT AVAILABLE: //p' "$work/stderr" | tail -1)
    [[ -n "$reason" ]] || reason="provision.sh exited 2 without a reason line"
    banner_not_run "$reason"
    emit PROVISIONKIT_REAL_APISERVER skip
    emit PROVISIONKIT_REAL_APISERVER_REASON "$reason"
    ;;
  *)
    {
      echo "ci-tier.sh: provision.sh failed with exit $status after ${seconds}s: a bug in the provisioning, not an"
      echo "ci-tier.sh: unavailable environment. Failing the CI run."
    } >&2
    echo false
    exit 1
    ;;
esac
