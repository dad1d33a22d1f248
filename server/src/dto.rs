//! Jellyfin's JSON shapes (PascalCase, nulls omitted), as the 10.11 OpenAPI spec names them.

use serde::Serialize;

/// `PublicSystemInfo`: what `GET /System/Info/Public` returns.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublicSystemInfo {
    /// A URL the client can reach the server at.
    pub local_address: String,
    /// The server's display name.
    pub server_name: String,
    /// Numeric version (`10.11.11`).
    pub version: String,
    /// Always `Jellyfin Server`.
    pub product_name: String,
    /// Deprecated; always empty.
    pub operating_system: String,
    /// Server id, 32 lower-case hex digits.
    pub id: String,
    /// Whether the startup wizard has been completed.
    pub startup_wizard_completed: bool,
}

/// ASP.NET `ProblemDetails`, the body of 4xx errors.
#[derive(Debug, Clone, Serialize)]
pub struct ProblemDetails {
    /// A URI naming the problem type.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// A short title.
    pub title: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// A trace id.
    #[serde(rename = "traceId")]
    pub trace_id: String,
}
