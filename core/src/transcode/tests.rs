use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::command::{fit_size, AudioOutput, HlsOutput, HlsRequest, VideoOutput};
use super::jobs::{parse_out_time, JobKey};
use super::*;
use crate::playback::{SourceFacts, StreamFacts, StreamKind};

fn video(index: i32, codec: &str, w: i32, h: i32, depth: i32) -> StreamFacts {
    StreamFacts {
        index,
        kind: Some(StreamKind::Video),
        codec: Some(codec.into()),
        width: Some(w),
        height: Some(h),
        bit_depth: Some(depth),
        real_frame_rate: Some(24.0),
        bit_rate: Some(8_000_000),
        ..StreamFacts::default()
    }
}

fn audio(index: i32, codec: &str, channels: i32) -> StreamFacts {
    StreamFacts {
        index,
        kind: Some(StreamKind::Audio),
        codec: Some(codec.into()),
        channels: Some(channels),
        bit_rate: Some(448_000),
        ..StreamFacts::default()
    }
}

fn browser_request() -> HlsRequest {
    HlsRequest {
        video_codecs: vec!["h264".into()],
        audio_codecs: vec!["aac".into(), "mp3".into()],
        video_bitrate: Some(4_000_000),
        audio_bitrate: Some(384_000),
        max_width: Some(1280),
        max_audio_channels: Some(2),
        segment_container: Some("ts".into()),
        allow_video_stream_copy: true,
        allow_audio_stream_copy: true,
        ..HlsRequest::default()
    }
}

