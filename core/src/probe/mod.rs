//! Media probing: the facts a server needs about one media file (container, duration, streams,
//! chapters, attachments, music tags), read in-process through linked libav.
//!
//! This module owns:
//! - the data model of a probe result ([`MediaInfo`], [`MediaStreamInfo`], [`ChapterInfo`],
//!   [`AttachmentInfo`], [`AudioTags`], [`DolbyVisionConfig`]), free of any libav type so it
//!   exists with or without the `libav` feature;
//! - the [`Prober`] trait the scanner calls once per file, from many threads at once;
//! - the bounds of one probe ([`ProbeLimits`]: time, bytes, analysed duration);
//! - the errors of a probe ([`ProbeError`]);
//! - the libav backend, `LibavProber` (feature `libav`, on by default), which opens the file
//!   with `avformat_open_input` + `avformat_find_stream_info` (no `ffprobe` process, no decoding
//!   beyond what `find_stream_info` needs);
//! - the same backend loaded at run time from a shared library ([`plugin`], feature
//!   `libav-plugin`), so that a program not linking libav maps it only once it probes.
//!
//! Strings are the ones `ffprobe -show_format -show_streams -of json` prints for the same file
//! (libav's own name tables): container `matroska,webm`, codec `h264`, profile `Main 10`, pixel
//! format `yuv420p10le`, transfer `smpte2084`, channel layout `5.1(side)`. A value `ffprobe` leaves
//! out of its JSON (unknown, unspecified, zero) is `None` here.
//!
//! Times (duration, start time, chapter bounds) are in Jellyfin ticks: 100 ns units,
//! [`TICKS_PER_SECOND`] per second, as `i64`. Ticks are what Jellyfin stores (`RunTimeTicks`,
//! `StartPositionTicks`), they are exact for libav's microsecond time base, and they can be
//! negative (MP4 edit lists and Opus pre-skip put the first timestamps before zero), which
//! [`std::time::Duration`] cannot. [`MediaInfo::duration`] gives the duration as a `Duration`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[cfg(feature = "libav")]
pub(crate) mod libav;
#[cfg(feature = "libav")]
pub use libav::LibavProber;
pub mod plugin;
pub use plugin::PluginError;
#[cfg(feature = "libav-plugin")]
pub use plugin::{LibavPlugin, PluginProber};

#[cfg(all(test, feature = "libav"))]
mod tests;

/// Jellyfin ticks per second: one tick is 100 ns. All times in this module are in ticks.
pub const TICKS_PER_SECOND: i64 = 10_000_000;

/// Reads the media facts of one file.
///
/// Implementations are called concurrently from the scanner's worker threads, once per file, and
/// must return an error (never panic, never hang past their limits) on broken input.
pub trait Prober: Send + Sync {
    /// Probes the file at `path`.
    ///
    /// # Errors
    /// A [`ProbeError`] when the file cannot be read, is not media the implementation
    /// understands, is truncated or corrupt beyond use, or takes longer than its limits.
    fn probe(&self, path: &Path) -> Result<MediaInfo, ProbeError>;
}

/// Bounds of a single probe, so a broken or hostile file cannot stall a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeLimits {
    /// Wall-clock budget for opening the file and reading its stream information. libav checks
    /// it before every read; when it passes the probe fails with [`ProbeError::Timeout`].
    pub timeout: Duration,
    /// At most this many bytes are read to find the stream information (libav's `probesize`).
    /// Values below libav's minimum of 32 are raised to 32.
    pub probe_size: i64,
    /// At most this much media time is analysed to find the stream information (libav's
    /// `analyzeduration`, microsecond precision). Zero means as little as possible (1 µs), not
    /// libav's reading of 0 as "the default".
    pub analyze_duration: Duration,
}

impl Default for ProbeLimits {
    /// 10 s, 5 MB, 5 s: libav's own `probesize` and `analyzeduration` defaults (so results
    /// match `ffprobe`'s) plus a time budget generous enough for slow network storage.
    fn default() -> Self {
        ProbeLimits {
            timeout: Duration::from_secs(10),
            probe_size: 5_000_000,
            analyze_duration: Duration::from_secs(5),
        }
    }
}

