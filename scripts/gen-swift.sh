#!/usr/bin/env bash
# Generates the Swift bindings of jellyfin-core (bindings/swift/Sources) from the built cdylib
# with the workspace's uniffi-bindgen (bindings/uniffi-bindgen).
#
#   scripts/gen-swift.sh          regenerate bindings/swift/Sources in place
#   scripts/gen-swift.sh --check  generate into a temporary folder and fail when the checked-in
#                                 sources differ (what scripts/test.sh runs in CI)
#
# No Swift toolchain exists on this project's machines: the generated code is checked for
# generating without error and for being current, not compiled. See bindings/swift/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=write
case "${1:-}" in
  --check) mode=check ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

cargo build --locked -q -p jellyfin-bindings
cargo build --locked -q --manifest-path bindings/uniffi-bindgen/Cargo.toml --target-dir target

raw=$(mktemp -d)
out=$(mktemp -d)
trap 'rm -rf "$raw" "$out"' EXIT
target/debug/uniffi-bindgen generate --no-format --language swift --out-dir "$raw" \
  target/debug/libjellyfin.so

# SwiftPM layout: the Swift API in one target, the C declarations as a system library module
# that links libjellyfin.
mkdir -p "$out/JellyfinCore" "$out/jellyfinFFI"
cp "$raw/jellyfin.swift" "$out/JellyfinCore/jellyfin.swift"
cp "$raw/jellyfinFFI.h" "$out/jellyfinFFI/jellyfinFFI.h"
sed 's/^    export \*$/    export *\n    link "jellyfin"/' "$raw/jellyfinFFI.modulemap" > "$out/jellyfinFFI/module.modulemap"
grep -q 'link "jellyfin"' "$out/jellyfinFFI/module.modulemap" || {
  echo "gen-swift: unexpected module map from uniffi-bindgen:" >&2
  cat "$raw/jellyfinFFI.modulemap" >&2
  exit 1
}
# Every exported object must be there (a failed metadata read gives an empty interface).
for decl in "open class MediaLibrary" "open class CancelHandle" "open class Naming" \
            "public protocol ScanProgress" "enum JellyfinError" "public struct ItemQuery"; do
  grep -q "^$decl\b" "$out/JellyfinCore/jellyfin.swift" || {
    echo "gen-swift: '$decl' missing from the generated Swift" >&2
    exit 1
  }
done

dest=bindings/swift/Sources
if [ "$mode" = check ]; then
  if ! diff -r "$dest" "$out" >/dev/null; then
    diff -r "$dest" "$out" | head -40 >&2 || true
    echo "gen-swift: $dest is stale: run scripts/gen-swift.sh and commit the result" >&2
    exit 1
  fi
  echo "gen-swift: Swift bindings generate without error and $dest is current"
else
  rm -rf "$dest"
  mkdir -p "$dest"
  cp -r "$out/." "$dest/"
  echo "gen-swift: wrote $dest"
fi