fn args_text(output: &HlsOutput, start: u32) -> String {
    ffmpeg_args(output, Path::new("/t/job"), start)
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

const HEAD: &str = "-hide_banner -nostdin -loglevel error -nostats -progress pipe:1";
const TAIL: &str = "-sn -dn -map_metadata -1 -map_chapters -1 -copyts -start_at_zero \
     -avoid_negative_ts disabled -muxdelay 0 -f hls -hls_time 6";

#[test]
fn command_lines() {
    let hevc10_ac3 = SourceFacts {
        streams: vec![video(0, "hevc", 1920, 1080, 10), audio(1, "ac3", 6)],
        ..SourceFacts::default()
    };
    let h264_ac3 = SourceFacts {
        streams: vec![
            video(0, "h264", 1280, 720, 8),
            audio(1, "ac3", 6),
            audio(2, "aac", 2),
        ],
        ..SourceFacts::default()
    };
    let flac = SourceFacts {
        is_audio: true,
        streams: vec![audio(0, "flac", 2)],
        ..SourceFacts::default()
    };
    let mp4_request = HlsRequest {
        segment_container: Some("mp4".into()),
        ..browser_request()
    };
    let cases: Vec<(&str, &SourceFacts, HlsRequest, u32, String)> = vec![
        (
            "hevc 10-bit + ac3 to h264 + aac, scaled, from the start",
            &hevc10_ac3,
            browser_request(),
            0,
            format!(
                "{HEAD} -i /m/in.mkv -map 0:0 -map 0:1 -c:v libx264 -preset veryfast -crf 23 \
                 -profile:v high -level 41 -vf scale=1280:720,format=yuv420p -maxrate 4000000 -bufsize 8000000 \
                 -force_key_frames expr:gte(t,n_forced*6) -sc_threshold 0 -c:a aac -ac 2 \
                 -b:a 192000 {TAIL} -hls_segment_type mpegts -start_number 0 -hls_list_size 0 \
                 -hls_playlist_type event -hls_segment_filename /t/job/%d.ts /t/job/stream.m3u8"
            ),
        ),
        (
            "a seek: input seek to the segment's start, numbering from it",
            &hevc10_ac3,
            browser_request(),
            7,
            format!(
                "{HEAD} -ss 42 -i /m/in.mkv -map 0:0 -map 0:1 -c:v libx264 -preset veryfast -crf 23 \
                 -profile:v high -level 41 -vf scale=1280:720,format=yuv420p -maxrate 4000000 -bufsize 8000000 \
                 -force_key_frames expr:gte(t,n_forced*6) -sc_threshold 0 -c:a aac -ac 2 \
                 -b:a 192000 {TAIL} -hls_segment_type mpegts -start_number 7 -hls_list_size 0 \
                 -hls_playlist_type event -hls_segment_filename /t/job/%d.ts /t/job/stream.m3u8"
            ),
        ),
        (
            "copy video, encode the chosen 5.1 ac3 to stereo aac, fMP4",
            &h264_ac3,
            HlsRequest {
                audio_stream_index: Some(1),
                video_bitrate: Some(10_000_000),
                ..mp4_request.clone()
            },
            0,
            format!(
                "{HEAD} -i /m/in.mkv -map 0:0 -map 0:1 -c:v copy -c:a aac -ac 2 -b:a 192000 \
                 {TAIL} -hls_segment_type fmp4 -hls_fmp4_init_filename init.mp4 \
                 -hls_segment_options movflags=+frag_discont -start_number 0 \
                 -hls_list_size 0 -hls_playlist_type event -hls_segment_filename /t/job/%d.mp4 \
                 /t/job/stream.m3u8"
            ),
        ),
        (
            "copy both when the aac track is chosen",
            &h264_ac3,
            HlsRequest {
                audio_stream_index: Some(2),
                video_bitrate: None,
                ..browser_request()
            },
            0,
            format!(
                "{HEAD} -i /m/in.mkv -map 0:0 -map 0:2 -c:v copy -c:a copy {TAIL} \
                 -hls_segment_type mpegts -start_number 0 -hls_list_size 0 \
                 -hls_playlist_type event -hls_segment_filename /t/job/%d.ts /t/job/stream.m3u8"
            ),
        ),
        (
            "audio only: flac to aac",
            &flac,
            browser_request(),
            1,
            format!(
                "{HEAD} -ss 6 -i /m/in.mkv -map 0:0 -vn -c:a aac -ac 2 -b:a 192000 {TAIL} \
                 -hls_segment_type mpegts -start_number 1 -hls_list_size 0 \
                 -hls_playlist_type event -hls_segment_filename /t/job/%d.ts /t/job/stream.m3u8"
            ),
        ),
    ];
    for (name, facts, request, start, expected) in cases {
        let output = HlsOutput::choose(PathBuf::from("/m/in.mkv"), 600_000_000, facts, &request);
        let expected = expected.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(args_text(&output, start), expected, "{name}");
    }
}

#[test]
fn stream_choices() {
    let h264 = SourceFacts {
        streams: vec![video(0, "h264", 1920, 1080, 8), audio(1, "aac", 2)],
        ..SourceFacts::default()
    };
    let choose = |r: &HlsRequest| HlsOutput::choose(PathBuf::from("/x"), 10, &h264, r);
    // Within every limit: copied.
    let copy = HlsRequest {
        max_width: None,
        video_bitrate: Some(10_000_000),
        ..browser_request()
    };
    assert!(matches!(
        choose(&copy).video.unwrap().output,
        VideoOutput::Copy { .. }
    ));
    assert!(matches!(
        choose(&copy).audio.unwrap().output,
        AudioOutput::Copy { .. }
    ));
    // Too wide, copy refused, or bit rate too high: encoded.
    for r in [
        browser_request(),
        HlsRequest {
            max_width: None,
            allow_video_stream_copy: false,
            video_bitrate: Some(10_000_000),
            ..browser_request()
        },
        HlsRequest {
            max_width: None,
            video_bitrate: Some(1_000_000),
            ..browser_request()
        },
    ] {
        assert!(matches!(
            choose(&r).video.unwrap().output,
            VideoOutput::Encode { .. }
        ));
    }
    // A 10-bit h264 is not copied unless the client allows that depth.
    let h264_10 = SourceFacts {
        streams: vec![video(0, "h264", 640, 360, 10)],
        ..SourceFacts::default()
    };
    let r = HlsRequest {
        max_width: None,
        video_bitrate: None,
        ..browser_request()
    };
    let out = HlsOutput::choose(PathBuf::from("/x"), 10, &h264_10, &r);
    assert!(matches!(
        out.video.unwrap().output,
        VideoOutput::Encode { .. }
    ));
    let r = HlsRequest {
        stream_options: vec![("h264-videobitdepth".into(), "10".into())],
        ..r
    };
    let out = HlsOutput::choose(PathBuf::from("/x"), 10, &h264_10, &r);
    assert!(matches!(
        out.video.unwrap().output,
        VideoOutput::Copy { .. }
    ));
}

#[test]
fn sizes_fit_the_limits() {
    for (w, h, mw, mh, expected) in [
        (1920, 1080, Some(1280), None, (1280, 720)),
        (1920, 1080, None, Some(480), (854, 480)),
        (1920, 800, Some(1280), Some(720), (1280, 534)),
        (640, 360, Some(1280), Some(720), (640, 360)),
        (3840, 2160, Some(0), None, (3840, 2160)),
    ] {
        assert_eq!(fit_size(w, h, mw, mh), expected, "{w}x{h} in {mw:?}x{mh:?}");
    }
}

fn hevc_output(format: &str, duration_ticks: i64) -> HlsOutput {
    let facts = SourceFacts {
        streams: vec![video(0, "hevc", 1920, 1080, 10), audio(1, "ac3", 6)],
        ..SourceFacts::default()
    };
    let request = HlsRequest {
        segment_container: Some(format.into()),
        ..browser_request()
    };
    HlsOutput::choose(PathBuf::from("/m/in.mkv"), duration_ticks, &facts, &request)
}

#[test]
fn master_playlist_has_one_variant() {
    let output = hevc_output("ts", 600_000_000);
    let text = master_playlist(&output, None, "ApiKey=k&PlaySessionId=p");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "#EXTM3U");
    let inf = lines[1].strip_prefix("#EXT-X-STREAM-INF:").unwrap();
    let attr = |name: &str| {
        inf.split(',')
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .unwrap()
            .to_owned()
    };
    assert_eq!(attr("BANDWIDTH"), "4192000");
    assert_eq!(attr("AVERAGE-BANDWIDTH"), "4192000");
    assert_eq!(attr("RESOLUTION"), "1280x720");
    assert_eq!(attr("FRAME-RATE"), "24.000");
    assert!(inf.contains("CODECS=\"avc1.640029,mp4a.40.2\""), "{inf}");
    assert_eq!(lines[2], "main.m3u8?ApiKey=k&PlaySessionId=p");
    assert_eq!(lines.len(), 3);
}

#[test]
fn media_playlist_lists_the_whole_duration() {
    // 62.5 s: ten segments of 6 s and one of 2.5 s.
    for (format, ext) in [("ts", "ts"), ("mp4", "mp4")] {
        let output = hevc_output(format, 625_000_000);
        let text = media_playlist(&output, "main", "ApiKey=k");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "#EXTM3U");
        assert!(lines.contains(&"#EXT-X-PLAYLIST-TYPE:VOD"));
        assert!(lines.contains(&"#EXT-X-TARGETDURATION:6"));
        assert_eq!(lines.last(), Some(&"#EXT-X-ENDLIST"));
        let version = if ext == "mp4" { "7" } else { "3" };
        assert!(lines.contains(&format!("#EXT-X-VERSION:{version}").as_str()));
        let map = lines.iter().find(|l| l.starts_with("#EXT-X-MAP:"));
        assert_eq!(
            map.copied(),
            (ext == "mp4").then_some("#EXT-X-MAP:URI=\"hls1/main/-1.mp4?ApiKey=k\"")
        );
        let mut total = 0.0;
        let mut uris = Vec::new();
        for pair in lines.windows(2) {
            if let Some(d) = pair[0].strip_prefix("#EXTINF:") {
                total += d.split(',').next().unwrap().parse::<f64>().unwrap();
                uris.push(pair[1]);
            }
        }
        assert_eq!(uris.len(), 11);
        assert!((total - 62.5).abs() < 1e-6, "{total}");
        assert_eq!(
            uris[10],
            format!(
                "hls1/main/10.{ext}?ApiKey=k&runtimeTicks=600000000&actualSegmentLengthTicks=25000000"
            )
        );
    }
}

