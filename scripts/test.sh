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
echo "== cargo clippy -p jellyfin-server alone (its core without linked libav, as the binary is built)"
cargo clippy -p jellyfin-server --all-targets --locked -- -D warnings
echo "== cargo doc -p jellyfin-core (warnings are errors; the crate denies missing docs)"
RUSTDOCFLAGS="-D warnings" cargo doc --locked -q -p jellyfin-core --features libav-plugin --no-deps
echo "== naming vectors: $SHARED/naming/cases.json"
cargo run --locked -q -p jellyfin-core --example naming_cases -- "$SHARED/naming/cases.json" --quiet
echo "== cargo test"
cargo test --workspace --locked
echo "== acceptance: real third-party clients against the real binary"
# Two invocations: the server alone does not link libav; the plugin it loads on first probe does.
cargo build --locked -q -p jellyfin-server
cargo build --locked -q -p jellyfin-libav
VENV=target/acceptance-venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check -r tests/acceptance/requirements.txt
JELLYFIN_SERVER_BIN="$PWD/target/debug/jellyfin-server" "$VENV/bin/python" -m pytest -q -p no:cacheprovider tests/acceptance
echo "== embedding: Rust examples (core and server as cargo dependencies)"
EMBED_MEDIA=$(mktemp -d)
trap 'rm -rf "$EMBED_MEDIA"' EXIT
"$SHARED/tools/make-library" "$EMBED_MEDIA" --movies 6 --shows 1 --seasons 1 --episodes 2 --artists 0 >/dev/null
cargo run --locked -q -p jellyfin-examples --example scan_and_search -- "$EMBED_MEDIA/Movies"
cargo run --locked -q -p jellyfin-examples --example embedded_server -- "$EMBED_MEDIA/Movies"
echo "== bindings: Swift generation (no Swift toolchain here: generated and checked, not compiled)"
# Builds the workspace's uniffi-bindgen (target/debug/uniffi-bindgen), which maturin runs too.
bash scripts/gen-swift.sh --check
echo "== bindings: Python wheel built with maturin, installed into a fresh venv, pytest"
BVENV=target/bindings-venv
rm -rf "$BVENV" target/wheels
python3 -m venv "$BVENV"
"$BVENV/bin/pip" install -q --disable-pip-version-check --cache-dir target/pip-cache "maturin>=1.16,<2" pytest
(cd bindings/python && PATH="$PWD/../../target/debug:$PATH" ../../"$BVENV"/bin/maturin build --locked -o ../../target/wheels)
ls -l target/wheels/jellyfin_core-*.whl
"$BVENV/bin/pip" install -q --disable-pip-version-check target/wheels/jellyfin_core-*.whl
(cd bindings/python && JELLYFIN_SHARED="$SHARED" ../../"$BVENV"/bin/python -m pytest -q -p no:cacheprovider tests)
"$BVENV/bin/python" examples/python/scan.py "$EMBED_MEDIA/Movies"
