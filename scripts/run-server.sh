#!/usr/bin/env bash
# Sets up a fresh Debian machine and starts the server on the embedded default:
# state in a data dir (default ~/.local/share/jellyfin-rs), media folder(s) from the command line.
#   scripts/run-server.sh MEDIA_DIR [MEDIA_DIR...] [-- extra jellyfin-server flags]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
media=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do media+=(--media "$1"); shift; done
[ "${1:-}" = "--" ] && shift
exec cargo run --locked --release -p jellyfin-server -- "${media[@]}" "$@"
