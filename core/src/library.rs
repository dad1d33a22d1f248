//! The embeddable media library: one handle over the store, the naming rules and the prober,
//! built from an explicit configuration. Everything a Rust app needs to keep a library: add
//! libraries, scan them (with progress and cancellation), watch them for changes, query items.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
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
    /// HLS transcoding (`ffmpeg` binary, `<data_dir>/transcodes`, job limit, timeouts).
    pub transcode: crate::transcode::TranscodeConfig,
    /// The libav plugin (`libjellyfin_libav.so`) to probe and read subtitles with, loaded on
    /// first use. Only read by a build with the `libav-plugin` feature and without `libav`
    /// (a linked libav is always preferred); `None` there means no probing.
    pub libav_plugin: Option<PathBuf>,
}

impl LibraryConfig {
    /// Defaults for everything but the data directory.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        let data_dir = data_dir.into();
        Self {
            transcode: crate::transcode::TranscodeConfig::new(&data_dir),
            data_dir,
            probe_limits: ProbeLimits::default(),
            scan_threads: 0,
            libav_plugin: None,
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
    search: Option<Arc<dyn crate::search::SearchBackend>>,
    /// Whether the search index has been brought in step with the store since opening.
    search_ready: Arc<std::sync::atomic::AtomicBool>,
    scan_listeners: Mutex<Vec<ScanListener>>,
    subtitles: crate::subtitles::Subtitles,
    transcoder: crate::transcode::Transcoder,
    libav: LibavBackend,
}

/// Where a [`MediaLibrary`] gets libav from (probing, embedded subtitles).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum LibavBackend {
    /// Linked into the program (feature `libav`).
    #[cfg(feature = "libav")]
    Linked,
    /// A plugin loaded on first use (feature `libav-plugin`, [`LibraryConfig::libav_plugin`]).
    #[cfg(feature = "libav-plugin")]
    Plugin(Arc<crate::probe::LibavPlugin>),
    /// None: files are recorded without stream data.
    None,
}

