//! What an HLS stream outputs ([`HlsOutput`]) and the `ffmpeg` command line producing its
//! segments ([`ffmpeg_args`]). An encoded video carries its [`VideoPipeline`] (hardware or
//! software decode, filters, tone mapping, subtitle burn-in, encoder), chosen by
//! [`hwaccel::plan`] from the [`EncoderSetup`].

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::hwaccel::{
    self, BurnIn, EncodeTarget, EncoderSetup, FilterGraph, PipelineInput, VideoCodec, VideoPipeline,
};
use crate::playback::{SourceFacts, StreamFacts, StreamKind, SubtitleMethod};

/// The HLS segment container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentFormat {
    /// MPEG-TS segments (`.ts`).
    MpegTs,
    /// Fragmented MP4 segments (`.mp4`) after an init segment.
    Fmp4,
}

impl SegmentFormat {
    /// From `SegmentContainer` (`mp4` is fMP4; anything else MPEG-TS, Jellyfin's default).
    pub fn from_container(container: Option<&str>) -> Self {
        match container {
            Some(c) if c.eq_ignore_ascii_case("mp4") || c.eq_ignore_ascii_case("fmp4") => {
                SegmentFormat::Fmp4
            }
            _ => SegmentFormat::MpegTs,
        }
    }

    /// The segment file extension (`ts`, `mp4`).
    pub fn extension(self) -> &'static str {
        match self {
            SegmentFormat::MpegTs => "ts",
            SegmentFormat::Fmp4 => "mp4",
        }
    }
}

/// The parameters of a `master.m3u8`/`main.m3u8`/segment request that shape the output, as the
/// `TranscodingUrl` carries them (the server reads them from the query).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HlsRequest {
    /// `VideoCodec`: acceptable video codecs in preference order.
    pub video_codecs: Vec<String>,
    /// `AudioCodec`: acceptable audio codecs in preference order.
    pub audio_codecs: Vec<String>,
    /// `AudioStreamIndex` (default: the source's default audio stream).
    pub audio_stream_index: Option<i32>,
    /// `VideoBitrate`.
    pub video_bitrate: Option<i64>,
    /// `AudioBitrate`.
    pub audio_bitrate: Option<i64>,
    /// `MaxWidth`.
    pub max_width: Option<i32>,
    /// `MaxHeight`.
    pub max_height: Option<i32>,
    /// `TranscodingMaxAudioChannels` (or `MaxAudioChannels`).
    pub max_audio_channels: Option<i32>,
    /// `SegmentContainer`.
    pub segment_container: Option<String>,
    /// `SegmentLength` in seconds (default [`super::DEFAULT_SEGMENT_SECONDS`]).
    pub segment_length: Option<u32>,
    /// `AllowVideoStreamCopy` (default true).
    pub allow_video_stream_copy: bool,
    /// `AllowAudioStreamCopy` (default true).
    pub allow_audio_stream_copy: bool,
    /// Codec-qualified limits (`hevc-videobitdepth` = `10`, `h264-profile` = `high,main`).
    pub stream_options: Vec<(String, String)>,
    /// `SubtitleStreamIndex` (`-1` or `None`: no subtitle).
    pub subtitle_stream_index: Option<i32>,
    /// `SubtitleMethod` (`None`: absent, which is `Encode` when an index is given, as in
    /// Jellyfin, where the enum's default is `Encode`).
    pub subtitle_method: Option<SubtitleMethod>,
}

/// One chosen input stream and what becomes of it.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamChoice<T> {
    /// The input stream index (`-map 0:{index}`).
    pub index: i32,
    /// Copy or encode.
    pub output: T,
}

