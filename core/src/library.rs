//! The embeddable media library: one handle over the store, the naming rules and the prober,
//! built from an explicit configuration. Everything a Rust app needs to keep a library: add
//! libraries, scan them (with progress and cancellation), watch them for changes, query items.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::naming::NamingOptions;
use crate::probe::{ProbeLimits, Prober};
use crate::scan::{ScanError, ScanOptions, ScanSummary, Scanner};
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

    /// Scans the library called `name`. A second scan of the same library while one runs is
    /// refused with [`ScanError::AlreadyRunning`].
    pub fn scan(&self, name: &str, options: &ScanOptions) -> Result<ScanSummary> {
        let lib = self
            .library(name)?
            .ok_or_else(|| Error::Scan(ScanError::UnknownLibrary(name.to_owned())))?;
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
        let scanner = Scanner {
            store: &self.store,
            naming: &self.naming,
            prober: self.prober.as_deref(),
        };
        let result = scanner.scan(&lib, &options);
        if let Ok(mut running) = self.running.lock() {
            running.remove(&lib.id);
        }
        Ok(result?)
    }

    /// Runs an item query.
    pub fn query(&self, query: &ItemQuery) -> Result<QueryResult<ItemRecord>> {
        Ok(self.store.query_items(query)?)
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
        let lib_name = lib.name.clone();
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
                    match this.scan(&lib_name, &options) {
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
        crate::auth::Auth::new(&self.store)
    }

    /// Per-user item data on this library's store, with Jellyfin's default resume rules.
    pub fn user_data(&self) -> crate::userdata::UserData<'_> {
        crate::userdata::UserData::new(&self.store)
    }
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