/// The facts of one media file.
#[cfg_attr(feature = "libav-plugin", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq)]
pub struct MediaInfo {
    /// Container (demuxer) name as `ffprobe` prints `format_name`: `matroska,webm`,
    /// `mov,mp4,m4a,3gp,3g2,mj2`, `flac`, `mpegts`, ...
    pub container: String,
    /// Human-readable container name (`format_long_name`), e.g. `Matroska / WebM`.
    pub container_long_name: Option<String>,
    /// Duration in ticks, when the container knows or libav could estimate it.
    pub duration_ticks: Option<i64>,
    /// Start time of the earliest stream in ticks; may be negative.
    pub start_time_ticks: Option<i64>,
    /// Overall bit rate in bit/s, when known.
    pub bit_rate: Option<i64>,
    /// File size in bytes.
    pub size: u64,
    /// All streams in container order (`streams[i].index == i`), attachments included.
    pub streams: Vec<MediaStreamInfo>,
    /// Chapters in container order.
    pub chapters: Vec<ChapterInfo>,
    /// Attached files (fonts in Matroska), also present in `streams` with
    /// [`StreamKind::Attachment`].
    pub attachments: Vec<AttachmentInfo>,
    /// Music tags, from the container tags or, for formats that keep them per stream (OGG,
    /// Opus), from the first audio stream's tags.
    pub tags: AudioTags,
    /// The container's raw tags (`ffprobe`'s `format.tags`), in libav's order.
    pub format_tags: Vec<(String, String)>,
}

impl MediaInfo {
    /// The duration as a [`Duration`] (`None` when unknown).
    pub fn duration(&self) -> Option<Duration> {
        let ticks = u64::try_from(self.duration_ticks?).ok()?;
        Some(Duration::from_nanos(ticks.saturating_mul(100)))
    }

    /// The streams of one kind, in container order.
    pub fn streams_of(&self, kind: StreamKind) -> impl Iterator<Item = &MediaStreamInfo> + '_ {
        self.streams.iter().filter(move |s| s.kind == kind)
    }
}

/// What a stream carries (libav's media type).
#[cfg_attr(feature = "libav-plugin", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StreamKind {
    /// Video, including cover art (see [`MediaStreamInfo::is_attached_pic`]).
    Video,
    /// Audio.
    Audio,
    /// Subtitles (text or bitmap).
    Subtitle,
    /// An attached file (Matroska fonts).
    Attachment,
    /// Opaque data (timecodes, metadata tracks).
    Data,
    /// Anything libav does not classify.
    Unknown,
}

/// An exact fraction, as libav keeps time bases and aspect ratios.
#[cfg_attr(feature = "libav-plugin", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rational {
    /// Numerator.
    pub num: i32,
    /// Denominator.
    pub den: i32,
}

impl Rational {
    /// The value as a float, `None` when numerator or denominator is zero (libav's "unknown").
    pub fn to_f64(self) -> Option<f64> {
        (self.num != 0 && self.den != 0).then(|| f64::from(self.num) / f64::from(self.den))
    }
}

