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
# The libav plugin (loaded by the server on its first probe) is built on its own: built in one
# cargo invocation with the server, the plugin's `libav` feature would be unified into the
# server's build of jellyfin-core and link libav into the binary.
cargo build --locked --release -p jellyfin-libav
exec cargo run --locked --release -p jellyfin-server -- "${media[@]}" "$@"
