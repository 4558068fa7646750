#!/usr/bin/env bash
# Fetches the 1.11 oracles (Debian 13 prometheus-pushgateway 1.11.0, prometheus + promtool 2.53.3) into a cache.
#
# The .deb files come from Debian trixie through a private apt configuration: its own sources
# file, lists, caches and an empty dpkg status, with the system's update hooks cleared, so
# /etc/apt and /var/lib/apt are only read, never written. apt checks the InRelease signature
# against the Debian archive keyring (Signed-By) and each .deb's hash against the signed Packages
# index; the binaries are then unpacked with `dpkg-deb -x` (nothing is installed) and their
# versions checked. A warm cache (binaries present, right versions, .deb hashes as recorded) does
# no network at all.
#
#   PGW_ORACLE_CACHE   cache directory (default: <repo>/.cache/oracles)
#   PGW_ORACLE_MIRROR  Debian mirror (default: http://deb.debian.org/debian); once trixie leaves
#                      the mirrors, a snapshot such as
#                      http://snapshot.debian.org/archive/debian/20251201T000000Z can be used
#                      (signatures still checked; only the Release file's expiry is not, since
#                      a snapshot is old on purpose)
#   --check            only report whether the cache is complete (exit 1 if not); no network
set -euo pipefail

PUSHGATEWAY_VERSION=1.11.0
PROMETHEUS_VERSION=2.53.3
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${PGW_ORACLE_CACHE:-$repo/.cache/oracles}
mirror=${PGW_ORACLE_MIRROR:-http://deb.debian.org/debian}
root=$cache/root
say() { echo "fetch-oracles: $*" >&2; }

# The upstream version a binary reports, e.g. "1.11.0" from "pushgateway, version 1.11.0+ds (…".
# 1.5.1-era kingpin printed --version on stderr, so both streams are read.
binary_version() {
  "$1" --version 2>&1 | sed -n 's/^[a-z-]*, version \([0-9][0-9.]*\).*/\1/p' | head -n 1
}

# Every binary under $1 reports its oracle version; with $2 = loud, says which one does not.
versions_ok() {
  local entry bin want got
  for entry in "prometheus-pushgateway:$PUSHGATEWAY_VERSION" "prometheus:$PROMETHEUS_VERSION" \
    "promtool:$PROMETHEUS_VERSION"; do
    bin=$1/usr/bin/${entry%%:*}
    want=${entry#*:}
    got=$([ -x "$bin" ] && binary_version "$bin" || true)
    if [ "$got" != "$want" ]; then
      [ "${2:-}" = loud ] && say "${entry%%:*} reports version '${got:-?}', the oracle must be $want;" \
        "set PGW_ORACLE_MIRROR to a snapshot.debian.org date that has $want"
      return 1
    fi
  done
}

cache_ok() {
  versions_ok "$root" && [ -f "$cache/debs/SHA256SUMS" ] &&
    (cd "$cache/debs" && sha256sum --check --quiet --status SHA256SUMS)
}

if [ "${1:-}" = "--check" ]; then
  cache_ok
  exit
fi

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9 # two `make test` runs in one checkout must not unpack into each other
cache_ok && exit 0

for tool in apt-get dpkg-deb dpkg sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || { say "needs $tool (Debian or Ubuntu with apt)"; exit 1; }
done
[ -r "$KEYRING" ] || { say "$KEYRING missing: apt-get install debian-archive-keyring"; exit 1; }

started=$(date +%s)
apt_dir=$cache/apt
rm -rf "$apt_dir" "$cache/debs.new" "$root.new"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$cache/debs.new"
: >"$apt_dir/status"
# Layered over the system's apt.conf.d (kept for proxies): its update and dpkg hooks (PackageKit,
# appstream) act on the system's caches, and its Check-Valid-Until=false would weaken this source.
cat >"$apt_dir/apt.conf" <<'EOF'
#clear APT::Update::Pre-Invoke;
#clear APT::Update::Post-Invoke;
#clear APT::Update::Post-Invoke-Success;
#clear DPkg::Pre-Invoke;
#clear DPkg::Post-Invoke;
Acquire::Check-Valid-Until "true";
Acquire::AllowInsecureRepositories "false";
Acquire::AllowDowngradeToInsecureRepositories "false";
EOF
case $mirror in
*://snapshot.debian.org/*) echo 'Acquire::Check-Valid-Until "false";' >>"$apt_dir/apt.conf" ;;
esac
cat >"$apt_dir/trixie.sources" <<EOF
Types: deb
URIs: $mirror
Suites: trixie
Components: main
Architectures: $(dpkg --print-architecture)
Languages: none
Targets: Packages
Signed-By: $KEYRING
EOF
apt=(apt-get -q
  -c "$apt_dir/apt.conf"
  -o "Dir::Etc::SourceList=$apt_dir/trixie.sources"
  -o Dir::Etc::SourceParts=/dev/null
  -o Dir::Etc::Preferences=/dev/null
  -o Dir::Etc::PreferencesParts=/dev/null
  -o "Dir::State=$apt_dir"
  -o "Dir::State::Lists=$apt_dir/lists"
  -o "Dir::State::status=$apt_dir/status"
  -o "Dir::Cache=$apt_dir/cache"
  -o "Dir::Cache::pkgcache=$apt_dir/cache/pkgcache.bin"
  -o "Dir::Cache::srcpkgcache=$apt_dir/cache/srcpkgcache.bin")
# As root, apt downloads as the unprivileged _apt user: give it the directories it writes.
if [ "$(id -u)" -eq 0 ] && getent passwd _apt >/dev/null; then
  chown _apt "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$cache/debs.new"
fi

say "fetching prometheus-pushgateway $PUSHGATEWAY_VERSION, prometheus and promtool $PROMETHEUS_VERSION from $mirror trixie"
# apt-get update exits 0 on some fetch failures; --error-on=any makes a bad signature fatal.
"${apt[@]}" --error-on=any update >"$apt_dir/update.log" 2>&1 || {
  cat "$apt_dir/update.log" >&2
  say "apt-get update of trixie failed (signature, network or mirror; see above)"
  exit 1
}
(cd "$cache/debs.new" && "${apt[@]}" download prometheus-pushgateway prometheus promtool) >"$apt_dir/download.log" 2>&1 || {
  cat "$apt_dir/download.log" >&2
  say "apt-get download failed"
  exit 1
}

# apt verified each file against the signed index; record the hashes so a warm run can re-check
# the cached files offline.
chown "$(id -u):$(id -g)" "$cache/debs.new"
(cd "$cache/debs.new" && sha256sum -- *.deb >SHA256SUMS)
mkdir -p "$root.new"
for deb in "$cache/debs.new"/*.deb; do
  dpkg-deb -x "$deb" "$root.new"
done
versions_ok "$root.new" loud || exit 1
rm -rf "$root" "$cache/debs"
mv "$cache/debs.new" "$cache/debs"
mv "$root.new" "$root"
rm -rf "$apt_dir" # lists and caches are only needed for this download
say "ready in $(($(date +%s) - started)) s: $root/usr/bin/{prometheus-pushgateway,prometheus,promtool}"
