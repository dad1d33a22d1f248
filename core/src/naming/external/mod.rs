//! External files that belong to a video or song: subtitles, audio tracks, lyrics (conventions
//! section 10).
//!
//! This module owns which sibling files belong to an item ([`flags_string`],
//! [`ExternalRules::find_external_files`]), the parse of the flags string between the item's
//! name and the extension (`.en.forced`, [`ExternalRules::parse_file`]), and the language lookup
//! it uses ([`LanguageLookup`], with Jellyfin's ISO 639-2 table as [`Iso6392`]).

pub(crate) mod casing;
mod language;

use std::sync::Arc;

pub use language::{Iso6392, LanguageLookup, LanguageRow, MapLanguageLookup};

use super::{path, MediaExtensions};
use casing::{contains_ignore_case, eq_ignore_case, strip_prefix_ignore_case};

/// What kind of external file is being matched; decides which extensions are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExternalKind {
    /// External subtitle streams (subtitle extensions).
    Subtitle,
    /// External audio tracks (audio extensions).
    Audio,
    /// Lyrics of a song (lyric extensions).
    Lyric,
}

impl ExternalKind {
    /// Whether `path` has an extension of this kind.
    pub fn accepts(self, extensions: &MediaExtensions, path: &str) -> bool {
        match self {
            ExternalKind::Subtitle => extensions.is_subtitle(path),
            ExternalKind::Audio => extensions.is_audio(path),
            ExternalKind::Lyric => extensions.is_lyric(path),
        }
    }
}

/// What the name of an external file says about its stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExternalPathResult {
    /// The external file's path, as given.
    pub path: String,
    /// The stream language: a 3-letter code (`eng`) or a regional code (`pt-br`).
    pub language: Option<String>,
    /// The title: every flag token that is neither a flag nor the language, joined with `.`.
    pub title: Option<String>,
    /// The stream is marked default.
    pub is_default: bool,
    /// The stream is marked forced (`forced`, `foreign`).
    pub is_forced: bool,
    /// The stream is for the hearing impaired (`cc`, `hi`, `sdh`).
    pub is_hearing_impaired: bool,
}

/// Compiled external-file rules: the flag vocabularies and the language table.
#[derive(Debug, Clone)]
pub struct ExternalRules {
    /// Characters that separate flag tokens (`.`).
    pub flag_delimiters: Vec<char>,
    /// A token containing one of these marks the stream default.
    pub default_flags: Vec<String>,
    /// A token containing one of these marks the stream forced.
    pub forced_flags: Vec<String>,
    /// A token equal to one of these marks the stream hearing impaired.
    pub hearing_impaired_flags: Vec<String>,
    /// The language table [`ExternalRules::parse_file`] uses.
    pub languages: Arc<Iso6392>,
}

impl Default for ExternalRules {
    fn default() -> Self {
        let owned = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect();
        Self {
            flag_delimiters: vec!['.'],
            default_flags: owned(&["default"]),
            forced_flags: owned(&["foreign", "forced"]),
            hearing_impaired_flags: owned(&["cc", "hi", "sdh"]),
            languages: Arc::new(Iso6392::new()),
        }
    }
}

/// The flags string of `candidate` when it belongs to the item at `item_path`, else `None`.
///
/// A candidate belongs to the item when its name without extension starts with the item's name
/// without extension (ignoring case) and is either just as long or continues with `.`. The rest
/// of the candidate's base name (`.en.forced`, or `""`) is the flags string. Extensions are not
/// checked here; see [`ExternalKind::accepts`].
pub fn flags_string<'a>(item_path: &str, candidate_path: &'a str) -> Option<&'a str> {
    let item = path::file_stem(item_path);
    let candidate = path::file_stem(candidate_path);
    let rest = strip_prefix_ignore_case(candidate, item)?;
    (rest.is_empty() || rest.starts_with('.')).then_some(rest)
}

impl ExternalRules {
    /// Parses an external file with the built-in language table: `None` when `path` is empty or
    /// its extension does not fit `kind`; otherwise the flags read from `extra` (the part of the
    /// file name between the item's name and the extension, e.g. `.en.forced`).
    pub fn parse_file(
        &self,
        extensions: &MediaExtensions,
        kind: ExternalKind,
        path: &str,
        extra: Option<&str>,
    ) -> Option<ExternalPathResult> {
        self.parse_file_with(extensions, kind, path, extra, &*self.languages)
    }

