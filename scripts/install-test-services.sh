#!/usr/bin/env bash
# Installs the system services the test suite starts for real (PostgreSQL), when missing.
# The tests start and stop them themselves on 127.0.0.1; nothing is left running.
set -euo pipefail

have_postgres() {
  command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

if have_postgres; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing PostgreSQL server for the warehouse tests (Debian package postgresql)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
else
  echo "PostgreSQL server binaries (initdb, pg_ctl) not found: install your system's postgresql package" >&2
  exit 1
fi
