#!/usr/bin/env bash
# Provisions the binaries of the real Kubernetes API-server test tier: apiextensions-apiserver
# (the Kubernetes CRD server, built from Debian sid's Go source packages with sid's own Go
# toolchain) and etcd (Debian sid's etcd-server). See docs in integration/support/real-apiserver.ts
# and the research notes this follows (real-apiserver.md).
#
# Everything goes to ${PROVISIONKIT_CACHE_DIR:-$HOME/.cache/provisionkit}/real-apiserver/:
#   apt/                   private apt configuration and sid package lists (the machine's apt is untouched)
#   builds/<key>/bin/      apiextensions-apiserver and etcd; <key> hashes every package version used
#   builds/<key>/manifest  "package version" of every .deb the build used
#   current.json           which build is current (read by integration/support/real-apiserver/cache.ts)
# Nothing is installed system-wide and nothing is written under the repository. The Go module
# proxy is never used (GO111MODULE=off GOPROXY=off): all sources come from Debian .debs.
#
# Usage: scripts/real-apiserver/provision.sh
#   stdout, on success only:  PROVISIONKIT_REAL_APISERVER_BIN=<path>
#                             PROVISIONKIT_ETCD_BIN=<path>
#                             (the value is the rest of the line, not shell-quoted)
#   stderr: progress with timings; on exit 2 the last line is
#           "real-apiserver: NOT AVAILABLE: <reason>"
# Exit codes: 0 ready; 2 cannot be provisioned for a reason outside the project (Debian archive
# unreachable, a package gone from sid, a build break in sid, no apt on this machine, no disk
# space); anything else is a bug in this script.
#
# Environment:
#   PROVISIONKIT_CACHE_DIR                     cache root (default $HOME/.cache/provisionkit)
#   PROVISIONKIT_REAL_APISERVER_REFRESH_HOURS  refresh the sid package lists when older than this
#                                              (default 24; 0 = always). A refresh that brings a
#                                              new version of any package used triggers a rebuild.
#   PROVISIONKIT_DEBIAN_MIRROR                 mirror URI (default: read from the machine's
#                                              /etc/apt/sources.list.d/debian.sources)
#   PROVISIONKIT_REAL_APISERVER_KEEP_WORK=1    keep the work directory (debs, sources, go cache)
set -Eeuo pipefail
export LC_ALL=C

# Bump when the build recipe (flags, steps, layout) changes: it is part of the cache key.
readonly RECIPE=1
readonly SUITE=sid
readonly TOP_PACKAGE=golang-k8s-apiextensions-apiserver-dev
readonly MAIN_IMPORT=k8s.io/apiextensions-apiserver
readonly KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
readonly MIN_FREE_MB=3000 # peak use measured: 2.3 GB (1.4 GB Go build cache, 640 MB sources)

START_NS=$(date +%s%N)
REASON=""
WORK=""

elapsed() {
  local now
  now=$(date +%s%N)
  awk -v a="$START_NS" -v b="$now" 'BEGIN { printf "%6.1fs", (b - a) / 1e9 }'
}
log() { printf '[real-apiserver %s] %s\n' "$(elapsed)" "$*" >&2; }
step() { printf '[real-apiserver %s] ==> %s\n' "$(elapsed)" "$*" >&2; }

# A reason outside the project: print it, exit 2.
unavailable() {
  REASON="$*"
  exit 2
}

on_exit() {
  local status=$?
  if [[ -n "$WORK" && -d "$WORK" && "${PROVISIONKIT_REAL_APISERVER_KEEP_WORK:-}" != 1 ]]; then
    rm -rf "$WORK"
  elif [[ -n "$WORK" && -d "$WORK" ]]; then
    log "kept the work directory $WORK"
  fi
  if [[ $status -eq 2 && -n "$REASON" ]]; then
    printf 'real-apiserver: NOT AVAILABLE: %s\n' "$REASON" >&2
  fi
}
on_error() {
  local status=$1 line=$2
  # unavailable() called in a subshell exits it with 2 and sets REASON there only; keep 2 then.
  if [[ $status -eq 2 && -n "$REASON" ]]; then exit 2; fi
  printf 'real-apiserver: BUG: provision.sh failed at line %s (exit %s)\n' "$line" "$status" >&2
  exit 1
}
trap on_exit EXIT
trap 'on_error $? $LINENO' ERR

