#!/usr/bin/env bash
# Installs the system packages the test suite uses for real, when missing:
#   PostgreSQL and Redis (the tests start their own servers on 127.0.0.1) and Chromium (the browser test).
# Debian/Ubuntu as root: apt-get. Elsewhere: says what to install and fails.
set -euo pipefail

missing=()
command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/lib/chromium/chromium ] || command -v chromium >/dev/null 2>&1 || missing+=(chromium)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing for the tests: ${missing[*]} (Debian packages)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "the tests need these system packages: ${missing[*]}; install them with your package manager" >&2
  exit 1
fi
