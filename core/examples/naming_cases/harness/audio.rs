//! Adapters for the audio, audiobook, book and external-file naming APIs:
//! `AudioBookResolver.Resolve`, `AudioBookListResolver.Resolve`, `BookFileNameParser.Parse`,
//! `ExternalPathParser.ParseFile` and `AlbumParser.IsMultiPart`.

use super::{opt, values_match, Check};
use jellyfin_core::naming::audio::{
    resolve_audiobook_file, resolve_audiobooks, AudioBookFileInfo, AudioBookInfo,
};
use jellyfin_core::naming::book::parse_book_file_name;
use jellyfin_core::naming::external::{ExternalKind, LanguageLookup, MapLanguageLookup};
use jellyfin_core::naming::{path, NamingOptions};
use serde_json::{Map, Value};

/// Runs `api` if it belongs to this adapter; returns whether it did.
pub fn run(api: &str, c: &mut Check<'_>, opts: &NamingOptions) -> bool {
    match api {
        "AudioBookResolver.Resolve" => audiobook_file(c, opts),
        "AudioBookListResolver.Resolve" => audiobook_list(c, opts),
        "BookFileNameParser.Parse" => book(c, opts),
        "ExternalPathParser.ParseFile" => external(c, opts),
        "AlbumParser.IsMultiPart" => {
            let multi = opts.audio.is_multi_part(c.path());
            c.field("is_multi_part", multi);
        }
        _ => return false,
    }
    true
}

fn audiobook_file(c: &mut Check<'_>, opts: &NamingOptions) {
    let r = resolve_audiobook_file(opts, c.path());
    c.field("resolves", r.is_some());
    c.field("path", opt(r.as_ref().map(|r| r.path.clone())));
    c.field("container", opt(r.as_ref().map(|r| r.container.clone())));
    c.field(
        "chapter_number",
        opt(r.as_ref().and_then(|r| r.chapter_number)),
    );
    c.field("part_number", opt(r.as_ref().and_then(|r| r.part_number)));
    c.field("is_directory", opt(r.as_ref().map(|_| false)));
}

fn book(c: &mut Check<'_>, opts: &NamingOptions) {
    let r = parse_book_file_name(opts, c.path());
    c.field("name", opt(r.name));
    c.field("series_name", opt(r.series_name));
    c.field("index", opt(r.index));
    c.field("parent_index", opt(r.parent_index));
    c.field("year", opt(r.year));
}

fn external(c: &mut Check<'_>, opts: &NamingOptions) {
    let kind = match c.option("media_type").and_then(Value::as_str) {
        Some("subtitle") => ExternalKind::Subtitle,
        Some("audio") => ExternalKind::Audio,
        Some("lyric") => ExternalKind::Lyric,
        other => {
            c.fail(format!("unsupported media_type {other:?}"));
            return;
        }
    };
    let mock = c
        .option("language_lookup_mock")
        .and_then(Value::as_object)
        .map(|m| {
            MapLanguageLookup::new(
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned()))),
            )
        });
    let lookup: &dyn LanguageLookup = match &mock {
        Some(m) => m,
        None => &*opts.external.languages,
    };
    let extra = c.input_str("extra_string");
    let r = opts
        .external
        .parse_file_with(&opts.extensions, kind, c.path(), extra, lookup);
    c.field("matched", r.is_some());
    c.field("path", opt(r.as_ref().map(|r| r.path.clone())));
    c.field("title", opt(r.as_ref().and_then(|r| r.title.clone())));
    c.field("language", opt(r.as_ref().and_then(|r| r.language.clone())));
    c.field("is_default", opt(r.as_ref().map(|r| r.is_default)));
    c.field("is_forced", opt(r.as_ref().map(|r| r.is_forced)));
    c.field(
        "is_hearing_impaired",
        opt(r.as_ref().map(|r| r.is_hearing_impaired)),
    );
}

/// A result item as the list assertions see it: a book, or one alternate version of it.
struct ItemView {
    name: String,
    year: Option<i32>,
    files: Vec<String>,
    extras: Vec<String>,
    alternates: Vec<ItemView>,
}

impl ItemView {
    fn from_book(b: &AudioBookInfo) -> Self {
        let paths = |v: &[AudioBookFileInfo]| v.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
        Self {
            name: b.name.clone(),
            year: b.year,
            files: paths(&b.files),
            extras: paths(&b.extras),
            alternates: b
                .alternate_versions
                .iter()
                .map(|f| ItemView {
                    name: path::file_stem(&f.path).to_owned(),
                    year: None,
                    files: vec![f.path.clone()],
                    extras: Vec::new(),
                    alternates: Vec::new(),
                })
                .collect(),
        }
    }

    fn first_file(&self) -> Option<&str> {
        self.files.first().map(String::as_str)
    }
}

