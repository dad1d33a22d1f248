//! The item model: what the store keeps about every library item, by-name item, stream, image
//! and link. Plain data; no SQL here.

use md5::{Digest, Md5};

/// Builds the hasher of in-memory maps keyed by ids ([`IdMap`]). Ids are already spread
/// uniformly (MD5 digests of paths, random GUIDs), so folding their 64-bit words with one
/// multiply each (FxHash's step) distributes them as well as SipHash does, at a fraction of its
/// cost: a page of 100 items does some hundreds of such lookups.
#[derive(Debug, Clone, Copy, Default)]
pub struct IdHash;

impl std::hash::BuildHasher for IdHash {
    type Hasher = IdHasher;
    fn build_hasher(&self) -> IdHasher {
        IdHasher(0)
    }
}

/// The hasher [`IdHash`] builds.
#[derive(Debug, Clone, Copy, Default)]
pub struct IdHasher(u64);

impl IdHasher {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.mix(value);
    }

    fn write_usize(&mut self, value: usize) {
        self.mix(value as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A map keyed by item ids, hashed with [`IdHash`].
pub type IdMap<V> = std::collections::HashMap<ItemId, V, IdHash>;

/// An item id: Jellyfin's GUID, shown in N format (32 lower-case hex digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemId(pub [u8; 16]);

impl ItemId {
    /// The deterministic id of an item of `kind` at `key` (its path, or a by-name key), computed
    /// as Jellyfin does: MD5 of the UTF-16LE text `<.NET type name><key>`, read as a .NET GUID.
    /// Stable across rescans, restarts and machines.
    pub fn derive(kind: ItemKind, key: &str) -> Self {
        let mut hasher = Md5::new();
        for unit in kind.dotnet_type().encode_utf16().chain(key.encode_utf16()) {
            hasher.update(unit.to_le_bytes());
        }
        let h: [u8; 16] = hasher.finalize().into();
        // System.Guid(byte[]) keeps the first three fields little-endian; the N format prints
        // them big-endian. Store the bytes in printed order.
        Self([
            h[3], h[2], h[1], h[0], h[5], h[4], h[7], h[6], h[8], h[9], h[10], h[11], h[12], h[13],
            h[14], h[15],
        ])
    }

    /// The N-format text (32 lower-case hex digits).
    pub fn to_n(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(32);
        for b in self.0 {
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
        out
    }

    /// Parses N format or dashed D format (any case). `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let hex: String = text.chars().filter(|c| *c != '-').collect();
        if hex.len() != 32 || !hex.is_ascii() {
            return None;
        }
        let mut out = [0u8; 16];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Self(out))
    }
}

impl std::fmt::Display for ItemId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_n())
    }
}

macro_rules! item_kinds {
    ($($kind:ident => $dotnet:literal, $folder:literal;)*) => {
        /// The kinds of item Jellyfin clients browse (Jellyfin's `BaseItemKind` names).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ItemKind {
            $(
                #[doc = concat!("`", stringify!($kind), "`")]
                $kind,
            )*
        }

        impl ItemKind {
            /// Every kind.
            pub const ALL: &'static [ItemKind] = &[$(ItemKind::$kind),*];

            /// Jellyfin's name of the kind (`"Movie"`, `"CollectionFolder"`).
            pub fn name(self) -> &'static str {
                match self { $(ItemKind::$kind => stringify!($kind)),* }
            }

            /// The .NET type name Jellyfin hashes into item ids.
            pub fn dotnet_type(self) -> &'static str {
                match self { $(ItemKind::$kind => $dotnet),* }
            }

            /// Whether items of this kind are folders (have children).
            pub fn is_folder(self) -> bool {
                match self { $(ItemKind::$kind => $folder),* }
            }

            /// Parses a kind name, ignoring case.
            pub fn from_name(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|k| k.name().eq_ignore_ascii_case(name))
            }
        }
    };
}

