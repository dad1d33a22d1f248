//! Audiobooks (conventions 7b): one file's chapter and part ([`resolve_audiobook_file`]), a
//! book's name and year ([`parse_audiobook_name`]), and the grouping of a listing into books
//! with their files, extras and alternate versions ([`resolve_audiobooks`]).

use std::cmp::Ordering;
use std::collections::HashMap;

use fancy_regex::Regex;

use super::AudioRules;
use crate::naming::external::casing::{
    contains_ignore_case, culture_cmp, eq_ignore_case, ordinal_cmp,
};
use crate::naming::{parse_i32, path, NamingOptions};

/// One audiobook file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioBookFileInfo {
    /// The path, as given.
    pub path: String,
    /// The extension without its dot (`mp3`).
    pub container: String,
    /// The part number, from the file name.
    pub part_number: Option<i32>,
    /// The chapter number, from the file name.
    pub chapter_number: Option<i32>,
}

impl AudioBookFileInfo {
    /// Book order: chapter, then part (unnumbered first), then path (ordinal).
    pub fn book_order(&self, other: &Self) -> Ordering {
        self.chapter_number
            .cmp(&other.chapter_number)
            .then(self.part_number.cmp(&other.part_number))
            .then_with(|| ordinal_cmp(&self.path, &other.path))
    }
}

/// One audiobook: a folder of files, or a single file with no folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioBookInfo {
    /// The book name (folder name, or file name without extension), without the year.
    pub name: String,
    /// The year from `Name (YYYY)`.
    pub year: Option<i32>,
    /// The book's files, in book order.
    pub files: Vec<AudioBookFileInfo>,
    /// Unnumbered files that are not the book itself (`extra.mp3`, trailers).
    pub extras: Vec<AudioBookFileInfo>,
    /// Other versions of a file of the book (same chapter and part, or another copy of an
    /// unnumbered book).
    pub alternate_versions: Vec<AudioBookFileInfo>,
}

/// An audiobook name split into name and year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioBookName {
    /// The name.
    pub name: String,
    /// The year, when the name ends in `(YYYY)`.
    pub year: Option<i32>,
}

/// Resolves one audiobook file: `None` for an empty path, an empty base name (`.mp3`) or a
/// non-audio extension.
pub fn resolve_audiobook_file(opts: &NamingOptions, file_path: &str) -> Option<AudioBookFileInfo> {
    if file_path.is_empty() || path::file_stem(file_path).is_empty() {
        return None;
    }
    if !opts.extensions.is_audio(file_path) {
        return None;
    }
    let container = path::extension(file_path)
        .trim_start_matches('.')
        .to_owned();
    let (chapter_number, part_number) = parse_chapter_part(&opts.audio, file_path);
    Some(AudioBookFileInfo {
        path: file_path.to_owned(),
        container,
        part_number,
        chapter_number,
    })
}

/// Applies the part expressions to `text`, filling whichever of chapter/part is still unknown.
fn fill_numbers(
    expressions: &[Regex],
    text: &str,
    chapter: &mut Option<i32>,
    part: &mut Option<i32>,
) {
    for re in expressions {
        let Ok(Some(caps)) = re.captures(text) else {
            continue;
        };
        if chapter.is_none() {
            *chapter = caps.name("chapter").and_then(|m| parse_i32(m.as_str()));
        }
        if part.is_none() {
            *part = caps.name("part").and_then(|m| parse_i32(m.as_str()));
        }
    }
}

/// Chapter and part of an audiobook file, from its name without extension.
fn parse_chapter_part(rules: &AudioRules, file_path: &str) -> (Option<i32>, Option<i32>) {
    let (mut chapter, mut part) = (None, None);
    fill_numbers(
        &rules.audiobook_parts,
        path::file_stem(file_path),
        &mut chapter,
        &mut part,
    );
    (chapter, part)
}

/// Splits an audiobook name into name and year (`Batman (2020)`, `Batman( 2021 )`); a name the
/// expressions leave empty is kept whole.
pub fn parse_audiobook_name(rules: &AudioRules, name: &str) -> AudioBookName {
    let mut found: Option<String> = None;
    let mut year = None;
    for re in &rules.audiobook_names {
        let Ok(Some(caps)) = re.captures(name) else {
            continue;
        };
        if found.is_none() {
            found = caps.name("name").map(|m| m.as_str().to_owned());
        }
        if year.is_none() {
            year = caps.name("year").and_then(|m| parse_i32(m.as_str()));
        }
    }
    let name = match found {
        Some(n) if !n.is_empty() => n,
        _ => name.to_owned(),
    };
    AudioBookName { name, year }
}