impl fmt::Display for Rational {
    /// `num/den`, as `ffprobe` prints time bases (aspect ratios use `:` there).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

/// One stream of a media file. Fields that do not apply to the stream's kind are `None`.
#[cfg_attr(feature = "libav-plugin", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq)]
pub struct MediaStreamInfo {
    /// Position in the container (`ffprobe`'s `index`).
    pub index: usize,
    /// What the stream carries.
    pub kind: StreamKind,
    /// Codec name as `ffprobe` prints `codec_name` (`h264`, `hevc`, `aac`, `ac3`, `subrip`,
    /// `flac`, `ttf`); `None` for a codec libav does not know.
    pub codec: Option<String>,
    /// Human-readable codec name (`codec_long_name`).
    pub codec_long_name: Option<String>,
    /// The container's codec tag as `ffprobe` prints `codec_tag_string` (`avc1`, `mp4a`);
    /// `None` when the container has none (Matroska).
    pub codec_tag: Option<String>,
    /// Codec profile as `ffprobe` prints it (`High`, `Main 10`, `LC`), or the profile number
    /// when libav has no name for it.
    pub profile: Option<String>,
    /// Codec level of a video stream (`41` for H.264 level 4.1, `120` for HEVC level 4).
    pub level: Option<i32>,
    /// Bit rate in bit/s, when the container or codec states it (Matroska streams often only
    /// have a `BPS` tag, see [`MediaStreamInfo::tags`]).
    pub bit_rate: Option<i64>,
    /// Time base of the stream's timestamps.
    pub time_base: Rational,
    /// The `language` tag (ISO 639-2 in Matroska, e.g. `eng`; `und` is kept as is).
    pub language: Option<String>,
    /// The `title` tag.
    pub title: Option<String>,
    /// Default-track disposition flag.
    pub is_default: bool,
    /// Forced-track disposition flag (forced subtitles).
    pub is_forced: bool,
    /// Hearing-impaired disposition flag (SDH subtitles).
    pub is_hearing_impaired: bool,
    /// Visual-impaired disposition flag (audio description).
    pub is_visual_impaired: bool,
    /// Attached-picture disposition flag: this video stream is cover art (FLAC, MP3, M4A).
    pub is_attached_pic: bool,
    /// The stream's raw tags (`ffprobe`'s `tags`), in libav's order.
    pub tags: Vec<(String, String)>,
    /// Frame or subtitle canvas width in pixels.
    pub width: Option<u32>,
    /// Frame or subtitle canvas height in pixels.
    pub height: Option<u32>,
    /// Sample (pixel) aspect ratio of a video stream, when known.
    pub sample_aspect_ratio: Option<Rational>,
    /// Display aspect ratio of a video stream (`16:9` is `16/9`), when the sample aspect ratio
    /// is known.
    pub display_aspect_ratio: Option<Rational>,
    /// Average frame rate (`avg_frame_rate`) of a video stream, in frames per second.
    pub avg_frame_rate: Option<f64>,
    /// Real base frame rate (`r_frame_rate`): the lowest rate all timestamps fit.
    pub real_frame_rate: Option<f64>,
    /// Pixel format of a video stream (`yuv420p`, `yuv420p10le`).
    pub pixel_format: Option<String>,
    /// Bits per sample: for video the depth of the pixel format's first component (10 for
    /// `yuv420p10le`), else `bits_per_raw_sample`; for audio `bits_per_raw_sample` (FLAC 16/24),
    /// else the codec's fixed sample size (PCM).
    pub bit_depth: Option<u32>,
    /// Field order of a video stream: `progressive`, `tt`, `bb`, `tb` or `bt`.
    pub field_order: Option<String>,
    /// Colour range: `tv` (limited) or `pc` (full).
    pub color_range: Option<String>,
    /// Matrix coefficients (`ffprobe`'s `color_space`): `bt709`, `bt2020nc`, ...
    pub color_space: Option<String>,
    /// Transfer characteristics: `bt709`, `smpte2084` (PQ: HDR10, HDR10+, Dolby Vision),
    /// `arib-std-b67` (HLG), ...
    pub color_transfer: Option<String>,
    /// Colour primaries: `bt709`, `bt2020`, ...
    pub color_primaries: Option<String>,
    /// The Dolby Vision configuration record (`dvcC`/`dvvC` in MP4, the block addition mapping
    /// in Matroska), when the container carries one.
    pub dolby_vision: Option<DolbyVisionConfig>,
    /// Number of audio channels.
    pub channels: Option<u32>,
    /// Channel layout as `ffprobe` prints it (`mono`, `stereo`, `5.1(side)`), when known.
    pub channel_layout: Option<String>,
    /// Audio sample rate in Hz.
    pub sample_rate: Option<u32>,
    /// Audio sample format (`fltp`, `s16`, `s32`).
    pub sample_format: Option<String>,
}

impl MediaStreamInfo {
    /// The Dolby Vision profile (5, 7, 8, ...) when the stream has a configuration record.
    pub fn dv_profile(&self) -> Option<u8> {
        self.dolby_vision.map(|dv| dv.profile)
    }
}

/// A Dolby Vision decoder configuration record (libav's `AVDOVIDecoderConfigurationRecord`,
/// `ffprobe`'s "DOVI configuration record" side data).
///
/// With the transfer characteristics it tells the HDR kinds apart: profile 5 (no compatible base
/// layer), 7 (dual layer), 8 with `bl_signal_compatibility_id` 1 (HDR10 base layer), 2 (SDR)
/// or 4 (HLG base layer).
#[cfg_attr(feature = "libav-plugin", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DolbyVisionConfig {
    /// `dv_version_major`.
    pub version_major: u8,
    /// `dv_version_minor`.
    pub version_minor: u8,
    /// `dv_profile`.
    pub profile: u8,
    /// `dv_level`.
    pub level: u8,
    /// `rpu_present_flag`.
    pub rpu_present: bool,
    /// `el_present_flag` (enhancement layer).
    pub el_present: bool,
    /// `bl_present_flag` (base layer).
    pub bl_present: bool,
    /// `dv_bl_signal_compatibility_id`.
    pub bl_signal_compatibility_id: u8,
}