impl LibavBackend {
    #[allow(unused_variables)] // without `libav-plugin` the configuration is not read
    fn choose(config: &LibraryConfig) -> Self {
        #[cfg(feature = "libav")]
        return LibavBackend::Linked;
        #[cfg(all(not(feature = "libav"), feature = "libav-plugin"))]
        return match &config.libav_plugin {
            Some(path) => LibavBackend::Plugin(Arc::new(crate::probe::LibavPlugin::new(path))),
            None => LibavBackend::None,
        };
        #[cfg(not(any(feature = "libav", feature = "libav-plugin")))]
        LibavBackend::None
    }
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
        let backend = LibavBackend::choose(&config);
        let prober: Option<Box<dyn Prober>> = match &backend {
            #[cfg(feature = "libav")]
            LibavBackend::Linked => Some(Box::new(crate::probe::LibavProber::new(
                config.probe_limits.clone(),
            ))),
            #[cfg(feature = "libav-plugin")]
            LibavBackend::Plugin(plugin) => Some(Box::new(crate::probe::PluginProber::new(
                Arc::clone(plugin),
                config.probe_limits.clone(),
            ))),
            _ => None,
        };
        let subtitles =
            crate::subtitles::Subtitles::new(config.data_dir.join("cache").join("subtitles"));
        #[cfg(feature = "libav-plugin")]
        let subtitles = match &backend {
            LibavBackend::Plugin(plugin) => subtitles.with_libav_plugin(Arc::clone(plugin)),
            _ => subtitles,
        };
        let (search, search_ready) = open_search(&config.data_dir, &store);
        Ok(Self {
            search,
            search_ready,
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
            subtitles,
            libav: backend,
            transcoder: crate::transcode::Transcoder::new(config.transcode.clone()),
        })
    }

    /// Where libav comes from (linked, a plugin and whether it is loaded yet, or none).
    pub fn libav_backend(&self) -> &LibavBackend {
        &self.libav
    }

    /// Replaces the prober (for a custom backend, or `None` to record files without probing).
    pub fn set_prober(&mut self, prober: Option<Box<dyn Prober>>) {
        self.prober = prober;
    }

    /// The naming rules in use.
    pub fn naming(&self) -> &NamingOptions {
        &self.naming
    }

    /// The prober scans use (`None` without the `libav` feature or after
    /// [`set_prober(None)`](Self::set_prober)).
    pub fn prober(&self) -> Option<&dyn Prober> {
        self.prober.as_deref()
    }

    /// The data directory this handle was opened in.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
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

    /// The HLS transcoding jobs (one `ffmpeg` child per play session).
    pub fn transcoder(&self) -> &crate::transcode::Transcoder {
        &self.transcoder
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
        // The search index follows what the scan changed, in the same call (one commit). A
        // failure leaves the index behind until the next sync: it is derived data.
        if let Ok(summary) = &result {
            if summary.added + summary.updated + summary.removed > 0 {
                let _ = self.sync_search_index();
            }
        }
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
        if let Some(ranked) = self.ranked_ids(query)? {
            // The page's items, in the ranked order.
            return Ok(QueryResult {
                items: self.items(&ranked.items)?,
                total_record_count: ranked.total_record_count,
                start_index: ranked.start_index,
            });
        }
        Ok(self.store.query_items(query)?)
    }

    /// The best matches for a search, best first (typo-tolerant, prefixes, diacritics folded),
    /// only among what the query's libraries and parental control allow. Until the index is in
    /// step with the store (just after opening), a substring match in the store answers.
    pub fn search(
        &self,
        query: &crate::search::SearchQuery,
    ) -> Result<Vec<crate::search::SearchHit>> {
        if let Some(index) = self.ready_search() {
            return Ok(index.search(query)?);
        }
        let term = query.term.trim();
        if term.is_empty() {
            return Ok(Vec::new());
        }
        let fallback = ItemQuery {
            search_term: Some(term.to_owned()),
            include_kinds: query.include_kinds.clone(),
            exclude_kinds: query.exclude_kinds.clone(),
            media_types: query.media_types.clone(),
            visible_libraries: query.libraries.clone(),
            parental: query.parental.clone(),
            limit: Some(query.limit),
            ..ItemQuery::default()
        };
        Ok(self
            .store
            .query_item_ids(&fallback)?
            .items
            .into_iter()
            .map(|id| crate::search::SearchHit { id, score: 0.0 })
            .collect())
    }

    /// Facet counts (genres, years, ratings, tags, kinds) of the items a search (or, with an
    /// empty term, the query's libraries and kinds) finds; `None` while the index is not ready
    /// or without a search backend.
    pub fn facets(
        &self,
        query: &crate::search::SearchQuery,
    ) -> Result<Option<crate::search::Facets>> {
        match self.ready_search() {
            Some(index) => Ok(Some(index.facets(query)?)),
            None => Ok(None),
        }
    }

    /// Facet counts (genres, years, official ratings, tags, kinds) of what an item query
    /// selects, from the search index: for queries on the whole collection or one library
    /// (recursive), with kinds, media types, a search term and the user's visibility. `None`
    /// when the query asks for more (another parent, genre or year filters, user-data filters)
    /// or the index is not ready: the caller then counts from the items.
    pub fn item_facets(&self, query: &ItemQuery) -> Result<Option<crate::search::Facets>> {
        let plain = ItemQuery {
            parent_id: None,
            recursive: false,
            include_kinds: Vec::new(),
            exclude_kinds: Vec::new(),
            media_types: Vec::new(),
            visible_libraries: None,
            parental: None,
            search_term: None,
            library_id: None,
            sort: Vec::new(),
            start_index: 0,
            limit: None,
            ..query.clone()
        };
        if plain != ItemQuery::default() {
            return Ok(None);
        }
        let mut libraries = query.visible_libraries.clone();
        for scope in [query.parent_id, query.library_id].into_iter().flatten() {
            if !query.recursive && query.parent_id == Some(scope) {
                return Ok(None);
            }
            if !self.libraries()?.iter().any(|l| l.id == scope) {
                return Ok(None);
            }
            libraries = Some(match libraries {
                Some(visible) if !visible.contains(&scope) => Vec::new(),
                _ => vec![scope],
            });
        }
        if libraries.as_ref().is_some_and(Vec::is_empty) {
            return Ok(Some(crate::search::Facets::default()));
        }
        self.facets(&crate::search::SearchQuery {
            term: query.search_term.clone().unwrap_or_default(),
            include_kinds: query.include_kinds.clone(),
            exclude_kinds: query.exclude_kinds.clone(),
            media_types: query.media_types.clone(),
            libraries,
            parental: query.parental.clone(),
            limit: 0,
        })
    }

    /// An instant mix from a seed (a track, album, artist, playlist or folder, or a genre):
    /// audio tracks sharing a genre with the seed (its own genres, or its tracks' genres), in
    /// random order, at most `limit`, within the libraries and parental control of `scope`
    /// (its other fields are ignored). Empty when the seed has no genre.
    pub fn instant_mix(
        &self,
        seed: &ItemRecord,
        scope: &ItemQuery,
        limit: usize,
    ) -> Result<Vec<ItemId>> {
        let mut genres: Vec<String> = match seed.kind {
            Some(crate::store::ItemKind::Genre | crate::store::ItemKind::MusicGenre) => {
                vec![seed.name.clone()]
            }
            _ => seed.genres.clone(),
        };
        if genres.is_empty() && seed.kind.is_some_and(|k| k.is_folder()) {
            let tracks = self.store.query_items(&ItemQuery {
                parent_id: seed.id,
                recursive: true,
                include_kinds: vec![crate::store::ItemKind::Audio],
                limit: Some(500),
                ..ItemQuery::default()
            })?;
            for t in tracks.items {
                for g in t.genres {
                    if !genres.contains(&g) {
                        genres.push(g);
                    }
                }
            }
        }
        if genres.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .store
            .query_item_ids(&ItemQuery {
                include_kinds: vec![crate::store::ItemKind::Audio],
                genres,
                visible_libraries: scope.visible_libraries.clone(),
                parental: scope.parental.clone(),
                sort: vec![(
                    crate::store::SortBy::Random,
                    crate::store::SortOrder::Ascending,
                )],
                limit: Some(limit),
                ..ItemQuery::default()
            })?
            .items)
    }

    /// Makes the search index again from the store (it is derived data: never needed for
    /// correctness, useful after restoring a database).
    pub fn rebuild_search_index(&self) -> Result<crate::search::SyncSummary> {
        let Some(index) = &self.search else {
            return Ok(crate::search::SyncSummary::default());
        };
        let summary = index.rebuild(&self.store)?;
        self.search_ready
            .store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(summary)
    }

    /// Brings the search index in step with the store (what scans do when they change items).
    pub fn sync_search_index(&self) -> Result<crate::search::SyncSummary> {
        let Some(index) = &self.search else {
            return Ok(crate::search::SyncSummary::default());
        };
        let summary = index.sync(&self.store)?;
        self.search_ready
            .store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(summary)
    }

    fn ready_search(&self) -> Option<&Arc<dyn crate::search::SearchBackend>> {
        self.search
            .as_ref()
            .filter(|_| self.search_ready.load(std::sync::atomic::Ordering::SeqCst))
    }

    /// A page of a query with a search term, ranked by the search index: the best 1,000 hits
    /// within the query's libraries, kinds and parental control, then the query's other
    /// filters; in relevance order unless the query sorts. `None`: no term or no ready index.
    fn ranked_ids(&self, query: &ItemQuery) -> Result<Option<QueryResult<ItemId>>> {
        let Some(term) = query
            .search_term
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        else {
            return Ok(None);
        };
        let Some(index) = self.ready_search() else {
            return Ok(None);
        };
        let hits = index.search(&crate::search::SearchQuery {
            term: term.to_owned(),
            include_kinds: query.include_kinds.clone(),
            exclude_kinds: query.exclude_kinds.clone(),
            media_types: query.media_types.clone(),
            libraries: query.visible_libraries.clone(),
            parental: query.parental.clone(),
            limit: RANKED_HITS,
        })?;
        let mut ids: Vec<ItemId> = hits.iter().map(|h| h.id).collect();
        if !query.ids.is_empty() {
            ids.retain(|id| query.ids.contains(id));
        }
        let mut filter = query.clone();
        filter.search_term = None;
        filter.start_index = 0;
        filter.limit = None;
        let ordered: Vec<ItemId> = if ids.is_empty() {
            Vec::new()
        } else {
            filter.ids = ids.clone();
            let allowed = self.store.query_item_ids(&filter)?.items;
            if query.sort.is_empty() {
                let allowed: HashSet<ItemId> = allowed.into_iter().collect();
                ids.into_iter().filter(|id| allowed.contains(id)).collect()
            } else {
                allowed
            }
        };
        let start = query.start_index.min(ordered.len());
        let end = start
            .saturating_add(query.limit.unwrap_or(usize::MAX))
            .min(ordered.len());
        Ok(Some(QueryResult {
            items: ordered[start..end].to_vec(),
            total_record_count: ordered.len(),
            start_index: query.start_index,
        }))
    }

    /// The media source a client names for `item`: the item itself (`source` absent, not an id,
    /// or the item's own id) or one of its alternate versions; `None` when `source` is another
    /// item's id (a client may not reach other files through a version id).
    pub fn media_source(
        &self,
        item: &ItemRecord,
        source: Option<ItemId>,
    ) -> Result<Option<ItemRecord>> {
        match (source, item.id) {
            (Some(wanted), Some(id)) if wanted != id => {
                let versions = self
                    .store
                    .read(|c| crate::store::alternate_versions_of(c, id))?;
                if versions.contains(&wanted) {
                    self.item(wanted)
                } else {
                    Ok(None)
                }
            }
            _ => Ok(Some(item.clone())),
        }
    }

    /// The items with these ids (with their streams, images, people...), in the order of
    /// `ids`; unknown ids are skipped.
    pub fn items(&self, ids: &[ItemId]) -> Result<Vec<ItemRecord>> {
        Ok(self.store.read(|c| crate::store::get_items(c, ids))?)
    }

    /// The ids of a page of an item query and its total count, without reading the items
    /// (see [`Store::query_item_ids`](crate::store::Store::query_item_ids)).
    pub fn query_ids(&self, query: &ItemQuery) -> Result<QueryResult<ItemId>> {
        if let Some(ranked) = self.ranked_ids(query)? {
            return Ok(ranked);
        }
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
        let folders: Vec<PathBuf> = lib.folders.iter().map(PathBuf::from).collect();
        let watch = crate::scan::watch::FolderWatch::start(&folders, debounce, move |paths| {
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
        })
        .map_err(Error::Watch)?;
        Ok(LibraryWatcher { _watch: watch })
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
    _watch: crate::scan::watch::FolderWatch,
}

