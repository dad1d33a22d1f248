//! Subtitle formats: parse, convert, extract.
//!
//! Owns everything about subtitle *content* (which stream plays how is
//! [`crate::playback::subtitle_delivery`]'s business):
//! - a neutral cue list ([`SubtitleTrack`]) and the text formats in and out of it: SubRip,
//!   WebVTT, ASS/SSA ([`text`]);
//! - embedded text subtitle streams (SubRip, ASS/SSA, WebVTT, mov_text, plain text) read out of
//!   media files through the linked libav (feature `libav`), cached on disk per item and stream
//!   (`cache`), so a second request does not read the media again;
//! - [`Subtitles`], the handle a [`crate::MediaLibrary`] hands out: one stream of an item in
//!   a requested format, from a time on (Jellyfin's `SubtitleEncoder` rules).
//!
//! Bitmap subtitles (PGS, DVD, DVB) are pictures, not text: they cannot be converted
//! ([`SubtitleError::NotText`]).

mod cache;
#[cfg(feature = "libav")]
mod extract;
pub mod text;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::store::{ItemRecord, StreamRecord};

/// The largest external subtitle file read (larger ones are refused).
const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// One ASS dialogue event's fields, kept so ASS output reproduces an ASS source exactly.
#[cfg_attr(feature = "libav-plugin", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AssEvent {
    /// `Layer` (`Marked` in SSA v4 scripts).
    pub layer: String,
    /// `Style`.
    pub style: String,
    /// `Name` (the speaker).
    pub name: String,
    /// `MarginL`.
    pub margin_l: String,
    /// `MarginR`.
    pub margin_r: String,
    /// `MarginV`.
    pub margin_v: String,
    /// `Effect`.
    pub effect: String,
    /// `Text`, override blocks and all.
    pub text: String,
}

/// One cue: when it shows and what it says.
#[cfg_attr(feature = "libav-plugin", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    /// Start, in 100 ns ticks.
    pub start: i64,
    /// End, in ticks (never before `start`).
    pub end: i64,
    /// The text: lines separated by `\n`; `<i>`, `<b>`, `<u>` and their closing tags are the
    /// only markup (see [`text`]).
    pub text: String,
    /// The original fields when the cue came from ASS/SSA.
    pub ass: Option<AssEvent>,
}

/// A subtitle stream's cues in time order, with the ASS script header when the source was ASS.
#[cfg_attr(feature = "libav-plugin", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SubtitleTrack {
    /// The cues, ordered by start.
    pub cues: Vec<Cue>,
    /// Everything of an ASS/SSA script before its `[Events]` (script info, styles, fonts).
    pub ass_header: Option<String>,
}

impl SubtitleTrack {
    /// Jellyfin's `FilterEvents`: cues from the first one that neither starts nor ends before
    /// `start_ticks`, up to the last one starting at or before `end_ticks` (when given); times
    /// shifted by `-start_ticks` unless `copy_timestamps`.
    pub fn window(&mut self, start_ticks: i64, end_ticks: Option<i64>, copy_timestamps: bool) {
        let first = self
            .cues
            .iter()
            .position(|c| c.start >= start_ticks && c.end >= start_ticks)
            .unwrap_or(self.cues.len());
        self.cues.drain(..first);
        if let Some(end) = end_ticks.filter(|e| *e > 0) {
            let keep = self
                .cues
                .iter()
                .position(|c| c.start > end)
                .unwrap_or(self.cues.len());
            self.cues.truncate(keep);
        }
        if !copy_timestamps {
            for c in &mut self.cues {
                c.start = c.start.saturating_sub(start_ticks);
                c.end = c.end.saturating_sub(start_ticks);
            }
        }
    }
}

/// The text formats subtitles are served in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubtitleFormat {
    /// SubRip (`.srt`).
    Srt,
    /// WebVTT (`.vtt`).
    Vtt,
    /// Advanced SubStation Alpha (`.ass`).
    Ass,
    /// SubStation Alpha (`.ssa`); written as an ASS (v4+) script, which every SSA reader takes.
    Ssa,
}

