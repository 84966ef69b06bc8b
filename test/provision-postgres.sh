#!/bin/sh
# Installs PostgreSQL's server binaries from Debian's archive when none are installed (as root,
# as in CI). The tests start their own servers on throw-away data directories
# (test/support/postgres-server.ts); nothing is started here.
set -eu
if ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "provision-postgres: $(ls -d /usr/lib/postgresql/*/bin | tail -1) present"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "provision-postgres: no PostgreSQL server binaries and this is not root: apt-get install postgresql" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends postgresql
# Debian's package starts a cluster of its own; the tests do not use it.
if command -v pg_lsclusters >/dev/null 2>&1; then
  pg_lsclusters -h 2>/dev/null | while read -r version name _; do pg_ctlcluster "$version" "$name" stop 2>/dev/null || true; done
fi
echo "provision-postgres: installed $(ls -d /usr/lib/postgresql/*/bin | tail -1)"
