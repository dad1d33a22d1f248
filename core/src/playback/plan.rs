//! What a playback decision answers ([`SourceDecision`]) and the job behind a `TranscodingUrl`
//! ([`TranscodePlan`]): which streams are copied or encoded, to what, at what rates and sizes,
//! and why the file is not played as it is.

use super::profile::{ProfileMediaKind, StreamProtocol, TranscodeSeekInfo};
use super::reasons::TranscodeReasons;
use super::subtitle::{PlayMethod, SubtitleMethod};

/// What happens to the video stream in a transcode.
#[derive(Debug, Clone, PartialEq)]
pub enum VideoAction {
    /// Copied as it is.
    Copy,
    /// Encoded.
    Encode {
        /// Target codec.
        codec: String,
        /// The encoder's target bit rate ([`super::encoder_video_bitrate`]).
        bitrate: Option<i64>,
        /// Output width (the source scaled down to the limits, aspect kept).
        width: Option<i32>,
        /// Output height.
        height: Option<i32>,
    },
}

/// What happens to the audio stream in a transcode.
#[derive(Debug, Clone, PartialEq)]
pub enum AudioAction {
    /// Copied as it is.
    Copy,
    /// Encoded.
    Encode {
        /// Target codec.
        codec: String,
        /// Target bit rate.
        bitrate: Option<i64>,
        /// Output channels.
        channels: Option<i32>,
    },
}

/// A transcode or remux job, as the `TranscodingUrl` describes it (Jellyfin's `StreamInfo`
/// for `PlayMethod.Transcode`). Codec lists are in preference order; `stream_options` are
/// Jellyfin's codec-qualified options (`h264-profile`, `hevc-level`...) in the order they were
/// set.
#[derive(Debug, Clone, PartialEq)]
pub struct TranscodePlan {
    /// Audio file or video.
    pub media_kind: ProfileMediaKind,
    /// Output container (`ts`, `mp4`, `aac`...), the HLS segment container for HLS.
    pub container: String,
    /// `hls` or progressive `http`.
    pub protocol: StreamProtocol,
    /// Acceptable video codecs (`VideoCodec`).
    pub video_codecs: Vec<String>,
    /// Acceptable audio codecs (`AudioCodec`).
    pub audio_codecs: Vec<String>,
    /// The video stream's fate (`None`: no video stream).
    pub video: Option<VideoAction>,
    /// The audio stream's fate (`None`: no audio stream).
    pub audio: Option<AudioAction>,
    /// `AudioStreamIndex`.
    pub audio_stream_index: Option<i32>,
    /// `SubtitleStreamIndex` (`-1`: none).
    pub subtitle_stream_index: Option<i32>,
    /// How the chosen subtitle is delivered.
    pub subtitle_method: Option<SubtitleMethod>,
    /// `SubtitleCodec` (for embedded subtitles).
    pub subtitle_codecs: Vec<String>,
    /// `VideoBitrate`.
    pub video_bitrate: Option<i64>,
    /// `AudioBitrate`.
    pub audio_bitrate: Option<i64>,
    /// `AudioSampleRate`.
    pub audio_sample_rate: Option<i32>,
    /// `MaxWidth`.
    pub max_width: Option<i32>,
    /// `MaxHeight`.
    pub max_height: Option<i32>,
    /// `MaxFramerate`.
    pub max_framerate: Option<f32>,
    /// `TranscodingMaxAudioChannels` (the profile's limit).
    pub transcoding_max_audio_channels: Option<i32>,
    /// The request's channel limit (or the profile's when the audio exceeds it).
    pub global_max_audio_channels: Option<i32>,
    /// `MinSegments`.
    pub min_segments: Option<i32>,
    /// `SegmentLength`.
    pub segment_length: Option<i32>,
    /// `BreakOnNonKeyFrames`.
    pub break_on_non_key_frames: bool,
    /// `RequireAvc`.
    pub require_avc: bool,
    /// `RequireNonAnamorphic`.
    pub require_non_anamorphic: bool,
    /// `CopyTimestamps`.
    pub copy_timestamps: bool,
    /// `EnableSubtitlesInManifest`.
    pub enable_subtitles_in_manifest: bool,
    /// `EnableMpegtsM2TsMode`.
    pub enable_mpegts_m2ts_mode: bool,
    /// `EstimateContentLength`.
    pub estimate_content_length: bool,
    /// `EnableAudioVbrEncoding`.
    pub enable_audio_vbr_encoding: bool,
    /// `TranscodeSeekInfo`.
    pub transcode_seek_info: TranscodeSeekInfo,
    /// `StartTimeTicks`.
    pub start_position_ticks: i64,
    /// `AllowVideoStreamCopy` of the request.
    pub allow_video_stream_copy: bool,
    /// `AllowAudioStreamCopy` of the request.
    pub allow_audio_stream_copy: bool,
    /// `AlwaysBurnInSubtitleWhenTranscoding`.
    pub always_burn_in_subtitle_when_transcoding: bool,
    /// Codec-qualified options (`h264-level` = `41`).
    pub stream_options: Vec<(String, String)>,
    /// Why the file is not played directly.
    pub reasons: TranscodeReasons,
    /// The profile's `Id`, echoed as `DeviceProfileId`.
    pub device_profile_id: Option<String>,
}

impl TranscodePlan {
    /// Whether every stream is copied (a remux: only the container changes).
    pub fn is_remux(&self) -> bool {
        !matches!(self.video, Some(VideoAction::Encode { .. }))
            && !matches!(self.audio, Some(AudioAction::Encode { .. }))
    }
}

/// How the subtitle streams of a source reach the client, given the decision.
#[derive(Debug, Clone, PartialEq)]
pub struct SubtitleContext {
    /// Direct play or transcode.
    pub play_method: PlayMethod,
    /// The container the client receives (a list for direct play).
    pub container: Vec<String>,
    /// The transcode's protocol.
    pub protocol: Option<StreamProtocol>,
    /// The start of an `External` subtitle URL (progressive transcodes start at the request's
    /// position; everything else at 0).
    pub start_position_ticks: i64,
}

/// The decision for one media source.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceDecision {
    /// `SupportsDirectPlay`.
    pub supports_direct_play: bool,
    /// `SupportsDirectStream` (equal to direct play, as in Jellyfin 10.11).
    pub supports_direct_stream: bool,
    /// `SupportsTranscoding`.
    pub supports_transcoding: bool,
    /// What the client will do: `DirectPlay`, `DirectStream` (a remux: every stream copied into
    /// another container) or `Transcode`; `None` when nothing plays.
    pub method: Option<PlayMethod>,
    /// The job behind the `TranscodingUrl` (when not played directly and a transcode is offered).
    pub transcode: Option<TranscodePlan>,
    /// Why the file is not played directly (empty for direct play).
    pub reasons: TranscodeReasons,
    /// The source's container narrowed to one name (`mp4` for `mov,mp4,m4a,...`), as Jellyfin
    /// reports it to a client that sent a profile.
    pub container: Option<String>,
    /// The audio stream played (PlaybackInfo's `DefaultAudioStreamIndex`).
    pub audio_stream_index: Option<i32>,
    /// How the subtitles are delivered.
    pub subtitles: SubtitleContext,
}

/// Why no source can be played.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaybackError {
    /// Nothing fits and no transcode is available (`NoCompatibleStream`).
    NoCompatibleStream,
}

impl PlaybackError {
    /// Jellyfin's `PlaybackErrorCode` name.
    pub fn name(self) -> &'static str {
        match self {
            PlaybackError::NoCompatibleStream => "NoCompatibleStream",
        }
    }
}