    /// [`ExternalRules::parse_file`] with an explicit language lookup.
    pub fn parse_file_with(
        &self,
        extensions: &MediaExtensions,
        kind: ExternalKind,
        path: &str,
        extra: Option<&str>,
        languages: &dyn LanguageLookup,
    ) -> Option<ExternalPathResult> {
        if path.is_empty() || !kind.accepts(extensions, path) {
            return None;
        }
        let mut result = ExternalPathResult {
            path: path.to_owned(),
            ..Default::default()
        };
        if let Some(extra) = extra.filter(|e| !e.is_empty()) {
            self.apply_flags(&mut result, extra, languages);
        }
        Some(result)
    }

    /// Reads the flags string `extra` into `result` (conventions section 10, "Parsing the flags
    /// string"): tokens are read right to left; the text before the first delimiter is not a
    /// token.
    fn apply_flags(
        &self,
        result: &mut ExternalPathResult,
        extra: &str,
        languages: &dyn LanguageLookup,
    ) {
        for &delimiter in &self.flag_delimiters {
            let mut remaining = extra;
            let mut title = String::new();
            while let Some(at) = remaining.rfind(delimiter) {
                let slice = &remaining[at..];
                let token = &slice[delimiter.len_utf8()..];
                remaining = &remaining[..at];

                if self
                    .default_flags
                    .iter()
                    .any(|f| contains_ignore_case(token, f))
                {
                    result.is_default = true;
                    continue;
                }
                if self
                    .forced_flags
                    .iter()
                    .any(|f| contains_ignore_case(token, f))
                {
                    result.is_forced = true;
                    continue;
                }
                let language = languages.find(token);
                match (language, result.language.as_deref()) {
                    (Some(code), None) => result.language = Some(code),
                    (Some(code), Some("hin")) => {
                        // "hi" read earlier was the hearing-impaired flag, not Hindi.
                        result.is_hearing_impaired = true;
                        result.language = Some(code);
                    }
                    _ if self
                        .hearing_impaired_flags
                        .iter()
                        .any(|f| eq_ignore_case(token, f)) =>
                    {
                        result.is_hearing_impaired = true;
                    }
                    _ => title.insert_str(0, slice),
                }
            }
            result.title = title
                .char_indices()
                .nth(1)
                .map(|(i, _)| title[i..].to_owned())
                .or_else(|| (!title.is_empty()).then(String::new));
        }
    }

