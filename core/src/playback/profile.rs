//! A client's `DeviceProfile` (Jellyfin's `MediaBrowser.Model.Dlna.DeviceProfile`): what it plays
//! as is (`DirectPlayProfiles`), what it wants when it cannot (`TranscodingProfiles`), the limits
//! on codecs and containers (`CodecProfiles`, `ContainerProfiles` with their conditions), how it
//! takes subtitles (`SubtitleProfiles`) and its bitrate limits.
//!
//! [`DeviceProfile::from_json`] reads the object a client posts, leniently: property names in
//! any case, numbers as JSON numbers or strings, comma lists as strings or arrays, unknown enum
//! values ignored (an entry with an unknown `Type` is dropped; a condition with an unknown
//! `Condition` or `Property` is dropped, which is what Jellyfin's condition processor does with
//! a property it does not evaluate: it holds).

use serde_json::{Map, Value};

use super::subtitle::{SubtitleMethod, SubtitleProfile};
use super::{contains_container, split_list};

macro_rules! named_enum {
    ($(#[$m:meta])* $t:ident { $($(#[$vm:meta])* $v:ident),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $t { $($(#[$vm])* $v),* }

        impl $t {
            /// Every value, in Jellyfin's declaration order.
            pub const ALL: &'static [$t] = &[$($t::$v),*];

            /// Jellyfin's name.
            pub fn name(self) -> &'static str {
                match self { $(Self::$v => stringify!($v)),* }
            }

            /// Parses Jellyfin's name, ignoring case and surrounding space.
            pub fn from_name(name: &str) -> Option<Self> {
                let name = name.trim();
                Self::ALL.iter().copied().find(|v| v.name().eq_ignore_ascii_case(name))
            }
        }
    };
}
pub(crate) use named_enum;

named_enum!(
    /// `DlnaProfileType`: the kind of media a profile entry is about.
    ProfileMediaKind {
        /// Audio files.
        Audio,
        /// Video files.
        Video,
        /// Pictures.
        Photo,
        /// Subtitles.
        Subtitle,
        /// Lyrics.
        Lyric,
    }
);

named_enum!(
    /// `EncodingContext`: streaming to a player, or a static file (download, sync).
    EncodingContext {
        /// Played while it is produced.
        Streaming,
        /// Produced whole, then fetched.
        Static,
    }
);

named_enum!(
    /// `MediaStreamProtocol`: how a transcode is delivered.
    StreamProtocol {
        /// One progressive HTTP response.
        Http,
        /// An HLS playlist of segments.
        Hls,
    }
);

named_enum!(
    /// `TranscodeSeekInfo`.
    TranscodeSeekInfo {
        /// Seeking by time.
        Auto,
        /// Seeking by byte ranges.
        Bytes,
    }
);

named_enum!(
    /// `CodecType`: which stream a codec profile constrains.
    CodecType {
        /// The video stream.
        Video,
        /// The audio stream of a video.
        VideoAudio,
        /// The stream of an audio file.
        Audio,
    }
);

named_enum!(
    /// `ProfileConditionType`.
    ConditionType {
        /// Equal (case-insensitive for text).
        Equals,
        /// Not equal.
        NotEquals,
        /// At most.
        LessThanEqual,
        /// At least.
        GreaterThanEqual,
        /// One of a `|`-separated list.
        EqualsAny,
    }
);

named_enum!(
    /// `ProfileConditionValue`: the property a condition tests.
    ConditionProperty {
        /// Audio channel count.
        AudioChannels,
        /// Audio bit rate.
        AudioBitrate,
        /// Audio codec profile (`LC`, `HE-AAC`).
        AudioProfile,
        /// Video width.
        Width,
        /// Video height.
        Height,
        /// MP4 64-bit offsets (not evaluated).
        Has64BitOffsets,
        /// MPEG-TS packet length (unknown here).
        PacketLength,
        /// Video bit depth.
        VideoBitDepth,
        /// Video bit rate.
        VideoBitrate,
        /// Video frame rate.
        VideoFramerate,
        /// Video codec level.
        VideoLevel,
        /// Video codec profile (`high`, `main 10`).
        VideoProfile,
        /// MPEG-TS timestamps (unknown here).
        VideoTimestamp,
        /// Non-square pixels.
        IsAnamorphic,
        /// Reference frames.
        RefFrames,
        /// Number of audio streams.
        NumAudioStreams,
        /// Number of video streams.
        NumVideoStreams,
        /// The audio stream is not the file's first.
        IsSecondaryAudio,
        /// Codec tag (`hvc1`, `hev1`, `avc1`).
        VideoCodecTag,
        /// H.264 in AVC (not Annex B) form.
        IsAvc,
        /// Interlaced video.
        IsInterlaced,
        /// Audio sample rate.
        AudioSampleRate,
        /// Audio bit depth.
        AudioBitDepth,
        /// SDR/HDR kind ([`super::source::VideoRangeType`]).
        VideoRangeType,
        /// Number of streams in the file.
        NumStreams,
    }
);

