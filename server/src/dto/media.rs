//! `MediaSourceInfo` and `MediaStream`: the playable files of an item and their streams, as
//! `POST /Items/{id}/PlaybackInfo` and `BaseItemDto.MediaSources`/`MediaStreams` carry them
//! (Jellyfin 10.11 OpenAPI names; PascalCase; nulls omitted; non-nullable fields always present).
//!
//! Behaviour follows Jellyfin's C#:
//! - `BaseItem.GetVersionInfo` / `GetMediaSourceName` (one source per version, its `Name`, `ETag`,
//!   `Bitrate` inferred from the streams, sources ordered file-first then widest first);
//! - `ProbeResultNormalizer.NormalizeFormat` (containers: `matroska` -> `mkv`, `mpegts` -> `ts`,
//!   `webm` kept only when every codec is WebM's) and `NormalizeSubtitleCodec` (`PGSSUB`,
//!   `DVDSUB`, `dvbsub`), `ParseChannelLayout` (`5.1(side)` -> `5.1`);
//! - `MediaStream.DisplayTitle`, `IsTextSubtitleStream`, `GetVideoColorRange`, `VideoDoViTitle`,
//!   `AudioSpatialFormat`;
//! - `MediaStreamSelector` for `DefaultAudioStreamIndex` / `DefaultSubtitleStreamIndex` with the
//!   default user settings (no language preference, subtitle mode `Default`);
//! - in PlaybackInfo, the core's playback decision per version ([`PlaybackSources`]): the
//!   `Supports*` flags, `DefaultAudioStreamIndex`, subtitle delivery, and the `TranscodingUrl`
//!   rendered from the core's [`playback::TranscodePlan`] as `StreamInfo.ToUrl` writes it
//!   ([`transcoding_url_of`]).
//!
//! **Container.** The store keeps libav's format list (`matroska,webm`,
//! `mov,mp4,m4a,3gp,3g2,mj2`). Jellyfin stores the *normalized* list ([`normalize_container`]:
//! `mkv`, `mov,mp4,m4a,3gp,3g2,mj2`) and reports it as is in PlaybackInfo without a device
//! profile (jellyfin-web then requests `stream.mov,mp4,m4a,3gp,3g2,mj2`); with a profile,
//! `StreamBuilder` narrows it to the first name a direct-play profile takes (`mp4`), which the
//! decision carries. `BaseItemDto.MediaSources` (item details, `Fields=MediaSources`) narrows
//! each source to the file extension when the list contains it
//! (`DtoService.NormalizeMediaSourceContainers`, here [`short_container`]: `mp4`). So
//! [`media_sources`] returns the normalized list (or the decision's) and the item DTO narrows it.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use jellyfin_core::naming::external::Iso6392;
use jellyfin_core::playback;
use jellyfin_core::store::{ItemId, ItemKind, ItemRecord, MediaType, StreamRecord};
use serde::Serialize;

use super::item::dotnet_md5_n;

/// `MediaProtocol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MediaProtocol {
    /// A local file.
    File,
    /// An HTTP URL.
    Http,
}

/// `MediaSourceType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MediaSourceType {
    /// A playable version.
    Default,
    /// A version linked (merged) from another item.
    Grouping,
    /// A version with no file (offline disc stub).
    Placeholder,
}

/// `MediaStreamProtocol` (lower case on the wire, for backwards compatibility).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaStreamProtocol {
    /// Progressive HTTP.
    Http,
    /// HLS.
    Hls,
}

/// `VideoType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum VideoType {
    /// A plain video file.
    VideoFile,
    /// A disc image.
    Iso,
    /// A DVD folder.
    Dvd,
    /// A Blu-ray folder.
    BluRay,
}

impl VideoType {
    /// Parses the stored name (any case); unknown names give `None`.
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::VideoFile, Self::Iso, Self::Dvd, Self::BluRay]
            .into_iter()
            .find(|v| v.name().eq_ignore_ascii_case(name))
    }

    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            Self::VideoFile => "VideoFile",
            Self::Iso => "Iso",
            Self::Dvd => "Dvd",
            Self::BluRay => "BluRay",
        }
    }
}

/// `MediaStreamType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MediaStreamType {
    /// Audio.
    Audio,
    /// Video.
    Video,
    /// Subtitles.
    Subtitle,
    /// Cover art stored as a video stream.
    EmbeddedImage,
    /// Anything else.
    Data,
    /// An external lyrics file.
    Lyric,
}

impl MediaStreamType {
    /// The type of a stored stream kind (`Video`, `Audio`, ...); unknown kinds are `Data`.
    pub fn from_kind(kind: &str) -> Self {
        match kind {
            "Video" => Self::Video,
            "Audio" => Self::Audio,
            "Subtitle" => Self::Subtitle,
            "EmbeddedImage" => Self::EmbeddedImage,
            "Lyric" => Self::Lyric,
            _ => Self::Data,
        }
    }
}

pub use jellyfin_core::playback::{VideoRange, VideoRangeType};

/// The core's `VideoRange` on the wire: Jellyfin's name.
fn video_range_name<S: serde::Serializer>(v: &VideoRange, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.name())
}

/// The core's `VideoRangeType` on the wire: Jellyfin's name.
fn video_range_type_name<S: serde::Serializer>(
    v: &VideoRangeType,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.name())
}

/// `AudioSpatialFormat`.
#[allow(clippy::upper_case_acronyms)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AudioSpatialFormat {
    /// No spatial audio.
    None,
    /// Dolby Atmos.
    DolbyAtmos,
    /// DTS:X.
    DTSX,
}

/// `SubtitleDeliveryMethod`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SubtitleDeliveryMethod {
    /// Burned into the video by the transcoder.
    Encode,
    /// Kept in the container.
    Embed,
    /// Fetched by the client from `DeliveryUrl`.
    External,
    /// A subtitle playlist in the HLS master.
    Hls,
    /// Not delivered.
    Drop,
}

/// `MediaStream`: one stream of a media source.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MediaStream {
    /// Codec (`h264`, `hevc`, `ac3`, `subrip`, `PGSSUB`...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codec: Option<String>,
    /// Language code as stored (ISO 639-2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Color space (matrix).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color_space: Option<String>,
    /// Color transfer characteristic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color_transfer: Option<String>,
    /// Color primaries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color_primaries: Option<String>,
    /// Dolby Vision profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dv_profile: Option<i32>,
    /// Title from the container or the external file name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// SDR/HDR (`Unknown` for non-video streams).
    #[serde(serialize_with = "video_range_name")]
    pub video_range: VideoRange,
    /// The HDR kind (`Unknown` for non-video streams).
    #[serde(serialize_with = "video_range_type_name")]
    pub video_range_type: VideoRangeType,
    /// Dolby Vision description (`DV Profile 8.1 (HDR10)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_do_vi_title: Option<String>,
    /// Atmos / DTS:X from the audio profile.
    pub audio_spatial_format: AudioSpatialFormat,
    /// Jellyfin's human-readable title (see [`display_title`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_title: Option<String>,
    /// Interlaced video.
    pub is_interlaced: bool,
    /// Channel layout without the `(side)` suffix (`5.1`, `stereo`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_layout: Option<String>,
    /// Bit rate, bit/s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bit_rate: Option<i32>,
    /// Bit depth.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bit_depth: Option<i32>,
    /// Audio channels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channels: Option<i32>,
    /// Sample rate, Hz.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample_rate: Option<i32>,
    /// Default flag.
    pub is_default: bool,
    /// Forced flag.
    pub is_forced: bool,
    /// Hearing-impaired (SDH) flag.
    pub is_hearing_impaired: bool,
    /// Height in pixels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<i32>,
    /// Width in pixels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<i32>,
    /// Average frame rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub average_frame_rate: Option<f32>,
    /// Real (base) frame rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub real_frame_rate: Option<f32>,
    /// Codec profile (`Main 10`, `High`, `LC`, `DTS-HD MA`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Stream type.
    #[serde(rename = "Type")]
    pub stream_type: MediaStreamType,
    /// Index (embedded streams in container order, external ones after them).
    pub index: i32,
    /// Whether the stream is a separate file.
    pub is_external: bool,
    /// How a subtitle reaches the client (set by PlaybackInfo).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_method: Option<SubtitleDeliveryMethod>,
    /// Where the client fetches an `External` subtitle (server-relative).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_url: Option<String>,
    /// Whether `DeliveryUrl` is absolute (never, here).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_external_url: Option<bool>,
    /// Text-based subtitle (see [`is_text_subtitle_codec`]).
    pub is_text_subtitle_stream: bool,
    /// Whether the server can serve the subtitle as a separate file.
    pub supports_external_stream: bool,
    /// The file of an external stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Pixel format.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pixel_format: Option<String>,
    /// Codec level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<f64>,
}

/// `MediaAttachment` (fonts of ASS subtitles). Not extracted yet, so lists are empty.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MediaAttachment {
    /// Codec.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codec: Option<String>,
    /// Index.
    pub index: i32,
    /// File name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// MIME type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Where to fetch it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_url: Option<String>,
}

