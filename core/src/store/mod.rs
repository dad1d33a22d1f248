//! The store: one SQLite file in the data directory holding libraries, items and everything
//! linked to them.
//!
//! Done the way application-services does it: WAL journal, one writer connection behind a
//! mutex, an r2d2 pool of read-only connections, writes as functions of a `&Transaction`,
//! numbered migrations under `PRAGMA user_version` (an older file is upgraded on open, a newer
//! one refused), foreign keys on, every foreign key indexed, `busy_timeout` set.

mod model;
mod query;
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
    get_item, query_items, IdFilter, ItemQuery, QueryResult, SortBy, SortOrder,
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
    /// Bumped after every committed write: cached derived values older than it are stale.
    generation: std::sync::atomic::AtomicU64,
    /// Total counts of recent queries (a page's `TotalRecordCount`), valid for one generation.
    counts: Mutex<std::collections::HashMap<String, (u64, i64)>>,
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
    conn.pragma_update(None, "cache_size", -16_000)?;
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
        migrate(&mut writer, path)?;
        let manager = SqliteConnectionManager::file(path)
            .with_flags(OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .with_init(|c| {
                c.busy_timeout(BUSY_TIMEOUT)?;
                // Page queries prepare one statement per linked table and page size.
                c.set_prepared_statement_cache_capacity(128);
                c.pragma_update(None, "cache_size", -8_000)
            });
        let readers = r2d2::Pool::builder()
            .max_size(8)
            .min_idle(Some(0))
            .build(manager)?;
        Ok(Self {
            path: path.to_owned(),
            writer: Mutex::new(writer),
            readers,
            generation: std::sync::atomic::AtomicU64::new(0),
            counts: Mutex::new(std::collections::HashMap::new()),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in one write transaction, committed when `f` returns `Ok`, rolled back otherwise.
    pub fn write<T, E>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut conn = self.writer.lock().map_err(|_| StoreError::Poisoned)?;
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let value = f(&tx)?;
        tx.commit().map_err(StoreError::from)?;
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(value)
    }

    /// Runs `f` on a pooled read-only connection (it sees the last committed state).
    pub fn read<T, E>(&self, f: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let conn = self.readers.get().map_err(StoreError::from)?;
        f(&conn)
    }

    /// A count computed by `compute`, cached under `key` until the next write.
    pub(crate) fn cached_count(
        &self,
        key: String,
        compute: impl FnOnce() -> StoreResult<i64>,
    ) -> StoreResult<i64> {
        let generation = self.generation.load(std::sync::atomic::Ordering::SeqCst);
        if let Ok(cache) = self.counts.lock() {
            if let Some((g, n)) = cache.get(&key) {
                if *g == generation {
                    return Ok(*n);
                }
            }
        }
        let n = compute()?;
        if let Ok(mut cache) = self.counts.lock() {
            if cache.len() >= 512 {
                cache.retain(|_, (g, _)| *g == generation);
                if cache.len() >= 512 {
                    cache.clear();
                }
            }
            cache.insert(key, (generation, n));
        }
        Ok(n)
    }

    /// Runs an item query; its total count is cached until the next write (paging through a
    /// library asks the same count for every page).
    pub fn query_items(&self, q: &ItemQuery) -> StoreResult<QueryResult<ItemRecord>> {
        self.read(|c| {
            query::query_items_counted(c, q, &|key, compute| self.cached_count(key, compute))
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
        let add = |n: usize| {
            store
                .write(|tx| {
                    let mut r =
                        ItemRecord::new(ItemKind::Movie, &format!("/m/{n}.mkv"), format!("M{n}"));
                    r.library_id = Some(lib);
                    r.parent_id = Some(lib);
                    upsert_item(tx, &r)
                })
                .unwrap()
        };
        assert_eq!(store.query_items(&q).unwrap().total_record_count, 0);
        add(1);
        assert_eq!(store.query_items(&q).unwrap().total_record_count, 1);
        assert_eq!(store.query_items(&q).unwrap().total_record_count, 1);
        add(2);
        add(3);
        assert_eq!(store.query_items(&q).unwrap().total_record_count, 3);
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
