//! `BaseItemDto` and the shapes inside it (`UserItemDataDto`, `BaseItemPerson`,
//! `NameGuidPair`, `ChapterInfo`), `QueryResult`, the `Fields` request parameter, image tags and
//! Jellyfin's date format.
//!
//! [`item_dto`] converts one stored [`ItemRecord`] the way Jellyfin's `DtoService` does
//! (SURFACE.md §1.6-§1.10): always `Id`, `ServerId`, `Name`, `Type`, `IsFolder`, `MediaType`,
//! `ImageTags`, `BackdropImageTags`, `ImageBlurHashes`, `LocationType` and the type-specific
//! fields; the rest only when the request's `Fields` name them ([`FieldSet`]; item details use
//! [`FieldSet::all`]). Everything that is not the item itself (user data, counts, parents whose
//! images are inherited, alternate versions, permissions) comes in through [`DtoContext`].
//!
//! **Image tags** ([`image_tag`]) are Jellyfin's formula applied to the image file: the MD5 of
//! the UTF-16LE text `<image path><modification time in .NET ticks>`, printed as a .NET GUID in
//! N format (32 hex digits). A new file or a new modification time gives a new tag; the image
//! route recomputes it from the same [`ImageRecord`] to compare. (Jellyfin hashes the *item's*
//! path with the image's time; hashing the image's own path keeps tags of different images of
//! one item distinct.)

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use jellyfin_core::store::{
    by_name_id, ImageRecord, ItemId, ItemKind, ItemRecord, LibraryKind, MediaType,
};
use serde::Serialize;

use super::media::{
    self, MediaSourceInfo, MediaStream, SourceFlags, VideoType, DOTNET_EPOCH_TICKS,
};

// ---------------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------------

use jellyfin_core::logs::civil_from_days;

/// A civil date to days since 1970-01-01 (inverse of [`civil_from_days`]).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Formats a time given in 100 ns ticks since the Unix epoch as Jellyfin does.
fn format_ticks(ticks: i64) -> String {
    let secs = ticks.div_euclid(10_000_000);
    let frac = ticks.rem_euclid(10_000_000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:07}Z",
        s / 3_600,
        (s % 3_600) / 60,
        s % 60
    )
}

/// Formats Unix seconds as Jellyfin writes dates: UTC, seven fraction digits, `Z`
/// (`2024-05-01T12:34:56.0000000Z`).
pub fn format_date(unix_seconds: i64) -> String {
    format_ticks(unix_seconds.saturating_mul(10_000_000))
}

/// Formats Unix milliseconds as Jellyfin writes dates (`2024-05-01T12:34:56.7890000Z`).
pub fn format_date_millis(unix_millis: i64) -> String {
    format_ticks(unix_millis.saturating_mul(10_000))
}

/// Formats a [`SystemTime`] as Jellyfin writes dates, to 100 ns.
pub fn format_system_time(t: SystemTime) -> String {
    let ticks = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (d.as_nanos() / 100) as i64,
        Err(e) => -(e.duration().as_nanos().div_ceil(100) as i64),
    };
    format_ticks(ticks)
}

/// A stored `YYYY-MM-DD` date (premiere dates) as midnight UTC in Jellyfin's format
/// (`2017-10-04T00:00:00.0000000Z`). `None` when the text is not a valid calendar date.
pub fn format_premiere_date(date: &str) -> Option<String> {
    let mut parts = date.trim().splitn(3, '-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    let all_digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(y, 4) || !all_digits(m, 2) || !all_digits(d, 2) {
        return None;
    }
    let (y, m, d): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let days = days_from_civil(y, m, d);
    // Round-tripping rejects month 13, February 30 and the like.
    (civil_from_days(days) == (y, m, d)).then(|| format_date(days * 86_400))
}

/// The date Jellyfin writes for "never" (`DateTime.MinValue`): `0001-01-01T00:00:00.0000000Z`.
pub const MIN_DATE: &str = "0001-01-01T00:00:00.0000000Z";

// ---------------------------------------------------------------------------------------------
// Hashes
// ---------------------------------------------------------------------------------------------

/// MD5 (RFC 1321). The server crate has no hashing dependency; this is the only use.
fn md5(data: &[u8]) -> [u8; 16] {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    let k: Vec<u32> = (0..64)
        .map(|i| ((f64::from(i + 1)).sin().abs() * 4_294_967_296.0) as u32)
        .collect();
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_le_bytes());
    let mut h: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];
    for chunk in msg.chunks_exact(64) {
        let m: Vec<u32> = chunk
            .chunks_exact(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        let [mut a, mut b, mut c, mut d] = h;
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let f = f.wrapping_add(a).wrapping_add(k[i]).wrapping_add(m[g]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(f.rotate_left(S[i]));
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 16];
    for (i, word) in h.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&word.to_le_bytes());
    }
    out
}

/// Jellyfin's `string.GetMD5().ToString("N")`: MD5 of the UTF-16LE text, read as a .NET
/// `Guid` (first three fields little-endian) and printed as 32 lower-case hex digits.
pub(crate) fn dotnet_md5_n(text: &str) -> String {
    let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let h = md5(&bytes);
    [
        h[3], h[2], h[1], h[0], h[5], h[4], h[7], h[6], h[8], h[9], h[10], h[11], h[12], h[13],
        h[14], h[15],
    ]
    .iter()
    .map(|b| format!("{b:02x}"))
    .collect()
}

/// The tag of an image: MD5 of `<image path><modification time in .NET ticks>` (UTF-16LE, as
/// .NET GUID N format). Changes whenever the file is replaced or touched; the image route
/// recomputes it from the same record.
pub fn image_tag(image: &ImageRecord) -> String {
    let ticks = image
        .date_modified
        .saturating_mul(10_000_000)
        .saturating_add(DOTNET_EPOCH_TICKS);
    dotnet_md5_n(&format!("{}{}", image.path, ticks))
}

/// Jellyfin's `ImageType` name of a stored image type number (`0` -> `Primary`).
pub fn image_type_name(image_type: i32) -> Option<&'static str> {
    const NAMES: [&str; 13] = [
        "Primary",
        "Art",
        "Backdrop",
        "Banner",
        "Logo",
        "Thumb",
        "Disc",
        "Box",
        "Screenshot",
        "Menu",
        "Chapter",
        "BoxRear",
        "Profile",
    ];
    usize::try_from(image_type)
        .ok()
        .and_then(|i| NAMES.get(i))
        .copied()
}

pub(crate) const PRIMARY: i32 = 0;
const BACKDROP: i32 = 2;
const LOGO: i32 = 4;
const THUMB: i32 = 5;
const SCREENSHOT: i32 = 8;
const CHAPTER: i32 = 10;

// ---------------------------------------------------------------------------------------------
// Fields
// ---------------------------------------------------------------------------------------------

macro_rules! item_fields {
    ($($field:ident),* $(,)?) => {
        /// One value of Jellyfin's `ItemFields` (the `Fields` request parameter).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ItemField {
            $(
                #[doc = concat!("`", stringify!($field), "`")]
                $field,
            )*
        }

        impl ItemField {
            /// Every field, in the spec's order.
            pub const ALL: &'static [ItemField] = &[$(ItemField::$field),*];

            /// The wire name.
            pub fn name(self) -> &'static str {
                match self { $(ItemField::$field => stringify!($field)),* }
            }

            /// Parses a field name, ignoring case.
            pub fn from_name(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|f| f.name().eq_ignore_ascii_case(name.trim()))
            }
        }
    };
}

item_fields! {
    AirTime, CanDelete, CanDownload, ChannelInfo, Chapters, Trickplay, ChildCount,
    CumulativeRunTimeTicks, CustomRating, DateCreated, DateLastMediaAdded, DisplayPreferencesId,
    Etag, ExternalUrls, Genres, ItemCounts, MediaSourceCount, MediaSources, OriginalTitle,
    Overview, ParentId, Path, People, PlayAccess, ProductionLocations, ProviderIds,
    PrimaryImageAspectRatio, RecursiveItemCount, Settings, SeriesStudio, SortName,
    SpecialEpisodeNumbers, Studios, Taglines, Tags, RemoteTrailers, MediaStreams, SeasonUserData,
    DateLastRefreshed, DateLastSaved, RefreshState, ChannelImage, EnableMediaSourceDisplay, Width,
    Height, ExtraIds, LocalTrailerCount, IsHD, SpecialFeatureCount,
}

/// The set of `Fields` a request asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FieldSet(u64);

impl FieldSet {
    /// No optional field.
    pub fn none() -> Self {
        Self(0)
    }

    /// Every field (item details: `GET /Items/{id}`).
    pub fn all() -> Self {
        Self(ItemField::ALL.iter().fold(0, |acc, f| acc | Self::bit(*f)))
    }

    fn bit(f: ItemField) -> u64 {
        1 << (f as u32)
    }

    /// The set as bits (one per field; a cache key).
    pub fn bits(&self) -> u64 {
        self.0
    }

    /// Parses `Fields` values: each value may itself be a comma list (`A,B` or repeated keys,
    /// SURFACE.md §1.3); names match ignoring case and surrounding spaces; unknown names
    /// (`Writer`, `Metascore`...) are dropped.
    pub fn parse<I, S>(values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut set = Self::none();
        for value in values {
            for name in value.as_ref().split(',') {
                if let Some(f) = ItemField::from_name(name) {
                    set.insert(f);
                }
            }
        }
        set
    }

    /// Whether `field` was asked for.
    pub fn contains(&self, field: ItemField) -> bool {
        self.0 & Self::bit(field) != 0
    }

    /// Adds `field`.
    pub fn insert(&mut self, field: ItemField) {
        self.0 |= Self::bit(field);
    }

    /// `self` with `field` added.
    pub fn with(mut self, field: ItemField) -> Self {
        self.insert(field);
        self
    }

    /// The fields in the set, in the spec's order.
    pub fn iter(&self) -> impl Iterator<Item = ItemField> + '_ {
        ItemField::ALL.iter().copied().filter(|f| self.contains(*f))
    }
}

// ---------------------------------------------------------------------------------------------
// Wire shapes
// ---------------------------------------------------------------------------------------------

/// `BaseItemDtoQueryResult` (and every other `*QueryResult`): a page of items.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct QueryResult<T> {
    /// The page.
    pub items: Vec<T>,
    /// Matches in total (not only on this page). Jellyfin reports the page size when the total
    /// was not asked for (SURFACE.md §1.7); never 0 for a non-empty page.
    pub total_record_count: usize,
    /// Offset of the page, echoing the request.
    pub start_index: usize,
}

impl<T> QueryResult<T> {
    /// A page.
    pub fn new(items: Vec<T>, total_record_count: usize, start_index: usize) -> Self {
        Self {
            items,
            total_record_count,
            start_index,
        }
    }

