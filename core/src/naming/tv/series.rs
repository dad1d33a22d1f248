//! Series folders (conventions 3e) and series status strings.

use fancy_regex::Regex;

use super::{captures, dotnet_parse_int};
use crate::naming::{compile, path, NamingOptions};

/// The compiled series folder expressions.
#[derive(Debug, Clone)]
pub(crate) struct SeriesRegexes {
    /// `Title (YYYY)`, also for numeric titles (`1923 (2022)`).
    title_with_year: Regex,
}

impl Default for SeriesRegexes {
    fn default() -> Self {
        Self {
            title_with_year: compile(r"(?<title>.+?)\s*\((?<year>\d{4})\)"),
        }
    }
}

/// What a series folder path says (Jellyfin's `SeriesPathParserResult`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeriesPathResult {
    /// Whether a series-and-season expression matched with a series name.
    pub success: bool,
    /// The series part of the name, trimmed of spaces and `_ . -`.
    pub series_name: Option<String>,
}

/// Reads the series name from a folder path that also names a season or an episode
/// (Jellyfin's `SeriesPathParser.Parse`): `The.Show.S01` gives `The.Show`.
///
/// The named, non-optimistic episode expressions are tried in order; one succeeds when it
/// yields both a series name and a season number.
pub fn parse_series_path(opts: &NamingOptions, path: &str) -> SeriesPathResult {
    for e in opts.tv.episode_expressions.iter() {
        // Bare-number expressions read release tags (`H.264`) as episodes: episodes only.
        if e.is_optimistic || !e.is_named {
            continue;
        }
        let Some(caps) = captures(&e.regex, path) else {
            continue;
        };
        if caps.len() < 3 {
            continue;
        }
        let name = caps.name("seriesname").map_or("", |m| m.as_str());
        let has_season = caps
            .name("seasonnumber")
            .is_some_and(|m| !m.as_str().is_empty());
        if !name.is_empty() && has_season {
            return SeriesPathResult {
                success: true,
                series_name: Some(name.trim_matches([' ', '_', '.', '-']).to_owned()),
            };
        }
    }
    SeriesPathResult::default()
}

/// A series folder (Jellyfin's `SeriesInfo`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeriesInfo {
    /// The path as given.
    pub path: String,
    /// The series name.
    pub name: String,
    /// The year from a `Title (YYYY)` folder name.
    pub year: Option<i32>,
}

/// Resolves a series folder (Jellyfin's `SeriesResolver.Resolve`).
///
/// `Title (YYYY)` gives the title and the year. Otherwise the series part of a
/// series-and-season name is used when there is one (`The.Show.S01`), else the folder name;
/// dots and underscores between words become spaces while dotted abbreviations stay
/// (`The.Show.P.I.S01` gives `The Show P.I`).
pub fn resolve_series(opts: &NamingOptions, path: &str) -> SeriesInfo {
    let file_name = path::file_name(path);
    if let Some(caps) = captures(&opts.tv.series.title_with_year, file_name) {
        let title = caps.name("title").map_or("", |m| m.as_str());
        return SeriesInfo {
            path: path.to_owned(),
            name: title.trim().to_owned(),
            year: caps.name("year").and_then(|m| dotnet_parse_int(m.as_str())),
        };
    }
    let mut name = file_name.to_owned();
    let parsed = parse_series_path(opts, path);
    if parsed.success {
        if let Some(n) = parsed.series_name.filter(|n| !n.is_empty()) {
            name = n;
        }
    }
    SeriesInfo {
        path: path.to_owned(),
        name: separators_to_spaces(&name),
        year: None,
    }
}

/// Turns `.` and `_` used between words into spaces and trims the result.
///
/// A run of separators becomes one space when the word before it (back to white space or
/// another separator) has two or more characters; otherwise its last separator becomes a space
/// when the word after it has two or more characters; otherwise it stays. So `The.Show` gives
/// `The Show` while `S.H.O.W`, `P.I` and `Agents of S.H.I.E.L.D.` keep their dots.
fn separators_to_spaces(name: &str) -> String {
    let is_sep = |c: char| c == '.' || c == '_';
    let is_word = |c: &&char| !is_sep(**c) && !c.is_whitespace();
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len());
    let mut i = 0;
    while i < chars.len() {
        if !is_sep(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && is_sep(chars[j]) {
            j += 1;
        }
        let before = chars[..i].iter().rev().take_while(is_word).count();
        let after = chars[j..].iter().take_while(is_word).count();
        if before >= 2 {
            out.push(' ');
        } else if after >= 2 {
            out.extend(&chars[i..j - 1]);
            out.push(' ');
        } else {
            out.extend(&chars[i..j]);
        }
        i = j;
    }
    out.trim().to_owned()
}

/// A series' production status (Jellyfin's `SeriesStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesStatus {
    /// Still airing (also `Returning`, `Returning Series`, `Pilot`).
    Continuing,
    /// Finished (also `Cancelled`, `Canceled`).
    Ended,
    /// Not aired yet.
    Unreleased,
}

impl SeriesStatus {
    /// The status name as Jellyfin spells it (`Continuing`, `Ended`, `Unreleased`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Continuing => "Continuing",
            Self::Ended => "Ended",
            Self::Unreleased => "Unreleased",
        }
    }
}