/// `MediaSourceInfo`: one playable version of an item.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MediaSourceInfo {
    /// Always `File` for library items.
    pub protocol: MediaProtocol,
    /// The N-format id of the version's item (the item id itself for the primary file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The file path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `Default`, or `Placeholder` for a version without a file.
    #[serde(rename = "Type")]
    pub source_type: MediaSourceType,
    /// Container list (see the module docs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// File size in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
    /// Version name (`1080p`, or the file name without extension).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Internet (not local network) source.
    pub is_remote: bool,
    /// Changes when the file changes: MD5 of the file's modification time in .NET ticks.
    #[serde(rename = "ETag", skip_serializing_if = "Option::is_none")]
    pub e_tag: Option<String>,
    /// Runtime in ticks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_time_ticks: Option<i64>,
    /// Live-stream option; false.
    pub read_at_native_framerate: bool,
    /// Transcoder option; false.
    pub ignore_dts: bool,
    /// Transcoder option; false.
    pub ignore_index: bool,
    /// Transcoder option; false.
    pub gen_pts_input: bool,
    /// Input flag (user policy / negotiation).
    pub supports_transcoding: bool,
    /// Input flag (equal to direct play in Jellyfin 10.11).
    pub supports_direct_stream: bool,
    /// Input flag (negotiation).
    pub supports_direct_play: bool,
    /// Live stream; false.
    pub is_infinite_stream: bool,
    /// Transcoder option; false.
    pub use_most_compatible_transcoding_profile: bool,
    /// Live stream; false.
    pub requires_opening: bool,
    /// Live stream token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_token: Option<String>,
    /// Live stream; false.
    pub requires_closing: bool,
    /// Live stream id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live_stream_id: Option<String>,
    /// Live stream; false.
    pub requires_looping: bool,
    /// Whether the server may probe the file; true.
    pub supports_probing: bool,
    /// Video files only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_type: Option<VideoType>,
    /// 3D layout, when the file is 3D.
    #[serde(rename = "Video3DFormat", skip_serializing_if = "Option::is_none")]
    pub video_3d_format: Option<String>,
    /// The streams.
    pub media_streams: Vec<MediaStream>,
    /// Attachments; empty.
    pub media_attachments: Vec<MediaAttachment>,
    /// Formats; empty, as in Jellyfin.
    pub formats: Vec<String>,
    /// Total bit rate (the container's, else the sum of the embedded streams').
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bitrate: Option<i32>,
    /// Headers a client must send (`{}`).
    pub required_http_headers: BTreeMap<String, String>,
    /// Set by PlaybackInfo when transcoding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcoding_url: Option<String>,
    /// `http` unless PlaybackInfo picks HLS.
    pub transcoding_sub_protocol: MediaStreamProtocol,
    /// Set by PlaybackInfo when transcoding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcoding_container: Option<String>,
    /// Jellyfin's default audio choice (see [`default_audio_stream_index`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_audio_stream_index: Option<i32>,
    /// Jellyfin's default subtitle choice (see [`default_subtitle_stream_index`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_subtitle_stream_index: Option<i32>,
    /// Media segments (intro/outro); false.
    pub has_segments: bool,
}

/// Inputs of [`media_sources`] that come from the request, not the item.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceFlags {
    /// `SupportsDirectPlay`.
    pub supports_direct_play: bool,
    /// `SupportsDirectStream` (keep it equal to direct play, as Jellyfin 10.11 does).
    pub supports_direct_stream: bool,
    /// `SupportsTranscoding`.
    pub supports_transcoding: bool,
    /// When set (PlaybackInfo), every subtitle stream gets its `DeliveryMethod` as the core
    /// decides it from the client's subtitle profiles, and `External` ones a `DeliveryUrl`.
    pub subtitle_delivery: Option<SubtitleDelivery>,
    /// When set (PlaybackInfo), each version's flags, container, default audio stream,
    /// subtitle context and `TranscodingUrl` come from the core's decision for it.
    pub playback: Option<PlaybackSources>,
}

impl Default for SourceFlags {
    /// Jellyfin's static sources: direct play, direct stream and transcoding all allowed, no
    /// subtitle delivery.
    fn default() -> Self {
        Self {
            supports_direct_play: true,
            supports_direct_stream: true,
            supports_transcoding: true,
            subtitle_delivery: None,
            playback: None,
        }
    }
}

/// What `PlaybackInfo` decided per version, and what its URLs carry.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaybackSources {
    /// The core's decision per version id (N format).
    pub decisions: Vec<(String, playback::SourceDecision)>,
    /// The caller's `DeviceId`.
    pub device_id: Option<String>,
    /// `PlaySessionId`.
    pub play_session_id: String,
    /// The token a `TranscodingUrl` carries as `ApiKey`.
    pub api_key: Option<String>,
    /// The requested item (URLs address it; `MediaSourceId` names the version).
    pub item_id: Option<ItemId>,
}

/// What a `TranscodingUrl` is built from besides the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TranscodingUrlParts<'a> {
    /// The item.
    pub item_id: ItemId,
    /// `MediaSourceId`.
    pub media_source_id: &'a str,
    /// `DeviceId`.
    pub device_id: Option<&'a str>,
    /// `PlaySessionId`.
    pub play_session_id: &'a str,
    /// `ApiKey` (segments are fetched with it alone).
    pub api_key: Option<&'a str>,
    /// `Tag` (the source's ETag).
    pub tag: Option<&'a str>,
}

/// A query value as Jellyfin writes it (spaces as `%20`, commas kept), with every other
/// character outside the unreserved set percent-encoded so that a device id or token cannot
/// break the query.
fn query_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b',' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The dashed (`D` format) text of an item id.
fn dashed(id: ItemId) -> String {
    let n = id.to_n();
    format!(
        "{}-{}-{}-{}-{}",
        &n[..8],
        &n[8..12],
        &n[12..16],
        &n[16..20],
        &n[20..]
    )
}

/// Jellyfin's `StreamInfo.ToUrl` for a transcode or remux (server-relative):
/// `/videos/{id}/master.m3u8?...` for HLS, `/videos/{id}/stream.{container}?...` for a
/// progressive transcode (`/audio/...` for audio files), with its parameters in Jellyfin's
/// order and names (defaults left out: `StartTimeTicks=0`, `Static=false`), the codec-qualified
/// options (`h264-level=41`, spaces removed) and `TranscodeReasons`; then the request's refusals
/// (`allowVideoStreamCopy=false`...).
pub fn transcoding_url_of(
    plan: &playback::TranscodePlan,
    parts: &TranscodingUrlParts<'_>,
) -> String {
    use playback::{StreamProtocol, SubtitleMethod};
    let hls = plan.protocol == StreamProtocol::Hls;
    let kind = if plan.media_kind == playback::ProfileMediaKind::Audio {
        "audio"
    } else {
        "videos"
    };
    let path = if hls {
        format!("/{kind}/{}/master.m3u8", dashed(parts.item_id))
    } else if plan.container.is_empty() {
        format!("/{kind}/{}/stream", dashed(parts.item_id))
    } else {
        format!(
            "/{kind}/{}/stream.{}",
            dashed(parts.item_id),
            plan.container
        )
    };
    let mut q: Vec<(String, String)> = Vec::new();
    let mut add = |name: &str, value: Option<String>| {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            q.push((name.to_owned(), v));
        }
    };
    let subtitle = plan
        .subtitle_stream_index
        .filter(|i| *i >= 0)
        .zip(plan.subtitle_method);
    add("DeviceProfileId", plan.device_profile_id.clone());
    add("DeviceId", parts.device_id.map(str::to_owned));
    add("MediaSourceId", Some(parts.media_source_id.to_owned()));
    add("VideoCodec", Some(plan.video_codecs.join(",")));
    add("AudioCodec", Some(plan.audio_codecs.join(",")));
    add(
        "AudioStreamIndex",
        plan.audio_stream_index.map(|i| i.to_string()),
    );
    add(
        "SubtitleStreamIndex",
        subtitle
            .filter(|(_, m)| {
                plan.always_burn_in_subtitle_when_transcoding || *m != SubtitleMethod::External
            })
            .map(|(i, _)| i.to_string()),
    );
    add("VideoBitrate", plan.video_bitrate.map(|b| b.to_string()));
    add("AudioBitrate", plan.audio_bitrate.map(|b| b.to_string()));
    add(
        "AudioSampleRate",
        plan.audio_sample_rate.map(|r| r.to_string()),
    );
    // f32 text as .NET prints it: the shortest that reads back (`24`, `23.976`).
    add("MaxFramerate", plan.max_framerate.map(|f| f.to_string()));
    add("MaxWidth", plan.max_width.map(|w| w.to_string()));
    add("MaxHeight", plan.max_height.map(|h| h.to_string()));
    if !hls && plan.start_position_ticks != 0 {
        add(
            "StartTimeTicks",
            Some(plan.start_position_ticks.to_string()),
        );
    }
    add("PlaySessionId", Some(parts.play_session_id.to_owned()));
    add("ApiKey", parts.api_key.map(str::to_owned));
    add(
        "SubtitleMethod",
        subtitle
            .filter(|(_, m)| *m != SubtitleMethod::External)
            .map(|(_, m)| m.name().to_owned()),
    );
    if plan.require_non_anamorphic {
        add("RequireNonAnamorphic", Some("true".into()));
    }
    add(
        "TranscodingMaxAudioChannels",
        plan.transcoding_max_audio_channels.map(|c| c.to_string()),
    );
    if plan.enable_subtitles_in_manifest {
        add("EnableSubtitlesInManifest", Some("true".into()));
    }
    if plan.enable_mpegts_m2ts_mode {
        add("EnableMpegtsM2TsMode", Some("true".into()));
    }
    if plan.estimate_content_length {
        add("EstimateContentLength", Some("true".into()));
    }
    if plan.transcode_seek_info != playback::TranscodeSeekInfo::Auto {
        add(
            "TranscodeSeekInfo",
            Some(plan.transcode_seek_info.name().to_ascii_lowercase()),
        );
    }
    if plan.copy_timestamps {
        add("CopyTimestamps", Some("true".into()));
    }
    add("RequireAvc", Some(plan.require_avc.to_string()));
    add(
        "EnableAudioVbrEncoding",
        Some(plan.enable_audio_vbr_encoding.to_string()),
    );
    add("Tag", parts.tag.map(str::to_owned));
    add(
        "SubtitleCodec",
        subtitle
            .filter(|(_, m)| *m == SubtitleMethod::Embed)
            .map(|_| plan.subtitle_codecs.join(",")),
    );
    if hls {
        add("SegmentContainer", Some(plan.container.clone()));
        add("SegmentLength", plan.segment_length.map(|l| l.to_string()));
        add("MinSegments", plan.min_segments.map(|m| m.to_string()));
        add(
            "BreakOnNonKeyFrames",
            Some(
                if plan.break_on_non_key_frames {
                    "True"
                } else {
                    "False"
                }
                .into(),
            ),
        );
    }
    for (key, value) in &plan.stream_options {
        add(key, Some(value.replace(' ', "")));
    }
    add("TranscodeReasons", Some(plan.reasons.names().join(", ")));
    let mut url = path;
    url.push('?');
    url.push_str(
        &q.iter()
            .map(|(k, v)| format!("{k}={}", query_value(v)))
            .collect::<Vec<_>>()
            .join("&"),
    );
    if !plan.allow_video_stream_copy {
        url.push_str("&allowVideoStreamCopy=false");
    }
    if !plan.allow_audio_stream_copy {
        url.push_str("&allowAudioStreamCopy=false");
    }
    if plan.always_burn_in_subtitle_when_transcoding {
        url.push_str("&alwaysBurnInSubtitleWhenTranscoding=true");
    }
    url
}

