//! The `MediaLibrary` object: one core `MediaLibrary` handle, and the embedded HTTP server
//! serving it on a runtime this object owns. Every method translates arguments, calls the
//! core (or the server crate) and translates the result back.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jellyfin_core::auth::UserFilter;
use jellyfin_core::scan::ScanOptions;
use jellyfin_core::{LibraryConfig, MediaLibrary as CoreLibrary};
use jellyfin_server::embed::{EmbeddedServer, RunningServer};

use crate::error::JellyfinError;
use crate::scan::{progress_fn, CancelHandle, ScanProgress};
use crate::types::{
    item_id, user_id, DeviceInfo, IdPage, Item, ItemPage, ItemQuery, Library, LibraryKind,
    MediaInfo, PlaybackReport, ScanSummary, SearchHit, SearchQuery, Session, User, UserItemData,
};

type Result<T, E = JellyfinError> = std::result::Result<T, E>;

/// The embedded HTTP server and the runtime it runs on.
struct Serving {
    runtime: tokio::runtime::Runtime,
    running: RunningServer,
}

impl Serving {
    fn stop(self) -> Result<()> {
        let Serving { runtime, running } = self;
        let outcome = runtime.block_on(running.stop());
        runtime.shutdown_timeout(Duration::from_secs(5));
        Ok(outcome?)
    }
}

/// A media library in a data directory: libraries, scans, items, search, users, user data,
/// and the Jellyfin HTTP API on an address of your choice. Thread-safe; share one per data
/// directory.
#[derive(uniffi::Object)]
pub struct MediaLibrary {
    inner: Arc<CoreLibrary>,
    data_dir: PathBuf,
    serving: Mutex<Option<Serving>>,
}

impl std::fmt::Debug for MediaLibrary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaLibrary")
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

impl MediaLibrary {
    fn serving(&self) -> Result<std::sync::MutexGuard<'_, Option<Serving>>> {
        self.serving
            .lock()
            .map_err(|_| JellyfinError::Internal("server state poisoned".into()))
    }
}

impl Drop for MediaLibrary {
    fn drop(&mut self) {
        if let Ok(mut serving) = self.serving.lock() {
            if let Some(s) = serving.take() {
                let _ = s.stop();
            }
        }
    }
}

#[uniffi::export]
impl MediaLibrary {
    /// Opens (creating if needed) the library in `data_dir`: `library.db`, the search index,
    /// caches. The search index is brought in step in the background; until then searches use
    /// a plain substring match.
    #[uniffi::constructor]
    pub fn open(data_dir: String) -> Result<Arc<Self>> {
        let data_dir = PathBuf::from(data_dir);
        let inner = CoreLibrary::open(LibraryConfig::new(&data_dir))?;
        Ok(Arc::new(Self {
            inner: Arc::new(inner),
            data_dir,
            serving: Mutex::new(None),
        }))
    }

    /// The data directory.
    pub fn data_dir(&self) -> String {
        self.data_dir.to_string_lossy().into_owned()
    }

    /// Creates a library, or updates the kind and folders of the one with this name.
    pub fn add_library(
        &self,
        name: String,
        kind: LibraryKind,
        folders: Vec<String>,
    ) -> Result<Library> {
        let folders: Vec<PathBuf> = folders.into_iter().map(PathBuf::from).collect();
        Ok(self.inner.add_library(&name, kind.into(), &folders)?.into())
    }

    /// Removes a library and its items; `false` when no library has this name.
    pub fn remove_library(&self, name: String) -> Result<bool> {
        Ok(self.inner.remove_library(&name)?)
    }