/// One `ProfileCondition`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileCondition {
    /// The comparison.
    pub condition: ConditionType,
    /// What is compared.
    pub property: ConditionProperty,
    /// The value compared with (a number, a name, `true`/`false`, or a `|` list).
    pub value: String,
    /// Whether an unknown property value fails the condition (Jellyfin's default: true).
    pub is_required: bool,
}

/// One `DirectPlayProfile`: a container (list) with the codecs the client plays in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectPlayProfile {
    /// Containers (comma list; a leading `-` means "all but these"; empty: any).
    pub container: String,
    /// Video or audio.
    pub kind: ProfileMediaKind,
    /// Video codecs (comma list; empty: any).
    pub video_codec: String,
    /// Audio codecs (comma list; empty: any).
    pub audio_codec: String,
}

impl DirectPlayProfile {
    /// Jellyfin's `SupportsContainer`: the profile names one of `container`'s names.
    pub fn supports_container(&self, container: Option<&str>) -> bool {
        contains_container(&self.container, container)
    }

    /// Jellyfin's `SupportsVideoCodec`: a video profile naming `codec` (or naming none).
    pub fn supports_video_codec(&self, codec: Option<&str>) -> bool {
        self.kind == ProfileMediaKind::Video && contains_container(&self.video_codec, codec)
    }

    /// Jellyfin's `SupportsAudioCodec`: an audio or video profile naming `codec` (or none).
    pub fn supports_audio_codec(&self, codec: Option<&str>) -> bool {
        matches!(self.kind, ProfileMediaKind::Audio | ProfileMediaKind::Video)
            && contains_container(&self.audio_codec, codec)
    }
}

/// One `TranscodingProfile`: what the client wants when it cannot play the file as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscodingProfile {
    /// Output container (`ts`, `mp4`, `aac`, `webm`...).
    pub container: String,
    /// Video or audio.
    pub kind: ProfileMediaKind,
    /// Acceptable video codecs, preferred first (comma list).
    pub video_codec: String,
    /// Acceptable audio codecs, preferred first (comma list).
    pub audio_codec: String,
    /// `hls` or progressive `http`.
    pub protocol: StreamProtocol,
    /// Streaming or static.
    pub context: EncodingContext,
    /// `EstimateContentLength`.
    pub estimate_content_length: bool,
    /// `EnableMpegtsM2TsMode`.
    pub enable_mpegts_m2ts_mode: bool,
    /// `TranscodeSeekInfo`.
    pub transcode_seek_info: TranscodeSeekInfo,
    /// `CopyTimestamps`.
    pub copy_timestamps: bool,
    /// `EnableSubtitlesInManifest`.
    pub enable_subtitles_in_manifest: bool,
    /// `MaxAudioChannels` (a string in Jellyfin's model; unparsable values are ignored).
    pub max_audio_channels: Option<i32>,
    /// `MinSegments` (0: unset).
    pub min_segments: i32,
    /// `SegmentLength` in seconds (0: unset).
    pub segment_length: i32,
    /// `BreakOnNonKeyFrames`.
    pub break_on_non_key_frames: bool,
    /// `EnableAudioVbrEncoding` (Jellyfin's default: true).
    pub enable_audio_vbr_encoding: bool,
    /// Conditions applied to the transcode when the video must be encoded.
    pub conditions: Vec<ProfileCondition>,
}

/// One `CodecProfile`: conditions on a codec's streams (all codecs when `codec` is empty),
/// in some containers, active when its `apply_conditions` hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecProfile {
    /// Which stream.
    pub kind: CodecType,
    /// Codecs (comma list; empty: any).
    pub codec: String,
    /// Containers (comma list, `-` negation; empty: any).
    pub container: String,
    /// The container inside `hls` (`ts`/`mp4`) when `container` is `hls`.
    pub sub_container: String,
    /// What a stream must satisfy.
    pub conditions: Vec<ProfileCondition>,
    /// When the profile applies at all.
    pub apply_conditions: Vec<ProfileCondition>,
}