/// What subtitle delivery is decided from (see [`playback::subtitle_delivery`]) and how the
/// URLs of `External` ones are built (see [`subtitle_delivery_url`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SubtitleDelivery {
    /// Token appended as `?ApiKey=` (browsers fetch subtitles without headers).
    pub api_key: Option<String>,
    /// The client's `SubtitleProfiles`. Empty: text streams the server can serve go `External`
    /// as WebVTT (ASS/SSA in their own format), others `Encode`
    /// ([`playback::default_subtitle_delivery`]).
    pub profiles: Vec<playback::SubtitleProfile>,
    /// The media is transcoded (nothing embedded; HLS subtitle profiles apply).
    pub transcoding: bool,
}

/// The playable versions of `item`: the item's own file first (`Id` = the item id), then its
/// alternate versions (each with its own id), ordered as Jellyfin orders them (plain files
/// first, 3D last, widest video first; stable otherwise).
pub fn media_sources(
    item: &ItemRecord,
    alternates: &[ItemRecord],
    flags: SourceFlags,
) -> Vec<MediaSourceInfo> {
    let has_alternates = !alternates.is_empty();
    let folder = item.path.as_deref().map(parent_folder_name);
    let mut sources: Vec<MediaSourceInfo> = std::iter::once(item)
        .chain(alternates.iter())
        .map(|version| source_info(version, folder.filter(|_| has_alternates), &flags))
        .collect();
    sources.sort_by_key(|s| {
        let width = s
            .media_streams
            .iter()
            .find(|m| m.stream_type == MediaStreamType::Video)
            .and_then(|m| m.width)
            .unwrap_or(0);
        (
            s.video_type.is_some_and(|v| v != VideoType::VideoFile),
            s.video_3d_format.is_some(),
            std::cmp::Reverse(width),
        )
    });
    sources
}

/// The streams of `item`'s own file, as `BaseItemDto.MediaStreams` lists them.
pub fn media_streams(item: &ItemRecord) -> Vec<MediaStream> {
    item.streams.iter().map(media_stream).collect()
}

fn source_info(
    version: &ItemRecord,
    alternate_folder: Option<&str>,
    flags: &SourceFlags,
) -> MediaSourceInfo {
    let id = version.id.map(|i| i.to_n());
    let is_video = is_video_item(version);
    let decided: Option<(&PlaybackSources, &playback::SourceDecision)> =
        flags.playback.as_ref().and_then(|p| {
            let version_id = id.as_deref()?;
            p.decisions
                .iter()
                .find(|(v, _)| v == version_id)
                .map(|(_, d)| (p, d))
        });
    let mut streams: Vec<MediaStream> = media_streams(version);
    if let (Some(delivery), Some(item_id), Some(source_id)) =
        (&flags.subtitle_delivery, version.id, id.as_deref())
    {
        // How the client receives the media: the decision's, else direct play of the file.
        let context = match decided {
            Some((_, d)) => d.subtitles.clone(),
            None => playback::SubtitleContext {
                play_method: if delivery.transcoding {
                    playback::PlayMethod::Transcode
                } else {
                    playback::PlayMethod::DirectPlay
                },
                container: playback::SourceFacts::from_item(version)
                    .container
                    .as_deref()
                    .map(playback::container_list)
                    .unwrap_or_default(),
                protocol: None,
                start_position_ticks: 0,
            },
        };
        for s in streams
            .iter_mut()
            .filter(|s| s.stream_type == MediaStreamType::Subtitle)
        {
            // An external file without a codec is known by its extension.
            let codec = s
                .codec
                .clone()
                .or_else(|| {
                    s.path
                        .as_deref()
                        .map(file_extension)
                        .map(str::to_ascii_lowercase)
                })
                .unwrap_or_default();
            let facts = playback::SubtitleStreamFacts {
                codec: &codec,
                language: s.language.as_deref(),
                is_external: s.is_external,
                is_text: s.is_text_subtitle_stream,
                supports_external_stream: s.supports_external_stream,
            };
            let decided = if delivery.profiles.is_empty() {
                playback::default_subtitle_delivery(&facts)
            } else {
                playback::subtitle_delivery(
                    &facts,
                    &delivery.profiles,
                    context.play_method,
                    &context.container,
                    context.protocol,
                )
            };
            s.delivery_method = Some(delivery_method(decided.method));
            if decided.method == playback::SubtitleMethod::External {
                s.delivery_url = Some(subtitle_delivery_url_at(
                    item_id,
                    source_id,
                    s.index,
                    context.start_position_ticks,
                    &decided.format.to_ascii_lowercase(),
                    delivery.api_key.as_deref(),
                ));
            }
            s.is_external_url = Some(false);
        }
    }
    let video_type = is_video.then(|| {
        version
            .video_type
            .as_deref()
            .and_then(VideoType::from_name)
            .unwrap_or(VideoType::VideoFile)
    });
    let video_3d_format = is_video
        .then(|| version.video_3d_format.clone())
        .flatten()
        .filter(|f| VIDEO_3D_FORMATS.contains(&f.as_str()));
    let container = match version.container.as_deref() {
        Some(c) if !c.trim().is_empty() => Some(normalize_container(c, &version.streams)),
        _ => version
            .path
            .as_deref()
            .map(file_extension)
            .filter(|e| !e.is_empty())
            .map(str::to_owned),
    };
    let bitrate = version.bitrate.filter(|b| *b > 0).or_else(|| {
        let embedded: Vec<&StreamRecord> =
            version.streams.iter().filter(|s| !s.is_external).collect();
        let sum: i64 = embedded.iter().filter_map(|s| s.bit_rate).sum();
        (!embedded.is_empty() && sum > 0).then_some(sum)
    });
    let e_tag = version.path.as_ref().map(|_| {
        let ticks = match version.file_mtime {
            Some(ns) => ns.div_euclid(100) + DOTNET_EPOCH_TICKS,
            None => version.date_created * 10_000_000 + DOTNET_EPOCH_TICKS,
        };
        dotnet_md5_n(&ticks.to_string())
    });
    let is_audio_item = version.media_type == Some(MediaType::Audio);
    let mut default_audio_stream_index = default_audio_stream_index(&streams);
    let default_subtitle_stream_index = if is_audio_item {
        None
    } else {
        default_subtitle_stream_index(&streams)
    };
    let (mut supports_direct_play, mut supports_direct_stream, mut supports_transcoding) = (
        flags.supports_direct_play,
        flags.supports_direct_stream,
        flags.supports_transcoding,
    );
    let mut container = container;
    let (mut transcoding_url, mut transcoding_sub_protocol, mut transcoding_container) =
        (None, MediaStreamProtocol::Http, None);
    if let Some((sources, d)) = decided {
        supports_direct_play = d.supports_direct_play;
        supports_direct_stream = d.supports_direct_stream;
        supports_transcoding = d.supports_transcoding;
        if d.container.is_some() {
            container = d.container.clone();
        }
        if d.audio_stream_index.is_some() {
            default_audio_stream_index = d.audio_stream_index;
        }
        if let (Some(plan), Some(item_id), Some(source_id)) =
            (&d.transcode, sources.item_id.or(version.id), id.as_deref())
        {
            transcoding_url = Some(transcoding_url_of(
                plan,
                &TranscodingUrlParts {
                    item_id,
                    media_source_id: source_id,
                    device_id: sources.device_id.as_deref(),
                    play_session_id: &sources.play_session_id,
                    api_key: sources.api_key.as_deref(),
                    tag: e_tag.as_deref(),
                },
            ));
            transcoding_sub_protocol = match plan.protocol {
                playback::StreamProtocol::Hls => MediaStreamProtocol::Hls,
                playback::StreamProtocol::Http => MediaStreamProtocol::Http,
            };
            transcoding_container = Some(plan.container.clone());
        }
    }
    MediaSourceInfo {
        protocol: MediaProtocol::File,
        id,
        path: version.path.clone(),
        source_type: if version.path.is_some() && !version.is_placeholder {
            MediaSourceType::Default
        } else {
            MediaSourceType::Placeholder
        },
        container,
        size: version.size,
        name: Some(source_name(version, alternate_folder, video_type)),
        is_remote: false,
        e_tag,
        run_time_ticks: version.run_time_ticks,
        read_at_native_framerate: false,
        ignore_dts: false,
        ignore_index: false,
        gen_pts_input: false,
        supports_transcoding,
        supports_direct_stream: supports_direct_stream
            && video_type.is_none_or(|v| v == VideoType::VideoFile),
        supports_direct_play,
        is_infinite_stream: false,
        use_most_compatible_transcoding_profile: false,
        requires_opening: false,
        open_token: None,
        requires_closing: false,
        live_stream_id: None,
        requires_looping: false,
        supports_probing: true,
        video_type,
        video_3d_format,
        media_streams: streams,
        media_attachments: Vec::new(),
        formats: Vec::new(),
        bitrate: bitrate.map(clamp_i32),
        required_http_headers: BTreeMap::new(),
        transcoding_url,
        transcoding_sub_protocol,
        transcoding_container,
        default_audio_stream_index,
        default_subtitle_stream_index,
        has_segments: false,
    }
}

/// The server-relative URL of a subtitle stream in `format`, as Jellyfin's `StreamInfo` builds
/// it: `/Videos/{item id, dashed}/{media source id}/Subtitles/{index}/0/Stream.{format}`, plus
/// `?ApiKey=` when a token is given.
pub fn subtitle_delivery_url(
    item_id: ItemId,
    media_source_id: &str,
    index: i32,
    format: &str,
    api_key: Option<&str>,
) -> String {
    subtitle_delivery_url_at(item_id, media_source_id, index, 0, format, api_key)
}

/// [`subtitle_delivery_url`] starting at `start_ticks` (a progressive transcode that starts
/// there shifts the subtitles with it).
pub fn subtitle_delivery_url_at(
    item_id: ItemId,
    media_source_id: &str,
    index: i32,
    start_ticks: i64,
    format: &str,
    api_key: Option<&str>,
) -> String {
    let n = item_id.to_n();
    let dashed = format!(
        "{}-{}-{}-{}-{}",
        &n[..8],
        &n[8..12],
        &n[12..16],
        &n[16..20],
        &n[20..]
    );
    let mut url = format!(
        "/Videos/{dashed}/{media_source_id}/Subtitles/{index}/{start_ticks}/Stream.{format}"
    );
    if let Some(key) = api_key {
        url.push_str("?ApiKey=");
        url.push_str(key);
    }
    url
}

