//! `jellyfin-server`: the Jellyfin 10.11 REST API over HTTP, on top of `jellyfin-core`.
//!
//! This crate only translates: it parses requests (case-insensitive routes and query keys, every
//! auth form), calls `jellyfin-core`, and writes Jellyfin's wire format (PascalCase JSON, N-format
//! GUIDs, status codes). Business rules live in the core.
//!
//! - [`config`]: the server configuration built by the binary or an embedder.
//! - [`embed`]: [`EmbeddedServer`], the API inside another tokio program (its runtime, its
//!   listener, optionally under a base path).
//! - [`http`]: the hyper service, routing and the accept loop with graceful shutdown.
//! - [`dto`]: Jellyfin's JSON shapes.
//! - [`error`]: the one table from errors to HTTP status codes.

pub mod config;
pub mod dto;
pub mod embed;
pub mod error;
pub mod http;
pub mod logfile;
pub mod metrics;
pub mod request;
pub mod routes;
pub mod stream;
pub mod ws;

pub use config::ServerConfig;
pub use embed::{EmbeddedServer, RunningServer};
pub use http::{serve, Server};

/// The version reported to clients: numeric only, as clients require (SURFACE.md §1.1).
pub const JELLYFIN_VERSION: &str = "10.11.11";
/// The product name clients check for.
pub const PRODUCT_NAME: &str = "Jellyfin Server";
