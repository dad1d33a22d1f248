//! Season folders (conventions 3d): `Season 1`, `S02`, `3.Staffel`, `Specials`, `Seinfeld/2`.

use fancy_regex::Regex;

use super::{captures, dotnet_parse_int, is_match};
use crate::naming::{compile, path, NamingOptions};

/// The season keywords of conventions 3d, matched ignoring case (in Jellyfin's order).
pub const SEASON_KEYWORDS: &[&str] = &[
    "시즌",
    "シーズン",
    "сезон",
    "season",
    "sæson",
    "saison",
    "staffel",
    "series",
    "stagione",
    "säsong",
    "seizoen",
    "seasong",
    "sezon",
    "sezona",
    "sezóna",
    "sezonul",
    "série",
    "séria",
    "serie",
    "seria",
    "temporada",
    "kausi",
];

/// The compiled season folder expressions.
#[derive(Debug, Clone)]
pub(crate) struct SeasonRegexes {
    /// `S01` anywhere, not followed by a digit or `E<digit>`, then a delimiter or the end.
    prefix: Regex,
    /// Number then keyword: `3.Staffel`, `1st Season`.
    number_first: Regex,
    /// Keyword then number: `Season 1`, `Season 7 (2016)`.
    keyword_first: Regex,
    /// Any season keyword.
    keyword: Regex,
}

impl Default for SeasonRegexes {
    fn default() -> Self {
        let keywords = SEASON_KEYWORDS.join("|");
        Self {
            prefix: compile(r"[sS]([0-9]{1,4})(?![0-9]|[eE][0-9])(?=\.|_|-|\[|\]|\s|$)"),
            number_first: compile(&format!(
                r"^\s*((?<seasonnumber>(?>\d+))(?:st|nd|rd|th|\.)*(?!\s*[Ee]\d+))\s*(?:{keywords})\s*(?<rightpart>.*)$"
            )),
            keyword_first: compile(&format!(
                r"^\s*(?:{keywords})\s*(?<seasonnumber>\d+?)(?=\d{{3,4}}p|[^\d]|$)(?!\s*[Ee]\d)(?<rightpart>.*)$"
            )),
            keyword: compile(&keywords),
        }
    }
}

/// What a folder name says about a season (Jellyfin's `SeasonPathParserResult`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeasonPathResult {
    /// Whether a season number was found.
    pub success: bool,
    /// The season number (0 for specials).
    pub season_number: Option<i32>,
    /// Whether the folder is a season folder (only set on success).
    pub is_season_folder: bool,
}

/// Removes the characters ignored when comparing folder names: space `.` `_` `-` `[` `]`.
fn clean_name(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '.' | '_' | '-' | '[' | ']'))
        .collect()
}