/// Parses a status string such as an NFO `<status>` (Jellyfin's
/// `TvParserHelpers.TryParseSeriesStatus`).
///
/// Accepts the status names and their numeric values ignoring case and surrounding white
/// space, plus `Pilot`, `Returning Series` and `Returning` (continuing) and `Cancelled` and
/// `Canceled` (ended).
pub fn parse_series_status(s: &str) -> Option<SeriesStatus> {
    let t = s.trim();
    let by_name = [
        SeriesStatus::Continuing,
        SeriesStatus::Ended,
        SeriesStatus::Unreleased,
    ]
    .into_iter()
    .find(|v| v.name().eq_ignore_ascii_case(t));
    if by_name.is_some() {
        return by_name;
    }
    match dotnet_parse_int(t) {
        Some(0) => return Some(SeriesStatus::Continuing),
        Some(1) => return Some(SeriesStatus::Ended),
        Some(2) => return Some(SeriesStatus::Unreleased),
        _ => {}
    }
    let is = |names: &[&str]| names.iter().any(|n| n.eq_ignore_ascii_case(s));
    if is(&["Pilot", "Returning Series", "Returning"]) {
        Some(SeriesStatus::Continuing)
    } else if is(&["Cancelled", "Canceled"]) {
        Some(SeriesStatus::Ended)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_path_rows() {
        let opts = NamingOptions::default();
        let rows = [
            ("The.Show.S01", "The.Show"),
            ("/The.Show.S01", "The.Show"),
            ("/some/place/The.Show.S01", "The.Show"),
            ("The Show Season 10", "The Show"),
            ("The Show S01E01", "The Show"),
            ("/something/The Show/S01", "The Show"),
        ];
        for (path, name) in rows {
            let r = parse_series_path(&opts, path);
            assert!(r.success, "{path}");
            assert_eq!(r.series_name.as_deref(), Some(name), "{path}");
        }
        assert_eq!(
            parse_series_path(&opts, "The Show"),
            SeriesPathResult::default()
        );
    }

    #[test]
    fn series_resolver_rows() {
        let opts = NamingOptions::default();
        let rows = [
            ("The.Show.S01", "The Show", None),
            ("The.Show.P.I.S01", "The Show P.I", None),
            ("/some/path/The Show", "The Show", None),
            (
                "/some/path/The Show s02e10 the episode 720p hdtv",
                "The Show",
                None,
            ),
            ("/some/path/1923 (2022)", "1923", Some(2022)),
            (
                "/tv/The Grand Tour (2016) [tvdbid-314087]",
                "The Grand Tour",
                Some(2016),
            ),
            (
                "/some/path/Marvel's Agents of S.H.I.E.L.D.",
                "Marvel's Agents of S.H.I.E.L.D.",
                None,
            ),
            (
                "Marvel's.Agents.of.S.H.I.E.L.D.",
                "Marvel's Agents of S.H.I.E.L.D.",
                None,
            ),
            ("The.Show.S.H.O.W", "The Show S.H.O.W", None),
            ("/some/path/Dawson's Creek", "Dawson's Creek", None),
            (
                "/media/Bunker.S03.1080p.PULSAR.WEB-DL.DDP5.1.Atmos.H.264-showWEB",
                "Bunker",
                None,
            ),
            (
                "/media/Outer.Colony.S01.1080p.NOVA.WEB-DL.DDP5.1.H.264.HUN.ENG-QUASAR",
                "Outer Colony",
                None,
            ),
            ("", "", None),
            ("/tv/", "", None),
        ];
        for (path, name, year) in rows {
            let r = resolve_series(&opts, path);
            assert_eq!(r.name, name, "{path}");
            assert_eq!(r.year, year, "{path}");
            assert_eq!(r.path, path);
        }
    }

    #[test]
    fn separators() {
        let rows = [
            ("The_Show", "The Show"),
            ("S.H.O.W", "S.H.O.W"),
            ("a..bc", "a. bc"),
            ("._ab", ". ab"),
            ("ab.", "ab"),
            ("x", "x"),
            ("", ""),
            ("ü.ß.Straße_Ärger", "ü.ß Straße Ärger"),
        ];
        for (input, want) in rows {
            assert_eq!(separators_to_spaces(input), want, "{input}");
        }
    }

    #[test]
    fn series_status() {
        let rows = [
            ("Ended", Some(SeriesStatus::Ended)),
            ("Cancelled", Some(SeriesStatus::Ended)),
            ("canceled", Some(SeriesStatus::Ended)),
            ("Continuing", Some(SeriesStatus::Continuing)),
            ("Returning", Some(SeriesStatus::Continuing)),
            ("Returning Series", Some(SeriesStatus::Continuing)),
            ("PILOT", Some(SeriesStatus::Continuing)),
            ("Unreleased", Some(SeriesStatus::Unreleased)),
            (" ended ", Some(SeriesStatus::Ended)),
            ("2", Some(SeriesStatus::Unreleased)),
            ("XXX", None),
            ("", None),
            ("7", None),
        ];
        for (s, want) in rows {
            assert_eq!(parse_series_status(s), want, "{s:?}");
        }
    }

    #[test]
    fn never_panics() {
        let opts = NamingOptions::default();
        let long = "The.Show.".repeat(1_100);
        let dotted = "a.".repeat(5_000);
        for p in [
            "",
            "/",
            "(",
            "(2022)",
            "é (20٢2)",
            long.as_str(),
            dotted.as_str(),
        ] {
            let _ = resolve_series(&opts, p);
            let _ = parse_series_path(&opts, p);
            let _ = parse_series_status(p);
        }
    }
}