# ---------------------------------------------------------------------------------------------
# Preconditions of the machine
for tool in apt-get apt-cache dpkg-deb dpkg flock sha256sum awk sed sort timeout; do
  command -v "$tool" >/dev/null 2>&1 || unavailable "this machine has no '$tool' (a Debian machine with apt is required)"
done
[[ -r "$KEYRING" ]] || unavailable "no Debian archive keyring at $KEYRING (package debian-archive-keyring)"
ARCH=$(dpkg --print-architecture)

CACHE_ROOT="${PROVISIONKIT_CACHE_DIR:-}"
if [[ -z "$CACHE_ROOT" ]]; then
  [[ -n "${HOME:-}" ]] || unavailable "neither PROVISIONKIT_CACHE_DIR nor HOME is set"
  CACHE_ROOT="$HOME/.cache/provisionkit"
fi
CACHE="$CACHE_ROOT/real-apiserver"
mkdir -p "$CACHE" || unavailable "cannot create the cache directory $CACHE"
CACHE=$(cd "$CACHE" && pwd -P)

# One provisioning at a time per cache (parallel CI jobs on one machine).
exec 9>"$CACHE/.lock"
if ! flock -n 9; then
  log "another provisioning holds $CACHE/.lock; waiting (up to 30 min)"
  flock -w 1800 9 || unavailable "timed out waiting for another provisioning to release $CACHE/.lock"
fi

step "cache: $CACHE"

# ---------------------------------------------------------------------------------------------
# The previous build, if any
CURRENT_JSON="$CACHE/current.json"
current_key=""
if [[ -f "$CURRENT_JSON" ]]; then
  current_key=$(sed -n 's/^ *"key": *"\([0-9a-f]*\)".*/\1/p' "$CURRENT_JSON")
fi
current_ok() {
  [[ -n "$current_key" ]] &&
    [[ -x "$CACHE/builds/$current_key/bin/apiextensions-apiserver" ]] &&
    [[ -x "$CACHE/builds/$current_key/bin/etcd" ]] &&
    [[ -s "$CACHE/builds/$current_key/manifest" ]]
}
print_result() {
  local dir="$CACHE/builds/$1/bin"
  printf 'PROVISIONKIT_REAL_APISERVER_BIN=%s\n' "$dir/apiextensions-apiserver"
  printf 'PROVISIONKIT_ETCD_BIN=%s\n' "$dir/etcd"
}

# ---------------------------------------------------------------------------------------------
# Private apt setup for sid on the machine's own Debian mirror
mirror="${PROVISIONKIT_DEBIAN_MIRROR:-}"
if [[ -z "$mirror" && -r /etc/apt/sources.list.d/debian.sources ]]; then
  # The first URIs of a stanza that is not the security archive.
  mirror=$(awk 'tolower($1) == "uris:" && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
fi
if [[ -z "$mirror" && -r /etc/apt/sources.list ]]; then
  mirror=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { if ($i !~ /security/) { print $i; exit } break } }' /etc/apt/sources.list)
fi
[[ -n "$mirror" ]] || unavailable "no Debian mirror found in /etc/apt/sources.list.d/debian.sources (set PROVISIONKIT_DEBIAN_MIRROR)"
mirror="${mirror%/}"

