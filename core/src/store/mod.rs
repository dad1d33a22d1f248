//! The store: one SQLite file in the data directory holding libraries, items and everything
//! linked to them.
//!
//! Done the way application-services does it: WAL journal, one writer connection behind a
//! mutex, an r2d2 pool of read-only connections, writes as functions of a `&Transaction`,
//! numbered migrations under `PRAGMA user_version` (an older file is upgraded on open, a newer
//! one refused), foreign keys on, every foreign key indexed, `busy_timeout` set.

mod cache;
mod model;
mod query;
pub mod rating_scores;
mod schema;
mod write;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags, Transaction};

pub use model::*;
pub use query::{
    alternate_versions_of, alternate_versions_of_many, child_counts, extra_counts, extras_of,
    get_item, get_items, query_items, IdFilter, ItemQuery, QueryResult, SortBy, SortOrder,
};
pub use write::*;

/// The file name of the database inside the data directory.
pub const DATABASE_FILE: &str = "library.db";

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The reader pool could not hand out a connection.
    #[error("database pool error: {0}")]
    Pool(#[from] r2d2::Error),
    /// The database was written by a newer version of this software.
    #[error("{path} has schema version {found}, newer than the {supported} this build knows; refusing to open it")]
    NewerSchema {
        /// The database file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest version this build supports.
        supported: i64,
    },
    /// The writer lock was poisoned by a panic in another thread.
    #[error("the database writer lock is poisoned")]
    Poisoned,
    /// A value read from the database is not what the schema promises.
    #[error("corrupt value in column {column}")]
    Corrupt {
        /// The column.
        column: &'static str,
    },
}

/// A `Result` with [`StoreError`].
pub type StoreResult<T> = Result<T, StoreError>;

/// The database handle: one writer, a pool of readers. Cheap to share behind an `Arc`.
pub struct Store {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: r2d2::Pool<SqliteConnectionManager>,
    /// Counts and ordered listings of recent queries, valid for one content generation.
    cache: cache::QueryCache,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "cache_size", -8_000)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

impl Store {
    /// Opens (creating if needed) the database in `data_dir`, applying pending migrations.
    pub fn open_in(data_dir: &Path) -> StoreResult<Self> {
        Self::open(&data_dir.join(DATABASE_FILE))
    }