    /// All libraries.
    pub fn libraries(&self) -> Result<Vec<Library>> {
        Ok(self
            .inner
            .libraries()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Scans the library called `name` (incremental: unchanged folders are skipped) and
    /// returns what changed. Blocks until done; `progress` hears every step, `cancel` stops it
    /// early. A second scan of the same library while one runs is refused (`Conflict`).
    #[uniffi::method(default(progress = None, cancel = None))]
    pub fn scan(
        &self,
        name: String,
        progress: Option<Arc<dyn ScanProgress>>,
        cancel: Option<Arc<CancelHandle>>,
    ) -> Result<ScanSummary> {
        let options = ScanOptions {
            progress: progress.map(progress_fn),
            cancel: cancel.map(|c| c.token()).unwrap_or_default(),
            ..ScanOptions::default()
        };
        Ok(self.inner.scan(&name, &options)?.into())
    }

    /// Runs an item query: a page of items with their streams, and the total count.
    pub fn query(&self, query: ItemQuery) -> Result<ItemPage> {
        Ok(self.inner.query(&query.to_core()?)?.into())
    }

    /// Runs an item query for ids only (cheaper than [`MediaLibrary::query`]).
    pub fn query_ids(&self, query: ItemQuery) -> Result<IdPage> {
        Ok(self.inner.query_ids(&query.to_core()?)?.into())
    }

    /// One item with its media streams; `None` when no item has this id.
    pub fn item(&self, id: String) -> Result<Option<Item>> {
        Ok(self.inner.item(item_id(&id)?)?.map(Into::into))
    }

    /// The items with these ids, in no particular order; unknown ids are skipped.
    pub fn items(&self, ids: Vec<String>) -> Result<Vec<Item>> {
        let ids = ids.iter().map(|i| item_id(i)).collect::<Result<Vec<_>>>()?;
        Ok(self
            .inner
            .items(&ids)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The best matches for a search, best first (typo-tolerant, prefixes, diacritics
    /// folded).
    pub fn search(&self, query: SearchQuery) -> Result<Vec<SearchHit>> {
        Ok(self
            .inner
            .search(&query.to_core()?)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Brings the search index in step with the store now (scans do it themselves; useful
    /// right after opening, before the background sync has finished).
    pub fn sync_search_index(&self) -> Result<()> {
        self.inner.sync_search_index()?;
        Ok(())
    }

    /// Probes a media file with the library's prober (in-process libav, bounded in time).
    pub fn probe(&self, path: String) -> Result<MediaInfo> {
        let prober = self.inner.prober().ok_or_else(|| {
            JellyfinError::Probe("this build has no media prober (feature libav)".into())
        })?;
        Ok(prober.probe(std::path::Path::new(&path))?.into())
    }

    /// Creates a user with Jellyfin's defaults for new users (not an administrator). An empty
    /// password means none.
    pub fn create_user(&self, name: String, password: String) -> Result<User> {
        Ok(self.inner.auth().create_user(&name, &password)?.into())
    }

    /// Creates the first user as an administrator when no user exists yet; `None` otherwise.
    pub fn ensure_admin(&self, name: String, password: String) -> Result<Option<User>> {
        Ok(self
            .inner
            .auth()
            .ensure_admin(&name, &password)?
            .map(Into::into))
    }

    /// All users.
    pub fn users(&self) -> Result<Vec<User>> {
        Ok(self
            .inner
            .auth()
            .list_users(&UserFilter::default())?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The user with this name (ignoring case).
    pub fn user_by_name(&self, name: String) -> Result<Option<User>> {
        Ok(self.inner.auth().user_by_name(&name)?.map(Into::into))
    }

    /// Logs in by name and password from a device: a new access token for the HTTP API. A
    /// wrong password is `InvalidCredentials` and counts towards the lockout.
    pub fn authenticate(
        &self,
        name: String,
        password: String,
        device: DeviceInfo,
    ) -> Result<Session> {
        Ok(self
            .inner
            .auth()
            .authenticate_by_name(&name, &password, &device.into())?
            .into())
    }

    /// Sets a user's password (empty: none). With `current`, it must match first. The user's
    /// access tokens are revoked.
    #[uniffi::method(default(current = None))]
    pub fn set_password(
        &self,
        user_id: String,
        new_password: String,
        current: Option<String>,
    ) -> Result<()> {
        Ok(self.inner.auth().change_password(
            crate::types::user_id(&user_id)?,
            current.as_deref(),
            &new_password,
            None,
        )?)
    }

    /// What a user did with an item (played, position, favorite).
    pub fn user_data(&self, user_id: String, item_id: String) -> Result<UserItemData> {
        Ok(self
            .inner
            .user_data()
            .get(self::user_id(&user_id)?, self::item_id(&item_id)?)?
            .into())
    }

    /// Marks an item played (now) or unplayed for a user.
    pub fn set_played(
        &self,
        user_id: String,
        item_id: String,
        played: bool,
    ) -> Result<UserItemData> {
        let (user, item) = (self::user_id(&user_id)?, self::item_id(&item_id)?);
        let data = if played {
            self.inner.user_data().mark_played(user, item, None)?
        } else {
            self.inner.user_data().mark_unplayed(user, item)?
        };
        Ok(data.into())
    }

    /// Marks an item a favorite of a user, or not.
    pub fn set_favorite(
        &self,
        user_id: String,
        item_id: String,
        favorite: bool,
    ) -> Result<UserItemData> {
        Ok(self
            .inner
            .user_data()
            .set_favorite(self::user_id(&user_id)?, self::item_id(&item_id)?, favorite)?
            .into())
    }

    /// Reports a playback position (100 ns ticks) as a client's progress report does:
    /// Jellyfin's resume rules decide whether it becomes a resume point, completes the item or
    /// is ignored.
    pub fn report_playback_progress(
        &self,
        user_id: String,
        item_id: String,
        position_ticks: i64,
    ) -> Result<PlaybackReport> {
        let (data, completed) = self.inner.user_data().playback_progress(
            self::user_id(&user_id)?,
            self::item_id(&item_id)?,
            Some(position_ticks),
            None,
        )?;
        Ok(PlaybackReport {
            data: data.into(),
            completed,
        })
    }

    /// Starts the Jellyfin HTTP API for this library on `address` (`127.0.0.1:8096`; port 0
    /// picks a free port), optionally under `base_path` (`/jellyfin`), on a runtime this
    /// object owns. Returns the API's root URL. `Conflict` when it already runs.
    #[uniffi::method(default(base_path = None, server_name = None))]
    pub fn start_server(
        &self,
        address: String,
        base_path: Option<String>,
        server_name: Option<String>,
    ) -> Result<String> {
        let mut serving = self.serving()?;
        if let Some(s) = serving.as_ref() {
            return Err(JellyfinError::Conflict(format!(
                "the server already runs at {}",
                s.running.url()
            )));
        }
        let server_error =
            |what: &str, e: std::io::Error| JellyfinError::Server(format!("{what} {address}: {e}"));
        let listener =
            std::net::TcpListener::bind(&address).map_err(|e| server_error("cannot bind", e))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("jellyfin-http")
            .enable_all()
            .build()
            .map_err(|e| server_error("cannot start a runtime for", e))?;
        let mut builder = EmbeddedServer::builder(&self.data_dir).library(self.inner.clone());
        if let Some(path) = base_path.as_deref() {
            builder = builder.base_path(path);
        }
        if let Some(name) = server_name {
            builder = builder.server_name(name);
        }
        let running = builder.build()?.spawn_on(runtime.handle(), listener)?;
        let url = running.url().to_owned();
        *serving = Some(Serving { runtime, running });
        Ok(url)
    }

    /// Stops the HTTP API (waiting for open requests); `false` when it was not running.
    pub fn stop_server(&self) -> Result<bool> {
        let Some(serving) = self.serving()?.take() else {
            return Ok(false);
        };
        serving.stop()?;
        Ok(true)
    }

    /// The HTTP API's root URL while it runs.
    pub fn server_url(&self) -> Option<String> {
        self.serving
            .lock()
            .ok()?
            .as_ref()
            .map(|s| s.running.url().to_owned())
    }
}
