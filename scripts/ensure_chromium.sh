#!/usr/bin/env bash
# Make sure Debian's chromium is at /usr/bin/chromium for the Playwright browser tests (no browser download).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "[browser-deps] installing Debian's chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation >/dev/null
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation >/dev/null
else
  echo "[browser-deps] /usr/bin/chromium is missing and cannot be installed here: run 'apt-get install chromium' as root" >&2
  exit 1
fi
