//! Kodi-style NFO metadata files (`movie.nfo`, `tvshow.nfo`, `season.nfo`, `<episode>.nfo`,
//! `album.nfo`, `artist.nfo`), read the way Jellyfin's `MediaBrowser.XbmcMetadata` parsers read
//! them.
//!
//! This module owns turning the text of one NFO file into [`NfoMetadata`]: a real XML parse
//! (quick-xml), the Kodi quirks (a UTF-8 byte order mark, a provider URL after the closing root
//! tag or instead of any XML, HTML entities, CDATA, empty elements, several `<episodedetails>`
//! in one file), Jellyfin's value rules (genres split on `/`, directors on `,` or `|`/`;`, years
//! after 1850, `<uniqueid>` and the legacy id elements), and the errors for files that are not
//! well-formed. Which file to read for an item is [`crate::naming::artwork::nfo_file_paths`];
//! merging the result into an item is the scanner's.
//!
//! ```
//! use jellyfin_core::nfo::{parse_nfo, NfoKind};
//!
//! let nfo = r#"<movie><title>Heat</title><year>1995</year>
//!     <uniqueid type="tmdb" default="true">949</uniqueid></movie>"#;
//! let meta = parse_nfo(nfo, NfoKind::Movie).unwrap();
//! assert_eq!(meta.title.as_deref(), Some("Heat"));
//! assert_eq!(meta.provider_id("tmdb"), Some("949"));
//! ```

mod entities;
mod ids;
mod parser;
#[cfg(test)]
mod tests;

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

pub use crate::naming::tv::series::SeriesStatus;

/// The largest NFO file [`parse_nfo_file`] reads (4 MiB). Real NFOs are a few KiB; anything
/// this big is not one.
pub const MAX_NFO_BYTES: u64 = 4 * 1024 * 1024;

/// Which kind of item an NFO describes. It decides the meaning of a few elements (`<season>` is
/// a number only in an episode NFO, the bare `<id>` holds a TMDb id for a movie and a TheTVDB id
/// for a series, `<status>` is read for series) and which provider URLs count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NfoKind {
    /// `movie.nfo` or `<video>.nfo` (root `<movie>`).
    Movie,
    /// `tvshow.nfo` (root `<tvshow>`).
    TvShow,
    /// `season.nfo` (root `<season>`).
    Season,
    /// `<episode file>.nfo` (root `<episodedetails>`; only the first one is read).
    Episode,
    /// `album.nfo` (root `<album>`).
    Album,
    /// `artist.nfo` (root `<artist>`).
    Artist,
    /// A music video's NFO (root `<musicvideo>`).
    MusicVideo,
}

/// A calendar date from an NFO (`<premiered>2010-07-16</premiered>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NfoDate {
    /// Year (four digits in the file).
    pub year: i32,
    /// Month, 1 to 12.
    pub month: u32,
    /// Day of the month, 1 to 31 (valid for the month).
    pub day: u32,
}

impl NfoDate {
    /// Parses `yyyy-MM-dd` (Jellyfin's default NFO date format), allowing a time after it
    /// (`2010-07-16 21:00:00`, `2010-07-16T21:00:00Z`). `None` for anything else or an
    /// impossible date.
    pub fn parse(s: &str) -> Option<NfoDate> {
        let s = s.trim();
        let (date, rest) = (s.get(..10)?, &s[10..]);
        if !(rest.is_empty() || rest.starts_with([' ', 'T'])) {
            return None;
        }
        let b = date.as_bytes();
        if b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = &date[r];
            part.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| part.parse().ok())
                .flatten()
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days).contains(&day).then_some(NfoDate {
            year: year as i32,
            month,
            day,
        })
    }
}