#[test]
fn progress_lines() {
    for (line, expected) in [
        ("out_time_us=12500000", Some(12_500_000)),
        ("out_time_ms=12500000", Some(12_500_000)),
        ("out_time=00:01:02.500000", Some(62_500_000)),
        ("frame=12", None),
        ("out_time_us=N/A", None),
    ] {
        assert_eq!(parse_out_time(line), expected, "{line}");
    }
}

/// Fails the test, saying why, when `ffmpeg` does not run here: these tests drive the real
/// binary (`scripts/install-deps.sh` installs it).
pub(super) fn require_ffmpeg() {
    assert!(
        Command::new("ffmpeg").arg("-version").output().is_ok(),
        "these tests need the ffmpeg binary on PATH (scripts/install-deps.sh installs it)"
    );
}

/// How many job directories are left under the transcoder's data directory `data_dir`.
fn job_dirs(data_dir: &Path) -> usize {
    std::fs::read_dir(data_dir.join("transcodes"))
        .unwrap()
        .count()
}

fn probe_start(file: &Path) -> f64 {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=start_time",
            "-of",
            "csv=p=0",
        ])
        .arg(file)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// A real job: segments on demand, a seek restarting at the right timestamps, and stop killing the child and deleting its directory.
#[test]
fn jobs_produce_seek_and_stop() {
    require_ffmpeg();
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in.mkv");
    make_hevc10_ac3(&input, "testsrc2=size=160x90:rate=4", "40");
    let facts = SourceFacts {
        streams: vec![video(0, "hevc", 160, 90, 10), audio(1, "ac3", 1)],
        ..SourceFacts::default()
    };
    let request = HlsRequest {
        segment_length: Some(3),
        video_bitrate: Some(300_000),
        ..browser_request()
    };
    let output = HlsOutput::choose(input.clone(), 400_000_000, &facts, &request);
    assert_eq!(output.segment_count(), 14);
    let mut config = TranscodeConfig::new(tmp.path());
    config.kill_grace = Duration::from_secs(2);
    let transcoder = Transcoder::new(config);
    let key = JobKey {
        play_session_id: Some("ps1".into()),
        ..JobKey::default()
    };
    // The first request starts the job at its segment.
    let seek = transcoder.segment(&key, &output, 11).unwrap();
    assert_eq!(seek[0], 0x47, "an MPEG-TS packet");
    assert_eq!(transcoder.job_start_segment(&key), Some(11));
    let file = tmp.path().join("seg.ts");
    std::fs::write(&file, seek).unwrap();
    let start = probe_start(&file);
    assert!((start - 33.0).abs() < 0.5, "segment 11 starts at {start}");
    // A seek before the job's start restarts it there, with the media's timestamps.
    let back = transcoder.segment(&key, &output, 2).unwrap();
    assert_eq!(transcoder.job_start_segment(&key), Some(2));
    std::fs::write(&file, back).unwrap();
    let start = probe_start(&file);
    assert!((start - 6.0).abs() < 0.5, "segment 2 starts at {start}");
    // The next segment comes from the same job.
    assert!(transcoder.segment(&key, &output, 3).is_ok());
    assert_eq!(transcoder.job_start_segment(&key), Some(2));
    assert_eq!(transcoder.active_jobs(), 1);
    assert!(transcoder.keep_alive("ps1"));
    assert!(!transcoder.keep_alive("ps2"));
    assert!(matches!(
        transcoder.segment(&key, &output, 14),
        Err(TranscodeError::NoSuchSegment(14))
    ));
    // Stop: no child left, no directory left.
    assert_eq!(transcoder.stop(None, Some("ps1")), 1);
    assert_eq!(transcoder.active_jobs(), 0);
    assert!(transcoder.running_pids().is_empty());
    assert_eq!(job_dirs(tmp.path()), 0);
}

#[test]
fn idle_jobs_are_reaped() {
    require_ffmpeg();
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in.mka");
    make_media(
        &input,
        &[
            "-f",
            "lavfi",
            "-i",
            "sine=sample_rate=48000",
            "-t",
            "20",
            "-c:a",
            "flac",
        ],
    );
    let facts = SourceFacts {
        is_audio: true,
        streams: vec![audio(0, "flac", 1)],
        ..SourceFacts::default()
    };
    let output = HlsOutput::choose(input, 200_000_000, &facts, &browser_request());
    let mut config = TranscodeConfig::new(tmp.path());
    config.idle_timeout = Duration::from_secs(1);
    let transcoder = Transcoder::new(config);
    let key = JobKey {
        device_id: Some("dev".into()),
        item: "i".into(),
        ..JobKey::default()
    };
    assert!(transcoder.segment(&key, &output, 0).is_ok());
    assert_eq!(transcoder.active_jobs(), 1);
    // Only play sessions are kept alive by pings; this job has none.
    assert!(!transcoder.keep_alive("dev"));
    // The reaper thread ends the job once no segment was asked for during the idle timeout.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while transcoder.active_jobs() > 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(transcoder.active_jobs(), 0);
    assert!(transcoder.running_pids().is_empty());
}

/// An "MP3" in `dir` that is a FIFO nobody writes to, and its facts: a job reading it runs
/// until it is killed.
fn endless_source(dir: &Path) -> (PathBuf, SourceFacts) {
    let fifo = dir.join("never.ts");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo(3) on a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let facts = SourceFacts {
        is_audio: true,
        streams: vec![audio(0, "mp3", 2)],
        ..SourceFacts::default()
    };
    (fifo, facts)
}

