//! Provider ids written into folder and file names (conventions 2c): `[imdbid-tt0111161]`,
//! `(tmdbid=603)`, `{tvdbid-12345}`, and the short forms `imdb`, `tmdb`, `tvdb`.
//!
//! This module owns finding such an id in a name ([`find_provider_id`]), the bare IMDb id
//! fallback ([`find_imdb_id`]), and which keys each kind of item reads.

use crate::naming::external::casing::strip_prefix_ignore_case;

/// Keys a movie reads from its folder name (or its file name in a mixed folder).
pub const MOVIE_FOLDER_KEYS: &[&str] = &["tmdbid", "tvdbid"];
/// Keys a movie reads anywhere in its path.
pub const MOVIE_PATH_KEYS: &[&str] = &["imdbid"];
/// Keys a series reads from its folder name.
pub const SERIES_KEYS: &[&str] = &[
    "imdbid",
    "tvdbid",
    "tvmazeid",
    "tmdbid",
    "anidbid",
    "anilistid",
    "anisearchid",
];
/// Keys a season reads from its folder name.
pub const SEASON_KEYS: &[&str] = &["tvdbid", "tvmazeid", "tmdbid"];
/// Keys an episode reads from its file name.
pub const EPISODE_KEYS: &[&str] = &["imdbid", "tvdbid", "tvmazeid", "tmdbid"];

/// The short form also accepted for `key` (`imdb` for `imdbid`, ...).
fn short_form(key: &str) -> Option<&'static str> {
    ["imdb", "tmdb", "tvdb"].into_iter().find(|s| {
        key.len() == s.len() + 2
            && key
                .get(..s.len())
                .is_some_and(|k| k.eq_ignore_ascii_case(s))
            && key
                .get(s.len()..)
                .is_some_and(|k| k.eq_ignore_ascii_case("id"))
    })
}

/// The closing bracket for an opening one.
fn closer(open: char) -> Option<char> {
    match open {
        '[' => Some(']'),
        '(' => Some(')'),
        '{' => Some('}'),
        _ => None,
    }
}

/// Finds `<open><attribute><=|-><value><close>` in `name` and returns the trimmed value.
fn find_bracketed<'a>(name: &'a str, attribute: &str) -> Option<&'a str> {
    if attribute.is_empty() {
        return None;
    }
    for (i, open) in name.char_indices() {
        let Some(close) = closer(open) else { continue };
        let after_open = &name[i + open.len_utf8()..];
        let Some(rest) = strip_prefix_ignore_case(after_open, attribute) else {
            continue;
        };
        let Some(value_and_more) = rest.strip_prefix(['=', '-']) else {
            continue;
        };
        let Some(end) = value_and_more.find(close) else {
            continue;
        };
        let value = value_and_more[..end].trim();
        if !value.is_empty() {
            return Some(value);
        }
    }
    None
}

/// The provider id `key` (`imdbid`, `tmdbid`, `tvdbid`, `tvmazeid`, ...) written in `name`.
///
/// Brackets may be `[]`, `()` or `{}`, the separator `=` or `-`, and the key is matched
/// ignoring case; for `imdbid`, `tmdbid` and `tvdbid` the short forms `imdb`, `tmdb`, `tvdb`
/// work too. The value is trimmed and never empty. For `imdbid`, a bare IMDb id anywhere in
/// `name` ([`find_imdb_id`]) is the fallback.
pub fn find_provider_id<'a>(name: &'a str, key: &str) -> Option<&'a str> {
    if let Some(v) = find_bracketed(name, key) {
        return Some(v);
    }
    if let Some(short) = short_form(key) {
        if let Some(v) = find_bracketed(name, short) {
            return Some(v);
        }
    }
    if key.eq_ignore_ascii_case("imdbid") {
        return find_imdb_id(name);
    }
    None
}

/// The first IMDb id (`tt` followed by 7 or 8 digits) anywhere in `text`.
pub fn find_imdb_id(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(pos) = text.get(from..).and_then(|t| t.find("tt")) {
        let start = from + pos;
        let digits = bytes[start + 2..]
            .iter()
            .take(8)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits >= 7 {
            return text.get(start..start + 2 + digits);
        }
        from = start + 1;
    }
    None
}

/// Every `(key, value)` of `keys` found in `name`, in `keys` order.
pub fn find_provider_ids<'a, 'k>(name: &'a str, keys: &[&'k str]) -> Vec<(&'k str, &'a str)> {
    keys.iter()
        .filter_map(|k| find_provider_id(name, k).map(|v| (*k, v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bracket_forms() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            (
                "The Shawshank Redemption [imdbid-tt0111161]",
                "imdbid",
                Some("tt0111161"),
            ),
            ("The Matrix (1999) (tmdbid=603)", "tmdbid", Some("603")),
            ("Show {tvdbid-12345}", "tvdbid", Some("12345")),
            ("Show [TVDBID=12345]", "tvdbid", Some("12345")),
            ("Show [tvdb-12345]", "tvdbid", Some("12345")),
            ("Movie (tmdb=603)", "tmdbid", Some("603")),
            ("Movie {imdb-tt0133093}", "imdbid", Some("tt0133093")),
            ("Show [tvmazeid=42]", "tvmazeid", Some("42")),
            ("Show [tvmaze=42]", "tvmazeid", None),
            ("Movie [tmdbid= 603 ]", "tmdbid", Some("603")),
            ("Movie [tmdbid=]", "tmdbid", None),
            ("Movie [tmdbid=603)", "tmdbid", None),
            ("Movie [mytmdbid=603]", "tmdbid", None),
            ("Movie [tmdbid:603]", "tmdbid", None),
            ("Movie [tmdbid=] [tmdbid=604]", "tmdbid", Some("604")),
            ("Movie tt0111161 1994", "imdbid", Some("tt0111161")),
            ("Movie tt01111", "imdbid", None),
            ("Movie", "tmdbid", None),
            ("", "tmdbid", None),
            ("[tmdbid=1]", "", None),
        ];
        for (name, key, expected) in cases {
            assert_eq!(find_provider_id(name, key), *expected, "{name:?} {key}");
        }
    }

    #[test]
    fn id_sets() {
        let ids = find_provider_ids("Show [tvdbid-1] (imdbid=tt1234567) {tmdbid-3}", SERIES_KEYS);
        assert_eq!(
            ids,
            [("imdbid", "tt1234567"), ("tvdbid", "1"), ("tmdbid", "3")]
        );
        assert_eq!(find_imdb_id("x tt123456789"), Some("tt12345678"));
        assert_eq!(find_imdb_id("ttt1234567"), Some("tt1234567"));
    }

    #[test]
    fn never_panics() {
        let long = "[é".repeat(5000);
        for s in [
            "[",
            "[imdbid",
            "[imdbid-",
            "(tmdbid=é",
            "tt",
            "étt1234567",
            &long,
        ] {
            for k in ["imdbid", "tmdbid", "é", "tt"] {
                let _ = find_provider_id(s, k);
            }
        }
    }
}
