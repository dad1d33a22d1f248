//! Audio naming: music multi-disc folders (conventions 7a) and audiobooks (7b).
//!
//! This module owns [`AudioRules`] (album disc prefixes, artist release-type folders and the
//! compiled audiobook expressions), the disc-folder test [`AudioRules::is_multi_part`], the
//! album-folder test [`is_music_album_folder`], and, in [`audiobook`], the audiobook file and
//! list resolvers.

pub mod audiobook;

use fancy_regex::Regex;

pub use audiobook::{
    parse_audiobook_name, resolve_audiobook_file, resolve_audiobooks, AudioBookFileInfo,
    AudioBookInfo, AudioBookName,
};

use super::external::casing::{eq_ignore_case, strip_prefix_ignore_case};
use super::{compile, path, MediaExtensions};

/// `$` with .NET semantics: the end, or just before a final line feed.
pub(crate) const DOTNET_END: &str = r"(?=\n?\z)";

/// Default prefixes of a disc sub-folder of an album.
const ALBUM_STACKING_PREFIXES: &[&str] = &[
    "cd",
    "digital media",
    "disc",
    "disk",
    "vol",
    "volume",
    "part",
    "act",
];

/// Artist release-type sub-folders that are not albums.
const ARTIST_SUBFOLDERS: &[&str] = &[
    "albums",
    "broadcasts",
    "bootlegs",
    "compilations",
    "dj-mixes",
    "eps",
    "live",
    "mixtapes",
    "others",
    "remixes",
    "singles",
    "soundtracks",
    "spokenwords",
    "streets",
];

/// Audiobook chapter/part expressions, tried in order; each fills only what is still unknown.
fn audiobook_part_expressions() -> Vec<String> {
    vec![
        // "CH 01", "Chapter 1"
        r"ch(?:apter)?[\s_-]?(?<chapter>[0-9]+)".to_owned(),
        // "Part 02", "pt3"
        r"p(?:ar)?t[\s_-]?(?<part>[0-9]+)".to_owned(),
        // A leading number is the chapter.
        r"^(?<chapter>[0-9]+)".to_owned(),
        // A trailing number not preceded by "chapter " is the part.
        format!(r"(?<!chapter )(?<part>[0-9]+){DOTNET_END}"),
        // "0001_005": chapter_part
        r"(?<chapter>[0-9]+)_(?<part>[0-9]+)".to_owned(),
        // Rips named by disc number.
        r"dis(?:c|k)[\s_-]?(?<chapter>[0-9]+)".to_owned(),
    ]
}

/// Audiobook name/year expressions, tried in order.
fn audiobook_name_expressions() -> Vec<String> {
    vec![
        // "Batman (2020)", "Batman( 2021 )"
        r"^(?<name>.+?)\s*\(\s*(?<year>\d{4})\s*\)\s*$".to_owned(),
        r"^\s*(?<name>[^ ].*?)\s*$".to_owned(),
    ]
}

/// Compiled audio rules.
#[derive(Debug, Clone)]
pub struct AudioRules {
    /// A folder whose normalised name starts with one of these, followed by a number, is a disc
    /// of its parent album (`cd1`, `Disc 2`).
    pub album_stacking_prefixes: Vec<String>,
    /// Artist release-type sub-folders (`albums`, `singles`, ...) that do not count as albums.
    pub artist_subfolders: Vec<String>,
    /// Chapter/part expressions for audiobook file names (named groups `chapter`, `part`).
    pub audiobook_parts: Vec<Regex>,
    /// Name/year expressions for audiobook names (named groups `name`, `year`).
    pub audiobook_names: Vec<Regex>,
}

impl Default for AudioRules {
    fn default() -> Self {
        let owned = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect();
        Self {
            album_stacking_prefixes: owned(ALBUM_STACKING_PREFIXES),
            artist_subfolders: owned(ARTIST_SUBFOLDERS),
            audiobook_parts: audiobook_part_expressions()
                .iter()
                .map(|e| compile(e))
                .collect(),
            audiobook_names: audiobook_name_expressions()
                .iter()
                .map(|e| compile(e))
                .collect(),
        }
    }
}

impl AudioRules {
    /// Whether the folder at `path` is a disc/part sub-folder of a music album (`cd1`,
    /// `Disc 04 (Encores)`, `vol7`).
    ///
    /// The folder name has `- . ( )` turned into spaces and white-space runs collapsed; it must
    /// then start with a stacking prefix whose next word is an integer.
    pub fn is_multi_part(&self, path: &str) -> bool {
        let name = path::file_name(path);
        if name.is_empty() {
            return false;
        }
        let mut normalized = String::with_capacity(name.len());
        let mut in_space = false;
        for c in name.chars() {
            let c = if matches!(c, '-' | '.' | '(' | ')') {
                ' '
            } else {
                c
            };
            if c.is_whitespace() {
                if !in_space {
                    normalized.push(' ');
                }
                in_space = true;
            } else {
                normalized.push(c);
                in_space = false;
            }
        }
        let trimmed = normalized.trim_start();
        self.album_stacking_prefixes.iter().any(|prefix| {
            let Some(rest) = strip_prefix_ignore_case(trimmed, prefix) else {
                return false;
            };
            let rest = rest.trim();
            let word = rest.split(' ').next().unwrap_or("");
            word.parse::<i32>().is_ok()
        })
    }

    /// Whether a folder named `name` is an artist release-type folder (`singles`, `eps`, ...).
    pub fn is_artist_subfolder(&self, name: &str) -> bool {
        self.artist_subfolders
            .iter()
            .any(|s| eq_ignore_case(s, name))
    }
}