item_kinds! {
    CollectionFolder => "MediaBrowser.Controller.Entities.CollectionFolder", true;
    Folder => "MediaBrowser.Controller.Entities.Folder", true;
    Movie => "MediaBrowser.Controller.Entities.Movies.Movie", false;
    Video => "MediaBrowser.Controller.Entities.Video", false;
    Trailer => "MediaBrowser.Controller.Entities.Trailer", false;
    MusicVideo => "MediaBrowser.Controller.Entities.MusicVideo", false;
    Series => "MediaBrowser.Controller.Entities.TV.Series", true;
    Season => "MediaBrowser.Controller.Entities.TV.Season", true;
    Episode => "MediaBrowser.Controller.Entities.TV.Episode", false;
    MusicArtist => "MediaBrowser.Controller.Entities.Audio.MusicArtist", true;
    MusicAlbum => "MediaBrowser.Controller.Entities.Audio.MusicAlbum", true;
    Audio => "MediaBrowser.Controller.Entities.Audio.Audio", false;
    AudioBook => "MediaBrowser.Controller.Entities.AudioBook", false;
    Book => "MediaBrowser.Controller.Entities.Book", false;
    BoxSet => "MediaBrowser.Controller.Entities.Movies.BoxSet", true;
    Person => "MediaBrowser.Controller.Entities.Person", false;
    Genre => "MediaBrowser.Controller.Entities.Genre", false;
    MusicGenre => "MediaBrowser.Controller.Entities.MusicGenre", false;
    Studio => "MediaBrowser.Controller.Entities.Studio", false;
}

/// Jellyfin's media types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaType {
    /// Video files.
    Video,
    /// Audio files.
    Audio,
    /// Books.
    Book,
}

impl MediaType {
    /// Jellyfin's name.
    pub fn name(self) -> &'static str {
        match self {
            MediaType::Video => "Video",
            MediaType::Audio => "Audio",
            MediaType::Book => "Book",
        }
    }

    /// Parses a name, ignoring case.
    pub fn from_name(name: &str) -> Option<Self> {
        [MediaType::Video, MediaType::Audio, MediaType::Book]
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(name))
    }
}

/// Library content types (Jellyfin's `CollectionType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// Mixed content (no collection type).
    Mixed,
}

impl LibraryKind {
    /// The collection type name (`movies`, `tvshows`, ...; `mixed` for none).
    pub fn name(self) -> &'static str {
        match self {
            LibraryKind::Movies => "movies",
            LibraryKind::TvShows => "tvshows",
            LibraryKind::Music => "music",
            LibraryKind::Books => "books",
            LibraryKind::HomeVideos => "homevideos",
            LibraryKind::MusicVideos => "musicvideos",
            LibraryKind::Mixed => "mixed",
        }
    }

    /// Parses a collection type name, ignoring case.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            LibraryKind::Movies,
            LibraryKind::TvShows,
            LibraryKind::Music,
            LibraryKind::Books,
            LibraryKind::HomeVideos,
            LibraryKind::MusicVideos,
            LibraryKind::Mixed,
        ]
        .into_iter()
        .find(|k| k.name().eq_ignore_ascii_case(name))
    }
}

/// Kinds of by-name values linked to items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueKind {
    /// A genre.
    Genre,
    /// A studio.
    Studio,
    /// A tag.
    Tag,
    /// A performing artist (music).
    Artist,
    /// An album artist (music).
    AlbumArtist,
}

impl ValueKind {
    /// Stored name.
    pub fn name(self) -> &'static str {
        match self {
            ValueKind::Genre => "Genre",
            ValueKind::Studio => "Studio",
            ValueKind::Tag => "Tag",
            ValueKind::Artist => "Artist",
            ValueKind::AlbumArtist => "AlbumArtist",
        }
    }
}

/// A person credited on an item.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonCredit {
    /// The person's name.
    pub name: String,
    /// The role (character) for actors.
    pub role: Option<String>,
    /// `Actor`, `Director`, `Writer`, ...
    pub kind: String,
    /// Billing order.
    pub sort_order: Option<i32>,
}

/// One stream of an item's media (embedded or external file).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StreamRecord {
    /// Index (embedded streams first, external after them).
    pub index: i32,
    /// `Video`, `Audio`, `Subtitle`, `EmbeddedImage`, `Data`, `Attachment`.
    pub kind: String,
    /// Codec name as ffprobe prints it.
    pub codec: Option<String>,
    /// Codec profile.
    pub profile: Option<String>,
    /// Codec level.
    pub level: Option<f64>,
    /// Width in pixels.
    pub width: Option<i32>,
    /// Height in pixels.
    pub height: Option<i32>,
    /// Average frame rate.
    pub average_frame_rate: Option<f64>,
    /// Real (base) frame rate.
    pub real_frame_rate: Option<f64>,
    /// Pixel format.
    pub pixel_format: Option<String>,
    /// Bit depth.
    pub bit_depth: Option<i32>,
    /// Color transfer characteristic.
    pub color_transfer: Option<String>,
    /// Color primaries.
    pub color_primaries: Option<String>,
    /// Color space (matrix).
    pub color_space: Option<String>,
    /// Dolby Vision profile, when present.
    pub dv_profile: Option<i32>,
    /// Audio channels.
    pub channels: Option<i32>,
    /// Channel layout description.
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
    /// Hearing-impaired flag.
    pub is_hearing_impaired: bool,
    /// Whether the stream is an external file.
    pub is_external: bool,
    /// The external file's path.
    pub path: Option<String>,
}