impl fmt::Display for NfoDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// What a person did, as Jellyfin's `PersonKind` names it. `<actor><type>` is matched against
/// these names ignoring case; anything else is an actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[allow(missing_docs)]
pub enum PersonKind {
    Actor,
    Director,
    Composer,
    Writer,
    GuestStar,
    Producer,
    Conductor,
    Lyricist,
    Arranger,
    Engineer,
    Mixer,
    Remixer,
    Creator,
    Artist,
    AlbumArtist,
    Author,
    Illustrator,
    Penciller,
    Inker,
    Colorist,
    Letterer,
    CoverArtist,
    Editor,
    Translator,
}

impl PersonKind {
    const ALL: [PersonKind; 24] = [
        Self::Actor,
        Self::Director,
        Self::Composer,
        Self::Writer,
        Self::GuestStar,
        Self::Producer,
        Self::Conductor,
        Self::Lyricist,
        Self::Arranger,
        Self::Engineer,
        Self::Mixer,
        Self::Remixer,
        Self::Creator,
        Self::Artist,
        Self::AlbumArtist,
        Self::Author,
        Self::Illustrator,
        Self::Penciller,
        Self::Inker,
        Self::Colorist,
        Self::Letterer,
        Self::CoverArtist,
        Self::Editor,
        Self::Translator,
    ];

    /// The name as Jellyfin spells it (`Actor`, `GuestStar`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Actor => "Actor",
            Self::Director => "Director",
            Self::Composer => "Composer",
            Self::Writer => "Writer",
            Self::GuestStar => "GuestStar",
            Self::Producer => "Producer",
            Self::Conductor => "Conductor",
            Self::Lyricist => "Lyricist",
            Self::Arranger => "Arranger",
            Self::Engineer => "Engineer",
            Self::Mixer => "Mixer",
            Self::Remixer => "Remixer",
            Self::Creator => "Creator",
            Self::Artist => "Artist",
            Self::AlbumArtist => "AlbumArtist",
            Self::Author => "Author",
            Self::Illustrator => "Illustrator",
            Self::Penciller => "Penciller",
            Self::Inker => "Inker",
            Self::Colorist => "Colorist",
            Self::Letterer => "Letterer",
            Self::CoverArtist => "CoverArtist",
            Self::Editor => "Editor",
            Self::Translator => "Translator",
        }
    }

    /// The kind named `name` (ignoring case and surrounding white space), if any.
    pub fn from_name(name: &str) -> Option<PersonKind> {
        let name = name.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name))
    }
}

/// One person credited in an NFO: an `<actor>` element, or one name of a `<director>`,
/// `<writer>` or `<credits>` element.
#[derive(Debug, Clone, PartialEq)]
pub struct NfoPerson {
    /// The name (trimmed, never empty).
    pub name: String,
    /// What the person did: `<actor><type>`, or the element the name came from.
    pub kind: PersonKind,
    /// The character played (`<role>`).
    pub role: Option<String>,
    /// Billing order (`<order>` or `<sortorder>`).
    pub sort_order: Option<i32>,
    /// A picture of the person (`<thumb>`, usually a URL).
    pub thumb: Option<String>,
}

