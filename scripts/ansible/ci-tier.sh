#!/usr/bin/env bash
# Decides, for a CI run, whether the Ansible test tier runs: the reference content of ansible/
# run with the real ansible-playbook (integration/test/ansible-*.test.ts). It needs Debian's
# `ansible` (ansible-core 2.14 with the kubernetes.core collection) and `python3-kubernetes`,
# and uses `ansible-lint` when Debian provides it; they are used when present, installed with
# apt-get when we are root and they are not (about 45 s on a clean bookworm). Prints, on
# stdout, shell assignments for `eval` (as scripts/real-apiserver/ci-tier.sh does):
#   ready       -> export PROVISIONKIT_ANSIBLE=required (the tests must run; a missing
#                  ansible-playbook fails them);
#   unavailable -> a banner "ANSIBLE TIER: NOT RUN — <reason>" on stderr and
#                  export PROVISIONKIT_ANSIBLE=skip PROVISIONKIT_ANSIBLE_REASON=...
#                  (the tests report themselves as skipped, never as passed).
# PROVISIONKIT_ANSIBLE=skip already set in the environment skips it on purpose (banner too).
set -uo pipefail

emit() { printf 'export %s=%q\n' "$1" "$2"; }

not_run() {
  local line='################################################################################'
  {
    printf '\n%s\n##\n##  ANSIBLE TIER: NOT RUN — %s\n' "$line" "$1"
    printf '##  The reference playbooks are NOT run with the real ansible-playbook: SKIPPED, not passed.\n##\n%s\n\n' "$line"
  } >&2
  emit PROVISIONKIT_ANSIBLE skip
  emit PROVISIONKIT_ANSIBLE_REASON "$1"
  exit 0
}

if [[ "${PROVISIONKIT_ANSIBLE:-}" == skip ]]; then
  not_run "PROVISIONKIT_ANSIBLE=skip was set${PROVISIONKIT_ANSIBLE_REASON:+: $PROVISIONKIT_ANSIBLE_REASON}"
fi

# The Python ansible-playbook runs on must import the kubernetes client (kubernetes.core's
# modules run on the implicit localhost with that interpreter).
ready() {
  local python
  command -v ansible-playbook >/dev/null 2>&1 || return 1
  python=$(ansible-playbook --version 2>/dev/null | sed -n 's/.*python version = .*(\(\/[^)]*\)).*/\1/p')
  [[ -n "$python" ]] && "$python" -c 'import kubernetes' 2>/dev/null
}

if ! ready; then
  if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
    not_run "no ansible-playbook with python3-kubernetes, and apt-get as root is not available to install Debian's ansible"
  fi
  echo "==> ansible tier: installing Debian's ansible, python3-kubernetes (apt-get)" >&2
  start=$(date +%s)
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ansible python3-kubernetes; } >&2; then
    not_run "apt-get could not install Debian's ansible and python3-kubernetes"
  fi
  # ansible-lint is a bonus: the tier runs without it (the test then says it only syntax-checked).
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ansible-lint >&2 ||
    echo "==> ansible tier: ansible-lint could not be installed; --syntax-check only" >&2
  echo "==> ansible tier: installed in $(($(date +%s) - start))s" >&2
  ready || not_run "ansible-playbook was installed but cannot import the Python kubernetes client"
fi
echo "==> ANSIBLE TIER: READY ($(ansible-playbook --version 2>/dev/null | head -1)); PROVISIONKIT_ANSIBLE=required" >&2
emit PROVISIONKIT_ANSIBLE required
