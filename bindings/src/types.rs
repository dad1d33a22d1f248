//! Foreign-facing copies of the core's types (uniffi records and enums) and their conversions.
//! Plain data: every field maps one core field; ids travel as N-format strings.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use jellyfin_core::store;

use crate::error::JellyfinError;

/// Parses an item id (N or dashed format).
pub(crate) fn item_id(text: &str) -> Result<store::ItemId, JellyfinError> {
    store::ItemId::parse(text)
        .ok_or_else(|| JellyfinError::InvalidArgument(format!("not an item id: {text:?}")))
}

/// Parses a user id (N or dashed format).
pub(crate) fn user_id(text: &str) -> Result<jellyfin_core::auth::UserId, JellyfinError> {
    jellyfin_core::auth::UserId::parse(text)
        .ok_or_else(|| JellyfinError::InvalidArgument(format!("not a user id: {text:?}")))
}

fn opt_id(id: Option<store::ItemId>) -> Option<String> {
    id.map(|i| i.to_n())
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Library content types (Jellyfin's `CollectionType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LibraryKind {
    /// Movies.
    Movies,
    /// TV shows.
    TvShows,
    /// Music.
    Music,
    /// Books and audiobooks.
    Books,
    /// Home videos and photos.
    HomeVideos,
    /// Music videos.
    MusicVideos,
    /// Mixed content.
    Mixed,
}

impl From<LibraryKind> for store::LibraryKind {
    fn from(k: LibraryKind) -> Self {
        match k {
            LibraryKind::Movies => Self::Movies,
            LibraryKind::TvShows => Self::TvShows,
            LibraryKind::Music => Self::Music,
            LibraryKind::Books => Self::Books,
            LibraryKind::HomeVideos => Self::HomeVideos,
            LibraryKind::MusicVideos => Self::MusicVideos,
            LibraryKind::Mixed => Self::Mixed,
        }
    }
}

impl From<store::LibraryKind> for LibraryKind {
    fn from(k: store::LibraryKind) -> Self {
        match k {
            store::LibraryKind::Movies => Self::Movies,
            store::LibraryKind::TvShows => Self::TvShows,
            store::LibraryKind::Music => Self::Music,
            store::LibraryKind::Books => Self::Books,
            store::LibraryKind::HomeVideos => Self::HomeVideos,
            store::LibraryKind::MusicVideos => Self::MusicVideos,
            store::LibraryKind::Mixed => Self::Mixed,
        }
    }
}

/// A library: a named set of folders of one content type.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Library {
    /// Its id (also its collection folder item's id).
    pub id: String,
    /// Its name, unique ignoring case.
    pub name: String,
    /// Its content type.
    pub kind: LibraryKind,
    /// Its folders (absolute paths).
    pub folders: Vec<String>,
}

impl From<store::LibraryRecord> for Library {
    fn from(l: store::LibraryRecord) -> Self {
        Self {
            id: l.id.to_n(),
            name: l.name,
            kind: l.kind.into(),
            folders: l.folders,
        }
    }
}

macro_rules! mirror_enum {
    ($(#[$meta:meta])* $name:ident => $core:path { $($(#[$vmeta:meta])* $variant:ident),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl From<$name> for $core {
            fn from(v: $name) -> Self {
                match v { $($name::$variant => <$core>::$variant,)* }
            }
        }

        impl From<$core> for $name {
            fn from(v: $core) -> Self {
                match v { $(<$core>::$variant => $name::$variant,)* }
            }
        }
    };
}

mirror_enum! {
    /// Item kinds (Jellyfin's `BaseItemKind` values this server produces).
    ItemKind => store::ItemKind {
        /// A library's root folder.
        CollectionFolder,
        /// A plain folder.
        Folder,
        /// A movie.
        Movie,
        /// A video that is not a movie or episode.
        Video,
        /// A trailer.
        Trailer,
        /// A music video.
        MusicVideo,
        /// A TV series.
        Series,
        /// A season of a series.
        Season,
        /// An episode.
        Episode,
        /// A music artist.
        MusicArtist,
        /// A music album.
        MusicAlbum,
        /// A song or other audio file.
        Audio,
        /// An audiobook.
        AudioBook,
        /// A book.
        Book,
        /// A collection of movies.
        BoxSet,
        /// A person (cast and crew).
        Person,
        /// A genre.
        Genre,
        /// A music genre.
        MusicGenre,
        /// A studio.
        Studio,
    }
}