/// Everything read from one NFO file. Absent or unparseable values are `None` or empty; text
/// values are trimmed and never empty.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct NfoMetadata {
    /// The root element's name as written (`movie`, `tvshow`, ...); `None` for a URL-only NFO.
    pub root: Option<String>,
    /// `<title>` (also `<name>`, `<localtitle>`; the last one wins, as in Jellyfin).
    pub title: Option<String>,
    /// `<originaltitle>`.
    pub original_title: Option<String>,
    /// `<sorttitle>` (else `<sortname>`).
    pub sort_title: Option<String>,
    /// `<showtitle>`: in an episode NFO, the series name.
    pub show_title: Option<String>,
    /// `<year>` when after 1850, else the year of [`premiered`](Self::premiered).
    pub year: Option<i32>,
    /// `<premiered>`, `<aired>`, `<releasedate>` or `<formed>` (the last valid one wins).
    pub premiered: Option<NfoDate>,
    /// `<enddate>`.
    pub end_date: Option<NfoDate>,
    /// `<plot>`, `<biography>` or `<review>`; when none of them is there, [`outline`](Self::outline).
    pub plot: Option<String>,
    /// `<outline>` (a short plot).
    pub outline: Option<String>,
    /// `<tagline>`.
    pub tagline: Option<String>,
    /// Community rating: the `<ratings><rating default="true"><value>`, else `<rating>`, else
    /// the last non-critic `<ratings>` value; scaled to 0-10 when the rating has a `max`.
    pub rating: Option<f32>,
    /// Critic rating (0-100): `<criticrating>`, or a Rotten Tomatoes `<ratings>` entry.
    pub critic_rating: Option<f32>,
    /// Official (parental) rating: `<mpaa>`.
    pub official_rating: Option<String>,
    /// `<customrating>`.
    pub custom_rating: Option<String>,
    /// `<genre>` values, each split on `/`; no duplicates (ignoring case).
    pub genres: Vec<String>,
    /// `<tag>` and `<style>` values; no duplicates.
    pub tags: Vec<String>,
    /// `<studio>` values; no duplicates.
    pub studios: Vec<String>,
    /// `<country>` values, each split on `/`; no duplicates.
    pub countries: Vec<String>,
    /// `<actor>`, `<director>`, `<writer>` and `<credits>` (writers), in file order; a name
    /// credited twice with the same kind appears once.
    pub people: Vec<NfoPerson>,
    /// Provider ids under Jellyfin's names (`Tmdb`, `Imdb`, `Tvdb`, `TmdbCollection`, ...), in
    /// first-seen order, one value per provider (the last one wins). From `<uniqueid type>`,
    /// the legacy `<id>`, `<imdbid>`, `<tmdbid>`, `<tvdbid>`, ... elements, `<set tmdbcolid>`,
    /// and provider URLs outside the XML.
    pub provider_ids: Vec<(String, String)>,
    /// The provider of the first `<uniqueid default="true">`.
    pub default_provider: Option<String>,
    /// `<runtime>` in minutes (`"120"`, `"120 min"`).
    pub runtime_minutes: Option<u32>,
    /// The collection (box set) name: `<set>name</set>` or `<set><name>name</name></set>`.
    pub collection: Option<String>,
    /// Episode NFO `<season>`, season NFO `<seasonnumber>`.
    pub season_number: Option<i32>,
    /// Episode NFO `<episode>`.
    pub episode_number: Option<i32>,
    /// Episode NFO `<episodenumberend>` (last episode of a multi-episode file).
    pub episode_number_end: Option<i32>,
    /// Episode NFO `<displayseason>` (Jellyfin stores it as "airs before season").
    pub display_season: Option<i32>,
    /// Episode NFO `<displayepisode>` (Jellyfin stores it as "airs before episode").
    pub display_episode: Option<i32>,
    /// Episode NFO `<airsafter_season>`.
    pub airs_after_season: Option<i32>,
    /// Episode NFO `<airsbefore_season>`.
    pub airs_before_season: Option<i32>,
    /// Episode NFO `<airsbefore_episode>`.
    pub airs_before_episode: Option<i32>,
    /// Series NFO `<namedseason number="1">Name</namedseason>`: season names by number.
    pub named_seasons: Vec<(i32, String)>,
    /// Series NFO `<status>` (`Continuing`, `Ended`, ...).
    pub status: Option<SeriesStatus>,
    /// `<artist>` values (album, music video); no duplicates.
    pub artists: Vec<String>,
    /// `<albumartist>` values and `<albumArtistCredits><artist>`; no duplicates.
    pub album_artists: Vec<String>,
    /// `<album>` (music video, song).
    pub album: Option<String>,
    /// `<lockdata>true</lockdata>`: the user locked this item's metadata.
    pub locked: bool,
}

