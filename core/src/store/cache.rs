//! Values derived from the store's content and kept between queries: total counts and ordered
//! listings (the row ids of a query in its sort order), each valid for one content generation.
//!
//! The content generation moves after every committed [`Store::write`](super::Store::write).
//! Writes of per-user state that item queries never read (user data, tokens:
//! [`Store::write_user_state`](super::Store::write_user_state)) leave it alone, so a playback
//! progress report does not throw away the listings of a library. Commits by other connections
//! to the same file (the `scan` command while a server runs, a second handle) are noticed through
//! the writer connection's `PRAGMA data_version` and move the generation too.
//! A value is computed against the generation read *before* the computation and stored under
//! it; the writer moves the generation only *after* its commit. A value computed from data older
//! than a commit is therefore filed under an older generation and never served after it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::{ItemId, StoreResult};

/// One row of a listing: (row id, item id).
pub(crate) type Listed = (i64, ItemId);

/// At most this many cached counts.
const MAX_COUNTS: usize = 512;
/// At most this many rows over all cached listings (24 bytes each: 24 MiB).
const MAX_LISTED_ROWS: usize = 1 << 20;
/// Listings of queries with longer keys (long id lists in the filter) are not kept.
pub(crate) const MAX_KEY_LEN: usize = 4096;

/// The derived-value caches of one store.
#[derive(Debug, Default)]
pub(crate) struct QueryCache {
    generation: AtomicU64,
    /// The writer connection's `PRAGMA data_version` last seen, plus one (0: not seen yet).
    data_version: AtomicU64,
    counts: Mutex<HashMap<String, (u64, i64)>>,
    listings: Mutex<Listings>,
}

#[derive(Debug, Default)]
struct Listings {
    rows: usize,
    entries: HashMap<String, (u64, Arc<[Listed]>)>,
}

impl QueryCache {
    /// The current content generation.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Notes the writer connection's `PRAGMA data_version`: it changes only when *another*
    /// connection (another process, or another handle on the same file) committed, and then
    /// anything may have changed.
    pub(crate) fn observe_data_version(&self, version: i64) {
        let seen = (version as u64).wrapping_add(1);
        let before = self.data_version.swap(seen, Ordering::SeqCst);
        if before != 0 && before != seen {
            self.content_changed();
        }
    }

    /// Called after the commit of a write that may have changed content.
    pub(crate) fn content_changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// A count under `key`, computed by `compute` unless known for this generation.
    pub(crate) fn count(
        &self,
        key: String,
        compute: &dyn Fn() -> StoreResult<i64>,
    ) -> StoreResult<i64> {
        let generation = self.generation();
        if let Ok(cache) = self.counts.lock() {
            if let Some((g, n)) = cache.get(&key) {
                if *g == generation {
                    return Ok(*n);
                }
            }
        }
        let n = compute()?;
        if let Ok(mut cache) = self.counts.lock() {
            if cache.len() >= MAX_COUNTS {
                cache.retain(|_, (g, _)| *g == generation);
                if cache.len() >= MAX_COUNTS {
                    cache.clear();
                }
            }
            cache.insert(key, (generation, n));
        }
        Ok(n)
    }

    /// The listing under `key` if one is known for this generation.
    pub(crate) fn listing(&self, key: &str) -> Option<Arc<[Listed]>> {
        let generation = self.generation();
        let cache = self.listings.lock().ok()?;
        match cache.entries.get(key) {
            Some((g, rows)) if *g == generation => Some(rows.clone()),
            _ => None,
        }
    }

    /// Computes the listing under `key` with `compute` and keeps it for this generation.
    pub(crate) fn compute_listing(
        &self,
        key: String,
        compute: &dyn Fn() -> StoreResult<Vec<Listed>>,
    ) -> StoreResult<Arc<[Listed]>> {
        let generation = self.generation();
        let rows: Arc<[Listed]> = compute()?.into();
        if rows.len() > MAX_LISTED_ROWS / 4 {
            return Ok(rows);
        }
        if let Ok(mut cache) = self.listings.lock() {
            if cache.rows + rows.len() > MAX_LISTED_ROWS {
                cache.entries.retain(|_, (g, _)| *g == generation);
                cache.rows = cache.entries.values().map(|(_, r)| r.len()).sum();
                if cache.rows + rows.len() > MAX_LISTED_ROWS {
                    cache.entries.clear();
                    cache.rows = 0;
                }
            }
            cache.rows += rows.len();
            if let Some((_, old)) = cache.entries.insert(key, (generation, rows.clone())) {
                cache.rows -= old.len();
            }
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listings_are_kept_for_one_generation() {
        let cache = QueryCache::default();
        let calls = std::cell::Cell::new(0);
        let compute = || {
            calls.set(calls.get() + 1);
            Ok(vec![(3, ItemId([3; 16])), (1, ItemId([1; 16]))])
        };
        assert!(cache.listing("q").is_none());
        let rows = cache.compute_listing("q".into(), &compute).unwrap();
        assert_eq!(rows[0], (3, ItemId([3; 16])));
        assert_eq!(cache.listing("q").as_deref(), Some(&rows[..]));
        cache.content_changed();
        assert!(cache.listing("q").is_none(), "stale after a content write");
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn another_connections_commit_moves_the_generation() {
        let cache = QueryCache::default();
        cache.observe_data_version(5);
        cache.observe_data_version(5);
        assert_eq!(cache.generation(), 0);
        cache.observe_data_version(6);
        assert_eq!(cache.generation(), 1);
    }

    #[test]
    fn listings_stay_within_their_bound() {
        let cache = QueryCache::default();
        let big = MAX_LISTED_ROWS / 4;
        for i in 0..6 {
            cache
                .compute_listing(format!("q{i}"), &|| Ok(vec![(0, ItemId([0; 16])); big]))
                .unwrap();
            let rows = cache.listings.lock().unwrap().rows;
            assert!(rows <= MAX_LISTED_ROWS, "{rows} rows after {i}");
        }
        // Too large to keep: computed, not kept.
        cache
            .compute_listing("huge".into(), &|| Ok(vec![(0, ItemId([0; 16])); big + 1]))
            .unwrap();
        assert!(cache.listing("huge").is_none());
    }
}
