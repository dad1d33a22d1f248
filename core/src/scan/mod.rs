//! Scanning: library folders on disk become items in the store.
//!
//! A scan walks each library folder ([`walk`]), splits it into units (each folder directly in
//! the library folder, plus the library folder's own files), and skips every unit whose subtree
//! hash (names, sizes, modification times) is unchanged since the last scan. Changed units are
//! resolved into item records with the naming rules ([`resolve`]); media files whose size or
//! modification time changed are probed in parallel, unchanged ones keep their stored facts;
//! NFO and image facts are applied ([`enrich`]). Each unit is written in its own transaction
//! together with its new hash, so an interrupted scan leaves a consistent database and the next
//! scan completes the rest. An item whose record did not change is not written, so a second
//! scan with no change writes nothing. Items whose files are gone are removed (with their
//! streams, images and links); a file moved or renamed keeps its item id when its size and
//! modification time match the vanished one's.

pub mod enrich;
pub mod resolve;
pub mod walk;
pub mod watch;

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::naming::NamingOptions;
use crate::probe::Prober;
use crate::store::{
    self, ItemId, ItemKind, ItemRecord, LibraryRecord, Store, StoreError, StoredItemState,
};

use enrich::MediaFacts;
use resolve::{Planned, ResolveCtx};
use walk::{DirNode, WalkIssue};

/// A callback receiving scan progress events.
pub type ProgressFn = Arc<dyn Fn(&ScanEvent) + Send + Sync>;

/// Cancels a running scan from another thread; the scan stops after the unit it is writing.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Requests cancellation.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether cancellation was requested.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Options of one scan.
#[derive(Clone, Default)]
pub struct ScanOptions {
    /// Receives progress events.
    pub progress: Option<ProgressFn>,
    /// Cancels the scan.
    pub cancel: CancelToken,
    /// Probe threads (0: one per core).
    pub threads: usize,
    /// Only rescan the units containing these paths (a watcher's partial rescan). Empty: all.
    pub only_paths: Vec<String>,
}

impl std::fmt::Debug for ScanOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanOptions")
            .field("threads", &self.threads)
            .field("only_paths", &self.only_paths)
            .finish_non_exhaustive()
    }
}

/// Progress of a scan.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ScanEvent {
    /// The library folders were walked.
    Walked {
        /// Files found.
        files: usize,
        /// Units in the library.
        units: usize,
        /// Units that changed since the last scan.
        changed_units: usize,
    },
    /// Items were found in changed units (cumulative).
    Found {
        /// Items found so far.
        items: usize,
    },
    /// A media file was probed (or its stored facts reused).
    Probed {
        /// The file.
        path: String,
        /// Files done.
        done: usize,
        /// Files to probe in all.
        total: usize,
    },
    /// A unit was written.
    UnitDone {
        /// Units done.
        done: usize,
        /// Changed units in all.
        total: usize,
    },
}

/// The outcome of a scan.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScanSummary {
    /// The library.
    pub library: String,
    /// Items of the library per kind after the scan.
    pub items_by_kind: BTreeMap<String, usize>,
    /// Items created.
    pub added: usize,
    /// Items rewritten because something changed.
    pub updated: usize,
    /// Items removed.
    pub removed: usize,
    /// Units skipped because nothing in them changed.
    pub unchanged_units: usize,
    /// Units resolved and written.
    pub changed_units: usize,
    /// Media files probed.
    pub probed: usize,
    /// Items whose probe failed (the error is recorded on the item).
    pub probe_errors: usize,
    /// Paths the walk could not read (recorded as scan errors).
    pub walk_issues: usize,
    /// Library folders that could not be scanned (their items are kept).
    pub folder_errors: Vec<String>,
    /// Whether the scan was cancelled before finishing.
    pub cancelled: bool,
    /// Wall time.
    pub elapsed: Duration,
    /// Ids of the items created (at most [`CHANGED_IDS_CAP`]; `added` counts them all).
    pub added_ids: Vec<ItemId>,
    /// Ids of the items rewritten (at most [`CHANGED_IDS_CAP`]; `updated` counts them all).
    pub updated_ids: Vec<ItemId>,
    /// Ids of the items removed (at most [`CHANGED_IDS_CAP`]; `removed` counts them all).
    pub removed_ids: Vec<ItemId>,
}

