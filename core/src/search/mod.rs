//! Search: typo-tolerant, as-you-type full-text search over items, and facets.
//!
//! This module owns the search index in `<data_dir>/search/`. The index is derived from the
//! store and never a source of truth: [`SearchBackend::sync`] brings it in step with the store
//! (the library calls it after every scan that changed something, in the same call), and
//! [`SearchBackend::rebuild`] makes it again from nothing (done automatically when the index is
//! missing or has an older schema).
//!
//! The backend is a trait; the `search` cargo feature (on by default) provides the tantivy one
//! ([`tantivy_index::TantivyIndex`]). Without a backend, searches fall back to the store's
//! substring match.
//!
//! Matching: case and diacritic folding, prefixes of every word (as-you-type), typo tolerance
//! growing with the word's length ([`typo_distance`]), an exact phrase boosted, any word order;
//! runs of CJK characters are indexed and searched as overlapping bigrams ([`cjk_bigrams`]).
//! Ranking: exact name, then name prefix, then fuzzy name, then the other fields (original
//! title, series, album, artists, people, genres, studios, tags; overview lowest); ties by
//! community rating and recency. Visibility (libraries, parental limits) is part of the query.

#[cfg(feature = "search")]
pub mod tantivy_index;

use std::path::Path;

use crate::ratings::ParentalControl;
use crate::store::{ItemId, ItemKind, MediaType, Store, StoreError};

/// Errors of the search index.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SearchError {
    /// The index failed (I/O, corrupt files).
    #[error("search index error: {0}")]
    Index(String),
    /// Reading the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The index folder could not be created.
    #[error("search index folder {path}: {source}")]
    Io {
        /// The folder.
        path: std::path::PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// A `Result` with [`SearchError`].
pub type SearchResult<T> = Result<T, SearchError>;

/// What to search for and who asks.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// The user's words (any text: query syntax characters are plain text).
    pub term: String,
    /// Only these kinds (empty: any).
    pub include_kinds: Vec<ItemKind>,
    /// Not these kinds.
    pub exclude_kinds: Vec<ItemKind>,
    /// Only these media types (empty: any).
    pub media_types: Vec<MediaType>,
    /// Only items of these libraries (`None`: any library). Items outside libraries (people,
    /// genres, studios, artists) are always candidates.
    pub libraries: Option<Vec<ItemId>>,
    /// The user's parental control.
    pub parental: Option<ParentalControl>,
    /// At most this many hits.
    pub limit: usize,
}

/// One hit, best first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchHit {
    /// The item.
    pub id: ItemId,
    /// Its relevance (only comparable within one search).
    pub score: f32,
}

/// A value of a facet and how many matching items have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetCount {
    /// The value (a genre name, a year, a rating, a tag, an item kind name).
    pub value: String,
    /// Matching items with the value.
    pub count: u64,
}

/// Facets of a set of items, each by descending count then value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets {
    /// Genres.
    pub genres: Vec<FacetCount>,
    /// Production years.
    pub years: Vec<FacetCount>,
    /// Official ratings.
    pub official_ratings: Vec<FacetCount>,
    /// Tags.
    pub tags: Vec<FacetCount>,
    /// Item kinds (`Movie`, `Episode`...).
    pub kinds: Vec<FacetCount>,
}

/// What [`SearchBackend::sync`] changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncSummary {
    /// Documents added or replaced.
    pub indexed: usize,
    /// Documents deleted.
    pub deleted: usize,
}

/// A search index over the items of a store.
pub trait SearchBackend: Send + Sync + std::fmt::Debug {
    /// The best hits for `query`, best first. An empty or blank term gives no hits.
    fn search(&self, query: &SearchQuery) -> SearchResult<Vec<SearchHit>>;

    /// Facet counts of the items matching `query` (its term may be empty: every visible item of
    /// the kinds and libraries asked for; `limit` is ignored).
    fn facets(&self, query: &SearchQuery) -> SearchResult<Facets>;

    /// Brings the index in step with the store: indexes items that are new or changed since
    /// they were indexed, deletes documents of items gone. One commit.
    fn sync(&self, store: &Store) -> SearchResult<SyncSummary>;

    /// [`SearchBackend::sync`] unless the index knows it is already in step with the store
    /// (what opening a library does, cheaply, on every start).
    fn sync_if_stale(&self, store: &Store) -> SearchResult<SyncSummary> {
        self.sync(store)
    }

    /// Makes the index again from the store.
    fn rebuild(&self, store: &Store) -> SearchResult<SyncSummary>;

    /// Number of documents in the index.
    fn len(&self) -> SearchResult<u64>;

    /// Whether the index has no document.
    fn is_empty(&self) -> SearchResult<bool> {
        Ok(self.len()? == 0)
    }
}

/// Opens the default backend's index in `dir` (creating it; one of an older schema is emptied
/// and [`SearchBackend::sync`] fills it again); `None` when the crate is built without the
/// `search` feature.
pub fn open_backend(dir: &Path) -> SearchResult<Option<Box<dyn SearchBackend>>> {
    #[cfg(feature = "search")]
    {
        Ok(Some(Box::new(tantivy_index::TantivyIndex::open(dir)?)))
    }
    #[cfg(not(feature = "search"))]
    {
        let _ = dir;
        Ok(None)
    }
}

/// How many edits a word of `chars` characters tolerates: none up to 3, one from 4, two from 8.
pub fn typo_distance(chars: usize) -> u8 {
    match chars {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Whether `c` belongs to a script written without spaces (CJK ideographs, kana, hangul).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // hiragana, katakana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xAC00..=0xD7AF    // hangul syllables
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0x20000..=0x2A6DF) // CJK extension B
}

/// `text` with every run of CJK characters replaced by its overlapping bigrams, separated by
/// spaces (`東京物語` → `東京 京物 物語`; a lone character stays), so that a tokenizer splitting
/// on spaces finds words in scripts written without them.
pub fn cjk_bigrams(text: &str) -> String {
    if !text.chars().any(is_cjk) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() * 2);
    let mut run: Vec<char> = Vec::new();
    let flush = |run: &mut Vec<char>, out: &mut String| {
        match run.len() {
            0 => {}
            1 => {
                out.push(' ');
                out.push(run[0]);
                out.push(' ');
            }
            _ => {
                for pair in run.windows(2) {
                    out.push(' ');
                    out.push(pair[0]);
                    out.push(pair[1]);
                }
                out.push(' ');
            }
        }
        run.clear();
    };
    for c in text.chars() {
        if is_cjk(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_distance_grows_with_length() {
        for (len, d) in [(1, 0), (3, 0), (4, 1), (5, 1), (7, 1), (8, 2), (20, 2)] {
            assert_eq!(typo_distance(len), d, "{len}");
        }
    }

    #[test]
    fn cjk_runs_become_bigrams() {
        for (input, want) in [
            ("The Matrix", "The Matrix"),
            ("東京物語", " 東京 京物 物語 "),
            ("千と千尋", " 千と と千 千尋 "),
            ("Tokyo 東京 Story", "Tokyo  東京  Story"),
            ("기생충", " 기생 생충 "),
        ] {
            assert_eq!(cjk_bigrams(input), want, "{input}");
        }
    }
}
