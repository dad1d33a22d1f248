//! Progressive transcoding: one file written by `ffmpeg` to a pipe and sent to the client as
//! it is produced (`/Videos/{id}/stream.{container}` with transcoding parameters, and
//! `/Audio/{id}/universal` over http), and the device profile a universal audio request
//! stands for (Jellyfin's `UniversalAudioController.GetDeviceProfile`).
//!
//! The streams are chosen as for HLS ([`HlsOutput::choose`]: copied when acceptable, video
//! encoded to H.264); encoded audio goes to the first codec of `AudioCodec` the container can
//! hold (AAC, MP3, Opus, Vorbis, FLAC, ALAC, AC-3, E-AC-3, PCM), else the container's usual one.
//! Output timestamps start at zero at `StartTimeTicks` (Jellyfin's progressive streams without
//! `CopyTimestamps`). MP4 is fragmented (`frag_keyframe+empty_moov`) since a pipe cannot seek.

use std::ffi::OsString;
use std::path::PathBuf;

use super::command::{
    audio_codec_args, input_args, map_args, seconds, video_codec_args, AudioOutput, HlsOutput,
    HlsRequest, NO_SIDE_OUTPUTS,
};
use super::{EncoderSetup, TranscodeError};
use crate::playback::{DeviceProfile, SourceFacts, StreamProtocol};

/// A container a progressive job writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressiveContainer {
    /// Matroska (`mkv`).
    Matroska,
    /// WebM (`webm`; Matroska restricted to VP8/VP9/AV1 and Vorbis/Opus).
    WebM,
    /// MPEG-TS (`ts`, `mpegts`, `m2ts`).
    MpegTs,
    /// Fragmented MP4 (`mp4`, `m4v`, `mov`).
    Mp4,
    /// Fragmented MP4 audio (`m4a`).
    M4a,
    /// MP3 (`mp3`).
    Mp3,
    /// ADTS AAC (`aac`).
    Aac,
    /// FLAC (`flac`).
    Flac,
    /// Ogg (`ogg`, `oga`, `opus`).
    Ogg,
    /// WAV (`wav`).
    Wav,
}

impl ProgressiveContainer {
    /// From a container name (`mkv`, `.ts`, `MP3`...); `None` for one this server does not write.
    pub fn parse(name: &str) -> Option<Self> {
        let name = name.trim().trim_start_matches('.').to_ascii_lowercase();
        Some(match name.as_str() {
            "mkv" | "matroska" => Self::Matroska,
            "webm" => Self::WebM,
            "ts" | "mpegts" | "m2ts" => Self::MpegTs,
            "mp4" | "m4v" | "mov" => Self::Mp4,
            "m4a" => Self::M4a,
            "mp3" => Self::Mp3,
            "aac" => Self::Aac,
            "flac" => Self::Flac,
            "ogg" | "oga" | "opus" => Self::Ogg,
            "wav" => Self::Wav,
            _ => return None,
        })
    }

    /// Whether the container holds video.
    pub fn has_video(self) -> bool {
        matches!(self, Self::Matroska | Self::WebM | Self::MpegTs | Self::Mp4)
    }

    /// The MIME type of the response.
    pub fn mime_type(self) -> &'static str {
        match self {
            Self::Matroska => "video/x-matroska",
            Self::WebM => "video/webm",
            Self::MpegTs => "video/mp2t",
            Self::Mp4 => "video/mp4",
            Self::M4a => "audio/mp4",
            Self::Mp3 => "audio/mpeg",
            Self::Aac => "audio/aac",
            Self::Flac => "audio/flac",
            Self::Ogg => "audio/ogg",
            Self::Wav => "audio/wav",
        }
    }

    /// The `ffmpeg` muxer and its options for a pipe.
    fn muxer(self) -> &'static [&'static str] {
        match self {
            Self::Matroska => &["-f", "matroska"],
            Self::WebM => &["-f", "webm"],
            Self::MpegTs => &["-f", "mpegts"],
            Self::Mp4 | Self::M4a => &[
                "-f",
                "mp4",
                "-movflags",
                "frag_keyframe+empty_moov+default_base_moof",
            ],
            Self::Mp3 => &["-f", "mp3"],
            Self::Aac => &["-f", "adts"],
            Self::Flac => &["-f", "flac"],
            Self::Ogg => &["-f", "ogg"],
            Self::Wav => &["-f", "wav"],
        }
    }

    /// The audio codecs (ffmpeg's names) the container holds, its usual one first.
    fn audio_codecs(self) -> &'static [&'static str] {
        match self {
            Self::Matroska => &[
                "aac",
                "mp3",
                "opus",
                "vorbis",
                "flac",
                "ac3",
                "eac3",
                "alac",
                "pcm_s16le",
            ],
            Self::WebM => &["opus", "vorbis"],
            Self::MpegTs => &["aac", "mp3", "ac3", "eac3", "opus"],
            Self::Mp4 | Self::M4a => &["aac", "mp3", "alac", "flac", "opus", "ac3", "eac3"],
            Self::Mp3 => &["mp3"],
            Self::Aac => &["aac"],
            Self::Flac => &["flac"],
            Self::Ogg => &["opus", "vorbis", "flac"],
            Self::Wav => &["pcm_s16le"],
        }
    }
}