impl CodecProfile {
    /// Jellyfin's `ContainsAnyCodec`: the profile applies to one of `codecs` in `container`.
    /// With `use_sub_container`, a profile for container `hls` is matched by its sub-container.
    pub fn contains_any_codec(
        &self,
        codecs: &[String],
        container: Option<&str>,
        use_sub_container: bool,
    ) -> bool {
        let to_check = if use_sub_container && self.container.trim().eq_ignore_ascii_case("hls") {
            &self.sub_container
        } else {
            &self.container
        };
        if !contains_container(to_check, container) {
            return false;
        }
        let wanted = split_list(&self.codec);
        if wanted.is_empty() {
            return true;
        }
        codecs
            .iter()
            .any(|c| wanted.iter().any(|w| w.eq_ignore_ascii_case(c.trim())))
    }

    /// [`contains_any_codec`](Self::contains_any_codec) for one codec.
    pub fn contains_codec(
        &self,
        codec: Option<&str>,
        container: Option<&str>,
        use_sub_container: bool,
    ) -> bool {
        let codecs: Vec<String> = codec.map(split_list).unwrap_or_default();
        if codecs.is_empty() && !split_list(&self.codec).is_empty() {
            return false;
        }
        self.contains_any_codec(&codecs, container, use_sub_container)
    }
}

/// One `ContainerProfile`: conditions on files of some containers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerProfile {
    /// Video or audio.
    pub kind: ProfileMediaKind,
    /// Containers (comma list, `-` negation; empty: any).
    pub container: String,
    /// What the file must satisfy.
    pub conditions: Vec<ProfileCondition>,
}

impl ContainerProfile {
    /// Jellyfin's `ContainsContainer`.
    pub fn contains_container(&self, container: Option<&str>) -> bool {
        contains_container(&self.container, container)
    }
}

/// A client's device profile.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceProfile {
    /// `Name`.
    pub name: Option<String>,
    /// `Id` (echoed as `DeviceProfileId` in transcoding URLs).
    pub id: Option<String>,
    /// Bandwidth limit for streaming, bit/s.
    pub max_streaming_bitrate: Option<i64>,
    /// Limit for static files (downloads), bit/s.
    pub max_static_bitrate: Option<i64>,
    /// Bit rate for transcoded music when streaming.
    pub music_streaming_transcoding_bitrate: Option<i64>,
    /// Limit for static music files.
    pub max_static_music_bitrate: Option<i64>,
    /// What the client plays as it is.
    pub direct_play: Vec<DirectPlayProfile>,
    /// What the client wants otherwise, in preference order.
    pub transcoding: Vec<TranscodingProfile>,
    /// Conditions per container.
    pub container_profiles: Vec<ContainerProfile>,
    /// Conditions per codec.
    pub codec_profiles: Vec<CodecProfile>,
    /// How the client takes subtitles, by format (empty: the client said nothing).
    pub subtitle_profiles: Vec<SubtitleProfile>,
}

/// A property of a JSON object, its name matched ignoring case.
fn prop<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// A text property: strings as they are, numbers and booleans as text, arrays joined with `,`.
fn text(obj: &Map<String, Value>, name: &str) -> String {
    match prop(obj, name) {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.trim().to_owned()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(","),
        _ => String::new(),
    }
}

/// A whole number from a JSON number or a numeric string (fractions truncated).
fn number(obj: &Map<String, Value>, name: &str) -> Option<i64> {
    match prop(obj, name)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().map(|f| f as i64))
        }
        _ => None,
    }
}

/// A flag from a JSON boolean or `"true"`/`"false"`; `None` when absent or unreadable.
fn flag(obj: &Map<String, Value>, name: &str) -> Option<bool> {
    match prop(obj, name)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        Value::Number(n) => n.as_i64().map(|i| i != 0),
        _ => None,
    }
}

/// The objects of an array property.
fn objects<'a>(obj: &'a Map<String, Value>, name: &str) -> Vec<&'a Map<String, Value>> {
    match prop(obj, name) {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    }
}

