//! Adapters for the video naming APIs.

use super::Check;
use jellyfin_core::naming::NamingOptions;

/// Runs `api` if it belongs to this adapter; returns whether it did.
pub fn run(api: &str, c: &mut Check<'_>, opts: &NamingOptions) -> bool {
    let _ = (c, opts);
    match api {
        _ => false,
    }
}
