//! Which paths a library scan skips (conventions section 1): the always-ignored set
//! ([`is_ignored`]) and the gitignore-like patterns of `.ignore` files ([`DotIgnore`]).
//!
//! Nothing here reads the file system: the scanner finds the nearest `.ignore` file above a path
//! (the folder itself or an ancestor, as Jellyfin does), reads it once, and passes its text to
//! [`DotIgnore::parse`]. Only `/` separates path segments.

use globset::{GlobBuilder, GlobMatcher};

use crate::naming::external::casing::{eq_ignore_case, fold};

/// Folders that are skipped together with everything inside them.
const IGNORED_FOLDERS: &[&str] = &[
    "metadata",
    "ps3_update",
    "ps3_vprm",
    "extrafanart",
    "extrathumbs",
    ".actors",
    ".wd_tv",
    "lost+found",
    "subs",
    ".snapshots",
    ".snapshot",
    "TempRec",
    "TempSBE",
    "eaDir",
    "@eaDir",
    "#recycle",
    "@Recycle",
    ".@__thumb",
    "$RECYCLE.BIN",
    "System Volume Information",
    ".grab",
    ".zfs",
];

/// Files that are always skipped, by exact name.
const IGNORED_FILES: &[&str] = &["small.jpg", "albumart.jpg", "thumbs.db"];

/// File extensions that are always skipped.
const IGNORED_EXTENSIONS: &[&str] = &[".bts", ".sync"];

/// Words that mark sample files (`sample.mkv`, `movie.sample.mkv`) and sample folders; `minta`
/// is the Hungarian word.
const SAMPLE_WORDS: &[&str] = &["sample", "minta"];

/// Whether `name` is `<word>.<1-5 chars>` or `<anything>.<word>.<1-5 chars>`.
fn is_sample_file_name(name: &str) -> bool {
    let folded: Vec<char> = fold(name).chars().collect();
    SAMPLE_WORDS.iter().any(|word| {
        let word: Vec<char> = fold(word).chars().collect();
        (1..=5).any(|ext_len| {
            let Some(stem_len) = folded.len().checked_sub(ext_len + 1) else {
                return false;
            };
            if folded[stem_len] != '.' {
                return false;
            }
            let stem = &folded[..stem_len];
            if stem == word.as_slice() {
                return true;
            }
            stem.len() > word.len()
                && stem.ends_with(&word)
                && stem[stem.len() - word.len() - 1] == '.'
        })
    })
}

/// Whether a folder named `name` is skipped with its content.
fn is_ignored_folder_name(name: &str) -> bool {
    IGNORED_FOLDERS.iter().any(|f| eq_ignore_case(f, name)) || fold(name).ends_with(".TRICKPLAY")
}

/// A hidden entry: a name starting with `.` (the `.` and `..` path segments are not entries).
fn is_hidden(name: &str) -> bool {
    name.starts_with('.') && name != "." && name != ".."
}

/// Whether the always-ignored set skips `path` (a folder when `is_directory`).
///
/// Skipped are: hidden entries (`.name`) and everything inside hidden folders; `thumbs.db`,
/// `small.jpg`, `albumart.jpg`, `*.bts`, `*.sync`; sample files (`sample.<1-5 chars>`,
/// `*.sample.<1-5 chars>`, also with the Hungarian `minta`) and everything inside `sample/` or
/// `minta/` folders; and the system and metadata folders (`metadata`, `subs`, `@eaDir`,
/// `$RECYCLE.BIN`, `*.trickplay`, ...) with everything inside them. Names compare ignoring case.
///
/// Jellyfin's globs also match a *file* named like one of those folders (an extension-less
/// `metadata`); here the folder names only apply to folders: ancestors of `path`, or `path`
/// itself when `is_directory`.
pub fn is_ignored(path: &str, is_directory: bool) -> bool {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let Some((last, ancestors)) = segments.split_last() else {
        return false;
    };

    let ancestor_ignored = ancestors.iter().any(|a| {
        is_hidden(a)
            || is_ignored_folder_name(a)
            || SAMPLE_WORDS.iter().any(|w| eq_ignore_case(w, a))
    });
    if ancestor_ignored || is_hidden(last) {
        return true;
    }
    if is_directory && is_ignored_folder_name(last) {
        return true;
    }
    let folded_last = fold(last);
    IGNORED_FILES.iter().any(|f| eq_ignore_case(f, last))
        || IGNORED_EXTENSIONS
            .iter()
            .any(|e| folded_last.ends_with(&fold(e)))
        || is_sample_file_name(last)
}

/// One compiled `.ignore` line.
#[derive(Debug, Clone)]
struct IgnoreRule {
    /// `!pattern`: re-includes what an earlier rule excluded.
    negated: bool,
    /// `pattern/`: matches folders only.
    dir_only: bool,
    /// The glob, relative to the folder that holds the `.ignore` file.
    matcher: GlobMatcher,
}