/// The wire name of a delivery method.
fn delivery_method(method: playback::SubtitleMethod) -> SubtitleDeliveryMethod {
    match method {
        playback::SubtitleMethod::Encode => SubtitleDeliveryMethod::Encode,
        playback::SubtitleMethod::Embed => SubtitleDeliveryMethod::Embed,
        playback::SubtitleMethod::External => SubtitleDeliveryMethod::External,
        playback::SubtitleMethod::Hls => SubtitleDeliveryMethod::Hls,
        playback::SubtitleMethod::Drop => SubtitleDeliveryMethod::Drop,
    }
}

/// The file extension a subtitle codec is served as (`subrip` -> `srt`, `webvtt` -> `vtt`).
pub fn subtitle_file_format(codec: &str) -> &'static str {
    match codec.to_ascii_lowercase().as_str() {
        "ass" => "ass",
        "ssa" => "ssa",
        "webvtt" | "vtt" => "vtt",
        "sami" | "smi" => "sami",
        "ttml" => "ttml",
        _ => "srt",
    }
}

/// .NET ticks at the Unix epoch.
pub(crate) const DOTNET_EPOCH_TICKS: i64 = 621_355_968_000_000_000;

/// Jellyfin's `Video3DFormat` names.
pub(crate) const VIDEO_3D_FORMATS: [&str; 5] = [
    "HalfSideBySide",
    "FullSideBySide",
    "FullTopAndBottom",
    "HalfTopAndBottom",
    "MVC",
];

fn is_video_item(item: &ItemRecord) -> bool {
    item.media_type == Some(MediaType::Video)
        || matches!(
            item.kind,
            Some(
                ItemKind::Movie
                    | ItemKind::Episode
                    | ItemKind::Video
                    | ItemKind::Trailer
                    | ItemKind::MusicVideo
            )
        )
}

fn clamp_i32(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX })
}

/// The last path component (either separator).
fn file_name(path: &str) -> &str {
    let trimmed = path.trim_end_matches(['/', '\\']);
    trimmed
        .rfind(['/', '\\'])
        .map_or(trimmed, |i| &trimmed[i + 1..])
}

/// The name of the folder containing `path`.
fn parent_folder_name(path: &str) -> &str {
    let trimmed = path.trim_end_matches(['/', '\\']);
    match trimmed.rfind(['/', '\\']) {
        Some(i) => file_name(&trimmed[..i]),
        None => "",
    }
}

/// File name without its last extension.
fn file_stem(path: &str) -> &str {
    let name = file_name(path);
    match name.rfind('.') {
        Some(i) if i > 0 => &name[..i],
        _ => name,
    }
}

/// The last extension without its dot (`""` when none).
fn file_extension(path: &str) -> &str {
    let name = file_name(path);
    match name.rfind('.') {
        Some(i) if i > 0 => &name[i + 1..],
        _ => "",
    }
}

/// Jellyfin's `GetMediaSourceName`: the file name without extension; with local alternate
/// versions, what follows the containing folder's name (`Heat (1995) - 1080p.mkv` in
/// `Heat (1995)/` gives `1080p`); then `3D`, `Bluray`, `DVD` or `ISO` terms, joined by `/`.
fn source_name(
    version: &ItemRecord,
    alternate_folder: Option<&str>,
    video_type: Option<VideoType>,
) -> String {
    let mut terms: Vec<String> = Vec::new();
    if let Some(path) = version.path.as_deref().filter(|p| !p.is_empty()) {
        let display = file_stem(path);
        if let Some(folder) = alternate_folder.filter(|f| !f.is_empty()) {
            if display.len() > folder.len()
                && display.is_char_boundary(folder.len())
                && display[..folder.len()].eq_ignore_ascii_case(folder)
            {
                let rest = display[folder.len()..].trim_start_matches([' ', '-']);
                if !rest.trim().is_empty() {
                    terms.push(rest.to_owned());
                }
            }
        }
        if terms.is_empty() {
            terms.push(display.to_owned());
        }
    }
    if terms.is_empty() {
        terms.push(version.name.clone());
    }
    if version.video_3d_format.is_some() && video_type.is_some() {
        terms.push("3D".into());
    }
    match video_type {
        Some(VideoType::BluRay) => terms.push("Bluray".into()),
        Some(VideoType::Dvd) => terms.push("DVD".into()),
        Some(VideoType::Iso) => terms.push("ISO".into()),
        _ => {}
    }
    terms.join("/")
}

/// Jellyfin's `ProbeResultNormalizer.NormalizeFormat` (the core's rule,
/// [`playback::source::normalize_container`]): `matroska,webm` -> `mkv` for an H.264 file.
pub fn normalize_container(format: &str, streams: &[StreamRecord]) -> String {
    playback::source::normalize_container(format, streams)
}

/// Jellyfin's `DtoService.NormalizeMediaSourceContainers`: a container list narrowed to the
/// file's extension when the list names it (`mov,mp4,m4a,3gp,3g2,mj2` + `x.mp4` -> `mp4`), else
/// to its first entry; a single container is kept.
pub fn short_container(container: &str, path: Option<&str>) -> String {
    let list: Vec<&str> = container.split(',').collect();
    if list.len() < 2 {
        return container.to_owned();
    }
    let ext = path.map(file_extension).unwrap_or("");
    if !ext.is_empty() && list.iter().any(|c| c.eq_ignore_ascii_case(ext)) {
        return ext.to_owned();
    }
    list[0].to_owned()
}

/// Jellyfin's `NormalizeSubtitleCodec` (the core's rule): `hdmv_pgs_subtitle` -> `PGSSUB`.
pub fn normalize_subtitle_codec(codec: &str) -> String {
    playback::source::normalize_subtitle_codec(codec)
}

/// Jellyfin's `MediaStream.IsTextFormat` (the core's rule): everything but bitmap formats.
pub fn is_text_subtitle_codec(codec: &str) -> bool {
    playback::source::is_text_subtitle_codec(codec)
}

/// Converts a stored stream to the wire shape.
pub fn media_stream(s: &StreamRecord) -> MediaStream {
    let stream_type = MediaStreamType::from_kind(&s.kind);
    let codec = s
        .codec
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| match stream_type {
            MediaStreamType::Subtitle => normalize_subtitle_codec(c),
            _ => c.to_owned(),
        });
    let is_subtitle = stream_type == MediaStreamType::Subtitle;
    let is_text = is_subtitle
        && (codec.is_some() || s.is_external)
        && is_text_subtitle_codec(codec.as_deref().unwrap_or(""));
    let (video_range, video_range_type) = video_range(s);
    let audio_spatial_format = match (stream_type, s.profile.as_deref()) {
        (MediaStreamType::Audio, Some(p)) if contains_ci(p, "Dolby Atmos") => {
            AudioSpatialFormat::DolbyAtmos
        }
        (MediaStreamType::Audio, Some(p)) if contains_ci(p, "DTS:X") => AudioSpatialFormat::DTSX,
        _ => AudioSpatialFormat::None,
    };
    let mut out = MediaStream {
        codec,
        language: s.language.clone().filter(|l| !l.is_empty()),
        color_space: s.color_space.clone(),
        color_transfer: s.color_transfer.clone(),
        color_primaries: s.color_primaries.clone(),
        dv_profile: s
            .dv_profile
            .filter(|_| stream_type == MediaStreamType::Video),
        title: s.title.clone().filter(|t| !t.is_empty()),
        video_range,
        video_range_type,
        video_do_vi_title: (stream_type == MediaStreamType::Video)
            .then(|| dovi_title(s))
            .flatten(),
        audio_spatial_format,
        display_title: None,
        is_interlaced: false,
        channel_layout: s
            .channel_layout
            .as_deref()
            .map(|l| l.split('(').next().unwrap_or(l).to_owned())
            .filter(|l| !l.is_empty()),
        bit_rate: s.bit_rate.filter(|b| *b > 0).map(clamp_i32),
        bit_depth: s.bit_depth,
        channels: s.channels,
        sample_rate: s.sample_rate,
        is_default: s.is_default,
        is_forced: s.is_forced,
        is_hearing_impaired: s.is_hearing_impaired,
        height: s.height,
        width: s.width,
        average_frame_rate: s.average_frame_rate.map(|f| f as f32),
        real_frame_rate: s.real_frame_rate.map(|f| f as f32),
        profile: s.profile.clone().filter(|p| !p.is_empty()),
        stream_type,
        index: s.index,
        is_external: s.is_external,
        delivery_method: None,
        delivery_url: None,
        is_external_url: None,
        is_text_subtitle_stream: is_text,
        supports_external_stream: is_subtitle && (s.is_external || is_text),
        path: s.path.clone().filter(|_| s.is_external),
        pixel_format: s.pixel_format.clone(),
        level: s.level,
    };
    out.display_title = display_title(&out);
    out
}

fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack
        .to_ascii_lowercase()
        .contains(&needle.to_ascii_lowercase())
}

/// Jellyfin's `GetVideoColorRange` for a stored stream (the core's rule,
/// [`playback::source::video_range`], with the Dolby Vision compatibility id inferred).
/// Non-video streams are `Unknown`.
pub fn video_range(s: &StreamRecord) -> (VideoRange, VideoRangeType) {
    playback::source::video_range(s)
}

/// Jellyfin's `VideoDoViTitle` (`DV Profile 8.1 (HDR10)`), with the inferred compatibility id.
fn dovi_title(s: &StreamRecord) -> Option<String> {
    let profile = s.dv_profile?;
    if ![4, 5, 7, 8, 9].contains(&profile) {
        return None;
    }
    let compat = playback::source::dovi_compat_id(s);
    let mut title = format!("DV Profile {profile}");
    if let Some(c) = compat.filter(|c| *c > 0) {
        title.push_str(&format!(".{c}"));
    }
    match compat {
        Some(1) => title.push_str(" (HDR10)"),
        Some(2) => title.push_str(" (SDR)"),
        Some(4) => title.push_str(" (HLG)"),
        _ => {}
    }
    Some(title)
}