APT_DIR="$CACHE/apt"
mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial" "$APT_DIR/state" "$APT_DIR/empty"
: >"$APT_DIR/state/status"
cat >"$APT_DIR/sources.list" <<EOF
deb [arch=$ARCH signed-by=$KEYRING] $mirror $SUITE main
deb-src [signed-by=$KEYRING] $mirror $SUITE main
EOF
cat >"$APT_DIR/apt.conf" <<'EOF'
// Hooks of the machine's apt configuration are for its own package lists, not these.
#clear APT::Update::Pre-Invoke;
#clear APT::Update::Post-Invoke;
#clear APT::Update::Post-Invoke-Success;
#clear DPkg::Pre-Invoke;
#clear DPkg::Post-Invoke;
// No binary caches of these lists (100 MB for about 0.2 s per apt-cache call).
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Acquire::Languages "none";
Acquire::Retries "3";
Acquire::http::Timeout "60";
EOF
APT_OPTS=(
  -c "$APT_DIR/apt.conf"
  -o "Dir::Etc::sourcelist=$APT_DIR/sources.list"
  -o "Dir::Etc::sourceparts=$APT_DIR/empty"
  -o "Dir::Etc::preferences=$APT_DIR/empty/none"
  -o "Dir::Etc::preferencesparts=$APT_DIR/empty"
  -o "Dir::State=$APT_DIR/state"
  -o "Dir::State::Lists=$APT_DIR/lists"
  -o "Dir::State::status=$APT_DIR/state/status"
  -o "Dir::Cache=$APT_DIR/cache"
  # Download as the calling user: the private directories are its own.
  -o "APT::Sandbox::User=$(id -un)"
)

update_lists() {
  step "refreshing the $SUITE package lists from $mirror"
  local out
  if ! out=$(timeout 900 apt-get "${APT_OPTS[@]}" --error-on=any -q update 2>&1); then
    printf '%s\n' "$out" | tail -5 >&2
    return 1
  fi
  printf '%s\n' "$out" | grep -E '^(Get|Fetched)' | sed 's/^/    /' >&2 || true
  touch "$APT_DIR/updated-at"
}
lists_age_hours() {
  if [[ ! -f "$APT_DIR/updated-at" ]] || ! compgen -G "$APT_DIR/lists/*_Packages*" >/dev/null; then
    echo 999999
    return
  fi
  echo $((($(date +%s) - $(stat -c %Y "$APT_DIR/updated-at")) / 3600))
}

refresh_hours="${PROVISIONKIT_REAL_APISERVER_REFRESH_HOURS:-24}"
[[ "$refresh_hours" =~ ^[0-9]+$ ]] || refresh_hours=24
age=$(lists_age_hours)
if [[ "$refresh_hours" -eq 0 || "$age" -ge "$refresh_hours" ]] || ! current_ok; then
  if ! update_lists; then
    if current_ok; then
      log "WARNING: the Debian archive at $mirror is unreachable; reusing the cached build $current_key without checking $SUITE for newer versions"
      print_result "$current_key"
      exit 0
    fi
    unavailable "the Debian archive at $mirror ($SUITE) is unreachable or its index is broken (apt-get update failed)"
  fi
else
  log "$SUITE package lists are ${age}h old (refreshed after ${refresh_hours}h; PROVISIONKIT_REAL_APISERVER_REFRESH_HOURS=0 forces it)"
fi

# "package<TAB>version<TAB>depends" of the candidate of each named package (absent ones left out).
# Each apt-cache call parses the whole lists (~0.5 s), so callers ask for many packages at once.
candidates() {
  apt-cache "${APT_OPTS[@]}" show --no-all-versions "$@" 2>/dev/null |
    awk -F': ' '/^Package: / { p = $2; v = ""; d = "" } /^Version: / { v = $2 } /^Depends: / { d = $2 }
                /^$/ { if (p != "") print p "\t" v "\t" d; p = "" } END { if (p != "") print p "\t" v "\t" d }' |
    sort -u || true
}
# "package version" lines, from candidates output.
versions_in() { cut -f1,2 <<<"$1" | tr '\t' ' ' | grep -v '^$' | sort -u || true; }
version_in() { awk -v p="$1" '$1 == p { print $2 }' <<<"$2"; }
depends_names() { tr ',|' '\n' | sed 's/^ *//; s/[ (:].*//' | grep -v '^$' || true; }

