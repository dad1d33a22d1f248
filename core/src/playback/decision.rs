//! The playback decision for one media source (Jellyfin's `StreamBuilder` with the
//! `MediaInfoHelper.SetDeviceSpecificData` wrapper that `PlaybackInfo` runs): direct play, or a
//! transcode described by a [`TranscodePlan`] (which streams are copied, which are encoded and
//! to what, bit rates, sizes, channels, and the `TranscodeReasons`), from the client's
//! [`DeviceProfile`] and the request's [`PlaybackOptions`].
//!
//! Jellyfin's order of work, followed here:
//! 1. Video: the direct-play profiles are ranked (a profile that plays the file wins; else the
//!    one whose failures are least severe: video codec, video conditions, audio codec, audio
//!    conditions, container), their failures are the reasons. Container and codec conditions,
//!    the audio candidates (the chosen stream, or all default streams / all streams of its
//!    language when the client chose none), secondary and external audio, and a subtitle that
//!    would have to be burned in all count. A file above the bit rate limit is not played
//!    directly (`ContainerBitrateExceedsLimit`); a disc folder never is.
//! 2. Otherwise the transcoding profiles of the media kind and context are ranked by what they
//!    let the transcoder copy (video copy with its codec conditions met, then audio copy), and
//!    the first best one is taken. Its codec lists are narrowed to what HLS carries, the codec
//!    profiles of the target codecs turn into limits (level, profile, bit depth, range, size,
//!    frame rate, channels), the audio stream is copied when one of the candidates fits, and
//!    the bit rates follow the client's limit (audio first, the rest for video, at least 64k).
//! 3. Audio files: direct play, a remux into `ts`/`mp4` when only the container is wrong, else
//!    the first audio transcoding profile (the universal audio case).
//!
//! As in Jellyfin 10.11, `SupportsDirectStream` equals `SupportsDirectPlay` (PlaybackInfo never
//! offers a static remux; a remux is a transcode that copies every stream). Deliberate
//! differences: `EnableTranscoding=false` offers only a plan that copies every stream (Jellyfin
//! would still hand out a re-encoding URL), and the user's permissions are checked per action
//! (video encode, audio encode, remux) rather than all-or-nothing.

use super::bitrate::{default_audio_bitrate, encoder_video_bitrate, max_audio_bitrate_for_total};
use super::conditions::{audio_satisfied, video_audio_satisfied, video_satisfied};
use super::conditions::{AudioValues, VideoValues};
use super::plan::{AudioAction, SourceDecision, SubtitleContext, TranscodePlan, VideoAction};
use super::profile::{
    CodecProfile, CodecType, ConditionProperty, ConditionType, DeviceProfile, DirectPlayProfile,
    EncodingContext, ProfileCondition, ProfileMediaKind, StreamProtocol, TranscodeSeekInfo,
    TranscodingProfile,
};
use super::reasons::{groups, TranscodeReason, TranscodeReasons};
use super::source::{SourceFacts, StreamFacts, StreamKind, VideoRangeType};
use super::subtitle::{
    subtitle_delivery, PlayMethod, SubtitleDelivery, SubtitleMethod, SubtitleStreamFacts,
};
use super::{contains_container, split_list};

/// Video codecs an HLS stream may carry (Jellyfin's `_supportedHlsVideoCodecs`).
const HLS_VIDEO_CODECS: [&str; 4] = ["h264", "hevc", "vp9", "av1"];
/// Audio codecs HLS carries in MPEG-TS segments.
const HLS_TS_AUDIO_CODECS: [&str; 4] = ["aac", "ac3", "eac3", "mp3"];
/// Audio codecs HLS carries in fMP4 segments.
const HLS_MP4_AUDIO_CODECS: [&str; 9] = [
    "aac", "ac3", "eac3", "mp3", "alac", "flac", "opus", "dts", "truehd",
];
/// Audio codecs the transcoder encodes to.
const ENCODABLE_AUDIO: [&str; 11] = [
    "aac",
    "mp3",
    "opus",
    "vorbis",
    "flac",
    "alac",
    "ac3",
    "eac3",
    "mp2",
    "wav",
    "pcm_s16le",
];

/// What the request adds to the profile (`PlaybackInfoDto` and its query twins).
#[derive(Debug, Clone, PartialEq)]
pub struct PlaybackOptions {
    /// `MaxStreamingBitrate` of the request; overrides the profile's.
    pub max_streaming_bitrate: Option<i64>,
    /// Where playback starts, in ticks.
    pub start_time_ticks: i64,
    /// The audio stream the client chose.
    pub audio_stream_index: Option<i32>,
    /// The subtitle stream the client chose (`-1`: none); `None`: the source's default.
    pub subtitle_stream_index: Option<i32>,
    /// The channel count the client's speakers take.
    pub max_audio_channels: Option<i32>,
    /// `EnableDirectPlay`.
    pub enable_direct_play: bool,
    /// `EnableDirectStream`.
    pub enable_direct_stream: bool,
    /// `EnableTranscoding`.
    pub enable_transcoding: bool,
    /// `AllowVideoStreamCopy`.
    pub allow_video_stream_copy: bool,
    /// `AllowAudioStreamCopy`.
    pub allow_audio_stream_copy: bool,
    /// `AlwaysBurnInSubtitleWhenTranscoding`.
    pub always_burn_in_subtitle_when_transcoding: bool,
    /// Streaming (PlaybackInfo) or static (downloads).
    pub context: EncodingContext,
    /// What the user may make the server do.
    pub permissions: PlaybackPermissions,
}

impl Default for PlaybackOptions {
    /// Jellyfin's defaults: everything enabled, streaming, no limits.
    fn default() -> Self {
        Self {
            max_streaming_bitrate: None,
            start_time_ticks: 0,
            audio_stream_index: None,
            subtitle_stream_index: None,
            max_audio_channels: None,
            enable_direct_play: true,
            enable_direct_stream: true,
            enable_transcoding: true,
            allow_video_stream_copy: true,
            allow_audio_stream_copy: true,
            always_burn_in_subtitle_when_transcoding: false,
            context: EncodingContext::Streaming,
            permissions: PlaybackPermissions::default(),
        }
    }
}

/// The user policy's playback permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaybackPermissions {
    /// `EnableAudioPlaybackTranscoding`.
    pub audio_transcoding: bool,
    /// `EnableVideoPlaybackTranscoding`.
    pub video_transcoding: bool,
    /// `EnablePlaybackRemuxing`.
    pub remuxing: bool,
}

impl Default for PlaybackPermissions {
    fn default() -> Self {
        Self {
            audio_transcoding: true,
            video_transcoding: true,
            remuxing: true,
        }
    }
}

/// What the server's encoder may produce (the `encoding` configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EncoderSupport {
    /// `AllowHevcEncoding` (Jellyfin's default: false).
    pub allow_hevc_encoding: bool,
    /// `AllowAv1Encoding` (Jellyfin's default: false).
    pub allow_av1_encoding: bool,
}

impl From<&crate::transcode::EncodingOptions> for EncoderSupport {
    /// `AllowHevcEncoding` and `AllowAv1Encoding` of the `encoding` configuration.
    fn from(options: &crate::transcode::EncodingOptions) -> Self {
        Self {
            allow_hevc_encoding: options.allow_hevc_encoding,
            allow_av1_encoding: options.allow_av1_encoding,
        }
    }
}

impl EncoderSupport {
    fn can_encode_video(&self, codec: &str, protocol: StreamProtocol) -> bool {
        match codec.to_ascii_lowercase().as_str() {
            "h264" => true,
            "hevc" | "h265" => self.allow_hevc_encoding,
            "av1" => self.allow_av1_encoding,
            "vp8" | "vp9" | "mpeg4" => protocol == StreamProtocol::Http,
            _ => false,
        }
    }
}