/// The video output.
#[derive(Debug, Clone, PartialEq)]
pub enum VideoOutput {
    /// Copied: codec and size of the source.
    Copy {
        /// Source codec (`h264`, `hevc`...).
        codec: String,
        /// Source width.
        width: Option<i32>,
        /// Source height.
        height: Option<i32>,
        /// Source frame rate.
        frame_rate: Option<f64>,
        /// Source bit rate.
        bitrate: Option<i64>,
        /// Source codec profile (`High`, `Main 10`), for `CODECS`.
        profile: Option<String>,
        /// Source codec level (`41`; HEVC: `153`), for `CODECS`.
        level: Option<f64>,
        /// Source bit depth, for `CODECS`.
        bit_depth: Option<i32>,
    },
    /// Encoded (H.264, or HEVC when allowed and preferred) through a [`VideoPipeline`].
    Encode {
        /// The codec.
        codec: VideoCodec,
        /// Target bit rate.
        bitrate: Option<i64>,
        /// Output width (`None`: the source's, unknown).
        width: Option<i32>,
        /// Output height.
        height: Option<i32>,
        /// Frame rate (the source's).
        frame_rate: Option<f64>,
        /// The profile the encoder is asked for (`high`, `main`, `baseline`), see
        /// [`h264_target`] and [`hevc_target`].
        profile: String,
        /// The level asked for (`41` is 4.1; HEVC: `120` is 4.0), see [`h264_target`] and
        /// [`hevc_target`].
        level: i32,
        /// How it is decoded, filtered and encoded (which hardware, and why not).
        pipeline: Box<VideoPipeline>,
    },
}

/// The audio output.
#[derive(Debug, Clone, PartialEq)]
pub enum AudioOutput {
    /// Copied.
    Copy {
        /// Source codec.
        codec: String,
        /// Source bit rate.
        bitrate: Option<i64>,
        /// Source codec profile (`LC`, `HE-AAC`, `DTS-HD MA`), for `CODECS`.
        profile: Option<String>,
    },
    /// Encoded to AAC-LC.
    Aac {
        /// Target bit rate.
        bitrate: i64,
        /// Output channels.
        channels: Option<i32>,
    },
}

/// Everything an HLS job needs: the input, its duration, the segment layout and what happens
/// to each stream. Equal outputs share a job.
#[derive(Debug, Clone, PartialEq)]
pub struct HlsOutput {
    /// The source file (from the store).
    pub input: PathBuf,
    /// The media duration in ticks (100 ns).
    pub duration_ticks: i64,
    /// Segment length in seconds.
    pub segment_seconds: u32,
    /// Segment container.
    pub format: SegmentFormat,
    /// The video stream (`None`: audio only).
    pub video: Option<StreamChoice<VideoOutput>>,
    /// The audio stream (`None`: no audio).
    pub audio: Option<StreamChoice<AudioOutput>>,
}

fn lower_list(values: &[String]) -> Vec<String> {
    values
        .iter()
        .map(|v| v.trim().to_ascii_lowercase())
        .collect()
}

fn option<'a>(request: &'a HlsRequest, codec: &str, name: &str) -> Option<&'a str> {
    let key = format!("{codec}-{name}");
    request
        .stream_options
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(&key))
        .map(|(_, v)| v.as_str())
}

/// The size `(w, h)` scaled down to fit `max_w` x `max_h`, aspect kept, even numbers.
pub fn fit_size(w: i32, h: i32, max_w: Option<i32>, max_h: Option<i32>) -> (i32, i32) {
    let mut scale = 1.0f64;
    if let Some(mw) = max_w.filter(|m| *m > 0 && w > *m) {
        scale = scale.min(mw as f64 / w as f64);
    }
    if let Some(mh) = max_h.filter(|m| *m > 0 && h > *m) {
        scale = scale.min(mh as f64 / h as f64);
    }
    let even = |v: f64| ((v / 2.0).round() as i32 * 2).max(2);
    (even(w as f64 * scale), even(h as f64 * scale))
}