impl SubtitleFormat {
    /// The format of a file extension or codec name (`srt`/`subrip`, `vtt`/`webvtt`, `ass`,
    /// `ssa`; any case); `None` for others.
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "srt" | "subrip" => Some(Self::Srt),
            "vtt" | "webvtt" => Some(Self::Vtt),
            "ass" => Some(Self::Ass),
            "ssa" => Some(Self::Ssa),
            _ => None,
        }
    }

    /// The file extension (`srt`, `vtt`, `ass`, `ssa`).
    pub fn extension(self) -> &'static str {
        match self {
            Self::Srt => "srt",
            Self::Vtt => "vtt",
            Self::Ass => "ass",
            Self::Ssa => "ssa",
        }
    }

    /// Parses text in this format.
    pub fn parse_text(self, text: &str) -> SubtitleTrack {
        match self {
            Self::Srt => text::parse_srt(text),
            Self::Vtt => text::parse_vtt(text),
            Self::Ass | Self::Ssa => text::parse_ass(text),
        }
    }
}

/// How a track is written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderOptions {
    /// The output format.
    pub format: SubtitleFormat,
    /// Cues before this time (ticks) are dropped and later ones shifted to start from it.
    pub start_ticks: i64,
    /// Cues starting after this time are dropped (`None` or `<= 0`: no end).
    pub end_ticks: Option<i64>,
    /// Keep the original times (no shift by `start_ticks`).
    pub copy_timestamps: bool,
    /// WebVTT only: add the `X-TIMESTAMP-MAP` header line HLS players need.
    pub vtt_time_map: bool,
}

impl RenderOptions {
    /// The whole track in `format`, times as they are.
    pub fn new(format: SubtitleFormat) -> Self {
        Self {
            format,
            start_ticks: 0,
            end_ticks: None,
            copy_timestamps: false,
            vtt_time_map: false,
        }
    }
}

/// Writes `track` as `options` say (the window is applied to a copy).
pub fn render(track: &SubtitleTrack, options: &RenderOptions) -> String {
    let windowed;
    let track = if options.start_ticks != 0 || options.end_ticks.is_some_and(|e| e > 0) {
        let mut t = track.clone();
        t.window(
            options.start_ticks,
            options.end_ticks,
            options.copy_timestamps,
        );
        windowed = t;
        &windowed
    } else {
        track
    };
    match options.format {
        SubtitleFormat::Srt => text::write_srt(track),
        SubtitleFormat::Vtt => text::write_vtt(track, options.vtt_time_map),
        SubtitleFormat::Ass | SubtitleFormat::Ssa => text::write_ass(track),
    }
}

/// Whether a subtitle codec is a picture format (PGS, DVD, DVB subtitles, `.sup`, `.sub` VobSub)
/// rather than text. `microdvd` (which shares `.sub`) is text.
pub fn is_bitmap_codec(codec: &str) -> bool {
    let c = codec.to_ascii_lowercase();
    !c.contains("microdvd")
        && (c.contains("pgs")
            || c.contains("dvdsub")
            || c.contains("dvd_subtitle")
            || c.contains("dvbsub")
            || c.contains("dvb_subtitle")
            || c == "sup"
            || c == "sub")
}

/// Whether an embedded stream of this codec can be read out as text here: SubRip, ASS/SSA,
/// WebVTT, mov_text (`tx3g`) and plain text, and only with the `libav` or `libav-plugin`
/// feature.
pub fn can_extract(codec: &str) -> bool {
    cfg!(any(feature = "libav", feature = "libav-plugin"))
        && matches!(
            codec.to_ascii_lowercase().as_str(),
            "subrip" | "srt" | "ass" | "ssa" | "webvtt" | "vtt" | "mov_text" | "tx3g" | "text"
        )
}