/// .NET's invariant formatting of a double (`60`, `5.1`).
fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn eq_ci(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// Jellyfin's `StreamInfo` while it is being built.
#[derive(Debug, Clone)]
struct Work {
    media_kind: ProfileMediaKind,
    play_method: PlayMethod,
    container: Option<String>,
    protocol: StreamProtocol,
    video_codecs: Vec<String>,
    audio_codecs: Vec<String>,
    audio_stream_index: Option<i32>,
    subtitle_stream_index: Option<i32>,
    subtitle: Option<SubtitleDelivery>,
    subtitle_codecs: Vec<String>,
    transcoding_max_audio_channels: Option<i32>,
    global_max_audio_channels: Option<i32>,
    audio_bitrate: Option<i64>,
    audio_sample_rate: Option<i32>,
    video_bitrate: Option<i64>,
    max_width: Option<i32>,
    max_height: Option<i32>,
    max_framerate: Option<f32>,
    min_segments: Option<i32>,
    segment_length: Option<i32>,
    break_on_non_key_frames: bool,
    require_avc: bool,
    require_non_anamorphic: bool,
    copy_timestamps: bool,
    enable_subtitles_in_manifest: bool,
    enable_mpegts_m2ts_mode: bool,
    estimate_content_length: bool,
    enable_audio_vbr_encoding: bool,
    transcode_seek_info: TranscodeSeekInfo,
    options: Vec<(String, String)>,
    reasons: TranscodeReasons,
    /// Jellyfin's `MediaSourceInfo.TranscodingContainer` was set (a transcoding or remux
    /// container was chosen).
    has_transcoding_container: bool,
}

impl Work {
    fn new(media_kind: ProfileMediaKind) -> Self {
        Self {
            media_kind,
            play_method: PlayMethod::Transcode,
            container: None,
            protocol: StreamProtocol::Http,
            video_codecs: Vec::new(),
            audio_codecs: Vec::new(),
            audio_stream_index: None,
            subtitle_stream_index: None,
            subtitle: None,
            subtitle_codecs: Vec::new(),
            transcoding_max_audio_channels: None,
            global_max_audio_channels: None,
            audio_bitrate: None,
            audio_sample_rate: None,
            video_bitrate: None,
            max_width: None,
            max_height: None,
            max_framerate: None,
            min_segments: None,
            segment_length: None,
            break_on_non_key_frames: false,
            require_avc: false,
            require_non_anamorphic: false,
            copy_timestamps: false,
            enable_subtitles_in_manifest: false,
            enable_mpegts_m2ts_mode: false,
            estimate_content_length: false,
            enable_audio_vbr_encoding: true,
            transcode_seek_info: TranscodeSeekInfo::Auto,
            options: Vec::new(),
            reasons: TranscodeReasons::NONE,
            has_transcoding_container: false,
        }
    }

    fn key(qualifier: Option<&str>, name: &str) -> String {
        match qualifier.filter(|q| !q.is_empty()) {
            Some(q) => format!("{q}-{name}"),
            None => name.to_owned(),
        }
    }

    fn set_option(&mut self, qualifier: Option<&str>, name: &str, value: String) {
        let key = Self::key(qualifier, name);
        match self
            .options
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(&key))
        {
            Some(slot) => slot.1 = value,
            None => self.options.push((key, value)),
        }
    }

    fn raw_option(&self, key: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    /// Jellyfin's `GetOption(qualifier, name)`: the qualified option, else the plain one.
    fn option(&self, qualifier: Option<&str>, name: &str) -> Option<&str> {
        self.raw_option(&format!("{}-{name}", qualifier.unwrap_or("")))
            .filter(|v| !v.is_empty())
            .or_else(|| self.raw_option(name))
    }

    fn option_f64(&self, qualifier: Option<&str>, name: &str) -> Option<f64> {
        self.option(qualifier, name)?.trim().parse().ok()
    }

    /// Jellyfin's `GetTargetAudioChannels`.
    fn target_audio_channels(&self, codec: Option<&str>) -> Option<i32> {
        let default = self
            .global_max_audio_channels
            .or(self.transcoding_max_audio_channels);
        match self.option(codec, "audiochannels") {
            None | Some("") => default,
            Some(v) => match v.trim().parse::<i32>() {
                Ok(n) => Some(default.map_or(n, |d| n.min(d))),
                Err(_) => default,
            },
        }
    }

    fn is_direct(&self) -> bool {
        matches!(
            self.play_method,
            PlayMethod::DirectPlay | PlayMethod::DirectStream
        )
    }
}

/// The decision for `source`.
pub fn decide(
    source: &SourceFacts,
    profile: &DeviceProfile,
    options: &PlaybackOptions,
    encoder: &EncoderSupport,
) -> SourceDecision {
    Builder {
        source,
        profile,
        options,
        encoder,
    }
    .run()
}

/// The decision for a client that sent no profile: everything plays directly, as in Jellyfin.
pub fn decide_without_profile(source: &SourceFacts, options: &PlaybackOptions) -> SourceDecision {
    let container = source.container.clone();
    SourceDecision {
        supports_direct_play: true,
        supports_direct_stream: true,
        supports_transcoding: options.enable_transcoding && {
            let p = options.permissions;
            if source.is_audio {
                p.audio_transcoding
            } else {
                p.audio_transcoding || p.video_transcoding || p.remuxing
            }
        },
        method: Some(PlayMethod::DirectPlay),
        transcode: None,
        reasons: TranscodeReasons::NONE,
        container: container.clone(),
        audio_stream_index: source.default_audio_index,
        subtitles: SubtitleContext {
            play_method: PlayMethod::DirectPlay,
            container: container.as_deref().map(split_list).unwrap_or_default(),
            protocol: None,
            start_position_ticks: 0,
        },
    }
}

struct Builder<'a> {
    source: &'a SourceFacts,
    profile: &'a DeviceProfile,
    options: &'a PlaybackOptions,
    encoder: &'a EncoderSupport,
}

/// A ranked direct-play profile (`GetVideoDirectPlayProfile`).
struct Analysis {
    profile: usize,
    method: Option<PlayMethod>,
    audio_index: Option<i32>,
    reasons: TranscodeReasons,
    order: usize,
    rank: usize,
}

impl<'a> Builder<'a> {
    fn item_supports_direct_play(&self) -> bool {
        self.options.enable_direct_play
    }

    fn item_supports_direct_stream(&self) -> bool {
        self.options.enable_direct_stream && self.options.allow_video_stream_copy
    }

    fn item_supports_transcoding(&self) -> bool {
        self.options.enable_transcoding
    }

    /// Jellyfin's `MediaOptions.GetMaxBitrate`.
    fn max_bitrate(&self, is_audio: bool) -> Option<i64> {
        if let Some(max) = self.options.max_streaming_bitrate {
            return Some(max);
        }
        match self.options.context {
            EncodingContext::Static => {
                if is_audio && self.profile.max_static_music_bitrate.is_some() {
                    self.profile.max_static_music_bitrate
                } else {
                    self.profile.max_static_bitrate
                }
            }
            EncodingContext::Streaming => self.profile.max_streaming_bitrate,
        }
    }

    /// Jellyfin's `IsBitrateLimitExceeded` (an unknown bit rate counts as 40 Mbit/s).
    fn bitrate_exceeded(&self, max: Option<i64>) -> bool {
        let requested = max.filter(|m| *m > 0).unwrap_or(i64::from(i32::MAX));
        self.source.bitrate.unwrap_or(40_000_000) > requested
    }

