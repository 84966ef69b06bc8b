#!/bin/sh
# Installs Debian's chromium when /usr/bin/chromium is missing (as root, as in CI). The
# control plane's browser tests drive it with playwright-core (test/reloader/http/page.test.ts);
# `npx playwright install` is never used: it downloads a browser from the internet.
set -eu
if [ -x /usr/bin/chromium ]; then
  echo "provision-chromium: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium) present"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "provision-chromium: /usr/bin/chromium missing and this is not root: apt-get install chromium" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q chromium
echo "provision-chromium: installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