    /// Every candidate that belongs to the item at `item_path` and has an extension of `kind`,
    /// parsed with the built-in language table, in candidate order.
    pub fn find_external_files<S: AsRef<str>>(
        &self,
        extensions: &MediaExtensions,
        kind: ExternalKind,
        item_path: &str,
        candidates: &[S],
    ) -> Vec<ExternalPathResult> {
        candidates
            .iter()
            .filter_map(|c| {
                let c = c.as_ref();
                let extra = flags_string(item_path, c)?;
                self.parse_file(extensions, kind, c, Some(extra))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mock() -> MapLanguageLookup {
        MapLanguageLookup::new([("en", "eng"), ("fr", "fre"), ("hi", "hin")])
    }

    type Expected = (Option<&'static str>, Option<&'static str>, bool, bool, bool);

    #[test]
    fn flag_tokens_parse_like_upstream() {
        let rules = ExternalRules::default();
        let ext = MediaExtensions::default();
        let cases: &[(&str, Expected)] = &[
            ("", (None, None, false, false, false)),
            (".default", (None, None, true, false, false)),
            (".forced", (None, None, false, true, false)),
            (".foreign", (None, None, false, true, false)),
            (".forced.default", (None, None, true, true, false)),
            (".DEFAULT.FORCED", (None, None, true, true, false)),
            (".en", (None, Some("eng"), false, false, false)),
            (".hi", (None, Some("hin"), false, false, false)),
            (".fr.en", (Some("fr"), Some("eng"), false, false, false)),
            (".en.fr", (Some("en"), Some("fre"), false, false, false)),
            (
                ".title.en.fr",
                (Some("title.en"), Some("fre"), false, false, false),
            ),
            (
                ".Title Goes Here",
                (Some("Title Goes Here"), None, false, false, false),
            ),
            (
                ".Title.with.Separator",
                (Some("Title.with.Separator"), None, false, false, false),
            ),
            (
                ".title.en.default.forced",
                (Some("title"), Some("eng"), true, true, false),
            ),
            (
                ".forced.default.en.title",
                (Some("title"), Some("eng"), true, true, false),
            ),
            (
                ".sdh.en.title",
                (Some("title"), Some("eng"), false, false, true),
            ),
            (
                ".en.cc.title",
                (Some("title"), Some("eng"), false, false, true),
            ),
            (
                ".hi.en.title",
                (Some("title"), Some("eng"), false, false, true),
            ),
            (
                ".en.hi.title",
                (Some("title"), Some("eng"), false, false, true),
            ),
            (
                ".Subs for Chinese Audio.eng",
                (
                    Some("Subs for Chinese Audio"),
                    Some("eng"),
                    false,
                    false,
                    false,
                ),
            ),
            ("noseparator", (None, None, false, false, false)),
            ("..", (Some("."), None, false, false, false)),
        ];
        for (tokens, (title, lang, def, forced, hi)) in cases {
            let path = format!("My.Video{tokens}.srt");
            let r = rules
                .parse_file_with(&ext, ExternalKind::Subtitle, &path, Some(tokens), &mock())
                .expect("subtitle extension");
            assert_eq!(r.title.as_deref(), *title, "{tokens:?}");
            assert_eq!(r.language.as_deref(), *lang, "{tokens:?}");
            assert_eq!(
                (r.is_default, r.is_forced, r.is_hearing_impaired),
                (*def, *forced, *hi),
                "{tokens:?}"
            );
        }
    }

    #[test]
    fn real_table_languages() {
        let rules = ExternalRules::default();
        let ext = MediaExtensions::default();
        let parse = |extra: &str| {
            rules
                .parse_file(&ext, ExternalKind::Subtitle, "a.srt", Some(extra))
                .unwrap()
                .language
        };
        assert_eq!(parse(".fr").as_deref(), Some("fra"));
        assert_eq!(parse(".de.forced").as_deref(), Some("deu"));
        assert_eq!(parse(".pt-br").as_deref(), Some("pt-br"));
        assert_eq!(parse(".English").as_deref(), Some("eng"));
    }

    #[test]
    fn extension_decides_kind() {
        let rules = ExternalRules::default();
        let ext = MediaExtensions::default();
        let ok = |kind, p: &str| rules.parse_file(&ext, kind, p, None).is_some();
        assert!(ok(ExternalKind::Subtitle, "MyVideo.ass"));
        assert!(ok(ExternalKind::Subtitle, "MyVideo.SRT"));
        assert!(!ok(ExternalKind::Subtitle, "MyVideo.flac"));
        assert!(!ok(ExternalKind::Subtitle, ""));
        assert!(ok(ExternalKind::Audio, "MyVideo.mka"));
        assert!(!ok(ExternalKind::Audio, "MyVideo.m4v"));
        assert!(ok(ExternalKind::Lyric, "Song.lrc"));
        assert!(!ok(ExternalKind::Lyric, "Song.srt"));
    }

    #[test]
    fn candidates_belong_by_prefix_and_dot() {
        assert_eq!(flags_string("/m/Movie.mkv", "/m/Movie.srt"), Some(""));
        assert_eq!(
            flags_string("/m/Movie.mkv", "/m/movie.eng.srt"),
            Some(".eng")
        );
        assert_eq!(
            flags_string("/m/Movie.mkv", "/m/Movie.Title.en.sdh.srt"),
            Some(".Title.en.sdh")
        );
        assert_eq!(flags_string("/m/Movie.mkv", "/m/Movie2.srt"), None);
        assert_eq!(flags_string("/m/Movie.mkv", "/m/Movie-en.srt"), None);
        assert_eq!(flags_string("/m/Movie.mkv", "/m/Mov.srt"), None);

        let rules = ExternalRules::default();
        let ext = MediaExtensions::default();
        let found = rules.find_external_files(
            &ext,
            ExternalKind::Subtitle,
            "/m/Movie.mkv",
            &[
                "/m/Movie.en.srt",
                "/m/Movie.mkv",
                "/m/Movie2.srt",
                "/m/Movie.de.forced.ass",
            ],
        );
        let langs: Vec<_> = found.iter().map(|r| r.language.as_deref()).collect();
        assert_eq!(langs, [Some("eng"), Some("deu")]);
        assert!(found[1].is_forced);
    }

    #[test]
    fn never_panics() {
        let rules = ExternalRules::default();
        let ext = MediaExtensions::default();
        let long = "é.".repeat(5000);
        for extra in ["", ".", "é", ".é.ü", &long, "\\.x/y.", ".\u{10FFFF}"] {
            let _ = rules.parse_file(&ext, ExternalKind::Subtitle, "x.srt", Some(extra));
            let _ = flags_string(extra, extra);
        }
    }
}