# ---------------------------------------------------------------------------------------------
# Resolve the toolchain and the top packages
step "resolving package versions in $SUITE"
golang_depends=$(candidates golang-go | cut -f3)
[[ -n "$golang_depends" ]] || unavailable "package golang-go is not in $SUITE on $mirror"
GO_PKG=$(depends_names <<<"$golang_depends" | grep -E '^golang-[0-9.]+-go$' | head -1 || true)
[[ -n "$GO_PKG" ]] || unavailable "cannot find the Go toolchain in golang-go's Depends ($golang_depends)"
GO_SERIES=${GO_PKG#golang-}
GO_SERIES=${GO_SERIES%-go}
manifest_packages=()
if current_ok; then
  mapfile -t manifest_packages < <(awk '{ print $1 }' "$CACHE/builds/$current_key/manifest")
fi
# One call for the top packages and, when there is a build, every package it used.
INFO=$(candidates "$GO_PKG" "golang-$GO_SERIES-src" etcd-server "$TOP_PACKAGE" "${manifest_packages[@]}")
SRC_PKG=$(awk -F'\t' -v p="$GO_PKG" '$1 == p { print $3 }' <<<"$INFO" | depends_names | grep -E "^golang-${GO_SERIES//./\\.}-src$" | head -1 || true)
[[ -n "$SRC_PKG" ]] || SRC_PKG="golang-$GO_SERIES-src"
TOP_VERSIONS=$(versions_in "$(awk -F'\t' -v a="$GO_PKG" -v b="$SRC_PKG" -v c=etcd-server -v d="$TOP_PACKAGE" \
  '$1 == a || $1 == b || $1 == c || $1 == d' <<<"$INFO")")
for p in "$GO_PKG" "$SRC_PKG" etcd-server "$TOP_PACKAGE"; do
  grep -q "^$p " <<<"$TOP_VERSIONS" || unavailable "package $p is not in $SUITE on $mirror (gone or renamed?)"
done
log "Go toolchain: $GO_PKG $(version_in "$GO_PKG" "$TOP_VERSIONS") (from golang-go's Depends)"
log "apiextensions-apiserver: $TOP_PACKAGE $(version_in "$TOP_PACKAGE" "$TOP_VERSIONS")"
log "etcd: etcd-server $(version_in etcd-server "$TOP_VERSIONS")"

# ---------------------------------------------------------------------------------------------
# Reuse the current build when every package it used still has the same version in sid
if current_ok; then
  manifest="$CACHE/builds/$current_key/manifest"
  now_versions=$(versions_in "$(awk -F'\t' 'NR == FNR { want[$1] = 1; next } ($1 in want)' <(printf '%s\n' "${manifest_packages[@]}") - <<<"$INFO")")
  if [[ "$now_versions" == "$(sort -u "$manifest")" ]] &&
    [[ "$(sed -n 's/^ *"recipe": *\([0-9]*\).*/\1/p' "$CURRENT_JSON")" == "$RECIPE" ]] &&
    grep -q "^$GO_PKG " "$manifest"; then
    step "reusing the cached build $current_key ($(wc -l <"$manifest") packages unchanged in $SUITE)"
    print_result "$current_key"
    exit 0
  fi
  changed=$(diff <(sort -u "$manifest") <(printf '%s\n' "$now_versions") | grep '^>' | head -5 | sed 's/^> //' | paste -sd, - | sed 's/,/, /g' || true)
  log "the cached build $current_key is out of date (now in $SUITE: ${changed:-recipe or toolchain changed}); rebuilding"
fi

# ---------------------------------------------------------------------------------------------
# Cold build
free_mb=$(df -Pm "$CACHE" | awk 'NR == 2 { print $4 }')
if [[ -n "$free_mb" && "$free_mb" -lt $MIN_FREE_MB ]]; then
  unavailable "only ${free_mb} MB free under $CACHE; the build needs about ${MIN_FREE_MB} MB"
fi
command -v go >/dev/null 2>&1 && log "(a 'go' on PATH is ignored: the build uses $GO_PKG from $SUITE)"

# Work directories of interrupted runs (this run holds the lock, so none is in use).
rm -rf "$CACHE"/work.*
WORK="$CACHE/work.$$"
mkdir -p "$WORK/debs" "$WORK/root" "$WORK/gocache" "$WORK/tmp"
ROOT="$WORK/root"
got=" " # packages downloaded and extracted so far
download_bytes=0

fetch() { # fetch PACKAGE... : download the packages not yet fetched and extract them into ROOT
  local new=() p deb
  for p in "$@"; do
    [[ "$got" == *" $p "* ]] && continue
    new+=("$p")
  done
  [[ ${#new[@]} -gt 0 ]] || return 0
  local out
  if ! out=$(cd "$WORK/debs" && timeout 1200 apt-get "${APT_OPTS[@]}" -q download "${new[@]}" 2>&1); then
    printf '%s\n' "$out" | grep -E '^(E|W):' | tail -5 >&2 || true
    unavailable "apt-get download failed for: ${new[*]} (archive unreachable, or a package gone from $SUITE)"
  fi
  for p in "${new[@]}"; do
    deb=$(compgen -G "$WORK/debs/${p}_*.deb" | head -1 || true)
    [[ -n "$deb" ]] || unavailable "apt-get download did not produce a .deb for $p"
    dpkg-deb -x "$deb" "$ROOT" || unavailable "cannot unpack $(basename "$deb") (a corrupt download?)"
    download_bytes=$((download_bytes + $(stat -c %s "$deb")))
    got+="$p "
  done
}

step "downloading the Go toolchain ($GO_PKG, $SRC_PKG), etcd-server and $TOP_PACKAGE"
fetch "$GO_PKG" "$SRC_PKG" "$TOP_PACKAGE"
(cd "$WORK/debs" && timeout 1200 apt-get "${APT_OPTS[@]}" -q download etcd-server >/dev/null 2>&1) ||
  unavailable "apt-get download etcd-server failed (archive unreachable, or the package gone from $SUITE)"
ETCD_DEB=$(compgen -G "$WORK/debs/etcd-server_*.deb" | head -1 || true)
[[ -n "$ETCD_DEB" ]] || unavailable "apt-get download did not produce a .deb for etcd-server"
download_bytes=$((download_bytes + $(stat -c %s "$ETCD_DEB")))

export GOROOT="$ROOT/usr/lib/go-$GO_SERIES"
export GOPATH="$ROOT/usr/share/gocode"
export GO111MODULE=off GOPROXY=off GOSUMDB=off GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="" GOENV=off
export GOTELEMETRY=off GOCACHE="$WORK/gocache" GOTMPDIR="$WORK/tmp"
GO="$GOROOT/bin/go"
[[ -x "$GO" ]] || unavailable "$GO_PKG does not ship $GOROOT/bin/go (the package layout changed)"
MAIN_DIR="$GOPATH/src/$MAIN_IMPORT"
[[ -f "$MAIN_DIR/main.go" ]] || unavailable "$TOP_PACKAGE does not ship $MAIN_IMPORT/main.go any more"
log "$("$GO" version)"

# Import path -> Debian binary packages, from the Go-Import-Path of the source packages of
# every golang-*-dev package in $TOP_PACKAGE's Depends closure.
step "mapping Go import paths to Debian packages ($TOP_PACKAGE's Depends closure)"
closure=$(apt-cache "${APT_OPTS[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts \
  --no-breaks --no-replaces --no-enhances "$TOP_PACKAGE" 2>/dev/null | grep -E '^[a-z0-9]' | grep -E -- '-dev$' | sort -u || true)
[[ -n "$closure" ]] || unavailable "cannot compute the Depends closure of $TOP_PACKAGE"
# shellcheck disable=SC2086 # one word per package name
apt-cache "${APT_OPTS[@]}" show --no-all-versions $closure 2>/dev/null |
  awk '/^Package:/ { p = $2; s = $2 } /^Source:/ { s = $2 } /^$/ { if (p != "") print p, s; p = "" } END { if (p != "") print p, s }' |
  sort -u >"$WORK/binary-source.txt" || true
# "source<TAB>import paths" from the Sources index. Reading the index file directly takes 0.5 s;
# `apt-cache showsrc` of 300 source packages takes 15-50 s here.
apt_helper=/usr/lib/apt/apt-helper
sources_files=$(compgen -G "$APT_DIR/lists/*_source_Sources*" | grep -v -E '\.(diff|ed)' || true)
if [[ -x "$apt_helper" && -n "$sources_files" ]]; then
  # shellcheck disable=SC2086 # one word per file (no spaces in apt list names)
  "$apt_helper" cat-file $sources_files
else
  # shellcheck disable=SC2046 # one word per source package name
  apt-cache "${APT_OPTS[@]}" showsrc --only-source $(awk '{ print $2 }' "$WORK/binary-source.txt" | sort -u) 2>/dev/null
fi | awk 'NR == FNR { want[$2] = 1; next }
          /^Package:/ { s = $2; g = 0; next }
          /^Go-Import-Path:/ { sub(/^Go-Import-Path:[ \t]*/, ""); if (s in want) print s "\t" $0; g = 1; next }
          /^[ \t]/ { if (g && (s in want)) print s "\t" $0; next }
          { g = 0 }' "$WORK/binary-source.txt" - | sort -u >"$WORK/source-importpath.txt" || true
awk 'NR == FNR { n = split($2, ps, /[ ,\t]+/); for (i = 1; i <= n; i++) if (ps[i] != "") pre[$1] = pre[$1] " " ps[i]; next }
     ($2 in pre) { n = split(pre[$2], ps, " "); for (i = 1; i <= n; i++) print ps[i], $1 }' \
  FS='\t' "$WORK/source-importpath.txt" FS=' ' "$WORK/binary-source.txt" | sort -u >"$WORK/importpath-map.txt"
[[ -s "$WORK/importpath-map.txt" ]] || unavailable "no Go-Import-Path found in $SUITE's Sources index"
log "$(wc -w <<<"$closure") -dev packages in the closure, $(wc -l <"$WORK/importpath-map.txt") import-path prefixes"

# Download only the packages that `go list -deps` needs, a round at a time.
step "resolving $MAIN_IMPORT's imports with go list -deps"
cd "$MAIN_DIR"
fallback_done=0
for round in $(seq 1 40); do
  broken=$("$GO" list -e -deps -f '{{if .Error}}{{.ImportPath}}{{end}}' . 2>/dev/null | grep -v '^$' | sort -u || true)
  if [[ -z "$broken" ]]; then
    log "all imports resolved after $round rounds"
    break
  fi
  wanted=$(printf '%s\n' "$broken" | awk '
    NR == FNR { m[$1] = m[$1] " " $2; next }
    { best = ""; for (k in m) if (($0 == k || index($0, k "/") == 1) && length(k) > length(best)) best = k
      if (best == "") print "?" $0; else { n = split(m[best], bs, " "); for (j = 1; j <= n; j++) print bs[j] } }' \
    "$WORK/importpath-map.txt" - | sort -u)
  unmapped=$(grep '^?' <<<"$wanted" | sed 's/^?//' || true)
  new=()
  while read -r p; do
    [[ -z "$p" || "$p" == \?* || "$got" == *" $p "* ]] && continue
    new+=("$p")
  done <<<"$wanted"
  if [[ ${#new[@]} -gt 0 ]]; then
    log "round $round: $(wc -l <<<"$broken") import paths missing -> ${#new[@]} packages"
    fetch "${new[@]}"
    continue
  fi
  # Nothing new to fetch: unmapped paths, or a package that does not provide what it should.
  if [[ $fallback_done -eq 0 ]]; then
    log "round $round: $(wc -l <<<"$broken") import paths still broken (${unmapped:+unmapped: $(head -3 <<<"$unmapped" | tr '\n' ' ')}); fetching the whole Depends closure"
    fallback_done=1
    # shellcheck disable=SC2086
    fetch $closure
    continue
  fi
  log "import paths still broken after fetching the whole closure: $(head -5 <<<"$broken" | tr '\n' ' ')"
  break
done

# ---------------------------------------------------------------------------------------------
step "go build $MAIN_IMPORT (GO111MODULE=off GOPROXY=off CGO_ENABLED=0, $(nproc) cores; several minutes)"
build_start=$(date +%s)
mkdir -p "$WORK/bin"
if ! "$GO" build -trimpath -ldflags='-s -w' -o "$WORK/bin/apiextensions-apiserver" . >"$WORK/build.log" 2>&1; then
  cp "$WORK/build.log" "$CACHE/last-build-failure.log"
  sed 's/^/    /' "$WORK/build.log" | tail -15 >&2
  first=$(grep -m1 -E '(\.go:[0-9]+|cannot find package|no Go files|undefined|error)' "$WORK/build.log" || head -1 "$WORK/build.log")
  unavailable "go build of $MAIN_IMPORT $(version_in "$TOP_PACKAGE" "$TOP_VERSIONS") with $GO_PKG failed (a build break in $SUITE?): ${first:0:240} (full log: $CACHE/last-build-failure.log)"
fi
build_seconds=$(($(date +%s) - build_start))
log "built in ${build_seconds}s ($(du -m "$WORK/bin/apiextensions-apiserver" | cut -f1) MB)"
if ! timeout 60 "$WORK/bin/apiextensions-apiserver" --help >/dev/null 2>&1; then
  unavailable "the built apiextensions-apiserver does not run ('--help' failed)"
fi

step "unpacking etcd from $(basename "$ETCD_DEB")"
mkdir -p "$WORK/etcd-root"
dpkg-deb -x "$ETCD_DEB" "$WORK/etcd-root" || unavailable "cannot unpack $(basename "$ETCD_DEB")"
[[ -x "$WORK/etcd-root/usr/bin/etcd" ]] || unavailable "etcd-server no longer ships /usr/bin/etcd"
cp "$WORK/etcd-root/usr/bin/etcd" "$WORK/bin/etcd"
# The whole output first, then its first line: `etcd --version | head -1` under pipefail failed
# whenever head closed the pipe before etcd wrote its last line (SIGPIPE, exit 141), which
# etcd-server 3.5.30-2 did, and the tier said etcd "does not run" though it had printed its
# version.
etcd_output=$("$WORK/bin/etcd" --version 2>&1) ||
  unavailable "sid's etcd does not run on this machine: $(tail -1 <<<"$etcd_output")"
etcd_version=${etcd_output%%$'\n'*}
log "$etcd_version"

# ---------------------------------------------------------------------------------------------
# Record the build, keyed by every package version it used
# shellcheck disable=SC2086
versions_in "$(candidates $got etcd-server)" >"$WORK/manifest"
key=$( (
  echo "recipe $RECIPE $ARCH"
  cat "$WORK/manifest"
) | sha256sum | cut -c1-16)
BUILD="$CACHE/builds/$key"
rm -rf "$BUILD"
mkdir -p "$BUILD"
mv "$WORK/bin" "$BUILD/bin"
mv "$WORK/manifest" "$BUILD/manifest"

json_string() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }
{
  printf '{\n'
  printf '  "key": "%s",\n' "$key"
  printf '  "recipe": %s,\n' "$RECIPE"
  printf '  "apiserver": %s,\n' "$(json_string "builds/$key/bin/apiextensions-apiserver")"
  printf '  "etcd": %s,\n' "$(json_string "builds/$key/bin/etcd")"
  printf '  "versions": {\n'
  printf '    "golang-k8s-apiextensions-apiserver-dev": "%s",\n' "$(version_in "$TOP_PACKAGE" "$(cat "$BUILD/manifest")")"
  printf '    "etcd-server": "%s",\n' "$(version_in etcd-server "$(cat "$BUILD/manifest")")"
  printf '    "%s": "%s"\n' "$GO_PKG" "$(version_in "$GO_PKG" "$(cat "$BUILD/manifest")")"
  printf '  },\n'
  printf '  "packages": %s,\n' "$(wc -l <"$BUILD/manifest")"
  printf '  "downloadBytes": %s,\n' "$download_bytes"
  printf '  "buildSeconds": %s,\n' "$build_seconds"
  printf '  "builtAt": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  printf '  "mirror": %s\n' "$(json_string "$mirror")"
  printf '}\n'
} >"$CACHE/current.json.tmp"
mv "$CACHE/current.json.tmp" "$CURRENT_JSON"

# Older builds are out of date by construction.
for old in "$CACHE"/builds/*; do
  [[ -d "$old" && "$old" != "$BUILD" ]] && rm -rf "$old"
done
rm -f "$CACHE/last-build-failure.log"

step "ready: build $key, $(wc -l <"$BUILD/manifest") packages, $((download_bytes / 1048576)) MB of .debs downloaded"
print_result "$key"
