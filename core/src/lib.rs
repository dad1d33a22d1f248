//! `jellyfin-core`: the library behind a Jellyfin-compatible media server.
//!
//! Everything a user of the server can do lives here, behind small documented APIs; the
//! `jellyfin-server` crate only translates HTTP to these calls. The core never speaks the wire
//! format (no HTTP, no Jellyfin DTOs) and holds no process-wide state: every stateful piece hangs
//! off a handle built from an explicit configuration.
//!
//! Modules:
//! - [`naming`]: Jellyfin's `Emby.Naming` rules: what a file or folder name means.
//! - [`identity`]: the server's persistent identity (its id) in a data directory.
//! - [`probe`]: media facts (container, streams, chapters, tags) through linked libav.
//! - [`nfo`]: Kodi-style NFO metadata files.
//! - [`playback`]: direct-play decisions from a client's device profile.
//! - [`images`]: local artwork facts (dimensions, blurhash).
//! - [`store`]: the SQLite store of libraries and items.
//! - [`scan`]: library folders on disk into items in the store (incremental).
//! - [`library`]: the embeddable handle: libraries, scans, watching, queries.
//! - [`auth`]: users, passwords, access tokens and devices, API keys, policies, lockout.
//! - [`userdata`]: per-user item data (played, position, favorites, ratings) and resume rules.
//! - [`settings`]: the server configuration, stored whole as JSON.
//! - [`search`]: typo-tolerant full-text search and facets (tantivy, feature `search`).
//! - [`sessions`]: live client sessions (capabilities, now playing), the bus to their sockets.
//! - [`subtitles`]: subtitle formats (SubRip, WebVTT, ASS): parse, convert, extract embedded
//!   text streams through libav, with a disk cache.
//! - [`ratings`]: parental ratings: rating systems, scores, a user's parental control.
//! - [`localization`]: the cultures, countries and interface languages a server offers.
//! - [`activity`]: the activity log (logins, user changes, sessions, playback, failed tasks).
//! - [`tasks`]: scheduled tasks (library scan, cleanups): state, progress, results, triggers.
//! - [`logs`]: the server's log files (listing, reading by plain name, pruning).
//! - [`host`]: the host's file system for administrators (directory browser, drives, space).

#![deny(missing_docs)]

pub mod activity;
pub mod auth;
pub mod error;
pub mod host;
pub mod identity;
pub mod images;
pub mod library;
pub mod localization;
pub mod logs;
pub mod naming;
pub mod nfo;
pub mod playback;
pub mod probe;
pub mod ratings;
pub mod scan;
pub mod search;
pub mod sessions;
pub mod settings;
pub mod store;
pub mod subtitles;
pub mod tasks;
pub mod transcode;
pub mod userdata;

pub use error::{Error, Result};
pub use library::{LibavBackend, LibraryConfig, MediaLibrary};