    /// An unpaged list (total = length, start 0).
    pub fn all(items: Vec<T>) -> Self {
        let total = items.len();
        Self::new(items, total, 0)
    }
}

/// `UserItemDataDto`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserItemDataDto {
    /// User rating.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<f64>,
    /// Position over runtime in percent (in-progress items), or the played share (folders).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub played_percentage: Option<f64>,
    /// Unplayed playable descendants (folders).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unplayed_item_count: Option<u32>,
    /// Resume position in ticks.
    pub playback_position_ticks: i64,
    /// Play count.
    pub play_count: i32,
    /// Favorite.
    pub is_favorite: bool,
    /// Thumbs up/down.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub likes: Option<bool>,
    /// Last played.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_played_date: Option<String>,
    /// Played.
    pub played: bool,
    /// The user-data key: the item id in N format.
    pub key: String,
    /// The item id (N format).
    pub item_id: String,
}

/// `BaseItemPerson`: a credit on an item.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BaseItemPerson {
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The by-name `Person` item id (N format).
    pub id: String,
    /// Character, for actors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// `PersonKind` (`Actor`, `Director`, ...; `Unknown` for unrecognised kinds).
    #[serde(rename = "Type")]
    pub kind: &'static str,
    /// The person's primary image tag, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_image_tag: Option<String>,
}

/// `NameGuidPair`: a studio, genre or artist with its by-name item id.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NameGuidPair {
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Id (N format).
    pub id: String,
}

/// `ChapterInfo`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChapterInfoDto {
    /// Start, ticks.
    pub start_position_ticks: i64,
    /// Title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Chapter image time; [`MIN_DATE`] (no chapter images).
    pub image_date_modified: String,
    /// Chapter image tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_tag: Option<String>,
}

/// `ExternalUrl`: a link shown on the details page.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExternalUrl {
    /// Site name (`IMDb`, `TheMovieDb`).
    pub name: String,
    /// The URL.
    pub url: String,
}

/// `LocationType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LocationType {
    /// On disk (or a by-name/library item, which Jellyfin keeps in its metadata folder).
    FileSystem,
    /// Known from metadata only (no file).
    Virtual,
}

/// `BaseItemDto`: one item as clients see it. Field order follows the spec.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct BaseItemDto {
    /// Display name.
    pub name: String,
    /// Original title (`Fields=OriginalTitle`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_title: Option<String>,
    /// The server id (byte-identical to `/System/Info/Public`'s `Id`).
    pub server_id: String,
    /// Item id (N format).
    pub id: String,
    /// Changes when the item changes (`Fields=Etag`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// When the item was added (`Fields=DateCreated`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_created: Option<String>,
    /// Extra kind, for extras.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_type: Option<String>,
    /// Permission (`Fields=CanDelete`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_delete: Option<bool>,
    /// Permission (`Fields=CanDownload`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_download: Option<bool>,
    /// Songs: whether a lyrics stream exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_lyrics: Option<bool>,
    /// Videos with subtitles: `true` (absent otherwise, as in Jellyfin).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_subtitles: Option<bool>,
    /// Container list of playable items (`mkv`, `mov,mp4,m4a,3gp,3g2,mj2`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// Sort name (`Fields=SortName`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_name: Option<String>,
    /// 3D layout.
    #[serde(rename = "Video3DFormat", skip_serializing_if = "Option::is_none")]
    pub video_3d_format: Option<String>,
    /// Premiere date, midnight UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub premiere_date: Option<String>,
    /// Links (`Fields=ExternalUrls`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_urls: Option<Vec<ExternalUrl>>,
    /// Playable versions (`Fields=MediaSources`; containers narrowed, see [`media::short_container`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_sources: Option<Vec<MediaSourceInfo>>,
    /// Countries (`Fields=ProductionLocations`; empty for movies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub production_locations: Option<Vec<String>>,
    /// File or folder path (`Fields=Path`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Shown in the version picker (`Fields=EnableMediaSourceDisplay`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_media_source_display: Option<bool>,
    /// Parental rating.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub official_rating: Option<String>,
    /// Plot (`Fields=Overview`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overview: Option<String>,
    /// Taglines (`Fields=Taglines`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taglines: Option<Vec<String>>,
    /// Genre names (`Fields=Genres`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub genres: Option<Vec<String>>,
    /// Community rating (only when positive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community_rating: Option<f64>,
    /// Runtime in ticks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_time_ticks: Option<i64>,
    /// `Full` (`Fields=PlayAccess`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub play_access: Option<&'static str>,
    /// Production year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub production_year: Option<i32>,
    /// Offline-disc stub.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_place_holder: Option<bool>,
    /// Episode, track or season number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_number: Option<i32>,
    /// Last episode of a multi-episode file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_number_end: Option<i32>,
    /// Season of an episode, disc of a track.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_index_number: Option<i32>,
    /// Trailer URLs (`Fields=RemoteTrailers`; empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_trailers: Option<Vec<ExternalUrl>>,
    /// Provider ids (`Fields=ProviderIds`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_ids: Option<BTreeMap<String, String>>,
    /// HD video (`Fields=IsHD`; only `true` is sent).
    #[serde(rename = "IsHD", skip_serializing_if = "Option::is_none")]
    pub is_hd: Option<bool>,
    /// Folder.
    pub is_folder: bool,
    /// Browse parent (`Fields=ParentId`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// `BaseItemKind` name.
    #[serde(rename = "Type")]
    pub kind: &'static str,
    /// Credits (`Fields=People`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub people: Option<Vec<BaseItemPerson>>,
    /// Studios (`Fields=Studios`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub studios: Option<Vec<NameGuidPair>>,
    /// Genres with ids (`Fields=Genres`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub genre_items: Option<Vec<NameGuidPair>>,
    /// Item whose logo is shown (inherited).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_logo_item_id: Option<String>,
    /// Item whose backdrops are shown (inherited).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_backdrop_item_id: Option<String>,
    /// Inherited backdrop tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_backdrop_image_tags: Option<Vec<String>>,
    /// Local trailers (when counted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_trailer_count: Option<usize>,
    /// The requesting user's data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_data: Option<UserItemDataDto>,
    /// Playable descendants (when counted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recursive_item_count: Option<usize>,
    /// Children (when counted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child_count: Option<usize>,
    /// Series of a season or episode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series_name: Option<String>,
    /// Series id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series_id: Option<String>,
    /// Season id of an episode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub season_id: Option<String>,
    /// Extras shown as special features (when counted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub special_feature_count: Option<usize>,
    /// Display preferences key (`Fields=DisplayPreferencesId`): the item id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_preferences_id: Option<String>,
    /// Tags (`Fields=Tags`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Width over height of the primary image (the series' for seasons/episodes without one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_image_aspect_ratio: Option<f64>,
    /// Performing artists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artists: Option<Vec<String>>,
    /// Performing artists with ids.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artist_items: Option<Vec<NameGuidPair>>,
    /// Album of a track.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub album: Option<String>,
    /// `CollectionType` of a library (lower case).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collection_type: Option<&'static str>,
    /// Album id of a track.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub album_id: Option<String>,
    /// Album cover tag of a track.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub album_primary_image_tag: Option<String>,
    /// Series poster tag of a season or episode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series_primary_image_tag: Option<String>,
    /// First album artist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub album_artist: Option<String>,
    /// Album artists with ids.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub album_artists: Option<Vec<NameGuidPair>>,
    /// Season name of an episode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub season_name: Option<String>,
    /// Streams of the item's own file (`Fields=MediaStreams`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_streams: Option<Vec<MediaStream>>,
    /// Video kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_type: Option<VideoType>,
    /// Parts of a stacked (multi-file) video.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_count: Option<usize>,
    /// Versions, when more than one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_source_count: Option<usize>,
    /// Single-image tags by type name.
    pub image_tags: BTreeMap<&'static str, String>,
    /// Backdrop tags, by backdrop index.
    pub backdrop_image_tags: Vec<String>,
    /// Inherited logo tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_logo_image_tag: Option<String>,
    /// Blurhashes: type name -> tag -> hash (own and inherited images).
    pub image_blur_hashes: BTreeMap<&'static str, BTreeMap<String, String>>,
    /// Item whose thumb is shown (inherited).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_thumb_item_id: Option<String>,
    /// Inherited thumb tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_thumb_image_tag: Option<String>,
    /// Chapters (`Fields=Chapters`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chapters: Option<Vec<ChapterInfoDto>>,
    /// `FileSystem` or `Virtual`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_type: Option<LocationType>,
    /// `Video`, `Audio`, `Book` or `Unknown`.
    pub media_type: &'static str,
    /// Locked fields (`Fields=Settings`; none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked_fields: Option<Vec<String>>,
    /// Movies tagged (by-name items, `Fields=ItemCounts`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trailer_count: Option<usize>,
    /// Movies tagged (by-name items).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub movie_count: Option<usize>,
    /// Series tagged (by-name items).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series_count: Option<usize>,
    /// Episodes tagged (by-name items).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub episode_count: Option<usize>,
    /// Songs tagged (by-name items).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub song_count: Option<usize>,
    /// Albums tagged (by-name items).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub album_count: Option<usize>,
    /// Artists tagged (by-name items).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artist_count: Option<usize>,
    /// Music videos tagged (by-name items).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub music_video_count: Option<usize>,
    /// Metadata locked (`Fields=Settings`; false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lock_data: Option<bool>,
    /// Video width (`Fields=Width`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<i32>,
    /// Video height (`Fields=Height`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<i32>,
}

// ---------------------------------------------------------------------------------------------
// Context
// ---------------------------------------------------------------------------------------------

/// What one user did with one item, as the DTO layer needs it (mirrors the store's
/// `user_data` row; folders add their computed counts).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UserDataView {
    /// Played.
    pub played: bool,
    /// Play count.
    pub play_count: i32,
    /// Resume position, ticks.
    pub playback_position_ticks: i64,
    /// Favorite.
    pub is_favorite: bool,
    /// Thumbs up/down.
    pub likes: Option<bool>,
    /// User rating.
    pub rating: Option<f64>,
    /// Last played.
    pub last_played: Option<SystemTime>,
    /// Folders: unplayed playable descendants (`UnplayedItemCount`).
    pub unplayed_item_count: Option<u32>,
    /// Folders: the played share in percent. Playable items compute it from the position.
    pub played_percentage: Option<f64>,
}

impl From<&jellyfin_core::userdata::UserItemData> for UserDataView {
    fn from(data: &jellyfin_core::userdata::UserItemData) -> Self {
        Self {
            played: data.played,
            play_count: data.play_count,
            playback_position_ticks: data.playback_position_ticks,
            is_favorite: data.is_favorite,
            likes: data.likes,
            rating: data.rating,
            last_played: data.last_played,
            unplayed_item_count: None,
            played_percentage: None,
        }
    }
}