/// A chapter.
#[cfg_attr(feature = "libav-plugin", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChapterInfo {
    /// Start in ticks.
    pub start_ticks: i64,
    /// End in ticks.
    pub end_ticks: i64,
    /// The chapter's `title` tag.
    pub title: Option<String>,
}

/// A file attached to the container (Matroska fonts for ASS subtitles).
#[cfg_attr(feature = "libav-plugin", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentInfo {
    /// Index of the attachment's stream in [`MediaInfo::streams`].
    pub index: usize,
    /// The attachment's file name (`filename` tag).
    pub file_name: Option<String>,
    /// The attachment's MIME type (`mimetype` tag).
    pub mime_type: Option<String>,
    /// Codec name libav gives the attachment (`ttf`, `otf`), when it recognises the type.
    pub codec: Option<String>,
}

/// Music tags, normalised over the container conventions libav maps to common keys (ID3v2,
/// Vorbis comments, MP4 atoms, APE).
#[cfg_attr(feature = "libav-plugin", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AudioTags {
    /// `title`.
    pub title: Option<String>,
    /// `artist`.
    pub artist: Option<String>,
    /// `album_artist` (also read from `album artist`, `albumartist`).
    pub album_artist: Option<String>,
    /// `album`.
    pub album: Option<String>,
    /// Leading number of `track` (`3/12` is 3; also read from `tracknumber`).
    pub track_number: Option<u32>,
    /// Leading number of `disc` (`1/2` is 1; also read from `discnumber`).
    pub disc_number: Option<u32>,
    /// `date` (or `year`) as written in the file, e.g. `2019-05-04`.
    pub date: Option<String>,
    /// The year at the start of [`AudioTags::date`].
    pub year: Option<i32>,
    /// `genre`, split on `;`, `/`, `|` and `\` (as Jellyfin does), trimmed, without duplicates.
    pub genres: Vec<String>,
}

impl AudioTags {
    /// Builds the tags from `primary` (container tags), falling back key by key to `fallback`
    /// (the first audio stream's tags).
    #[cfg_attr(not(feature = "libav"), allow(dead_code))] // used by the libav backend
    fn from_tags(primary: &[(String, String)], fallback: &[(String, String)]) -> AudioTags {
        let get = |keys: &[&str]| -> Option<String> {
            keys.iter()
                .find_map(|k| tag(primary, k))
                .or_else(|| keys.iter().find_map(|k| tag(fallback, k)))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let date = get(&["date", "year"]);
        let mut genres: Vec<String> = Vec::new();
        for g in get(&["genre"])
            .iter()
            .flat_map(|g| g.split([';', '/', '|', '\\']))
            .map(str::trim)
            .filter(|g| !g.is_empty())
        {
            if !genres.iter().any(|seen| seen.eq_ignore_ascii_case(g)) {
                genres.push(g.to_owned());
            }
        }
        AudioTags {
            title: get(&["title"]),
            artist: get(&["artist"]),
            album_artist: get(&["album_artist", "album artist", "albumartist"]),
            album: get(&["album"]),
            track_number: get(&["track", "tracknumber"]).and_then(|t| leading_number(&t)),
            disc_number: get(&["disc", "discnumber"]).and_then(|d| leading_number(&d)),
            year: date.as_deref().and_then(leading_year),
            date,
            genres,
        }
    }
}

/// An error of libav: its `AVERROR` code and libav's text for it (`av_strerror`).
///
/// A plain value rather than `ffmpeg_next::Error`, so that errors of a libav loaded as a
/// plugin (feature `libav-plugin`) are the same type as those of a linked one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LibavError {
    /// The negative `AVERROR` code (`AVERROR_INVALIDDATA`, `-ENOENT`...).
    pub code: i32,
    /// libav's description of the code.
    pub message: String,
}

#[cfg(feature = "libav")]
impl From<ffmpeg_next::Error> for LibavError {
    fn from(e: ffmpeg_next::Error) -> Self {
        LibavError {
            code: i32::from(e),
            message: e.to_string(),
        }
    }
}