/// Why a subtitle could not be produced.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SubtitleError {
    /// The item has no subtitle stream with this index.
    #[error("no subtitle stream {index}")]
    NoSuchStream {
        /// The stream index asked for.
        index: i32,
    },
    /// The media file (or external subtitle file) is gone.
    #[error("subtitle source {path} is missing")]
    Missing {
        /// The file.
        path: PathBuf,
    },
    /// A bitmap subtitle cannot become text.
    #[error("{codec} subtitles are pictures, not text")]
    NotText {
        /// The stream's codec.
        codec: String,
    },
    /// A text subtitle in a codec this server cannot read.
    #[error("cannot read {codec} subtitles")]
    UnsupportedCodec {
        /// The stream's codec.
        codec: String,
    },
    /// The media file no longer has the stream the store recorded (changed since the scan).
    #[error("{path} has no readable subtitle stream {index} (changed since the scan?)")]
    StreamMismatch {
        /// The media file.
        path: PathBuf,
        /// The stream's position (attachments not counted).
        index: usize,
    },
    /// The subtitle text is larger than this server reads.
    #[error("subtitles of {path} are too large")]
    TooLarge {
        /// The file.
        path: PathBuf,
    },
    /// Reading the media took longer than allowed.
    #[error("reading subtitles of {path} took longer than {timeout:?}")]
    Timeout {
        /// The media file.
        path: PathBuf,
        /// The limit.
        timeout: Duration,
    },
    /// libav failed to read the media file.
    #[error("libav cannot read {path}: {source}")]
    Libav {
        /// The media file.
        path: PathBuf,
        /// libav's error.
        #[source]
        source: crate::probe::LibavError,
    },
    /// The libav backend is a plugin that could not be loaded or failed.
    #[error("cannot read subtitles of {path}: {source}")]
    Backend {
        /// The media file.
        path: PathBuf,
        /// Why the plugin is unusable.
        #[source]
        source: Arc<crate::probe::PluginError>,
    },
    /// A file operation failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl SubtitleError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::NotFound {
            SubtitleError::Missing {
                path: path.to_owned(),
            }
        } else {
            SubtitleError::Io {
                path: path.to_owned(),
                source,
            }
        }
    }
}

/// Subtitles of library items: external files read and converted, embedded streams extracted
/// once and then served from the disk cache. Cheap to share; methods block (file and media I/O).
#[derive(Debug)]
pub struct Subtitles {
    cache: cache::SubtitleCache,
    extract_timeout: Duration,
    /// One lock per stream being extracted, so concurrent requests extract it once.
    in_flight: Mutex<HashMap<String, Arc<Mutex<()>>>>,
    /// Where embedded streams are read when libav is a plugin rather than linked.
    #[cfg(feature = "libav-plugin")]
    plugin: Option<Arc<crate::probe::LibavPlugin>>,
}

/// Reads embedded text subtitle stream number `ordinal` (attachments not counted) of `path`
/// through the linked libav (what the libav plugin serves).
#[cfg(all(feature = "libav", feature = "libav-plugin"))]
pub(crate) fn extract_embedded(
    path: &Path,
    ordinal: usize,
    timeout: Duration,
) -> Result<SubtitleTrack, SubtitleError> {
    extract::extract(path, ordinal, timeout)
}

impl Subtitles {
    /// Subtitles with extracted streams cached under `cache_dir` (created when first needed),
    /// reading a media file for at most 10 minutes.
    pub fn new(cache_dir: impl Into<PathBuf>) -> Self {
        Self {
            cache: cache::SubtitleCache::new(cache_dir.into()),
            extract_timeout: Duration::from_secs(600),
            in_flight: Mutex::new(HashMap::new()),
            #[cfg(feature = "libav-plugin")]
            plugin: None,
        }
    }

    /// The same, reading embedded streams through the libav plugin when libav is not linked
    /// in (feature `libav-plugin` without `libav`).
    #[cfg(feature = "libav-plugin")]
    pub fn with_libav_plugin(mut self, plugin: Arc<crate::probe::LibavPlugin>) -> Self {
        self.plugin = Some(plugin);
        self
    }

    /// The same, with another limit on reading one media file.
    pub fn with_extract_timeout(mut self, timeout: Duration) -> Self {
        self.extract_timeout = timeout;
        self
    }

    /// The directory of extracted streams.
    pub fn cache_dir(&self) -> &Path {
        self.cache.dir()
    }