/// .NET `Path.GetDirectoryName` on Linux: `None` for an empty path or a bare root, `""` for a
/// name without a directory; repeated separators are collapsed.
fn directory_name(p: &str) -> Option<String> {
    let bytes = p.as_bytes();
    let root = usize::from(p.starts_with('/'));
    if bytes.len() <= root {
        return None;
    }
    let mut end = bytes.len();
    while end > root {
        end -= 1;
        if bytes[end] == b'/' {
            break;
        }
    }
    while end > root && bytes[end - 1] == b'/' {
        end -= 1;
    }
    let dir = p.get(..end)?;
    let mut out = String::with_capacity(dir.len());
    for c in dir.chars() {
        if c == '/' && out.ends_with('/') {
            continue;
        }
        out.push(c);
    }
    Some(out)
}

/// Groups a listing into audiobooks (conventions 7b).
///
/// Every path is first resolved with [`resolve_audiobook_file`] (others are dropped). Files are
/// grouped by folder, in order of each folder's first file; files without a folder are books of
/// their own. Within a book, files are sorted by chapter, part and path, and alternate versions
/// and extras are set aside.
pub fn resolve_audiobooks<S: AsRef<str>>(opts: &NamingOptions, files: &[S]) -> Vec<AudioBookInfo> {
    let infos: Vec<AudioBookFileInfo> = files
        .iter()
        .filter_map(|f| resolve_audiobook_file(opts, f.as_ref()))
        .collect();

    // Group by directory, keeping the order of first appearance.
    let mut groups: Vec<(Option<String>, Vec<AudioBookFileInfo>)> = Vec::new();
    let mut by_key: HashMap<Option<String>, usize> = HashMap::new();
    for info in infos {
        let key = directory_name(&info.path);
        let at = *by_key.entry(key.clone()).or_insert_with(|| {
            groups.push((key, Vec::new()));
            groups.len() - 1
        });
        groups[at].1.push(info);
    }

    let mut books = Vec::new();
    for (key, group) in groups {
        match key.as_deref() {
            None | Some("") => {
                for file in group {
                    let name = path::file_stem(&file.path).to_owned();
                    books.push(build_book(&opts.audio, &name, vec![file]));
                }
            }
            Some(dir) => books.push(build_book(&opts.audio, path::file_name(dir), group)),
        }
    }
    books
}

/// Orders by container, then path, as `OrderBy(Container).ThenBy(Path)` does.
fn container_then_path(a: &AudioBookFileInfo, b: &AudioBookFileInfo) -> Ordering {
    culture_cmp(&a.container, &b.container).then_with(|| culture_cmp(&a.path, &b.path))
}

/// Builds one book from its stack name and files.
fn build_book(
    rules: &AudioRules,
    stack_name: &str,
    mut files: Vec<AudioBookFileInfo>,
) -> AudioBookInfo {
    files.sort_by(AudioBookFileInfo::book_order);
    let parsed = parse_audiobook_name(rules, stack_name);
    let (files, extras, alternate_versions) = split_extras_and_alternates(files, &parsed.name);
    AudioBookInfo {
        name: parsed.name,
        year: parsed.year,
        files,
        extras,
        alternate_versions,
    }
}

type Split = (
    Vec<AudioBookFileInfo>,
    Vec<AudioBookFileInfo>,
    Vec<AudioBookFileInfo>,
);

