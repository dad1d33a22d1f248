//! What an HLS stream outputs ([`HlsOutput`]) and the `ffmpeg` command line producing its
//! segments ([`ffmpeg_args`]).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::playback::{SourceFacts, StreamFacts, StreamKind};

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
    },
    /// Encoded to H.264 with libx264.
    H264 {
        /// Target bit rate.
        bitrate: Option<i64>,
        /// Output width (`None`: the source's, unknown).
        width: Option<i32>,
        /// Output height.
        height: Option<i32>,
        /// Frame rate (the source's).
        frame_rate: Option<f64>,
        /// Whether the source is larger than the output (`scale` filter).
        scale: bool,
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

impl HlsOutput {
    /// Chooses, for the source at `input` with `facts` and `duration_ticks`, the streams and
    /// whether each is copied (its codec is acceptable and within the limits, and copying is
    /// allowed) or encoded (video to H.264 scaled into `MaxWidth`x`MaxHeight`, audio to AAC
    /// with at most the allowed channels).
    pub fn choose(
        input: PathBuf,
        duration_ticks: i64,
        facts: &SourceFacts,
        request: &HlsRequest,
    ) -> Self {
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
            let output = match video_copyable(s, request) {
                Some(codec) => VideoOutput::Copy {
                    codec,
                    width: s.width,
                    height: s.height,
                    frame_rate: s.real_frame_rate.or(s.average_frame_rate),
                    bitrate: s.bit_rate,
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
                    VideoOutput::H264 {
                        bitrate,
                        width,
                        height,
                        frame_rate: s.real_frame_rate.or(s.average_frame_rate),
                        scale,
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
            Some(VideoOutput::H264 { bitrate, .. }) => bitrate.unwrap_or(0),
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

fn seconds(s: f64) -> String {
    let text = format!("{s:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The `ffmpeg` arguments producing `output`'s segments `start_segment..` into `dir`: input
/// seek to the segment's start, timestamps kept from the source (`-copyts -start_at_zero`) so
/// that each segment carries its place in the media, key frames forced every segment length
/// from the seek point, segments `dir/{n}.{ts|mp4}` (fMP4: init segment `dir/init.mp4`, fragments with absolute
/// decode times), the playlist
/// `dir/stream.m3u8`, and progress on stdout (`-progress pipe:1`).
pub fn ffmpeg_args(output: &HlsOutput, dir: &Path, start_segment: u32) -> Vec<OsString> {
    let seg = output.segment_seconds;
    let start = f64::from(start_segment) * f64::from(seg);
    let mut args: Vec<OsString> = Vec::new();
    let mut push = |items: &[&str]| args.extend(items.iter().map(OsString::from));
    push(&[
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-nostats",
        "-progress",
        "pipe:1",
    ]);
    if start_segment > 0 {
        push(&["-ss", &seconds(start)]);
    }
    args.push("-i".into());
    args.push(output.input.clone().into_os_string());
    let mut push = |items: &[&str]| args.extend(items.iter().map(OsString::from));
    if let Some(v) = &output.video {
        push(&["-map", &format!("0:{}", v.index)]);
    }
    if let Some(a) = &output.audio {
        push(&["-map", &format!("0:{}", a.index)]);
    }
    match output.video.as_ref().map(|v| &v.output) {
        Some(VideoOutput::Copy { .. }) => push(&["-c:v", "copy"]),
        Some(VideoOutput::H264 {
            bitrate,
            width,
            height,
            scale,
            ..
        }) => {
            push(&["-c:v", "libx264", "-preset", "veryfast"]);
            let filter = match (width, height) {
                (Some(w), Some(h)) if *scale => format!("scale={w}:{h},format=yuv420p"),
                _ => "format=yuv420p".to_owned(),
            };
            push(&["-vf", &filter]);
            if let Some(b) = bitrate {
                push(&[
                    "-b:v",
                    &b.to_string(),
                    "-maxrate",
                    &b.to_string(),
                    "-bufsize",
                    &(b * 2).to_string(),
                ]);
            }
            push(&[
                "-force_key_frames",
                // `t` counts from the output's start (the seek point), not the source's.
                &format!("expr:gte(t,n_forced*{seg})"),
                "-sc_threshold",
                "0",
            ]);
        }
        None => push(&["-vn"]),
    }
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
    push(&[
        "-sn",
        "-dn",
        "-map_metadata",
        "-1",
        "-map_chapters",
        "-1",
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
