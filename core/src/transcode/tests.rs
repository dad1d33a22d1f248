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
                "{HEAD} -i /m/in.mkv -map 0:0 -map 0:1 -c:v libx264 -preset veryfast \
                 -vf scale=1280:720,format=yuv420p -b:v 4000000 -maxrate 4000000 -bufsize 8000000 \
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
                "{HEAD} -ss 42 -i /m/in.mkv -map 0:0 -map 0:1 -c:v libx264 -preset veryfast \
                 -vf scale=1280:720,format=yuv420p -b:v 4000000 -maxrate 4000000 -bufsize 8000000 \
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
            VideoOutput::H264 { .. }
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
        VideoOutput::H264 { .. }
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
    let text = master_playlist(&output, "ApiKey=k&PlaySessionId=p");
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
    assert!(inf.contains("CODECS=\"avc1.640028,mp4a.40.2\""), "{inf}");
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

fn have_ffmpeg() -> bool {
    Command::new("ffmpeg").arg("-version").output().is_ok()
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
    if !have_ffmpeg() {
        eprintln!("ffmpeg missing: skipped");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in.mkv");
    let status = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=160x90:rate=4",
        ])
        .args(["-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "40"])
        .args([
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p10le",
        ])
        .args([
            "-x265-params",
            "log-level=error",
            "-c:a",
            "ac3",
            "-shortest",
        ])
        .arg(&input)
        .status()
        .unwrap();
    assert!(status.success());
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
    let dirs = std::fs::read_dir(tmp.path().join("transcodes"))
        .unwrap()
        .count();
    assert_eq!(dirs, 0);
}

#[test]
fn idle_jobs_are_reaped() {
    if !have_ffmpeg() {
        eprintln!("ffmpeg missing: skipped");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in.mka");
    let status = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=sample_rate=48000",
            "-t",
            "20",
        ])
        .args(["-c:a", "flac"])
        .arg(&input)
        .status()
        .unwrap();
    assert!(status.success());
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

/// Past the limit of running ffmpegs a new session is refused; stopping one frees a place.
/// The input is a FIFO nobody writes to, so the first job runs until it is killed.
#[test]
fn job_limit_counts_running_ffmpegs() {
    if !have_ffmpeg() {
        eprintln!("ffmpeg missing: skipped");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("never.ts");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo(3) on a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let facts = SourceFacts {
        is_audio: true,
        streams: vec![audio(0, "mp3", 2)],
        ..SourceFacts::default()
    };
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