    /// Opens (creating if needed) the database file at `path`, applying pending migrations.
    pub fn open(path: &Path) -> StoreResult<Self> {
        let mut writer = Connection::open(path)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        configure(&writer)?;
        // Before migrating: the rating-score migration scores existing items with them.
        rating_scores::register_functions(&writer)?;
        migrate(&mut writer, path)?;
        let manager = SqliteConnectionManager::file(path)
            .with_flags(OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .with_init(|c| {
                c.busy_timeout(BUSY_TIMEOUT)?;
                // Page queries prepare one statement per linked table and page size.
                c.set_prepared_statement_cache_capacity(128);
                c.pragma_update(None, "cache_size", -2_000)
            });
        let readers = r2d2::Pool::builder()
            .max_size(8)
            .min_idle(Some(0))
            .build(manager)?;
        Ok(Self {
            path: path.to_owned(),
            writer: Mutex::new(writer),
            readers,
            cache: cache::QueryCache::default(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in one write transaction, committed when `f` returns `Ok`, rolled back otherwise.
    /// Cached counts and listings are stale after it.
    pub fn write<T, E>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let value = self.transaction(f)?;
        self.cache.content_changed();
        Ok(value)
    }

    /// [`Store::write`] for per-user state that item queries never read (user data, tokens and
    /// sessions): cached counts and listings stay valid. Item queries that filter on user data
    /// (played, favorites) carry those item ids in their keys, so they are not affected either.
    pub fn write_user_state<T, E>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        self.transaction(f)
    }

    fn transaction<T, E>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut conn = self.writer.lock().map_err(|_| StoreError::Poisoned)?;
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let value = f(&tx)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(value)
    }

    /// The content generation: it moves after every [`Store::write`]; values derived from the
    /// store's content under one generation are stale under the next.
    /// Commits by other connections to the file (another process) move it too; they are seen
    /// here, when the writer is not busy.
    pub fn content_generation(&self) -> u64 {
        if let Ok(conn) = self.writer.try_lock() {
            if let Ok(version) = conn
                .prepare_cached("PRAGMA data_version")
                .and_then(|mut s| s.query_row([], |r| r.get::<_, i64>(0)))
            {
                self.cache.observe_data_version(version);
            }
        }
        self.cache.generation()
    }

    /// Runs `f` on a pooled read-only connection (it sees the last committed state).
    pub fn read<T, E>(&self, f: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let conn = self.readers.get().map_err(StoreError::from)?;
        f(&conn)
    }

    /// Runs an item query; its total count is cached until the next write (paging through a
    /// library asks the same count for every page).
    pub fn query_items(&self, q: &ItemQuery) -> StoreResult<QueryResult<ItemRecord>> {
        self.read(|c| {
            self.content_generation();
            query::query_items_cached(c, q, Some(&self.cache))
        })
    }

    /// The ids of a page of an item query, and its total count: [`Store::query_items`] without
    /// reading the items (for callers that keep what they build from items by id).
    pub fn query_item_ids(&self, q: &ItemQuery) -> StoreResult<QueryResult<ItemId>> {
        self.read(|c| {
            self.content_generation();
            query::query_item_ids_cached(c, q, Some(&self.cache))
        })
    }

    /// Runs SQLite's `PRAGMA integrity_check`; `Ok(())` when it says `ok`, else its report.
    pub fn integrity_check(&self) -> StoreResult<Result<(), String>> {
        self.read(|c| {
            let report: Vec<String> = c
                .prepare("PRAGMA integrity_check")?
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<_, _>>()?;
            Ok(if report == ["ok"] {
                Ok(())
            } else {
                Err(report.join("\n"))
            })
        })
    }

    /// Compacts the database (`VACUUM`) and truncates the write-ahead log, on the writer
    /// connection (outside any transaction). Content is unchanged.
    pub fn vacuum(&self) -> StoreResult<()> {
        let conn = self.writer.lock().map_err(|_| StoreError::Poisoned)?;
        conn.execute_batch("VACUUM;")?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }
}

/// The schema version this build writes.
pub fn schema_version() -> i64 {
    schema::MIGRATIONS.len() as i64
}

fn migrate(conn: &mut Connection, path: &Path) -> StoreResult<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let supported = schema_version();
    if current > supported {
        return Err(StoreError::NewerSchema {
            path: path.to_owned(),
            found: current,
            supported,
        });
    }
    for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_migrates_and_refuses_newer() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let version: i64 = store
            .read(|c| {
                c.pragma_query_value(None, "user_version", |r| r.get(0))
                    .map_err(StoreError::from)
            })
            .unwrap();
        assert_eq!(version, schema_version());
        let mode: String = store
            .read(|c| {
                c.pragma_query_value(None, "journal_mode", |r| r.get(0))
                    .map_err(StoreError::from)
            })
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(store.integrity_check().unwrap(), Ok(()));
        drop(store);
        // Reopening applies nothing and keeps the version.
        drop(Store::open_in(dir.path()).unwrap());
        let conn = Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
        conn.pragma_update(None, "user_version", schema_version() + 1)
            .unwrap();
        drop(conn);
        let err = Store::open_in(dir.path()).unwrap_err();
        assert!(matches!(err, StoreError::NewerSchema { .. }), "{err}");
    }

    /// Writes a movie `M{n}` at `/m/{n}.mkv` into the library `lib`.
    fn add_movie(store: &Store, lib: ItemId, n: usize) {
        store
            .write(|tx| {
                let mut r =
                    ItemRecord::new(ItemKind::Movie, &format!("/m/{n}.mkv"), format!("M{n}"));
                r.library_id = Some(lib);
                r.parent_id = Some(lib);
                upsert_item(tx, &r)
            })
            .unwrap();
    }