fn video_copyable(stream: &StreamFacts, request: &HlsRequest) -> Option<String> {
    let codec = stream.codec.as_deref()?.to_ascii_lowercase();
    if !request.allow_video_stream_copy || !lower_list(&request.video_codecs).contains(&codec) {
        return None;
    }
    let within = |v: Option<i32>, max: Option<i32>| match (v, max) {
        (Some(v), Some(m)) => v <= m,
        _ => true,
    };
    if !within(stream.width, request.max_width) || !within(stream.height, request.max_height) {
        return None;
    }
    if let (Some(b), Some(max)) = (stream.bit_rate, request.video_bitrate) {
        if b > max {
            return None;
        }
    }
    let max_depth = option(request, &codec, "videobitdepth")
        .and_then(|v| v.trim().parse::<i32>().ok())
        .unwrap_or(if codec == "h264" { 8 } else { 10 });
    if stream.bit_depth.unwrap_or(8) > max_depth {
        return None;
    }
    if let (Some(profiles), Some(profile)) = (
        option(request, &codec, "profile"),
        stream.profile.as_deref(),
    ) {
        let profile = profile.replace(' ', "").to_ascii_lowercase();
        if !crate::playback::container_list(profiles).contains(&profile) {
            return None;
        }
    }
    Some(codec)
}

/// The H.264 profile and level libx264 is told, as Jellyfin picks them: the first profile of
/// the request's `h264-profile` list that libx264 makes (`baseline` for the constrained
/// baseline too, `high` for constrained high and for the 10-bit and unknown ones, since the
/// output is 8-bit 4:2:0), `high` when none; the request's `h264-level` (`41` or `4.1`)
/// capped at 5.1, 4.1 when none. The `CODECS` attribute of the master playlist says the same.
pub fn h264_target(request: &HlsRequest) -> (String, i32) {
    let profile = option(request, "h264", "profile")
        .and_then(|list| crate::playback::container_list(list).into_iter().next())
        .map(|p| p.replace([' ', '_'], ""));
    let profile = match profile.as_deref() {
        Some(p) if p.contains("baseline") => "baseline",
        Some("main") | Some("extended") => "main",
        _ => "high",
    };
    let level = option(request, "h264", "level")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v > 0.0)
        .map(|v| if v < 10.0 { (v * 10.0).round() } else { v.round() } as i32)
        .map_or(41, |l| l.min(51));
    (profile.to_owned(), level)
}

/// The HEVC profile and level asked for: `main` (only 8-bit HEVC is made, as in Jellyfin);
/// the request's `hevc-level` (`150` is 5.0, `5` too) capped at 5.0, 4.0 when none.
pub fn hevc_target(request: &HlsRequest) -> (String, i32) {
    let level = option(request, "hevc", "level")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v > 0.0)
        .map(|v| if v < 10.0 { (v * 30.0).round() } else { v.round() } as i32)
        .map_or(120, |l| l.min(150));
    ("main".to_owned(), level)
}

/// The codec an encode goes to: the first of the request's `VideoCodec` list that the server
/// encodes (H.264; HEVC when `AllowHevcEncoding` is on), H.264 otherwise.
fn encode_codec(request: &HlsRequest, setup: &EncoderSetup) -> VideoCodec {
    for codec in lower_list(&request.video_codecs) {
        match codec.as_str() {
            "h264" | "avc" => return VideoCodec::H264,
            "hevc" | "h265" if setup.options.allow_hevc_encoding => return VideoCodec::Hevc,
            _ => {}
        }
    }
    VideoCodec::H264
}

/// The subtitle the request burns in: `SubtitleStreamIndex` naming a subtitle stream of the
/// source, with `SubtitleMethod=Encode` or no method (Jellyfin's default). For an external
/// picture file the first timestamp is read from the file's head
/// ([`hwaccel::subtitle_file_start`]).
pub fn burn_in(facts: &SourceFacts, request: &HlsRequest) -> Option<BurnIn> {
    let index = request.subtitle_stream_index.filter(|i| *i >= 0)?;
    if request
        .subtitle_method
        .is_some_and(|m| m != SubtitleMethod::Encode)
    {
        return None;
    }
    let stream = facts.stream(StreamKind::Subtitle, index)?;
    let codec = stream.codec.clone().unwrap_or_default();
    let external = if stream.is_external {
        let path = PathBuf::from(stream.path.as_deref()?);
        // VobSub pictures are read through their index.
        let idx = path.with_extension("idx");
        let is_sub = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("sub"));
        Some(if !stream.is_text && is_sub && idx.is_file() {
            idx
        } else {
            path
        })
    } else {
        None
    };
    let external_start = external
        .as_deref()
        .filter(|_| !stream.is_text)
        .and_then(hwaccel::subtitle_file_start);
    let ordinal = facts
        .streams
        .iter()
        .filter(|s| s.is(StreamKind::Subtitle) && !s.is_external && s.index < index)
        .count();
    Some(BurnIn {
        index,
        is_text: stream.is_text,
        codec,
        external,
        external_start,
        ordinal,
    })
}