/// The most item ids a [`ScanSummary`] lists per change (the counts are exact).
pub const CHANGED_IDS_CAP: usize = 1000;

impl ScanSummary {
    /// Whether the scan added, changed or removed any item.
    pub fn changed_items(&self) -> bool {
        self.added + self.updated + self.removed > 0
    }
}

fn push_capped(list: &mut Vec<ItemId>, ids: impl IntoIterator<Item = ItemId>) {
    for id in ids {
        if list.len() >= CHANGED_IDS_CAP {
            break;
        }
        list.push(id);
    }
}

/// What a [`crate::MediaLibrary`] tells its scan listeners about every scan it runs (scheduled,
/// requested or from a watcher).
#[derive(Debug)]
#[non_exhaustive]
pub enum ScanNotice<'a> {
    /// A scan of the library starts.
    Started {
        /// The library.
        library: &'a LibraryRecord,
    },
    /// A scan made progress.
    Progress {
        /// The library.
        library: &'a LibraryRecord,
        /// What happened.
        event: &'a ScanEvent,
    },
    /// A scan ended.
    Finished {
        /// The library.
        library: &'a LibraryRecord,
        /// Its summary, or the error that stopped it.
        outcome: Result<&'a ScanSummary, &'a ScanError>,
    },
}

/// A function told of every [`ScanNotice`].
pub type ScanListener = Arc<dyn Fn(&ScanNotice<'_>) + Send + Sync>;

/// Errors that stop a scan.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A scan of this library is already running.
    #[error("a scan of library {0:?} is already running")]
    AlreadyRunning(String),
    /// No library has this name.
    #[error("no library named {0:?}")]
    UnknownLibrary(String),
}

/// What a scan needs: the store, the rules and the prober.
pub struct Scanner<'a> {
    /// The store.
    pub store: &'a Store,
    /// Naming rules.
    pub naming: &'a NamingOptions,
    /// The media prober (`None`: files are recorded without stream facts).
    pub prober: Option<&'a dyn Prober>,
}

/// The items a unit's write created, rewrote and removed.
struct UnitChanges {
    added: Vec<ItemId>,
    updated: Vec<ItemId>,
    removed: Vec<ItemId>,
}

/// The result of probing one file: facts (possibly partial, with a warning) or an error.
type ProbeOutcome = Result<(MediaFacts, Option<String>), String>;

/// One scan unit: a folder directly inside a library folder, or the library folder's files.
struct Unit<'t> {
    key: String,
    hash: i64,
    root: &'t DirNode,
    dir: Option<&'t DirNode>,
}

const ROOT_FILES_SUFFIX: &str = "/.root-files";
const BATCH_UNITS: usize = 64;

fn fingerprint(rec: &ItemRecord) -> i64 {
    let mut r = rec.clone();
    r.fingerprint = 0;
    r.date_created = 0;
    let mut h = DefaultHasher::new();
    format!("{r:?}").hash(&mut h);
    h.finish() as i64
}

