//! The crate-wide error type. Module-specific enums exist where callers match on them.

use std::path::PathBuf;

/// Errors returned by `jellyfin-core`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O operation on a path failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The path the operation was on.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// A scan failed or was refused.
    #[error(transparent)]
    Scan(#[from] crate::scan::ScanError),
    /// A user or authentication operation failed.
    #[error(transparent)]
    Auth(#[from] crate::auth::AuthError),
    /// A user data operation failed.
    #[error(transparent)]
    UserData(#[from] crate::userdata::UserDataError),
    /// A library operation was refused.
    #[error(transparent)]
    Library(#[from] crate::library::LibraryError),
    /// A scheduled task operation was refused.
    #[error(transparent)]
    Task(#[from] crate::tasks::TaskError),
    /// The search index failed.
    #[error(transparent)]
    Search(#[from] crate::search::SearchError),
    /// Watching library folders failed.
    #[error("cannot watch library folders: {0}")]
    Watch(#[source] notify::Error),
    /// An image could not be read, resized or cached.
    #[error(transparent)]
    Image(#[from] crate::images::ImageError),
    /// A file holding persistent state had content we cannot read.
    #[error("invalid content in {path}: {reason}")]
    InvalidState {
        /// The file.
        path: PathBuf,
        /// What was wrong with it.
        reason: &'static str,
    },
}

/// A `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