/// Counts of the items a by-name item (genre, person, studio, artist) tags
/// (`Fields=ItemCounts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ItemCounts {
    /// Movies.
    pub movie_count: Option<usize>,
    /// Series.
    pub series_count: Option<usize>,
    /// Episodes.
    pub episode_count: Option<usize>,
    /// Trailers.
    pub trailer_count: Option<usize>,
    /// Songs.
    pub song_count: Option<usize>,
    /// Albums.
    pub album_count: Option<usize>,
    /// Artists.
    pub artist_count: Option<usize>,
    /// Music videos.
    pub music_video_count: Option<usize>,
}

/// Everything [`item_dto`] needs beyond the item itself.
#[derive(Debug, Clone)]
pub struct DtoContext<'a> {
    /// The server id (N format).
    pub server_id: &'a str,
    /// The requested optional fields.
    pub fields: &'a FieldSet,
    /// The requesting user's data for the item (`UserData` is omitted when `None`).
    pub user_data: Option<UserDataView>,
    /// For a `CollectionFolder`: its content type (`CollectionType`; `Mixed` gives none).
    pub library_kind: Option<LibraryKind>,
    /// `ChildCount`, when the caller counted it.
    pub child_count: Option<usize>,
    /// `RecursiveItemCount`, when the caller counted it.
    pub recursive_item_count: Option<usize>,
    /// The item's ancestors, nearest first, whose images and names are inherited: the season
    /// and series of an episode, the series of a season, the album (and artist) of a track.
    /// Gives `SeriesPrimaryImageTag`, `AlbumId`/`AlbumPrimaryImageTag`, `SeasonName`, and the
    /// `ParentLogo*`/`ParentThumb*`/`ParentBackdrop*` fields when the item lacks those images.
    pub ancestors: &'a [&'a ItemRecord],
    /// Alternate versions of a video (extra `MediaSources`, `MediaSourceCount`).
    pub alternates: &'a [ItemRecord],
    /// Flags of the `MediaSources` list (`Fields=MediaSources`).
    pub source_flags: SourceFlags,
    /// `LocalTrailerCount`, when counted.
    pub local_trailer_count: Option<usize>,
    /// `SpecialFeatureCount`, when counted.
    pub special_feature_count: Option<usize>,
    /// By-name item counts (`Fields=ItemCounts`).
    pub item_counts: Option<ItemCounts>,
    /// The user may delete media (`CanDelete`, with `Fields=CanDelete`).
    pub can_delete: bool,
    /// The user may download media (`CanDownload`, with `Fields=CanDownload`).
    pub can_download: bool,
}

