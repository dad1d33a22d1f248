//! TV naming: episode numbers and dates in paths, season folders, series folders.
//!
//! - [`episode`]: episode expressions ([`parse_episode_path`]) and the resolver that adds
//!   container, stub and 3D information ([`resolve_episode`]) (conventions 3a-3c).
//! - [`season`]: season folder names ([`parse_season_path`]) (conventions 3d).
//! - [`series`]: series folder names ([`parse_series_path`], [`resolve_series`]) and the series
//!   status strings of NFO files ([`parse_series_status`]) (conventions 3e).
//!
//! Every expression is compiled once, when [`TvRules`] is built.

pub mod episode;
pub mod season;
pub mod series;

pub use episode::{
    parse_episode_path, resolve_episode, EpisodeExpression, EpisodeInfo, EpisodePathResult,
    ExpressionFilter,
};
pub use season::{parse_season_path, SeasonPathResult, SEASON_KEYWORDS};
pub use series::{
    parse_series_path, parse_series_status, resolve_series, SeriesInfo, SeriesPathResult,
    SeriesStatus,
};

use fancy_regex::Regex;

/// Compiled TV rules.
///
/// The expression lists are public so that an embedder can adjust them (as Jellyfin's own tests
/// do); the season and series folder expressions are fixed.
#[derive(Debug, Clone)]
pub struct TvRules {
    /// Episode expressions, tried in order; the first successful one wins (conventions 3a).
    pub episode_expressions: Vec<EpisodeExpression>,
    /// Multi-episode expressions, used after the main match to find an ending episode number
    /// (conventions 3b).
    pub multiple_episode_expressions: Vec<EpisodeExpression>,
    pub(crate) season: season::SeasonRegexes,
    pub(crate) series: series::SeriesRegexes,
}

impl Default for TvRules {
    fn default() -> Self {
        Self {
            episode_expressions: episode::default_episode_expressions(),
            multiple_episode_expressions: episode::default_multiple_episode_expressions(),
            season: season::SeasonRegexes::default(),
            series: series::SeriesRegexes::default(),
        }
    }
}

/// Runs `re` against `text`; a backtrack-limit error counts as "no match".
pub(crate) fn captures<'t>(re: &Regex, text: &'t str) -> Option<fancy_regex::Captures<'t, str>> {
    re.captures(text).ok().flatten()
}

/// Whether `re` matches `text`; a backtrack-limit error counts as "no match".
pub(crate) fn is_match(re: &Regex, text: &str) -> bool {
    re.is_match(text).unwrap_or(false)
}

/// Parses a string the way .NET `int.TryParse(s, NumberStyles.Integer, InvariantCulture)`
/// does: optional ASCII white space around an optional sign and ASCII digits, and the value
/// must fit an `i32`.
pub(crate) fn dotnet_parse_int(s: &str) -> Option<i32> {
    let t = s.trim_matches(|c: char| matches!(c, '\t'..='\r' | ' '));
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse::<i32>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotnet_int_parsing() {
        let cases: &[(&str, Option<i32>)] = &[
            ("12", Some(12)),
            (" 7 ", Some(7)),
            ("+3", Some(3)),
            ("-3", Some(-3)),
            ("007", Some(7)),
            ("", None),
            ("+", None),
            ("1 2", None),
            ("٣", None),
            ("2147483647", Some(i32::MAX)),
            ("2147483648", None),
            ("202401244070", None),
            ("\u{3000}5", None),
        ];
        for (s, want) in cases {
            assert_eq!(dotnet_parse_int(s), *want, "{s:?}");
        }
    }
}