mirror_enum! {
    /// Jellyfin's media types.
    MediaType => store::MediaType {
        /// Video files.
        Video,
        /// Audio files.
        Audio,
        /// Books.
        Book,
    }
}

mirror_enum! {
    /// Sort keys of an item query.
    SortBy => store::SortBy {
        /// Sort name (articles dropped, numbers padded).
        SortName,
        /// Display name.
        Name,
        /// Production year.
        ProductionYear,
        /// Premiere date.
        PremiereDate,
        /// Date added to the library.
        DateCreated,
        /// Community rating.
        CommunityRating,
        /// Runtime.
        Runtime,
        /// Random order.
        Random,
        /// Index number (episode, track).
        IndexNumber,
        /// Parent index number (season, disc).
        ParentIndexNumber,
    }
}

/// One sort key and its direction.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SortKey {
    /// The key.
    pub by: SortBy,
    /// Largest first.
    #[uniffi(default)]
    pub descending: bool,
}

/// An item query (the one `/Items` runs). Empty lists mean "no constraint"; every field has a
/// default, so `ItemQuery(include_kinds=[ItemKind.MOVIE], recursive=True)` is a query.
#[derive(Debug, Clone, PartialEq, Default, uniffi::Record)]
pub struct ItemQuery {
    /// Items whose parent (or, when `recursive`, any ancestor) is this item.
    #[uniffi(default)]
    pub parent_id: Option<String>,
    /// Search all descendants of `parent_id` (or of every library) instead of direct children.
    #[uniffi(default)]
    pub recursive: bool,
    /// Only these kinds.
    #[uniffi(default)]
    pub include_kinds: Vec<ItemKind>,
    /// Not these kinds.
    #[uniffi(default)]
    pub exclude_kinds: Vec<ItemKind>,
    /// Only these media types.
    #[uniffi(default)]
    pub media_types: Vec<MediaType>,
    /// Only these ids.
    #[uniffi(default)]
    pub ids: Vec<String>,
    /// Only items of this library.
    #[uniffi(default)]
    pub library_id: Option<String>,
    /// Folders only (`true`) or non-folders only (`false`).
    #[uniffi(default)]
    pub is_folder: Option<bool>,
    /// Search words (ranked by the search index, typo-tolerant, when it is ready).
    #[uniffi(default)]
    pub search_term: Option<String>,
    /// Sort names starting with this.
    #[uniffi(default)]
    pub name_starts_with: Option<String>,
    /// Items with any of these genres.
    #[uniffi(default)]
    pub genres: Vec<String>,
    /// Items from any of these production years.
    #[uniffi(default)]
    pub years: Vec<i32>,
    /// Include extras (trailers, featurettes owned by an item).
    #[uniffi(default)]
    pub include_extras: bool,
    /// Sort keys, in order.
    #[uniffi(default)]
    pub sort: Vec<SortKey>,
    /// Paging: how many to skip.
    #[uniffi(default)]
    pub start_index: u32,
    /// Paging: how many to return (`None`: all).
    #[uniffi(default)]
    pub limit: Option<u32>,
}

impl ItemQuery {
    pub(crate) fn to_core(&self) -> Result<store::ItemQuery, JellyfinError> {
        let opt = |t: &Option<String>| t.as_deref().map(item_id).transpose();
        Ok(store::ItemQuery {
            parent_id: opt(&self.parent_id)?,
            recursive: self.recursive,
            include_kinds: self.include_kinds.iter().map(|&k| k.into()).collect(),
            exclude_kinds: self.exclude_kinds.iter().map(|&k| k.into()).collect(),
            media_types: self.media_types.iter().map(|&m| m.into()).collect(),
            ids: self
                .ids
                .iter()
                .map(|i| item_id(i))
                .collect::<Result<_, _>>()?,
            library_id: opt(&self.library_id)?,
            is_folder: self.is_folder,
            search_term: self.search_term.clone(),
            name_starts_with: self.name_starts_with.clone(),
            genres: self.genres.clone(),
            years: self.years.clone(),
            include_extras: self.include_extras,
            sort: self
                .sort
                .iter()
                .map(|s| {
                    let order = if s.descending {
                        store::SortOrder::Descending
                    } else {
                        store::SortOrder::Ascending
                    };
                    (s.by.into(), order)
                })
                .collect(),
            start_index: self.start_index as usize,
            limit: self.limit.map(|l| l as usize),
            ..store::ItemQuery::default()
        })
    }
}