fn conditions(obj: &Map<String, Value>, name: &str) -> Vec<ProfileCondition> {
    objects(obj, name)
        .into_iter()
        .filter_map(|c| {
            Some(ProfileCondition {
                condition: ConditionType::from_name(&text(c, "Condition"))?,
                property: ConditionProperty::from_name(&text(c, "Property"))?,
                value: text(c, "Value"),
                is_required: flag(c, "IsRequired").unwrap_or(true),
            })
        })
        .collect()
}

fn media_kind(obj: &Map<String, Value>) -> Option<ProfileMediaKind> {
    ProfileMediaKind::from_name(&text(obj, "Type"))
}

impl DeviceProfile {
    /// Reads a posted `DeviceProfile` object; `None` when `value` is not an object.
    pub fn from_json(value: &Value) -> Option<Self> {
        let obj = value.as_object()?;
        let direct_play = objects(obj, "DirectPlayProfiles")
            .into_iter()
            .filter_map(|p| {
                Some(DirectPlayProfile {
                    container: text(p, "Container"),
                    kind: media_kind(p)?,
                    video_codec: text(p, "VideoCodec"),
                    audio_codec: text(p, "AudioCodec"),
                })
            })
            .collect();
        let transcoding = objects(obj, "TranscodingProfiles")
            .into_iter()
            .filter_map(|p| {
                Some(TranscodingProfile {
                    container: text(p, "Container"),
                    kind: media_kind(p)?,
                    video_codec: text(p, "VideoCodec"),
                    audio_codec: text(p, "AudioCodec"),
                    protocol: StreamProtocol::from_name(&text(p, "Protocol"))
                        .unwrap_or(StreamProtocol::Http),
                    context: EncodingContext::from_name(&text(p, "Context"))
                        .unwrap_or(EncodingContext::Streaming),
                    estimate_content_length: flag(p, "EstimateContentLength").unwrap_or(false),
                    enable_mpegts_m2ts_mode: flag(p, "EnableMpegtsM2TsMode").unwrap_or(false),
                    transcode_seek_info: TranscodeSeekInfo::from_name(&text(
                        p,
                        "TranscodeSeekInfo",
                    ))
                    .unwrap_or(TranscodeSeekInfo::Auto),
                    copy_timestamps: flag(p, "CopyTimestamps").unwrap_or(false),
                    enable_subtitles_in_manifest: flag(p, "EnableSubtitlesInManifest")
                        .unwrap_or(false),
                    max_audio_channels: text(p, "MaxAudioChannels").parse::<i32>().ok(),
                    min_segments: number(p, "MinSegments")
                        .and_then(|n| i32::try_from(n).ok())
                        .unwrap_or(0),
                    segment_length: number(p, "SegmentLength")
                        .and_then(|n| i32::try_from(n).ok())
                        .unwrap_or(0),
                    break_on_non_key_frames: flag(p, "BreakOnNonKeyFrames").unwrap_or(false),
                    enable_audio_vbr_encoding: flag(p, "EnableAudioVbrEncoding").unwrap_or(true),
                    conditions: conditions(p, "Conditions"),
                })
            })
            .collect();
        let container_profiles = objects(obj, "ContainerProfiles")
            .into_iter()
            .filter_map(|p| {
                Some(ContainerProfile {
                    kind: media_kind(p)?,
                    container: text(p, "Container"),
                    conditions: conditions(p, "Conditions"),
                })
            })
            .collect();
        let codec_profiles = objects(obj, "CodecProfiles")
            .into_iter()
            .filter_map(|p| {
                Some(CodecProfile {
                    kind: CodecType::from_name(&text(p, "Type"))?,
                    codec: text(p, "Codec"),
                    container: text(p, "Container"),
                    sub_container: text(p, "SubContainer"),
                    conditions: conditions(p, "Conditions"),
                    apply_conditions: conditions(p, "ApplyConditions"),
                })
            })
            .collect();
        let subtitle_profiles = objects(obj, "SubtitleProfiles")
            .into_iter()
            .filter_map(|p| {
                Some(SubtitleProfile {
                    format: text(p, "Format"),
                    method: SubtitleMethod::parse(&text(p, "Method"))?,
                    language: text(p, "Language"),
                    container: text(p, "Container"),
                })
            })
            .filter(|p| !p.format.is_empty())
            .collect();
        let name = Some(text(obj, "Name")).filter(|s| !s.is_empty());
        let id = Some(text(obj, "Id")).filter(|s| !s.is_empty());
        Some(DeviceProfile {
            name,
            id,
            max_streaming_bitrate: number(obj, "MaxStreamingBitrate"),
            max_static_bitrate: number(obj, "MaxStaticBitrate"),
            music_streaming_transcoding_bitrate: number(obj, "MusicStreamingTranscodingBitrate"),
            max_static_music_bitrate: number(obj, "MaxStaticMusicBitrate"),
            direct_play,
            transcoding,
            container_profiles,
            codec_profiles,
            subtitle_profiles,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lenient_parsing() {
        let p = DeviceProfile::from_json(&json!({
            "maxstreamingbitrate": "8000000",
            "MaxStaticBitrate": 1.0e8,
            "DirectPlayProfiles": [
                {"Container": ["mp4", "m4v"], "Type": "video", "VideoCodec": "h264"},
                {"Container": "flac", "Type": "Audio"},
                {"Container": "x", "Type": "Hologram"},
                "not an object"
            ],
            "TranscodingProfiles": [{
                "Container": "ts", "Type": "Video", "Protocol": "HLS", "MinSegments": "2",
                "MaxAudioChannels": "6", "BreakOnNonKeyFrames": "true",
                "Conditions": [
                    {"Condition": "LessThanEqual", "Property": "Width", "Value": 1920},
                    {"Condition": "Between", "Property": "Width", "Value": "1"},
                    {"Condition": "Equals", "Property": "Smell", "Value": "1"}
                ]
            }],
            "CodecProfiles": [{"Type": "VideoAudio", "Codec": "aac", "Conditions": [
                {"Condition": "Equals", "Property": "IsSecondaryAudio", "Value": "false", "IsRequired": false}
            ]}, {"Type": "Nope"}],
            "SubtitleProfiles": [{"Format": "vtt", "Method": "external"}, {"Format": "x", "Method": "Carrier pigeon"}]
        }))
        .expect("object");
        assert_eq!(p.max_streaming_bitrate, Some(8_000_000));
        assert_eq!(p.max_static_bitrate, Some(100_000_000));
        assert_eq!(p.direct_play.len(), 2);
        assert_eq!(p.direct_play[0].container, "mp4,m4v");
        assert_eq!(p.direct_play[0].kind, ProfileMediaKind::Video);
        let t = &p.transcoding[0];
        assert_eq!(
            (
                t.protocol,
                t.min_segments,
                t.max_audio_channels,
                t.break_on_non_key_frames
            ),
            (StreamProtocol::Hls, 2, Some(6), true)
        );
        assert_eq!(t.context, EncodingContext::Streaming);
        assert!(t.enable_audio_vbr_encoding);
        assert_eq!(t.conditions.len(), 1);
        assert_eq!(t.conditions[0].value, "1920");
        assert!(t.conditions[0].is_required, "Jellyfin's default");
        assert_eq!(p.codec_profiles.len(), 1);
        assert!(!p.codec_profiles[0].conditions[0].is_required);
        assert_eq!(p.subtitle_profiles.len(), 1);
        assert!(DeviceProfile::from_json(&json!("profile")).is_none());
    }

    #[test]
    fn codec_profile_matching() {
        let cp = |codec: &str, container: &str, sub: &str| CodecProfile {
            kind: CodecType::Video,
            codec: codec.into(),
            container: container.into(),
            sub_container: sub.into(),
            conditions: Vec::new(),
            apply_conditions: Vec::new(),
        };
        let h264 = vec!["h264".to_owned()];
        assert!(cp("", "", "").contains_any_codec(&h264, Some("mkv"), false));
        assert!(cp("H264,hevc", "", "").contains_any_codec(&h264, Some("mkv"), false));
        assert!(!cp("hevc", "", "").contains_any_codec(&h264, Some("mkv"), false));
        assert!(!cp("h264", "mp4", "").contains_any_codec(&h264, Some("mkv"), false));
        assert!(cp("h264", "-mp4,ts", "").contains_any_codec(&h264, Some("mkv"), false));
        assert!(!cp("h264", "-mp4,ts", "").contains_any_codec(&h264, Some("ts"), false));
        // An `hls` profile is matched by its sub-container when the output is HLS.
        assert!(cp("h264", "hls", "mp4").contains_any_codec(&h264, Some("mp4"), true));
        assert!(!cp("h264", "hls", "mp4").contains_any_codec(&h264, Some("mp4"), false));
        assert!(!cp("h264", "", "").contains_codec(None, Some("mp4"), false));
        assert!(cp("", "", "").contains_codec(None, Some("mp4"), false));
    }
}