/// Jellyfin's `GetResolutionText`.
fn resolution_text(width: i32, height: i32, interlaced: bool) -> Option<&'static str> {
    let pi = |p: &'static str, i: &'static str| if interlaced { i } else { p };
    Some(match width {
        w if w <= 256 && height <= 144 => pi("144p", "144i"),
        w if w <= 426 && height <= 240 => pi("240p", "240i"),
        w if w <= 640 && height <= 360 => pi("360p", "360i"),
        w if w <= 682 && height <= 384 => pi("384p", "384i"),
        w if w <= 720 && height <= 404 => pi("404p", "404i"),
        w if w <= 854 && height <= 480 => pi("480p", "480i"),
        w if w <= 960 && height <= 544 => pi("540p", "540i"),
        w if w <= 1024 && height <= 576 => pi("576p", "576i"),
        w if w <= 1280 && height <= 962 => pi("720p", "720i"),
        w if w <= 2560 && height <= 1440 => pi("1080p", "1080i"),
        w if w <= 4096 && height <= 3072 => "4K",
        w if w <= 8192 && height <= 6144 => "8K",
        _ => return None,
    })
}

/// Jellyfin's `AudioCodec.GetFriendlyName`.
fn audio_codec_friendly_name(codec: &str) -> String {
    match codec.to_ascii_lowercase().as_str() {
        "ac3" => "Dolby Digital".into(),
        "eac3" => "Dolby Digital+".into(),
        "dca" => "DTS".into(),
        _ => codec.to_uppercase(),
    }
}

fn first_to_upper(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The English name of a language code (`eng` -> `English`, `ger`/`deu` -> `German`), from
/// Jellyfin's ISO 639-2 table, cut at the first `;`, `,` or ` (` (`Spanish; Castilian` ->
/// `Spanish`); the code itself when unknown. Jellyfin asks .NET's culture list, which knows only
/// 639-2/T codes; this table also resolves /B codes (`ger`, `fre`) and 2-letter codes.
pub fn language_display_name(code: &str) -> String {
    static TABLE: OnceLock<Iso6392> = OnceLock::new();
    let table = TABLE.get_or_init(Iso6392::new);
    let name = match table.row(code) {
        Some(row) => {
            let n = row.english_name.as_str();
            let cut = [n.find(';'), n.find(','), n.find(" (")]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(n.len());
            n[..cut].trim().to_owned()
        }
        None => code.to_owned(),
    };
    first_to_upper(&name)
}

fn join_with_title(title: Option<&str>, attributes: Vec<String>, separator: &str) -> String {
    match title {
        Some(t) => {
            let lower = t.to_lowercase();
            let mut out = t.to_owned();
            for tag in attributes {
                if !lower.contains(&tag.to_lowercase()) {
                    out.push_str(" - ");
                    out.push_str(&tag);
                }
            }
            out
        }
        None => attributes.join(separator),
    }
}

/// Jellyfin's `MediaStream.DisplayTitle` (English, default localisation):
/// - video: resolution, codec in upper case, range: `1080p H264 SDR`, `4K HEVC HDR`;
/// - audio: language (not for `und`, `mis`, `mul`, `zxx`), profile (unless `LC`) or the codec's
///   friendly name, channel layout or `N ch`, `Default`, `External`, joined by ` - `:
///   `English - Dolby Digital - 5.1 - Default`;
/// - subtitle: language or `Und`, `Hearing Impaired`, `Default`, `Forced`, codec in upper case,
///   `External`: `German - Forced - SUBRIP - External`;
/// - with a title: the title, then ` - ` and each attribute the title does not already contain;
/// - other types: `None`.
pub fn display_title(s: &MediaStream) -> Option<String> {
    let title = s.title.as_deref().filter(|t| !t.is_empty());
    match s.stream_type {
        MediaStreamType::Video => {
            let mut attributes = Vec::new();
            if let (Some(w), Some(h)) = (s.width, s.height) {
                if let Some(r) = resolution_text(w, h, s.is_interlaced) {
                    attributes.push(r.to_owned());
                }
            }
            if let Some(c) = s.codec.as_deref() {
                attributes.push(c.to_uppercase());
            }
            match s.video_range {
                VideoRange::SDR => attributes.push("SDR".into()),
                VideoRange::HDR => attributes.push("HDR".into()),
                VideoRange::Unknown => {}
            }
            Some(join_with_title(title, attributes, " "))
        }
        MediaStreamType::Audio => {
            let mut attributes = Vec::new();
            if let Some(lang) = s.language.as_deref() {
                if !["mis", "mul", "und", "zxx"]
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(lang))
                {
                    attributes.push(language_display_name(lang));
                }
            }
            match (s.profile.as_deref(), s.codec.as_deref()) {
                (Some(p), _) if !p.eq_ignore_ascii_case("lc") => attributes.push(p.to_owned()),
                (_, Some(c)) => attributes.push(audio_codec_friendly_name(c)),
                _ => {}
            }
            if let Some(layout) = s.channel_layout.as_deref() {
                attributes.push(first_to_upper(layout));
            } else if let Some(ch) = s.channels {
                attributes.push(format!("{ch} ch"));
            }
            if s.is_default {
                attributes.push("Default".into());
            }
            if s.is_external {
                attributes.push("External".into());
            }
            Some(join_with_title(title, attributes, " - "))
        }
        MediaStreamType::Subtitle => {
            let mut attributes = Vec::new();
            match s.language.as_deref() {
                Some(lang) => attributes.push(language_display_name(lang)),
                None => attributes.push("Und".into()),
            }
            if s.is_hearing_impaired {
                attributes.push("Hearing Impaired".into());
            }
            if s.is_default {
                attributes.push("Default".into());
            }
            if s.is_forced {
                attributes.push("Forced".into());
            }
            if let Some(c) = s.codec.as_deref() {
                attributes.push(c.to_uppercase());
            }
            if s.is_external {
                attributes.push("External".into());
            }
            Some(join_with_title(title, attributes, " - "))
        }
        _ => None,
    }
}

/// Jellyfin's `MediaStreamSelector` stream order without language preferences: default first,
/// then servable as a file, then text, then external, then by index.
fn sorted_streams(streams: &[MediaStream], kind: MediaStreamType) -> Vec<&MediaStream> {
    let mut out: Vec<&MediaStream> = streams.iter().filter(|s| s.stream_type == kind).collect();
    out.sort_by_key(|s| {
        (
            !s.is_default,
            !s.supports_external_stream,
            !s.is_text_subtitle_stream,
            !s.is_external,
            s.index,
        )
    });
    out
}

/// Jellyfin's default audio stream (`PlayDefaultAudioTrack` on, no language preference): the
/// first default-flagged audio stream, else the first audio stream.
pub fn default_audio_stream_index(streams: &[MediaStream]) -> Option<i32> {
    sorted_streams(streams, MediaStreamType::Audio)
        .first()
        .map(|s| s.index)
}