/// One stream of an item's media (embedded, or an external subtitle or audio file).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MediaStream {
    /// Index (embedded streams first, external after them).
    pub index: i32,
    /// `Video`, `Audio`, `Subtitle`, `EmbeddedImage`, `Data`, `Attachment`.
    pub kind: String,
    /// Codec name as ffprobe prints it (`h264`, `aac`, `subrip`).
    pub codec: Option<String>,
    /// Codec profile.
    pub profile: Option<String>,
    /// Width in pixels.
    pub width: Option<i32>,
    /// Height in pixels.
    pub height: Option<i32>,
    /// Average frame rate.
    pub average_frame_rate: Option<f64>,
    /// Bit depth.
    pub bit_depth: Option<i32>,
    /// Audio channels.
    pub channels: Option<i32>,
    /// Channel layout.
    pub channel_layout: Option<String>,
    /// Sample rate.
    pub sample_rate: Option<i32>,
    /// Bit rate.
    pub bit_rate: Option<i64>,
    /// ISO 639-2 language.
    pub language: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Default flag.
    pub is_default: bool,
    /// Forced flag.
    pub is_forced: bool,
    /// Whether the stream is an external file.
    pub is_external: bool,
    /// The external file's path.
    pub path: Option<String>,
}

impl From<store::StreamRecord> for MediaStream {
    fn from(s: store::StreamRecord) -> Self {
        Self {
            index: s.index,
            kind: s.kind,
            codec: s.codec,
            profile: s.profile,
            width: s.width,
            height: s.height,
            average_frame_rate: s.average_frame_rate,
            bit_depth: s.bit_depth,
            channels: s.channels,
            channel_layout: s.channel_layout,
            sample_rate: s.sample_rate,
            bit_rate: s.bit_rate,
            language: s.language,
            title: s.title,
            is_default: s.is_default,
            is_forced: s.is_forced,
            is_external: s.is_external,
            path: s.path,
        }
    }
}

/// An item as the store keeps it (the subset apps use), with its media streams.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Item {
    /// Item id (N format).
    pub id: String,
    /// Kind (`None` for a kind this version does not know).
    pub kind: Option<ItemKind>,
    /// Display name.
    pub name: String,
    /// Sort name.
    pub sort_name: String,
    /// Original title.
    pub original_title: Option<String>,
    /// Overview (plot).
    pub overview: Option<String>,
    /// File or folder path.
    pub path: Option<String>,
    /// The library the item belongs to.
    pub library_id: Option<String>,
    /// The parent in the browse tree.
    pub parent_id: Option<String>,
    /// The series of a season or episode.
    pub series_id: Option<String>,
    /// The season of an episode.
    pub season_id: Option<String>,
    /// The series name of a season or episode.
    pub series_name: Option<String>,
    /// The album of a track.
    pub album: Option<String>,
    /// Production year.
    pub production_year: Option<i32>,
    /// Premiere date, `YYYY-MM-DD`.
    pub premiere_date: Option<String>,
    /// Community rating (0-10).
    pub community_rating: Option<f64>,
    /// Official (parental) rating, e.g. `PG-13`.
    pub official_rating: Option<String>,
    /// Runtime in 100 ns ticks.
    pub run_time_ticks: Option<i64>,
    /// Episode number, track number...
    pub index_number: Option<i32>,
    /// Season number of an episode, disc number of a track.
    pub parent_index_number: Option<i32>,
    /// Extra type (`Trailer`, ...), for extras.
    pub extra_type: Option<String>,
    /// Media type of playable items.
    pub media_type: Option<MediaType>,
    /// Container as ffprobe names it.
    pub container: Option<String>,
    /// File size in bytes.
    pub size: Option<i64>,
    /// Overall bit rate.
    pub bitrate: Option<i64>,
    /// Why probing the file failed, when it did.
    pub probe_error: Option<String>,
    /// Genres.
    pub genres: Vec<String>,
    /// Studios.
    pub studios: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Provider ids (`Tmdb` → `603`).
    pub provider_ids: HashMap<String, String>,
    /// Media streams (embedded, then external).
    pub streams: Vec<MediaStream>,
}

