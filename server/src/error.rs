//! Errors of the server crate and the one table mapping errors to HTTP status codes.

use hyper::StatusCode;
use jellyfin_core::subtitles::SubtitleError;
use jellyfin_core::transcode::TranscodeError;

/// Errors raised while handling a request or running the server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No route matches the request.
    #[error("not found")]
    NotFound,
    /// A route exists for the path, not for the method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// No valid credentials (missing or unknown token, bad password).
    #[error("unauthorized")]
    Unauthorized,
    /// Authenticated but not allowed.
    #[error("forbidden")]
    Forbidden,
    /// The request body is larger than the server accepts.
    #[error("request body too large")]
    PayloadTooLarge,
    /// The request is malformed.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The request conflicts with what exists (a library name taken).
    #[error("conflict: {0}")]
    Conflict(String),
    /// An error from the core library.
    #[error(transparent)]
    Core(#[from] jellyfin_core::Error),
    /// A subtitle could not be produced.
    #[error(transparent)]
    Subtitle(#[from] jellyfin_core::subtitles::SubtitleError),
    /// An HLS transcode could not answer.
    #[error(transparent)]
    Transcode(#[from] jellyfin_core::transcode::TranscodeError),
    /// An I/O error in the server itself (binding, accepting).
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// The status Jellyfin answers with for this error (SURFACE.md §1.5).
    pub fn status(&self) -> StatusCode {
        match self {
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::Unauthorized => StatusCode::UNAUTHORIZED,
            Error::Forbidden => StatusCode::FORBIDDEN,
            Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Conflict(_) => StatusCode::CONFLICT,
            // No such stream or file: 404; a picture or unreadable codec asked for as text: 400
            // (Jellyfin's ArgumentException); a failure to read the media: 500.
            Error::Subtitle(e) => match e {
                SubtitleError::NoSuchStream { .. }
                | SubtitleError::Missing { .. }
                | SubtitleError::StreamMismatch { .. } => StatusCode::NOT_FOUND,
                SubtitleError::NotText { .. } | SubtitleError::UnsupportedCodec { .. } => {
                    StatusCode::BAD_REQUEST
                }
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            },
            // A segment outside the media: 404; the concurrent job limit reached: 503 (the
            // server is busy, the request is fine); ffmpeg failing or stalling: 500.
            Error::Transcode(e) => match e {
                TranscodeError::NoSuchSegment(_) => StatusCode::NOT_FOUND,
                TranscodeError::TooManyJobs { .. } => StatusCode::SERVICE_UNAVAILABLE,
                TranscodeError::UnsupportedContainer(_) => StatusCode::BAD_REQUEST,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            },
            Error::Core(_) | Error::Io(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}
