//! uniffi's binding generator, built from the same uniffi version as the bindings crate:
//! `target/debug/uniffi-bindgen generate --library target/debug/libjellyfin.so --language swift
//! --out-dir OUT` (scripts/gen-swift.sh), and what maturin runs to build the Python wheel.

fn main() {
    uniffi::uniffi_bindgen_main()
}
