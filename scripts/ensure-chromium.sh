#!/bin/sh
# The e2e tests drive Debian's chromium through playwright-core; install it when it is missing.
# apt's progress goes to a log file: one line when it works, the log's tail when it does not.
set -e
if command -v chromium >/dev/null 2>&1; then exit 0; fi
echo 'Installing chromium for the end-to-end tests (apt-get)...' >&2
SUDO=''
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then SUDO='sudo'; fi
LOG="${TMPDIR:-/tmp}/timebridge-apt-$$.log"
if $SUDO apt-get -qq update >"$LOG" 2>&1 &&
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -qq install -y --no-install-recommends chromium >>"$LOG" 2>&1; then
  echo "Installed $(chromium --version 2>/dev/null || echo chromium)." >&2
  rm -f "$LOG"
else
  status=$?
  echo "Installing chromium failed (exit $status); the end of apt's output:" >&2
  tail -n 40 "$LOG" >&2
  exit "$status"
fi