impl std::fmt::Debug for LibraryWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LibraryWatcher").finish_non_exhaustive()
    }
}

/// The search backend shared with its sync thread.
type SharedSearch = Arc<dyn crate::search::SearchBackend>;
/// Set once the search index is in step with the store.
type SearchReady = Arc<std::sync::atomic::AtomicBool>;

/// At most this many search hits are ranked for a query with a search term.
const RANKED_HITS: usize = 1000;

/// Opens the search index in `<data_dir>/search` and brings it in step with the store in a
/// background thread (a new index is filled from the store there); until then searches fall
/// back to the store. A failure leaves search to the store, logged nowhere: the index is
/// derived data.
fn open_search(data_dir: &Path, store: &Store) -> (Option<SharedSearch>, SearchReady) {
    let ready = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let dir = data_dir.join("search");
    let index: Option<Arc<dyn crate::search::SearchBackend>> =
        match crate::search::open_backend(&dir) {
            Ok(Some(index)) => Some(Arc::from(index)),
            _ => None,
        };
    if let Some(index) = &index {
        let (index, ready, path) = (index.clone(), ready.clone(), store.path().to_owned());
        let _ = std::thread::Builder::new()
            .name("search-sync".into())
            .spawn(move || {
                if let Ok(store) = Store::open(&path) {
                    if index.sync_if_stale(&store).is_ok() {
                        ready.store(true, std::sync::atomic::Ordering::SeqCst);
                    }
                }
            });
    }
    (index, ready)
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
