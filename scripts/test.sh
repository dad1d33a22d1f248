#!/usr/bin/env bash
# Sets up a fresh Debian machine and runs every check and test of the workspace.
# This is the README's test command and what CI (.ci/run) runs.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="${JELLYFIN_SHARED:-$(cd .. && pwd)/shared}"

bash scripts/install-deps.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy (all targets, -D warnings)"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== naming vectors: $SHARED/naming/cases.json"
cargo run --locked -q -p jellyfin-core --example naming_cases -- "$SHARED/naming/cases.json" --quiet
echo "== cargo test"
cargo test --workspace --locked
echo "== acceptance: real third-party clients against the real binary"
cargo build --locked -q -p jellyfin-server
VENV=target/acceptance-venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check -r tests/acceptance/requirements.txt
JELLYFIN_SERVER_BIN="$PWD/target/debug/jellyfin-server" "$VENV/bin/python" -m pytest -q -p no:cacheprovider tests/acceptance