/// A codec name of a request (`wav`, `pcm`, `mp3`...) as ffmpeg's codec name.
fn codec_name(codec: &str) -> String {
    match codec.trim().to_ascii_lowercase().as_str() {
        "wav" | "pcm" => "pcm_s16le".to_owned(),
        other => other.to_owned(),
    }
}

/// The encoder of an audio codec (ffmpeg's codec name), whether a bit rate applies, and the
/// most channels it takes.
fn audio_encoder(codec: &str) -> (&'static str, bool, Option<i32>) {
    match codec {
        "mp3" => ("libmp3lame", true, Some(2)),
        "opus" => ("libopus", true, Some(8)),
        "vorbis" => ("libvorbis", true, Some(8)),
        "flac" => ("flac", false, Some(8)),
        "alac" => ("alac", false, Some(8)),
        "ac3" => ("ac3", true, Some(6)),
        "eac3" => ("eac3", true, Some(8)),
        "pcm_s16le" => ("pcm_s16le", false, None),
        _ => ("aac", true, Some(8)),
    }
}

/// Everything a progressive job needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressiveOutput {
    /// The streams, copied or encoded (the HLS choice; its segment fields are unused but for
    /// the key frame interval).
    pub streams: HlsOutput,
    /// The output container.
    pub container: ProgressiveContainer,
    /// The codec encoded audio goes to (ffmpeg's name: `aac`, `mp3`, `opus`...).
    pub audio_codec: String,
    /// Where the output starts, in ticks.
    pub start_ticks: i64,
}

impl ProgressiveOutput {
    /// Chooses the output of a progressive transcode of the source at `input` into
    /// `container` from `start_ticks` on, the video encoded through the pipeline `setup`
    /// allows (as for HLS). Errors: a container this server does not write.
    pub fn choose_with(
        input: PathBuf,
        duration_ticks: i64,
        facts: &SourceFacts,
        request: &HlsRequest,
        container: &str,
        start_ticks: i64,
        setup: &EncoderSetup,
    ) -> Result<Self, TranscodeError> {
        let kind = ProgressiveContainer::parse(container)
            .ok_or_else(|| TranscodeError::UnsupportedContainer(container.to_owned()))?;
        let mut streams = HlsOutput::choose_with(input, duration_ticks, facts, request, setup);
        if !kind.has_video() {
            streams.video = None;
        } else if kind == ProgressiveContainer::WebM
            && streams
                .video
                .as_ref()
                .is_some_and(|v| !matches!(&v.output, super::VideoOutput::Copy { codec, .. } if ["vp8", "vp9", "av1"].contains(&codec.as_str())))
        {
            // WebM takes no H.264: this server encodes video to H.264 only.
            return Err(TranscodeError::UnsupportedContainer(container.to_owned()));
        }
        let holds = kind.audio_codecs();
        // A copied codec the container cannot hold is encoded instead.
        if let Some(a) = streams.audio.as_mut() {
            if let AudioOutput::Copy { codec, .. } = &a.output {
                if !holds.contains(&codec.as_str()) {
                    a.output = AudioOutput::Aac {
                        bitrate: request.audio_bitrate.unwrap_or(192_000).min(320_000),
                        channels: request.max_audio_channels,
                    };
                }
            }
        }
        let audio_codec = request
            .audio_codecs
            .iter()
            .map(|c| codec_name(c))
            .find(|c| holds.contains(&c.as_str()))
            .unwrap_or_else(|| holds[0].to_owned());
        Ok(ProgressiveOutput {
            streams,
            container: kind,
            audio_codec,
            start_ticks: start_ticks.clamp(0, duration_ticks.max(0)),
        })
    }
}

/// The `ffmpeg` arguments of a progressive job: input seek to the start, the streams' maps and
/// codecs (HLS's: the video pipeline with its hardware and burn-in, and the audio encoder of
/// the target codec), no subtitles, data or metadata,
/// the container's muxer writing to stdout (`pipe:1`), progress on stderr (`-progress pipe:2`).
pub fn progressive_args(output: &ProgressiveOutput) -> Vec<OsString> {
    let streams = &output.streams;
    let seek = (output.start_ticks > 0).then(|| seconds(output.start_ticks as f64 / 1e7));
    let mut args = input_args(streams, "pipe:2", seek.as_deref());
    args.extend(map_args(streams));
    args.extend(video_codec_args(streams));
    match streams.audio.as_ref().map(|a| &a.output) {
        Some(AudioOutput::Aac { bitrate, channels }) if output.audio_codec != "aac" => {
            let (encoder, with_rate, most) = audio_encoder(&output.audio_codec);
            let mut push = |items: &[&str]| args.extend(items.iter().map(OsString::from));
            push(&["-c:a", encoder]);
            // Unknown channels are capped too when the encoder takes so few (MP3: 2).
            let channels = match (*channels, most) {
                (Some(c), Some(m)) => Some(c.min(m)),
                (None, Some(2)) => Some(2),
                (c, _) => c,
            };
            if let Some(c) = channels {
                push(&["-ac", &c.to_string()]);
            }
            if with_rate {
                push(&["-b:a", &bitrate.to_string()]);
            }
        }
        _ => args.extend(audio_codec_args(streams)),
    }
    let mut push = |items: &[&str]| args.extend(items.iter().map(OsString::from));
    push(&NO_SIDE_OUTPUTS);
    if let Some(ss) = seek.as_deref().filter(|_| burns_in(streams)) {
        // Subtitles are burned in on the media's timestamps (as in HLS jobs: the filters and
        // an external subtitle input are built for them); the output still starts at zero.
        push(&[
            "-copyts",
            "-start_at_zero",
            "-output_ts_offset",
            &format!("-{ss}"),
        ]);
    }
    push(output.container.muxer());
    push(&["pipe:1"]);
    args
}

