#!/usr/bin/env bash
# Prepares the browser checks (tests/tests/browser.rs): Debian's Chromium at /usr/bin/chromium, a
# monospace font for the cow, and playwright-core from the committed lock file in
# tests/browser/node_modules. Idempotent and quick when everything is already there. Playwright
# never downloads a browser: check.mjs drives /usr/bin/chromium.
set -euo pipefail
cd "$(dirname "$0")"

CHROMIUM=/usr/bin/chromium

# --- Debian packages -------------------------------------------------------------------------
bash ../../docker/apt-install.sh --no-install-recommends chromium fonts-dejavu-core
# Runs at all (libraries present). Debian's launcher may grumble on stderr; only the status counts.
if ! "$CHROMIUM" --version >/dev/null 2>&1; then
  echo "setup.sh: $CHROMIUM is installed but does not run:" >&2
  "$CHROMIUM" --version 2>&1 | tail -5 >&2 || true
  exit 1
fi

# --- playwright-core -------------------------------------------------------------------------
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "setup.sh: node and npm (Node.js >= 20) are needed for check.mjs" >&2
  exit 1
fi
# `npm ci` when node_modules is absent or was installed from another lock file (a stamp holds the
# lock file's hash).
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
stamp=node_modules/.fromscratch-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f node_modules/playwright-core/package.json || "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