/// Past the limit of running ffmpegs a new session is refused; stopping one frees a place.
/// The input is a FIFO nobody writes to, so the first job runs until it is killed.
#[test]
fn job_limit_counts_running_ffmpegs() {
    require_ffmpeg();
    let tmp = tempfile::tempdir().unwrap();
    let (fifo, facts) = endless_source(tmp.path());
    let output = HlsOutput::choose(fifo, 600_000_000, &facts, &browser_request());
    let mut config = TranscodeConfig::new(tmp.path());
    config.max_jobs = 1;
    config.segment_wait = Duration::from_millis(200);
    config.kill_grace = Duration::from_secs(2);
    let transcoder = Transcoder::new(config);
    let session = |s: &str| JobKey {
        play_session_id: Some(s.into()),
        ..JobKey::default()
    };
    assert!(matches!(
        transcoder.segment(&session("a"), &output, 0),
        Err(TranscodeError::Timeout(0))
    ));
    assert_eq!(transcoder.running_pids().len(), 1);
    assert!(matches!(
        transcoder.segment(&session("b"), &output, 0),
        Err(TranscodeError::TooManyJobs { limit: 1 })
    ));
    assert_eq!(transcoder.stop(Some("any device"), Some("a")), 1);
    assert!(transcoder.running_pids().is_empty());
    assert!(matches!(
        transcoder.segment(&session("b"), &output, 0),
        Err(TranscodeError::Timeout(0))
    ));
    assert_eq!(transcoder.running_pids().len(), 1);
}

#[test]
fn leftover_job_directories_are_deleted_at_start() {
    let tmp = tempfile::tempdir().unwrap();
    let config = TranscodeConfig::new(tmp.path());
    let stale = config.dir.join("0123-7");
    std::fs::create_dir_all(&stale).unwrap();
    std::fs::write(stale.join("3.ts"), b"x").unwrap();
    let transcoder = Transcoder::new(config);
    assert!(!stale.exists());
    assert_eq!(transcoder.active_jobs(), 0);
}

// ---- HLS delivery: codec strings, subtitle playlists, throttling, progressive jobs ----

use super::command::h264_target;
use super::playlist::{
    audio_codec_string, av1_codec_string, h264_codec_string, hevc_codec_string, vp9_codec_string,
};
use crate::playback::{
    decide, EncoderSupport, PlayMethod, PlaybackOptions, StreamProtocol, SubtitleMethod,
};

#[test]
fn codec_strings() {
    let cases: Vec<(String, &str)> = vec![
        (h264_codec_string(Some("High"), 41), "avc1.640029"),
        (h264_codec_string(Some("high"), 51), "avc1.640033"),
        (h264_codec_string(Some("Main"), 40), "avc1.4D4028"),
        (h264_codec_string(Some("Baseline"), 30), "avc1.42E01E"),
        (
            h264_codec_string(Some("Constrained Baseline"), 31),
            "avc1.42401F",
        ),
        (h264_codec_string(None, 41), "avc1.424029"),
        (hevc_codec_string(Some("Main 10"), 153), "hvc1.2.4.L153.B0"),
        (hevc_codec_string(Some("main10"), 120), "hvc1.2.4.L120.B0"),
        (hevc_codec_string(Some("Main"), 93), "hvc1.1.4.L93.B0"),
        (
            av1_codec_string(Some("Main"), 8, false, 10),
            "av01.0.08M.10",
        ),
        (av1_codec_string(Some("High"), 0, true, 7), "av01.1.19H.08"),
        (vp9_codec_string(1920, 1080, 24.0, 8), "vp09.00.40.08"),
        (vp9_codec_string(3840, 2160, 60.0, 10), "vp09.02.51.10"),
        (vp9_codec_string(0, 0, 24.0, 8), "vp09.00.00.08"),
    ];
    for (got, expected) in cases {
        assert_eq!(got, expected);
    }
    for (codec, profile, expected) in [
        ("aac", Some("LC"), Some("mp4a.40.2")),
        ("aac", Some("HE-AAC"), Some("mp4a.40.5")),
        ("mp3", None, Some("mp4a.40.34")),
        ("ac3", None, Some("ac-3")),
        ("eac3", None, Some("ec-3")),
        ("flac", None, Some("fLaC")),
        ("alac", None, Some("alac")),
        ("opus", None, Some("Opus")),
        ("truehd", None, Some("mlpa")),
        ("dts", Some("DTS-HD MA"), Some("dtsh")),
        ("dts", Some("DTS Express"), Some("dtse")),
        ("dts", Some("DTS"), Some("dtsc")),
        ("pcm_s16le", None, None),
    ] {
        assert_eq!(
            audio_codec_string(codec, profile).as_deref(),
            expected,
            "{codec}"
        );
    }
}

#[test]
fn h264_encoder_targets() {
    let with = |options: &[(&str, &str)]| HlsRequest {
        stream_options: options
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..browser_request()
    };
    for (options, expected) in [
        (vec![], ("high", 41)),
        (
            vec![("h264-profile", "high,main,baseline,constrained baseline")],
            ("high", 41),
        ),
        (vec![("h264-profile", "main,high")], ("main", 41)),
        (
            vec![
                ("h264-profile", "constrained baseline"),
                ("h264-level", "31"),
            ],
            ("baseline", 31),
        ),
        (
            vec![("h264-profile", "high 10"), ("h264-level", "52")],
            ("high", 51),
        ),
        (vec![("H264-Level", "4.2")], ("high", 42)),
        (vec![("h264-level", "junk")], ("high", 41)),
    ] {
        let (profile, level) = h264_target(&with(&options));
        assert_eq!((profile.as_str(), level), expected, "{options:?}");
    }
}

