//! The one error type foreign code sees, and the one place core and server errors map to it.
//! In Python each variant is an exception class (`JellyfinError.NotFound`, subclasses of
//! `JellyfinError`); in Swift a case of the `JellyfinError` enum.

use jellyfin_core::auth::AuthError;
use jellyfin_core::scan::ScanError;
use jellyfin_core::userdata::UserDataError;

/// Why a call failed. The message is the core's own description.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum JellyfinError {
    /// No such library, item or user.
    #[error("{0}")]
    NotFound(String),
    /// An argument was refused (a malformed id, an invalid name, a negative position, missing
    /// device fields).
    #[error("{0}")]
    InvalidArgument(String),
    /// Unknown user name or wrong password.
    #[error("{0}")]
    InvalidCredentials(String),
    /// The operation is not allowed (a disabled account, removing the last administrator).
    #[error("{0}")]
    Forbidden(String),
    /// The operation conflicts with what exists or runs (a name taken, a scan of the library
    /// already running, the HTTP server already started).
    #[error("{0}")]
    Conflict(String),
    /// A media file could not be probed.
    #[error("{0}")]
    Probe(String),
    /// The data directory, database or search index failed.
    #[error("{0}")]
    Storage(String),
    /// The embedded HTTP server could not start or stop.
    #[error("{0}")]
    Server(String),
    /// Anything else (a bug or an environment failure).
    #[error("{0}")]
    Internal(String),
}

impl From<jellyfin_core::Error> for JellyfinError {
    fn from(e: jellyfin_core::Error) -> Self {
        use jellyfin_core::library::LibraryError;
        use jellyfin_core::Error as E;
        let message = e.to_string();
        match e {
            E::Io { .. } | E::Store(_) | E::Search(_) | E::InvalidState { .. } => {
                Self::Storage(message)
            }
            E::Scan(ScanError::UnknownLibrary(_)) => Self::NotFound(message),
            E::Scan(ScanError::AlreadyRunning(_)) => Self::Conflict(message),
            E::Scan(_) => Self::Storage(message),
            E::Auth(a) => match a {
                AuthError::InvalidCredentials => Self::InvalidCredentials(message),
                AuthError::UserNotFound => Self::NotFound(message),
                AuthError::DuplicateUserName(_) => Self::Conflict(message),
                AuthError::MissingDeviceInfo { .. }
                | AuthError::InvalidUserName(_)
                | AuthError::InvalidJson { .. }
                | AuthError::InvalidImage(_) => Self::InvalidArgument(message),
                AuthError::Disabled { .. }
                | AuthError::LastUser
                | AuthError::LastAdministrator
                | AuthError::LastEnabledUser
                | AuthError::AdministratorCannotBeDisabled
                | AuthError::QuickConnectDisabled => Self::Forbidden(message),
                AuthError::Store(_) | AuthError::AvatarIo { .. } => Self::Storage(message),
                _ => Self::Internal(message),
            },
            E::UserData(u) => match u {
                UserDataError::UnknownItem(_) | UserDataError::UnknownUser(_) => {
                    Self::NotFound(message)
                }
                UserDataError::NegativePosition(_) => Self::InvalidArgument(message),
                _ => Self::Storage(message),
            },
            E::Library(l) => match l {
                LibraryError::NameTaken(_) => Self::Conflict(message),
                _ => Self::InvalidArgument(message),
            },
            E::Task(_) => Self::Conflict(message),
            _ => Self::Internal(message),
        }
    }
}

impl From<AuthError> for JellyfinError {
    fn from(e: AuthError) -> Self {
        jellyfin_core::Error::Auth(e).into()
    }
}

impl From<UserDataError> for JellyfinError {
    fn from(e: UserDataError) -> Self {
        jellyfin_core::Error::UserData(e).into()
    }
}

impl From<jellyfin_core::probe::ProbeError> for JellyfinError {
    fn from(e: jellyfin_core::probe::ProbeError) -> Self {
        Self::Probe(e.to_string())
    }
}

impl From<jellyfin_server::error::Error> for JellyfinError {
    fn from(e: jellyfin_server::error::Error) -> Self {
        match e {
            jellyfin_server::error::Error::Core(core) => core.into(),
            other => Self::Server(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_map_to_their_kind() {
        let cases: Vec<(JellyfinError, &str)> = vec![
            (AuthError::InvalidCredentials.into(), "InvalidCredentials"),
            (AuthError::UserNotFound.into(), "NotFound"),
            (AuthError::LastAdministrator.into(), "Forbidden"),
            (AuthError::DuplicateUserName("a".into()).into(), "Conflict"),
            (
                jellyfin_core::Error::Scan(ScanError::UnknownLibrary("x".into())).into(),
                "NotFound",
            ),
            (
                jellyfin_core::Error::Scan(ScanError::AlreadyRunning("x".into())).into(),
                "Conflict",
            ),
            (
                UserDataError::NegativePosition(-1).into(),
                "InvalidArgument",
            ),
        ];
        for (error, want) in cases {
            let got = format!("{error:?}");
            assert!(got.starts_with(want), "{got} is not {want}");
        }
    }
}