impl HlsOutput {
    /// [`Self::choose_with`] for software encoding under Jellyfin's default options.
    pub fn choose(
        input: PathBuf,
        duration_ticks: i64,
        facts: &SourceFacts,
        request: &HlsRequest,
    ) -> Self {
        Self::choose_with(
            input,
            duration_ticks,
            facts,
            request,
            &EncoderSetup::software(),
        )
    }

    /// Chooses, for the source at `input` with `facts` and `duration_ticks`, the streams and
    /// whether each is copied (its codec is acceptable and within the limits, copying is
    /// allowed, and for video no subtitle is burned in) or encoded (video to H.264, or HEVC,
    /// scaled into `MaxWidth`x`MaxHeight` through the pipeline `setup` allows, with the
    /// requested subtitle burned in; audio to AAC with at most the allowed channels).
    pub fn choose_with(
        input: PathBuf,
        duration_ticks: i64,
        facts: &SourceFacts,
        request: &HlsRequest,
        setup: &EncoderSetup,
    ) -> Self {
        let burn = burn_in(facts, request);
        let segment_seconds = request
            .segment_length
            .filter(|l| *l > 0)
            .unwrap_or(super::DEFAULT_SEGMENT_SECONDS);
        let video_stream = if facts.is_audio {
            None
        } else {
            facts
                .streams
                .iter()
                .find(|s| s.kind == Some(StreamKind::Video) && !s.is_external)
        };
        let video = video_stream.map(|s| {
            let copy = burn.is_none().then(|| video_copyable(s, request)).flatten();
            let output = match copy {
                Some(codec) => VideoOutput::Copy {
                    codec,
                    width: s.width,
                    height: s.height,
                    frame_rate: s.real_frame_rate.or(s.average_frame_rate),
                    bitrate: s.bit_rate,
                    profile: s.profile.clone(),
                    level: s.level,
                    bit_depth: s.bit_depth,
                },
                None => {
                    let (width, height, scale) = match (s.width, s.height) {
                        (Some(w), Some(h)) if w > 0 && h > 0 => {
                            let (ow, oh) = fit_size(w, h, request.max_width, request.max_height);
                            (Some(ow), Some(oh), (ow, oh) != (w, h))
                        }
                        _ => (None, None, false),
                    };
                    let bitrate = match (request.video_bitrate, s.bit_rate) {
                        (Some(r), Some(src)) => Some(r.min(src.max(1_000_000))),
                        (r, src) => r.or(src),
                    };
                    let codec = encode_codec(request, setup);
                    let (profile, level) = match codec {
                        VideoCodec::H264 => h264_target(request),
                        VideoCodec::Hevc => hevc_target(request),
                    };
                    let frame_rate = s.real_frame_rate.or(s.average_frame_rate);
                    let target = EncodeTarget {
                        codec,
                        width,
                        height,
                        scale,
                        bitrate,
                        frame_rate,
                        segment_seconds,
                        profile: Some(profile.clone()),
                        level: Some(level.to_string()),
                    };
                    let pipeline = hwaccel::plan(
                        setup,
                        PipelineInput {
                            input: &input,
                            video: s,
                            target: &target,
                            burn_in: burn.as_ref(),
                        },
                    );
                    VideoOutput::Encode {
                        codec,
                        bitrate,
                        width: pipeline.width.or(width),
                        height: pipeline.height.or(height),
                        frame_rate,
                        profile,
                        level,
                        pipeline: Box::new(pipeline),
                    }
                }
            };
            StreamChoice {
                index: s.index,
                output,
            }
        });
        let audio_stream = request
            .audio_stream_index
            .and_then(|i| {
                facts
                    .streams
                    .iter()
                    .find(|s| s.index == i && s.kind == Some(StreamKind::Audio))
            })
            .or_else(|| {
                facts.default_audio_index.and_then(|i| {
                    facts
                        .streams
                        .iter()
                        .find(|s| s.index == i && s.kind == Some(StreamKind::Audio))
                })
            })
            .or_else(|| {
                facts
                    .streams
                    .iter()
                    .find(|s| s.kind == Some(StreamKind::Audio) && !s.is_external)
            });
        let audio = audio_stream.map(|s| {
            let codec = s.codec.as_deref().unwrap_or("").to_ascii_lowercase();
            let channels_ok = match (s.channels, request.max_audio_channels) {
                (Some(c), Some(m)) => c <= m,
                _ => true,
            };
            let output = if request.allow_audio_stream_copy
                && !codec.is_empty()
                && lower_list(&request.audio_codecs).contains(&codec)
                && channels_ok
            {
                AudioOutput::Copy {
                    codec,
                    bitrate: s.bit_rate,
                    profile: s.profile.clone(),
                }
            } else {
                let channels = match (s.channels, request.max_audio_channels) {
                    (Some(c), Some(m)) => Some(c.min(m)),
                    (c, m) => c.or(m),
                };
                let per_channel = 96_000 * i64::from(channels.unwrap_or(2).max(1));
                let bitrate = request.audio_bitrate.unwrap_or(192_000).min(per_channel);
                AudioOutput::Aac { bitrate, channels }
            };
            StreamChoice {
                index: s.index,
                output,
            }
        });
        HlsOutput {
            input,
            duration_ticks: duration_ticks.max(0),
            segment_seconds,
            format: SegmentFormat::from_container(request.segment_container.as_deref()),
            video,
            audio,
        }
    }

