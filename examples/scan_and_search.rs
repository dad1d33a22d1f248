//! Scans a folder of movies into a library and searches it, with `jellyfin-core` as a plain
//! cargo dependency (no HTTP, no server).
//!
//! ```sh
//! cargo run -p jellyfin-examples --example scan_and_search -- MOVIES_DIR [SEARCH TERM]
//! ```
//!
//! The library lives in a temporary data directory (set `JELLYFIN_DATA_DIR` to keep it). Without
//! a search term, it searches for the first listed movie's name with one letter changed (search
//! is typo-tolerant). Exits non-zero when the folder holds no movie or the search finds nothing.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use jellyfin_core::scan::{ScanEvent, ScanOptions};
use jellyfin_core::search::SearchQuery;
use jellyfin_core::store::{ItemKind, ItemQuery, LibraryKind, SortBy, SortOrder};
use jellyfin_core::{LibraryConfig, MediaLibrary};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(movies_dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: scan_and_search MOVIES_DIR [SEARCH TERM]");
        return ExitCode::from(2);
    };
    let term: Vec<String> = args.collect();
    match run(movies_dir, term.join(" ")) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(movies_dir: PathBuf, term: String) -> Result<bool, jellyfin_core::Error> {
    // One handle per data directory; everything hangs off it.
    let temp = tempfile::tempdir().map_err(|e| jellyfin_core::Error::Io {
        path: std::env::temp_dir(),
        source: e,
    })?;
    let data_dir = std::env::var_os("JELLYFIN_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| temp.path().to_owned());
    let library = MediaLibrary::open(LibraryConfig::new(&data_dir))?;
    library.add_library("Movies", LibraryKind::Movies, &[movies_dir])?;

    // Scan with a progress callback (called from the scan's worker threads).
    let options = ScanOptions {
        progress: Some(Arc::new(|event: &ScanEvent| {
            if let ScanEvent::Walked { files, units, .. } = event {
                println!("walked: {files} files in {units} folders");
            }
        })),
        ..ScanOptions::default()
    };
    let summary = library.scan("Movies", &options)?;
    println!(
        "scanned {}: {} added, {} probed, {} probe errors in {:.2?}",
        summary.library, summary.added, summary.probed, summary.probe_errors, summary.elapsed
    );

    // The same query the server's /Items runs: movies, by name, first page of 5.
    let page = library.query(&ItemQuery {
        include_kinds: vec![ItemKind::Movie],
        recursive: true,
        sort: vec![(SortBy::SortName, SortOrder::Ascending)],
        limit: Some(5),
        ..ItemQuery::default()
    })?;
    println!(
        "{} movies; the first {}:",
        page.total_record_count,
        page.items.len()
    );
    for movie in &page.items {
        let streams: Vec<String> = movie
            .streams
            .iter()
            .map(|s| format!("{}:{}", s.kind, s.codec.as_deref().unwrap_or("?")))
            .collect();
        println!(
            "  {} ({}) [{}]",
            movie.name,
            movie.production_year.map_or("-".into(), |y| y.to_string()),
            streams.join(", ")
        );
    }
    let Some(first) = page.items.first() else {
        eprintln!("no movie found");
        return Ok(false);
    };

    let term = if term.trim().is_empty() {
        with_a_typo(&first.name)
    } else {
        term
    };
    let hits = library.search(&SearchQuery {
        term: term.clone(),
        limit: 5,
        ..SearchQuery::default()
    })?;
    let ids: Vec<_> = hits.iter().map(|h| h.id).collect();
    let found = library.items(&ids)?;
    println!("search {term:?}: {} hits", hits.len());
    for hit in &hits {
        if let Some(item) = found.iter().find(|i| i.id == Some(hit.id)) {
            let kind = item.kind.map_or("?", |k| k.name());
            println!("  {:.2}  {} ({kind})", hit.score, item.name);
        }
    }
    Ok(!hits.is_empty())
}

/// `name` with the middle letter of its longest word changed: a typo the search tolerates.
fn with_a_typo(name: &str) -> String {
    let word = name
        .split_whitespace()
        .max_by_key(|w| w.chars().count())
        .unwrap_or(name);
    let chars: Vec<char> = word.chars().collect();
    if chars.len() < 4 {
        return word.to_owned();
    }
    let mid = chars.len() / 2;
    let replacement = if chars[mid].eq_ignore_ascii_case(&'x') {
        'y'
    } else {
        'x'
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i == mid { replacement } else { *c })
        .collect()
}