/// Jellyfin's default subtitle stream in subtitle mode `Default` (the default user setting):
/// a forced stream in the default audio stream's language, else any forced stream, else a
/// default-flagged stream; `None` (subtitles off) otherwise.
pub fn default_subtitle_stream_index(streams: &[MediaStream]) -> Option<i32> {
    let audio_language = default_audio_stream_index(streams)
        .and_then(|i| streams.iter().find(|s| s.index == i))
        .and_then(|s| s.language.as_deref());
    let subs = sorted_streams(streams, MediaStreamType::Subtitle);
    subs.iter()
        .find(|s| {
            s.is_forced
                && audio_language.is_some_and(|a| {
                    s.language
                        .as_deref()
                        .is_some_and(|l| l.eq_ignore_ascii_case(a))
                })
        })
        .or_else(|| subs.iter().find(|s| s.is_forced))
        .or_else(|| subs.iter().find(|s| s.is_default))
        .map(|s| s.index)
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Realistic records shared by the DTO tests.

    use jellyfin_core::store::{
        ChapterRecord, ImageRecord, ItemKind, ItemRecord, MediaType, PersonCredit, StreamRecord,
    };

    /// 2024-05-01T12:34:56Z.
    pub const T0: i64 = 1_714_566_896;

    pub fn image(image_type: i32, index: i32, path: &str, w: u32, h: u32) -> ImageRecord {
        ImageRecord {
            image_type,
            index,
            path: path.into(),
            width: Some(w),
            height: Some(h),
            blurhash: Some("LEHV6nWB2yk8pyo0adR*.7kCMdnj".into()),
            date_modified: T0,
        }
    }

    pub fn hevc_hdr10() -> StreamRecord {
        StreamRecord {
            index: 0,
            kind: "Video".into(),
            codec: Some("hevc".into()),
            profile: Some("Main 10".into()),
            level: Some(153.0),
            width: Some(3840),
            height: Some(2160),
            average_frame_rate: Some(24000.0 / 1001.0),
            real_frame_rate: Some(24000.0 / 1001.0),
            pixel_format: Some("yuv420p10le".into()),
            bit_depth: Some(10),
            color_transfer: Some("smpte2084".into()),
            color_primaries: Some("bt2020".into()),
            color_space: Some("bt2020nc".into()),
            bit_rate: Some(58_000_000),
            is_default: true,
            ..StreamRecord::default()
        }
    }

    pub fn ac3_51() -> StreamRecord {
        StreamRecord {
            index: 1,
            kind: "Audio".into(),
            codec: Some("ac3".into()),
            channels: Some(6),
            channel_layout: Some("5.1(side)".into()),
            sample_rate: Some(48_000),
            bit_rate: Some(640_000),
            language: Some("eng".into()),
            is_default: true,
            ..StreamRecord::default()
        }
    }

    pub fn aac_stereo_commentary() -> StreamRecord {
        StreamRecord {
            index: 2,
            kind: "Audio".into(),
            codec: Some("aac".into()),
            profile: Some("LC".into()),
            channels: Some(2),
            channel_layout: Some("stereo".into()),
            sample_rate: Some(48_000),
            bit_rate: Some(192_000),
            language: Some("eng".into()),
            title: Some("Director's Commentary".into()),
            ..StreamRecord::default()
        }
    }

    pub fn pgs_english() -> StreamRecord {
        StreamRecord {
            index: 3,
            kind: "Subtitle".into(),
            codec: Some("hdmv_pgs_subtitle".into()),
            language: Some("eng".into()),
            ..StreamRecord::default()
        }
    }

    pub fn external_forced_german_srt(dir: &str, stem: &str) -> StreamRecord {
        StreamRecord {
            index: 4,
            kind: "Subtitle".into(),
            codec: Some("subrip".into()),
            language: Some("ger".into()),
            is_forced: true,
            is_external: true,
            path: Some(format!("{dir}/{stem}.de.forced.srt")),
            ..StreamRecord::default()
        }
    }

    /// A 4K HDR10 movie with AC-3 5.1, a commentary track, PGS and an external forced German
    /// SRT, chapters, images, people, genres, studios and provider ids.
    pub fn movie() -> ItemRecord {
        let dir = "/media/movies/Blade Runner 2049 (2017)";
        let path = format!("{dir}/Blade Runner 2049 (2017).mkv");
        let mut m = ItemRecord::new(ItemKind::Movie, &path, "Blade Runner 2049");
        m.path = Some(path);
        m.library_id = Some(jellyfin_core::store::library_id_for("Movies"));
        m.parent_id = m.library_id;
        m.original_title = Some("Blade Runner 2049".into());
        m.overview = Some("Thirty years after the events of the first film, a new blade runner unearths a long-buried secret.".into());
        m.tagline = Some("The key to the future is finally unearthed.".into());
        m.production_year = Some(2017);
        m.premiere_date = Some("2017-10-04".into());
        m.community_rating = Some(7.5);
        m.official_rating = Some("R".into());
        m.run_time_ticks = Some(98_400_000_000);
        m.media_type = Some(MediaType::Video);
        m.container = Some("matroska,webm".into());
        m.size = Some(61_234_567_890);
        m.file_mtime = Some(T0 * 1_000_000_000 + 123_456_789);
        m.bitrate = Some(59_000_000);
        m.video_type = Some("VideoFile".into());
        m.date_created = T0;
        m.genres = vec!["Science Fiction".into(), "Drama".into()];
        m.studios = vec!["Alcon Entertainment".into(), "Warner Bros. Pictures".into()];
        m.tags = vec!["cyberpunk".into()];
        m.people = vec![
            PersonCredit {
                name: "Denis Villeneuve".into(),
                role: None,
                kind: "Director".into(),
                sort_order: None,
            },
            PersonCredit {
                name: "Ryan Gosling".into(),
                role: Some("K".into()),
                kind: "Actor".into(),
                sort_order: Some(0),
            },
            PersonCredit {
                name: "Harrison Ford".into(),
                role: Some("Rick Deckard".into()),
                kind: "Actor".into(),
                sort_order: Some(1),
            },
            PersonCredit {
                name: "Hampton Fancher".into(),
                role: None,
                kind: "Writer".into(),
                sort_order: None,
            },
        ];
        m.provider_ids = vec![
            ("Tmdb".into(), "335984".into()),
            ("Imdb".into(), "tt1856101".into()),
        ];
        m.images = vec![
            image(0, 0, &format!("{dir}/poster.jpg"), 1000, 1500),
            image(2, 0, &format!("{dir}/backdrop.jpg"), 3840, 2160),
            image(2, 1, &format!("{dir}/backdrop1.jpg"), 1920, 1080),
            image(4, 0, &format!("{dir}/logo.png"), 800, 310),
        ];
        m.streams = vec![
            hevc_hdr10(),
            ac3_51(),
            aac_stereo_commentary(),
            pgs_english(),
            external_forced_german_srt(dir, "Blade Runner 2049 (2017)"),
        ];
        m.chapters = vec![
            ChapterRecord {
                start_ticks: 0,
                name: Some("Opening".into()),
            },
            ChapterRecord {
                start_ticks: 6_000_000_000,
                name: Some("Chapter 2".into()),
            },
        ];
        m.fingerprint = 42;
        m
    }

    /// A Dolby Vision profile 8.1 (HDR10 base layer) MP4 with E-AC-3 Atmos.
    pub fn dolby_vision_movie() -> ItemRecord {
        let path = "/media/movies/Dune (2021)/Dune (2021).mp4";
        let mut m = ItemRecord::new(ItemKind::Movie, path, "Dune");
        m.path = Some(path.into());
        m.media_type = Some(MediaType::Video);
        m.container = Some("mov,mp4,m4a,3gp,3g2,mj2".into());
        m.size = Some(20_000_000_000);
        m.file_mtime = Some(T0 * 1_000_000_000);
        m.run_time_ticks = Some(93_500_000_000);
        m.streams = vec![
            StreamRecord {
                index: 0,
                kind: "Video".into(),
                codec: Some("hevc".into()),
                profile: Some("Main 10".into()),
                level: Some(150.0),
                width: Some(3840),
                height: Some(1608),
                average_frame_rate: Some(24.0),
                real_frame_rate: Some(24.0),
                pixel_format: Some("yuv420p10le".into()),
                bit_depth: Some(10),
                color_transfer: Some("smpte2084".into()),
                color_primaries: Some("bt2020".into()),
                color_space: Some("bt2020nc".into()),
                dv_profile: Some(8),
                bit_rate: Some(16_000_000),
                is_default: true,
                language: Some("und".into()),
                ..StreamRecord::default()
            },
            StreamRecord {
                index: 1,
                kind: "Audio".into(),
                codec: Some("eac3".into()),
                profile: Some("Dolby Digital Plus + Dolby Atmos".into()),
                channels: Some(6),
                channel_layout: Some("5.1(side)".into()),
                sample_rate: Some(48_000),
                bit_rate: Some(768_000),
                language: Some("eng".into()),
                is_default: true,
                ..StreamRecord::default()
            },
            StreamRecord {
                index: 2,
                kind: "Subtitle".into(),
                codec: Some("mov_text".into()),
                language: Some("fre".into()),
                ..StreamRecord::default()
            },
        ];
        m
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    fn video(w: i32, h: i32, codec: &str, transfer: Option<&str>, dv: Option<i32>) -> StreamRecord {
        StreamRecord {
            kind: "Video".into(),
            codec: Some(codec.into()),
            width: Some(w),
            height: Some(h),
            color_transfer: transfer.map(str::to_owned),
            dv_profile: dv,
            ..StreamRecord::default()
        }
    }

    #[test]
    fn display_titles() {
        let mut titled_video = video(1920, 1080, "h264", None, None);
        titled_video.title = Some("Main Feature 1080p".into());
        let cases: Vec<(StreamRecord, Option<&str>)> = vec![
            (
                video(1920, 1080, "h264", None, None),
                Some("1080p H264 SDR"),
            ),
            (
                video(1920, 800, "h264", Some("bt709"), None),
                Some("1080p H264 SDR"),
            ),
            (video(1280, 720, "vp9", None, None), Some("720p VP9 SDR")),
            (
                video(720, 576, "mpeg2video", None, None),
                Some("576p MPEG2VIDEO SDR"),
            ),
            (
                video(3840, 2160, "hevc", Some("smpte2084"), None),
                Some("4K HEVC HDR"),
            ),
            (
                video(3840, 2160, "hevc", Some("arib-std-b67"), None),
                Some("4K HEVC HDR"),
            ),
            (video(7680, 4320, "av1", None, None), Some("8K AV1 SDR")),
            (video(9000, 5000, "av1", None, None), Some("AV1 SDR")),
            (titled_video, Some("Main Feature 1080p - H264 - SDR")),
            (ac3_51(), Some("English - Dolby Digital - 5.1 - Default")),
            (
                StreamRecord {
                    kind: "Audio".into(),
                    codec: Some("aac".into()),
                    profile: Some("LC".into()),
                    channel_layout: Some("stereo".into()),
                    language: Some("eng".into()),
                    is_default: true,
                    ..StreamRecord::default()
                },
                Some("English - AAC - Stereo - Default"),
            ),
            (
                StreamRecord {
                    kind: "Audio".into(),
                    codec: Some("dts".into()),
                    profile: Some("DTS-HD MA".into()),
                    channels: Some(8),
                    language: Some("und".into()),
                    ..StreamRecord::default()
                },
                Some("DTS-HD MA - 8 ch"),
            ),
            (
                StreamRecord {
                    kind: "Audio".into(),
                    codec: Some("eac3".into()),
                    language: Some("fre".into()),
                    is_external: true,
                    ..StreamRecord::default()
                },
                Some("French - Dolby Digital+ - External"),
            ),
            (
                aac_stereo_commentary(),
                Some("Director's Commentary - English - AAC - Stereo"),
            ),
            (
                external_forced_german_srt("/m", "x"),
                Some("German - Forced - SUBRIP - External"),
            ),
            (pgs_english(), Some("English - PGSSUB")),
            (
                StreamRecord {
                    kind: "Subtitle".into(),
                    codec: Some("ass".into()),
                    is_default: true,
                    is_hearing_impaired: true,
                    ..StreamRecord::default()
                },
                Some("Und - Hearing Impaired - Default - ASS"),
            ),
            (
                StreamRecord {
                    kind: "Subtitle".into(),
                    codec: Some("subrip".into()),
                    language: Some("spa".into()),
                    title: Some("Spanish (Latin America)".into()),
                    ..StreamRecord::default()
                },
                Some("Spanish (Latin America) - SUBRIP"),
            ),
            (
                StreamRecord {
                    kind: "EmbeddedImage".into(),
                    codec: Some("mjpeg".into()),
                    ..StreamRecord::default()
                },
                None,
            ),
            (
                StreamRecord {
                    kind: "Lyric".into(),
                    codec: Some("lrc".into()),
                    is_external: true,
                    ..StreamRecord::default()
                },
                None,
            ),
        ];
        for (record, want) in cases {
            let got = media_stream(&record).display_title;
            assert_eq!(got.as_deref(), want, "{record:?}");
        }
    }

    #[test]
    fn video_range_types() {
        let cases: Vec<(StreamRecord, VideoRange, VideoRangeType)> = vec![
            (
                video(1920, 1080, "h264", None, None),
                VideoRange::SDR,
                VideoRangeType::SDR,
            ),
            (
                video(1920, 1080, "h264", Some("bt709"), None),
                VideoRange::SDR,
                VideoRangeType::SDR,
            ),
            (
                video(3840, 2160, "hevc", Some("smpte2084"), None),
                VideoRange::HDR,
                VideoRangeType::HDR10,
            ),
            (
                video(3840, 2160, "hevc", Some("SMPTE2084"), None),
                VideoRange::HDR,
                VideoRangeType::HDR10,
            ),
            (
                video(3840, 2160, "hevc", Some("arib-std-b67"), None),
                VideoRange::HDR,
                VideoRangeType::HLG,
            ),
            (
                video(3840, 2160, "hevc", None, Some(5)),
                VideoRange::HDR,
                VideoRangeType::DOVI,
            ),
            (
                video(3840, 2160, "hevc", Some("smpte2084"), Some(7)),
                VideoRange::HDR,
                VideoRangeType::HDR10,
            ),
            (
                video(3840, 2160, "hevc", Some("smpte2084"), Some(8)),
                VideoRange::HDR,
                VideoRangeType::DOVIWithHDR10,
            ),
            (
                video(3840, 2160, "hevc", Some("arib-std-b67"), Some(8)),
                VideoRange::HDR,
                VideoRangeType::DOVIWithHLG,
            ),
            (
                video(1920, 1080, "hevc", Some("bt709"), Some(8)),
                VideoRange::SDR,
                VideoRangeType::DOVIWithSDR,
            ),
            (
                video(1920, 1080, "hevc", None, Some(8)),
                VideoRange::SDR,
                VideoRangeType::SDR,
            ),
            (
                video(3840, 2160, "av1", None, Some(10)),
                VideoRange::HDR,
                VideoRangeType::DOVI,
            ),
            (
                video(3840, 2160, "av1", Some("smpte2084"), Some(10)),
                VideoRange::HDR,
                VideoRangeType::DOVIWithHDR10,
            ),
            // Profiles Jellyfin does not treat as Dolby Vision fall back to the transfer.
            (
                video(1920, 1080, "h264", Some("smpte2084"), Some(9)),
                VideoRange::HDR,
                VideoRangeType::HDR10,
            ),
            (ac3_51(), VideoRange::Unknown, VideoRangeType::Unknown),
            (pgs_english(), VideoRange::Unknown, VideoRangeType::Unknown),
        ];
        for (record, range, range_type) in cases {
            assert_eq!(video_range(&record), (range, range_type), "{record:?}");
        }
        let dv81 = video(3840, 2160, "hevc", Some("smpte2084"), Some(8));
        assert_eq!(
            media_stream(&dv81).video_do_vi_title.as_deref(),
            Some("DV Profile 8.1 (HDR10)")
        );
        let dv5 = video(3840, 2160, "hevc", None, Some(5));
        assert_eq!(
            media_stream(&dv5).video_do_vi_title.as_deref(),
            Some("DV Profile 5")
        );
        let dv7 = video(3840, 2160, "hevc", Some("smpte2084"), Some(7));
        assert_eq!(
            media_stream(&dv7).video_do_vi_title.as_deref(),
            Some("DV Profile 7.6")
        );
        let hdr10 = video(3840, 2160, "hevc", Some("smpte2084"), None);
        assert_eq!(media_stream(&hdr10).video_do_vi_title, None);
    }

    #[test]
    fn text_subtitle_streams() {
        let cases = [
            ("subrip", true),
            ("srt", true),
            ("ass", true),
            ("ssa", true),
            ("webvtt", true),
            ("vtt", true),
            ("mov_text", true),
            ("sami", true),
            ("microdvd", true),
            ("ttml", true),
            ("hdmv_pgs_subtitle", false),
            ("pgssub", false),
            ("PGSSUB", false),
            ("dvd_subtitle", false),
            ("dvdsub", false),
            ("dvb_subtitle", false),
            ("sup", false),
            ("sub", false),
        ];
        for (codec, text) in cases {
            let s = StreamRecord {
                kind: "Subtitle".into(),
                codec: Some(codec.into()),
                ..StreamRecord::default()
            };
            let m = media_stream(&s);
            assert_eq!(m.is_text_subtitle_stream, text, "{codec}");
            assert_eq!(m.supports_external_stream, text, "{codec}");
        }
        // Not a subtitle: never text.
        assert!(!media_stream(&ac3_51()).is_text_subtitle_stream);
        // An embedded subtitle with no codec is not text; an external one with no codec is.
        let unknown = StreamRecord {
            kind: "Subtitle".into(),
            ..StreamRecord::default()
        };
        assert!(!media_stream(&unknown).is_text_subtitle_stream);
        let external = StreamRecord {
            is_external: true,
            ..unknown
        };
        assert!(media_stream(&external).is_text_subtitle_stream);
        // External bitmap subtitles can still be served as files.
        let sup = StreamRecord {
            kind: "Subtitle".into(),
            codec: Some("pgssub".into()),
            is_external: true,
            ..StreamRecord::default()
        };
        let m = media_stream(&sup);
        assert!(!m.is_text_subtitle_stream && m.supports_external_stream);
    }

    #[test]
    fn containers() {
        let h264 = [video(1920, 1080, "h264", None, None), ac3_51()];
        let vp9 = [
            video(1920, 1080, "vp9", None, None),
            StreamRecord {
                kind: "Audio".into(),
                codec: Some("opus".into()),
                ..StreamRecord::default()
            },
        ];
        assert_eq!(normalize_container("matroska,webm", &h264), "mkv");
        assert_eq!(normalize_container("matroska,webm", &vp9), "mkv,webm");
        assert_eq!(normalize_container("mpegts", &h264), "ts");
        assert_eq!(normalize_container("mpegvideo", &h264), "mpeg");
        assert_eq!(
            normalize_container("mov,mp4,m4a,3gp,3g2,mj2", &h264),
            "mov,mp4,m4a,3gp,3g2,mj2"
        );
        assert_eq!(
            short_container("mov,mp4,m4a,3gp,3g2,mj2", Some("/a/b.mp4")),
            "mp4"
        );
        assert_eq!(
            short_container("mov,mp4,m4a,3gp,3g2,mj2", Some("/a/b.m4v")),
            "mov"
        );
        assert_eq!(short_container("mkv,webm", Some("/a/b.webm")), "webm");
        assert_eq!(short_container("mkv", Some("/a/b.mk3d")), "mkv");
        assert_eq!(short_container("mov,mp4", None), "mov");
    }

    #[test]
    fn default_stream_selection() {
        let movie = movie();
        let streams = media_streams(&movie);
        assert_eq!(default_audio_stream_index(&streams), Some(1));
        // The forced German subtitle: forced wins over everything else.
        assert_eq!(default_subtitle_stream_index(&streams), Some(4));
        // Without forced/default subtitles: off.
        let plain: Vec<MediaStream> = streams.iter().filter(|s| !s.is_forced).cloned().collect();
        assert_eq!(default_subtitle_stream_index(&plain), None);
        // A forced subtitle in the audio language beats an earlier forced one.
        let mut forced_en = media_stream(&pgs_english());
        forced_en.is_forced = true;
        let mut with_both = streams.clone();
        with_both.push(MediaStream {
            index: 9,
            ..forced_en
        });
        assert_eq!(default_subtitle_stream_index(&with_both), Some(9));
        // No default-flagged audio: the first audio stream.
        let no_default: Vec<MediaStream> = streams
            .iter()
            .cloned()
            .map(|mut s| {
                s.is_default = false;
                s
            })
            .collect();
        assert_eq!(default_audio_stream_index(&no_default), Some(1));
        let commentary_default: Vec<MediaStream> = no_default
            .iter()
            .cloned()
            .map(|mut s| {
                s.is_default = s.index == 2;
                s
            })
            .collect();
        assert_eq!(default_audio_stream_index(&commentary_default), Some(2));
    }

    #[test]
    fn language_names() {
        for (code, name) in [
            ("eng", "English"),
            ("ger", "German"),
            ("deu", "German"),
            ("fre", "French"),
            ("spa", "Spanish"),
            ("gre", "Greek"),
            ("en", "English"),
            ("xyz", "Xyz"),
        ] {
            assert_eq!(language_display_name(code), name, "{code}");
        }
    }

    #[test]
    fn hdr10_movie_media_source() {
        let movie = movie();
        let flags = SourceFlags {
            subtitle_delivery: Some(SubtitleDelivery {
                api_key: Some("0123456789abcdef0123456789abcdef".into()),
                profiles: vec![playback::SubtitleProfile {
                    format: "vtt".into(),
                    method: playback::SubtitleMethod::External,
                    language: String::new(),
                    container: String::new(),
                }],
                transcoding: false,
            }),
            ..SourceFlags::default()
        };
        let sources = media_sources(&movie, &[], flags);
        assert_eq!(sources.len(), 1);
        let s = &sources[0];
        assert_eq!(s.id.as_deref(), Some(movie.id.unwrap().to_n().as_str()));
        assert_eq!(s.container.as_deref(), Some("mkv"));
        assert_eq!(s.name.as_deref(), Some("Blade Runner 2049 (2017)"));
        insta::assert_json_snapshot!("media_source_hdr10_movie", sources);
    }

    #[test]
    fn dolby_vision_media_source() {
        let movie = dolby_vision_movie();
        let sources = media_sources(&movie, &[], SourceFlags::default());
        let video = &sources[0].media_streams[0];
        assert_eq!(video.video_range, VideoRange::HDR);
        assert_eq!(video.video_range_type, VideoRangeType::DOVIWithHDR10);
        assert_eq!(
            sources[0].media_streams[1].audio_spatial_format,
            AudioSpatialFormat::DolbyAtmos
        );
        // Bitrate inferred from the streams when the container has none.
        assert_eq!(sources[0].bitrate, Some(16_768_000));
        insta::assert_json_snapshot!("media_source_dolby_vision", sources);
    }

    #[test]
    fn alternate_versions() {
        let dir = "/media/movies/Heat (1995)";
        let mut primary = ItemRecord::new(
            ItemKind::Movie,
            &format!("{dir}/Heat (1995) - 1080p.mkv"),
            "Heat",
        );
        primary.path = Some(format!("{dir}/Heat (1995) - 1080p.mkv"));
        primary.media_type = Some(MediaType::Video);
        primary.container = Some("matroska,webm".into());
        primary.streams = vec![video(1920, 1080, "h264", None, None)];
        let mut uhd = ItemRecord::new(
            ItemKind::Movie,
            &format!("{dir}/Heat (1995) - 2160p.mkv"),
            "Heat",
        );
        uhd.path = Some(format!("{dir}/Heat (1995) - 2160p.mkv"));
        uhd.media_type = Some(MediaType::Video);
        uhd.primary_version_id = primary.id;
        uhd.streams = vec![video(3840, 2160, "hevc", Some("smpte2084"), None)];
        let mut iso = ItemRecord::new(
            ItemKind::Movie,
            &format!("{dir}/Heat (1995) - Director's Cut.iso"),
            "Heat",
        );
        iso.path = Some(format!("{dir}/Heat (1995) - Director's Cut.iso"));
        iso.media_type = Some(MediaType::Video);
        iso.video_type = Some("Iso".into());
        let sources = media_sources(
            &primary,
            &[iso.clone(), uhd.clone()],
            SourceFlags::default(),
        );
        let names: Vec<_> = sources.iter().map(|s| s.name.clone().unwrap()).collect();
        assert_eq!(names, ["2160p", "1080p", "Director's Cut/ISO"]);
        assert_eq!(sources[0].id, uhd.id.map(|i| i.to_n()));
        assert_eq!(sources[1].id, primary.id.map(|i| i.to_n()));
        // Container falls back to the extension when the probe gave none.
        assert_eq!(sources[2].container.as_deref(), Some("iso"));
        assert!(!sources[2].supports_direct_stream);
        // Without alternates the name is the whole file name.
        let alone = media_sources(&primary, &[], SourceFlags::default());
        assert_eq!(alone[0].name.as_deref(), Some("Heat (1995) - 1080p"));
    }

    #[test]
    fn subtitle_deliveries_follow_the_profiles() {
        let mut item = movie();
        let embedded = |index: i32, codec: &str| StreamRecord {
            index,
            kind: "Subtitle".into(),
            codec: Some(codec.into()),
            language: Some("eng".into()),
            ..StreamRecord::default()
        };
        // 3: PGS, 4: external SubRip, 5: embedded SubRip, 6: embedded ASS.
        item.streams.push(embedded(5, "subrip"));
        item.streams.push(embedded(6, "ass"));
        let profile = |format: &str, method| playback::SubtitleProfile {
            format: format.into(),
            method,
            language: String::new(),
            container: String::new(),
        };
        let web = vec![profile("vtt", playback::SubtitleMethod::External)];
        let libass = vec![
            profile("vtt", playback::SubtitleMethod::External),
            profile("ass", playback::SubtitleMethod::External),
        ];
        let tv = vec![
            profile("subrip", playback::SubtitleMethod::Embed),
            profile("srt", playback::SubtitleMethod::External),
        ];
        type Want = (i32, Option<SubtitleDeliveryMethod>, Option<&'static str>);
        use SubtitleDeliveryMethod::{Embed, Encode, External};
        let id = item.id.unwrap();
        let url = |index: i32, format: &str| {
            subtitle_delivery_url(id, &id.to_n(), index, format, Some("tok"))
        };
        let cases: Vec<(Vec<playback::SubtitleProfile>, Vec<Want>)> = vec![
            // No profiles: text as WebVTT (ASS as it is), pictures burned in.
            (
                vec![],
                vec![
                    (3, Some(Encode), None),
                    (4, Some(External), Some("vtt")),
                    (5, Some(External), Some("vtt")),
                    (6, Some(External), Some("ass")),
                ],
            ),
            // A browser: ASS cannot become WebVTT, so it is burned in.
            (
                web,
                vec![
                    (3, Some(Encode), None),
                    (4, Some(External), Some("vtt")),
                    (5, Some(External), Some("vtt")),
                    (6, Some(Encode), None),
                ],
            ),
            (
                libass,
                vec![
                    (3, Some(Encode), None),
                    (4, Some(External), Some("vtt")),
                    (5, Some(External), Some("vtt")),
                    (6, Some(External), Some("ass")),
                ],
            ),
            // A player reading the container keeps embedded SubRip there.
            (
                tv,
                vec![
                    (3, Some(Encode), None),
                    (4, Some(External), Some("srt")),
                    (5, Some(Embed), None),
                    (6, Some(Encode), None),
                ],
            ),
        ];
        for (profiles, want) in cases {
            let flags = SourceFlags {
                subtitle_delivery: Some(SubtitleDelivery {
                    api_key: Some("tok".into()),
                    profiles: profiles.clone(),
                    transcoding: false,
                }),
                ..SourceFlags::default()
            };
            let sources = media_sources(&item, &[], flags);
            let got: Vec<(i32, Option<SubtitleDeliveryMethod>, Option<String>)> = sources[0]
                .media_streams
                .iter()
                .filter(|s| s.stream_type == MediaStreamType::Subtitle)
                .map(|s| (s.index, s.delivery_method, s.delivery_url.clone()))
                .collect();
            let want: Vec<(i32, Option<SubtitleDeliveryMethod>, Option<String>)> = want
                .into_iter()
                .map(|(i, m, f)| (i, m, f.map(|f| url(i, f))))
                .collect();
            assert_eq!(got, want, "{profiles:?}");
        }
        // Without subtitle delivery (item details), nothing is set.
        let plain = media_sources(&item, &[], SourceFlags::default());
        assert!(plain[0]
            .media_streams
            .iter()
            .all(|s| s.delivery_method.is_none() && s.delivery_url.is_none()));
    }

    /// The HEVC 10-bit + AC-3 + AAC template of make-library, as the store holds it.
    fn hevc_template() -> ItemRecord {
        let path = "/media/movies/Comet (1961)/Comet (1961).mkv";
        let mut item = ItemRecord::new(ItemKind::Movie, path, "Comet");
        item.path = Some(path.into());
        item.media_type = Some(MediaType::Video);
        item.container = Some("matroska,webm".into());
        item.bitrate = Some(733_672);
        item.file_mtime = Some(T0 * 1_000_000_000);
        item.streams = vec![
            StreamRecord {
                index: 0,
                kind: "Video".into(),
                codec: Some("hevc".into()),
                profile: Some("Main 10".into()),
                level: Some(60.0),
                width: Some(320),
                height: Some(180),
                bit_depth: Some(10),
                average_frame_rate: Some(24.0),
                real_frame_rate: Some(24.0),
                ..StreamRecord::default()
            },
            StreamRecord {
                index: 1,
                kind: "Audio".into(),
                codec: Some("ac3".into()),
                channels: Some(6),
                channel_layout: Some("5.1(side)".into()),
                sample_rate: Some(48_000),
                bit_rate: Some(448_000),
                is_default: true,
                ..StreamRecord::default()
            },
            StreamRecord {
                index: 2,
                kind: "Audio".into(),
                codec: Some("aac".into()),
                profile: Some("LC".into()),
                channels: Some(1),
                sample_rate: Some(48_000),
                ..StreamRecord::default()
            },
        ];
        item
    }

    #[test]
    fn transcoding_url_for_a_browser() {
        let text = include_str!("../../../core/tests/fixtures/profiles/chromium.json");
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        let profile = playback::DeviceProfile::from_json(&value).unwrap();
        let item = hevc_template();
        let id = item.id.unwrap();
        let decision = playback::decide(
            &playback::SourceFacts::from_item(&item),
            &profile,
            &playback::PlaybackOptions::default(),
            &playback::EncoderSupport::default(),
        );
        let flags = SourceFlags {
            subtitle_delivery: Some(SubtitleDelivery {
                api_key: Some("tok".into()),
                profiles: profile.subtitle_profiles.clone(),
                transcoding: false,
            }),
            playback: Some(PlaybackSources {
                decisions: vec![(id.to_n(), decision)],
                device_id: Some("web device=".into()),
                play_session_id: "5e55".into(),
                api_key: Some("tok".into()),
                item_id: Some(id),
            }),
            ..SourceFlags::default()
        };
        let sources = media_sources(&item, &[], flags);
        let s = &sources[0];
        assert!(!s.supports_direct_play && !s.supports_direct_stream && s.supports_transcoding);
        assert_eq!(s.transcoding_sub_protocol, MediaStreamProtocol::Hls);
        assert_eq!(s.transcoding_container.as_deref(), Some("mp4"));
        assert_eq!(s.container.as_deref(), Some("mkv"));
        assert_eq!(s.default_audio_stream_index, Some(1));
        let url = s.transcoding_url.as_deref().unwrap();
        let dashed = dashed(id);
        let n = id.to_n();
        let tag = s.e_tag.clone().unwrap();
        assert_eq!(
            url,
            format!(
                "/videos/{dashed}/master.m3u8?DeviceId=web%20device%3D&MediaSourceId={n}\
                 &VideoCodec=av1,h264,vp9&AudioCodec=aac,opus,flac&AudioStreamIndex=1\
                 &VideoBitrate=119616000&AudioBitrate=384000&MaxFramerate=24\
                 &PlaySessionId=5e55&ApiKey=tok&TranscodingMaxAudioChannels=2&RequireAvc=false\
                 &EnableAudioVbrEncoding=true&Tag={tag}&SegmentContainer=mp4&MinSegments=1\
                 &BreakOnNonKeyFrames=True&hevc-level=60&hevc-videobitdepth=10\
                 &hevc-profile=main10&av1-profile=main&av1-rangetype=SDR,HDR10,HLG&av1-level=19\
                 &vp9-rangetype=SDR,HDR10,HLG&h264-profile=high,main,baseline,constrainedbaseline,high10\
                 &h264-rangetype=SDR&h264-level=52&h264-deinterlace=true\
                 &TranscodeReasons=ContainerNotSupported,%20VideoCodecNotSupported,%20AudioCodecNotSupported"
            )
        );
        // The request's refusals follow Jellyfin's parameters.
        let mut plan = playback::decide(
            &playback::SourceFacts::from_item(&item),
            &profile,
            &playback::PlaybackOptions {
                allow_audio_stream_copy: false,
                start_time_ticks: 5_000_000,
                ..playback::PlaybackOptions::default()
            },
            &playback::EncoderSupport::default(),
        )
        .transcode
        .unwrap();
        let parts = TranscodingUrlParts {
            item_id: id,
            media_source_id: &n,
            device_id: None,
            play_session_id: "p",
            api_key: None,
            tag: None,
        };
        let hls = transcoding_url_of(&plan, &parts);
        assert!(hls.ends_with("&allowAudioStreamCopy=false"), "{hls}");
        assert!(
            !hls.contains("StartTimeTicks"),
            "HLS starts by segment: {hls}"
        );
        plan.protocol = playback::StreamProtocol::Http;
        let progressive = transcoding_url_of(&plan, &parts);
        assert!(progressive.starts_with(&format!("/videos/{dashed}/stream.mp4?")));
        assert!(
            progressive.contains("&StartTimeTicks=5000000&"),
            "{progressive}"
        );
        assert!(!progressive.contains("SegmentContainer"));
    }

    #[test]
    fn delivery_urls() {
        let id = ItemId::parse("0123456789abcdef0123456789abcdef").unwrap();
        assert_eq!(
            subtitle_delivery_url(id, &id.to_n(), 4, "vtt", Some("tok")),
            "/Videos/01234567-89ab-cdef-0123-456789abcdef/0123456789abcdef0123456789abcdef/Subtitles/4/0/Stream.vtt?ApiKey=tok"
        );
        assert_eq!(subtitle_file_format("subrip"), "srt");
        assert_eq!(subtitle_file_format("webvtt"), "vtt");
        assert_eq!(subtitle_file_format("ass"), "ass");
    }
}