impl<'a> DtoContext<'a> {
    /// A context with nothing but the server id and the fields.
    pub fn new(server_id: &'a str, fields: &'a FieldSet) -> Self {
        Self {
            server_id,
            fields,
            user_data: None,
            library_kind: None,
            child_count: None,
            recursive_item_count: None,
            ancestors: &[],
            alternates: &[],
            source_flags: SourceFlags::default(),
            local_trailer_count: None,
            special_feature_count: None,
            item_counts: None,
            can_delete: false,
            can_download: false,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Conversion
// ---------------------------------------------------------------------------------------------

/// The empty GUID in N format.
const EMPTY_ID: &str = "00000000000000000000000000000000";

fn id_n(id: Option<ItemId>) -> String {
    id.map_or_else(|| EMPTY_ID.to_owned(), |i| i.to_n())
}

/// The `BaseItemKind` name of an item (falls back on the media type for records without a kind).
fn kind_name(item: &ItemRecord) -> &'static str {
    match (item.kind, item.media_type) {
        (Some(k), _) => k.name(),
        (None, Some(MediaType::Video)) => "Video",
        (None, Some(MediaType::Audio)) => "Audio",
        (None, Some(MediaType::Book)) => "Book",
        (None, None) => "Folder",
    }
}

fn is_music(kind: Option<ItemKind>) -> bool {
    matches!(
        kind,
        Some(ItemKind::Audio | ItemKind::MusicAlbum | ItemKind::MusicArtist | ItemKind::MusicVideo)
    )
}

fn is_by_name(kind: Option<ItemKind>) -> bool {
    matches!(
        kind,
        Some(
            ItemKind::Person
                | ItemKind::Genre
                | ItemKind::MusicGenre
                | ItemKind::Studio
                | ItemKind::MusicArtist
        )
    )
}

/// Jellyfin's `PersonKind` names.
const PERSON_KINDS: [&str; 25] = [
    "Unknown",
    "Actor",
    "Director",
    "Composer",
    "Writer",
    "GuestStar",
    "Producer",
    "Conductor",
    "Lyricist",
    "Arranger",
    "Engineer",
    "Mixer",
    "Remixer",
    "Creator",
    "Artist",
    "AlbumArtist",
    "Author",
    "Illustrator",
    "Penciller",
    "Inker",
    "Colorist",
    "Letterer",
    "CoverArtist",
    "Editor",
    "Translator",
];

/// The `PersonKind` of a stored credit kind (any case; unknown kinds are `Unknown`).
pub fn person_kind(kind: &str) -> &'static str {
    PERSON_KINDS
        .iter()
        .copied()
        .find(|k| k.eq_ignore_ascii_case(kind.trim()))
        .unwrap_or("Unknown")
}

/// Jellyfin's people order: billing order, then actors, guest stars, directors, writers,
/// producers/composers, others.
fn person_rank(kind: &str) -> u8 {
    match kind {
        "Actor" => 0,
        "GuestStar" => 1,
        "Director" => 2,
        "Writer" => 3,
        "Producer" | "Composer" => 4,
        _ => 10,
    }
}

const EXTRA_TYPES: [&str; 12] = [
    "Unknown",
    "Clip",
    "Trailer",
    "BehindTheScenes",
    "DeletedScene",
    "Interview",
    "Scene",
    "Sample",
    "ThemeSong",
    "ThemeVideo",
    "Featurette",
    "Short",
];

/// Images of one type, in index order.
fn images_of(item: &ItemRecord, image_type: i32) -> Vec<&ImageRecord> {
    let mut v: Vec<&ImageRecord> = item
        .images
        .iter()
        .filter(|i| i.image_type == image_type)
        .collect();
    v.sort_by_key(|i| i.index);
    v
}

pub(crate) fn first_image(item: &ItemRecord, image_type: i32) -> Option<&ImageRecord> {
    images_of(item, image_type).into_iter().next()
}

pub(crate) fn aspect_ratio(image: &ImageRecord) -> Option<f64> {
    match (image.width, image.height) {
        (Some(w), Some(h)) if w > 0 && h > 0 => Some(f64::from(w) / f64::from(h)),
        _ => None,
    }
}

/// Computes an image's tag and records its blurhash in `hashes`.
fn tag_and_hash(
    hashes: &mut BTreeMap<&'static str, BTreeMap<String, String>>,
    image: &ImageRecord,
) -> String {
    let tag = image_tag(image);
    if let (Some(hash), Some(type_name)) = (
        image.blurhash.as_deref().filter(|h| !h.is_empty()),
        image_type_name(image.image_type),
    ) {
        hashes
            .entry(type_name)
            .or_default()
            .insert(tag.clone(), hash.to_owned());
    }
    tag
}

fn name_pairs(names: &[String], kind: ItemKind) -> Vec<NameGuidPair> {
    let mut seen: Vec<&str> = Vec::new();
    names
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .filter(|n| {
            let fresh = !seen.contains(n);
            seen.push(n);
            fresh
        })
        .map(|n| NameGuidPair {
            name: Some(n.to_owned()),
            id: by_name_id(kind, n).to_n(),
        })
        .collect()
}

/// Links for the provider ids clients know how to show.
fn external_urls(item: &ItemRecord) -> Vec<ExternalUrl> {
    let mut out = Vec::new();
    for (provider, value) in &item.provider_ids {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match provider.to_ascii_lowercase().as_str() {
            "imdb" => {
                let path = if value.starts_with("nm") {
                    "name"
                } else {
                    "title"
                };
                out.push(ExternalUrl {
                    name: "IMDb".into(),
                    url: format!("https://www.imdb.com/{path}/{value}"),
                });
            }
            "tmdb" => {
                let path = match item.kind {
                    Some(ItemKind::Movie) => Some("movie"),
                    Some(ItemKind::Series) => Some("tv"),
                    Some(ItemKind::Person) => Some("person"),
                    Some(ItemKind::BoxSet) => Some("collection"),
                    _ => None,
                };
                if let Some(path) = path {
                    out.push(ExternalUrl {
                        name: "TheMovieDb".into(),
                        url: format!("https://www.themoviedb.org/{path}/{value}"),
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// The `UserItemDataDto` of `data` for the item `item_id` (runtime gives `PlayedPercentage` of
/// in-progress items). Also what `POST /UserPlayedItems/{id}` and friends return.
pub fn user_data_dto(
    item_id: ItemId,
    run_time_ticks: Option<i64>,
    data: &UserDataView,
) -> UserItemDataDto {
    let played_percentage = data.played_percentage.or(match run_time_ticks {
        Some(rt) if rt > 0 && data.playback_position_ticks > 0 => {
            Some(100.0 * data.playback_position_ticks as f64 / rt as f64)
        }
        _ => None,
    });
    let n = item_id.to_n();
    UserItemDataDto {
        rating: data.rating,
        played_percentage,
        unplayed_item_count: data.unplayed_item_count,
        playback_position_ticks: data.playback_position_ticks,
        play_count: data.play_count,
        is_favorite: data.is_favorite,
        likes: data.likes,
        last_played_date: data.last_played.map(format_system_time),
        played: data.played,
        key: n.clone(),
        item_id: n,
    }
}

/// Converts a stored item to Jellyfin's `BaseItemDto` (see the module docs for what is always
/// present and what `ctx.fields` gates).
pub fn item_dto(item: &ItemRecord, ctx: &DtoContext) -> BaseItemDto {
    let f = ctx.fields;
    let kind = item.kind;
    let id = id_n(item.id);
    let is_folder = kind.is_some_and(ItemKind::is_folder);
    let playable = item.media_type.is_some() && !is_folder;
    let is_video = playable
        && (item.media_type == Some(MediaType::Video)
            || matches!(
                kind,
                Some(ItemKind::Movie | ItemKind::Episode | ItemKind::Video | ItemKind::Trailer)
            ));
    let has_media_sources = playable && item.media_type != Some(MediaType::Book);
    let ancestor = |k: ItemKind| ctx.ancestors.iter().copied().find(|a| a.kind == Some(k));

    let mut dto = BaseItemDto {
        name: item.name.clone(),
        server_id: ctx.server_id.to_owned(),
        id: id.clone(),
        is_folder,
        kind: kind_name(item),
        media_type: item
            .media_type
            .filter(|_| !is_folder)
            .map_or("Unknown", MediaType::name),
        location_type: Some(
            if item.path.is_some() || is_by_name(kind) || kind == Some(ItemKind::CollectionFolder) {
                LocationType::FileSystem
            } else {
                LocationType::Virtual
            },
        ),
        ..BaseItemDto::default()
    };

    // Images: own single images, backdrops, then inherited ones.
    let mut hashes = BTreeMap::new();
    let mut own_types: Vec<i32> = item.images.iter().map(|i| i.image_type).collect();
    own_types.sort_unstable();
    own_types.dedup();
    for t in own_types {
        if matches!(t, BACKDROP | SCREENSHOT | CHAPTER) {
            continue;
        }
        if let (Some(name), Some(image)) = (image_type_name(t), first_image(item, t)) {
            let tag = tag_and_hash(&mut hashes, image);
            dto.image_tags.insert(name, tag);
        }
    }
    dto.backdrop_image_tags = images_of(item, BACKDROP)
        .into_iter()
        .map(|i| tag_and_hash(&mut hashes, i))
        .collect();
    if first_image(item, LOGO).is_none() {
        if let Some((parent, image)) = ctx
            .ancestors
            .iter()
            .find_map(|a| first_image(a, LOGO).map(|i| (*a, i)))
        {
            dto.parent_logo_item_id = Some(id_n(parent.id));
            dto.parent_logo_image_tag = Some(tag_and_hash(&mut hashes, image));
        }
    }
    if first_image(item, THUMB).is_none() {
        let candidates = || {
            ctx.ancestors
                .iter()
                .filter(|a| a.kind != Some(ItemKind::CollectionFolder))
                .filter_map(|a| first_image(a, THUMB).map(|i| (*a, i)))
        };
        // Jellyfin lets a series' thumb override a nearer one.
        let chosen = candidates()
            .find(|(a, _)| a.kind == Some(ItemKind::Series))
            .or_else(|| candidates().next());
        if let Some((parent, image)) = chosen {
            dto.parent_thumb_item_id = Some(id_n(parent.id));
            dto.parent_thumb_image_tag = Some(tag_and_hash(&mut hashes, image));
        }
    }
    if dto.backdrop_image_tags.is_empty() {
        if let Some(parent) = ctx
            .ancestors
            .iter()
            .find(|a| first_image(a, BACKDROP).is_some())
        {
            dto.parent_backdrop_item_id = Some(id_n(parent.id));
            dto.parent_backdrop_image_tags = Some(
                images_of(parent, BACKDROP)
                    .into_iter()
                    .map(|i| tag_and_hash(&mut hashes, i))
                    .collect(),
            );
        }
    }
    dto.primary_image_aspect_ratio = first_image(item, PRIMARY).and_then(aspect_ratio);

    // Type-specific fields.
    match kind {
        Some(ItemKind::CollectionFolder) => {
            dto.collection_type = ctx
                .library_kind
                .filter(|k| *k != LibraryKind::Mixed)
                .map(LibraryKind::name);
        }
        Some(ItemKind::Season) | Some(ItemKind::Episode) => {
            let series = ancestor(ItemKind::Series);
            dto.series_name = item
                .series_name
                .clone()
                .or_else(|| series.map(|s| s.name.clone()));
            dto.series_id = item
                .series_id
                .or(series.and_then(|s| s.id))
                .map(|i| i.to_n());
            if let Some(primary) = series.and_then(|s| first_image(s, PRIMARY)) {
                dto.series_primary_image_tag = Some(tag_and_hash(&mut hashes, primary));
                if dto.primary_image_aspect_ratio.is_none() {
                    dto.primary_image_aspect_ratio = aspect_ratio(primary);
                }
            }
            if kind == Some(ItemKind::Episode) {
                let season = ancestor(ItemKind::Season);
                dto.season_id = item
                    .season_id
                    .or(season.and_then(|s| s.id))
                    .map(|i| i.to_n());
                dto.season_name = season.map(|s| s.name.clone());
                dto.index_number_end = item.index_number_end;
            }
        }
        _ => {}
    }
    dto.index_number = item.index_number;
    dto.parent_index_number = item.parent_index_number;

    if is_music(kind) {
        let mut artists = item.artists.clone();
        if artists.is_empty() && kind == Some(ItemKind::MusicAlbum) {
            artists = item.album_artists.clone();
        }
        if kind != Some(ItemKind::MusicArtist) {
            dto.artist_items = Some(name_pairs(&artists, ItemKind::MusicArtist));
            dto.artists = Some(
                artists
                    .iter()
                    .map(|a| a.trim().to_owned())
                    .filter(|a| !a.is_empty())
                    .collect(),
            );
        }
        if matches!(kind, Some(ItemKind::Audio | ItemKind::MusicAlbum)) {
            let album_artists = name_pairs(&item.album_artists, ItemKind::MusicArtist);
            dto.album_artist = album_artists.first().and_then(|a| a.name.clone());
            dto.album_artists = Some(album_artists);
        }
        if kind == Some(ItemKind::Audio) {
            let album = ancestor(ItemKind::MusicAlbum);
            dto.album = item.album.clone().or_else(|| album.map(|a| a.name.clone()));
            if let Some(album) = album {
                dto.album_id = Some(id_n(album.id));
                dto.album_primary_image_tag =
                    first_image(album, PRIMARY).map(|i| tag_and_hash(&mut hashes, i));
            }
            dto.has_lyrics = Some(item.streams.iter().any(|s| s.kind == "Lyric"));
        }
    }

    if playable {
        dto.run_time_ticks = item.run_time_ticks;
        dto.container = item
            .container
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .map(|c| media::normalize_container(c, &item.streams));
    } else if item.run_time_ticks.is_some() && is_folder {
        // Albums carry the sum of their tracks.
        dto.run_time_ticks = item.run_time_ticks;
    }
    if is_video {
        dto.video_type = Some(
            item.video_type
                .as_deref()
                .and_then(VideoType::from_name)
                .unwrap_or(VideoType::VideoFile),
        );
        dto.video_3d_format = item
            .video_3d_format
            .clone()
            .filter(|f| media::VIDEO_3D_FORMATS.contains(&f.as_str()));
        if item.streams.iter().any(|s| s.kind == "Subtitle") {
            dto.has_subtitles = Some(true);
        }
        if !item.additional_parts.is_empty() {
            dto.part_count = Some(item.additional_parts.len() + 1);
        }
        if !ctx.alternates.is_empty() {
            dto.media_source_count = Some(ctx.alternates.len() + 1);
        }
    }
    dto.extra_type = item
        .extra_type
        .as_deref()
        .and_then(|e| EXTRA_TYPES.iter().find(|x| x.eq_ignore_ascii_case(e)))
        .map(|e| (*e).to_owned());
    if item.is_placeholder {
        dto.is_place_holder = Some(true);
    }
    dto.premiere_date = item.premiere_date.as_deref().and_then(format_premiere_date);
    dto.production_year = item.production_year;
    dto.community_rating = item.community_rating.filter(|r| *r > 0.0);
    dto.official_rating = item.official_rating.clone().filter(|r| !r.is_empty());
    dto.child_count = ctx.child_count;
    dto.recursive_item_count = ctx.recursive_item_count;
    dto.local_trailer_count = ctx.local_trailer_count;
    dto.special_feature_count = ctx.special_feature_count;
    if let (Some(data), Some(item_id)) = (&ctx.user_data, item.id) {
        dto.user_data = Some(user_data_dto(item_id, item.run_time_ticks, data));
    }

    // Fields-gated.
    use ItemField as F;
    if f.contains(F::Overview) {
        dto.overview = item.overview.clone();
    }
    if f.contains(F::OriginalTitle) {
        dto.original_title = item.original_title.clone();
    }
    if f.contains(F::SortName) {
        dto.sort_name = Some(item.sort_name.clone());
    }
    if f.contains(F::Path) {
        dto.path = item.path.clone();
    }
    if f.contains(F::ParentId) {
        dto.parent_id = item.parent_id.map(|p| p.to_n());
    }
    if f.contains(F::Genres) {
        let genre_kind = if is_music(kind) {
            ItemKind::MusicGenre
        } else {
            ItemKind::Genre
        };
        let pairs = name_pairs(&item.genres, genre_kind);
        dto.genres = Some(pairs.iter().filter_map(|p| p.name.clone()).collect());
        dto.genre_items = Some(pairs);
    }
    if f.contains(F::Tags) {
        dto.tags = Some(item.tags.clone());
    }
    if f.contains(F::Taglines) {
        dto.taglines = Some(
            item.tagline
                .iter()
                .filter(|t| !t.is_empty())
                .cloned()
                .collect(),
        );
    }
    if f.contains(F::Studios) {
        dto.studios = Some(name_pairs(&item.studios, ItemKind::Studio));
    }
    if f.contains(F::People) {
        let mut people: Vec<_> = item
            .people
            .iter()
            .filter(|p| !p.name.trim().is_empty())
            .collect();
        people.sort_by_key(|p| {
            (
                p.sort_order.unwrap_or(i32::MAX),
                person_rank(person_kind(&p.kind)),
            )
        });
        dto.people = Some(
            people
                .into_iter()
                .map(|p| BaseItemPerson {
                    name: Some(p.name.trim().to_owned()),
                    id: by_name_id(ItemKind::Person, p.name.trim()).to_n(),
                    role: p.role.clone().filter(|r| !r.is_empty()),
                    kind: person_kind(&p.kind),
                    primary_image_tag: None,
                })
                .collect(),
        );
    }
    if f.contains(F::ProviderIds) {
        dto.provider_ids = Some(
            item.provider_ids
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .cloned()
                .collect(),
        );
    }
    if f.contains(F::ExternalUrls) {
        dto.external_urls = Some(external_urls(item));
    }
    if f.contains(F::RemoteTrailers) {
        dto.remote_trailers = Some(Vec::new());
    }
    if f.contains(F::ProductionLocations) && kind == Some(ItemKind::Movie) {
        dto.production_locations = Some(Vec::new());
    }
    if f.contains(F::DateCreated) {
        dto.date_created = Some(format_date(item.date_created));
    }
    if f.contains(F::Etag) {
        dto.etag = Some(dotnet_md5_n(&item.fingerprint.to_string()));
    }
    if f.contains(F::CanDelete) {
        dto.can_delete =
            Some(ctx.can_delete && item.path.is_some() && kind != Some(ItemKind::CollectionFolder));
    }
    if f.contains(F::CanDownload) {
        dto.can_download = Some(ctx.can_download && playable && item.path.is_some());
    }
    if f.contains(F::DisplayPreferencesId) {
        dto.display_preferences_id = Some(id.clone());
    }
    if f.contains(F::PlayAccess) && ctx.user_data.is_some() {
        dto.play_access = Some("Full");
    }
    if f.contains(F::EnableMediaSourceDisplay) {
        dto.enable_media_source_display = Some(true);
    }
    if f.contains(F::Settings) {
        dto.lock_data = Some(false);
        dto.locked_fields = Some(Vec::new());
    }
    if f.contains(F::ItemCounts) {
        if let Some(c) = ctx.item_counts {
            dto.movie_count = c.movie_count;
            dto.series_count = c.series_count;
            dto.episode_count = c.episode_count;
            dto.trailer_count = c.trailer_count;
            dto.song_count = c.song_count;
            dto.album_count = c.album_count;
            dto.artist_count = c.artist_count;
            dto.music_video_count = c.music_video_count;
        }
    }
    let video_stream = item
        .streams
        .iter()
        .find(|s| s.kind == "Video" && !s.is_external);
    if f.contains(F::Width) {
        dto.width = video_stream.and_then(|s| s.width).filter(|w| *w > 0);
    }
    if f.contains(F::Height) {
        dto.height = video_stream.and_then(|s| s.height).filter(|h| *h > 0);
    }
    if f.contains(F::IsHD) {
        let (w, h) = video_stream.map_or((0, 0), |s| (s.width.unwrap_or(0), s.height.unwrap_or(0)));
        if w >= 1260 || h >= 700 {
            dto.is_hd = Some(true);
        }
    }
    if f.contains(F::Chapters) {
        dto.chapters = Some(
            item.chapters
                .iter()
                .map(|c| ChapterInfoDto {
                    start_position_ticks: c.start_ticks,
                    name: c.name.clone(),
                    image_date_modified: MIN_DATE.to_owned(),
                    image_tag: None,
                })
                .collect(),
        );
    }
    if has_media_sources && (f.contains(F::MediaSources) || f.contains(F::MediaStreams)) {
        let mut sources = media::media_sources(item, ctx.alternates, ctx.source_flags.clone());
        if f.contains(F::MediaStreams) {
            dto.media_streams = Some(
                sources
                    .iter()
                    .find(|s| s.id.as_deref() == Some(id.as_str()))
                    .map_or_else(|| media::media_streams(item), |s| s.media_streams.clone()),
            );
        }
        if f.contains(F::MediaSources) {
            for s in &mut sources {
                if let Some(c) = s.container.take() {
                    s.container = Some(media::short_container(&c, s.path.as_deref()));
                }
            }
            dto.media_sources = Some(sources);
        }
    }
    dto.image_blur_hashes = hashes;
    dto
}

#[cfg(test)]
mod tests {
    use super::super::media::fixtures::{self, image, T0};
    use super::*;
    use jellyfin_core::store::{ItemRecord, PersonCredit, StreamRecord};
    use serde_json::Value;

    const SERVER_ID: &str = "5a1b2c3d4e5f60718293a4b5c6d7e8f9";

    fn dto_json(item: &ItemRecord, ctx: &DtoContext) -> Value {
        serde_json::to_value(item_dto(item, ctx)).unwrap()
    }

    // -- dates ---------------------------------------------------------------------------------

    #[test]
    fn dates() {
        let cases = [
            (0, "1970-01-01T00:00:00.0000000Z"),
            (86_399, "1970-01-01T23:59:59.0000000Z"),
            (951_782_400, "2000-02-29T00:00:00.0000000Z"),
            (951_868_800, "2000-03-01T00:00:00.0000000Z"),
            (1_078_012_800, "2004-02-29T00:00:00.0000000Z"),
            (1_709_164_800, "2024-02-29T00:00:00.0000000Z"),
            (1_714_566_896, "2024-05-01T12:34:56.0000000Z"),
            (2_147_483_647, "2038-01-19T03:14:07.0000000Z"),
            (2_147_483_648, "2038-01-19T03:14:08.0000000Z"),
            (4_102_444_800, "2100-01-01T00:00:00.0000000Z"),
            (4_107_456_000, "2100-02-28T00:00:00.0000000Z"),
            (4_107_542_400, "2100-03-01T00:00:00.0000000Z"),
            (253_402_300_799, "9999-12-31T23:59:59.0000000Z"),
            (-1, "1969-12-31T23:59:59.0000000Z"),
            (-62_135_596_800, MIN_DATE),
        ];
        for (secs, want) in cases {
            assert_eq!(format_date(secs), want, "{secs}");
        }
        assert_eq!(
            format_date_millis(1_714_566_896_789),
            "2024-05-01T12:34:56.7890000Z"
        );
        assert_eq!(format_date_millis(-1), "1969-12-31T23:59:59.9990000Z");
        let t = UNIX_EPOCH + std::time::Duration::new(1_714_566_896, 123_456_789);
        assert_eq!(format_system_time(t), "2024-05-01T12:34:56.1234567Z");
        assert_eq!(
            format_system_time(UNIX_EPOCH),
            "1970-01-01T00:00:00.0000000Z"
        );
    }

    #[test]
    fn premiere_dates() {
        let cases = [
            ("2017-10-04", Some("2017-10-04T00:00:00.0000000Z")),
            ("1970-01-01", Some("1970-01-01T00:00:00.0000000Z")),
            ("2000-02-29", Some("2000-02-29T00:00:00.0000000Z")),
            ("2024-02-29", Some("2024-02-29T00:00:00.0000000Z")),
            ("2040-12-31", Some("2040-12-31T00:00:00.0000000Z")),
            ("1899-12-31", Some("1899-12-31T00:00:00.0000000Z")),
            (" 2017-10-04 ", Some("2017-10-04T00:00:00.0000000Z")),
            ("1900-02-29", None),
            ("2023-02-29", None),
            ("2023-13-01", None),
            ("2023-04-31", None),
            ("2023-00-10", None),
            ("2023-1-1", None),
            ("2023", None),
            ("", None),
            ("abcd-ef-gh", None),
        ];
        for (text, want) in cases {
            assert_eq!(format_premiere_date(text).as_deref(), want, "{text:?}");
        }
        // Every day of 1968..=2040 round-trips.
        for days in -730..25_567 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    // -- hashes --------------------------------------------------------------------------------

    #[test]
    fn md5_vectors() {
        let hex = |b: [u8; 16]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        assert_eq!(hex(md5(b"")), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(hex(md5(b"abc")), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            hex(md5(b"The quick brown fox jumps over the lazy dog")),
            "9e107d9d372bb6826bd81d3542a419d6"
        );
        assert_eq!(
            hex(md5(
                b"12345678901234567890123456789012345678901234567890123456789012345678901234567890"
            )),
            "57edf4a22be3c955ac49da2e2107b67a"
        );
        // The same .NET GUID computation as the core's item ids.
        for (kind, key) in [
            (ItemKind::Movie, "/m/Heat (1995)/Heat (1995).mkv"),
            (ItemKind::Person, "/byname/Person/ryan gosling"),
            (ItemKind::Folder, "x"),
        ] {
            assert_eq!(
                dotnet_md5_n(&format!("{}{key}", kind.dotnet_type())),
                ItemId::derive(kind, key).to_n()
            );
        }
    }

    #[test]
    fn image_tags_change_with_the_file() {
        let a = image(0, 0, "/m/poster.jpg", 1000, 1500);
        let tag = image_tag(&a);
        assert_eq!(tag.len(), 32);
        assert!(tag
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(image_tag(&a.clone()), tag);
        let touched = ImageRecord {
            date_modified: a.date_modified + 1,
            ..a.clone()
        };
        assert_ne!(image_tag(&touched), tag);
        let other = ImageRecord {
            path: "/m/folder.jpg".into(),
            ..a.clone()
        };
        assert_ne!(image_tag(&other), tag);
        // Dimensions and blurhash do not change the tag.
        let resized = ImageRecord {
            width: None,
            blurhash: None,
            ..a
        };
        assert_eq!(image_tag(&resized), tag);
    }

    // -- fields --------------------------------------------------------------------------------

    #[test]
    fn field_sets() {
        let set = FieldSet::parse(["PrimaryImageAspectRatio,mediasourcecount", "  Overview "]);
        assert!(set.contains(ItemField::PrimaryImageAspectRatio));
        assert!(set.contains(ItemField::MediaSourceCount));
        assert!(set.contains(ItemField::Overview));
        assert!(!set.contains(ItemField::Genres));
        assert_eq!(set.iter().count(), 3);
        // Unknown names (python client) and empty entries are dropped.
        let p = FieldSet::parse([
            "Writer,Metascore,CriticRatingSummary,ShortOverview,VoteCount,ItemCounts,Etag,,",
        ]);
        assert_eq!(
            p.iter().collect::<Vec<_>>(),
            [ItemField::Etag, ItemField::ItemCounts]
        );
        assert_eq!(FieldSet::parse(Vec::<String>::new()), FieldSet::none());
        assert_eq!(
            FieldSet::parse(["ISHD"]),
            FieldSet::none().with(ItemField::IsHD)
        );
        let all = FieldSet::all();
        assert_eq!(all.iter().count(), ItemField::ALL.len());
        assert_eq!(ItemField::ALL.len(), 49);
        for f in ItemField::ALL {
            assert!(all.contains(*f));
            assert_eq!(ItemField::from_name(&f.name().to_lowercase()), Some(*f));
        }
    }

    // -- fixtures ------------------------------------------------------------------------------

    fn series() -> ItemRecord {
        let dir = "/media/tv/Severance";
        let mut s = ItemRecord::new(ItemKind::Series, dir, "Severance");
        s.path = Some(dir.into());
        s.library_id = Some(jellyfin_core::store::library_id_for("Shows"));
        s.parent_id = s.library_id;
        s.overview = Some("Mark leads a team of office workers whose memories have been surgically divided between their work and personal lives.".into());
        s.production_year = Some(2022);
        s.premiere_date = Some("2022-02-18".into());
        s.community_rating = Some(8.4);
        s.official_rating = Some("TV-MA".into());
        s.genres = vec!["Drama".into(), "Mystery".into(), "Science Fiction".into()];
        s.studios = vec!["Apple TV+".into()];
        s.provider_ids = vec![
            ("Tvdb".into(), "371980".into()),
            ("Tmdb".into(), "95396".into()),
        ];
        s.images = vec![
            image(0, 0, &format!("{dir}/poster.jpg"), 680, 1000),
            image(2, 0, &format!("{dir}/fanart.jpg"), 1920, 1080),
            image(4, 0, &format!("{dir}/logo.png"), 800, 310),
            image(5, 0, &format!("{dir}/landscape.jpg"), 1280, 720),
        ];
        s.date_created = T0;
        s
    }

    fn season(series: &ItemRecord) -> ItemRecord {
        let dir = "/media/tv/Severance/Season 01";
        let mut s = ItemRecord::new(ItemKind::Season, dir, "Season 1");
        s.path = Some(dir.into());
        s.parent_id = series.id;
        s.series_id = series.id;
        s.series_name = Some(series.name.clone());
        s.index_number = Some(1);
        s.production_year = Some(2022);
        s.images = vec![image(
            0,
            0,
            &format!("{dir}/season01-poster.jpg"),
            680,
            1000,
        )];
        s.date_created = T0;
        s
    }

    fn episode(series: &ItemRecord, season: &ItemRecord) -> ItemRecord {
        let path =
            "/media/tv/Severance/Season 01/Severance - S01E01-E02 - Good News About Hell.mkv";
        let mut e = ItemRecord::new(ItemKind::Episode, path, "Good News About Hell");
        e.path = Some(path.into());
        e.parent_id = season.id;
        e.series_id = series.id;
        e.season_id = season.id;
        e.series_name = Some(series.name.clone());
        e.index_number = Some(1);
        e.index_number_end = Some(2);
        e.parent_index_number = Some(1);
        e.premiere_date = Some("2022-02-18".into());
        e.production_year = Some(2022);
        e.community_rating = Some(8.1);
        e.official_rating = Some("TV-MA".into());
        e.run_time_ticks = Some(34_530_000_000);
        e.media_type = Some(MediaType::Video);
        e.container = Some("matroska,webm".into());
        e.size = Some(2_345_678_901);
        e.file_mtime = Some(T0 * 1_000_000_000);
        e.video_type = Some("VideoFile".into());
        e.streams = vec![
            StreamRecord {
                index: 0,
                kind: "Video".into(),
                codec: Some("h264".into()),
                profile: Some("High".into()),
                level: Some(41.0),
                width: Some(1920),
                height: Some(1080),
                average_frame_rate: Some(23.976),
                real_frame_rate: Some(23.976),
                pixel_format: Some("yuv420p".into()),
                bit_depth: Some(8),
                color_transfer: Some("bt709".into()),
                color_primaries: Some("bt709".into()),
                color_space: Some("bt709".into()),
                is_default: true,
                ..StreamRecord::default()
            },
            StreamRecord {
                index: 1,
                kind: "Audio".into(),
                codec: Some("eac3".into()),
                channels: Some(6),
                channel_layout: Some("5.1(side)".into()),
                sample_rate: Some(48_000),
                bit_rate: Some(640_000),
                language: Some("eng".into()),
                is_default: true,
                ..StreamRecord::default()
            },
            StreamRecord {
                index: 2,
                kind: "Subtitle".into(),
                codec: Some("subrip".into()),
                language: Some("eng".into()),
                ..StreamRecord::default()
            },
        ];
        e.chapters = vec![jellyfin_core::store::ChapterRecord {
            start_ticks: 0,
            name: None,
        }];
        e.people = vec![PersonCredit {
            name: "Ben Stiller".into(),
            role: None,
            kind: "Director".into(),
            sort_order: None,
        }];
        e.date_created = T0;
        e
    }

    fn album() -> ItemRecord {
        let dir = "/media/music/Daft Punk/Discovery (2001)";
        let mut a = ItemRecord::new(ItemKind::MusicAlbum, dir, "Discovery");
        a.path = Some(dir.into());
        a.production_year = Some(2001);
        a.premiere_date = Some("2001-03-12".into());
        a.album_artists = vec!["Daft Punk".into()];
        a.genres = vec!["Electronic".into(), "House".into()];
        a.run_time_ticks = Some(36_090_000_000);
        a.images = vec![image(0, 0, &format!("{dir}/cover.jpg"), 1200, 1200)];
        a.date_created = T0;
        a
    }

    fn track(album: &ItemRecord) -> ItemRecord {
        let path = "/media/music/Daft Punk/Discovery (2001)/01 - One More Time.flac";
        let mut t = ItemRecord::new(ItemKind::Audio, path, "One More Time");
        t.path = Some(path.into());
        t.parent_id = album.id;
        t.album = Some("Discovery".into());
        t.artists = vec!["Daft Punk".into(), "Romanthony".into()];
        t.album_artists = vec!["Daft Punk".into()];
        t.genres = vec!["Electronic".into()];
        t.index_number = Some(1);
        t.parent_index_number = Some(1);
        t.production_year = Some(2001);
        t.run_time_ticks = Some(3_203_600_000);
        t.media_type = Some(MediaType::Audio);
        t.container = Some("flac".into());
        t.size = Some(38_123_456);
        t.bitrate = Some(951_000);
        t.file_mtime = Some(T0 * 1_000_000_000);
        t.streams = vec![
            StreamRecord {
                index: 0,
                kind: "Audio".into(),
                codec: Some("flac".into()),
                channels: Some(2),
                channel_layout: Some("stereo".into()),
                sample_rate: Some(44_100),
                bit_depth: Some(16),
                ..StreamRecord::default()
            },
            StreamRecord {
                index: 1,
                kind: "EmbeddedImage".into(),
                codec: Some("mjpeg".into()),
                width: Some(500),
                height: Some(500),
                ..StreamRecord::default()
            },
            StreamRecord {
                index: 2,
                kind: "Lyric".into(),
                codec: Some("lrc".into()),
                is_external: true,
                path: Some("/media/music/Daft Punk/Discovery (2001)/01 - One More Time.lrc".into()),
                ..StreamRecord::default()
            },
        ];
        t.date_created = T0;
        t
    }

    fn library(name: &str, path: &str) -> ItemRecord {
        let mut l = ItemRecord::new(ItemKind::CollectionFolder, path, name);
        l.id = Some(jellyfin_core::store::library_id_for(name));
        l.path = Some(path.into());
        l.date_created = T0;
        l
    }

    fn by_name(kind: ItemKind, name: &str) -> ItemRecord {
        let mut r = ItemRecord::new(kind, "", name);
        r.id = Some(by_name_id(kind, name));
        r.date_created = T0;
        r
    }

    fn user_data() -> UserDataView {
        UserDataView {
            played: false,
            play_count: 1,
            playback_position_ticks: 24_600_000_000,
            is_favorite: true,
            likes: Some(true),
            rating: None,
            last_played: Some(UNIX_EPOCH + std::time::Duration::from_millis(1_714_566_896_789)),
            unplayed_item_count: None,
            played_percentage: None,
        }
    }

    // -- snapshots -----------------------------------------------------------------------------

    #[test]
    fn movie_all_fields() {
        let movie = fixtures::movie();
        let library = library("Movies", "/config/root/Movies");
        let fields = FieldSet::all();
        let ancestors = [&library];
        let ctx = DtoContext {
            user_data: Some(user_data()),
            ancestors: &ancestors,
            local_trailer_count: Some(0),
            special_feature_count: Some(2),
            can_delete: false,
            can_download: true,
            ..DtoContext::new(SERVER_ID, &fields)
        };
        let json = dto_json(&movie, &ctx);
        assert_eq!(json["Container"], "mkv");
        assert_eq!(json["MediaSources"][0]["Container"], "mkv");
        assert_eq!(json["PremiereDate"], "2017-10-04T00:00:00.0000000Z");
        assert_eq!(json["People"][0]["Name"], "Ryan Gosling");
        assert_eq!(json["People"][2]["Type"], "Director");
        assert_eq!(
            json["People"][0]["Id"],
            by_name_id(ItemKind::Person, "Ryan Gosling").to_n()
        );
        assert_eq!(json["UserData"]["PlayedPercentage"], 25.0);
        assert_eq!(json["PrimaryImageAspectRatio"], 1000.0 / 1500.0);
        insta::assert_json_snapshot!("movie_all_fields", item_dto(&movie, &ctx));
    }

    #[test]
    fn movie_fields_subset() {
        let movie = fixtures::movie();
        // What jellyfin-web's library grid asks for.
        let fields = FieldSet::parse(["PrimaryImageAspectRatio,MediaSourceCount,BasicSyncInfo"]);
        let ctx = DtoContext {
            user_data: Some(UserDataView::default()),
            ..DtoContext::new(SERVER_ID, &fields)
        };
        let json = dto_json(&movie, &ctx);
        for absent in [
            "Overview",
            "Genres",
            "GenreItems",
            "People",
            "Studios",
            "ProviderIds",
            "MediaSources",
            "MediaStreams",
            "Chapters",
            "Path",
            "SortName",
            "DateCreated",
            "Taglines",
            "Tags",
        ] {
            assert!(json.get(absent).is_none(), "{absent} should need Fields");
        }
        insta::assert_json_snapshot!("movie_fields_subset", item_dto(&movie, &ctx));
    }

    #[test]
    fn movie_with_versions_and_parts() {
        let mut movie = fixtures::movie();
        movie.additional_parts = vec!["/media/movies/x/part2.mkv".into()];
        movie.video_3d_format = Some("HalfSideBySide".into());
        movie.extra_type = Some("trailer".into());
        let mut alt = fixtures::movie();
        alt.id = Some(ItemId::derive(ItemKind::Movie, "alt"));
        alt.path = Some(
            "/media/movies/Blade Runner 2049 (2017)/Blade Runner 2049 (2017) - 1080p.mkv".into(),
        );
        let alternates = [alt];
        let fields = FieldSet::none().with(ItemField::MediaSources);
        let ctx = DtoContext {
            alternates: &alternates,
            ..DtoContext::new(SERVER_ID, &fields)
        };
        let dto = item_dto(&movie, &ctx);
        assert_eq!(dto.part_count, Some(2));
        assert_eq!(dto.media_source_count, Some(2));
        assert_eq!(dto.video_3d_format.as_deref(), Some("HalfSideBySide"));
        assert_eq!(dto.extra_type.as_deref(), Some("Trailer"));
        let sources = dto.media_sources.unwrap();
        assert_eq!(sources.len(), 2);
        // Only the 3D primary sorts after the 2D version.
        assert_eq!(sources[0].name.as_deref(), Some("1080p"));
        assert_eq!(
            sources[1].name.as_deref(),
            Some("Blade Runner 2049 (2017)/3D")
        );
    }

    #[test]
    fn series_dto() {
        let series = series();
        let fields = FieldSet::parse(["Overview,Genres,Studios,ProviderIds,People,DateCreated,ChildCount,RecursiveItemCount,PrimaryImageAspectRatio"]);
        let ctx = DtoContext {
            user_data: Some(UserDataView {
                unplayed_item_count: Some(17),
                played_percentage: Some(5.555_555_555_555_555),
                ..UserDataView::default()
            }),
            child_count: Some(2),
            recursive_item_count: Some(19),
            ..DtoContext::new(SERVER_ID, &fields)
        };
        insta::assert_json_snapshot!("series", item_dto(&series, &ctx));
    }

    #[test]
    fn season_dto() {
        let series = series();
        let season = season(&series);
        let fields = FieldSet::parse(["PrimaryImageAspectRatio"]);
        let ancestors = [&series];
        let ctx = DtoContext {
            ancestors: &ancestors,
            child_count: Some(9),
            user_data: Some(UserDataView {
                unplayed_item_count: Some(9),
                ..UserDataView::default()
            }),
            ..DtoContext::new(SERVER_ID, &fields)
        };
        let json = dto_json(&season, &ctx);
        assert_eq!(json["SeriesPrimaryImageTag"], image_tag(&series.images[0]));
        assert_eq!(json["ParentLogoItemId"], series.id.unwrap().to_n());
        assert_eq!(json["ParentBackdropItemId"], series.id.unwrap().to_n());
        insta::assert_json_snapshot!("season", item_dto(&season, &ctx));
    }

    #[test]
    fn episode_dto() {
        let series = series();
        let season = season(&series);
        let episode = episode(&series, &season);
        let fields = FieldSet::parse([
            "Overview,PrimaryImageAspectRatio,MediaStreams,Chapters,People,Path,ParentId",
        ]);
        let ancestors = [&season, &series];
        let ctx = DtoContext {
            ancestors: &ancestors,
            user_data: Some(UserDataView {
                played: true,
                play_count: 2,
                ..UserDataView::default()
            }),
            ..DtoContext::new(SERVER_ID, &fields)
        };
        let json = dto_json(&episode, &ctx);
        assert_eq!(json["IndexNumberEnd"], 2);
        assert_eq!(json["SeasonName"], "Season 1");
        assert_eq!(json["SeasonId"], season.id.unwrap().to_n());
        assert_eq!(json["ParentThumbItemId"], series.id.unwrap().to_n());
        // No own primary: the series poster's ratio.
        assert_eq!(json["PrimaryImageAspectRatio"], 0.68);
        insta::assert_json_snapshot!("episode", item_dto(&episode, &ctx));
    }

    #[test]
    fn music_album_dto() {
        let album = album();
        let fields = FieldSet::parse(["Genres,PrimaryImageAspectRatio,ChildCount"]);
        let ctx = DtoContext {
            child_count: Some(14),
            ..DtoContext::new(SERVER_ID, &fields)
        };
        let json = dto_json(&album, &ctx);
        assert_eq!(
            json["GenreItems"][0]["Id"],
            by_name_id(ItemKind::MusicGenre, "Electronic").to_n()
        );
        assert_eq!(json["Artists"][0], "Daft Punk");
        insta::assert_json_snapshot!("music_album", item_dto(&album, &ctx));
    }

    #[test]
    fn audio_dto() {
        let album = album();
        let track = track(&album);
        let fields = FieldSet::parse(["MediaSources,Genres"]);
        let ancestors = [&album];
        let ctx = DtoContext {
            ancestors: &ancestors,
            user_data: Some(UserDataView::default()),
            ..DtoContext::new(SERVER_ID, &fields)
        };
        let json = dto_json(&track, &ctx);
        assert_eq!(json["AlbumId"], album.id.unwrap().to_n());
        assert_eq!(json["HasLyrics"], true);
        assert_eq!(
            json["ArtistItems"][1]["Id"],
            by_name_id(ItemKind::MusicArtist, "Romanthony").to_n()
        );
        insta::assert_json_snapshot!("audio", item_dto(&track, &ctx));
    }

    #[test]
    fn collection_folders() {
        let fields = FieldSet::parse(["PrimaryImageAspectRatio,DisplayPreferencesId"]);
        for (name, path, kind, snap) in [
            (
                "Movies",
                "/config/root/Movies",
                LibraryKind::Movies,
                "collection_folder_movies",
            ),
            (
                "Shows",
                "/config/root/Shows",
                LibraryKind::TvShows,
                "collection_folder_tvshows",
            ),
            (
                "Music",
                "/config/root/Music",
                LibraryKind::Music,
                "collection_folder_music",
            ),
        ] {
            let mut lib = library(name, path);
            if kind == LibraryKind::Movies {
                lib.images = vec![image(0, 0, "/config/root/Movies/folder.jpg", 1920, 1080)];
            }
            let ctx = DtoContext {
                library_kind: Some(kind),
                child_count: Some(3),
                user_data: Some(UserDataView::default()),
                ..DtoContext::new(SERVER_ID, &fields)
            };
            let json = dto_json(&lib, &ctx);
            assert_eq!(json["CollectionType"], kind.name());
            assert_eq!(json["IsFolder"], true);
            assert_eq!(json["MediaType"], "Unknown");
            insta::assert_json_snapshot!(snap, item_dto(&lib, &ctx));
        }
        let mixed = DtoContext {
            library_kind: Some(LibraryKind::Mixed),
            ..DtoContext::new(SERVER_ID, &fields)
        };
        assert!(dto_json(&library("Mixed", "/x"), &mixed)
            .get("CollectionType")
            .is_none());
    }

    #[test]
    fn by_name_items() {
        let fields = FieldSet::parse(["ItemCounts,PrimaryImageAspectRatio"]);
        let mut person = by_name(ItemKind::Person, "Ryan Gosling");
        person.images = vec![image(
            0,
            0,
            "/config/metadata/People/R/Ryan Gosling/folder.jpg",
            600,
            900,
        )];
        let ctx = DtoContext {
            item_counts: Some(ItemCounts {
                movie_count: Some(3),
                series_count: Some(0),
                episode_count: Some(0),
                ..ItemCounts::default()
            }),
            ..DtoContext::new(SERVER_ID, &fields)
        };
        let json = dto_json(&person, &ctx);
        assert_eq!(
            json["Id"],
            by_name_id(ItemKind::Person, "Ryan Gosling").to_n()
        );
        assert_eq!(json["LocationType"], "FileSystem");
        insta::assert_json_snapshot!("person", item_dto(&person, &ctx));
        let genre = by_name(ItemKind::Genre, "Science Fiction");
        let json = dto_json(&genre, &DtoContext::new(SERVER_ID, &fields));
        assert_eq!(json["Type"], "Genre");
        assert_eq!(json["IsFolder"], false);
        insta::assert_json_snapshot!(
            "genre",
            item_dto(&genre, &DtoContext::new(SERVER_ID, &fields))
        );
    }

    #[test]
    fn query_results() {
        let fields = FieldSet::none();
        let ctx = DtoContext::new(SERVER_ID, &fields);
        let items = vec![item_dto(&by_name(ItemKind::Genre, "Drama"), &ctx)];
        let page = QueryResult::new(items, 40, 20);
        let json = serde_json::to_value(&page).unwrap();
        assert_eq!(json["TotalRecordCount"], 40);
        assert_eq!(json["StartIndex"], 20);
        assert_eq!(json["Items"].as_array().unwrap().len(), 1);
        let empty: QueryResult<BaseItemDto> = QueryResult::all(Vec::new());
        assert_eq!(
            serde_json::to_string(&empty).unwrap(),
            r#"{"Items":[],"TotalRecordCount":0,"StartIndex":0}"#
        );
        let user = user_data_dto(
            ItemId::derive(ItemKind::Movie, "x"),
            None,
            &UserDataView::default(),
        );
        let json = serde_json::to_value(&user).unwrap();
        assert_eq!(json["Key"], json["ItemId"]);
        assert!(json.get("PlayedPercentage").is_none());
    }

    #[test]
    fn people_order_and_kinds() {
        assert_eq!(person_kind("actor"), "Actor");
        assert_eq!(person_kind("GUESTSTAR"), "GuestStar");
        assert_eq!(person_kind("Showrunner"), "Unknown");
        let mut m = fixtures::movie();
        m.people.push(PersonCredit {
            name: "Hans Zimmer".into(),
            role: None,
            kind: "Composer".into(),
            sort_order: None,
        });
        m.people.push(PersonCredit {
            name: "  ".into(),
            role: None,
            kind: "Actor".into(),
            sort_order: None,
        });
        let fields = FieldSet::none().with(ItemField::People);
        let dto = item_dto(&m, &DtoContext::new(SERVER_ID, &fields));
        let names: Vec<_> = dto
            .people
            .unwrap()
            .into_iter()
            .map(|p| p.name.unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "Ryan Gosling",
                "Harrison Ford",
                "Denis Villeneuve",
                "Hampton Fancher",
                "Hans Zimmer"
            ]
        );
    }

    // -- conformance to openapi.json ------------------------------------------------------------

    struct Spec {
        schemas: serde_json::Map<String, Value>,
    }

    impl Spec {
        fn load() -> Self {
            let path = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../shared/jellyfin-api/openapi.json"
            );
            let text = std::fs::read_to_string(path).expect("openapi.json");
            let doc: Value = serde_json::from_str(&text).unwrap();
            Self {
                schemas: doc["components"]["schemas"].as_object().unwrap().clone(),
            }
        }

        fn named<'a>(&'a self, r: &'a str) -> (&'a str, &'a Value) {
            let name = r.trim_start_matches("#/components/schemas/");
            (name, &self.schemas[name])
        }

        /// The referenced component schema of a property, if any.
        fn reference<'a>(&'a self, schema: &'a Value) -> Option<(&'a str, &'a Value)> {
            if let Some(r) = schema["$ref"].as_str() {
                return Some(self.named(r));
            }
            schema["allOf"]
                .as_array()
                .and_then(|a| a.first())
                .and_then(|s| s["$ref"].as_str())
                .map(|r| self.named(r))
        }

        /// Checks `value` against `schema`; `named` is the component's name when the schema is
        /// a component (those have their non-nullable properties enforced).
        fn check(
            &self,
            schema: &Value,
            named: Option<&str>,
            value: &Value,
            at: &str,
            errors: &mut Vec<String>,
        ) {
            if value.is_null() {
                errors.push(format!("{at}: null is never written (nulls are omitted)"));
                return;
            }
            if let Some((name, target)) = self.reference(schema) {
                if let Some(values) = schema["enum"].as_array() {
                    self.check_enum(values, value, at, errors);
                    return;
                }
                return self.check(target, Some(name), value, at, errors);
            }
            if let Some(values) = schema["enum"].as_array() {
                return self.check_enum(values, value, at, errors);
            }
            let ty = schema["type"].as_str().unwrap_or("");
            match ty {
                "string" => {
                    let Some(s) = value.as_str() else {
                        return errors.push(format!("{at}: expected a string, got {value}"));
                    };
                    let is_n_guid = |s: &str| {
                        s.len() == 32
                            && s.bytes()
                                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                    };
                    let is_date = |s: &str| {
                        s.len() == 28
                            && s.ends_with('Z')
                            && s.as_bytes()[10] == b'T'
                            && s.as_bytes()[19] == b'.'
                    };
                    match schema["format"].as_str() {
                        Some("uuid") if !is_n_guid(s) => {
                            errors.push(format!("{at}: {s:?} is not an N-format GUID"));
                        }
                        Some("date-time") if !is_date(s) => {
                            errors.push(format!("{at}: {s:?} is not Jellyfin's date format"));
                        }
                        _ => {}
                    }
                }
                "integer" => {
                    if !(value.is_i64() || value.is_u64()) {
                        errors.push(format!("{at}: expected an integer, got {value}"));
                    } else if schema["format"] == "int32"
                        && value.as_i64().is_none_or(|v| i32::try_from(v).is_err())
                    {
                        errors.push(format!("{at}: {value} does not fit int32"));
                    }
                }
                "number" => {
                    if !value.is_number() {
                        errors.push(format!("{at}: expected a number, got {value}"));
                    }
                }
                "boolean" => {
                    if !value.is_boolean() {
                        errors.push(format!("{at}: expected a boolean, got {value}"));
                    }
                }
                "array" => {
                    let Some(items) = value.as_array() else {
                        return errors.push(format!("{at}: expected an array"));
                    };
                    for (i, v) in items.iter().enumerate() {
                        self.check(&schema["items"], None, v, &format!("{at}[{i}]"), errors);
                    }
                }
                "object" | "" => {
                    let Some(obj) = value.as_object() else {
                        return errors.push(format!("{at}: expected an object, got {value}"));
                    };
                    if let Some(props) = schema["properties"].as_object() {
                        if named.is_some() {
                            for (key, prop) in props {
                                if prop["nullable"] != true && !obj.contains_key(key) {
                                    errors.push(format!("{at}: non-nullable {key} is missing"));
                                }
                            }
                        }
                        for (key, v) in obj {
                            match props.get(key) {
                                Some(prop) => {
                                    self.check(prop, None, v, &format!("{at}.{key}"), errors)
                                }
                                None => errors.push(format!(
                                    "{at}: {key} is not a property of {}",
                                    named.unwrap_or("the schema")
                                )),
                            }
                        }
                    } else if let Some(extra) =
                        schema.get("additionalProperties").filter(|a| a.is_object())
                    {
                        for (key, v) in obj {
                            self.check(extra, None, v, &format!("{at}.{key}"), errors);
                        }
                    }
                }
                other => errors.push(format!("{at}: unhandled schema type {other}")),
            }
        }

        fn check_enum(&self, values: &[Value], value: &Value, at: &str, errors: &mut Vec<String>) {
            if !values.contains(value) {
                errors.push(format!("{at}: {value} is not one of the spec's values"));
            }
        }

        fn check_named(&self, name: &str, value: &Value) -> Vec<String> {
            let mut errors = Vec::new();
            self.check(&self.schemas[name], Some(name), value, name, &mut errors);
            errors
        }

        fn non_nullable(&self, name: &str) -> Vec<String> {
            self.schemas[name]["properties"]
                .as_object()
                .unwrap()
                .iter()
                .filter(|(_, p)| p["nullable"] != true)
                .map(|(k, _)| k.clone())
                .collect()
        }
    }

    fn all_sample_dtos() -> Vec<(&'static str, Value)> {
        let all = FieldSet::all();
        let series = series();
        let season = season(&series);
        let episode = episode(&series, &season);
        let album = album();
        let track = track(&album);
        let movie = fixtures::movie();
        let dv = fixtures::dolby_vision_movie();
        let movies = library("Movies", "/config/root/Movies");
        let movie_ancestors = [&movies];
        let episode_ancestors = [&season, &series];
        let season_ancestors = [&series];
        let album_ancestors = [&album];
        let base = |item: &ItemRecord, ancestors: &[&ItemRecord], kind: Option<LibraryKind>| {
            let ctx = DtoContext {
                user_data: Some(user_data()),
                library_kind: kind,
                ancestors,
                child_count: Some(1),
                recursive_item_count: Some(1),
                local_trailer_count: Some(1),
                special_feature_count: Some(1),
                item_counts: Some(ItemCounts {
                    movie_count: Some(1),
                    ..ItemCounts::default()
                }),
                can_delete: true,
                can_download: true,
                ..DtoContext::new(SERVER_ID, &all)
            };
            serde_json::to_value(item_dto(item, &ctx)).unwrap()
        };
        vec![
            ("movie", base(&movie, &movie_ancestors, None)),
            ("dolby vision movie", base(&dv, &[], None)),
            ("series", base(&series, &[], None)),
            ("season", base(&season, &season_ancestors, None)),
            ("episode", base(&episode, &episode_ancestors, None)),
            ("album", base(&album, &[], None)),
            ("track", base(&track, &album_ancestors, None)),
            ("library", base(&movies, &[], Some(LibraryKind::Movies))),
            (
                "person",
                base(&by_name(ItemKind::Person, "Ryan Gosling"), &[], None),
            ),
            ("genre", base(&by_name(ItemKind::Genre, "Drama"), &[], None)),
            ("studio", base(&by_name(ItemKind::Studio, "A24"), &[], None)),
            (
                "artist",
                base(&by_name(ItemKind::MusicArtist, "Daft Punk"), &[], None),
            ),
        ]
    }

    #[test]
    fn dtos_conform_to_openapi() {
        let spec = Spec::load();
        let mut errors = Vec::new();
        for (what, json) in all_sample_dtos() {
            for e in spec.check_named("BaseItemDto", &json) {
                errors.push(format!("{what}: {e}"));
            }
        }
        let sources = media::media_sources(
            &fixtures::movie(),
            &[],
            SourceFlags {
                subtitle_delivery: Some(media::SubtitleDelivery::default()),
                ..SourceFlags::default()
            },
        );
        for s in &sources {
            errors.extend(spec.check_named("MediaSourceInfo", &serde_json::to_value(s).unwrap()));
        }
        let page = QueryResult::all(vec![item_dto(
            &fixtures::movie(),
            &DtoContext::new(SERVER_ID, &FieldSet::all()),
        )]);
        errors.extend(spec.check_named(
            "BaseItemDtoQueryResult",
            &serde_json::to_value(&page).unwrap(),
        ));
        assert!(errors.is_empty(), "{}", errors.join("\n"));
    }

    #[test]
    fn conformance_checker_catches_mistakes() {
        let spec = Spec::load();
        let bad = serde_json::json!({
            "Name": "x",
            "Type": "Film",
            "MediaType": "Video",
            "SeriesID": "x",
            "ParentId": "3F2504E0-4F89-11D3-9A0C-0305E82C3301",
            "PremiereDate": "2017-10-04T00:00:00Z",
            "IndexNumber": 3_000_000_000_i64,
            "UserData": { "Played": true },
            "MediaStreams": [{ "Type": "Video", "Index": 0, "VideoRangeType": "HDR10+" }],
            "Overview": null
        });
        let errors = spec.check_named("BaseItemDto", &bad).join("\n");
        for expected in [
            "non-nullable Id is missing",
            "\"Film\" is not one of",
            "SeriesID is not a property",
            "is not an N-format GUID",
            "is not Jellyfin's date format",
            "does not fit int32",
            "BaseItemDto.UserData: non-nullable Key is missing",
            "\"HDR10+\" is not one of",
            "MediaStreams[0]: non-nullable IsTextSubtitleStream is missing",
            "Overview: null is never written",
        ] {
            assert!(errors.contains(expected), "{expected} not in:\n{errors}");
        }
    }

    #[test]
    fn full_movie_has_every_non_nullable_property() {
        let spec = Spec::load();
        let movie = fixtures::movie();
        let fields = FieldSet::all();
        let ctx = DtoContext {
            user_data: Some(user_data()),
            ..DtoContext::new(SERVER_ID, &fields)
        };
        let json = dto_json(&movie, &ctx);
        let present = |obj: &Value, keys: Vec<String>, what: &str| {
            for key in keys {
                assert!(
                    obj.get(&key).is_some(),
                    "{what}.{key} (non-nullable) is missing"
                );
            }
        };
        present(&json, spec.non_nullable("BaseItemDto"), "BaseItemDto");
        present(
            &json["UserData"],
            spec.non_nullable("UserItemDataDto"),
            "UserItemDataDto",
        );
        let sources = json["MediaSources"].as_array().unwrap();
        assert!(!sources.is_empty());
        for s in sources {
            present(s, spec.non_nullable("MediaSourceInfo"), "MediaSourceInfo");
            for st in s["MediaStreams"].as_array().unwrap() {
                present(st, spec.non_nullable("MediaStream"), "MediaStream");
            }
        }
        for st in json["MediaStreams"].as_array().unwrap() {
            present(st, spec.non_nullable("MediaStream"), "MediaStream");
        }
        // And no property we write is unknown to the schema, nested objects included.
        let errors = spec.check_named("BaseItemDto", &json);
        assert!(errors.is_empty(), "{}", errors.join("\n"));
        // The always-present fields of SURFACE.md §1.10.
        for key in [
            "Id",
            "ServerId",
            "Name",
            "Type",
            "IsFolder",
            "MediaType",
            "ImageTags",
            "BackdropImageTags",
            "ImageBlurHashes",
            "LocationType",
            "UserData",
        ] {
            assert!(json.get(key).is_some(), "{key}");
        }
    }

    #[test]
    fn kinds_and_enums_are_in_the_spec() {
        let spec = Spec::load();
        let enum_of = |name: &str| -> Vec<String> {
            spec.schemas[name]["enum"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect()
        };
        let kinds = enum_of("BaseItemKind");
        for k in ItemKind::ALL {
            assert!(kinds.contains(&k.name().to_owned()), "{}", k.name());
        }
        let fields = enum_of("ItemFields");
        assert_eq!(
            fields,
            ItemField::ALL
                .iter()
                .map(|f| f.name().to_owned())
                .collect::<Vec<_>>()
        );
        assert_eq!(
            enum_of("PersonKind"),
            PERSON_KINDS.map(str::to_owned).to_vec()
        );
        assert_eq!(
            enum_of("ExtraType"),
            EXTRA_TYPES.map(str::to_owned).to_vec()
        );
        let collection_types = enum_of("CollectionType");
        for k in [
            LibraryKind::Movies,
            LibraryKind::TvShows,
            LibraryKind::Music,
            LibraryKind::Books,
            LibraryKind::HomeVideos,
            LibraryKind::MusicVideos,
        ] {
            assert!(
                collection_types.contains(&k.name().to_owned()),
                "{}",
                k.name()
            );
        }
        let image_types = enum_of("ImageType");
        for (i, name) in image_types.iter().enumerate() {
            assert_eq!(image_type_name(i as i32), Some(name.as_str()));
        }
        assert_eq!(image_type_name(13), None);
        assert_eq!(image_type_name(-1), None);
    }
}