/// CODECS follows the output: what libx264 is told, the source's profile and level when
/// copied, the audio codec's name.
#[test]
fn master_codecs_follow_the_output() {
    let mut h264 = video(0, "h264", 1280, 720, 8);
    h264.profile = Some("Main".into());
    h264.level = Some(31.0);
    let mut hevc = video(0, "hevc", 3840, 2160, 10);
    hevc.profile = Some("Main 10".into());
    hevc.level = Some(153.0);
    let mut heaac = audio(1, "aac", 2);
    heaac.profile = Some("HE-AAC".into());
    let copy_all = HlsRequest {
        video_codecs: vec!["h264".into(), "hevc".into()],
        audio_codecs: vec!["aac".into(), "eac3".into(), "flac".into()],
        max_width: None,
        video_bitrate: None,
        max_audio_channels: Some(6),
        ..browser_request()
    };
    let level_52 = HlsRequest {
        stream_options: vec![("h264-level".into(), "52".into())],
        allow_video_stream_copy: false,
        ..copy_all.clone()
    };
    let cases: Vec<(Vec<StreamFacts>, HlsRequest, &str)> = vec![
        (
            vec![h264.clone(), heaac.clone()],
            copy_all.clone(),
            "avc1.4D401F,mp4a.40.5",
        ),
        (
            vec![hevc.clone(), audio(1, "eac3", 6)],
            copy_all.clone(),
            "hvc1.2.4.L153.B0,ec-3",
        ),
        (
            vec![hevc.clone(), audio(1, "flac", 2)],
            level_52.clone(),
            "avc1.640033,fLaC",
        ),
        (
            vec![h264, audio(1, "truehd", 8)],
            level_52,
            "avc1.640033,mp4a.40.2",
        ),
    ];
    for (streams, request, expected) in cases {
        let facts = SourceFacts {
            streams,
            ..SourceFacts::default()
        };
        let output = HlsOutput::choose(PathBuf::from("/m"), 600_000_000, &facts, &request);
        assert_eq!(codecs(&output), expected);
        assert!(master_playlist(&output, None, "").contains(&format!("CODECS=\"{expected}\"")));
    }
}

#[test]
fn subtitle_group_rules() {
    use SubtitleMethod::*;
    for (text, method, index, in_manifest, expected) in [
        (2, Some(Hls), Some(3), false, Some(Some(3))),
        (2, Some(Hls), None, false, Some(None)),
        (2, None, None, true, Some(None)),
        (2, Some(External), Some(3), true, Some(None)),
        (2, Some(External), Some(3), false, None),
        (2, Some(Encode), Some(3), true, None),
        (2, Some(Encode), None, true, Some(None)),
        (2, Some(Drop), None, true, None),
        (0, Some(Hls), Some(3), true, None),
    ] {
        assert_eq!(
            subtitle_group(text, method, index, in_manifest),
            expected,
            "{text} {method:?} {index:?} {in_manifest}"
        );
    }
}

#[test]
fn master_playlist_lists_subtitle_renditions() {
    let output = hevc_output("mp4", 600_000_000);
    let subs = HlsSubtitles {
        media_source_id: "abc".into(),
        api_key: Some("tok".into()),
        streams: vec![
            SubtitleRendition {
                index: 2,
                name: "English - SUBRIP".into(),
                language: Some("eng".into()),
                forced: false,
            },
            SubtitleRendition {
                index: 3,
                name: "Say \"hi\"".into(),
                language: None,
                forced: true,
            },
        ],
        selected: Some(3),
    };
    let text = master_playlist(&output, Some(&subs), "ApiKey=tok");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[1],
        "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"English - SUBRIP\",DEFAULT=NO,\
         FORCED=NO,AUTOSELECT=YES,URI=\"abc/Subtitles/2/subtitles.m3u8?SegmentLength=30&ApiKey=tok\",\
         LANGUAGE=\"eng\""
    );
    assert_eq!(
        lines[2],
        "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"Say 'hi'\",DEFAULT=YES,\
         FORCED=YES,AUTOSELECT=YES,URI=\"abc/Subtitles/3/subtitles.m3u8?SegmentLength=30&ApiKey=tok\",\
         LANGUAGE=\"Unknown\""
    );
    assert!(lines[3].starts_with("#EXT-X-STREAM-INF:"));
    assert!(lines[3].ends_with(",SUBTITLES=\"subs\""), "{}", lines[3]);
    assert_eq!(lines[4], "main.m3u8?ApiKey=tok");
    // Without renditions: no group.
    let none = HlsSubtitles {
        streams: Vec::new(),
        ..subs
    };
    assert!(!master_playlist(&output, Some(&none), "").contains("SUBTITLES"));
}

#[test]
fn subtitle_playlists_cover_the_runtime() {
    // 65 s in 30 s windows: 30, 30, 5.
    let text = subtitle_playlist(650_000_000, 30, Some("tok")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        &lines[..5],
        &[
            "#EXTM3U",
            "#EXT-X-TARGETDURATION:30",
            "#EXT-X-VERSION:3",
            "#EXT-X-MEDIA-SEQUENCE:0",
            "#EXT-X-PLAYLIST-TYPE:VOD"
        ]
    );
    let entries: Vec<(&str, &str)> = lines
        .windows(2)
        .filter(|w| w[0].starts_with("#EXTINF:"))
        .map(|w| (w[0], w[1]))
        .collect();
    assert_eq!(
        entries,
        vec![
            (
                "#EXTINF:30,",
                "stream.vtt?CopyTimestamps=true&AddVttTimeMap=true&StartPositionTicks=0&EndPositionTicks=300000000&ApiKey=tok"
            ),
            (
                "#EXTINF:30,",
                "stream.vtt?CopyTimestamps=true&AddVttTimeMap=true&StartPositionTicks=300000000&EndPositionTicks=600000000&ApiKey=tok"
            ),
            (
                "#EXTINF:5,",
                "stream.vtt?CopyTimestamps=true&AddVttTimeMap=true&StartPositionTicks=600000000&EndPositionTicks=650000000&ApiKey=tok"
            ),
        ]
    );
    assert_eq!(lines.last(), Some(&"#EXT-X-ENDLIST"));
    assert!(subtitle_playlist(0, 30, None).is_none());
    assert!(subtitle_playlist(10, 0, None).is_none());
    // Fractions of a second as .NET prints them.
    assert!(subtitle_playlist(125_000_000, 10, None)
        .unwrap()
        .contains("#EXTINF:2.5,\nstream.vtt?CopyTimestamps=true&AddVttTimeMap=true&StartPositionTicks=100000000&EndPositionTicks=125000000\n"));
}