/// Whether the video is encoded with a subtitle burned in.
fn burns_in(streams: &HlsOutput) -> bool {
    matches!(
        streams.video.as_ref().map(|v| &v.output),
        Some(super::VideoOutput::Encode { pipeline, .. }) if pipeline.burn_in
    )
}

/// The query parameters of `/Audio/{id}/universal` that shape its device profile.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UniversalAudioRequest {
    /// `Container`: containers played as they are, each optionally `container|codec|codec`.
    pub containers: Vec<String>,
    /// `TranscodingContainer` (default `mp3`).
    pub transcoding_container: Option<String>,
    /// `AudioCodec` to transcode to (default `mp3`).
    pub audio_codec: Option<String>,
    /// `TranscodingProtocol` (default http).
    pub transcoding_protocol: Option<StreamProtocol>,
    /// `TranscodingAudioChannels`.
    pub transcoding_audio_channels: Option<i32>,
    /// `MaxAudioChannels`.
    pub max_audio_channels: Option<i32>,
    /// `MaxAudioSampleRate`.
    pub max_audio_sample_rate: Option<i32>,
    /// `MaxAudioBitDepth`.
    pub max_audio_bit_depth: Option<i32>,
    /// `BreakOnNonKeyFrames`.
    pub break_on_non_key_frames: bool,
}

impl UniversalAudioRequest {
    /// The device profile the request stands for (Jellyfin's): one audio direct-play profile
    /// per container (with its codecs), one streaming transcoding profile (the transcoding
    /// container and codec, `mp3` by default, over the requested protocol), and audio codec
    /// conditions (not required) for the sample rate, bit depth and channel limits.
    pub fn profile(&self) -> DeviceProfile {
        use serde_json::{json, Value};
        let direct: Vec<Value> = self
            .containers
            .iter()
            .filter(|c| !c.trim().is_empty())
            .map(|c| {
                let mut parts = c.split('|').map(str::trim).filter(|p| !p.is_empty());
                let container = parts.next().unwrap_or("");
                let codecs: Vec<&str> = parts.collect();
                let mut p = json!({ "Type": "Audio", "Container": container });
                if !codecs.is_empty() {
                    p["AudioCodec"] = Value::from(codecs.join(","));
                }
                p
            })
            .collect();
        let protocol = match self.transcoding_protocol {
            Some(StreamProtocol::Hls) => "hls",
            _ => "http",
        };
        let mut transcoding = json!({
            "Type": "Audio",
            "Context": "Streaming",
            "Container": self.transcoding_container.as_deref().unwrap_or("mp3"),
            "AudioCodec": self.audio_codec.as_deref().unwrap_or("mp3"),
            "Protocol": protocol,
            "BreakOnNonKeyFrames": self.break_on_non_key_frames,
        });
        if let Some(c) = self.transcoding_audio_channels {
            transcoding["MaxAudioChannels"] = Value::from(c.to_string());
        }
        let mut conditions = Vec::new();
        let mut limit = |property: &str, value: Option<i32>| {
            if let Some(v) = value {
                conditions.push(json!({
                    "Condition": "LessThanEqual",
                    "Property": property,
                    "Value": v.to_string(),
                    "IsRequired": false,
                }));
            }
        };
        limit("AudioSampleRate", self.max_audio_sample_rate);
        limit("AudioBitDepth", self.max_audio_bit_depth);
        limit("AudioChannels", self.max_audio_channels);
        let mut codec_profiles = Vec::new();
        if !conditions.is_empty() {
            let containers: Vec<&str> = self.containers.iter().map(String::as_str).collect();
            codec_profiles.push(json!({
                "Type": "Audio",
                "Container": containers.join(","),
                "Conditions": conditions,
            }));
        }
        let profile = json!({
            "DirectPlayProfiles": direct,
            "TranscodingProfiles": [transcoding],
            "CodecProfiles": codec_profiles,
        });
        DeviceProfile::from_json(&profile).unwrap_or_default()
    }
}
