#!/bin/sh
# Runs a command with a private, unlocked Secret Service (gnome-keyring) on a private D-Bus
# session bus, so keyring-backed code can be tested for real on a headless machine or in CI.
#
#   scripts/with-keyring.sh node --test test/unit/vault/keyring-cipher.test.ts
#
# Needs: dbus-run-session (dbus), gnome-keyring-daemon (gnome-keyring), libsecret.
# The keyring lives in a throwaway directory, never the user's own login keyring, and is
# removed afterwards. The keyring password is a fixed test value: nothing real goes in it.
set -eu

if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi
for tool in dbus-run-session gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    if [ "${AIRLOCK_REQUIRE_KEYRING:-}" = 1 ]; then
      echo "$0: $tool not found (apt-get install -y dbus gnome-keyring libsecret-1-0 dbus-x11)" >&2
      exit 127
    fi
    # Without a Secret Service the keyring tests skip, saying why; everything else still runs.
    echo "$0: $tool not found: running without a keyring (keyring tests will be skipped)" >&2
    exec "$@"
  fi
done

scratch=$(mktemp -d "${TMPDIR:-/tmp}/airlock-keyring.XXXXXX")
chmod 700 "$scratch"
mkdir -m 700 "$scratch/data" "$scratch/run"
trap 'rm -rf "$scratch"' EXIT INT TERM

# Inside the private bus: start the daemon against the scratch keyring dir, unlock (creating)
# its login keyring, then run the command. The daemon goes away with the bus.
status=0
AIRLOCK_KEYRING_SCRATCH="$scratch" dbus-run-session -- sh -c '
  export XDG_DATA_HOME="$AIRLOCK_KEYRING_SCRATCH/data" XDG_RUNTIME_DIR="$AIRLOCK_KEYRING_SCRATCH/run"
  unset AIRLOCK_KEYRING_SCRATCH
  printf %s airlock-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || {
    echo "with-keyring.sh: gnome-keyring-daemon failed to start" >&2
    exit 1
  }
  exec "$@"
' with-keyring "$@" || status=$?
exit "$status"
