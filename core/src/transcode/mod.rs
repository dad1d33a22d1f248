//! ffmpeg jobs: command lines, supervision, HLS segments.
//!
//! - [`command`]: what an HLS stream outputs ([`HlsOutput`], chosen from the item's streams and
//!   the `TranscodingUrl` parameters by [`HlsOutput::choose`]) and the `ffmpeg` command line
//!   producing its segments from a given segment on ([`ffmpeg_args`]).
//! - [`hwaccel`]: the video pipeline of an encode: encoding options, what the machine offers
//!   (detected once), hardware or software decode, scaling, tone mapping, subtitle burn-in and
//!   encoder, each fallback with its reason.
//! - [`playlist`]: the `master.m3u8` and `main.m3u8` texts (the whole duration listed up front).
//! - [`jobs`]: the [`Transcoder`] handle owning the running `ffmpeg` children (one per play
//!   session), answering segment requests (serve, wait for, or restart at the segment), killing
//!   jobs on request, on playback stop, or when idle, and deleting their temporary files;
//!   throttling encoders far ahead of their player; progressive jobs read through a pipe.
//! - [`progressive`]: progressive outputs (one file to a pipe) and their command line, and the
//!   device profile of a universal audio request.

pub mod command;
pub mod hwaccel;
pub mod jobs;
pub mod playlist;
pub mod progressive;

use std::path::PathBuf;
use std::time::Duration;

pub use command::{
    burn_in, ffmpeg_args, AudioOutput, HlsOutput, HlsRequest, SegmentFormat, StreamChoice,
    VideoOutput,
};
pub use hwaccel::{Capabilities, EncoderSetup, EncodingOptions, VideoPipeline};
pub use jobs::{JobInfo, JobKey, ProgressiveStopper, ProgressiveStream, Transcoder};
pub use playlist::{
    codecs, master_playlist, media_playlist, subtitle_group, subtitle_playlist, HlsSubtitles,
    SubtitleRendition,
};
pub use progressive::{
    progressive_args, ProgressiveContainer, ProgressiveOutput, UniversalAudioRequest,
};

/// Jellyfin's default HLS segment length, in seconds.
pub const DEFAULT_SEGMENT_SECONDS: u32 = 6;

/// Settings of a [`Transcoder`].
#[derive(Debug, Clone, PartialEq)]
pub struct TranscodeConfig {
    /// The `ffmpeg` binary (default `ffmpeg`, looked up on `PATH`).
    pub ffmpeg: PathBuf,
    /// Where each job's temporary directory is created (default `<data_dir>/transcodes`).
    pub dir: PathBuf,
    /// How many `ffmpeg` children may run at once (default 2; finished jobs keeping their
    /// segments for the player do not count).
    pub max_jobs: usize,
    /// A job without segment requests for this long is killed (default 60 s).
    pub idle_timeout: Duration,
    /// How long a segment request waits for the segment to be written (default 60 s).
    pub segment_wait: Duration,
    /// Between SIGTERM and SIGKILL (default 3 s).
    pub kill_grace: Duration,
    /// A segment this many segments or fewer past the encoder's position is waited for; a
    /// request further away restarts the job there (default 3).
    pub wait_window: u32,
    /// Jellyfin's `EnableThrottling`: pause an HLS job's `ffmpeg` (SIGSTOP) while it is
    /// `throttle_delay` or more ahead of the last segment its player asked for, resume it
    /// (SIGCONT) when the player comes within range (default false, as in Jellyfin; changed at
    /// run time by [`Transcoder::set_throttling`]).
    pub enable_throttling: bool,
    /// Jellyfin's `ThrottleDelaySeconds` (default 180 s).
    pub throttle_delay: Duration,
    /// Where DRM render nodes are looked for (default `/dev/dri`).
    pub render_node_dir: PathBuf,
    /// How long each hardware detection command may run (default 10 s).
    pub detect_timeout: Duration,
}

impl TranscodeConfig {
    /// The defaults, with temporary directories under `<data_dir>/transcodes`.
    pub fn new(data_dir: &std::path::Path) -> Self {
        Self {
            ffmpeg: PathBuf::from("ffmpeg"),
            dir: data_dir.join("transcodes"),
            max_jobs: 2,
            idle_timeout: Duration::from_secs(60),
            segment_wait: Duration::from_secs(60),
            kill_grace: Duration::from_secs(3),
            wait_window: 3,
            enable_throttling: false,
            throttle_delay: Duration::from_secs(180),
            render_node_dir: PathBuf::from("/dev/dri"),
            detect_timeout: Duration::from_secs(10),
        }
    }
}

/// Why a transcode request failed.
#[derive(Debug, thiserror::Error)]
pub enum TranscodeError {
    /// As many `ffmpeg` children as allowed are running.
    #[error("too many transcoding jobs (limit {limit})")]
    TooManyJobs {
        /// The configured limit.
        limit: usize,
    },
    /// The segment number is outside the media.
    #[error("segment {0} is outside the media")]
    NoSuchSegment(i64),
    /// `ffmpeg` could not be started.
    #[error("cannot start {ffmpeg}: {source}")]
    Spawn {
        /// The binary.
        ffmpeg: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// `ffmpeg` ended without writing the segment.
    #[error("ffmpeg failed before segment {segment} was written: {log}")]
    Failed {
        /// The segment asked for.
        segment: i64,
        /// The end of ffmpeg's error output.
        log: String,
    },
    /// The segment was not written in time.
    #[error("segment {0} was not written in time")]
    Timeout(i64),
    /// A progressive output container this server does not write.
    #[error("unsupported output container {0:?}")]
    UnsupportedContainer(String),
    /// The job's files could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

#[cfg(test)]
mod tests;
