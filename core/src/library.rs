//! The embeddable media library: one handle over the store, the naming rules and the prober,
//! built from an explicit configuration. Everything a Rust app needs to keep a library: add
//! libraries, scan them (with progress and cancellation), watch them for changes, query items.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::naming::NamingOptions;
use crate::probe::{ProbeLimits, Prober};
use crate::scan::{ScanError, ScanListener, ScanNotice, ScanOptions, ScanSummary, Scanner};
use crate::store::{
    self, ItemId, ItemQuery, ItemRecord, LibraryKind, LibraryRecord, QueryResult, Store, StoreError,
};
use crate::{Error, Result};

/// Configuration of a [`MediaLibrary`].
#[derive(Debug, Clone)]
pub struct LibraryConfig {
    /// Where the database lives (`<data_dir>/library.db`).
    pub data_dir: PathBuf,
    /// Bounds of each media probe.
    pub probe_limits: ProbeLimits,
    /// Probe threads during scans (0: one per core).
    pub scan_threads: usize,
}

impl LibraryConfig {
    /// Defaults for everything but the data directory.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            probe_limits: ProbeLimits::default(),
            scan_threads: 0,
        }
    }
}

/// A media library handle. Share it behind an `Arc`; two handles on two data directories in one
/// process are independent.
pub struct MediaLibrary {
    store: Store,
    naming: NamingOptions,
    prober: Option<Box<dyn Prober>>,
    scan_threads: usize,
    running: Mutex<HashSet<ItemId>>,
    data_dir: PathBuf,
    quick_connect: crate::auth::QuickConnectState,
    tokens: crate::auth::TokenCache,
    user_data: crate::userdata::UserDataCache,
    scan_listeners: Mutex<Vec<ScanListener>>,
    subtitles: crate::subtitles::Subtitles,
}

impl std::fmt::Debug for MediaLibrary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaLibrary")
            .field("store", &self.store)
            .field("has_prober", &self.prober.is_some())
            .finish_non_exhaustive()
    }
}