/// A chapter marker.
#[derive(Debug, Clone, PartialEq)]
pub struct ChapterRecord {
    /// Start, in 100 ns ticks.
    pub start_ticks: i64,
    /// Title.
    pub name: Option<String>,
}

/// A local image of an item.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageRecord {
    /// Jellyfin's image type number (Primary=0, Art=1, Backdrop=2, ...).
    pub image_type: i32,
    /// Index among images of the same type (backdrops).
    pub index: i32,
    /// Path of the image file.
    pub path: String,
    /// Width in pixels, when known.
    pub width: Option<u32>,
    /// Height in pixels, when known.
    pub height: Option<u32>,
    /// BlurHash, when computed.
    pub blurhash: Option<String>,
    /// File modification time (Unix seconds).
    pub date_modified: i64,
}

/// Everything the store keeps about one item, as the scanner produces it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ItemRecord {
    /// Item id.
    pub id: Option<ItemId>,
    /// Kind name (see [`ItemKind`]); kept as the enum by accessors.
    pub kind: Option<ItemKind>,
    /// The library (collection folder) the item belongs to.
    pub library_id: Option<ItemId>,
    /// The parent in the browse tree.
    pub parent_id: Option<ItemId>,
    /// For extras: the item that owns them.
    pub owner_id: Option<ItemId>,
    /// For alternate versions: the primary version.
    pub primary_version_id: Option<ItemId>,
    /// File or folder path.
    pub path: Option<String>,
    /// Display name.
    pub name: String,
    /// Sort name.
    pub sort_name: String,
    /// Original title.
    pub original_title: Option<String>,
    /// Overview (plot).
    pub overview: Option<String>,
    /// Tagline.
    pub tagline: Option<String>,
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
    /// Episode number, track number, season number...
    pub index_number: Option<i32>,
    /// Season number of an episode, disc number of a track.
    pub parent_index_number: Option<i32>,
    /// Last episode of a multi-episode file.
    pub index_number_end: Option<i32>,
    /// The series of a season or episode.
    pub series_id: Option<ItemId>,
    /// The season of an episode.
    pub season_id: Option<ItemId>,
    /// The series name of a season or episode.
    pub series_name: Option<String>,
    /// The album of a track.
    pub album: Option<String>,
    /// Extra type name (`Trailer`, ...), for extras.
    pub extra_type: Option<String>,
    /// Media type of playable items.
    pub media_type: Option<MediaType>,
    /// Container as ffprobe names it.
    pub container: Option<String>,
    /// File size in bytes.
    pub size: Option<i64>,
    /// File modification time (Unix nanoseconds).
    pub file_mtime: Option<i64>,
    /// Overall bit rate.
    pub bitrate: Option<i64>,
    /// 3D format (`HalfSideBySide`, ...).
    pub video_3d_format: Option<String>,
    /// `VideoFile`, `Iso`, `Dvd`, `BluRay`.
    pub video_type: Option<String>,
    /// Whether the item is an offline-disc placeholder (stub).
    pub is_placeholder: bool,
    /// When the probe failed: why.
    pub probe_error: Option<String>,
    /// When the NFO could not be read: why.
    pub nfo_error: Option<String>,
    /// Creation time (Unix seconds).
    pub date_created: i64,
    /// Genres.
    pub genres: Vec<String>,
    /// Studios.
    pub studios: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Performing artists (music).
    pub artists: Vec<String>,
    /// Album artists (music).
    pub album_artists: Vec<String>,
    /// People.
    pub people: Vec<PersonCredit>,
    /// Provider ids (`Tmdb` -> `603`).
    pub provider_ids: Vec<(String, String)>,
    /// Local images.
    pub images: Vec<ImageRecord>,
    /// Additional parts of a multi-part (stacked) item, in order.
    pub additional_parts: Vec<String>,
    /// Streams (embedded then external).
    pub streams: Vec<StreamRecord>,
    /// Chapters.
    pub chapters: Vec<ChapterRecord>,
    /// A hash of everything the scanner derived the item from; equal means unchanged.
    pub fingerprint: i64,
}

impl ItemRecord {
    /// A new record of `kind` at `key` with its derived id.
    pub fn new(kind: ItemKind, key: &str, name: impl Into<String>) -> Self {
        let name = name.into();
        Self {
            id: Some(ItemId::derive(kind, key)),
            kind: Some(kind),
            sort_name: sort_name(&name),
            name,
            ..Self::default()
        }
    }
}