impl From<store::ItemRecord> for Item {
    fn from(i: store::ItemRecord) -> Self {
        Self {
            id: opt_id(i.id).unwrap_or_default(),
            kind: i.kind.map(Into::into),
            name: i.name,
            sort_name: i.sort_name,
            original_title: i.original_title,
            overview: i.overview,
            path: i.path,
            library_id: opt_id(i.library_id),
            parent_id: opt_id(i.parent_id),
            series_id: opt_id(i.series_id),
            season_id: opt_id(i.season_id),
            series_name: i.series_name,
            album: i.album,
            production_year: i.production_year,
            premiere_date: i.premiere_date,
            community_rating: i.community_rating,
            official_rating: i.official_rating,
            run_time_ticks: i.run_time_ticks,
            index_number: i.index_number,
            parent_index_number: i.parent_index_number,
            extra_type: i.extra_type,
            media_type: i.media_type.map(Into::into),
            container: i.container,
            size: i.size,
            bitrate: i.bitrate,
            probe_error: i.probe_error,
            genres: i.genres,
            studios: i.studios,
            tags: i.tags,
            provider_ids: i.provider_ids.into_iter().collect(),
            streams: i.streams.into_iter().map(Into::into).collect(),
        }
    }
}

/// A page of items and the total count of matches.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ItemPage {
    /// The page.
    pub items: Vec<Item>,
    /// How many items match in all.
    pub total_record_count: u64,
    /// The index of the page's first item.
    pub start_index: u64,
}

impl From<store::QueryResult<store::ItemRecord>> for ItemPage {
    fn from(r: store::QueryResult<store::ItemRecord>) -> Self {
        Self {
            items: r.items.into_iter().map(Into::into).collect(),
            total_record_count: count(r.total_record_count),
            start_index: count(r.start_index),
        }
    }
}

/// A page of item ids and the total count of matches.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct IdPage {
    /// The page's ids (N format).
    pub ids: Vec<String>,
    /// How many items match in all.
    pub total_record_count: u64,
    /// The index of the page's first id.
    pub start_index: u64,
}

impl From<store::QueryResult<store::ItemId>> for IdPage {
    fn from(r: store::QueryResult<store::ItemId>) -> Self {
        Self {
            ids: r.items.iter().map(store::ItemId::to_n).collect(),
            total_record_count: count(r.total_record_count),
            start_index: count(r.start_index),
        }
    }
}

/// A search: typo-tolerant, as-you-type, over names, people, genres and more.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SearchQuery {
    /// The user's words.
    pub term: String,
    /// Only these kinds (empty: any).
    #[uniffi(default)]
    pub include_kinds: Vec<ItemKind>,
    /// Not these kinds.
    #[uniffi(default)]
    pub exclude_kinds: Vec<ItemKind>,
    /// Only these media types (empty: any).
    #[uniffi(default)]
    pub media_types: Vec<MediaType>,
    /// Only items of these libraries (`None`: any).
    #[uniffi(default)]
    pub library_ids: Option<Vec<String>>,
    /// At most this many hits.
    #[uniffi(default = 20)]
    pub limit: u32,
}

impl SearchQuery {
    pub(crate) fn to_core(&self) -> Result<jellyfin_core::search::SearchQuery, JellyfinError> {
        Ok(jellyfin_core::search::SearchQuery {
            term: self.term.clone(),
            include_kinds: self.include_kinds.iter().map(|&k| k.into()).collect(),
            exclude_kinds: self.exclude_kinds.iter().map(|&k| k.into()).collect(),
            media_types: self.media_types.iter().map(|&m| m.into()).collect(),
            libraries: self
                .library_ids
                .as_ref()
                .map(|ids| ids.iter().map(|i| item_id(i)).collect())
                .transpose()?,
            parental: None,
            limit: self.limit as usize,
        })
    }
}

/// One search hit, best first.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SearchHit {
    /// The item id (N format).
    pub id: String,
    /// Relevance (comparable within one search only).
    pub score: f32,
}

impl From<jellyfin_core::search::SearchHit> for SearchHit {
    fn from(h: jellyfin_core::search::SearchHit) -> Self {
        Self {
            id: h.id.to_n(),
            score: h.score,
        }
    }
}