impl MediaLibrary {
    /// Opens (creating if needed) the library database in `config.data_dir`, with the default
    /// naming rules and, with the `libav` feature, the in-process libav prober.
    pub fn open(config: LibraryConfig) -> Result<Self> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| Error::io(&config.data_dir, e))?;
        let store = Store::open_in(&config.data_dir)?;
        // Unprefixed rating strings score in the server's metadata country (an unreadable
        // configuration keeps the stored country).
        if let Some(country) = crate::settings::Settings::new(&config.data_dir)
            .load()
            .ok()
            .and_then(|v| v["MetadataCountryCode"].as_str().map(str::to_owned))
        {
            store.write(|tx| store::rating_scores::set_rating_country(tx, &country))?;
        }
        #[cfg(feature = "libav")]
        let prober: Option<Box<dyn Prober>> = Some(Box::new(crate::probe::LibavProber::new(
            config.probe_limits.clone(),
        )));
        #[cfg(not(feature = "libav"))]
        let prober: Option<Box<dyn Prober>> = None;
        Ok(Self {
            store,
            naming: NamingOptions::default(),
            prober,
            scan_threads: config.scan_threads,
            running: Mutex::new(HashSet::new()),
            data_dir: config.data_dir.clone(),
            quick_connect: crate::auth::QuickConnectState::default(),
            tokens: crate::auth::TokenCache::default(),
            user_data: crate::userdata::UserDataCache::default(),
            scan_listeners: Mutex::new(Vec::new()),
            subtitles: crate::subtitles::Subtitles::new(
                config.data_dir.join("cache").join("subtitles"),
            ),
        })
    }

    /// Replaces the prober (for a custom backend, or `None` to record files without probing).
    pub fn set_prober(&mut self, prober: Option<Box<dyn Prober>>) {
        self.prober = prober;
    }

    /// The naming rules in use.
    pub fn naming(&self) -> &NamingOptions {
        &self.naming
    }

    /// The store, for queries this handle does not wrap.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Subtitles of this library's items (external files, embedded streams extracted and cached
    /// in `<data_dir>/cache/subtitles`).
    pub fn subtitles(&self) -> &crate::subtitles::Subtitles {
        &self.subtitles
    }

    /// Creates a library (or updates the kind and folders of the one with this name).
    pub fn add_library(
        &self,
        name: &str,
        kind: LibraryKind,
        folders: &[PathBuf],
    ) -> Result<LibraryRecord> {
        let folders: Vec<String> = folders
            .iter()
            .map(|f| {
                let abs = std::path::absolute(f).unwrap_or_else(|_| f.clone());
                abs.to_string_lossy().trim_end_matches('/').to_owned()
            })
            .collect();
        self.store
            .write(|tx| store::put_library(tx, name, kind, &folders))?;
        self.library(name)?
            .ok_or_else(|| Error::Scan(ScanError::UnknownLibrary(name.to_owned())))
    }

    /// All libraries.
    pub fn libraries(&self) -> Result<Vec<LibraryRecord>> {
        Ok(self.store.read(store::list_libraries)?)
    }

    /// The library called `name` (ignoring case).
    pub fn library(&self, name: &str) -> Result<Option<LibraryRecord>> {
        Ok(self
            .libraries()?
            .into_iter()
            .find(|l| l.name.eq_ignore_ascii_case(name)))
    }

    /// Removes a library and all its items.
    pub fn remove_library(&self, name: &str) -> Result<bool> {
        let Some(lib) = self.library(name)? else {
            return Ok(false);
        };
        self.store.write(|tx| {
            store::delete_library(tx, lib.id)?;
            store::delete_orphan_by_name_items(tx)
        })?;
        Ok(true)
    }

    /// Adds a listener told when any scan of this handle starts, progresses and ends (requested
    /// scans, scheduled ones and the watchers' partial rescans alike).
    pub fn on_scan(&self, listener: ScanListener) {
        if let Ok(mut l) = self.scan_listeners.lock() {
            l.push(listener);
        }
    }

    /// Scans the library called `name`. A second scan of the same library while one runs is
    /// refused with [`ScanError::AlreadyRunning`].
    pub fn scan(&self, name: &str, options: &ScanOptions) -> Result<ScanSummary> {
        let lib = self
            .library(name)?
            .ok_or_else(|| Error::Scan(ScanError::UnknownLibrary(name.to_owned())))?;
        self.scan_library(lib, options)
    }

    /// Scans the library with this id (it may have been renamed since the caller learnt it).
    pub fn scan_by_id(&self, id: ItemId, options: &ScanOptions) -> Result<ScanSummary> {
        let lib = self
            .libraries()?
            .into_iter()
            .find(|l| l.id == id)
            .ok_or_else(|| Error::Scan(ScanError::UnknownLibrary(id.to_n())))?;
        self.scan_library(lib, options)
    }

    fn scan_library(&self, lib: LibraryRecord, options: &ScanOptions) -> Result<ScanSummary> {
        {
            let mut running = self.running.lock().map_err(|_| StoreError::Poisoned)?;
            if !running.insert(lib.id) {
                return Err(Error::Scan(ScanError::AlreadyRunning(lib.name.clone())));
            }
        }
        let mut options = options.clone();
        if options.threads == 0 {
            options.threads = self.scan_threads;
        }
        let listeners: Vec<ScanListener> = self
            .scan_listeners
            .lock()
            .map(|l| l.clone())
            .unwrap_or_default();
        let lib = Arc::new(lib);
        if !listeners.is_empty() {
            let caller = options.progress.take();
            let (ls, l) = (listeners.clone(), lib.clone());
            options.progress = Some(Arc::new(move |e: &crate::scan::ScanEvent| {
                if let Some(c) = &caller {
                    c(e);
                }
                let notice = ScanNotice::Progress {
                    library: &l,
                    event: e,
                };
                for f in &ls {
                    f(&notice);
                }
            }));
        }
        for f in &listeners {
            f(&ScanNotice::Started { library: &lib });
        }
        let scanner = Scanner {
            store: &self.store,
            naming: &self.naming,
            prober: self.prober.as_deref(),
        };
        let result = scanner.scan(&lib, &options);
        if let Ok(mut running) = self.running.lock() {
            running.remove(&lib.id);
        }
        let notice = ScanNotice::Finished {
            library: &lib,
            outcome: result.as_ref(),
        };
        for f in &listeners {
            f(&notice);
        }
        Ok(result?)
    }

    /// Renames a library (its id, items and options stay). `Ok(false)` when no library has the
    /// old name; a new name another library has is [`LibraryError::NameTaken`].
    pub fn rename_library(&self, name: &str, new_name: &str) -> Result<bool> {
        let Some(lib) = self.library(name)? else {
            return Ok(false);
        };
        let new_name = new_name.trim();
        if new_name.is_empty() {
            return Err(Error::Library(LibraryError::InvalidName));
        }
        let renamed = self
            .store
            .write(|tx| store::rename_library(tx, lib.id, new_name))?;
        if !renamed {
            return Err(Error::Library(LibraryError::NameTaken(new_name.to_owned())));
        }
        Ok(true)
    }

    /// The options stored for a library (Jellyfin's `LibraryOptions` object, kept whole), if
    /// any were stored.
    pub fn library_options(&self, id: ItemId) -> Result<Option<serde_json::Value>> {
        let Some(text) = self.store.read(|c| store::library_options(c, id))? else {
            return Ok(None);
        };
        serde_json::from_str(&text).map(Some).map_err(|_| {
            Error::Store(StoreError::Corrupt {
                column: "library_options.options",
            })
        })
    }

    /// Stores a library's options (a JSON object, kept whole). [`LibraryError::NotAnObject`]
    /// for anything else.
    pub fn set_library_options(&self, id: ItemId, options: &serde_json::Value) -> Result<()> {
        if !options.is_object() {
            return Err(Error::Library(LibraryError::NotAnObject));
        }
        let text = options.to_string();
        Ok(self
            .store
            .write(|tx| store::set_library_options(tx, id, &text))?)
    }

    /// Runs an item query.
    pub fn query(&self, query: &ItemQuery) -> Result<QueryResult<ItemRecord>> {
        Ok(self.store.query_items(query)?)
    }

    /// The items with these ids (with their streams, images, people...), in no particular
    /// order; unknown ids are skipped.
    pub fn items(&self, ids: &[ItemId]) -> Result<Vec<ItemRecord>> {
        Ok(self.store.read(|c| crate::store::get_items(c, ids))?)
    }

    /// The ids of a page of an item query and its total count, without reading the items
    /// (see [`Store::query_item_ids`](crate::store::Store::query_item_ids)).
    pub fn query_ids(&self, query: &ItemQuery) -> Result<QueryResult<ItemId>> {
        Ok(self.store.query_item_ids(query)?)
    }

    /// One item with everything linked to it.
    pub fn item(&self, id: ItemId) -> Result<Option<ItemRecord>> {
        Ok(self.store.read(|c| store::get_item(c, id))?)
    }

    /// Watches the folders of library `name` and rescans the changed part of the library after
    /// `debounce` of quiet. Stops when the returned watcher is dropped.
    pub fn watch(self: &Arc<Self>, name: &str, debounce: Duration) -> Result<LibraryWatcher> {
        let lib = self
            .library(name)?
            .ok_or_else(|| Error::Scan(ScanError::UnknownLibrary(name.to_owned())))?;
        let this = Arc::clone(self);
        let lib_id = lib.id;
        let mut debouncer = notify_debouncer_mini::new_debouncer(
            debounce,
            move |res: notify_debouncer_mini::DebounceEventResult| {
                let Ok(events) = res else { return };
                let mut paths: Vec<String> = events
                    .iter()
                    .filter_map(|e| e.path.to_str().map(str::to_owned))
                    .collect();
                paths.sort();
                paths.dedup();
                if paths.is_empty() {
                    return;
                }
                let options = ScanOptions {
                    only_paths: paths,
                    ..ScanOptions::default()
                };
                // A full scan may be running; try again a few times before giving up (the
                // next event or scan picks the change up anyway).
                for _ in 0..20 {
                    match this.scan_by_id(lib_id, &options) {
                        Err(Error::Scan(ScanError::AlreadyRunning(_))) => {
                            std::thread::sleep(Duration::from_millis(500))
                        }
                        _ => break,
                    }
                }
            },
        )
        .map_err(Error::Watch)?;
        for folder in &lib.folders {
            debouncer
                .watcher()
                .watch(
                    std::path::Path::new(folder),
                    notify_debouncer_mini::notify::RecursiveMode::Recursive,
                )
                .map_err(Error::Watch)?;
        }
        Ok(LibraryWatcher {
            _debouncer: debouncer,
        })
    }

    /// Users, logins, tokens, devices and API keys on this library's store (default password
    /// hashing cost).
    pub fn auth(&self) -> crate::auth::Auth<'_> {
        crate::auth::Auth::new(&self.store).with_token_cache(&self.tokens)
    }

    /// Per-user item data on this library's store, with Jellyfin's default resume rules.
    pub fn user_data(&self) -> crate::userdata::UserData<'_> {
        crate::userdata::UserData::new(&self.store).with_cache(&self.user_data)
    }

    /// The server configuration (`system.json`) of this library's data directory.
    pub fn settings(&self) -> crate::settings::Settings {
        crate::settings::Settings::new(&self.data_dir)
    }

    /// Users' avatars, kept in this library's data directory.
    pub fn avatars(&self) -> crate::auth::Avatars {
        crate::auth::Avatars::new(&self.data_dir)
    }

    /// Quick Connect logins, available while the configuration's `QuickConnectAvailable` is
    /// on (an unreadable configuration counts as off).
    pub fn quick_connect(&self) -> crate::auth::QuickConnect<'_> {
        let enabled = self
            .settings()
            .load()
            .map(|v| v["QuickConnectAvailable"].as_bool().unwrap_or(false))
            .unwrap_or(false);
        crate::auth::QuickConnect::new(&self.quick_connect, self.auth(), enabled)
    }

    /// Sets the country whose rating system scores unprefixed rating strings (the
    /// configuration's `MetadataCountryCode`); items are re-scored when it changes. Returns how
    /// many items' scores changed.
    pub fn set_rating_country(&self, country: &str) -> Result<usize> {
        Ok(self
            .store
            .write(|tx| store::rating_scores::set_rating_country(tx, country))?)
    }

    /// The activity log on this library's store.
    pub fn activity(&self) -> crate::activity::Activity<'_> {
        crate::activity::Activity::new(&self.store)
    }
}