/// Whether a folder is a music album (conventions 7a), given the paths of the files directly in
/// it and the paths of its sub-folders that contain audio (directly or deeper).
///
/// It is when it holds audio files itself, or when it has at least one sub-folder with audio and
/// every such sub-folder is a disc folder ([`AudioRules::is_multi_part`]).
pub fn is_music_album_folder<F, D>(
    rules: &AudioRules,
    extensions: &MediaExtensions,
    files: &[F],
    audio_subfolders: &[D],
) -> bool
where
    F: AsRef<str>,
    D: AsRef<str>,
{
    if files.iter().any(|f| extensions.is_audio(f.as_ref())) {
        return true;
    }
    !audio_subfolders.is_empty()
        && audio_subfolders
            .iter()
            .all(|d| rules.is_multi_part(d.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_disc_folders() {
        let rules = AudioRules::default();
        let cases: &[(&str, bool)] = &[
            ("", false),
            ("C:/", false),
            ("/home/", false),
            ("blah blah", false),
            ("D:/music/weezer/03 Pinkerton", false),
            ("D:/music/michael jackson/Bad (2012 Remaster)", false),
            ("cd1", true),
            ("disc18", true),
            ("disk10", true),
            ("vol7", true),
            ("volume1", true),
            ("cd 1", true),
            ("disc 1", true),
            ("disk 1", true),
            ("disk", false),
            ("disk ·", false),
            ("disk a", false),
            ("disk volume", false),
            ("disc disc", false),
            ("disk disc 6", false),
            ("cd  - 1", true),
            ("disc- 1", true),
            ("disk - 1", true),
            ("Disc 01 (Hugo Wolf · 24 Lieder)", true),
            ("Disc 04 (Encores and Folk Songs)", true),
            ("Disc04 (Encores and Folk Songs)", true),
            ("Disc 04(Encores and Folk Songs)", true),
            ("Disc04(Encores and Folk Songs)", true),
            (
                "D:/Video/MBTestLibrary/VideoTest/music/.38 special/anth/Disc 2",
                true,
            ),
            (
                "[1985] Opportunities (Let's make lots of money) (1985)",
                false,
            ),
            ("Blah 04(Encores and Folk Songs)", false),
            ("Digital Media 02", true),
            ("Part 1", true),
            ("Act\t3", true),
            ("cd 99999999999", false),
            ("CD +2", true),
        ];
        for (p, expected) in cases {
            assert_eq!(rules.is_multi_part(p), *expected, "{p:?}");
        }
    }

    /// Random strings over an alphabet of separators, digits, keywords and multi-byte chars
    /// through every entry point of the audio, book, external, ignore, provider-id and artwork
    /// modules: nothing may panic.
    #[test]
    fn random_inputs_never_panic() {
        use crate::naming::{artwork, book, external, ignore, provider_ids, NamingOptions};
        const PIECES: &[&str] = &[
            "/",
            "\\",
            ".",
            "-",
            "_",
            " ",
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            "#",
            "=",
            "!",
            "*",
            "?",
            "\n",
            "1",
            "2007",
            "99999999999",
            "cd",
            "disc",
            "part",
            "chapter",
            "ch",
            "audiobook",
            "sample",
            "metadata",
            ".mp3",
            ".srt",
            ".mkv",
            "en",
            "hi",
            "default",
            "forced",
            "tt",
            "imdbid",
            "v01",
            "c120",
            "é",
            "ß",
            "ı",
            "\u{10FFFF}",
            "\u{0301}",
            "of",
        ];
        let opts = NamingOptions::default();
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..400 {
            let len = (next() % 40) as usize + usize::from(round % 50 == 0) * 2000;
            let s: String = (0..len)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect();
            let _ = opts.audio.is_multi_part(&s);
            let _ = audiobook::resolve_audiobook_file(&opts, &s);
            let _ = audiobook::parse_audiobook_name(&opts.audio, &s);
            let lines: Vec<&str> = s.split('\n').collect();
            let _ = audiobook::resolve_audiobooks(&opts, &lines);
            let _ = book::parse_book_file_name(&opts, &s);
            for kind in [
                external::ExternalKind::Subtitle,
                external::ExternalKind::Audio,
            ] {
                let _ = opts
                    .external
                    .parse_file(&opts.extensions, kind, &s, Some(&s));
            }
            let _ = external::flags_string(&s, &s);
            let _ = ignore::is_ignored(&s, round % 2 == 0);
            let _ = ignore::DotIgnore::parse(&s).is_ignored(&s, round % 3 == 0);
            let _ = provider_ids::find_provider_id(&s, "imdbid");
            let _ = provider_ids::find_provider_id(&s, &s);
            let _ = artwork::local_image_names(artwork::ArtworkItemKind::Movie, &s, true);
            let _ =
                artwork::nfo_file_paths(&artwork::NfoQuery::new(artwork::NfoItemKind::Season, &s));
        }
    }

    #[test]
    fn album_folders() {
        let rules = AudioRules::default();
        let ext = MediaExtensions::default();
        let none: &[&str] = &[];
        assert!(is_music_album_folder(&rules, &ext, &["/a/01.mp3"], none));
        assert!(is_music_album_folder(
            &rules,
            &ext,
            &["/a/cover.jpg"],
            &["/a/CD1", "/a/cd 2"]
        ));
        assert!(!is_music_album_folder(
            &rules,
            &ext,
            &["/a/cover.jpg"],
            &["/a/CD1", "/a/Live"]
        ));
        assert!(!is_music_album_folder(
            &rules,
            &ext,
            &["/a/cover.jpg"],
            none
        ));
        assert!(rules.is_artist_subfolder("Singles"));
        assert!(!rules.is_artist_subfolder("Greatest Hits"));
    }
}