/// The rules of one `.ignore` file, parsed once and applied to every path below its folder.
///
/// The text is read like a `.gitignore`: one pattern a line (lines are trimmed, empty lines
/// skipped), `#` starts a comment, `!` negates, a trailing `/` matches folders only, a pattern
/// with a `/` inside is anchored at the `.ignore` file's folder and any other pattern matches at
/// any depth; `*` and `?` stay within a segment, `**` spans segments; matching ignores case.
/// A path is ignored when it, or a folder above it, is matched by the last rule that matches it.
///
/// As in Jellyfin, an empty (or blank) `.ignore` file, or one whose lines are all invalid
/// patterns, ignores its whole folder.
///
/// Jellyfin matches the rules against the absolute path; here they are matched against the path
/// relative to the `.ignore` file's folder, so anchored patterns (`/Extras`, `a/b`) work as in
/// git. Unanchored patterns, the common case, behave the same either way.
#[derive(Debug, Clone)]
pub struct DotIgnore {
    ignore_all: bool,
    rules: Vec<IgnoreRule>,
}

/// Parses one `.ignore` line; `Ok(None)` for a comment or a line that matches nothing, `Err` for
/// an invalid pattern.
fn parse_rule(line: &str) -> Result<Option<IgnoreRule>, globset::Error> {
    if line.starts_with('#') {
        return Ok(None);
    }
    let (negated, pattern) = match line.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (
            false,
            line.strip_prefix('\\')
                .filter(|r| r.starts_with(['#', '!']))
                .unwrap_or(line),
        ),
    };
    let dir_only = pattern.ends_with('/');
    let pattern = pattern.trim_end_matches('/');
    let anchored = pattern.contains('/');
    let pattern = pattern.strip_prefix('/').unwrap_or(pattern);
    if pattern.is_empty() {
        return Ok(None);
    }
    let glob = if anchored {
        pattern.to_owned()
    } else {
        format!("**/{pattern}")
    };
    let matcher = GlobBuilder::new(&glob)
        .literal_separator(true)
        .case_insensitive(true)
        .backslash_escape(true)
        .build()?
        .compile_matcher();
    Ok(Some(IgnoreRule {
        negated,
        dir_only,
        matcher,
    }))
}

impl DotIgnore {
    /// Parses the text of a `.ignore` file.
    pub fn parse(text: &str) -> Self {
        let lines: Vec<&str> = text
            .split('\n')
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let mut rules = Vec::new();
        let mut valid = 0usize;
        for line in &lines {
            if let Ok(rule) = parse_rule(line) {
                valid += 1;
                rules.extend(rule);
            }
        }
        Self {
            ignore_all: valid == 0,
            rules,
        }
    }

    /// Whether this `.ignore` file ignores its whole folder (it is empty, blank, or has no valid
    /// pattern).
    pub fn ignores_everything(&self) -> bool {
        self.ignore_all
    }

    /// The verdict of the rules for one relative path: `Some(true)` excluded, `Some(false)`
    /// re-included, `None` no rule matches.
    fn verdict(&self, relative: &str, is_directory: bool) -> Option<bool> {
        self.rules
            .iter()
            .rev()
            .find(|r| (!r.dir_only || is_directory) && r.matcher.is_match(relative))
            .map(|r| !r.negated)
    }

    /// Whether `relative_path` (relative to the folder holding the `.ignore` file; a folder when
    /// `is_directory`) is ignored. The empty path is that folder itself.
    pub fn is_ignored(&self, relative_path: &str, is_directory: bool) -> bool {
        if self.ignore_all {
            return true;
        }
        let segments: Vec<&str> = relative_path.split('/').filter(|s| !s.is_empty()).collect();
        let mut prefix = String::with_capacity(relative_path.len());
        for (i, segment) in segments.iter().enumerate() {
            if i > 0 {
                prefix.push('/');
            }
            prefix.push_str(segment);
            let is_last = i + 1 == segments.len();
            let excluded = self.verdict(&prefix, !is_last || is_directory) == Some(true);
            if excluded || is_last {
                return excluded;
            }
        }
        false
    }

