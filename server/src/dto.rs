//! Jellyfin's JSON shapes (PascalCase, nulls omitted), as the 10.11 OpenAPI spec names them.

use serde::Serialize;

pub mod fragments;
pub mod item;
pub mod media;
pub mod search;

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

/// Formats a Unix time as Jellyfin writes dates: `2024-05-01T12:34:56.1234567Z` (UTC, seven
/// fraction digits).
pub fn format_timestamp(unix_seconds: i64, nanos: u32) -> String {
    let days = unix_seconds.div_euclid(86_400);
    let secs = unix_seconds.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:07}Z",
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60,
        nanos / 100
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_seven_fraction_digits() {
        let cases = [
            (0, 0, "1970-01-01T00:00:00.0000000Z"),
            (951_782_400, 0, "2000-02-29T00:00:00.0000000Z"),
            (1_714_566_896, 123_456_789, "2024-05-01T12:34:56.1234567Z"),
            (4_102_444_800, 0, "2100-01-01T00:00:00.0000000Z"),
            (-86_400, 0, "1969-12-31T00:00:00.0000000Z"),
        ];
        for (secs, nanos, want) in cases {
            assert_eq!(format_timestamp(secs, nanos), want);
        }
    }
}
