//! Serialized `BaseItemDto`s without the requesting user's data, kept between requests.
//!
//! Most of the cost of a page of items is building each item's DTO (its row, linked tables,
//! ancestors, versions, extras) and serializing it; none of that depends on who asks, except
//! `UserData`. A fragment is the JSON object of one item's DTO with every part but `UserData`;
//! pages are assembled from fragments with the user's data spliced in per request.
//!
//! A fragment is filed under the store's content generation read *before* it was built (see
//! `jellyfin_core::store::Store::content_generation`), the requested fields and the caller's
//! download permission (`CanDownload`). After a content write the generation moves and old
//! fragments are never looked up again; they age out of the size-bounded cache.

use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use jellyfin_core::store::ItemId;
use quick_cache::sync::Cache;
use quick_cache::Weighter;

/// What a fragment is filed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FragmentKey {
    /// The item.
    pub item: ItemId,
    /// The requested fields ([`super::item::FieldSet::bits`]).
    pub fields: u64,
    /// Whether the caller may download (`CanDownload`).
    pub can_download: bool,
    /// The store's content generation the fragment was built from.
    pub generation: u64,
}

/// One item's DTO without `UserData`, and what is needed to add the user's data to it.
#[derive(Debug, Clone)]
pub struct Fragment {
    /// The JSON object, `{...}`.
    pub json: Bytes,
    /// The item is a folder (its user data carries played counts of its children).
    pub is_folder: bool,
    /// The item's runtime (gives `PlayedPercentage`).
    pub run_time_ticks: Option<i64>,
}

impl Fragment {
    /// Appends the fragment to `out` with `"UserData":` and what `user_data` writes (a JSON
    /// object) added; without `user_data`, the fragment as it is.
    pub fn write_with<E>(
        &self,
        out: &mut Vec<u8>,
        user_data: Option<impl FnOnce(&mut Vec<u8>) -> Result<(), E>>,
    ) -> Result<(), E> {
        match (user_data, self.json.split_last()) {
            (Some(write), Some((b'}', head))) if head.len() > 1 => {
                out.extend_from_slice(head);
                out.extend_from_slice(b",\"UserData\":");
                write(out)?;
                out.push(b'}');
            }
            _ => out.extend_from_slice(&self.json),
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy)]
struct ByLength;

impl Weighter<FragmentKey, Fragment> for ByLength {
    fn weight(&self, _key: &FragmentKey, value: &Fragment) -> u64 {
        value.json.len() as u64 + 64
    }
}

/// The fragment cache, bounded in bytes.
#[derive(Debug)]
pub struct Fragments {
    cache: Cache<FragmentKey, Fragment, ByLength>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Fragments {
    /// A cache of at most `bytes` bytes of fragments.
    pub fn new(bytes: u64) -> Self {
        // Estimate the item count from a typical fragment of about 1 KB.
        let items = (bytes / 1024).max(16) as usize;
        Self {
            cache: Cache::with_weighter(items, bytes, ByLength),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The fragment under `key`, if cached.
    pub fn get(&self, key: &FragmentKey) -> Option<Fragment> {
        let found = self.cache.get(key);
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Keeps `fragment` under `key`.
    pub fn insert(&self, key: FragmentKey, fragment: Fragment) {
        self.cache.insert(key, fragment);
    }

    /// (hits, misses) so far.
    pub fn stats(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fragment(json: &str) -> Fragment {
        Fragment {
            json: Bytes::from(json.to_owned()),
            is_folder: false,
            run_time_ticks: None,
        }
    }

    #[test]
    fn user_data_is_spliced_into_the_object() {
        let data = |out: &mut Vec<u8>| {
            out.extend_from_slice(br#"{"Played":true}"#);
            Ok::<_, ()>(())
        };
        let mut out = Vec::new();
        fragment(r#"{"Id":"a","Type":"Movie"}"#)
            .write_with(&mut out, Some(data))
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["Id"], "a");
        assert_eq!(v["UserData"]["Played"], true);
        let mut out = Vec::new();
        fragment(r#"{"Id":"a"}"#)
            .write_with(&mut out, None::<fn(&mut Vec<u8>) -> Result<(), ()>>)
            .unwrap();
        assert_eq!(out, br#"{"Id":"a"}"#);
    }

    #[test]
    fn keys_differ_by_generation_and_fields() {
        let cache = Fragments::new(1 << 20);
        let key = FragmentKey {
            item: ItemId([1; 16]),
            fields: 3,
            can_download: false,
            generation: 7,
        };
        cache.insert(key, fragment(r#"{"Id":"a"}"#));
        assert!(cache.get(&key).is_some());
        assert_eq!(cache.stats(), (1, 0));
        assert!(cache
            .get(&FragmentKey {
                generation: 8,
                ..key
            })
            .is_none());
        assert!(cache.get(&FragmentKey { fields: 1, ..key }).is_none());
        assert!(cache
            .get(&FragmentKey {
                can_download: true,
                ..key
            })
            .is_none());
    }
}