fn strings(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Whether `item` satisfies a `where` selector.
fn selected(item: &ItemView, selector: &Map<String, Value>) -> Result<bool, String> {
    for (k, v) in selector {
        let ok = match k.as_str() {
            "name" => v.as_str() == Some(item.name.as_str()),
            "first_file_path" => v.as_str() == item.first_file(),
            "first_file_path_contains" => {
                let needle = v.as_str().unwrap_or_default();
                item.first_file().is_some_and(|p| p.contains(needle))
            }
            // Audiobook items never carry an extra type.
            "extra_type" => v.is_null(),
            "extra_type_not_null" => v.as_bool() == Some(false),
            other => return Err(format!("unsupported selector {other:?}")),
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Checks the item-list expectations `expected` (each with `at` or `where`) against `items`.
fn check_items(c: &mut Check<'_>, label: &str, items: &[ItemView], expected: &Value) {
    let Some(expected) = expected.as_array() else {
        c.fail(format!("{label}: expected an array"));
        return;
    };
    for (n, e) in expected.iter().enumerate() {
        let Some(e) = e.as_object() else {
            c.fail(format!("{label}[{n}]: expected an object"));
            continue;
        };
        let item = if let Some(at) = e.get("at") {
            let at = at.as_u64().and_then(|a| usize::try_from(a).ok());
            at.and_then(|a| items.get(a))
        } else if let Some(selector) = e.get("where").and_then(Value::as_object) {
            let mut found = None;
            for item in items {
                match selected(item, selector) {
                    Ok(true) => {
                        found = Some(item);
                        break;
                    }
                    Ok(false) => {}
                    Err(msg) => {
                        c.fail(format!("{label}[{n}]: {msg}"));
                        break;
                    }
                }
            }
            found
        } else {
            c.fail(format!("{label}[{n}]: no `at` or `where` selector"));
            continue;
        };
        let Some(item) = item else {
            c.fail(format!(
                "{label}[{n}]: no item matches the selector ({} items)",
                items.len()
            ));
            continue;
        };
        check_item(c, &format!("{label}[{n}]"), item, e);
    }
}

/// Checks one item's assertions.
fn check_item(c: &mut Check<'_>, label: &str, item: &ItemView, e: &Map<String, Value>) {
    for (k, expected) in e {
        let actual: Value = match k.as_str() {
            "at" | "where" => continue,
            "name" => item.name.clone().into(),
            "year" => opt(item.year),
            "file_count" => item.files.len().into(),
            "extras_count" => item.extras.len().into(),
            "extra_type" => Value::Null,
            "first_file_path" => opt(item.first_file().map(str::to_owned)),
            "first_file_path_contains" => {
                let needle = expected.as_str().unwrap_or_default();
                let ok = item.first_file().is_some_and(|p| p.contains(needle));
                if !ok {
                    c.fail(format!(
                        "{label}.{k}: {:?} does not contain {needle:?}",
                        item.first_file()
                    ));
                }
                continue;
            }
            "all_files_path_contain" => {
                let needle = expected.as_str().unwrap_or_default();
                if item.files.is_empty() || !item.files.iter().all(|p| p.contains(needle)) {
                    c.fail(format!(
                        "{label}.{k}: not every file of {:?} contains {needle:?}",
                        item.files
                    ));
                }
                continue;
            }
            "alternate_version_count" => item.alternates.len().into(),
            "alternate_version_paths_include" => {
                for p in strings(expected) {
                    if !item.alternates.iter().any(|a| a.first_file() == Some(p)) {
                        c.fail(format!("{label}.{k}: {p:?} is not an alternate version"));
                    }
                }
                continue;
            }
            "alternate_versions_any_first_file_path_contains" => {
                for needle in strings(expected) {
                    if !item
                        .alternates
                        .iter()
                        .any(|a| a.first_file().is_some_and(|p| p.contains(needle)))
                    {
                        c.fail(format!(
                            "{label}.{k}: no alternate version path contains {needle:?}"
                        ));
                    }
                }
                continue;
            }
            "alternate_versions" => {
                check_items(
                    c,
                    &format!("{label}.alternate_versions"),
                    &item.alternates,
                    expected,
                );
                continue;
            }
            other => {
                c.fail(format!("{label}.{other}: not applicable to audiobooks"));
                continue;
            }
        };
        if !values_match(expected, &actual, "exact") {
            c.fail(format!("{label}.{k}: expected {expected}, got {actual}"));
        }
    }
}

fn audiobook_list(c: &mut Check<'_>, opts: &NamingOptions) {
    let files = c.input_strings("files");
    let books = resolve_audiobooks(opts, &files);
    let items: Vec<ItemView> = books.iter().map(ItemView::from_book).collect();
    c.field("result_count", items.len());
    let expect = c.expect;

    if let Some(expected) = expect.get("count_where").and_then(Value::as_object) {
        c.mark("count_where");
        for (k, v) in expected {
            let actual = match k.as_str() {
                "extra_type_null" => items.len(),
                "extra_type_not_null" => 0,
                other => {
                    c.fail(format!("count_where.{other}: unsupported"));
                    continue;
                }
            };
            if !values_match(v, &actual.into(), "exact") {
                c.fail(format!("count_where.{k}: expected {v}, got {actual}"));
            }
        }
    }
    if let Some(expected) = expect.get("all_items").and_then(Value::as_object) {
        c.mark("all_items");
        for (n, item) in items.iter().enumerate() {
            check_item(c, &format!("all_items(item {n})"), item, expected);
        }
    }
    if let Some(expected) = expect.get("items") {
        c.mark("items");
        check_items(c, "items", &items, expected);
    }
}