    /// How many segments cover the duration.
    pub fn segment_count(&self) -> u32 {
        let len = i64::from(self.segment_seconds) * 10_000_000;
        ((self.duration_ticks + len - 1) / len).max(1) as u32
    }

    /// The length in seconds of segment `n` (the last one is shorter).
    pub fn segment_duration(&self, n: u32) -> f64 {
        let total = self.duration_ticks as f64 / 1e7;
        let start = f64::from(n) * f64::from(self.segment_seconds);
        (total - start).clamp(0.0, f64::from(self.segment_seconds))
    }

    /// The sum of the output bit rates (bits per second), for `BANDWIDTH`.
    pub fn bandwidth(&self) -> i64 {
        let video = match self.video.as_ref().map(|v| &v.output) {
            Some(VideoOutput::Copy { bitrate, .. }) => bitrate.unwrap_or(0),
            Some(VideoOutput::Encode { bitrate, .. }) => bitrate.unwrap_or(0),
            None => 0,
        };
        let audio = match self.audio.as_ref().map(|a| &a.output) {
            Some(AudioOutput::Copy { bitrate, .. }) => bitrate.unwrap_or(0),
            Some(AudioOutput::Aac { bitrate, .. }) => *bitrate,
            None => 0,
        };
        video + audio
    }
}

