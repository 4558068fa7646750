#!/usr/bin/env bash
# Installs the real programs the tests use as oracles and peers: the Go Pushgateway and Prometheus
# (Debian packages prometheus-pushgateway and prometheus, which brings promtool), PostgreSQL's
# server binaries (package postgresql; the tests run private clusters of their own, never its
# service) and the headless browser `pgwtui web` is tested in (Debian chromium), then fetches the
# 1.11 oracles into the project cache (scripts/fetch-oracles.sh; nothing installed system-wide).
# With --bench, also wrk, the load generator of `make bench` (the tests never need it).
set -euo pipefail

wanted=(prometheus-pushgateway prometheus promtool chromium)
[ "${1:-}" = "--bench" ] && wanted+=(wrk)

missing=()
for cmd in "${wanted[@]}"; do
  case "$cmd" in
    promtool) package=prometheus ;;
    *) package=$cmd ;;
  esac
  command -v "$cmd" >/dev/null 2>&1 || missing+=("$package")
done
# The server binaries are not on PATH (Debian keeps them in /usr/lib/postgresql/N/bin).
postgres_installed() { compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null 2>&1; }
postgres_installed || missing+=(postgresql)
# The body is a subshell, so that its EXIT trap (the policy-rc.d clean-up) runs before the oracles
# are fetched.
install_packages() (
  packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  if [ "$(id -u)" -eq 0 ]; then
    run=()
  elif command -v sudo >/dev/null 2>&1; then
    run=(sudo)
  else
    echo "install-system-deps: need root (or sudo) to install: $packages" >&2
    exit 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-system-deps: no apt-get; install these yourself: $packages" >&2
    exit 1
  fi
  echo "install-system-deps: installing $packages" >&2
  # Keep the packages' init scripts from starting daemons (:9090, :9091, PostgreSQL's main cluster) during the install.
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${run[@]}" tee "$policy" >/dev/null
    "${run[@]}" chmod +x "$policy"
    created_policy=1
  fi
  # An `if`, not `[ … ] && …`: a false test as the trap's last command would make the script exit 1.
  cleanup() {
    if [ "$created_policy" -eq 1 ]; then "${run[@]}" rm -f "$policy"; fi
  }
  trap cleanup EXIT
  export DEBIAN_FRONTEND=noninteractive
  "${run[@]}" apt-get update -qq
  # shellcheck disable=SC2086
  "${run[@]}" apt-get install -y -qq --no-install-recommends $packages >/dev/null
  for cmd in "${wanted[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || { echo "install-system-deps: $cmd still missing" >&2; exit 1; }
  done
  postgres_installed || { echo "install-system-deps: PostgreSQL's initdb still missing" >&2; exit 1; }
)

[ ${#missing[@]} -eq 0 ] || install_packages

exec "$(dirname "${BASH_SOURCE[0]}")/fetch-oracles.sh"