    /// The cues of subtitle stream `index` of `item` (an item's own file; pass the version's
    /// record for an alternate version). External streams are parsed from their file; embedded
    /// text streams come from the cache, or are extracted from the media file and cached.
    pub fn track(&self, item: &ItemRecord, index: i32) -> Result<SubtitleTrack, SubtitleError> {
        let stream = item
            .streams
            .iter()
            .find(|s| s.index == index && s.kind == "Subtitle")
            .ok_or(SubtitleError::NoSuchStream { index })?;
        if stream.is_external {
            return read_external(stream);
        }
        let codec = stream.codec.clone().unwrap_or_default();
        if is_bitmap_codec(&codec) {
            return Err(SubtitleError::NotText { codec });
        }
        if !can_extract(&codec) {
            return Err(SubtitleError::UnsupportedCodec { codec });
        }
        let media = item
            .path
            .as_deref()
            .map(PathBuf::from)
            .ok_or(SubtitleError::NoSuchStream { index })?;
        let meta = std::fs::metadata(&media).map_err(|e| SubtitleError::io(&media, e))?;
        if !meta.is_file() {
            return Err(SubtitleError::Missing { path: media });
        }
        let key = cache::CacheKey::new(item, index, &codec, &meta);
        if let Some(track) = self.cache.load(&key)? {
            return Ok(track);
        }
        let lock = {
            let mut map = self
                .in_flight
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            map.entry(key.stem()).or_default().clone()
        };
        let result = {
            let _guard = lock.lock().unwrap_or_else(PoisonError::into_inner);
            match self.cache.load(&key) {
                Ok(Some(track)) => Ok(track),
                Ok(None) => self.extract_and_store(&media, stream, &key),
                Err(e) => Err(e),
            }
        };
        let mut map = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if Arc::strong_count(&lock) <= 2 {
            map.remove(&key.stem());
        }
        result
    }

    fn extract_and_store(
        &self,
        media: &Path,
        stream: &StreamRecord,
        key: &cache::CacheKey,
    ) -> Result<SubtitleTrack, SubtitleError> {
        let ordinal = usize::try_from(stream.index).map_err(|_| SubtitleError::NoSuchStream {
            index: stream.index,
        })?;
        let track = self.extract(media, ordinal, stream)?;
        self.cache.store(key, &track)?;
        Ok(track)
    }

    /// Reads an embedded stream with the libav at hand: linked, else the plugin.
    #[allow(unused_variables)] // which arguments are used depends on the features
    fn extract(
        &self,
        media: &Path,
        ordinal: usize,
        stream: &StreamRecord,
    ) -> Result<SubtitleTrack, SubtitleError> {
        #[cfg(feature = "libav")]
        return extract::extract(media, ordinal, self.extract_timeout);
        #[cfg(all(not(feature = "libav"), feature = "libav-plugin"))]
        return match &self.plugin {
            Some(plugin) => plugin.subtitles(media, ordinal, self.extract_timeout),
            None => Err(SubtitleError::Backend {
                path: media.to_owned(),
                source: Arc::new(crate::probe::PluginError::NotConfigured),
            }),
        };
        #[cfg(not(any(feature = "libav", feature = "libav-plugin")))]
        Err(SubtitleError::UnsupportedCodec {
            codec: stream.codec.clone().unwrap_or_default(),
        })
    }

    /// Subtitle stream `index` of `item` written as `options` say (see [`Subtitles::track`]
    /// and [`render`]).
    pub fn render(
        &self,
        item: &ItemRecord,
        index: i32,
        options: &RenderOptions,
    ) -> Result<String, SubtitleError> {
        let track = self.track(item, index)?;
        Ok(render(&track, options))
    }
}

