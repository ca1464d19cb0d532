#!/bin/sh
# The e2e tests drive Debian's chromium through playwright-core; install it when it is missing.
set -e
if command -v chromium >/dev/null 2>&1; then exit 0; fi
echo 'Installing chromium for the end-to-end tests (apt-get)...' >&2
SUDO=''
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then SUDO='sudo'; fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends chromium
