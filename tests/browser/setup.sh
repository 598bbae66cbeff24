#!/usr/bin/env bash
# Prepares the browser checks (tests/tests/browser.rs): Debian's Chromium at /usr/bin/chromium, a
# monospace font for the cow, and playwright-core from the committed lock file in
# tests/browser/node_modules. Idempotent and quick when everything is already there. Playwright
# never downloads a browser: check.mjs drives /usr/bin/chromium.
set -euo pipefail
cd "$(dirname "$0")"

CHROMIUM=/usr/bin/chromium
MONO_FONT=/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf

# --- Debian packages -------------------------------------------------------------------------
missing=()
[[ -x $CHROMIUM ]] || missing+=(chromium)
[[ -e $MONO_FONT ]] || missing+=(fonts-dejavu-core)
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  sudo=()
  ((EUID == 0)) || sudo=(sudo)
  apt_install() { "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; }
  # Refresh the package lists only if they don't know the packages yet, or the install fails
  # (lists too old: their .deb files are gone from the mirror).
  if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
    "${sudo[@]}" apt-get update -qq
  fi
  if ! apt_install; then
    "${sudo[@]}" apt-get update -qq
    apt_install
  fi
fi
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