    /// Whether `path` is ignored by the `.ignore` file that sits in `folder`. Paths outside
    /// `folder` are not affected by it.
    pub fn is_ignored_under(&self, folder: &str, path: &str, is_directory: bool) -> bool {
        let folder = folder.trim_end_matches('/');
        let Some(rest) = path.strip_prefix(folder) else {
            return false;
        };
        if !(rest.is_empty() || rest.starts_with('/') || folder.is_empty()) {
            return false;
        }
        self.is_ignored(rest, is_directory || rest.trim_matches('/').is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn always_ignored_set() {
        let cases: &[(&str, bool, bool)] = &[
            ("/media/movies/Movie (2010)/Movie.mkv", false, false),
            ("/media/movies/Movie/sample.mkv", false, true),
            ("/media/movies/Movie/SAMPLE.webm", false, true),
            ("/media/movies/Movie/sample.toolong", false, false),
            ("/media/movies/Movie/movie.sample.mkv", false, true),
            ("/media/movies/Movie/movie-sample.mkv", false, false),
            ("/media/movies/Movie/Sample/clip.mkv", false, true),
            ("/media/movies/Movie/minta.avi", false, true),
            ("/media/movies/Movie/minta/x.avi", false, true),
            ("/media/movies/Movie/Sample", true, false),
            ("/media/movies/Movie/metadata", true, true),
            ("/media/movies/Movie/metadata/poster.jpg", false, true),
            ("/media/movies/Movie/Metadata", false, false),
            ("/media/movies/Movie/extrafanart/1.jpg", false, true),
            ("/media/@eaDir/x.mkv", false, true),
            ("/media/$recycle.bin", true, true),
            ("/media/System Volume Information", true, true),
            ("/media/Movie.trickplay", true, true),
            ("/media/Movie.trickplay/320 - 10x10/0.jpg", false, true),
            ("/media/.hidden", false, true),
            ("/media/.hidden/Movie.mkv", false, true),
            ("/media/./Movie.mkv", false, false),
            ("/media/../Movie.mkv", false, false),
            ("/media/Thumbs.db", false, true),
            ("/media/small.jpg", false, true),
            ("/media/AlbumArt.JPG", false, true),
            ("/media/x.bts", false, true),
            ("/media/x.SYNC", false, true),
            ("/media/subs", true, true),
            ("/media/subs/movie.srt", false, true),
            ("/media/Subtitles", true, false),
            ("", false, false),
            ("/", true, false),
            ("Movie.mkv", false, false),
        ];
        for (path, is_dir, expected) in cases {
            assert_eq!(is_ignored(path, *is_dir), *expected, "{path:?}");
        }
    }

    #[test]
    fn dot_ignore_rules() {
        let text = "# comment\n*.nfo\r\nExtras/\n/Top.mkv\n!keep.nfo\nsub/dir/*.mkv\n";
        let d = DotIgnore::parse(text);
        assert!(!d.ignores_everything());
        let cases: &[(&str, bool, bool)] = &[
            ("movie.nfo", false, true),
            ("a/b/MOVIE.NFO", false, true),
            ("keep.nfo", false, false),
            ("Extras", true, true),
            ("Extras", false, false),
            ("x/Extras/clip.mkv", false, true),
            ("Top.mkv", false, true),
            ("x/Top.mkv", false, false),
            ("sub/dir/a.mkv", false, true),
            ("sub/dir/deeper/a.mkv", false, false),
            ("Movie.mkv", false, false),
            ("", true, false),
        ];
        for (path, is_dir, expected) in cases {
            assert_eq!(d.is_ignored(path, *is_dir), *expected, "{path:?}");
        }
        assert!(d.is_ignored_under("/media/movies", "/media/movies/x/a.nfo", false));
        assert!(!d.is_ignored_under("/media/movies", "/media/moviesX/a.nfo", false));
        assert!(!d.is_ignored_under("/media/movies", "/other/a.nfo", false));
    }

    #[test]
    fn empty_or_invalid_ignore_file_ignores_everything() {
        for text in ["", "  \n\r\n\t", "[", "[\n  "] {
            let d = DotIgnore::parse(text);
            assert!(d.ignores_everything(), "{text:?}");
            assert!(d.is_ignored("", true));
            assert!(d.is_ignored("anything/at/all.mkv", false));
            assert!(d.is_ignored_under("/m", "/m", true));
        }
        // A comment is a valid rule: nothing is ignored.
        let d = DotIgnore::parse("# nothing to see");
        assert!(!d.ignores_everything());
        assert!(!d.is_ignored("a.mkv", false));
        // Invalid lines are skipped when valid ones exist.
        let d = DotIgnore::parse("[\n*.mkv");
        assert!(d.is_ignored("a.mkv", false));
        assert!(!d.is_ignored("a.avi", false));
    }

    #[test]
    fn parent_exclusion_cannot_be_undone() {
        let d = DotIgnore::parse("Extras/\n!Extras/keep.mkv\n");
        assert!(d.is_ignored("Extras/keep.mkv", false));
    }

    #[test]
    fn never_panics() {
        let long = "é/".repeat(5000);
        let d = DotIgnore::parse("**/é*\n\\#x\n!\n/\n***\n[a-\n");
        for p in ["", "/", "//", "\\", "é", &long, ".", ".."] {
            let _ = is_ignored(p, true);
            let _ = is_ignored(p, false);
            let _ = d.is_ignored(p, false);
            let _ = d.is_ignored_under(p, p, true);
        }
    }
}
