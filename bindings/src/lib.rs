//! uniffi bindings of `jellyfin-core` (and the embeddable `jellyfin-server`) for Python and
//! Swift.
//!
//! Thin wrappers only: each exported object holds a core handle and translates types; no rule
//! lives here.
//!
//! - [`library`]: [`MediaLibrary`], the object apps use: libraries, scans, queries, search,
//!   probing, users, user data, and the Jellyfin HTTP API on an address.
//! - [`scan`]: the [`ScanProgress`] callback interface and the [`CancelHandle`].
//! - [`naming`]: [`Naming`], the naming engine on single paths.
//! - [`types`]: the records and enums foreign code sees, converted from the core's.
//! - [`error`]: [`JellyfinError`], the typed exceptions, mapped from core errors in one place.
//!
//! The Python wheel is built with maturin (`bindings/python`), the Swift sources with
//! `scripts/gen-swift.sh`; both run the workspace's `uniffi-bindgen` on the built cdylib.

#![warn(missing_docs)]

pub mod error;
pub mod library;
pub mod naming;
pub mod scan;
pub mod types;

pub use error::JellyfinError;
pub use library::MediaLibrary;
pub use naming::Naming;
pub use scan::{CancelHandle, ScanProgress};

uniffi::setup_scaffolding!();