/// Why a probe failed. Sources (I/O, libav) are kept as they are, never flattened to strings.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProbeError {
    /// The file's metadata could not be read (missing file, no permission, invalid path).
    #[error("cannot read {path}: {source}")]
    Io {
        /// The probed path.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The path is a directory, FIFO, socket or device, not a regular file.
    #[error("{path} is not a regular file")]
    NotAFile {
        /// The probed path.
        path: PathBuf,
    },
    /// The file is zero bytes long.
    #[error("{path} is empty")]
    Empty {
        /// The probed path.
        path: PathBuf,
    },
    /// libav could not open the file or recognise its container.
    #[error("libav cannot open {path}: {source}")]
    Open {
        /// The probed path.
        path: PathBuf,
        /// libav's error.
        #[source]
        source: LibavError,
    },
    /// libav opened the container but could not read its stream information.
    #[error("libav cannot read the streams of {path}: {source}")]
    StreamInfo {
        /// The probed path.
        path: PathBuf,
        /// libav's error.
        #[source]
        source: LibavError,
    },
    /// The libav backend is a plugin that could not be loaded or failed (feature
    /// `libav-plugin`, see the [`plugin`] module).
    #[error("cannot probe {path}: {source}")]
    Backend {
        /// The probed path.
        path: PathBuf,
        /// Why the plugin is unusable.
        #[source]
        source: std::sync::Arc<PluginError>,
    },
    /// The probe ran past [`ProbeLimits::timeout`] and was interrupted.
    #[error("probing {path} took longer than {timeout:?}")]
    Timeout {
        /// The probed path.
        path: PathBuf,
        /// The budget that ran out.
        timeout: Duration,
    },
    /// The container holds no streams.
    #[error("{path} has no streams")]
    NoStreams {
        /// The probed path.
        path: PathBuf,
    },
    /// libav could not find the codec parameters (`ffmpeg`'s "Could not find codec
    /// parameters") of a video stream, or of every audio stream of a file without video,
    /// although it has a decoder for the codec: the stream's data is missing or corrupt,
    /// typically a truncated file whose headers survived. (Extra audio tracks without data
    /// beside usable streams do not fail the probe; their unknown fields are `None`.) What
    /// could be read is in `partial`; retrying with larger [`ProbeLimits`] may help a file
    /// whose streams start late.
    #[error(
        "cannot determine the codec parameters of stream {stream} in {path} (truncated or corrupt)"
    )]
    Incomplete {
        /// The probed path.
        path: PathBuf,
        /// Index of the first incomplete stream.
        stream: usize,
        /// Everything the probe did find.
        partial: Box<MediaInfo>,
    },
}

impl ProbeError {
    /// The path the failed probe was for.
    pub fn path(&self) -> &Path {
        match self {
            ProbeError::Io { path, .. }
            | ProbeError::NotAFile { path }
            | ProbeError::Empty { path }
            | ProbeError::Timeout { path, .. }
            | ProbeError::NoStreams { path }
            | ProbeError::Incomplete { path, .. }
            | ProbeError::Open { path, .. }
            | ProbeError::StreamInfo { path, .. }
            | ProbeError::Backend { path, .. } => path,
        }
    }
}

/// The value of the first tag named `key` (ASCII case-insensitive, as libav matches keys).
#[cfg_attr(not(feature = "libav"), allow(dead_code))] // used by the libav backend
fn tag<'a>(tags: &'a [(String, String)], key: &str) -> Option<&'a str> {
    tags.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
}

/// The number at the start of `s` (`"3/12"` is 3, `" 07"` is 7).
#[cfg_attr(not(feature = "libav"), allow(dead_code))] // used by the libav backend
fn leading_number(s: &str) -> Option<u32> {
    let s = s.trim_start();
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s[..end].parse().ok()
}

/// The year at the start of a date (`2019`, `2019-05-04`, `20190504`).
#[cfg_attr(not(feature = "libav"), allow(dead_code))] // used by the libav backend
fn leading_year(s: &str) -> Option<i32> {
    let s = s.trim_start();
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits < 4 {
        return None;
    }
    s[..4].parse().ok().filter(|&y| y > 0)
}