/// .NET's ordinal case-insensitive comparison of one character (simple upper-case mapping).
fn fold(c: char) -> char {
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Removes every occurrence of `needle` from `haystack`, ignoring case (ordinal).
fn remove_ignore_case(haystack: &str, needle: &str) -> String {
    let needle: Vec<char> = needle.chars().map(fold).collect();
    if needle.is_empty() {
        return haystack.to_owned();
    }
    let chars: Vec<char> = haystack.chars().collect();
    let mut out = String::with_capacity(haystack.len());
    let mut i = 0;
    while i < chars.len() {
        let rest = &chars[i..];
        if rest.len() >= needle.len() && rest.iter().zip(&needle).all(|(a, b)| fold(*a) == *b) {
            i += needle.len();
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// The name of a parent directory, as .NET's `DirectoryInfo.Name` gives it.
fn directory_name(parent_path: &str) -> &str {
    let trimmed = parent_path.trim_end_matches('/');
    if trimmed.is_empty() {
        parent_path
    } else {
        path::file_name(trimmed)
    }
}

/// Reads the season number from a season folder path (Jellyfin's `SeasonPathParser.Parse`).
///
/// `parent_path` is the series folder; its name is ignored inside the season folder's name
/// (`Stargate SG-1/Stargate SG-1 Season 1` is season 1). `support_special_aliases` maps
/// `specials` and `extras` to season 0; `support_numeric_season_folders` accepts a bare number.
/// With both disabled (a mixed movies-and-shows library) a season keyword or `S<n>` token must
/// appear in the folder name.
pub fn parse_season_path(
    opts: &NamingOptions,
    path: &str,
    parent_path: Option<&str>,
    support_special_aliases: bool,
    support_numeric_season_folders: bool,
) -> SeasonPathResult {
    let (season_number, is_season_folder) = season_number(
        &opts.tv.season,
        path,
        parent_path,
        support_special_aliases,
        support_numeric_season_folders,
    );
    SeasonPathResult {
        success: season_number.is_some(),
        season_number,
        is_season_folder: season_number.is_some() && is_season_folder,
    }
}

fn season_number(
    re: &SeasonRegexes,
    path: &str,
    parent_path: Option<&str>,
    support_special_aliases: bool,
    support_numeric_season_folders: bool,
) -> (Option<i32>, bool) {
    let file_name = path::file_name(path);

    if let Some(caps) = captures(&re.prefix, file_name) {
        if let Some(n) = caps.get(1).and_then(|m| dotnet_parse_int(m.as_str())) {
            return (Some(n), true);
        }
    }

    let mut name = clean_name(file_name);
    if let Some(parent) = parent_path.filter(|p| !p.is_empty()) {
        name = remove_ignore_case(&name, &clean_name(directory_name(parent)));
    }

    if support_special_aliases
        && (name.eq_ignore_ascii_case("specials") || name.eq_ignore_ascii_case("extras"))
    {
        return (Some(0), true);
    }

    if support_numeric_season_folders {
        if let Some(n) = dotnet_parse_int(&name) {
            return (Some(n), true);
        }
    }

    let is_mixed_library = !support_numeric_season_folders && !support_special_aliases;
    for form in [&re.number_first, &re.keyword_first] {
        if let Some(caps) = captures(form, &name) {
            if is_mixed_library && !is_match(&re.keyword, file_name) {
                return (None, false);
            }
            return match caps
                .name("seasonnumber")
                .and_then(|m| dotnet_parse_int(m.as_str()))
            {
                Some(n) => (Some(n), true),
                None => (None, false),
            };
        }
    }
    (None, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Row = (&'static str, &'static str, Option<i32>, bool);

    fn check(rows: &[Row], special: bool, numeric: bool) {
        let opts = NamingOptions::default();
        for (path, parent, season, folder) in rows {
            let r = parse_season_path(&opts, path, Some(parent), special, numeric);
            assert_eq!(r.success, season.is_some(), "{path}");
            assert_eq!(r.season_number, *season, "{path}");
            assert_eq!(r.is_season_folder, *folder, "{path}");
        }
    }

    #[test]
    fn upstream_rows() {
        let rows: &[Row] = &[
            ("/Drive/STAFFEL 1", "/Drive", Some(1), true),
            ("/Drive/Stagione 1", "/Drive", Some(1), true),
            ("/Drive/sæson 1", "/Drive", Some(1), true),
            ("/Drive/series 1", "/Drive", Some(1), true),
            ("/Drive/Säsong 1", "/Drive", Some(1), true),
            ("/Drive/Seizoen 1", "/Drive", Some(1), true),
            ("/Drive/sezona 1", "/Drive", Some(1), true),
            ("/Drive/SEZÓNA 1", "/Drive", Some(1), true),
            ("/Drive/Sezonul 1", "/Drive", Some(1), true),
            ("/Drive/시즌 1", "/Drive", Some(1), true),
            ("/Drive/сезон 1", "/Drive", Some(1), true),
            ("/Drive/СЕЗОН 1", "/Drive", Some(1), true),
            ("/Drive/Season 10", "/Drive", Some(10), true),
            ("/Drive/Season 100", "/Drive", Some(100), true),
            ("/Drive/s1", "/Drive", Some(1), true),
            ("/Drive/Season 02", "/Drive", Some(2), true),
            ("/Drive/Seinfeld - S02", "/Drive", Some(2), true),
            ("/Drive/Season 7 (2016)", "/Drive", Some(7), true),
            (
                "/Drive/Stargate SG-1/Season 1",
                "/Drive/Stargate SG-1",
                Some(1),
                true,
            ),
            ("/Drive/Season (8)", "/Drive", None, false),
            ("/Drive/3.Staffel", "/Drive", Some(3), true),
            ("/Drive/Episode 1 Season 2", "/Drive", None, false),
            (
                "/Drive/Drive.S01.2160p.WEB-DL.DDP5.1.H.265-XXXX",
                "/Drive",
                Some(1),
                true,
            ),
            (
                "The Wonder Years/The.Wonder.Years.S04.1080p.PDTV.x264-JCH",
                "/The Wonder Years",
                Some(4),
                true,
            ),
            ("/Drive/Seinfeld Season 2", "/Drive", None, false),
            (
                "/Drive/Seinfeld/Seinfeld Season 2",
                "/Drive/Seinfeld/",
                Some(2),
                true,
            ),
        ];
        check(rows, true, true);
    }

    #[test]
    fn mixed_library_rows() {
        let rows: &[Row] = &[
            (
                "/Drive/300 Collection/300 (2006)",
                "/Drive/300 Collection",
                None,
                false,
            ),
            (
                "/Drive/300 Collection/1",
                "/Drive/300 Collection",
                None,
                false,
            ),
            (
                "/Drive/28 Years Later Collection/28 Days Later",
                "/Drive/28 Years Later Collection",
                None,
                false,
            ),
            (
                "/Drive/28 Years Later Collection/28 Weeks Later (2007)",
                "/Drive/28 Years Later Collection",
                None,
                false,
            ),
            (
                "/Drive/300 Collection/Season 1",
                "/Drive/300 Collection",
                Some(1),
                true,
            ),
            (
                "/Drive/28 Years Later Collection/Season 01",
                "/Drive/28 Years Later Collection",
                Some(1),
                true,
            ),
            (
                "/Drive/300 Collection/specials",
                "/Drive/300 Collection",
                None,
                false,
            ),
        ];
        check(rows, false, false);
    }

    #[test]
    fn never_panics_on_odd_input() {
        let opts = NamingOptions::default();
        let long = "Season 1 ".repeat(1_200);
        let digits = "9".repeat(10_000);
        for p in [
            "",
            "/",
            "\\",
            "S",
            "Season",
            "ß",
            "İ",
            long.as_str(),
            digits.as_str(),
        ] {
            for parent in [
                None,
                Some(""),
                Some("/"),
                Some("---"),
                Some("İstanbul"),
                Some(p),
            ] {
                let _ = parse_season_path(&opts, p, parent, true, true);
                let _ = parse_season_path(&opts, p, parent, false, false);
            }
        }
        assert_eq!(remove_ignore_case("ShowSeason1show", "SHOW"), "Season1");
        assert_eq!(remove_ignore_case("abc", ""), "abc");
        assert_eq!(directory_name("/a/b/"), "b");
        assert_eq!(directory_name("/"), "/");
    }
}