/// Jellyfin's default sort name: lower-cased, leading articles (`the`, `a`, `an`) removed, and
/// digit runs padded so that `2` sorts before `10`.
pub fn sort_name(name: &str) -> String {
    let lower = name.trim().to_lowercase();
    let mut s = lower.as_str();
    for article in ["the ", "a ", "an "] {
        if let Some(rest) = s.strip_prefix(article) {
            if !rest.trim().is_empty() {
                s = rest.trim_start();
                break;
            }
        }
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if !digits.is_empty() {
            for _ in digits.len()..10 {
                out.push('0');
            }
            out.push_str(digits);
            digits.clear();
        }
    };
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_hashes_spread_like_the_ids() {
        use std::hash::BuildHasher;
        let ids: Vec<ItemId> = (0..20_000)
            .map(|i| ItemId::derive(ItemKind::Movie, &format!("/media/Movies/Film {i}.mkv")))
            .collect();
        let hashes: std::collections::HashSet<u64> =
            ids.iter().map(|id| IdHash.hash_one(id)).collect();
        assert_eq!(hashes.len(), ids.len(), "no two ids share a hash");
        // hashbrown picks buckets from the low bits and tags from the top 7: both must vary.
        for (name, shift, mask) in [("low 10 bits", 0, 1023u64), ("top 7 bits", 57, 127)] {
            let mut counts = vec![0usize; mask as usize + 1];
            for h in &hashes {
                counts[((h >> shift) & mask) as usize] += 1;
            }
            let share = ids.len() / counts.len();
            assert!(counts.iter().all(|c| *c > 0), "{name}: every value occurs");
            assert!(
                counts.iter().all(|c| *c < share * 2),
                "{name}: no value takes twice its share"
            );
        }
        // Pairs (user, item) as the user-data cache keys them.
        let pair = IdHash.hash_one((ids[0], ids[1]));
        assert_ne!(pair, IdHash.hash_one((ids[1], ids[0])));
        let map: IdMap<usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        assert!(ids.iter().enumerate().all(|(i, id)| map[id] == i));
    }

    #[test]
    fn ids_match_jellyfin() {
        // Jellyfin 10.x: the root folder's id is GetMD5("MediaBrowser.Controller.Entities.
        // AggregateFolder" + "root")... we check our own determinism and format here, and the
        // .NET GUID byte order on a value computed by hand from the MD5 definition.
        let a = ItemId::derive(ItemKind::Movie, "/m/Heat (1995)/Heat (1995).mkv");
        let b = ItemId::derive(ItemKind::Movie, "/m/Heat (1995)/Heat (1995).mkv");
        let c = ItemId::derive(ItemKind::Video, "/m/Heat (1995)/Heat (1995).mkv");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.to_n().len(), 32);
        assert_eq!(ItemId::parse(&a.to_n()), Some(a));
        let dashed = format!(
            "{}-{}-{}-{}-{}",
            &a.to_n()[..8],
            &a.to_n()[8..12],
            &a.to_n()[12..16],
            &a.to_n()[16..20],
            &a.to_n()[20..]
        )
        .to_uppercase();
        assert_eq!(ItemId::parse(&dashed), Some(a));
        assert_eq!(ItemId::parse("xyz"), None);
        assert_eq!(ItemId::parse(&"é".repeat(16)), None);
    }

    #[test]
    fn dotnet_guid_byte_order() {
        // MD5(UTF-16LE("")) for kind prefix only is checked through the raw digest reordering:
        // bytes 0..4 reversed, 4..6 reversed, 6..8 reversed, rest as is.
        let mut hasher = Md5::new();
        for unit in "MediaBrowser.Controller.Entities.Folderx".encode_utf16() {
            hasher.update(unit.to_le_bytes());
        }
        let h: [u8; 16] = hasher.finalize().into();
        let id = ItemId::derive(ItemKind::Folder, "x");
        assert_eq!(id.0[0], h[3]);
        assert_eq!(id.0[4], h[5]);
        assert_eq!(id.0[6], h[7]);
        assert_eq!(id.0[8..], h[8..]);
    }

    #[test]
    fn sort_names() {
        let cases = [
            ("The Matrix", "matrix"),
            ("A Bug's Life", "bug's life"),
            ("Movie 2", "movie 0000000002"),
            ("The", "the"),
            ("An", "an"),
        ];
        for (n, s) in cases {
            assert_eq!(sort_name(n), s, "{n}");
        }
    }
}