/// Sets aside extras and alternate versions of a sorted book; returns (files, extras,
/// alternates).
fn split_extras_and_alternates(files: Vec<AudioBookFileInfo>, book_name: &str) -> Split {
    let numbered = files
        .iter()
        .any(|f| f.chapter_number.is_some() || f.part_number.is_some());
    let dotted_name = book_name.replace(' ', ".");
    let mut removed = vec![false; files.len()];
    let mut extras = Vec::new();
    let mut alternates = Vec::new();

    // Groups of equal (chapter, part) are contiguous in book order.
    let mut start = 0;
    while start < files.len() {
        let key = (files[start].chapter_number, files[start].part_number);
        let mut end = start + 1;
        while end < files.len() && (files[end].chapter_number, files[end].part_number) == key {
            end += 1;
        }
        let group: Vec<usize> = (start..end).collect();
        start = end;

        if key == (None, None) {
            if group.len() <= 1 && !numbered {
                continue;
            }
            let (mut alt, mut ex): (Vec<usize>, Vec<usize>) = group.into_iter().partition(|&i| {
                let stem = path::file_stem(&files[i].path);
                eq_ignore_case(stem, "audiobook")
                    || contains_ignore_case(stem, book_name)
                    || contains_ignore_case(stem, &dotted_name)
            });
            ex.sort_by(|&a, &b| container_then_path(&files[a], &files[b]));
            for i in ex {
                removed[i] = true;
                extras.push(files[i].clone());
            }
            if !alt.is_empty() {
                alt.sort_by(|&a, &b| container_then_path(&files[a], &files[b]));
                let stem_is =
                    |i: usize, name: &str| eq_ignore_case(path::file_stem(&files[i].path), name);
                let main = alt
                    .iter()
                    .position(|&i| stem_is(i, book_name))
                    .or_else(|| alt.iter().position(|&i| stem_is(i, "audiobook")))
                    .unwrap_or(0);
                alt.remove(main);
                for i in alt {
                    removed[i] = true;
                    alternates.push(files[i].clone());
                }
            }
        } else if group.len() > 1 {
            let mut ordered = group;
            ordered.sort_by(|&a, &b| container_then_path(&files[a], &files[b]));
            for &i in ordered.iter().skip(1) {
                removed[i] = true;
                alternates.push(files[i].clone());
            }
        }
    }

    let kept = files
        .into_iter()
        .zip(removed)
        .filter(|(_, r)| !r)
        .map(|(f, _)| f)
        .collect();
    (kept, extras, alternates)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> NamingOptions {
        NamingOptions::default()
    }

    #[test]
    fn file_numbers() {
        let o = opts();
        let cases: &[(&str, Option<i32>, Option<i32>)] = &[
            (
                "/server/AudioBooks/Larry Potter/Larry Potter.mp3",
                None,
                None,
            ),
            (
                "/server/AudioBooks/Berry Potter/Chapter 1 .ogg",
                Some(1),
                None,
            ),
            (
                "/server/AudioBooks/Nerry Potter/Part 3 - Chapter 2.mp3",
                Some(2),
                Some(3),
            ),
            ("/b/0001_005.mp3", Some(1), Some(5)),
            ("/b/Disc 3.mp3", Some(3), Some(3)),
            ("/b/Track 7.mp3", None, Some(7)),
            // A trailing number counts as the part unless "chapter " is right before it, so
            // the last digit of "Chapter 12" is a part (as upstream).
            ("/Book/Chapter 12.mp3", Some(12), Some(2)),
            ("/Book/Chapter 1.mp3", Some(1), None),
            ("/Book/Part 1 Chapter 3.mp3", Some(3), Some(1)),
            ("/Book/extras/bonus.mp3", None, None),
        ];
        for (p, chapter, part) in cases {
            let r = resolve_audiobook_file(&o, p).expect(p);
            assert_eq!((r.chapter_number, r.part_number), (*chapter, *part), "{p}");
        }
        assert_eq!(
            resolve_audiobook_file(&o, "/b/x.mp3").unwrap().container,
            "mp3"
        );
        assert!(resolve_audiobook_file(&o, "/b/Larry Potter.mp9").is_none());
        assert!(resolve_audiobook_file(&o, "").is_none());
        assert!(resolve_audiobook_file(&o, "/b/.mp3").is_none());
        assert!(resolve_audiobook_file(&o, "/b/x.nfo").is_none());
    }

    #[test]
    fn names_and_years() {
        let rules = AudioRules::default();
        let cases: &[(&str, &str, Option<i32>)] = &[
            ("Batman (2020)", "Batman", Some(2020)),
            ("Batman( 2021 )", "Batman", Some(2021)),
            ("Batman(*2021*)", "Batman(*2021*)", None),
            (" + Batman . ", "+ Batman .", None),
            (" ", " ", None),
            ("", "", None),
        ];
        for (input, name, year) in cases {
            let r = parse_audiobook_name(&rules, input);
            assert_eq!((r.name.as_str(), r.year), (*name, *year), "{input:?}");
        }
    }

    #[test]
    fn directory_names_like_dotnet() {
        assert_eq!(directory_name("a.mp3").as_deref(), Some(""));
        assert_eq!(directory_name("/a.mp3").as_deref(), Some("/"));
        assert_eq!(directory_name("/").as_deref(), None);
        assert_eq!(directory_name("").as_deref(), None);
        assert_eq!(directory_name("a//b/c.mp3").as_deref(), Some("a/b"));
        assert_eq!(directory_name("/x/y/").as_deref(), Some("/x/y"));
    }

    fn names(v: &[AudioBookFileInfo]) -> Vec<&str> {
        v.iter().map(|f| f.path.as_str()).collect()
    }

    #[test]
    fn stacks_and_extras() {
        let files = [
            "Harry Potter and the Deathly Hallows/Part 1.mp3",
            "Harry Potter and the Deathly Hallows/Part 2.mp3",
            "Harry Potter and the Deathly Hallows/Extra.mp3",
            "Batman/Chapter 1.mp3",
            "Batman/Chapter 2.mp3",
            "Batman/Chapter 3.mp3",
            "Badman/audiobook.mp3",
            "Badman/extra.mp3",
            "Superman (2020)/Part 1.mp3",
            "Superman (2020)/extra.mp3",
            "Ready Player One (2020)/audiobook.mp3",
            "Ready Player One (2020)/extra.mp3",
            ".mp3",
        ];
        let r = resolve_audiobooks(&opts(), &files);
        let shape: Vec<_> = r
            .iter()
            .map(|b| (b.name.as_str(), b.files.len(), b.extras.len()))
            .collect();
        assert_eq!(
            shape,
            [
                ("Harry Potter and the Deathly Hallows", 2, 1),
                ("Batman", 3, 0),
                ("Badman", 1, 1),
                ("Superman", 1, 1),
                ("Ready Player One", 1, 1),
            ]
        );
        assert_eq!(r[3].year, Some(2020));
    }

    #[test]
    fn alternative_versions() {
        let files = [
            "Harry Potter and the Deathly Hallows/Chapter 1.ogg",
            "Harry Potter and the Deathly Hallows/Chapter 1.mp3",
            "Deadpool.mp3",
            "Deadpool [HQ].mp3",
            "Superman/audiobook.mp3",
            "Superman/Superman.mp3",
            "Superman/Superman [HQ].mp3",
            "Superman/extra.mp3",
            "Batman/ Chapter 1 .mp3",
            "Batman/Chapter 1[loss-less].mp3",
        ];
        let r = resolve_audiobooks(&opts(), &files);
        assert_eq!(r.len(), 5);
        assert_eq!(r[0].alternate_versions.len(), 1);
        assert_eq!(
            names(&r[0].files),
            ["Harry Potter and the Deathly Hallows/Chapter 1.mp3"]
        );
        assert!(r[1].alternate_versions.is_empty());
        assert!(r[2].alternate_versions.is_empty());
        assert_eq!(r[3].name, "Superman");
        let mut alts = names(&r[3].alternate_versions);
        alts.sort_unstable();
        assert_eq!(
            alts,
            ["Superman/Superman [HQ].mp3", "Superman/audiobook.mp3"]
        );
        assert_eq!(names(&r[3].files), ["Superman/Superman.mp3"]);
        assert_eq!(names(&r[3].extras), ["Superman/extra.mp3"]);
        assert_eq!(r[4].alternate_versions.len(), 1);
    }

    #[test]
    fn order_and_edge_listings() {
        let o = opts();
        let empty: [&str; 0] = [];
        assert!(resolve_audiobooks(&o, &empty).is_empty());
        // Loose files keep their place relative to folders.
        let r = resolve_audiobooks(&o, &["a.mp3", "X/1.mp3", "b.mp3", "x.nfo", "/c.mp3"]);
        let names: Vec<_> = r.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "X", ""]);
        let r = resolve_audiobooks(&o, &["Harry Potter and the Deathly Hallows trailer.mp3"]);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].files.len(), 1);
    }

    #[test]
    fn never_panics() {
        let o = opts();
        let long = format!("{}/{}.mp3", "é/".repeat(3000), "9".repeat(4000));
        let inputs = [
            "",
            "/",
            "//",
            ".mp3",
            "\\a\\b.mp3",
            "/ü/ch.mp3",
            &long,
            "a/\n1.mp3",
        ];
        let _ = resolve_audiobooks(&o, &inputs);
    }
}