fn progressive_text(output: &ProgressiveOutput) -> String {
    progressive_args(output)
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn progressive_command_lines() {
    let hevc_ac3 = SourceFacts {
        streams: vec![video(0, "hevc", 1920, 1080, 10), audio(1, "ac3", 6)],
        ..SourceFacts::default()
    };
    let flac = SourceFacts {
        is_audio: true,
        streams: vec![audio(0, "flac", 2)],
        ..SourceFacts::default()
    };
    let head = "-hide_banner -nostdin -loglevel error -nostats -progress pipe:2";
    let tail = "-sn -dn -map_metadata -1 -map_chapters -1";
    let mp3 = HlsRequest {
        audio_codecs: vec!["mp3".into()],
        audio_bitrate: Some(128_000),
        ..HlsRequest::default()
    };
    let cases: Vec<(&str, &SourceFacts, HlsRequest, &str, i64, String)> = vec![
        (
            "hevc + ac3 to h264 + aac in matroska",
            &hevc_ac3,
            browser_request(),
            "mkv",
            0,
            format!(
                "{head} -i /m/in.mkv -map 0:0 -map 0:1 -c:v libx264 -preset veryfast -crf 23 \
                 -profile:v high -level 41 -vf scale=1280:720,format=yuv420p \
                 -maxrate 4000000 -bufsize 8000000 -force_key_frames expr:gte(t,n_forced*6) \
                 -sc_threshold 0 -c:a aac -ac 2 -b:a 192000 {tail} -f matroska pipe:1"
            ),
        ),
        (
            "from 90 s, fragmented mp4",
            &hevc_ac3,
            browser_request(),
            "mp4",
            900_000_000,
            format!(
                "{head} -ss 90 -i /m/in.mkv -map 0:0 -map 0:1 -c:v libx264 -preset veryfast -crf 23 \
                 -profile:v high -level 41 -vf scale=1280:720,format=yuv420p \
                 -maxrate 4000000 -bufsize 8000000 -force_key_frames expr:gte(t,n_forced*6) \
                 -sc_threshold 0 -c:a aac -ac 2 -b:a 192000 {tail} -f mp4 \
                 -movflags frag_keyframe+empty_moov+default_base_moof pipe:1"
            ),
        ),
        (
            "flac to mp3",
            &flac,
            mp3.clone(),
            "mp3",
            0,
            format!(
                "{head} -i /m/in.mkv -map 0:0 -vn -c:a libmp3lame -ac 2 -b:a 128000 {tail} \
                 -f mp3 pipe:1"
            ),
        ),
        (
            "a video's audio only, to an audio container",
            &hevc_ac3,
            mp3,
            "mp3",
            0,
            format!(
                "{head} -i /m/in.mkv -map 0:1 -vn -c:a libmp3lame -ac 2 -b:a 128000 {tail} \
                 -f mp3 pipe:1"
            ),
        ),
        (
            "flac copied into matroska",
            &flac,
            HlsRequest {
                audio_codecs: vec!["flac".into()],
                allow_audio_stream_copy: true,
                ..HlsRequest::default()
            },
            "mkv",
            0,
            format!("{head} -i /m/in.mkv -map 0:0 -vn -c:a copy {tail} -f matroska pipe:1"),
        ),
        (
            "flac asked for in an aac file: encoded, as aac",
            &flac,
            HlsRequest {
                audio_codecs: vec!["flac".into()],
                allow_audio_stream_copy: true,
                ..HlsRequest::default()
            },
            "aac",
            0,
            format!("{head} -i /m/in.mkv -map 0:0 -vn -c:a aac -b:a 192000 {tail} -f adts pipe:1"),
        ),
    ];
    for (name, facts, request, container, start, expected) in cases {
        let output = ProgressiveOutput::choose_with(
            PathBuf::from("/m/in.mkv"),
            6_000_000_000,
            facts,
            &request,
            container,
            start,
            &EncoderSetup::software(),
        )
        .unwrap();
        let expected = expected.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(progressive_text(&output), expected, "{name}");
    }
    for bad in ["exe", "", "webm"] {
        assert!(
            matches!(
                ProgressiveOutput::choose_with(
                    PathBuf::from("/m/in.mkv"),
                    10,
                    &hevc_ac3,
                    &browser_request(),
                    bad,
                    0,
                    &EncoderSetup::software(),
                ),
                Err(TranscodeError::UnsupportedContainer(_))
            ),
            "{bad}"
        );
    }
    assert_eq!(
        ProgressiveContainer::parse(".MKV").map(|c| c.mime_type()),
        Some("video/x-matroska")
    );
}

/// The profile of `/Audio/{id}/universal` through the real decision: files in the `Container`
/// list play as they are, others are transcoded to the transcoding container and codec (mp3
/// by default) over the asked protocol.
#[test]
fn universal_audio_decisions() {
    let mut flac = audio(0, "flac", 2);
    flac.sample_rate = Some(44_100);
    flac.bit_rate = Some(900_000);
    let source = |codec: &str, container: &str| {
        let mut s = flac.clone();
        s.codec = Some(codec.into());
        SourceFacts {
            container: Some(container.into()),
            is_audio: true,
            bitrate: Some(900_000),
            default_audio_index: Some(0),
            streams: vec![s],
            ..SourceFacts::default()
        }
    };
    let request = |containers: &[&str], protocol: Option<StreamProtocol>| UniversalAudioRequest {
        containers: containers.iter().map(|c| c.to_string()).collect(),
        transcoding_protocol: protocol,
        ..UniversalAudioRequest::default()
    };
    let run = |facts: &SourceFacts, r: &UniversalAudioRequest, max: Option<i64>| {
        let options = PlaybackOptions {
            max_streaming_bitrate: max,
            ..PlaybackOptions::default()
        };
        decide(facts, &r.profile(), &options, &EncoderSupport::default())
    };
    // FLAC asked as mp3: transcoded to mp3 over http.
    let d = run(&source("flac", "flac"), &request(&["mp3"], None), None);
    assert_eq!(d.method, Some(PlayMethod::Transcode));
    let plan = d.transcode.unwrap();
    assert_eq!(plan.container, "mp3");
    assert_eq!(plan.protocol, StreamProtocol::Http);
    assert_eq!(plan.audio_codecs, vec!["mp3".to_string()]);
    // In the list (with its codec): as it is.
    for containers in [&["mp3", "flac"][..], &["flac|flac"][..]] {
        let d = run(&source("flac", "flac"), &request(containers, None), None);
        assert_eq!(d.method, Some(PlayMethod::DirectPlay), "{containers:?}");
    }
    // Listed container, other codec: transcoded.
    let d = run(
        &source("flac", "flac"),
        &request(&["flac|alac"], None),
        None,
    );
    assert_eq!(d.method, Some(PlayMethod::Transcode));
    // Over the bit rate limit: transcoded; HLS when asked.
    let d = run(
        &source("flac", "flac"),
        &request(&["flac"], Some(StreamProtocol::Hls)),
        Some(320_000),
    );
    assert_eq!(d.method, Some(PlayMethod::Transcode));
    assert_eq!(d.transcode.unwrap().protocol, StreamProtocol::Hls);
}

/// Writes `path` with `ffmpeg` and the input and output arguments `args`.
fn make_media(path: &Path, args: &[&str]) {
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "ffmpeg {args:?}");
}