/// Refusals of library management operations.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LibraryError {
    /// Another library already has this name (ignoring case).
    #[error("a library named {0:?} already exists")]
    NameTaken(String),
    /// A library name must not be empty.
    #[error("a library name must not be empty")]
    InvalidName,
    /// Library options must be a JSON object.
    #[error("library options must be a JSON object")]
    NotAnObject,
}

/// A running watch of a library; dropping it stops watching.
pub struct LibraryWatcher {
    _debouncer: notify_debouncer_mini::Debouncer<notify_debouncer_mini::notify::RecommendedWatcher>,
}

impl std::fmt::Debug for LibraryWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LibraryWatcher").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::ScanNotice;

    #[test]
    fn scans_tell_listeners_which_items_changed() {
        let dir = tempfile::tempdir().unwrap();
        let media = dir.path().join("media");
        std::fs::create_dir_all(media.join("Alpha (2001)")).unwrap();
        std::fs::write(media.join("Alpha (2001)/Alpha (2001).mkv"), b"x").unwrap();
        let mut lib = MediaLibrary::open(LibraryConfig::new(dir.path().join("data"))).unwrap();
        lib.set_prober(None);
        lib.add_library("Movies", LibraryKind::Movies, std::slice::from_ref(&media))
            .unwrap();
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let s = seen.clone();
        lib.on_scan(Arc::new(move |n: &ScanNotice<'_>| {
            let line = match n {
                ScanNotice::Started { library } => format!("started {}", library.name),
                ScanNotice::Progress { .. } => return,
                ScanNotice::Finished { library, outcome } => match outcome {
                    Ok(s) => format!(
                        "finished {} +{} ~{} -{}",
                        library.name,
                        s.added_ids.len(),
                        s.updated_ids.len(),
                        s.removed_ids.len()
                    ),
                    Err(e) => format!("failed {e}"),
                },
            };
            s.lock().unwrap().push(line);
        }));
        let first = lib.scan("Movies", &ScanOptions::default()).unwrap();
        assert_eq!(first.added, first.added_ids.len());
        assert!(first.changed_items());
        let movie = first
            .added_ids
            .iter()
            .copied()
            .find(|id| lib.item(*id).unwrap().unwrap().kind == Some(crate::store::ItemKind::Movie))
            .expect("the movie is among the added ids");
        // Nothing changed: nothing listed.
        let again = lib.scan("Movies", &ScanOptions::default()).unwrap();
        assert!(!again.changed_items());
        std::fs::remove_dir_all(media.join("Alpha (2001)")).unwrap();
        let gone = lib.scan("Movies", &ScanOptions::default()).unwrap();
        assert!(gone.removed_ids.contains(&movie), "{gone:?}");
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 6, "{seen:?}");
        assert_eq!(seen[0], "started Movies");
        assert!(seen[1].starts_with("finished Movies +"), "{seen:?}");
        assert_eq!(seen[3], "finished Movies +0 ~0 -0");
        assert!(lib.scan("Nope", &ScanOptions::default()).is_err());
    }

    #[test]
    fn rename_keeps_the_id_and_options_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let lib = MediaLibrary::open(LibraryConfig::new(dir.path())).unwrap();
        let movies = lib
            .add_library("Movies", LibraryKind::Movies, &[dir.path().join("m")])
            .unwrap();
        lib.add_library("Shows", LibraryKind::TvShows, &[dir.path().join("s")])
            .unwrap();
        assert!(!lib.rename_library("Nope", "X").unwrap());
        assert!(matches!(
            lib.rename_library("Movies", "shows"),
            Err(Error::Library(LibraryError::NameTaken(_)))
        ));
        assert!(matches!(
            lib.rename_library("Movies", "  "),
            Err(Error::Library(LibraryError::InvalidName))
        ));
        assert!(lib.rename_library("movies", "Films").unwrap());
        let films = lib.library("Films").unwrap().unwrap();
        assert_eq!(films.id, movies.id);
        assert_eq!(lib.item(films.id).unwrap().unwrap().name, "Films");
        assert!(lib.library("Movies").unwrap().is_none());
        // Updating the folders of the renamed library keeps its id.
        let again = lib
            .add_library("Films", LibraryKind::Movies, &[dir.path().join("m2")])
            .unwrap();
        assert_eq!(again.id, movies.id);
        assert_eq!(lib.library_options(films.id).unwrap(), None);
        let options = serde_json::json!({"EnableRealtimeMonitor": false, "Future": [1]});
        lib.set_library_options(films.id, &options).unwrap();
        assert_eq!(lib.library_options(films.id).unwrap(), Some(options));
        assert!(lib
            .set_library_options(films.id, &serde_json::json!([1]))
            .is_err());
        // Options go with their library.
        lib.remove_library("Films").unwrap();
        assert_eq!(lib.library_options(films.id).unwrap(), None);
    }
}
