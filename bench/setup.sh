#!/usr/bin/env bash
# Installs the benchmark's peers and load generators from Debian: Redis
# (redis-server, redis-benchmark), PostgreSQL (initdb, postgres, pgbench) and
# h2load (nghttp2-client). Idempotent; starts no system service, since the
# benchmark runs its own servers on 127.0.0.1 in temp dirs.
#
#   bash bench/setup.sh
set -euo pipefail

packages=(redis-server redis-tools postgresql postgresql-client nghttp2-client)

if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null; then
  sudo=(sudo)
else
  echo "bench/setup.sh: needs root (or sudo) for apt-get" >&2
  exit 1
fi

missing=()
for pkg in "${packages[@]}"; do
  if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    echo "already installed: $pkg"
  else
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "nothing to install"
  exit 0
fi

# Package scripts start their service through invoke-rc.d, which asks
# policy-rc.d first: 101 means "not now". An existing policy is left alone.
policy=/usr/sbin/policy-rc.d
added_policy=false
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
  "${sudo[@]}" chmod 755 "$policy"
  added_policy=true
fi
remove_policy() {
  if [[ $added_policy == true ]]; then "${sudo[@]}" rm -f "$policy"; fi
}
trap remove_policy EXIT

echo "installing: ${missing[*]}"
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for pkg in "${missing[@]}"; do
  echo "installed: $pkg $(dpkg-query -W -f='${Version}' "$pkg")"
done

# The postgresql package may have made a default cluster; it stays stopped.
for service in redis-server postgresql; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$service" 2>/dev/null; then
    echo "note: the system $service service is running; the benchmark does not use it" >&2
  fi
done