/// A HEVC 10-bit + mono AC-3 file of `seconds` from the lavfi video source `video`.
fn make_hevc10_ac3(path: &Path, video: &str, seconds: &str) {
    make_media(
        path,
        &[
            "-f",
            "lavfi",
            "-i",
            video,
            "-f",
            "lavfi",
            "-i",
            "sine=sample_rate=48000",
            "-t",
            seconds,
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p10le",
            "-x265-params",
            "log-level=error",
            "-c:a",
            "ac3",
            "-shortest",
        ],
    );
}

/// The codecs of a file and its length, from its packets (a file written to a pipe has no
/// duration in its header).
fn probe_streams(file: &Path) -> (Vec<String>, f64) {
    let run = |args: &[&str]| -> serde_json::Value {
        let out = Command::new("ffprobe")
            .args(["-v", "error", "-of", "json"])
            .args(args)
            .arg(file)
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let streams = run(&["-show_entries", "stream=codec_name"]);
    let codecs = streams["streams"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s["codec_name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let packets = run(&["-show_entries", "packet=pts_time,duration_time"]);
    let (mut first, mut last) = (f64::MAX, f64::MIN);
    for p in packets["packets"].as_array().into_iter().flatten() {
        let num = |k: &str| p[k].as_str().and_then(|v| v.parse::<f64>().ok());
        if let Some(pts) = num("pts_time") {
            first = first.min(pts);
            last = last.max(pts + num("duration_time").unwrap_or(0.0));
        }
    }
    (codecs, (last - first).max(0.0))
}

/// A real job far ahead of its player is paused (SIGSTOP: its position stops moving), resumes
/// when the player asks for a segment it has not written, and is stopped cleanly while paused.
#[test]
fn throttled_jobs_pause_and_resume() {
    require_ffmpeg();
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in.mkv");
    make_media(
        &input,
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=640x360:rate=25",
            "-t",
            "120",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
        ],
    );
    let facts = SourceFacts {
        streams: vec![video(0, "h264", 640, 360, 8)],
        ..SourceFacts::default()
    };
    let request = HlsRequest {
        segment_length: Some(2),
        max_width: None,
        video_bitrate: Some(1_000_000),
        allow_video_stream_copy: false,
        ..browser_request()
    };
    let output = HlsOutput::choose(input, 1_200_000_000, &facts, &request);
    let mut config = TranscodeConfig::new(tmp.path());
    config.enable_throttling = true;
    config.throttle_delay = Duration::from_secs(4);
    config.wait_window = 1_000;
    // Long enough that a SIGTERM lost on a stopped process would show as a hang.
    config.kill_grace = Duration::from_secs(60);
    let transcoder = Transcoder::new(config);
    assert_eq!(transcoder.throttling(), Some(Duration::from_secs(4)));
    let key = JobKey {
        play_session_id: Some("throttle".into()),
        ..JobKey::default()
    };
    let info = || transcoder.job_info(&key).unwrap();
    let wait_for = |what: &str, done: &dyn Fn() -> bool| {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while !done() {
            assert!(std::time::Instant::now() < deadline, "timed out: {what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    assert!(transcoder.segment(&key, &output, 0).is_ok());
    assert_eq!(info().requested_segment, Some(0));
    // The encoder runs ahead of segment 0 until it is 4 s or more ahead: paused.
    wait_for("first pause", &|| info().paused);
    let first = info();
    assert_eq!(first.pauses, 1);
    assert!(first.encoder_position_ticks >= 40_000_000, "{first:?}");
    assert!(!first.exited);
    // Stopped: the position does not move.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(info().encoder_position_ticks, first.encoder_position_ticks);
    assert!(info().paused);
    // The player asks for a segment past the encoder: resumed, and the segment comes.
    let beyond = first.encoder_position_ticks / 20_000_000 + 3;
    let bytes = transcoder.segment(&key, &output, beyond).unwrap();
    assert_eq!(bytes[0], 0x47);
    assert_eq!(info().start_segment, 0, "the same job, not a restart");
    // (Progress is reported twice a second.)
    wait_for("progress after resuming", &|| {
        info().encoder_position_ticks > first.encoder_position_ticks
    });
    // ...until it is again too far ahead of that segment.
    wait_for("second pause", &|| info().paused);
    assert_eq!(info().pauses, 2);
    // Throttling turned off: resumed at once.
    transcoder.set_throttling(None);
    assert!(!info().paused);
    transcoder.set_throttling(Some(Duration::from_secs(4)));
    wait_for("third pause", &|| info().paused);
    // Stopping a paused job ends it (continued, then terminated) and deletes its files.
    let pid = info().pid;
    assert_eq!(transcoder.running_pids(), vec![pid]);
    assert_eq!(transcoder.stop(None, Some("throttle")), 1);
    assert!(transcoder.running_pids().is_empty());
    assert!(transcoder.job_info(&key).is_none());
    assert_eq!(job_dirs(tmp.path()), 0);
}

/// A progressive transcode of an HEVC 10-bit + AC-3 file streams a valid Matroska file with
/// H.264 + AAC; a FLAC goes to MP3.
#[test]
fn progressive_jobs_stream_valid_files() {
    use std::io::Read;
    require_ffmpeg();
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in.mkv");
    make_hevc10_ac3(&input, "testsrc2=size=160x90:rate=10", "8");
    let facts = SourceFacts {
        streams: vec![video(0, "hevc", 160, 90, 10), audio(1, "ac3", 1)],
        ..SourceFacts::default()
    };
    let transcoder = Transcoder::new(TranscodeConfig::new(tmp.path()));
    let key = JobKey {
        play_session_id: Some("p".into()),
        ..JobKey::default()
    };
    let output = ProgressiveOutput::choose_with(
        input,
        80_000_000,
        &facts,
        &browser_request(),
        "mkv",
        20_000_000,
        &EncoderSetup::software(),
    )
    .unwrap();
    let mut stream = transcoder.progressive(&key, &output).unwrap();
    assert_eq!(transcoder.running_pids(), vec![stream.pid()]);
    assert!(transcoder.jobs()[0].progressive);
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).unwrap();
    drop(stream);
    assert!(transcoder.running_pids().is_empty());
    assert!(transcoder.jobs().is_empty());
    let file = tmp.path().join("out.mkv");
    std::fs::write(&file, &bytes).unwrap();
    let (codecs, duration) = probe_streams(&file);
    assert_eq!(codecs, vec!["h264".to_string(), "aac".to_string()]);
    // From 2 s: 6 s of the 8.
    assert!((duration - 6.0).abs() < 0.5, "{duration}");

    let flac = tmp.path().join("in.flac");
    make_media(
        &flac,
        &[
            "-f",
            "lavfi",
            "-i",
            "sine=sample_rate=44100",
            "-t",
            "5",
            "-c:a",
            "flac",
        ],
    );
    let facts = SourceFacts {
        is_audio: true,
        streams: vec![audio(0, "flac", 1)],
        ..SourceFacts::default()
    };
    let request = HlsRequest {
        audio_codecs: vec!["mp3".into()],
        ..HlsRequest::default()
    };
    let setup = EncoderSetup::software();
    let output =
        ProgressiveOutput::choose_with(flac, 50_000_000, &facts, &request, "mp3", 0, &setup)
            .unwrap();
    let mut bytes = Vec::new();
    transcoder
        .progressive(&key, &output)
        .unwrap()
        .read_to_end(&mut bytes)
        .unwrap();
    std::fs::write(&file, &bytes).unwrap();
    let (codecs, duration) = probe_streams(&file);
    assert_eq!(codecs, vec!["mp3".to_string()]);
    assert!((duration - 5.0).abs() < 0.5, "{duration}");
}

/// Progressive jobs count in the job limit, end when their stream is dropped (the client went
/// away), and are killed by `stop` (the reader sees the end). The input is a FIFO nobody
/// writes to, so a job runs until it is killed.
#[test]
fn progressive_jobs_are_supervised() {
    use std::io::Read;
    require_ffmpeg();
    let tmp = tempfile::tempdir().unwrap();
    let (fifo, facts) = endless_source(tmp.path());
    let output = ProgressiveOutput::choose_with(
        fifo.clone(),
        600_000_000,
        &facts,
        &browser_request(),
        "aac",
        0,
        &EncoderSetup::software(),
    )
    .unwrap();
    let hls = HlsOutput::choose(fifo, 600_000_000, &facts, &browser_request());
    let mut config = TranscodeConfig::new(tmp.path());
    config.max_jobs = 1;
    config.segment_wait = Duration::from_millis(200);
    config.kill_grace = Duration::from_secs(2);
    let transcoder = Transcoder::new(config);
    let session = |s: &str| JobKey {
        play_session_id: Some(s.into()),
        ..JobKey::default()
    };
    let stream = transcoder.progressive(&session("a"), &output).unwrap();
    assert_eq!(transcoder.running_pids(), vec![stream.pid()]);
    // The limit counts it, for HLS and progressive jobs alike.
    assert!(matches!(
        transcoder.segment(&session("b"), &hls, 0),
        Err(TranscodeError::TooManyJobs { limit: 1 })
    ));
    assert!(matches!(
        transcoder.progressive(&session("b"), &output),
        Err(TranscodeError::TooManyJobs { limit: 1 })
    ));
    // The client goes away: the job ends.
    drop(stream);
    assert!(transcoder.running_pids().is_empty());
    // `stop` (DELETE ActiveEncodings, playback stopped) kills it; its reader sees the end.
    let mut stream = transcoder.progressive(&session("c"), &output).unwrap();
    assert_eq!(transcoder.stop(None, Some("c")), 1);
    assert!(transcoder.running_pids().is_empty());
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    assert!(rest.is_empty());
    drop(stream);
    // A stopper ends it from another thread without the stream.
    let stream = transcoder.progressive(&session("d"), &output).unwrap();
    let stopper = stream.stopper();
    let reader = std::thread::spawn(move || {
        let mut stream = stream;
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
    });
    stopper.stop();
    reader.join().unwrap();
    assert!(transcoder.running_pids().is_empty());
}