impl NfoMetadata {
    /// The provider id stored under `provider` (`"Tmdb"`, `"tmdb"`, ...), ignoring case.
    pub fn provider_id(&self, provider: &str) -> Option<&str> {
        self.provider_ids
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(provider))
            .map(|(_, v)| v.as_str())
    }
}

/// Why an NFO could not be read. The caller keeps what the file name says and records this.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NfoError {
    /// The text is not well-formed XML (unclosed or mismatched tags, broken markup).
    #[error("malformed NFO XML at line {line}, column {column} (byte {position}): {source}")]
    Xml {
        /// Byte offset in the text (counting a byte order mark) where the problem is.
        position: u64,
        /// 1-based line of `position`.
        line: usize,
        /// 1-based column (in characters) of `position`.
        column: usize,
        /// The parser's error.
        #[source]
        source: quick_xml::Error,
    },
    /// The file is empty or only white space.
    #[error("the NFO is empty")]
    Empty,
    /// The text has no XML element and no provider URL: it is not an NFO.
    #[error("the NFO has neither an XML root element nor a provider URL")]
    NoContent,
    /// Reading the file failed.
    #[error("cannot read NFO {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_NFO_BYTES`].
    #[error("NFO {path} is larger than {limit} bytes")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit it exceeds.
        limit: u64,
    },
}

/// Parses the text of an NFO describing an item of `kind`.
///
/// Unknown elements are skipped; a value that does not parse (a year of `"abc"`) is left
/// unset. Only the first root element is read; for movies, music videos and series, provider
/// URLs after it are read too, and a text without any element is read as a URL-only NFO.
/// Never panics.
///
/// # Errors
///
/// [`NfoError::Xml`] when the XML is not well-formed, [`NfoError::Empty`] for an empty text,
/// [`NfoError::NoContent`] for text with neither XML nor a provider id.
pub fn parse_nfo(text: &str, kind: NfoKind) -> Result<NfoMetadata, NfoError> {
    parser::parse(text, kind)
}

/// Reads and parses the NFO file at `path` (see [`parse_nfo`]).
///
/// The bytes are decoded as UTF-8 (a UTF-8 byte order mark is skipped, and UTF-16 with a byte
/// order mark is decoded); when they are not valid UTF-8 and the XML declaration names
/// ISO-8859-1 or Windows-1252 they are read as Latin-1, otherwise invalid sequences become
/// U+FFFD, as Jellyfin's reader does.
///
/// # Errors
///
/// [`NfoError::Io`] when the file cannot be read, [`NfoError::TooLarge`] above
/// [`MAX_NFO_BYTES`], and the errors of [`parse_nfo`].
pub fn parse_nfo_file(path: &Path, kind: NfoKind) -> Result<NfoMetadata, NfoError> {
    let io = |source| NfoError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_NFO_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_NFO_BYTES {
        return Err(NfoError::TooLarge {
            path: path.to_path_buf(),
            limit: MAX_NFO_BYTES,
        });
    }
    parse_nfo(&decode(bytes), kind)
}

/// NFO bytes as text (see [`parse_nfo_file`]).
fn decode(bytes: Vec<u8>) -> String {
    let utf16 = |le: bool| {
        let units = bytes[2..].chunks_exact(2).map(|c| {
            if le {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect::<String>()
    };
    if bytes.starts_with(&[0xFF, 0xFE]) {
        return utf16(true);
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return utf16(false);
    }
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let bytes = e.into_bytes();
            let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).to_ascii_lowercase();
            let declared_latin1 = head.starts_with("<?xml")
                && [
                    "iso-8859-1",
                    "iso8859-1",
                    "latin1",
                    "windows-1252",
                    "cp1252",
                ]
                .iter()
                .any(|enc| head.contains(enc));
            if declared_latin1 {
                bytes.iter().map(|&b| char::from(b)).collect()
            } else {
                String::from_utf8_lossy(&bytes).into_owned()
            }
        }
    }
}