/// `value` in `time_base` units as ticks, rounded to the nearest tick (halves away from zero,
/// like libav's `av_rescale_q`). `None` for libav's "no timestamp", an invalid time base or a
/// result outside `i64`.
#[cfg_attr(not(feature = "libav"), allow(dead_code))] // used by the libav backend
pub(crate) fn to_ticks(value: i64, time_base: Rational) -> Option<i64> {
    if value == i64::MIN || time_base.num <= 0 || time_base.den <= 0 {
        return None;
    }
    let n = i128::from(value) * i128::from(time_base.num) * i128::from(TICKS_PER_SECOND);
    let d = i128::from(time_base.den);
    let q = if n >= 0 {
        (n + d / 2) / d
    } else {
        (n - d / 2) / d
    };
    i64::try_from(q).ok()
}

/// Silences libav's own log output (it prints to stderr on broken files, which the scanner
/// already records per item). This is process-wide libav state, so it is for binaries to call
/// at start-up, not for the library to decide.
///
/// Without the `libav` feature this does nothing: a libav loaded as a plugin is always quiet.
pub fn quiet_libav_logs() {
    #[cfg(feature = "libav")]
    ffmpeg_next::util::log::set_level(ffmpeg_next::util::log::Level::Fatal);
}

#[cfg(test)]
mod helper_tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn audio_tags_normalise_keys_numbers_and_genres() {
        let primary = tags(&[
            ("TITLE", " Song "),
            ("album artist", "Various"),
            ("track", "03/12"),
            ("DISC", "2/2"),
            ("date", "2019-05-04"),
            ("genre", "Rock; Pop/rock|Jazz\\ ;"),
        ]);
        let fallback = tags(&[("artist", "Band"), ("title", "ignored"), ("album", "LP")]);
        let t = AudioTags::from_tags(&primary, &fallback);
        assert_eq!(t.title.as_deref(), Some("Song"));
        assert_eq!(t.artist.as_deref(), Some("Band"));
        assert_eq!(t.album.as_deref(), Some("LP"));
        assert_eq!(t.album_artist.as_deref(), Some("Various"));
        assert_eq!(t.track_number, Some(3));
        assert_eq!(t.disc_number, Some(2));
        assert_eq!(t.date.as_deref(), Some("2019-05-04"));
        assert_eq!(t.year, Some(2019));
        assert_eq!(t.genres, ["Rock", "Pop", "Jazz"]);
    }

    #[test]
    fn numbers_and_years() {
        for (input, number, year) in [
            ("7", Some(7), None),
            (" 12/14", Some(12), None),
            ("1999", Some(1999), Some(1999)),
            ("20190504", Some(20_190_504), Some(2019)),
            ("2019-05-04T10:00", Some(2019), Some(2019)),
            ("x3", None, None),
            ("", None, None),
            ("0000", Some(0), None),
        ] {
            assert_eq!(leading_number(input), number, "number of {input:?}");
            assert_eq!(leading_year(input), year, "year of {input:?}");
        }
    }

    #[test]
    fn ticks_rescale_and_reject_invalid() {
        let ms = Rational { num: 1, den: 1000 };
        assert_eq!(to_ticks(6021, ms), Some(60_210_000));
        assert_eq!(to_ticks(-21, ms), Some(-210_000));
        let ntsc = Rational {
            num: 1001,
            den: 30000,
        };
        // 1 frame of 30000/1001 fps is 333666.66 ticks: rounds to 333667
        assert_eq!(to_ticks(1, ntsc), Some(333_667));
        assert_eq!(to_ticks(-1, ntsc), Some(-333_667));
        assert_eq!(to_ticks(i64::MIN, ms), None);
        assert_eq!(to_ticks(1, Rational { num: 1, den: 0 }), None);
        assert_eq!(to_ticks(i64::MAX, Rational { num: 1, den: 1 }), None);
    }

    #[test]
    fn duration_from_ticks() {
        let mut info = MediaInfo {
            container: "flac".into(),
            container_long_name: None,
            duration_ticks: Some(40_000_001),
            start_time_ticks: None,
            bit_rate: None,
            size: 1,
            streams: vec![],
            chapters: vec![],
            attachments: vec![],
            tags: AudioTags::default(),
            format_tags: vec![],
        };
        assert_eq!(info.duration(), Some(Duration::from_nanos(4_000_000_100)));
        info.duration_ticks = Some(-1);
        assert_eq!(info.duration(), None);
    }
}
