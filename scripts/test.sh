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