    #[test]
    fn cached_counts_follow_writes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let lib = store
            .write(|tx| put_library(tx, "Movies", LibraryKind::Movies, &["/m".into()]))
            .unwrap();
        let q = ItemQuery {
            include_kinds: vec![ItemKind::Movie],
            limit: Some(0),
            ..ItemQuery::default()
        };
        let add = |n: usize| add_movie(&store, lib, n);
        assert_eq!(store.query_items(&q).unwrap().total_record_count, 0);
        add(1);
        assert_eq!(store.query_items(&q).unwrap().total_record_count, 1);
        assert_eq!(store.query_items(&q).unwrap().total_record_count, 1);
        add(2);
        add(3);
        assert_eq!(store.query_items(&q).unwrap().total_record_count, 3);
    }

    /// A write through another handle on the same file (another process) is seen by the
    /// cached counts and listings of this one.
    #[test]
    fn another_handles_writes_invalidate_cached_pages() {
        let dir = tempfile::tempdir().unwrap();
        let a = Store::open_in(dir.path()).unwrap();
        let b = Store::open_in(dir.path()).unwrap();
        let lib = a
            .write(|tx| put_library(tx, "Movies", LibraryKind::Movies, &["/m".into()]))
            .unwrap();
        let add = |store: &Store, n: usize| add_movie(store, lib, n);
        for n in 0..4 {
            add(&a, n);
        }
        let q = ItemQuery {
            include_kinds: vec![ItemKind::Movie],
            start_index: 2,
            limit: Some(2),
            ..ItemQuery::default()
        };
        assert_eq!(a.query_item_ids(&q).unwrap().total_record_count, 4);
        let before = a.content_generation();
        add(&b, 10);
        assert!(a.content_generation() > before);
        let page = a.query_item_ids(&q).unwrap();
        assert_eq!(page.total_record_count, 5);
        let direct = a.read(|c| query_items(c, &q)).unwrap();
        let direct: Vec<ItemId> = direct.items.iter().filter_map(|i| i.id).collect();
        assert_eq!(page.items, direct);
    }

    /// Later pages come from a cached listing: they must equal the uncached query's pages, and
    /// follow content writes but not user-state writes.
    #[test]
    fn listed_pages_equal_direct_pages() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let lib = store
            .write(|tx| put_library(tx, "Movies", LibraryKind::Movies, &["/m".into()]))
            .unwrap();
        let add = |n: usize, year: i32| {
            store
                .write(|tx| {
                    let mut r = ItemRecord::new(
                        ItemKind::Movie,
                        &format!("/m/{n}.mkv"),
                        format!("M{}", n % 7),
                    );
                    r.library_id = Some(lib);
                    r.parent_id = Some(lib);
                    r.production_year = (year > 0).then_some(year);
                    upsert_item(tx, &r)
                })
                .unwrap()
        };
        for n in 0..23 {
            add(n, [0, 1999, 2005][n % 3]);
        }
        let pages = |sort: Vec<(SortBy, SortOrder)>| -> Vec<(Vec<ItemId>, usize, Vec<ItemId>)> {
            (0..6)
                .map(|p| {
                    let q = ItemQuery {
                        include_kinds: vec![ItemKind::Movie],
                        sort: sort.clone(),
                        start_index: p * 5,
                        limit: Some(5),
                        ..ItemQuery::default()
                    };
                    let cached = store.query_items(&q).unwrap();
                    let direct = store.read(|c| query_items(c, &q)).unwrap();
                    assert_eq!(cached.total_record_count, direct.total_record_count);
                    let ids = |r: &QueryResult<ItemRecord>| -> Vec<ItemId> {
                        r.items.iter().filter_map(|i| i.id).collect()
                    };
                    let only_ids = store.query_item_ids(&q).unwrap();
                    assert_eq!(only_ids.items, ids(&cached), "ids of page {p}");
                    assert_eq!(only_ids.total_record_count, cached.total_record_count);
                    (ids(&cached), cached.total_record_count, ids(&direct))
                })
                .collect()
        };
        for sort in [
            vec![],
            vec![(SortBy::ProductionYear, SortOrder::Descending)],
            vec![
                (SortBy::SortName, SortOrder::Descending),
                (SortBy::ProductionYear, SortOrder::Ascending),
            ],
        ] {
            for (cached, total, direct) in pages(sort.clone()) {
                assert_eq!(cached, direct, "{sort:?}");
                assert_eq!(total, 23);
            }
        }
        let before = store.content_generation();
        store
            .write_user_state(|tx| tx.execute_batch("SELECT 1").map_err(StoreError::from))
            .unwrap();
        assert_eq!(
            store.content_generation(),
            before,
            "user state is not content"
        );
        add(100, 2001);
        assert!(store.content_generation() > before);
        for (cached, total, direct) in pages(vec![]) {
            assert_eq!(cached, direct);
            assert_eq!(total, 24, "the listing follows the write");
        }
        // The last page is short, a page past the end is empty.
        for start in [20, 40] {
            let q = ItemQuery {
                start_index: start,
                limit: Some(5),
                ..ItemQuery::default()
            };
            let direct = store.read(|c| query_items(c, &q)).unwrap();
            assert_eq!(
                store.query_items(&q).unwrap().items.len(),
                direct.items.len()
            );
        }
        let q = ItemQuery {
            start_index: 40,
            limit: Some(5),
            ..ItemQuery::default()
        };
        assert!(store.query_items(&q).unwrap().items.is_empty());
    }

    #[test]
    fn every_foreign_key_is_indexed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        store
            .read(|c| {
                let tables: Vec<String> = c
                    .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?
                    .query_map([], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                for t in tables {
                    let fks: Vec<String> = c
                        .prepare(&format!("SELECT \"from\" FROM pragma_foreign_key_list('{t}')"))?
                        .query_map([], |r| r.get(0))?
                        .collect::<Result<_, _>>()?;
                    for col in fks {
                        // An index (or the primary key) must start with the column.
                        let indexed: bool = c.query_row(
                            &format!(
                                "SELECT EXISTS (SELECT 1 FROM pragma_index_list('{t}') il \
                                 JOIN pragma_index_info(il.name) ii WHERE ii.seqno = 0 AND ii.name = ?1)"
                            ),
                            [&col],
                            |r| r.get(0),
                        )?;
                        assert!(indexed, "{t}.{col} is a foreign key without an index");
                    }
                }
                Ok::<_, StoreError>(())
            })
            .unwrap();
    }
}