    fn container(&self) -> Option<&'a str> {
        self.source.container.as_deref()
    }

    /// Jellyfin's `NormalizeMediaSourceFormatIntoSingleContainer`.
    fn single_container(
        &self,
        kind: ProfileMediaKind,
        play_profile: Option<&DirectPlayProfile>,
    ) -> Option<String> {
        let input = self.container()?;
        if !input.contains(',') {
            return Some(input.to_owned());
        }
        let profiles: Vec<&DirectPlayProfile> = match play_profile {
            Some(p) => vec![p],
            None => self.profile.direct_play.iter().collect(),
        };
        split_list(input)
            .into_iter()
            .find(|format| {
                profiles
                    .iter()
                    .any(|p| p.kind == kind && p.supports_container(Some(format)))
            })
            .or_else(|| Some(input.to_owned()))
    }

    fn video_values(&self, v: Option<&'a StreamFacts>) -> VideoValues<'a> {
        let Some(v) = v else {
            return VideoValues {
                num_video_streams: self.source.stream_count(StreamKind::Video),
                num_audio_streams: self.source.stream_count(StreamKind::Audio),
                num_streams: Some(self.source.streams.len() as i32),
                ..VideoValues::default()
            };
        };
        VideoValues {
            width: v.width,
            height: v.height,
            bit_depth: v.bit_depth,
            bitrate: v.bit_rate,
            profile: v.profile.as_deref(),
            range_type: Some(v.range_type),
            level: v.level,
            framerate: v.reference_frame_rate().unwrap_or(0.0),
            is_anamorphic: v.is_anamorphic,
            is_interlaced: Some(v.is_interlaced),
            ref_frames: v.ref_frames,
            num_video_streams: self.source.stream_count(StreamKind::Video),
            num_audio_streams: self.source.stream_count(StreamKind::Audio),
            num_streams: Some(self.source.streams.len() as i32),
            codec_tag: v.codec_tag.as_deref(),
            is_avc: v.is_avc,
        }
    }

    fn audio_values(&self, a: &'a StreamFacts, is_secondary: Option<bool>) -> AudioValues<'a> {
        AudioValues {
            channels: a.channels,
            bitrate: a.bit_rate,
            sample_rate: a.sample_rate,
            bit_depth: None,
            profile: a.profile.as_deref(),
            is_secondary,
        }
    }

    fn reasons_for(conditions: &[&ProfileCondition]) -> TranscodeReasons {
        conditions
            .iter()
            .filter_map(|c| TranscodeReason::for_failed_condition(c.property))
            .fold(TranscodeReasons::NONE, |acc, r| acc | r)
    }

    /// The failing conditions of the `VideoAudio` codec profiles that apply to `audio` in
    /// `container` (Jellyfin's `GetProfileConditionsForVideoAudio`).
    fn failing_video_audio(
        &self,
        audio: &'a StreamFacts,
        container: Option<&str>,
        is_secondary: Option<bool>,
    ) -> Vec<&'a ProfileCondition> {
        let values = self.audio_values(audio, is_secondary);
        self.profile
            .codec_profiles
            .iter()
            .filter(|p| {
                p.kind == CodecType::VideoAudio
                    && p.contains_codec(audio.codec.as_deref(), container, false)
                    && p.apply_conditions
                        .iter()
                        .all(|c| video_audio_satisfied(c, &values))
            })
            .flat_map(|p| p.conditions.iter())
            .filter(|c| !video_audio_satisfied(c, &values))
            .collect()
    }

    fn subtitle_facts(s: &StreamFacts) -> SubtitleStreamFacts<'_> {
        SubtitleStreamFacts {
            codec: s.codec.as_deref().unwrap_or(""),
            language: s.language.as_deref(),
            is_external: s.is_external,
            is_text: s.is_text,
            supports_external_stream: s.supports_external_stream,
        }
    }

    fn run(&self) -> SourceDecision {
        let work = if self.source.is_audio {
            self.build_audio()
        } else {
            Some(self.build_video())
        };
        self.finish(work)
    }

    /// `MediaInfoHelper.SetDeviceSpecificData`: the flags, the offered transcode.
    fn finish(&self, work: Option<Work>) -> SourceDecision {
        let kind = self.source.media_kind();
        let Some(mut work) = work else {
            return SourceDecision {
                supports_direct_play: false,
                supports_direct_stream: false,
                supports_transcoding: false,
                method: None,
                transcode: None,
                reasons: TranscodeReasons::NONE,
                container: self.container().map(str::to_owned),
                audio_stream_index: self.source.default_audio_index,
                subtitles: SubtitleContext {
                    play_method: PlayMethod::Transcode,
                    container: Vec::new(),
                    protocol: None,
                    start_position_ticks: 0,
                },
            };
        };
        let direct_play = work.play_method == PlayMethod::DirectPlay;
        let mut supports_transcoding = work.play_method == PlayMethod::DirectStream
            || work.has_transcoding_container
            || self
                .profile
                .transcoding
                .iter()
                .any(|t| t.kind == kind && t.context == self.options.context);
        let perms = self.options.permissions;
        if kind == ProfileMediaKind::Audio {
            supports_transcoding &= perms.audio_transcoding;
        } else {
            supports_transcoding &=
                perms.audio_transcoding || perms.video_transcoding || perms.remuxing;
        }
        let mut transcode = None;
        if !direct_play && supports_transcoding && work.container.is_some() {
            work.play_method = PlayMethod::Transcode;
            let plan = self.plan(&work);
            let allowed = self.plan_allowed(&plan);
            if allowed {
                transcode = Some(plan);
            } else {
                supports_transcoding = false;
            }
        }
        let method = if direct_play {
            Some(PlayMethod::DirectPlay)
        } else {
            transcode.as_ref().map(|p: &TranscodePlan| {
                if p.is_remux() {
                    PlayMethod::DirectStream
                } else {
                    PlayMethod::Transcode
                }
            })
        };
        let subtitles = if direct_play {
            SubtitleContext {
                play_method: PlayMethod::DirectPlay,
                container: work
                    .container
                    .as_deref()
                    .map(split_list)
                    .unwrap_or_default(),
                protocol: None,
                start_position_ticks: 0,
            }
        } else {
            let protocol = transcode.as_ref().map(|p| p.protocol);
            let start = match &transcode {
                Some(p) if p.protocol == StreamProtocol::Http && !p.copy_timestamps => {
                    self.options.start_time_ticks
                }
                _ => 0,
            };
            SubtitleContext {
                play_method: PlayMethod::Transcode,
                container: transcode
                    .as_ref()
                    .map(|p| split_list(&p.container))
                    .unwrap_or_default(),
                protocol,
                start_position_ticks: start,
            }
        };
        SourceDecision {
            supports_direct_play: direct_play,
            supports_direct_stream: direct_play,
            supports_transcoding,
            method,
            reasons: if direct_play {
                TranscodeReasons::NONE
            } else {
                work.reasons
            },
            transcode,
            container: self.narrowed_container(&work),
            audio_stream_index: work.audio_stream_index,
            subtitles,
        }
    }

    fn narrowed_container(&self, work: &Work) -> Option<String> {
        if work.play_method == PlayMethod::DirectPlay {
            work.container.clone()
        } else {
            self.single_container(work.media_kind, None)
        }
    }

    /// Whether the request and the user's permissions allow `plan`.
    fn plan_allowed(&self, plan: &TranscodePlan) -> bool {
        let perms = self.options.permissions;
        let encodes_video = matches!(plan.video, Some(VideoAction::Encode { .. }));
        let encodes_audio = matches!(plan.audio, Some(AudioAction::Encode { .. }));
        if !self.options.enable_transcoding && (encodes_video || encodes_audio) {
            return false;
        }
        if plan.is_remux() {
            return perms.remuxing || perms.video_transcoding || perms.audio_transcoding;
        }
        (!encodes_video || perms.video_transcoding) && (!encodes_audio || perms.audio_transcoding)
    }

    // ---------------------------------------------------------------- video

    fn build_video(&self) -> Work {
        let source = self.source;
        let mut work = Work::new(ProfileMediaKind::Video);
        work.subtitle_stream_index = self
            .options
            .subtitle_stream_index
            .or(source.default_subtitle_index);
        let subtitle = work
            .subtitle_stream_index
            .and_then(|i| source.stream(StreamKind::Subtitle, i));
        let audio = source.default_audio_stream(
            self.options
                .audio_stream_index
                .or(source.default_audio_index),
        );
        work.audio_stream_index = audio.map(|a| a.index);
        let candidates: Vec<&StreamFacts> = match (self.options.audio_stream_index, audio) {
            (Some(i), Some(a)) if i >= 0 => vec![a],
            (_, Some(a)) if a.is_default => source
                .streams
                .iter()
                .filter(|s| s.is(StreamKind::Audio) && s.is_default)
                .collect(),
            (_, a) => source
                .streams
                .iter()
                .filter(|s| {
                    s.is(StreamKind::Audio)
                        && s.language.as_deref() == a.and_then(|a| a.language.as_deref())
                })
                .collect(),
        };
        let video = source.video_stream();
        let exceeded = self.bitrate_exceeded(self.max_bitrate(false));
        let eligible_direct_play = !exceeded && !source.is_disc;
        let mut reasons = TranscodeReasons::NONE;
        if exceeded {
            reasons |= TranscodeReason::ContainerBitrateExceedsLimit;
        }
        if eligible_direct_play {
            let found = self.video_direct_play(video, &candidates, subtitle);
            reasons |= found.reasons;
            if found.method == Some(PlayMethod::DirectPlay) {
                let dp = &self.profile.direct_play[found.profile];
                work.play_method = PlayMethod::DirectPlay;
                work.container = self.single_container(ProfileMediaKind::Video, Some(dp));
                work.video_codecs = video.and_then(|v| v.codec.clone()).into_iter().collect();
                work.protocol = StreamProtocol::Http;
                if let Some(index) = found.audio_index.or(audio.map(|a| a.index)) {
                    work.audio_stream_index = Some(index);
                    work.audio_codecs = source
                        .stream(StreamKind::Audio, index)
                        .and_then(|a| a.codec.clone())
                        .into_iter()
                        .collect();
                }
                if let Some(s) = subtitle {
                    work.subtitle = Some(subtitle_delivery(
                        &Self::subtitle_facts(s),
                        &self.profile.subtitle_profiles,
                        PlayMethod::DirectPlay,
                        &split_list(&dp.container),
                        None,
                    ));
                }
            }
        }
        work.reasons = reasons;
        if work.play_method != PlayMethod::DirectPlay {
            if let Some(index) = self.video_transcode_profile(video, audio) {
                let tp = &self.profile.transcoding[index];
                self.apply_transcoding_profile(&mut work, tp);
                self.build_stream_video_item(
                    &mut work,
                    video,
                    audio,
                    &candidates,
                    &tp.container,
                    &tp.video_codec,
                    &tp.audio_codec,
                );
                work.play_method = PlayMethod::Transcode;
                if let Some(s) = subtitle {
                    let delivery = subtitle_delivery(
                        &Self::subtitle_facts(s),
                        &self.profile.subtitle_profiles,
                        PlayMethod::Transcode,
                        &split_list(&tp.container),
                        Some(tp.protocol),
                    );
                    work.subtitle_codecs = vec![delivery.format.clone()];
                    work.subtitle = Some(delivery);
                }
                if work
                    .reasons
                    .intersects(groups::video() | TranscodeReason::ContainerBitrateExceedsLimit)
                {
                    self.apply_conditions(&mut work, &tp.conditions, None);
                }
            }
        }
        work
    }

    /// `GetVideoDirectPlayProfile`.
    fn video_direct_play(
        &self,
        video: Option<&'a StreamFacts>,
        candidates: &[&'a StreamFacts],
        subtitle: Option<&'a StreamFacts>,
    ) -> Analysis {
        let container = self.container();
        let values = self.video_values(video);
        let failing = |conds: &'a [ProfileCondition]| -> Vec<&'a ProfileCondition> {
            conds
                .iter()
                .filter(|c| !video_satisfied(c, &values))
                .collect()
        };
        let container_reasons = Self::reasons_for(
            &self
                .profile
                .container_profiles
                .iter()
                .filter(|p| p.kind == ProfileMediaKind::Video && p.contains_container(container))
                .flat_map(|p| failing(&p.conditions))
                .collect::<Vec<_>>(),
        );
        let video_codec = video.and_then(|v| v.codec.as_deref());
        let video_codec_reasons = Self::reasons_for(
            &self
                .profile
                .codec_profiles
                .iter()
                .filter(|p| {
                    p.kind == CodecType::Video
                        && p.contains_codec(video_codec, container, false)
                        && failing(&p.apply_conditions).is_empty()
                })
                .flat_map(|p| failing(&p.conditions))
                .collect::<Vec<_>>(),
        );
        let audio_matches: Vec<(i32, TranscodeReasons)> = candidates
            .iter()
            .map(|a| {
                let secondary = self.source.is_secondary_audio(a);
                let mut r = Self::reasons_for(&self.failing_video_audio(a, container, secondary));
                if a.is_external {
                    r |= TranscodeReason::AudioIsExternal;
                }
                (a.index, r)
            })
            .collect();
        let mut subtitle_reasons = TranscodeReasons::NONE;
        if let Some(s) = subtitle {
            let delivery = subtitle_delivery(
                &Self::subtitle_facts(s),
                &self.profile.subtitle_profiles,
                PlayMethod::DirectPlay,
                &container.map(split_list).unwrap_or_default(),
                None,
            );
            if !matches!(
                delivery.method,
                SubtitleMethod::Drop | SubtitleMethod::External | SubtitleMethod::Embed
            ) {
                subtitle_reasons |= TranscodeReason::SubtitleCodecNotSupported;
            }
        }
        let rankings = [
            TranscodeReasons::from(TranscodeReason::VideoCodecNotSupported),
            groups::video_codec(),
            TranscodeReasons::from(TranscodeReason::AudioCodecNotSupported),
            groups::audio_codec(),
            groups::container(),
        ];
        let mut container_supported = false;
        let mut analyzed: Vec<Analysis> = self
            .profile
            .direct_play
            .iter()
            .enumerate()
            .filter(|(_, p)| p.kind == ProfileMediaKind::Video)
            .enumerate()
            .map(|(order, (index, p))| {
                let mut own = TranscodeReasons::NONE;
                let mut audio_reasons = TranscodeReasons::NONE;
                if !p.supports_container(container) {
                    own |= TranscodeReason::ContainerNotSupported;
                } else {
                    container_supported = true;
                }
                if !p.supports_video_codec(video_codec) {
                    own |= TranscodeReason::VideoCodecNotSupported;
                }
                let mut selected = None;
                if !candidates.is_empty() {
                    selected = candidates
                        .iter()
                        .find(|a| p.supports_audio_codec(a.codec.as_deref()));
                    match selected {
                        None => own |= TranscodeReason::AudioCodecNotSupported,
                        Some(a) => {
                            audio_reasons = audio_matches
                                .iter()
                                .find(|(i, _)| *i == a.index)
                                .map(|(_, r)| *r)
                                .unwrap_or_default();
                        }
                    }
                }
                let mut failures = own | container_reasons | subtitle_reasons;
                if !failures.contains(TranscodeReason::VideoCodecNotSupported) {
                    failures |= video_codec_reasons;
                }
                if !failures.contains(TranscodeReason::AudioCodecNotSupported) {
                    failures |= audio_reasons;
                }
                let method = (failures.is_empty() && self.item_supports_direct_play())
                    .then_some(PlayMethod::DirectPlay);
                let rank = rankings
                    .iter()
                    .position(|g| failures.intersects(*g))
                    .map_or(rankings.len() + 1, |i| i + 1);
                Analysis {
                    profile: index,
                    method,
                    audio_index: selected.map(|a| a.index),
                    reasons: failures,
                    order,
                    rank,
                }
            })
            .collect();
        // Playing profiles first, then the least severe failures, then declaration order.
        analyzed.sort_by_key(|a| {
            (
                std::cmp::Reverse(a.method.map_or(0, |m| match m {
                    PlayMethod::DirectPlay => 3,
                    PlayMethod::DirectStream => 2,
                    PlayMethod::Transcode => 1,
                })),
                std::cmp::Reverse(a.rank),
                a.order,
            )
        });
        if let Some(pos) = analyzed.iter().position(|a| a.method.is_some()) {
            return analyzed.swap_remove(pos);
        }
        let reasons = analyzed
            .iter()
            .find(|a| {
                !container_supported || !a.reasons.contains(TranscodeReason::ContainerNotSupported)
            })
            .map(|a| a.reasons)
            .unwrap_or_default();
        Analysis {
            profile: 0,
            method: None,
            audio_index: None,
            reasons: if reasons.is_empty() {
                TranscodeReason::DirectPlayError.into()
            } else {
                reasons
            },
            order: 0,
            rank: 0,
        }
    }

    /// `GetVideoTranscodeProfile`: the index of the transcoding profile to use.
    fn video_transcode_profile(
        &self,
        video: Option<&'a StreamFacts>,
        audio: Option<&'a StreamFacts>,
    ) -> Option<usize> {
        if !(self.item_supports_transcoding() || self.item_supports_direct_stream()) {
            return None;
        }
        let video_codec = video.and_then(|v| v.codec.as_deref());
        let values = self.video_values(video);
        let audio_values = audio.map(|a| self.audio_values(a, Some(false)));
        let mut ranked: Vec<((u8, u8), usize)> = self
            .profile
            .transcoding
            .iter()
            .enumerate()
            .filter(|(_, t)| t.kind == ProfileMediaKind::Video && t.context == self.options.context)
            .map(|(index, t)| {
                let mut rank = (3u8, 3u8);
                let container = Some(t.container.as_str());
                if self.options.allow_video_stream_copy
                    && contains_container(&t.video_codec, video_codec)
                {
                    let satisfied = self
                        .profile
                        .codec_profiles
                        .iter()
                        .filter(|p| {
                            p.kind == CodecType::Video
                                && p.contains_codec(video_codec, container, false)
                                && p.apply_conditions
                                    .iter()
                                    .all(|c| video_satisfied(c, &values))
                        })
                        .all(|p| p.conditions.iter().all(|c| video_satisfied(c, &values)));
                    rank.0 = if satisfied { 1 } else { 2 };
                }
                if self.options.allow_audio_stream_copy {
                    let empty = AudioValues::default();
                    let av = audio_values.as_ref().unwrap_or(&empty);
                    for codec in split_list(&t.audio_codec) {
                        let satisfied = self
                            .profile
                            .codec_profiles
                            .iter()
                            .filter(|p| {
                                p.kind == CodecType::VideoAudio
                                    && p.contains_codec(Some(&codec), container, false)
                                    && p.apply_conditions
                                        .iter()
                                        .all(|c| video_audio_satisfied(c, av))
                            })
                            .all(|p| p.conditions.iter().all(|c| video_audio_satisfied(c, av)));
                        let rank_audio = if !satisfied {
                            3
                        } else if audio
                            .and_then(|a| a.codec.as_deref())
                            .is_some_and(|a| eq_ci(a, &codec))
                        {
                            1
                        } else {
                            2
                        };
                        rank.1 = rank.1.min(rank_audio);
                        if rank.1 == 1 {
                            break;
                        }
                    }
                }
                (rank, index)
            })
            .collect();
        ranked.sort_by_key(|(rank, _)| *rank);
        ranked.first().map(|(_, index)| *index)
    }

    /// `SetStreamInfoOptionsFromTranscodingProfile`.
    fn apply_transcoding_profile(&self, work: &mut Work, tp: &TranscodingProfile) {
        work.has_transcoding_container = true;
        if work.play_method == PlayMethod::Transcode {
            work.container = Some(tp.container.clone());
            work.protocol = tp.protocol;
        }
        work.transcode_seek_info = tp.transcode_seek_info;
        if let Some(ch) = tp.max_audio_channels {
            work.transcoding_max_audio_channels = Some(ch);
        }
        work.estimate_content_length = tp.estimate_content_length;
        work.copy_timestamps = tp.copy_timestamps;
        work.enable_subtitles_in_manifest = tp.enable_subtitles_in_manifest;
        work.enable_mpegts_m2ts_mode = tp.enable_mpegts_m2ts_mode;
        work.break_on_non_key_frames = tp.break_on_non_key_frames;
        work.enable_audio_vbr_encoding = tp.enable_audio_vbr_encoding;
        if tp.min_segments > 0 {
            work.min_segments = Some(tp.min_segments);
        }
        if tp.segment_length > 0 {
            work.segment_length = Some(tp.segment_length);
        }
    }

    /// `BuildStreamVideoItem`.
    #[allow(clippy::too_many_arguments)]
    fn build_stream_video_item(
        &self,
        work: &mut Work,
        video: Option<&'a StreamFacts>,
        audio: Option<&'a StreamFacts>,
        candidates: &[&'a StreamFacts],
        container: &str,
        video_codec: &str,
        audio_codec: &str,
    ) {
        let container_opt = Some(container);
        let hls = work.protocol == StreamProtocol::Hls;
        let mut video_codecs = split_list(video_codec);
        if video_codecs.is_empty() {
            if let Some(c) = video.and_then(|v| v.codec.clone()) {
                video_codecs.push(c);
            }
        }
        if hls {
            video_codecs.retain(|c| HLS_VIDEO_CODECS.iter().any(|h| eq_ci(h, c)));
        }
        work.video_codecs = video_codecs;
        work.max_framerate = video
            .and_then(StreamFacts::reference_frame_rate)
            .map(|f| f as f32);
        let qualifier = video.and_then(|v| v.codec.clone());
        if let Some(v) = video {
            if let Some(level) = v.level {
                work.set_option(qualifier.as_deref(), "level", format_number(level));
            }
            if let Some(depth) = v.bit_depth {
                work.set_option(qualifier.as_deref(), "videobitdepth", depth.to_string());
            }
            if let Some(p) = v.profile.as_deref().filter(|p| !p.is_empty()) {
                work.set_option(qualifier.as_deref(), "profile", p.to_lowercase());
            }
        }

        let mut audio_codecs = split_list(audio_codec);
        if audio_codecs.is_empty() {
            if let Some(c) = audio.and_then(|a| a.codec.clone()) {
                audio_codecs.push(c);
            }
        }
        if hls {
            let allowed: &[&str] = if eq_ci(container, "mp4") {
                &HLS_MP4_AUDIO_CODECS
            } else {
                &HLS_TS_AUDIO_CODECS
            };
            audio_codecs.retain(|c| allowed.iter().any(|a| eq_ci(a, c)));
        }
        let with_codec = candidates.iter().copied().find(|s| {
            s.codec
                .as_deref()
                .is_some_and(|c| audio_codecs.iter().any(|a| eq_ci(a, c)))
        });
        let channels_exceed = with_codec.is_some_and(|s| {
            s.channels.unwrap_or(0) > work.transcoding_max_audio_channels.unwrap_or(i32::MAX)
        });
        let mut direct_audio_ok = false;
        if let Some(s) = with_codec.filter(|_| !channels_exceed) {
            let values = self.audio_values(s, Some(false));
            direct_audio_ok = true;
            for p in self.profile.codec_profiles.iter().filter(|p| {
                p.kind == CodecType::VideoAudio
                    && p.contains_codec(s.codec.as_deref(), container_opt, false)
                    && p.apply_conditions
                        .iter()
                        .all(|c| video_audio_satisfied(c, &values))
            }) {
                // Jellyfin stops at the first failing condition of the first failing profile.
                if let Some(c) = p
                    .conditions
                    .iter()
                    .find(|c| !video_audio_satisfied(c, &values))
                {
                    if let Some(r) = TranscodeReason::for_failed_condition(c.property) {
                        work.reasons |= r;
                    }
                    direct_audio_ok = false;
                    break;
                }
            }
        }
        direct_audio_ok &= !work
            .reasons
            .contains(TranscodeReason::ContainerBitrateExceedsLimit);
        let direct_audio = with_codec.filter(|_| direct_audio_ok);
        let target_audio = self.source.default_audio_stream(work.audio_stream_index);
        if channels_exceed && target_audio.is_some() {
            work.reasons |= TranscodeReason::AudioChannelsNotSupported;
        }
        work.audio_codecs = audio_codecs;
        let mut audio = audio;
        if let Some(d) = direct_audio {
            audio = Some(d);
            work.audio_stream_index = Some(d.index);
            work.audio_codecs = d.codec.clone().into_iter().collect();
            work.audio_sample_rate = d.sample_rate;
            work.set_option(
                qualifier.as_deref(),
                "audiochannels",
                d.channels.map(|c| c.to_string()).unwrap_or_default(),
            );
            if let Some(p) = d.profile.as_deref().filter(|p| !p.is_empty()) {
                work.set_option(d.codec.as_deref(), "profile", p.to_lowercase());
            }
        }

        let values = self.video_values(video);
        let applied: Vec<&CodecProfile> = self
            .profile
            .codec_profiles
            .iter()
            .filter(|p| {
                p.kind == CodecType::Video
                    && p.contains_any_codec(&work.video_codecs, container_opt, hls)
                    && p.apply_conditions
                        .iter()
                        .all(|c| video_satisfied(c, &values))
            })
            .collect();
        // Reversed: the first codec profile has the last word.
        for p in applied.iter().rev() {
            for codec in work.video_codecs.clone() {
                if p.contains_codec(Some(&codec), container_opt, hls) {
                    self.apply_conditions(work, &p.conditions, Some(&codec));
                }
            }
        }

        work.global_max_audio_channels = if channels_exceed {
            work.transcoding_max_audio_channels
        } else {
            self.options.max_audio_channels
        };
        let target_codecs = self.target_audio_codecs(work);
        let audio_bitrate = self.audio_bitrate(
            self.max_bitrate(true).unwrap_or(0),
            &target_codecs,
            audio,
            work,
        );
        work.audio_bitrate = Some(
            work.audio_bitrate
                .unwrap_or(audio_bitrate)
                .min(audio_bitrate),
        );

        let is_secondary = audio.and_then(|a| self.source.is_secondary_audio(a));
        if let Some(a) = audio {
            let values = self.audio_values(a, is_secondary);
            let applied: Vec<&CodecProfile> = self
                .profile
                .codec_profiles
                .iter()
                .filter(|p| {
                    p.kind == CodecType::VideoAudio
                        && p.contains_any_codec(&work.audio_codecs, container_opt, false)
                        && p.apply_conditions
                            .iter()
                            .all(|c| video_audio_satisfied(c, &values))
                })
                .collect();
            for p in applied.iter().rev() {
                if let Some(codec) = work
                    .audio_codecs
                    .clone()
                    .into_iter()
                    .find(|c| p.contains_codec(Some(c), container_opt, false))
                {
                    self.apply_conditions(work, &p.conditions, Some(&codec));
                }
            }
        }

        if let Some(max) = self.max_bitrate(false) {
            let available = max - work.audio_bitrate.unwrap_or(0);
            let current = work.video_bitrate.unwrap_or(available);
            work.video_bitrate = Some(available.min(current).max(64_000));
        }
    }

    /// `StreamInfo.TargetAudioCodec` while transcoding: the input codec when listed, else the
    /// whole list.
    fn target_audio_codecs(&self, work: &Work) -> Vec<String> {
        let input = self
            .source
            .default_audio_stream(work.audio_stream_index)
            .and_then(|a| a.codec.clone());
        if work.is_direct() {
            return input.into_iter().collect();
        }
        match input {
            Some(i) => match work.audio_codecs.iter().find(|c| eq_ci(c, &i)) {
                Some(c) => vec![c.clone()],
                None => work.audio_codecs.clone(),
            },
            None => work.audio_codecs.clone(),
        }
    }

    /// `GetAudioBitrate`.
    fn audio_bitrate(
        &self,
        max_total: i64,
        target_codecs: &[String],
        audio: Option<&StreamFacts>,
        work: &Work,
    ) -> i64 {
        let target = target_codecs.first().map(String::as_str);
        let target_channels = work.target_audio_channels(target);
        let mut limit = i64::MAX;
        let default = match audio {
            None => 192_000,
            Some(a) => {
                let value = match (target_channels, a.channels) {
                    (Some(t), Some(c)) if c > t => default_audio_bitrate(target, Some(t)),
                    (Some(t), Some(c))
                        if c <= t
                            && a.codec.as_deref().is_some_and(|ac| {
                                !target_codecs.is_empty()
                                    && !target_codecs.iter().any(|tc| eq_ci(tc, ac))
                            }) =>
                    {
                        default_audio_bitrate(target, Some(c))
                    }
                    _ => a
                        .bit_rate
                        .unwrap_or_else(|| default_audio_bitrate(target, target_channels)),
                };
                if a.channels == Some(1) && a.bit_rate.unwrap_or(0) < 64_000 {
                    limit = 64_000;
                }
                value
            }
        };
        let default = if max_total > 0 {
            default.min(max_audio_bitrate_for_total(max_total))
        } else {
            default
        };
        default.min(limit)
    }

    /// `ApplyTranscodingConditions` (qualified and unqualified conditions both enabled).
    fn apply_conditions(
        &self,
        work: &mut Work,
        conditions: &[ProfileCondition],
        qualifier: Option<&str>,
    ) {
        use ConditionProperty as P;
        use ConditionType as T;
        for c in conditions {
            let value = c.value.trim();
            if value.is_empty() || c.condition == T::GreaterThanEqual {
                continue;
            }
            let int = value.parse::<i64>().ok();
            let bool_value = match value.to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            };
            let lower_or_set = |current: Option<i64>, num: i64| -> Option<i64> {
                match c.condition {
                    T::Equals => Some(num),
                    T::LessThanEqual => Some(current.map_or(num, |v| v.min(num))),
                    _ => current,
                }
            };
            match c.property {
                P::AudioBitrate => {
                    if let Some(n) = int {
                        work.audio_bitrate = lower_or_set(work.audio_bitrate, n);
                    }
                }
                P::AudioSampleRate => {
                    if let Some(n) = int {
                        work.audio_sample_rate =
                            lower_or_set(work.audio_sample_rate.map(i64::from), n)
                                .and_then(|v| i32::try_from(v).ok());
                    }
                }
                P::AudioChannels => {
                    if let Some(n) = int {
                        let current = work.target_audio_channels(qualifier).map(i64::from);
                        if let Some(v) = match c.condition {
                            T::Equals => Some(n),
                            T::LessThanEqual => Some(current.map_or(n, |cur| n.min(cur))),
                            _ => None,
                        } {
                            work.set_option(qualifier, "audiochannels", v.to_string());
                        }
                    }
                }
                P::IsAvc => {
                    if let Some(b) = bool_value {
                        if (b && c.condition == T::Equals) || (!b && c.condition == T::NotEquals) {
                            work.require_avc = true;
                        }
                    }
                }
                P::IsAnamorphic => {
                    if let Some(b) = bool_value {
                        if (b && c.condition == T::Equals) || (!b && c.condition == T::NotEquals) {
                            work.require_non_anamorphic = true;
                        }
                    }
                }
                P::IsInterlaced => {
                    if let Some(b) = bool_value {
                        if (!b && c.condition == T::Equals) || (b && c.condition == T::NotEquals) {
                            work.set_option(qualifier, "deinterlace", "true".into());
                        }
                    }
                }
                P::RefFrames | P::VideoBitDepth => {
                    let name = if c.property == P::RefFrames {
                        "maxrefframes"
                    } else {
                        "videobitdepth"
                    };
                    if let Some(n) = int {
                        let current = work
                            .option(qualifier, name)
                            .and_then(|v| v.trim().parse::<i64>().ok());
                        if let Some(v) = match c.condition {
                            T::Equals => Some(n),
                            T::LessThanEqual => Some(current.map_or(n, |cur| n.min(cur))),
                            _ => None,
                        } {
                            work.set_option(qualifier, name, v.to_string());
                        }
                    }
                }
                P::VideoProfile => {
                    let Some(q) = qualifier else { continue };
                    let values: Vec<&str> = value.split('|').filter(|v| !v.is_empty()).collect();
                    match c.condition {
                        T::Equals => work.set_option(Some(q), "profile", values.join(",")),
                        T::EqualsAny => {
                            let current = work.option(Some(q), "profile").map(str::to_owned);
                            match current
                                .filter(|cur| !cur.is_empty() && values.contains(&cur.as_str()))
                            {
                                Some(cur) => work.set_option(Some(q), "profile", cur),
                                None => work.set_option(Some(q), "profile", values.join(",")),
                            }
                        }
                        _ => {}
                    }
                }
                P::VideoRangeType | P::VideoCodecTag => {
                    let Some(q) = qualifier else { continue };
                    let name = if c.property == P::VideoRangeType {
                        "rangetype"
                    } else {
                        "codectag"
                    };
                    let values: Vec<&str> = value
                        .split('|')
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                        .collect();
                    match c.condition {
                        T::Equals => work.set_option(Some(q), name, values.join(",")),
                        T::NotEquals if c.property == P::VideoRangeType => {
                            let rest: Vec<&str> = VideoRangeType::ALL
                                .iter()
                                .map(|r| r.name())
                                .filter(|n| !values.contains(n))
                                .collect();
                            work.set_option(Some(q), name, rest.join(","));
                        }
                        T::EqualsAny => {
                            let current = work.option(Some(q), name).map(str::to_owned);
                            match current.filter(|cur| {
                                !cur.is_empty()
                                    && values.iter().any(|v| v.eq_ignore_ascii_case(cur))
                            }) {
                                Some(cur) => work.set_option(Some(q), name, cur),
                                None => work.set_option(Some(q), name, values.join(",")),
                            }
                        }
                        _ => {}
                    }
                }
                P::Height => {
                    if let Some(n) = int {
                        work.max_height = lower_or_set(work.max_height.map(i64::from), n)
                            .and_then(|v| i32::try_from(v).ok());
                    }
                }
                P::Width => {
                    if let Some(n) = int {
                        work.max_width = lower_or_set(work.max_width.map(i64::from), n)
                            .and_then(|v| i32::try_from(v).ok());
                    }
                }
                P::VideoBitrate => {
                    if let Some(n) = int {
                        work.video_bitrate = lower_or_set(work.video_bitrate, n);
                    }
                }
                P::VideoFramerate => {
                    if let Ok(n) = value.parse::<f32>() {
                        work.max_framerate = match c.condition {
                            T::Equals => Some(n),
                            T::LessThanEqual => Some(work.max_framerate.map_or(n, |v| v.min(n))),
                            _ => work.max_framerate,
                        };
                    }
                }
                P::VideoLevel => {
                    let Some(q) = qualifier else { continue };
                    if let Some(n) = int {
                        let current = work.option_f64(Some(q), "level");
                        let v = match c.condition {
                            T::Equals => Some(n as f64),
                            T::LessThanEqual => {
                                Some(current.map_or(n as f64, |cur| (n as f64).min(cur)))
                            }
                            _ => None,
                        };
                        if let Some(v) = v {
                            work.set_option(Some(q), "level", format_number(v));
                        }
                    }
                }
                _ => {}
            }
        }
    }

    // ---------------------------------------------------------------- plan

    /// The transcode `work` describes, with what happens to each stream.
    fn plan(&self, work: &Work) -> TranscodePlan {
        let protocol = work.protocol;
        let video = self.source.video_stream();
        let video_action = video.map(|v| {
            if self.options.allow_video_stream_copy && self.can_copy_video(work, v) {
                VideoAction::Copy
            } else {
                let codec = work
                    .video_codecs
                    .iter()
                    .find(|c| self.encoder.can_encode_video(c, protocol))
                    .or(work.video_codecs.first())
                    .cloned()
                    .unwrap_or_else(|| "h264".to_owned());
                let (width, height) = scaled_size(v, work.max_width, work.max_height);
                VideoAction::Encode {
                    bitrate: encoder_video_bitrate(work.video_bitrate, Some(v), &codec, false),
                    codec,
                    width,
                    height,
                }
            }
        });
        let audio = self.source.default_audio_stream(work.audio_stream_index);
        let audio_action = audio.map(|a| {
            if self.options.allow_audio_stream_copy && self.can_copy_audio(work, a) {
                AudioAction::Copy
            } else {
                let codec = work
                    .audio_codecs
                    .iter()
                    .find(|c| ENCODABLE_AUDIO.iter().any(|e| eq_ci(e, c)))
                    .or(work.audio_codecs.first())
                    .cloned()
                    .unwrap_or_else(|| "aac".to_owned());
                let mut channels = match (a.channels, work.target_audio_channels(Some(&codec))) {
                    (Some(c), Some(t)) => Some(c.min(t)),
                    (c, t) => c.or(t),
                };
                // HLS players take 1, 2, 6 or 8 channels.
                if protocol == StreamProtocol::Hls {
                    channels = channels.map(|c| if (3..6).contains(&c) || c == 7 { 2 } else { c });
                }
                AudioAction::Encode {
                    codec,
                    bitrate: work.audio_bitrate,
                    channels,
                }
            }
        });
        TranscodePlan {
            media_kind: work.media_kind,
            container: work.container.clone().unwrap_or_default(),
            protocol,
            video_codecs: work.video_codecs.clone(),
            audio_codecs: work.audio_codecs.clone(),
            video: video_action,
            audio: audio_action,
            audio_stream_index: work.audio_stream_index,
            subtitle_stream_index: work.subtitle_stream_index,
            subtitle_method: work.subtitle.as_ref().map(|s| s.method),
            subtitle_codecs: work.subtitle_codecs.clone(),
            video_bitrate: work.video_bitrate,
            audio_bitrate: work.audio_bitrate,
            audio_sample_rate: work.audio_sample_rate,
            max_width: work.max_width,
            max_height: work.max_height,
            max_framerate: work.max_framerate,
            transcoding_max_audio_channels: work.transcoding_max_audio_channels,
            global_max_audio_channels: work.global_max_audio_channels,
            min_segments: work.min_segments,
            segment_length: work.segment_length,
            break_on_non_key_frames: work.break_on_non_key_frames,
            require_avc: work.require_avc,
            require_non_anamorphic: work.require_non_anamorphic,
            copy_timestamps: work.copy_timestamps,
            enable_subtitles_in_manifest: work.enable_subtitles_in_manifest,
            enable_mpegts_m2ts_mode: work.enable_mpegts_m2ts_mode,
            estimate_content_length: work.estimate_content_length,
            enable_audio_vbr_encoding: work.enable_audio_vbr_encoding,
            transcode_seek_info: work.transcode_seek_info,
            start_position_ticks: self.options.start_time_ticks,
            allow_video_stream_copy: self.options.allow_video_stream_copy,
            allow_audio_stream_copy: self.options.allow_audio_stream_copy,
            always_burn_in_subtitle_when_transcoding: self
                .options
                .always_burn_in_subtitle_when_transcoding,
            stream_options: work.options.clone(),
            reasons: work.reasons,
            device_profile_id: self.profile.id.clone(),
        }
    }

    /// Jellyfin's `EncodingHelper.CanStreamCopyVideo` against the job's options: the source
    /// codec is listed, and the source meets every limit the job carries (profile, range
    /// type, level, bit depth, reference frames, size, bit rate; an unknown value fails a
    /// limit); no subtitle is burned in, no deinterlacing is asked of an interlaced stream.
    fn can_copy_video(&self, work: &Work, v: &StreamFacts) -> bool {
        let Some(codec) = v.codec.as_deref() else {
            return false;
        };
        if !work.video_codecs.iter().any(|c| eq_ci(c, codec)) {
            return false;
        }
        if work.subtitle_stream_index.is_some_and(|i| i >= 0)
            && work.subtitle.as_ref().map(|s| s.method) == Some(SubtitleMethod::Encode)
        {
            return false;
        }
        let q = Some(codec);
        let stripped = |s: &str| s.replace(' ', "").to_ascii_lowercase();
        if let Some(profiles) = work.option(q, "profile") {
            let wanted: Vec<String> = profiles.split(',').map(stripped).collect();
            match v.profile.as_deref() {
                Some(p) if wanted.contains(&stripped(p)) => {}
                _ => return false,
            }
        }
        if let Some(ranges) = work.option(q, "rangetype") {
            let wanted: Vec<&str> = ranges.split(',').map(str::trim).collect();
            let has = |r: VideoRangeType| wanted.iter().any(|w| w.eq_ignore_ascii_case(r.name()));
            let compatible = has(v.range_type)
                || match v.range_type {
                    VideoRangeType::DOVIWithHDR10
                    | VideoRangeType::DOVIWithHDR10Plus
                    | VideoRangeType::HDR10Plus => has(VideoRangeType::HDR10),
                    VideoRangeType::DOVIWithHLG => has(VideoRangeType::HLG),
                    VideoRangeType::DOVIWithSDR => has(VideoRangeType::SDR),
                    _ => false,
                };
            if v.range_type == VideoRangeType::Unknown || !compatible {
                return false;
            }
        }
        if let Some(max) = work.option_f64(q, "level") {
            match v.level {
                Some(level) if level <= max => {}
                _ => return false,
            }
        }
        if let (Some(max), Some(depth)) = (work.option_f64(q, "videobitdepth"), v.bit_depth) {
            if f64::from(depth) > max {
                return false;
            }
        }
        if let (Some(max), Some(refs)) = (work.option_f64(q, "maxrefframes"), v.ref_frames) {
            if f64::from(refs) > max {
                return false;
            }
        }
        if v.is_interlaced
            && work
                .option(q, "deinterlace")
                .is_some_and(|d| d.eq_ignore_ascii_case("true"))
        {
            return false;
        }
        if let (Some(tags), Some(tag)) = (work.option(q, "codectag"), v.codec_tag.as_deref()) {
            if !tags.split(',').any(|t| t.trim().eq_ignore_ascii_case(tag)) {
                return false;
            }
        }
        if work.require_avc && eq_ci(codec, "h264") && v.is_avc == Some(false) {
            return false;
        }
        if work.require_non_anamorphic && v.is_anamorphic == Some(true) {
            return false;
        }
        let within = |limit: Option<i32>, value: Option<i32>| match (limit, value) {
            (Some(max), Some(x)) => x <= max,
            (Some(_), None) => false,
            (None, _) => true,
        };
        if !within(work.max_width, v.width) || !within(work.max_height, v.height) {
            return false;
        }
        if let Some(max) = work.video_bitrate {
            match v.bit_rate {
                Some(rate) if rate <= max => {}
                _ => return false,
            }
        }
        true
    }

    /// Jellyfin's `EncodingHelper.CanStreamCopyAudio` against the job's options: the source
    /// codec is listed and its channels, sample rate and bit rate are within the job's.
    fn can_copy_audio(&self, work: &Work, a: &StreamFacts) -> bool {
        let Some(codec) = a.codec.as_deref() else {
            return false;
        };
        if !work.audio_codecs.iter().any(|c| eq_ci(c, codec)) {
            return false;
        }
        let requested_channels = work
            .raw_option(&format!("{codec}-audiochannels"))
            .and_then(|v| v.trim().parse::<i32>().ok())
            .or(work.transcoding_max_audio_channels);
        if let Some(max) = requested_channels {
            match a.channels {
                Some(ch) if ch > 0 && ch <= max => {}
                _ => return false,
            }
        }
        if let (Some(max), Some(rate)) = (work.audio_sample_rate, a.sample_rate) {
            if rate > max {
                return false;
            }
        }
        if let (Some(max), Some(rate)) = (work.audio_bitrate, a.bit_rate) {
            if rate > max {
                return false;
            }
        }
        true
    }

    // ---------------------------------------------------------------- audio files

    /// `GetOptimalAudioStream` for one source; `None` when a transcode is needed but the
    /// request forbids it.
    fn build_audio(&self) -> Option<Work> {
        let source = self.source;
        let mut work = Work::new(ProfileMediaKind::Audio);
        let audio = source.default_audio_stream(None);
        work.audio_stream_index = audio.map(|a| a.index);
        let (dp, method, mut reasons) = self.audio_direct_play(audio);
        if method == Some(PlayMethod::DirectPlay) {
            let failing = self.failing_audio_conditions(audio);
            reasons |= Self::reasons_for(&failing);
            if failing.is_empty() {
                work.play_method = PlayMethod::DirectPlay;
                work.container = self.single_container(
                    ProfileMediaKind::Audio,
                    dp.map(|i| &self.profile.direct_play[i]),
                );
                return Some(work);
            }
        }
        if method == Some(PlayMethod::DirectStream) {
            let dp_container = dp
                .map(|i| {
                    self.profile.direct_play[i]
                        .container
                        .trim()
                        .to_ascii_lowercase()
                })
                .unwrap_or_default();
            let remux = if dp_container == "ts" || dp_container == "mp4" {
                dp_container
            } else {
                "ts".to_owned()
            };
            work.play_method = PlayMethod::DirectStream;
            work.container = Some(remux);
            // Jellyfin leaves the codec list empty (the transcoder copies); it is named here.
            work.audio_codecs = audio.and_then(|a| a.codec.clone()).into_iter().collect();
            work.reasons = reasons;
            work.protocol = StreamProtocol::Http;
            work.has_transcoding_container = true;
            return Some(work);
        }
        let tp = self.profile.transcoding.iter().find(|t| {
            t.kind == ProfileMediaKind::Audio && t.context == self.options.context && {
                let codec = if t.audio_codec.is_empty() {
                    &t.container
                } else {
                    &t.audio_codec
                };
                ENCODABLE_AUDIO.iter().any(|e| eq_ci(e, codec))
            }
        });
        if let Some(tp) = tp {
            if !self.item_supports_transcoding() && !self.item_supports_direct_stream() {
                return None;
            }
            self.apply_transcoding_profile(&mut work, tp);
            let values = audio
                .map(|a| self.audio_values(a, None))
                .unwrap_or_default();
            let conditions: Vec<ProfileCondition> = self
                .profile
                .codec_profiles
                .iter()
                .filter(|p| {
                    p.kind == CodecType::Audio
                        && p.contains_codec(Some(&tp.audio_codec), Some(&tp.container), false)
                        && p.apply_conditions
                            .iter()
                            .all(|c| audio_satisfied(c, &values))
                })
                .flat_map(|p| p.conditions.iter().cloned())
                .collect();
            self.apply_conditions(&mut work, &conditions, None);
            work.global_max_audio_channels = self.options.max_audio_channels;
            let configured = self.max_bitrate(true);
            let streaming = self.options.context == EncodingContext::Streaming;
            let mut bitrate = streaming
                .then_some(self.profile.music_streaming_transcoding_bitrate)
                .flatten()
                .or(configured)
                .unwrap_or(128_000);
            if let Some(c) = configured {
                bitrate = bitrate.min(c);
            }
            work.audio_bitrate = Some(bitrate.min(work.audio_bitrate.unwrap_or(bitrate)));
            if work.audio_codecs.is_empty() && !tp.audio_codec.trim().is_empty() {
                work.audio_codecs = vec![tp.audio_codec.trim().to_owned()];
            }
        }
        work.reasons = reasons;
        Some(work)
    }

    /// The failing conditions of the `Audio` codec profiles for an audio file's stream.
    fn failing_audio_conditions(
        &self,
        audio: Option<&'a StreamFacts>,
    ) -> Vec<&'a ProfileCondition> {
        let values = audio
            .map(|a| self.audio_values(a, None))
            .unwrap_or_default();
        let codec = audio.and_then(|a| a.codec.as_deref());
        self.profile
            .codec_profiles
            .iter()
            .filter(|p| {
                p.kind == CodecType::Audio
                    && p.contains_codec(codec, self.container(), false)
                    && p.apply_conditions
                        .iter()
                        .all(|c| audio_satisfied(c, &values))
            })
            .flat_map(|p| p.conditions.iter())
            .filter(|c| !audio_satisfied(c, &values))
            .collect()
    }

    /// `IsAudioContainerSupported`: the container fits, and a Matroska file needs `mkv` named
    /// (a `webm` profile does not cover it).
    fn audio_container_supported(&self, p: &DirectPlayProfile) -> bool {
        let container = self.container();
        p.supports_container(container)
            && (!contains_container("mkv", container) || p.supports_container(Some("mkv")))
    }

    /// `GetAudioDirectPlayProfile`.
    fn audio_direct_play(
        &self,
        audio: Option<&'a StreamFacts>,
    ) -> (Option<usize>, Option<PlayMethod>, TranscodeReasons) {
        let codec = audio.and_then(|a| a.codec.as_deref());
        let audio_profiles = || {
            self.profile
                .direct_play
                .iter()
                .enumerate()
                .filter(|(_, p)| p.kind == ProfileMediaKind::Audio)
        };
        let mut reasons = TranscodeReasons::NONE;
        let mut found = audio_profiles()
            .find(|(_, p)| self.audio_container_supported(p) && p.supports_audio_codec(codec))
            .map(|(i, _)| i);
        if found.is_none() {
            let remux = audio_profiles()
                .find(|(_, p)| {
                    !self.audio_container_supported(p)
                        && codec.is_some_and(|c| eq_ci(&p.audio_codec, c) || eq_ci(&p.container, c))
                })
                .map(|(i, _)| i);
            match remux {
                Some(i) => {
                    found = Some(i);
                    reasons |= TranscodeReason::ContainerNotSupported;
                }
                None => return (None, None, self.reasons_from_audio_profiles(codec)),
            }
        }
        let exceeded = self.bitrate_exceeded(self.max_bitrate(true));
        if reasons.is_empty() && self.item_supports_direct_play() {
            if !exceeded {
                return (found, Some(PlayMethod::DirectPlay), TranscodeReasons::NONE);
            }
            reasons |= TranscodeReason::ContainerBitrateExceedsLimit;
        }
        if self.item_supports_direct_stream() {
            if !exceeded {
                if reasons == TranscodeReasons::from(TranscodeReason::ContainerNotSupported) {
                    return (found, Some(PlayMethod::DirectStream), reasons);
                }
            } else {
                reasons |= TranscodeReason::ContainerBitrateExceedsLimit;
            }
        }
        (found, None, reasons)
    }

    /// `GetTranscodeReasonsFromDirectPlayProfile` for an audio file.
    fn reasons_from_audio_profiles(&self, codec: Option<&str>) -> TranscodeReasons {
        let mut container_ok = false;
        let mut audio_ok = false;
        for p in self
            .profile
            .direct_play
            .iter()
            .filter(|p| p.kind == ProfileMediaKind::Audio)
        {
            if p.supports_container(self.container()) {
                container_ok = true;
                audio_ok = codec.is_none() || p.supports_audio_codec(codec);
                if audio_ok {
                    break;
                }
            }
        }
        let mut reasons = TranscodeReasons::NONE;
        if !container_ok {
            reasons |= TranscodeReason::ContainerNotSupported;
        }
        if !audio_ok {
            reasons |= TranscodeReason::AudioCodecNotSupported;
        }
        reasons
    }
}

/// The source size scaled down into the limits, aspect kept (Jellyfin's `DrawingUtils.Resize`
/// with maxima only), rounded to even numbers.
fn scaled_size(
    v: &StreamFacts,
    max_w: Option<i32>,
    max_h: Option<i32>,
) -> (Option<i32>, Option<i32>) {
    let (Some(w), Some(h)) = (v.width, v.height) else {
        return (max_w, max_h);
    };
    let (mut fw, mut fh) = (f64::from(w), f64::from(h));
    if let Some(mw) = max_w.filter(|m| *m > 0) {
        if fw > f64::from(mw) {
            fh = fh * f64::from(mw) / fw;
            fw = f64::from(mw);
        }
    }
    if let Some(mh) = max_h.filter(|m| *m > 0) {
        if fh > f64::from(mh) {
            fw = fw * f64::from(mh) / fh;
            fh = f64::from(mh);
        }
    }
    let even = |x: f64| ((x / 2.0).round() * 2.0) as i32;
    (Some(even(fw)), Some(even(fh)))
}