/// Seconds for `-ss` (`12.5`, at most three decimals).
pub(crate) fn seconds(s: f64) -> String {
    let text = format!("{s:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The arguments a job's command starts with, shared by the HLS command and the progressive
/// one: quiet logging, progress written to `progress` (`pipe:1`, `pipe:2`), the video
/// pipeline's devices and hardware decoding, the input seek `seek` (seconds), the media file and
/// the extra inputs (an external picture subtitle to burn in; not seeked).
pub(crate) fn input_args(output: &HlsOutput, progress: &str, seek: Option<&str>) -> Vec<OsString> {
    let mut args: Vec<OsString> = Vec::new();
    let mut push = |items: &[&str]| args.extend(items.iter().map(OsString::from));
    push(&[
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-nostats",
        "-progress",
        progress,
    ]);
    args.extend(video_input_args(output));
    if let Some(ss) = seek {
        args.extend(["-ss".into(), ss.into()]);
    }
    args.push("-i".into());
    args.push(output.input.clone().into_os_string());
    args.extend(extra_input_args(output));
    args
}

/// The outputs a job leaves out: subtitle and data streams, metadata and chapters.
pub(crate) const NO_SIDE_OUTPUTS: [&str; 6] =
    ["-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1"];

/// The `ffmpeg` arguments producing `output`'s segments `start_segment..` into `dir`: input
/// seek to the segment's start, timestamps kept from the source (`-copyts -start_at_zero`) so
/// that each segment carries its place in the media, key frames forced every segment length
/// from the seek point, segments `dir/{n}.{ts|mp4}` (fMP4: init segment `dir/init.mp4`, fragments with absolute
/// decode times), the playlist
/// `dir/stream.m3u8`, and progress on stdout (`-progress pipe:1`).
pub fn ffmpeg_args(output: &HlsOutput, dir: &Path, start_segment: u32) -> Vec<OsString> {
    let seg = output.segment_seconds;
    let start = f64::from(start_segment) * f64::from(seg);
    let seek = (start_segment > 0).then(|| seconds(start));
    let mut args = input_args(output, "pipe:1", seek.as_deref());
    args.extend(stream_args(output));
    let mut push = |items: &[&str]| args.extend(items.iter().map(OsString::from));
    push(&NO_SIDE_OUTPUTS);
    push(&[
        "-copyts",
        "-start_at_zero",
        "-avoid_negative_ts",
        "disabled",
        "-muxdelay",
        "0",
        "-f",
        "hls",
        "-hls_time",
        &seg.to_string(),
        "-hls_segment_type",
        match output.format {
            SegmentFormat::MpegTs => "mpegts",
            SegmentFormat::Fmp4 => "fmp4",
        },
    ]);
    if output.format == SegmentFormat::Fmp4 {
        // Fragments carry absolute decode times, so that a restarted job's segments play
        // after the init segment of the first one.
        push(&[
            "-hls_fmp4_init_filename",
            "init.mp4",
            "-hls_segment_options",
            "movflags=+frag_discont",
        ]);
    }
    push(&[
        "-start_number",
        &start_segment.to_string(),
        "-hls_list_size",
        "0",
        "-hls_playlist_type",
        "event",
        "-hls_segment_filename",
    ]);
    args.push(
        dir.join(format!("%d.{}", output.format.extension()))
            .into_os_string(),
    );
    args.push(dir.join("stream.m3u8").into_os_string());
    args
}

/// The `-map` and codec arguments of `output`'s streams (video copied or encoded with libx264
/// at its profile and level, key frames every segment; audio copied or encoded to AAC), shared
/// by the HLS command and the progressive one.
pub(crate) fn stream_args(output: &HlsOutput) -> Vec<OsString> {
    let mut args = map_args(output);
    args.extend(video_codec_args(output));
    args.extend(audio_codec_args(output));
    args
}

/// The encoded video's pipeline, if any.
fn pipeline(output: &HlsOutput) -> Option<&VideoPipeline> {
    match output.video.as_ref().map(|v| &v.output) {
        Some(VideoOutput::Encode { pipeline, .. }) => Some(pipeline),
        _ => None,
    }
}

/// The arguments before the input (`-ss` and `-i`): the video pipeline's devices and hardware
/// decoding (none for software).
fn video_input_args(output: &HlsOutput) -> Vec<OsString> {
    pipeline(output)
        .map(|p| p.input_args.iter().map(OsString::from).collect())
        .unwrap_or_default()
}

/// The inputs after the media file (an external picture subtitle to burn in; not seeked).
fn extra_input_args(output: &HlsOutput) -> Vec<OsString> {
    let mut args: Vec<OsString> = Vec::new();
    for input in pipeline(output).map_or(&[][..], |p| &p.extra_inputs[..]) {
        args.extend(input.options.iter().map(OsString::from));
        args.push("-i".into());
        args.push(input.path.clone().into_os_string());
    }
    args
}

/// The `-map`s of `output`'s streams: the video stream, or the output of the filter graph
/// that overlays a subtitle on it (`-filter_complex`), then the audio stream.
pub(crate) fn map_args(output: &HlsOutput) -> Vec<OsString> {
    let mut args: Vec<OsString> = Vec::new();
    let mut push = |items: &[&str]| args.extend(items.iter().map(OsString::from));
    if let Some(v) = &output.video {
        match pipeline(output).map(|p| &p.filter) {
            Some(FilterGraph::Complex(graph)) => push(&[
                "-filter_complex",
                graph,
                "-map",
                hwaccel::pipeline::OUTPUT_LABEL,
            ]),
            _ => push(&["-map", &format!("0:{}", v.index)]),
        }
    }
    if let Some(a) = &output.audio {
        push(&["-map", &format!("0:{}", a.index)]);
    }
    args
}

/// The video codec arguments of `output` (`-vn` without video): copy, or the pipeline's
/// encoder, its `-vf` chain (a graph with a subtitle input is in [`map_args`]) and the encoder's
/// arguments.
pub(crate) fn video_codec_args(output: &HlsOutput) -> Vec<OsString> {
    let mut args: Vec<OsString> = Vec::new();
    let mut push = |items: &[&str]| args.extend(items.iter().map(OsString::from));
    match output.video.as_ref().map(|v| &v.output) {
        Some(VideoOutput::Copy { .. }) => push(&["-c:v", "copy"]),
        Some(VideoOutput::Encode {
            codec, pipeline, ..
        }) => {
            push(&["-c:v", &pipeline.encoder]);
            args.extend(pipeline.encoder_args.iter().map(OsString::from));
            if let FilterGraph::Simple(chain) = &pipeline.filter {
                args.extend(["-vf".into(), chain.into()]);
            }
            args.extend(pipeline.rate_args.iter().map(OsString::from));
            if *codec == VideoCodec::Hevc && output.format == SegmentFormat::Fmp4 {
                // Apple players want HEVC tagged `hvc1` in MP4.
                args.extend(["-tag:v".into(), "hvc1".into()]);
            }
        }
        None => push(&["-vn"]),
    }
    args
}

/// The audio codec arguments of `output` (`-an` without audio).
pub(crate) fn audio_codec_args(output: &HlsOutput) -> Vec<OsString> {
    let mut args: Vec<OsString> = Vec::new();
    let mut push = |items: &[&str]| args.extend(items.iter().map(OsString::from));
    match output.audio.as_ref().map(|a| &a.output) {
        Some(AudioOutput::Copy { .. }) => push(&["-c:a", "copy"]),
        Some(AudioOutput::Aac { bitrate, channels }) => {
            push(&["-c:a", "aac"]);
            if let Some(c) = channels {
                push(&["-ac", &c.to_string()]);
            }
            push(&["-b:a", &bitrate.to_string()]);
        }
        None => push(&["-an"]),
    }
    args
}

/// Logs the start of a job: what it outputs and, for an encoded video, the pipeline chosen
/// and every fallback reason.
pub(crate) fn log_job_start(output: &HlsOutput, start_segment: u32, pid: u32) {
    let video = match output.video.as_ref().map(|v| &v.output) {
        Some(VideoOutput::Copy { codec, .. }) => format!("copy {codec}"),
        Some(VideoOutput::Encode { pipeline, .. }) => pipeline.describe(),
        None => "none".to_owned(),
    };
    let audio = match output.audio.as_ref().map(|a| &a.output) {
        Some(AudioOutput::Copy { codec, .. }) => format!("copy {codec}"),
        Some(AudioOutput::Aac { .. }) => "aac".to_owned(),
        None => "none".to_owned(),
    };
    tracing::info!(
        pid,
        start_segment,
        input = %output.input.display(),
        "transcode started: video {video}; audio {audio}"
    );
}