/// Progress of a scan.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum ScanEvent {
    /// The library folders were walked.
    Walked {
        /// Files found.
        files: u64,
        /// Units (top-level folders) in the library.
        units: u64,
        /// Units that changed since the last scan.
        changed_units: u64,
    },
    /// Items were found in changed units (cumulative).
    Found {
        /// Items found so far.
        items: u64,
    },
    /// A media file was probed (or its stored facts reused).
    Probed {
        /// The file.
        path: String,
        /// Files done.
        done: u64,
        /// Files to probe in all.
        total: u64,
    },
    /// A unit was written.
    UnitDone {
        /// Units done.
        done: u64,
        /// Changed units in all.
        total: u64,
    },
}

impl ScanEvent {
    /// The foreign copy of a core event; `None` for an event this version does not know.
    pub(crate) fn from_core(e: &jellyfin_core::scan::ScanEvent) -> Option<Self> {
        use jellyfin_core::scan::ScanEvent as E;
        Some(match e {
            E::Walked {
                files,
                units,
                changed_units,
            } => Self::Walked {
                files: count(*files),
                units: count(*units),
                changed_units: count(*changed_units),
            },
            E::Found { items } => Self::Found {
                items: count(*items),
            },
            E::Probed { path, done, total } => Self::Probed {
                path: path.clone(),
                done: count(*done),
                total: count(*total),
            },
            E::UnitDone { done, total } => Self::UnitDone {
                done: count(*done),
                total: count(*total),
            },
            _ => return None,
        })
    }
}

/// The outcome of a scan.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ScanSummary {
    /// The library.
    pub library: String,
    /// Items of the library per kind after the scan (`Movie` → 12).
    pub items_by_kind: HashMap<String, u64>,
    /// Items created.
    pub added: u64,
    /// Items rewritten because something changed.
    pub updated: u64,
    /// Items removed.
    pub removed: u64,
    /// Units skipped because nothing in them changed.
    pub unchanged_units: u64,
    /// Units resolved and written.
    pub changed_units: u64,
    /// Media files probed.
    pub probed: u64,
    /// Items whose probe failed.
    pub probe_errors: u64,
    /// Paths the walk could not read.
    pub walk_issues: u64,
    /// Library folders that could not be scanned (their items are kept).
    pub folder_errors: Vec<String>,
    /// Whether the scan was cancelled before finishing.
    pub cancelled: bool,
    /// Wall time.
    pub elapsed: Duration,
}

impl From<jellyfin_core::scan::ScanSummary> for ScanSummary {
    fn from(s: jellyfin_core::scan::ScanSummary) -> Self {
        Self {
            library: s.library,
            items_by_kind: s
                .items_by_kind
                .into_iter()
                .map(|(k, v)| (k, count(v)))
                .collect(),
            added: count(s.added),
            updated: count(s.updated),
            removed: count(s.removed),
            unchanged_units: count(s.unchanged_units),
            changed_units: count(s.changed_units),
            probed: count(s.probed),
            probe_errors: count(s.probe_errors),
            walk_issues: count(s.walk_issues),
            folder_errors: s.folder_errors,
            cancelled: s.cancelled,
            elapsed: s.elapsed,
        }
    }
}

/// A user account (without its password hash).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct User {
    /// Id (N format).
    pub id: String,
    /// Name, unique ignoring case.
    pub name: String,
    /// Whether the user has a password.
    pub has_password: bool,
    /// Administrator.
    pub is_administrator: bool,
    /// Disabled (cannot log in).
    pub is_disabled: bool,
    /// Hidden from the login screen.
    pub is_hidden: bool,
    /// When the account was created.
    pub created: SystemTime,
    /// The last successful login.
    pub last_login: Option<SystemTime>,
}

impl From<jellyfin_core::auth::User> for User {
    fn from(u: jellyfin_core::auth::User) -> Self {
        Self {
            id: u.id.to_n(),
            has_password: u.has_password(),
            is_administrator: u.is_admin(),
            is_disabled: u.is_disabled(),
            is_hidden: u.is_hidden(),
            name: u.name,
            created: u.created,
            last_login: u.last_login,
        }
    }
}

