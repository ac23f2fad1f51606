#!/usr/bin/env bash
# What the console's browser tests (tests/tests/console_browser.rs) need, installed when missing on
# a fresh Debian machine: Chromium, a CJK font (so screenshots show Chinese), Node.js with npm, and
# playwright-core (which drives the system Chromium and never downloads a browser) in
# ${XDG_CACHE_HOME:-$HOME/.cache}/fieldvisit/node.
#
#   source scripts/install-browser.sh     # installs, then exports the variables below
#   eval "$(scripts/install-browser.sh)"  # the same from another shell: prints `export` lines
#
# Exports FIELDVISIT_NODE_MODULES (the node_modules holding playwright-core) and
# FIELDVISIT_CHROMIUM (the Chromium executable). Progress goes to stderr. A second run that finds
# everything in place installs nothing.

FIELDVISIT_PLAYWRIGHT_VERSION="1.64.1"

fieldvisit_install_browser() {
    local sudo_cmd=()
    if [ "$(id -u)" != 0 ]; then sudo_cmd=(sudo); fi
    local missing=()
    command -v chromium > /dev/null 2>&1 || missing+=(chromium)
    if ! dpkg-query -W -f='${Status}' fonts-wqy-microhei 2> /dev/null | grep -q "install ok installed"; then
        missing+=(fonts-wqy-microhei)
    fi
    command -v node > /dev/null 2>&1 || missing+=(nodejs)
    command -v npm > /dev/null 2>&1 || missing+=(npm)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "== installing ${missing[*]} for the browser tests" >&2
        "${sudo_cmd[@]}" apt-get update -qq >&2
        "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
    fi

    local prefix="${XDG_CACHE_HOME:-$HOME/.cache}/fieldvisit/node"
    local modules="$prefix/node_modules"
    local have=""
    if [ -f "$modules/playwright-core/package.json" ]; then
        have=$(node -p "require(process.argv[1]).version" "$modules/playwright-core/package.json" 2> /dev/null || true)
    fi
    if [ "$have" != "$FIELDVISIT_PLAYWRIGHT_VERSION" ]; then
        echo "== installing playwright-core@$FIELDVISIT_PLAYWRIGHT_VERSION into $prefix" >&2
        mkdir -p "$prefix"
        # playwright-core has no install script; the variable only makes sure nothing fetches a browser.
        PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$prefix" --no-audit --no-fund \
            --loglevel=error --save-exact "playwright-core@$FIELDVISIT_PLAYWRIGHT_VERSION" >&2
    fi

    FIELDVISIT_NODE_MODULES="$modules"
    FIELDVISIT_CHROMIUM="$(command -v chromium)"
    export FIELDVISIT_NODE_MODULES FIELDVISIT_CHROMIUM
    echo "== browser tests: $("$FIELDVISIT_CHROMIUM" --version 2> /dev/null | head -1), node $(node --version), playwright-core $FIELDVISIT_PLAYWRIGHT_VERSION" >&2
}

if (return 0 2> /dev/null); then
    # Sourced: install and export into the caller's shell.
    fieldvisit_install_browser
else
    set -euo pipefail
    fieldvisit_install_browser
    printf 'export FIELDVISIT_NODE_MODULES=%q\n' "$FIELDVISIT_NODE_MODULES"
    printf 'export FIELDVISIT_CHROMIUM=%q\n' "$FIELDVISIT_CHROMIUM"
fi