/// Parses an external subtitle file by its codec (or, without one, its extension).
fn read_external(stream: &StreamRecord) -> Result<SubtitleTrack, SubtitleError> {
    let path = stream
        .path
        .as_deref()
        .map(PathBuf::from)
        .ok_or(SubtitleError::NoSuchStream {
            index: stream.index,
        })?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_owned();
    let codec = stream
        .codec
        .clone()
        .filter(|c| !c.is_empty())
        .unwrap_or(ext.clone());
    if is_bitmap_codec(&codec) {
        return Err(SubtitleError::NotText { codec });
    }
    let format = SubtitleFormat::parse(&codec)
        .or_else(|| SubtitleFormat::parse(&ext))
        .ok_or(SubtitleError::UnsupportedCodec { codec })?;
    let meta = std::fs::metadata(&path).map_err(|e| SubtitleError::io(&path, e))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(SubtitleError::TooLarge { path });
    }
    let bytes = std::fs::read(&path).map_err(|e| SubtitleError::io(&path, e))?;
    Ok(format.parse_text(&text::decode(&bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cue(start_s: i64, end_s: i64, text: &str) -> Cue {
        Cue {
            start: start_s * 10_000_000,
            end: end_s * 10_000_000,
            text: text.into(),
            ass: None,
        }
    }

    fn track() -> SubtitleTrack {
        SubtitleTrack {
            cues: vec![
                cue(1, 3, "a"),
                cue(5, 7, "b"),
                cue(9, 12, "c"),
                cue(20, 21, "d"),
            ],
            ass_header: None,
        }
    }

    fn texts(t: &SubtitleTrack) -> Vec<(i64, &str)> {
        t.cues
            .iter()
            .map(|c| (c.start / 10_000_000, c.text.as_str()))
            .collect()
    }

    #[test]
    fn windows() {
        let s = 10_000_000;
        // (start, end, copy timestamps) -> remaining (start seconds, text)
        type Case = (i64, Option<i64>, bool, Vec<(i64, &'static str)>);
        let cases: Vec<Case> = vec![
            (
                0,
                None,
                false,
                vec![(1, "a"), (5, "b"), (9, "c"), (20, "d")],
            ),
            (4 * s, None, false, vec![(1, "b"), (5, "c"), (16, "d")]),
            // A cue on screen at the start time is dropped, as Jellyfin does.
            (6 * s, None, false, vec![(3, "c"), (14, "d")]),
            (6 * s, None, true, vec![(9, "c"), (20, "d")]),
            (0, Some(9 * s), false, vec![(1, "a"), (5, "b"), (9, "c")]),
            (4 * s, Some(10 * s), true, vec![(5, "b"), (9, "c")]),
            (
                0,
                Some(0),
                false,
                vec![(1, "a"), (5, "b"), (9, "c"), (20, "d")],
            ),
            (30 * s, None, false, vec![]),
            // Extreme request values neither panic nor wrap.
            (
                i64::MIN,
                None,
                false,
                vec![
                    (i64::MAX / s, "a"),
                    (i64::MAX / s, "b"),
                    (i64::MAX / s, "c"),
                    (i64::MAX / s, "d"),
                ],
            ),
            (i64::MAX, Some(i64::MAX), false, vec![]),
        ];
        for (start, end, copy, want) in cases {
            let mut t = track();
            t.window(start, end, copy);
            assert_eq!(texts(&t), want, "{start} {end:?} {copy}");
        }
    }

    #[test]
    fn render_applies_the_window_and_format() {
        let t = track();
        let mut options = RenderOptions::new(SubtitleFormat::Vtt);
        options.start_ticks = 4 * 10_000_000;
        let vtt = render(&t, &options);
        assert!(
            vtt.starts_with("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nb\n\n"),
            "{vtt}"
        );
        let srt = render(&t, &RenderOptions::new(SubtitleFormat::Srt));
        assert!(srt.starts_with("1\n00:00:01,000 --> 00:00:03,000\na\n\n2\n"));
        let ass = render(&t, &RenderOptions::new(SubtitleFormat::Ssa));
        assert!(ass.contains("Dialogue: 0,0:00:20.00,0:00:21.00,Default,,0,0,0,,d\n"));
    }

    #[test]
    fn formats_and_codecs() {
        for (name, want) in [
            ("srt", Some(SubtitleFormat::Srt)),
            ("SubRip", Some(SubtitleFormat::Srt)),
            ("VTT", Some(SubtitleFormat::Vtt)),
            ("webvtt", Some(SubtitleFormat::Vtt)),
            ("ass", Some(SubtitleFormat::Ass)),
            ("ssa", Some(SubtitleFormat::Ssa)),
            ("js", None),
            ("", None),
        ] {
            assert_eq!(SubtitleFormat::parse(name), want, "{name}");
        }
        for (codec, bitmap) in [
            ("PGSSUB", true),
            ("hdmv_pgs_subtitle", true),
            ("dvd_subtitle", true),
            ("DVDSUB", true),
            ("dvb_subtitle", true),
            ("sup", true),
            ("sub", true),
            ("microdvd", false),
            ("subrip", false),
            ("ass", false),
            ("mov_text", false),
        ] {
            assert_eq!(is_bitmap_codec(codec), bitmap, "{codec}");
        }
        let libav = cfg!(feature = "libav");
        for (codec, ok) in [
            ("subrip", libav),
            ("ASS", libav),
            ("ssa", libav),
            ("webvtt", libav),
            ("mov_text", libav),
            ("text", libav),
            ("PGSSUB", false),
            ("eia_608", false),
            ("ttml", false),
        ] {
            assert_eq!(can_extract(codec), ok, "{codec}");
        }
    }

    fn item_with(streams: Vec<StreamRecord>, path: Option<String>) -> ItemRecord {
        ItemRecord {
            id: crate::store::ItemId::parse("0123456789abcdef0123456789abcdef"),
            path,
            streams,
            ..ItemRecord::default()
        }
    }

    #[test]
    fn external_files_and_refusals() {
        let dir = tempfile::tempdir().unwrap();
        let srt = dir.path().join("movie.en.srt");
        std::fs::write(&srt, "1\n00:00:01,000 --> 00:00:02,000\nHello\n").unwrap();
        let streams = vec![
            StreamRecord {
                index: 0,
                kind: "Video".into(),
                codec: Some("h264".into()),
                ..StreamRecord::default()
            },
            StreamRecord {
                index: 1,
                kind: "Subtitle".into(),
                codec: Some("hdmv_pgs_subtitle".into()),
                ..StreamRecord::default()
            },
            StreamRecord {
                index: 2,
                kind: "Subtitle".into(),
                codec: Some("eia_608".into()),
                ..StreamRecord::default()
            },
            StreamRecord {
                index: 3,
                kind: "Subtitle".into(),
                codec: Some("subrip".into()),
                is_external: true,
                path: Some(srt.to_string_lossy().into_owned()),
                ..StreamRecord::default()
            },
            StreamRecord {
                index: 4,
                kind: "Subtitle".into(),
                codec: None,
                is_external: true,
                path: Some(dir.path().join("gone.srt").to_string_lossy().into_owned()),
                ..StreamRecord::default()
            },
        ];
        let item = item_with(streams, Some("/nonexistent/movie.mkv".into()));
        let subs = Subtitles::new(dir.path().join("cache"));
        let t = subs.track(&item, 3).unwrap();
        assert_eq!(t.cues[0].text, "Hello");
        let vtt = subs
            .render(&item, 3, &RenderOptions::new(SubtitleFormat::Vtt))
            .unwrap();
        assert_eq!(vtt, "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello\n\n");
        assert!(matches!(
            subs.track(&item, 0),
            Err(SubtitleError::NoSuchStream { index: 0 })
        ));
        assert!(matches!(
            subs.track(&item, 9),
            Err(SubtitleError::NoSuchStream { .. })
        ));
        assert!(matches!(
            subs.track(&item, 1),
            Err(SubtitleError::NotText { .. })
        ));
        assert!(matches!(
            subs.track(&item, 2),
            Err(SubtitleError::UnsupportedCodec { .. })
        ));
        assert!(matches!(
            subs.track(&item, 4),
            Err(SubtitleError::Missing { .. })
        ));
        let embedded = item_with(
            vec![StreamRecord {
                index: 0,
                kind: "Subtitle".into(),
                codec: Some("subrip".into()),
                ..StreamRecord::default()
            }],
            Some(
                dir.path()
                    .join("missing.mkv")
                    .to_string_lossy()
                    .into_owned(),
            ),
        );
        if cfg!(feature = "libav") {
            assert!(matches!(
                subs.track(&embedded, 0),
                Err(SubtitleError::Missing { .. })
            ));
        }
        // Nothing was extracted, so nothing was cached.
        assert!(!subs.cache_dir().exists());
    }
}