/// What a client says about itself when it logs in (all four are required).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DeviceInfo {
    /// Stable per installation.
    pub device_id: String,
    /// The device's name.
    pub device_name: String,
    /// The app's name.
    pub client: String,
    /// The app's version.
    pub version: String,
}

impl From<DeviceInfo> for jellyfin_core::auth::DeviceInfo {
    fn from(d: DeviceInfo) -> Self {
        Self::new(d.device_id, d.device_name, d.client, d.version)
    }
}

/// A successful login.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Session {
    /// The access token (send it as `Authorization: MediaBrowser Token="..."`).
    pub token: String,
    /// The user.
    pub user: User,
}

impl From<jellyfin_core::auth::Session> for Session {
    fn from(s: jellyfin_core::auth::Session) -> Self {
        Self {
            token: s.token,
            user: s.user.into(),
        }
    }
}

/// What one user did with one item.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct UserItemData {
    /// The item (N format).
    pub item_id: String,
    /// Watched / read / listened to.
    pub played: bool,
    /// How many times playback started (or the item was marked played).
    pub play_count: i32,
    /// Where to resume, in 100 ns ticks; 0 when not in progress.
    pub playback_position_ticks: i64,
    /// Favorite.
    pub is_favorite: bool,
    /// Thumbs up or down; `None` when not rated.
    pub likes: Option<bool>,
    /// When playback last started, or the date given when marked played.
    pub last_played: Option<SystemTime>,
}

impl From<jellyfin_core::userdata::UserItemData> for UserItemData {
    fn from(d: jellyfin_core::userdata::UserItemData) -> Self {
        Self {
            item_id: d.item_id.to_n(),
            played: d.played,
            play_count: d.play_count,
            playback_position_ticks: d.playback_position_ticks,
            is_favorite: d.is_favorite,
            likes: d.likes,
            last_played: d.last_played,
        }
    }
}

/// The outcome of a playback progress report.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PlaybackReport {
    /// The user's data for the item after the report.
    pub data: UserItemData,
    /// Whether the report completed the item (past the played threshold).
    pub completed: bool,
}

/// Facts of one stream of a probed file.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ProbedStream {
    /// Position in the container.
    pub index: u64,
    /// `Video`, `Audio`, `Subtitle`, `Attachment`, `Data` or `Unknown`.
    pub kind: String,
    /// Codec name as ffprobe prints it.
    pub codec: Option<String>,
    /// Codec profile.
    pub profile: Option<String>,
    /// Language tag.
    pub language: Option<String>,
    /// Width in pixels.
    pub width: Option<u32>,
    /// Height in pixels.
    pub height: Option<u32>,
    /// Audio channels.
    pub channels: Option<u32>,
    /// Audio sample rate in Hz.
    pub sample_rate: Option<u32>,
}

fn stream_kind(kind: jellyfin_core::probe::StreamKind) -> &'static str {
    use jellyfin_core::probe::StreamKind as K;
    match kind {
        K::Video => "Video",
        K::Audio => "Audio",
        K::Subtitle => "Subtitle",
        K::Attachment => "Attachment",
        K::Data => "Data",
        K::Unknown => "Unknown",
    }
}

/// The facts of one media file, read in-process through libav.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MediaInfo {
    /// Container as ffprobe prints `format_name` (`matroska,webm`).
    pub container: String,
    /// Duration in 100 ns ticks, when known.
    pub duration_ticks: Option<i64>,
    /// Overall bit rate, when known.
    pub bit_rate: Option<i64>,
    /// File size in bytes.
    pub size: u64,
    /// Streams in container order.
    pub streams: Vec<ProbedStream>,
    /// Chapter count.
    pub chapters: u64,
}

impl From<jellyfin_core::probe::MediaInfo> for MediaInfo {
    fn from(m: jellyfin_core::probe::MediaInfo) -> Self {
        Self {
            container: m.container,
            duration_ticks: m.duration_ticks,
            bit_rate: m.bit_rate,
            size: m.size,
            chapters: count(m.chapters.len()),
            streams: m
                .streams
                .into_iter()
                .map(|s| ProbedStream {
                    index: count(s.index),
                    kind: stream_kind(s.kind).to_owned(),
                    codec: s.codec,
                    profile: s.profile,
                    language: s.language,
                    width: s.width,
                    height: s.height,
                    channels: s.channels,
                    sample_rate: s.sample_rate,
                })
                .collect(),
        }
    }
}