impl Scanner<'_> {
    /// Scans one library.
    pub fn scan(
        &self,
        library: &LibraryRecord,
        options: &ScanOptions,
    ) -> Result<ScanSummary, ScanError> {
        let started = Instant::now();
        let emit = |e: ScanEvent| {
            if let Some(p) = &options.progress {
                p(&e);
            }
        };
        let mut summary = ScanSummary {
            library: library.name.clone(),
            ..ScanSummary::default()
        };
        // Walk every folder; a folder that cannot be walked keeps its items.
        let mut trees: Vec<DirNode> = Vec::new();
        let mut issues: Vec<WalkIssue> = Vec::new();
        let mut missing_folders: Vec<String> = Vec::new();
        for folder in &library.folders {
            match walk::walk(Path::new(folder), &mut issues) {
                Ok(tree) => trees.push(tree),
                Err(e) => {
                    summary.folder_errors.push(format!("{folder}: {e}"));
                    missing_folders.push(folder.trim_end_matches('/').to_owned());
                }
            }
        }
        summary.walk_issues = issues.len();
        let mut units: Vec<Unit<'_>> = Vec::new();
        for tree in &trees {
            units.push(Unit {
                key: format!("{}{ROOT_FILES_SUFFIX}", tree.path),
                hash: tree.files_hash,
                root: tree,
                dir: None,
            });
            for d in &tree.dirs {
                units.push(Unit {
                    key: d.path.clone(),
                    hash: d.tree_hash,
                    root: tree,
                    dir: Some(d),
                });
            }
        }
        let stored: HashMap<String, i64> = self
            .store
            .read(|c| store::unit_hashes(c, library.id))?
            .into_iter()
            .collect();
        let in_scope = |key: &str| {
            options.only_paths.is_empty()
                || options.only_paths.iter().any(|p| {
                    let base = key.trim_end_matches(ROOT_FILES_SUFFIX);
                    p == base
                        || p.starts_with(&format!("{base}/"))
                        || base.starts_with(&format!("{p}/"))
                })
        };
        let changed: Vec<&Unit<'_>> = units
            .iter()
            .filter(|u| in_scope(&u.key) && stored.get(&u.key) != Some(&u.hash))
            .collect();
        let current: HashSet<&str> = units.iter().map(|u| u.key.as_str()).collect();
        let gone: Vec<String> = stored
            .keys()
            .filter(|k| !current.contains(k.as_str()))
            .filter(|k| {
                !missing_folders
                    .iter()
                    .any(|m| k.starts_with(&format!("{m}/")))
            })
            .filter(|k| in_scope(k))
            .cloned()
            .collect();
        summary.unchanged_units = units.len() - changed.len();
        summary.changed_units = changed.len();
        emit(ScanEvent::Walked {
            files: trees.iter().map(|t| t.all_files().len()).sum(),
            units: units.len(),
            changed_units: changed.len(),
        });

        // Items of vanished units can be the source of renames into changed units.
        let mut vanished: Vec<StoredItemState> = Vec::new();
        for key in &gone {
            vanished.extend(
                self.store
                    .read(|c| self.stored_in_unit(c, library.id, key))?,
            );
        }
        let mut claimed: HashSet<ItemId> = HashSet::new();
        let mut found = 0usize;
        let mut done_units = 0usize;
        for batch in changed.chunks(BATCH_UNITS) {
            if options.cancel.is_cancelled() {
                summary.cancelled = true;
                break;
            }
            // Resolve the batch.
            let mut plans: Vec<(&Unit<'_>, Vec<Planned>, Vec<StoredItemState>)> = Vec::new();
            for unit in batch {
                let ctx = ResolveCtx {
                    naming: self.naming,
                    library_id: library.id,
                    kind: library.kind,
                    root: unit.root,
                };
                let planned = match unit.dir {
                    Some(d) => ctx.resolve_unit_dir(d),
                    None => ctx.resolve_root_files(),
                };
                let stored_items = self
                    .store
                    .read(|c| self.stored_in_unit(c, library.id, &unit.key))?;
                found += planned.len();
                plans.push((unit, planned, stored_items));
            }
            emit(ScanEvent::Found { items: found });
            // Renames: a new item whose file matches a vanished item's file keeps that id.
            let mut pool: Vec<StoredItemState> = vanished.clone();
            for (_, planned, stored_items) in &plans {
                let planned_ids: HashSet<ItemId> =
                    planned.iter().filter_map(|p| p.rec.id).collect();
                pool.extend(
                    stored_items
                        .iter()
                        .filter(|s| !planned_ids.contains(&s.id))
                        .cloned(),
                );
            }
            for (_, planned, stored_items) in plans.iter_mut() {
                let known: HashSet<ItemId> = stored_items.iter().map(|s| s.id).collect();
                let mut remap: HashMap<ItemId, ItemId> = HashMap::new();
                for p in planned.iter() {
                    let (Some(id), Some(media)) = (p.rec.id, &p.media) else {
                        continue;
                    };
                    if known.contains(&id) {
                        continue;
                    }
                    if let Some(old) = pool.iter().find(|s| {
                        !claimed.contains(&s.id)
                            && s.file == Some((media.size as i64, media.mtime_ns))
                    }) {
                        claimed.insert(old.id);
                        remap.insert(id, old.id);
                    }
                }
                if !remap.is_empty() {
                    for p in planned.iter_mut() {
                        for field in [
                            &mut p.rec.id,
                            &mut p.rec.parent_id,
                            &mut p.rec.owner_id,
                            &mut p.rec.primary_version_id,
                            &mut p.rec.season_id,
                            &mut p.rec.series_id,
                        ] {
                            if let Some(new) = field.and_then(|f| remap.get(&f)) {
                                *field = Some(*new);
                            }
                        }
                    }
                }
            }
            // Probe what changed; reuse stored facts for unchanged files.
            self.fill_media(&mut plans, options, &mut summary, &emit)?;
            // Write each unit.
            for (unit, planned, stored_items) in plans {
                let issues_here: Vec<&WalkIssue> = issues
                    .iter()
                    .filter(|i| unit_contains(&unit.key, &i.path))
                    .collect();
                let UnitChanges {
                    added,
                    updated,
                    removed,
                } = self.write_unit(
                    library.id,
                    unit,
                    planned,
                    stored_items,
                    &claimed,
                    &issues_here,
                )?;
                summary.added += added.len();
                summary.updated += updated.len();
                summary.removed += removed.len();
                push_capped(&mut summary.added_ids, added);
                push_capped(&mut summary.updated_ids, updated);
                push_capped(&mut summary.removed_ids, removed);
                done_units += 1;
                emit(ScanEvent::UnitDone {
                    done: done_units,
                    total: changed.len(),
                });
                if options.cancel.is_cancelled() {
                    summary.cancelled = true;
                    break;
                }
            }
            if summary.cancelled {
                break;
            }
        }
        if !summary.cancelled {
            // Units that are gone: remove their items (those not moved elsewhere).
            let (removed, removed_ids) = self.store.write(|tx| {
                let mut n = 0;
                let mut all = Vec::new();
                for key in &gone {
                    let ids: Vec<ItemId> = self
                        .stored_in_unit(tx, library.id, key)?
                        .into_iter()
                        .map(|s| s.id)
                        .filter(|id| !claimed.contains(id))
                        .collect();
                    n += store::delete_items(tx, &ids)?;
                    all.extend(ids);
                    clear_unit_errors(tx, library.id, key)?;
                    store::delete_unit(tx, library.id, key)?;
                }
                if n > 0 || summary.removed > 0 {
                    store::delete_orphan_by_name_items(tx)?;
                }
                Ok::<_, StoreError>((n, all))
            })?;
            summary.removed += removed;
            push_capped(&mut summary.removed_ids, removed_ids);
        }
        summary.items_by_kind = self.store.read(|c| {
            let mut stmt = c.prepare(
                "SELECT kind, COUNT(*) FROM items WHERE library_id = ?1 AND id != ?1 GROUP BY kind",
            )?;
            let rows = stmt.query_map([&library.id.0[..]], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?;
            let mut m = BTreeMap::new();
            for row in rows {
                let (k, n) = row?;
                m.insert(k, n as usize);
            }
            Ok::<_, StoreError>(m)
        })?;
        summary.elapsed = started.elapsed();
        Ok(summary)
    }

    /// Stored items belonging to a unit: everything below its folder, or for the root-files
    /// unit, the items whose path sits directly in the library folder.
    fn stored_in_unit(
        &self,
        conn: &rusqlite::Connection,
        library: ItemId,
        key: &str,
    ) -> Result<Vec<StoredItemState>, StoreError> {
        if let Some(root) = key.strip_suffix(ROOT_FILES_SUFFIX) {
            let all = store::items_under(conn, library, root)?;
            Ok(all
                .into_iter()
                .filter(|s| {
                    s.path.as_deref().is_some_and(|p| {
                        p.len() > root.len() + 1 && !p[root.len() + 1..].contains('/')
                    })
                })
                .collect())
        } else {
            store::items_under(conn, library, key)
        }
    }

    fn fill_media(
        &self,
        plans: &mut [(&Unit<'_>, Vec<Planned>, Vec<StoredItemState>)],
        options: &ScanOptions,
        summary: &mut ScanSummary,
        emit: &(dyn Fn(ScanEvent) + Sync),
    ) -> Result<(), StoreError> {
        // Stored records of changed units, to reuse the facts of unchanged files and images.
        let mut jobs: Vec<(usize, usize)> = Vec::new();
        let mut image_jobs: Vec<(usize, usize, usize)> = Vec::new();
        for (u, (_, planned, stored_items)) in plans.iter_mut().enumerate() {
            let by_id: HashMap<ItemId, &StoredItemState> =
                stored_items.iter().map(|s| (s.id, s)).collect();
            for (i, p) in planned.iter_mut().enumerate() {
                let Some(id) = p.rec.id else { continue };
                let previous = match by_id.get(&id) {
                    Some(s) => {
                        p.rec.date_created = s.date_created;
                        self.store.read(|c| store::get_item(c, id))?
                    }
                    None => None,
                };
                if let Some(media) = &p.media {
                    let unchanged = previous.as_ref().is_some_and(|prev| {
                        prev.size == Some(media.size as i64)
                            && prev.file_mtime == Some(media.mtime_ns)
                    });
                    match previous.as_ref().filter(|_| unchanged) {
                        Some(prev) => reuse_media(&mut p.rec, prev),
                        None => jobs.push((u, i)),
                    }
                }
                for (k, img) in p.rec.images.iter_mut().enumerate() {
                    let old = previous.as_ref().and_then(|prev| {
                        prev.images.iter().find(|o| {
                            o.path == img.path
                                && o.date_modified == img.date_modified
                                && o.width.is_some()
                        })
                    });
                    match old {
                        Some(o) => {
                            img.width = o.width;
                            img.height = o.height;
                            img.blurhash = o.blurhash.clone();
                        }
                        None => image_jobs.push((u, i, k)),
                    }
                }
            }
        }
        let total = jobs.len();
        let done = AtomicUsize::new(0);
        let prober = self.prober;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(options.threads)
            .build()
            .ok();
        let run = || {
            let facts: Vec<Option<ProbeOutcome>> = jobs
                .par_iter()
                .map(|(u, i)| {
                    if options.cancel.is_cancelled() {
                        return None;
                    }
                    let p = &plans[*u].1[*i];
                    let media = p.media.as_ref()?;
                    let result = match prober {
                        Some(prober) => enrich::probe_facts(prober, Path::new(&media.path)),
                        None => Err("no media prober is configured".to_owned()),
                    };
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    emit(ScanEvent::Probed {
                        path: media.path.clone(),
                        done: n,
                        total,
                    });
                    Some(result)
                })
                .collect();
            let images: Vec<Option<crate::images::ImageInfo>> = image_jobs
                .par_iter()
                .map(|(u, i, k)| {
                    let path = &plans[*u].1[*i].rec.images[*k].path;
                    crate::images::image_info(Path::new(path)).ok()
                })
                .collect();
            (facts, images)
        };
        let (facts, images) = match &pool {
            Some(pool) => pool.install(run),
            None => run(),
        };
        for ((u, i), result) in jobs.iter().zip(facts) {
            let p = &mut plans[*u].1[*i];
            let Some(media) = p.media.clone() else {
                continue;
            };
            match result {
                Some(Ok((f, warning))) => {
                    summary.probed += 1;
                    enrich::apply_media(&mut p.rec, &f, media.size, media.mtime_ns);
                    if warning.is_some() {
                        summary.probe_errors += 1;
                        p.rec.probe_error = warning;
                    }
                }
                Some(Err(e)) => {
                    summary.probed += 1;
                    summary.probe_errors += 1;
                    enrich::apply_probe_error(&mut p.rec, &e, media.size, media.mtime_ns);
                }
                // Cancelled before probing: leave the unit unwritten.
                None => {}
            }
        }
        for ((u, i, k), info) in image_jobs.iter().zip(images) {
            if let Some(info) = info {
                let img = &mut plans[*u].1[*i].rec.images[*k];
                img.width = Some(info.width);
                img.height = Some(info.height);
                img.blurhash = info.blurhash;
            }
        }
        for (_, planned, _) in plans.iter_mut() {
            enrich::finish_music(planned);
        }
        Ok(())
    }

    fn write_unit(
        &self,
        library: ItemId,
        unit: &Unit<'_>,
        mut planned: Vec<Planned>,
        stored_items: Vec<StoredItemState>,
        claimed: &HashSet<ItemId>,
        issues: &[&WalkIssue],
    ) -> Result<UnitChanges, StoreError> {
        let stored: HashMap<ItemId, i64> =
            stored_items.iter().map(|s| (s.id, s.fingerprint)).collect();
        // The same id can come out twice (a file seen as two things); keep the first.
        let mut seen = HashSet::new();
        planned.retain(|p| p.rec.id.is_some_and(|id| seen.insert(id)));
        let keep: HashSet<ItemId> = seen;
        self.store.write(|tx| {
            let (mut added, mut updated) = (Vec::new(), Vec::new());
            for p in &mut planned {
                p.rec.fingerprint = fingerprint(&p.rec);
                let Some(id) = p.rec.id else { continue };
                match stored.get(&id) {
                    Some(fp) if *fp == p.rec.fingerprint => {}
                    Some(_) => {
                        updated.push(id);
                        store::upsert_item(tx, &p.rec)?;
                    }
                    None => {
                        let existed_elsewhere = claimed.contains(&id);
                        if existed_elsewhere {
                            updated.push(id);
                        } else {
                            added.push(id);
                        }
                        store::upsert_item(tx, &p.rec)?;
                    }
                }
            }
            let gone: Vec<ItemId> = stored_items
                .iter()
                .map(|s| s.id)
                .filter(|id| !keep.contains(id) && !claimed.contains(id))
                .collect();
            let removed = store::delete_items(tx, &gone)?;
            if removed > 0 {
                store::delete_orphan_by_name_items(tx)?;
            }
            // Every id in `gone` was stored in this unit, so each was deleted.
            let removed = gone;
            clear_unit_errors(tx, library, &unit.key)?;
            for issue in issues {
                store::set_scan_error(tx, library, &issue.path, Some(&issue.message))?;
            }
            for p in &planned {
                if let (Some(path), Some(err)) = (&p.rec.path, &p.rec.probe_error) {
                    store::set_scan_error(tx, library, path, Some(err))?;
                }
            }
            store::set_unit_hash(tx, library, &unit.key, unit.hash)?;
            Ok(UnitChanges {
                added,
                updated,
                removed,
            })
        })
    }
}

fn unit_contains(key: &str, path: &str) -> bool {
    match key.strip_suffix(ROOT_FILES_SUFFIX) {
        Some(root) => {
            path.len() > root.len() + 1
                && path.starts_with(root)
                && !path[root.len() + 1..].contains('/')
        }
        None => path == key || path.starts_with(&format!("{key}/")),
    }
}

/// Removes the recorded scan errors of the paths in a unit.
fn clear_unit_errors(
    tx: &rusqlite::Transaction<'_>,
    library: ItemId,
    key: &str,
) -> Result<(), StoreError> {
    for (path, _) in store::scan_errors(tx, library)? {
        if unit_contains(key, &path) {
            store::set_scan_error(tx, library, &path, None)?;
        }
    }
    Ok(())
}

/// Copies the media facts of a stored record whose file did not change.
fn reuse_media(rec: &mut ItemRecord, prev: &ItemRecord) {
    let external: Vec<_> = rec.streams.drain(..).filter(|s| s.is_external).collect();
    rec.streams = prev
        .streams
        .iter()
        .filter(|s| !s.is_external)
        .cloned()
        .collect();
    let base = rec.streams.len() as i32;
    for (i, mut s) in external.into_iter().enumerate() {
        s.index = base + i as i32;
        rec.streams.push(s);
    }
    rec.chapters = prev.chapters.clone();
    rec.container = prev.container.clone();
    rec.bitrate = prev.bitrate;
    if rec.run_time_ticks.is_none() {
        rec.run_time_ticks = prev.run_time_ticks;
    }
    rec.size = prev.size;
    rec.file_mtime = prev.file_mtime;
    rec.probe_error = prev.probe_error.clone();
    if matches!(rec.kind, Some(ItemKind::Audio) | Some(ItemKind::AudioBook)) {
        rec.name = prev.name.clone();
        rec.sort_name = prev.sort_name.clone();
        rec.album = prev.album.clone();
        rec.index_number = prev.index_number;
        rec.parent_index_number = prev.parent_index_number;
        rec.production_year = prev.production_year;
        rec.artists = prev.artists.clone();
        rec.album_artists = prev.album_artists.clone();
        rec.genres = prev.genres.clone();
    }
}
