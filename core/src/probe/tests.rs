//! Tests of [`LibavProber`] on real media: files made in a temporary directory by the `ffmpeg`
//! binary (and by `shared/tools/make-library`), checked against what `ffprobe` reports for the
//! same file and against facts fixed by how each file was made.

use super::*;

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;
use tempfile::TempDir;

// ---------------------------------------------------------------------------------------------
// Helpers: making media, asking ffprobe.

fn run(cmd: &mut Command) -> std::process::Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `ffmpeg ARGS OUT`, quiet, never waiting on stdin.
fn ffmpeg(args: &[&str], out: &Path) {
    run(Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .arg(out));
}

/// `ffprobe -show_format -show_streams -show_chapters -of json` (plus `extra` options before
/// the file), or `None` when ffprobe rejects the file.
fn ffprobe_with(path: &Path, extra: &[&str]) -> Option<Value> {
    let out = Command::new("ffprobe")
        .args(["-v", "error"])
        .args(extra)
        .args([
            "-show_format",
            "-show_streams",
            "-show_chapters",
            "-of",
            "json",
        ])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    if !out.status.success() {
        return None;
    }
    Some(serde_json::from_slice(&out.stdout).expect("ffprobe prints JSON"))
}

fn ffprobe(path: &Path) -> Value {
    ffprobe_with(path, &[]).unwrap_or_else(|| panic!("ffprobe rejects {}", path.display()))
}

/// Builds the shared test library's template files in `dir` (no tree of links) and returns the
/// templates folder and make-library's JSON summary.
fn make_library(dir: &Path) -> (PathBuf, Value) {
    let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/tools/make-library");
    assert!(
        tool.exists(),
        "{} is missing: the tests expect the shared folder next to the repository",
        tool.display()
    );
    let out =
        run(Command::new(&tool)
            .arg(dir)
            .args(["--movies", "0", "--shows", "0", "--artists", "0"]));
    let summary = serde_json::from_slice(&out.stdout).expect("make-library prints JSON");
    (dir.join(".templates"), summary)
}

/// Short video and audio sources for ffmpeg.
const AV_SOURCES: [&str; 8] = [
    "-f",
    "lavfi",
    "-i",
    "testsrc2=size=64x64:rate=25:d=1",
    "-f",
    "lavfi",
    "-i",
    "sine=frequency=440:sample_rate=48000:duration=1",
];

fn ticks_to_secs(ticks: i64) -> f64 {
    ticks as f64 / TICKS_PER_SECOND as f64
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn parsed<T: std::str::FromStr>(v: &Value, key: &str) -> Option<T> {
    str_of(v, key).and_then(|s| s.parse().ok())
}

/// `"a/b"` or `"a:b"` as a float, `None` for libav's `0/0`.
fn fraction(text: &str) -> Option<f64> {
    let (n, d) = text.split_once(['/', ':'])?;
    let (n, d): (f64, f64) = (n.parse().ok()?, d.parse().ok()?);
    (n != 0.0 && d != 0.0).then(|| n / d)
}

fn rational_text(r: Option<Rational>) -> Option<String> {
    r.map(|r| format!("{}:{}", r.num, r.den))
}

fn tag_map(tags: &[(String, String)]) -> BTreeMap<String, String> {
    tags.iter().cloned().collect()
}

fn json_tags(v: &Value) -> BTreeMap<String, String> {
    v.get("tags")
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn assert_secs(ours: Option<i64>, theirs: Option<&str>, what: &str) {
    let theirs: Option<f64> = theirs.map(|t| t.parse().expect("seconds"));
    match (ours, theirs) {
        (None, None) => {}
        (Some(o), Some(t)) => assert!(
            (ticks_to_secs(o) - t).abs() <= 1e-6,
            "{what}: {} s, ffprobe {t} s",
            ticks_to_secs(o)
        ),
        _ => panic!("{what}: ours {ours:?} ticks, ffprobe {theirs:?}"),
    }
}

fn assert_rate(ours: Option<f64>, theirs: Option<&str>, what: &str) {
    let theirs = theirs.and_then(fraction);
    match (ours, theirs) {
        (None, None) => {}
        (Some(o), Some(t)) => assert!((o - t).abs() < 1e-9, "{what}: {o} vs ffprobe {t}"),
        _ => panic!("{what}: ours {ours:?}, ffprobe {theirs:?}"),
    }
}

/// Every fact both sides report must agree with `ffprobe`'s JSON for the same file.
fn assert_matches_ffprobe(info: &MediaInfo, probe: &Value, what: &str) {
    let f = &probe["format"];
    assert_eq!(
        Some(info.container.as_str()),
        str_of(f, "format_name"),
        "{what}: container"
    );
    assert_eq!(
        info.container_long_name.as_deref(),
        str_of(f, "format_long_name"),
        "{what}: container long name"
    );
    assert_eq!(Some(info.size), parsed(f, "size"), "{what}: size");
    assert_secs(
        info.duration_ticks,
        str_of(f, "duration"),
        &format!("{what}: duration"),
    );
    assert_secs(
        info.start_time_ticks,
        str_of(f, "start_time"),
        &format!("{what}: start"),
    );
    assert_eq!(info.bit_rate, parsed(f, "bit_rate"), "{what}: bit rate");
    assert_eq!(
        tag_map(&info.format_tags),
        json_tags(f),
        "{what}: format tags"
    );

    let streams = probe["streams"].as_array().expect("streams");
    assert_eq!(info.streams.len(), streams.len(), "{what}: stream count");
    for (ours, theirs) in info.streams.iter().zip(streams) {
        assert_stream_matches(ours, theirs, &format!("{what}: stream {}", ours.index));
    }

    let chapters = probe["chapters"].as_array().expect("chapters");
    assert_eq!(info.chapters.len(), chapters.len(), "{what}: chapter count");
    for (i, (ours, theirs)) in info.chapters.iter().zip(chapters).enumerate() {
        assert_secs(
            Some(ours.start_ticks),
            str_of(theirs, "start_time"),
            &format!("{what}: chapter {i} start"),
        );
        assert_secs(
            Some(ours.end_ticks),
            str_of(theirs, "end_time"),
            &format!("{what}: chapter {i} end"),
        );
        assert_eq!(
            ours.title.as_deref(),
            theirs["tags"]["title"].as_str(),
            "{what}: chapter {i} title"
        );
    }

    let attachments: Vec<&Value> = streams
        .iter()
        .filter(|s| str_of(s, "codec_type") == Some("attachment"))
        .collect();
    assert_eq!(
        info.attachments.len(),
        attachments.len(),
        "{what}: attachments"
    );
    for (ours, theirs) in info.attachments.iter().zip(attachments) {
        assert_eq!(
            Some(ours.index as u64),
            theirs["index"].as_u64(),
            "{what}: attachment index"
        );
        assert_eq!(
            ours.file_name.as_deref(),
            theirs["tags"]["filename"].as_str(),
            "{what}: attachment name"
        );
        assert_eq!(
            ours.mime_type.as_deref(),
            theirs["tags"]["mimetype"].as_str(),
            "{what}: attachment type"
        );
        assert_eq!(
            ours.codec.as_deref(),
            str_of(theirs, "codec_name"),
            "{what}: attachment codec"
        );
    }
}

fn assert_stream_matches(s: &MediaStreamInfo, t: &Value, what: &str) {
    assert_eq!(Some(s.index as u64), t["index"].as_u64(), "{what}: index");
    let kind = match str_of(t, "codec_type") {
        Some("video") => StreamKind::Video,
        Some("audio") => StreamKind::Audio,
        Some("subtitle") => StreamKind::Subtitle,
        Some("attachment") => StreamKind::Attachment,
        Some("data") => StreamKind::Data,
        _ => StreamKind::Unknown,
    };
    assert_eq!(s.kind, kind, "{what}: kind");
    assert_eq!(s.codec.as_deref(), str_of(t, "codec_name"), "{what}: codec");
    assert_eq!(
        s.codec_long_name.as_deref(),
        str_of(t, "codec_long_name"),
        "{what}: codec long name"
    );
    assert_eq!(
        s.profile.as_deref(),
        str_of(t, "profile"),
        "{what}: profile"
    );
    let tag = (str_of(t, "codec_tag") != Some("0x0000"))
        .then(|| str_of(t, "codec_tag_string"))
        .flatten();
    assert_eq!(s.codec_tag.as_deref(), tag, "{what}: codec tag");
    assert_eq!(
        Some(s.time_base.to_string().as_str()),
        str_of(t, "time_base"),
        "{what}: time base"
    );
    assert_rate(
        s.avg_frame_rate,
        str_of(t, "avg_frame_rate"),
        &format!("{what}: avg_frame_rate"),
    );
    assert_rate(
        s.real_frame_rate,
        str_of(t, "r_frame_rate"),
        &format!("{what}: r_frame_rate"),
    );
    assert_eq!(s.bit_rate, parsed(t, "bit_rate"), "{what}: bit rate");
    let tags = json_tags(t);
    assert_eq!(tag_map(&s.tags), tags, "{what}: tags");
    assert_eq!(
        s.language.as_ref(),
        tags.get("language"),
        "{what}: language"
    );
    assert_eq!(s.title.as_ref(), tags.get("title"), "{what}: title");
    let d = &t["disposition"];
    for (ours, key) in [
        (s.is_default, "default"),
        (s.is_forced, "forced"),
        (s.is_hearing_impaired, "hearing_impaired"),
        (s.is_visual_impaired, "visual_impaired"),
        (s.is_attached_pic, "attached_pic"),
    ] {
        assert_eq!(
            Some(u64::from(ours)),
            d[key].as_u64(),
            "{what}: disposition {key}"
        );
    }
    let size = |key| t[key].as_u64().filter(|&v| v > 0).map(|v| v as u32);
    assert_eq!(s.width, size("width"), "{what}: width");
    assert_eq!(s.height, size("height"), "{what}: height");

    let dovi = t["side_data_list"].as_array().and_then(|l| {
        l.iter()
            .find(|sd| str_of(sd, "side_data_type") == Some("DOVI configuration record"))
    });
    match (s.dolby_vision, dovi) {
        (None, None) => {}
        (Some(dv), Some(sd)) => {
            let n = |k: &str| {
                sd[k]
                    .as_u64()
                    .unwrap_or_else(|| panic!("{what}: {k} missing"))
            };
            assert_eq!(
                u64::from(dv.version_major),
                n("dv_version_major"),
                "{what}: dv major"
            );
            assert_eq!(
                u64::from(dv.version_minor),
                n("dv_version_minor"),
                "{what}: dv minor"
            );
            assert_eq!(u64::from(dv.profile), n("dv_profile"), "{what}: dv profile");
            assert_eq!(u64::from(dv.level), n("dv_level"), "{what}: dv level");
            assert_eq!(
                u64::from(dv.rpu_present),
                n("rpu_present_flag"),
                "{what}: rpu"
            );
            assert_eq!(u64::from(dv.el_present), n("el_present_flag"), "{what}: el");
            assert_eq!(u64::from(dv.bl_present), n("bl_present_flag"), "{what}: bl");
            assert_eq!(
                u64::from(dv.bl_signal_compatibility_id),
                n("dv_bl_signal_compatibility_id"),
                "{what}: dv compatibility"
            );
        }
        (ours, theirs) => panic!("{what}: dolby vision ours {ours:?}, ffprobe {theirs:?}"),
    }

    let raw_bits: Option<u32> = parsed(t, "bits_per_raw_sample");
    match s.kind {
        StreamKind::Video => {
            assert_eq!(
                s.pixel_format.as_deref(),
                str_of(t, "pix_fmt"),
                "{what}: pix_fmt"
            );
            assert_eq!(
                s.level,
                t["level"].as_i64().filter(|&l| l != -99).map(|l| l as i32),
                "{what}: level"
            );
            assert_eq!(
                s.field_order.as_deref(),
                str_of(t, "field_order"),
                "{what}: field order"
            );
            assert_eq!(
                s.color_range.as_deref(),
                str_of(t, "color_range"),
                "{what}: color range"
            );
            assert_eq!(
                s.color_space.as_deref(),
                str_of(t, "color_space"),
                "{what}: color space"
            );
            assert_eq!(
                s.color_transfer.as_deref(),
                str_of(t, "color_transfer"),
                "{what}: transfer"
            );
            assert_eq!(
                s.color_primaries.as_deref(),
                str_of(t, "color_primaries"),
                "{what}: primaries"
            );
            assert_eq!(
                rational_text(s.sample_aspect_ratio).as_deref(),
                str_of(t, "sample_aspect_ratio"),
                "{what}: SAR"
            );
            assert_eq!(
                rational_text(s.display_aspect_ratio).as_deref(),
                str_of(t, "display_aspect_ratio"),
                "{what}: DAR"
            );
            if raw_bits.is_some() {
                assert_eq!(
                    s.bit_depth, raw_bits,
                    "{what}: bit depth vs bits_per_raw_sample"
                );
            }
        }
        StreamKind::Audio => {
            assert_eq!(
                s.sample_rate,
                parsed(t, "sample_rate").filter(|&r: &u32| r > 0),
                "{what}: sample rate"
            );
            assert_eq!(
                s.channels.map(u64::from),
                t["channels"].as_u64().filter(|&c| c > 0),
                "{what}: channels"
            );
            assert_eq!(
                s.channel_layout.as_deref(),
                str_of(t, "channel_layout"),
                "{what}: layout"
            );
            assert_eq!(
                s.sample_format.as_deref(),
                str_of(t, "sample_fmt"),
                "{what}: sample format"
            );
            let coded_bits = t["bits_per_sample"]
                .as_u64()
                .filter(|&b| b > 0)
                .map(|b| b as u32);
            assert_eq!(s.bit_depth, raw_bits.or(coded_bits), "{what}: bit depth");
        }
        _ => {}
    }
}

fn stream(info: &MediaInfo, index: usize) -> &MediaStreamInfo {
    &info.streams[index]
}

// ---------------------------------------------------------------------------------------------
// The shared test library.

#[test]
fn make_library_templates_match_ffprobe_and_how_they_were_made() {
    let dir = TempDir::new().unwrap();
    let (templates, summary) = make_library(dir.path());
    let prober = LibavProber::default();

    // (template key in make-library's summary, file, container)
    let table = [
        ("mkv", "h264_aac.mkv", "matroska,webm"),
        ("mp4", "h264_aac.mp4", "mov,mp4,m4a,3gp,3g2,mj2"),
        ("hevc", "hevc10_ac3_aac.mkv", "matroska,webm"),
        ("flac", "tone.flac", "flac"),
    ];
    for (key, file, container) in table {
        let path = templates.join(file);
        let info = prober
            .probe(&path)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_matches_ffprobe(&info, &ffprobe(&path), file);
        assert_eq!(info.container, container, "{file}");
        assert_eq!(
            info.size,
            std::fs::metadata(&path).unwrap().len(),
            "{file}: size"
        );

        // make-library's own summary: duration to 2 decimals and `kind:codec` per stream.
        let facts = &summary["templates"][key];
        let secs = info.duration().expect("duration").as_secs_f64();
        assert!(
            (secs - facts["duration"].as_f64().unwrap()).abs() <= 0.006,
            "{file}: {secs} s"
        );
        let kinds: Vec<String> = info
            .streams
            .iter()
            .map(|s| {
                let kind = format!("{:?}", s.kind).to_lowercase();
                format!("{kind}:{}", s.codec.as_deref().unwrap_or("?"))
            })
            .collect();
        let expected: Vec<&str> = facts["streams"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(kinds, expected, "{file}: streams");
    }

    // What make-library's ffmpeg commands fix.
    let mkv = prober.probe(&templates.join("h264_aac.mkv")).unwrap();
    assert_eq!(
        (stream(&mkv, 0).width, stream(&mkv, 0).height),
        (Some(320), Some(180))
    );
    assert_eq!(stream(&mkv, 0).pixel_format.as_deref(), Some("yuv420p"));
    assert_eq!(stream(&mkv, 0).bit_depth, Some(8));
    assert_eq!(stream(&mkv, 0).avg_frame_rate, Some(24.0));
    assert_eq!(stream(&mkv, 1).language.as_deref(), Some("eng"));
    assert_eq!(stream(&mkv, 1).profile.as_deref(), Some("LC"));
    assert_eq!(stream(&mkv, 1).sample_rate, Some(48000));
    assert_eq!(stream(&mkv, 2).language.as_deref(), Some("eng"));
    assert_eq!(stream(&mkv, 2).codec.as_deref(), Some("subrip"));

    let mp4 = prober.probe(&templates.join("h264_aac.mp4")).unwrap();
    assert_eq!(stream(&mp4, 0).codec_tag.as_deref(), Some("avc1"));
    assert_eq!(stream(&mp4, 1).codec_tag.as_deref(), Some("mp4a"));

    let hevc = prober.probe(&templates.join("hevc10_ac3_aac.mkv")).unwrap();
    let video = stream(&hevc, 0);
    assert_eq!(video.codec.as_deref(), Some("hevc"));
    assert_eq!(video.profile.as_deref(), Some("Main 10"));
    assert_eq!(video.pixel_format.as_deref(), Some("yuv420p10le"));
    assert_eq!(video.bit_depth, Some(10));
    let ac3 = stream(&hevc, 1);
    assert_eq!(
        (
            ac3.codec.as_deref(),
            ac3.channels,
            ac3.channel_layout.as_deref(),
            ac3.language.as_deref()
        ),
        (Some("ac3"), Some(6), Some("5.1(side)"), Some("eng"))
    );
    let aac = stream(&hevc, 2);
    assert_eq!(
        (aac.codec.as_deref(), aac.language.as_deref()),
        (Some("aac"), Some("jpn"))
    );

    let flac = prober.probe(&templates.join("tone.flac")).unwrap();
    let audio = stream(&flac, 0);
    assert_eq!(
        (audio.sample_rate, audio.bit_depth, audio.channels),
        (Some(44100), Some(16), Some(1))
    );
    assert_eq!(flac.duration(), Some(Duration::from_secs(4)));
}

// ---------------------------------------------------------------------------------------------
// Features, each on files made for it.

#[test]
fn chapters_attachments_and_subtitle_dispositions() {
    let dir = TempDir::new().unwrap();
    let meta = dir.path().join("chapters.txt");
    std::fs::write(
        &meta,
        ";FFMETADATA1\ntitle=Chaptered Movie\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=1000\ntitle=Opening\n\
         [CHAPTER]\nTIMEBASE=1/1000\nSTART=1000\nEND=2000\ntitle=Ending\n",
    )
    .unwrap();
    let srt = dir.path().join("sub.srt");
    std::fs::write(&srt, "1\n00:00:00,500 --> 00:00:01,000\nHello.\n").unwrap();
    let font = dir.path().join("font.ttf");
    std::fs::write(&font, "not really a font").unwrap();
    let out = dir.path().join("chapters.mkv");
    let (srt, meta, font) = (
        srt.to_str().unwrap(),
        meta.to_str().unwrap(),
        font.to_str().unwrap(),
    );
    let mut args = AV_SOURCES.to_vec();
    args.extend([
        "-i",
        srt,
        "-i",
        srt,
        "-i",
        meta,
        "-t",
        "2",
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-map",
        "2",
        "-map",
        "3",
        "-map_metadata",
        "4",
        "-map_chapters",
        "4",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-c:a",
        "aac",
        "-c:s",
        "srt",
        "-metadata:s:s:0",
        "language=eng",
        "-metadata:s:s:1",
        "language=ger",
        "-metadata:s:s:1",
        "title=Forced SDH",
        "-disposition:s:0",
        "default",
        "-disposition:s:1",
        "forced+hearing_impaired",
        "-disposition:a:0",
        "default+visual_impaired",
        "-attach",
        font,
        "-metadata:s:t",
        "mimetype=application/x-truetype-font",
    ]);
    ffmpeg(&args, &out);

    let info = LibavProber::default().probe(&out).unwrap();
    assert_matches_ffprobe(&info, &ffprobe(&out), "chapters.mkv");

    assert_eq!(
        info.chapters,
        [
            ChapterInfo {
                start_ticks: 0,
                end_ticks: TICKS_PER_SECOND,
                title: Some("Opening".into())
            },
            ChapterInfo {
                start_ticks: TICKS_PER_SECOND,
                end_ticks: 2 * TICKS_PER_SECOND,
                title: Some("Ending".into())
            },
        ]
    );
    assert_eq!(tag(&info.format_tags, "title"), Some("Chaptered Movie"));
    let audio = stream(&info, 1);
    assert!(audio.is_default && audio.is_visual_impaired && !audio.is_forced);
    let subs: Vec<_> = info.streams_of(StreamKind::Subtitle).collect();
    assert_eq!(subs.len(), 2);
    assert!(subs[0].is_default && !subs[0].is_forced && !subs[0].is_hearing_impaired);
    assert_eq!(subs[0].language.as_deref(), Some("eng"));
    assert!(!subs[1].is_default && subs[1].is_forced && subs[1].is_hearing_impaired);
    assert_eq!(
        (subs[1].language.as_deref(), subs[1].title.as_deref()),
        (Some("ger"), Some("Forced SDH"))
    );
    assert_eq!(
        info.attachments,
        [AttachmentInfo {
            index: 4,
            file_name: Some("font.ttf".into()),
            mime_type: Some("application/x-truetype-font".into()),
            codec: Some("ttf".into()),
        }]
    );
    assert_eq!(stream(&info, 4).kind, StreamKind::Attachment);
}

#[test]
fn hdr_transfer_characteristics_and_bit_depth() {
    let dir = TempDir::new().unwrap();
    // (file, transfer, primaries, matrix)
    let table = [
        ("pq.mkv", "smpte2084", "bt2020", "bt2020nc"),
        ("hlg.mkv", "arib-std-b67", "bt2020", "bt2020nc"),
        ("sdr.mkv", "bt709", "bt709", "bt709"),
    ];
    for (file, trc, primaries, space) in table {
        let out = dir.path().join(file);
        ffmpeg(
            &[
                "-f",
                "lavfi",
                "-i",
                "testsrc2=size=64x64:rate=25:d=0.4",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-pix_fmt",
                "yuv420p10le",
                "-color_primaries",
                primaries,
                "-color_trc",
                trc,
                "-colorspace",
                space,
                "-color_range",
                "tv",
            ],
            &out,
        );
        let info = LibavProber::default().probe(&out).unwrap();
        assert_matches_ffprobe(&info, &ffprobe(&out), file);
        let v = stream(&info, 0);
        assert_eq!(v.color_transfer.as_deref(), Some(trc), "{file}");
        assert_eq!(v.color_primaries.as_deref(), Some(primaries), "{file}");
        assert_eq!(v.color_space.as_deref(), Some(space), "{file}");
        assert_eq!(v.color_range.as_deref(), Some("tv"), "{file}");
        assert_eq!(v.profile.as_deref(), Some("High 10"), "{file}");
        assert_eq!(v.bit_depth, Some(10), "{file}");
        assert_eq!(v.dolby_vision, None, "{file}");
    }
}

/// Appends a Dolby Vision configuration box (`dvvC`, 24 bytes of payload) to the first video
/// sample entry of type `entry` in an MP4 whose `moov` follows its `mdat` (ffmpeg's default),
/// growing every enclosing box. Sample offsets point into `mdat`, before the change.
fn add_dovi_box(mp4: &mut Vec<u8>, entry: &[u8; 4], record: [u8; 24]) {
    fn find(data: &[u8], from: usize, to: usize, kind: &[u8; 4]) -> Option<(usize, usize)> {
        let mut at = from;
        while at + 8 <= to {
            let size = u32::from_be_bytes(data[at..at + 4].try_into().unwrap()) as usize;
            assert!(
                size >= 8 && at + size <= to,
                "unexpected box layout at {at}"
            );
            if &data[at + 4..at + 8] == kind {
                return Some((at, at + size));
            }
            at += size;
        }
        None
    }
    // (box, offset of its first child)
    let path: [(&[u8; 4], usize); 7] = [
        (b"moov", 8),
        (b"trak", 8),
        (b"mdia", 8),
        (b"minf", 8),
        (b"stbl", 8),
        (b"stsd", 16),
        (entry, 86),
    ];
    let (mut from, mut to) = (0, mp4.len());
    let mut boxes = Vec::new();
    for (kind, header) in path {
        let (start, end) = find(mp4, from, to, kind)
            .unwrap_or_else(|| panic!("no {} box", String::from_utf8_lossy(kind)));
        boxes.push(start);
        (from, to) = (start + header, end);
    }
    let mut dvvc = 32u32.to_be_bytes().to_vec();
    dvvc.extend_from_slice(b"dvvC");
    dvvc.extend_from_slice(&record);
    mp4.splice(to..to, dvvc.iter().copied());
    for start in boxes {
        let size = u32::from_be_bytes(mp4[start..start + 4].try_into().unwrap()) + 32;
        mp4[start..start + 4].copy_from_slice(&size.to_be_bytes());
    }
}

#[test]
fn dolby_vision_configuration_record() {
    let dir = TempDir::new().unwrap();
    let plain = dir.path().join("hevc.mp4");
    ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=64x64:rate=25:d=0.4",
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-x265-params",
            "log-level=error",
            "-pix_fmt",
            "yuv420p10le",
            "-color_primaries",
            "bt2020",
            "-color_trc",
            "smpte2084",
            "-colorspace",
            "bt2020nc",
            "-tag:v",
            "hvc1",
        ],
        &plain,
    );
    // Dolby Vision 8.1: version 1.0, profile 8, level 4, RPU + base layer, HDR10-compatible
    // base layer (compatibility id 1).
    let mut record = [0u8; 24];
    record[0] = 1;
    let bits: u16 = (8 << 9) | (4 << 3) | (1 << 2) | 1;
    record[2..4].copy_from_slice(&bits.to_be_bytes());
    record[4] = 1 << 4;
    let mut bytes = std::fs::read(&plain).unwrap();
    add_dovi_box(&mut bytes, b"hvc1", record);
    let dv = dir.path().join("dv.mp4");
    std::fs::write(&dv, &bytes).unwrap();

    let prober = LibavProber::default();
    let probe = ffprobe(&dv);
    assert!(
        probe.to_string().contains("DOVI configuration record"),
        "ffprobe does not see the record: the fixture is wrong"
    );
    let info = prober.probe(&dv).unwrap();
    assert_matches_ffprobe(&info, &probe, "dv.mp4");
    let v = stream(&info, 0);
    assert_eq!(v.dv_profile(), Some(8));
    assert_eq!(
        v.dolby_vision,
        Some(DolbyVisionConfig {
            version_major: 1,
            version_minor: 0,
            profile: 8,
            level: 4,
            rpu_present: true,
            el_present: false,
            bl_present: true,
            bl_signal_compatibility_id: 1,
        })
    );
    assert_eq!(v.color_transfer.as_deref(), Some("smpte2084"));

    let plain_info = prober.probe(&plain).unwrap();
    assert_matches_ffprobe(&plain_info, &ffprobe(&plain), "hevc.mp4");
    assert_eq!(stream(&plain_info, 0).dv_profile(), None);
}

#[test]
fn music_tags_from_container_or_stream() {
    let dir = TempDir::new().unwrap();
    let tags = [
        "-metadata",
        "title=Song",
        "-metadata",
        "artist=Band",
        "-metadata",
        "album_artist=Various",
        "-metadata",
        "album=LP",
        "-metadata",
        "track=3/12",
        "-metadata",
        "disc=1/2",
        "-metadata",
        "date=2019-05-04",
        "-metadata",
        "genre=Electronic;Ambient",
    ];
    let tone = [
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=44100:duration=1",
    ];
    let cover = [
        "-f",
        "lavfi",
        "-i",
        "color=c=red:size=32x32:d=1",
        "-map",
        "0:a",
        "-map",
        "1:v",
        "-frames:v",
        "1",
    ];
    // (file, encoder arguments, container, has cover art, tags live in the stream)
    let table: [(&str, Vec<&str>, &str, bool, bool); 5] = [
        (
            "cover.flac",
            [
                &cover[..],
                &[
                    "-c:a",
                    "flac",
                    "-c:v",
                    "png",
                    "-disposition:v",
                    "attached_pic",
                ],
            ]
            .concat(),
            "flac",
            true,
            false,
        ),
        (
            "cover.mp3",
            [
                &cover[..],
                &[
                    "-c:a",
                    "libmp3lame",
                    "-c:v",
                    "mjpeg",
                    "-disposition:v",
                    "attached_pic",
                ],
            ]
            .concat(),
            "mp3",
            true,
            false,
        ),
        (
            "tone.m4a",
            vec!["-c:a", "aac"],
            "mov,mp4,m4a,3gp,3g2,mj2",
            false,
            false,
        ),
        ("tone.ogg", vec!["-c:a", "libvorbis"], "ogg", false, true),
        ("tone.opus", vec!["-c:a", "libopus"], "ogg", false, true),
    ];
    let expected = AudioTags {
        title: Some("Song".into()),
        artist: Some("Band".into()),
        album_artist: Some("Various".into()),
        album: Some("LP".into()),
        track_number: Some(3),
        disc_number: Some(1),
        date: Some("2019-05-04".into()),
        year: Some(2019),
        genres: vec!["Electronic".into(), "Ambient".into()],
    };
    let prober = LibavProber::default();
    for (file, codec_args, container, has_cover, in_stream) in table {
        let out = dir.path().join(file);
        ffmpeg(&[&tone[..], &codec_args, &tags].concat(), &out);
        let info = prober.probe(&out).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_matches_ffprobe(&info, &ffprobe(&out), file);
        assert_eq!(info.container, container, "{file}");
        assert_eq!(info.tags, expected, "{file}");
        // Where the tags were found: proves the stream fallback is what read OGG's.
        assert_eq!(
            tag(&info.format_tags, "title").is_none(),
            in_stream,
            "{file}"
        );
        let covers: Vec<_> = info.streams_of(StreamKind::Video).collect();
        assert_eq!(covers.len(), usize::from(has_cover), "{file}");
        assert!(covers.iter().all(|c| c.is_attached_pic), "{file}");
    }
}

#[test]
fn other_containers_match_ffprobe() {
    let dir = TempDir::new().unwrap();
    let srt = dir.path().join("sub.srt");
    std::fs::write(&srt, "1\n00:00:00,500 --> 00:00:01,000\nHello.\n").unwrap();
    let srt = srt.to_str().unwrap();
    let av = AV_SOURCES.to_vec();
    // (file, arguments, container, audio bit depth)
    let table: [(&str, Vec<&str>, &str, Option<u32>); 5] = [
        (
            "t.ts",
            [
                &av[..],
                &[
                    "-c:v",
                    "libx264",
                    "-preset",
                    "ultrafast",
                    "-c:a",
                    "ac3",
                    "-metadata:s:a:0",
                    "language=fre",
                ],
            ]
            .concat(),
            "mpegts",
            None,
        ),
        (
            "t.avi",
            [&av[..], &["-c:v", "mpeg4", "-c:a", "pcm_s16le"]].concat(),
            "avi",
            Some(16),
        ),
        (
            "t.mov",
            [
                &av[..],
                &[
                    "-i",
                    srt,
                    "-map",
                    "0",
                    "-map",
                    "1",
                    "-map",
                    "2",
                    "-c:v",
                    "libx264",
                    "-preset",
                    "ultrafast",
                    "-c:a",
                    "aac",
                    "-c:s",
                    "mov_text",
                    "-vf",
                    "setsar=4/3",
                ],
            ]
            .concat(),
            "mov,mp4,m4a,3gp,3g2,mj2",
            None,
        ),
        (
            "t.wav",
            vec![
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=440:sample_rate=96000:duration=1",
                "-c:a",
                "pcm_s24le",
            ],
            "wav",
            Some(24),
        ),
        (
            "t.vob",
            [
                &av[..],
                &[
                    "-c:v",
                    "mpeg2video",
                    "-flags",
                    "+ilme+ildct",
                    "-top",
                    "1",
                    "-c:a",
                    "mp2",
                    "-f",
                    "vob",
                ],
            ]
            .concat(),
            "mpeg",
            None,
        ),
    ];
    let prober = LibavProber::default();
    for (file, args, container, bits) in table {
        let out = dir.path().join(file);
        ffmpeg(&args, &out);
        let info = prober.probe(&out).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_matches_ffprobe(&info, &ffprobe(&out), file);
        assert_eq!(info.container, container, "{file}");
        let audio = info.streams_of(StreamKind::Audio).next().expect("audio");
        assert_eq!(audio.bit_depth, bits, "{file}");
    }
    // MPEG-TS timestamps start after the muxer's initial delay, not at zero.
    let ts = prober.probe(&dir.path().join("t.ts")).unwrap();
    assert!(
        ts.start_time_ticks.unwrap() > TICKS_PER_SECOND,
        "{:?}",
        ts.start_time_ticks
    );
    assert_eq!(stream(&ts, 1).language.as_deref(), Some("fre"));
    // Interlaced MPEG-2, top field first.
    let vob = prober.probe(&dir.path().join("t.vob")).unwrap();
    assert_eq!(stream(&vob, 0).field_order.as_deref(), Some("tt"));
    // Anamorphic: 64x64 pixels of 4:3 shape show as 4:3.
    let mov = prober.probe(&dir.path().join("t.mov")).unwrap();
    let sar = Rational { num: 4, den: 3 };
    assert_eq!(stream(&mov, 0).sample_aspect_ratio, Some(sar));
    assert_eq!(stream(&mov, 0).display_aspect_ratio, Some(sar));
    assert_eq!(stream(&mov, 2).codec.as_deref(), Some("mov_text"));
}

// ---------------------------------------------------------------------------------------------
// Limits, errors, paths, threads.

/// A tiny H.264/AAC/SRT Matroska file.
fn small_mkv(dir: &Path) -> PathBuf {
    let srt = dir.join("small.srt");
    std::fs::write(&srt, "1\n00:00:00,500 --> 00:00:01,000\nHello.\n").unwrap();
    let out = dir.join("small.mkv");
    let mut args = AV_SOURCES.to_vec();
    args.extend([
        "-i",
        srt.to_str().unwrap(),
        "-map",
        "0",
        "-map",
        "1",
        "-map",
        "2",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-c:a",
        "aac",
    ]);
    ffmpeg(&args, &out);
    out
}

/// Deterministic noise (xorshift), so the "random bytes" case is the same on every run.
fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// An AC-3-only MPEG-TS file.
fn ac3_ts(dir: &Path) -> PathBuf {
    let out = dir.join("ac3.ts");
    ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=48000:duration=1",
            "-c:a",
            "ac3",
        ],
        &out,
    );
    out
}

#[test]
fn broken_inputs_are_errors_not_panics() {
    let dir = TempDir::new().unwrap();
    let mkv = small_mkv(dir.path());
    let bytes = std::fs::read(&mkv).unwrap();
    let ts = std::fs::read(ac3_ts(dir.path())).unwrap();
    let write = |name: &str, data: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, data).unwrap();
        p
    };
    let empty = write("empty.mkv", b"");
    let truncated = write("truncated.mkv", &bytes[..2048]);
    // SDT, PAT and PMT packets, no audio packet: the stream exists, its data does not.
    let ts_tables = write("tables-only.ts", &ts[..3 * 188]);
    let ts_two = write("two-packets.ts", &ts[..2 * 188]);
    let random = write("random.mkv", &noise(64 * 1024));
    let text = write("notes.mkv", b"just some text, not media\n");
    // A valid ffmetadata file: a container libav opens, with no streams in it.
    let metadata = write("metadata.mkv", b";FFMETADATA1\ntitle=Nothing to play\n");
    let missing = dir.path().join("missing.mkv");
    let folder = dir.path().join("folder.mkv");
    std::fs::create_dir(&folder).unwrap();
    let fifo = dir.path().join("fifo.mkv");
    run(Command::new("mkfifo").arg(&fifo));

    fn is_ffmpeg_source(e: &ProbeError) -> bool {
        std::error::Error::source(e)
            .is_some_and(|s| s.downcast_ref::<super::LibavError>().is_some())
    }
    type Check = fn(&ProbeError) -> bool;
    let table: [(&Path, &str, Check); 10] = [
        (&empty, "Empty", |e| matches!(e, ProbeError::Empty { .. })),
        (&missing, "Io(NotFound)", |e| {
            matches!(e, ProbeError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
                && std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
        }),
        (&folder, "NotAFile", |e| {
            matches!(e, ProbeError::NotAFile { .. })
        }),
        (&fifo, "NotAFile (a FIFO would block open)", |e| {
            matches!(e, ProbeError::NotAFile { .. })
        }),
        (&random, "Open(InvalidData)", |e| {
            matches!(
                e,
                ProbeError::Open { source, .. }
                    if source.code == i32::from(ffmpeg_next::Error::InvalidData)
            ) && is_ffmpeg_source(e)
        }),
        (&text, "Open(InvalidData)", |e| {
            matches!(
                e,
                ProbeError::Open { source, .. }
                    if source.code == i32::from(ffmpeg_next::Error::InvalidData)
            )
        }),
        (&ts_two, "Open or StreamInfo", |e| {
            matches!(e, ProbeError::Open { .. } | ProbeError::StreamInfo { .. })
                && is_ffmpeg_source(e)
        }),
        (&metadata, "NoStreams", |e| {
            matches!(e, ProbeError::NoStreams { .. })
        }),
        (
            &truncated,
            "Incomplete(stream 0)",
            |e| matches!(e, ProbeError::Incomplete { stream: 0, partial, .. } if partial.streams.len() == 3),
        ),
        (
            &ts_tables,
            "Incomplete(stream 0)",
            |e| matches!(e, ProbeError::Incomplete { stream: 0, partial, .. } if partial.streams.len() == 1),
        ),
    ];
    let prober = LibavProber::default();
    for (path, expected, matches) in table {
        let started = Instant::now();
        let err = prober.probe(path).expect_err(expected);
        assert!(
            matches(&err),
            "{}: expected {expected}, got {err:?}",
            path.display()
        );
        assert_eq!(err.path(), path);
        assert!(!err.to_string().is_empty());
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{}: slow",
            path.display()
        );
    }

    // ffprobe agrees that noise and text are not media, and finds no stream in the metadata.
    assert!(ffprobe_with(&random, &[]).is_none());
    assert!(ffprobe_with(&text, &[]).is_none());
    assert_eq!(ffprobe(&metadata)["format"]["nb_streams"].as_u64(), Some(0));
    // It "succeeds" on the truncated files only by leaving the video's pixel format or the
    // audio's sample rate unknown; the partial results match it.
    for (path, field) in [(&truncated, "pix_fmt"), (&ts_tables, "sample_rate")] {
        let probe = ffprobe(path);
        let unknown = str_of(&probe["streams"][0], field);
        assert!(
            unknown.is_none() || unknown == Some("0"),
            "{field}: {unknown:?}"
        );
        match prober.probe(path) {
            Err(ProbeError::Incomplete { partial, .. }) => {
                assert_matches_ffprobe(&partial, &probe, &path.display().to_string());
                assert_eq!(partial.size, std::fs::metadata(path).unwrap().len());
            }
            other => panic!("{}: {other:?}", path.display()),
        }
    }

    // A music file whose cover art is broken still probes: the picture's size and pixel format
    // are unknown (as ffprobe reports them), the audio is fine.
    let mp3 = dir.path().join("cover.mp3");
    ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=44100:duration=1",
            "-f",
            "lavfi",
            "-i",
            "color=c=red:size=32x32:d=1",
            "-map",
            "0:a",
            "-map",
            "1:v",
            "-frames:v",
            "1",
            "-c:a",
            "libmp3lame",
            "-c:v",
            "mjpeg",
            "-disposition:v",
            "attached_pic",
        ],
        &mp3,
    );
    let mut data = std::fs::read(&mp3).unwrap();
    let jpeg = data
        .windows(3)
        .position(|w| w == [0xff, 0xd8, 0xff])
        .expect("a JPEG cover");
    data[jpeg + 2..jpeg + 300].fill(0);
    let broken_cover = write("broken-cover.mp3", &data);
    let info = prober.probe(&broken_cover).unwrap();
    assert_matches_ffprobe(&info, &ffprobe(&broken_cover), "broken-cover.mp3");
    let cover = stream(&info, 1);
    assert!(cover.is_attached_pic);
    assert_eq!((cover.width, cover.pixel_format.as_deref()), (None, None));
    assert_eq!(stream(&info, 0).sample_rate, Some(44100));

    // Cut after the headers and the first clusters, the file is still usable.
    let half = write("half.mkv", &bytes[..bytes.len() / 2]);
    let info = prober.probe(&half).unwrap();
    assert_matches_ffprobe(&info, &ffprobe(&half), "half.mkv");
}

#[test]
fn limits_bound_the_probe() {
    let dir = TempDir::new().unwrap();
    let mkv = small_mkv(dir.path());

    // No time at all: libav is interrupted at its first read.
    let instant = LibavProber::new(ProbeLimits {
        timeout: Duration::ZERO,
        ..ProbeLimits::default()
    });
    match instant.probe(&mkv) {
        Err(ProbeError::Timeout { path, timeout }) => {
            assert_eq!(path, mkv);
            assert_eq!(timeout, Duration::ZERO);
        }
        other => panic!("expected a timeout, got {other:?}"),
    }

    // probesize reaches libav: with 32 bytes the video's pixel format stays unknown, exactly
    // as for `ffprobe -probesize 32 -analyzeduration 1`.
    let tiny = LibavProber::new(ProbeLimits {
        probe_size: 32,
        analyze_duration: Duration::ZERO,
        ..ProbeLimits::default()
    });
    let tiny_args = ["-probesize", "32", "-analyzeduration", "1"];
    let probe = ffprobe_with(&mkv, &tiny_args).unwrap();
    match tiny.probe(&mkv) {
        Err(ProbeError::Incomplete {
            stream: 0, partial, ..
        }) => {
            assert_matches_ffprobe(&partial, &probe, "small.mkv, tiny limits");
        }
        other => panic!("expected an incomplete probe, got {other:?}"),
    }
    // Below libav's minimum the size is raised, not rejected.
    let below = LibavProber::new(ProbeLimits {
        probe_size: 0,
        ..tiny.limits().clone()
    });
    assert!(matches!(
        below.probe(&mkv),
        Err(ProbeError::Incomplete { .. })
    ));
    let info = LibavProber::default().probe(&mkv).unwrap();
    assert_matches_ffprobe(&info, &ffprobe(&mkv), "small.mkv");

    // analyzeduration reaches libav: MPEG-TS AC-3 beside video needs a few packets for its
    // sample rate, which 1 µs of analysis does not allow (ffprobe agrees); 5 s does. An audio
    // track without parameters beside usable video does not fail the probe.
    let ts = dir.path().join("short.ts");
    let mut args = AV_SOURCES.to_vec();
    args.extend(["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "ac3"]);
    ffmpeg(&args, &ts);
    let hasty = LibavProber::new(ProbeLimits {
        analyze_duration: Duration::ZERO,
        ..ProbeLimits::default()
    });
    let info = hasty.probe(&ts).unwrap();
    let probe = ffprobe_with(&ts, &["-analyzeduration", "1"]).unwrap();
    assert_matches_ffprobe(&info, &probe, "short.ts, no analysis");
    assert_eq!(stream(&info, 1).sample_rate, None);
    let info = LibavProber::default().probe(&ts).unwrap();
    assert_matches_ffprobe(&info, &ffprobe(&ts), "short.ts");
    assert_eq!(stream(&info, 1).sample_rate, Some(48000));
}

#[cfg(unix)]
#[test]
fn unusual_file_names() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    let dir = TempDir::new().unwrap();
    let mkv = small_mkv(dir.path());
    let prober = LibavProber::default();
    let reference = prober.probe(&mkv).unwrap();
    let names: [&[u8]; 5] = [
        "spaces & ünïcödé.mkv".as_bytes(),
        b"percent %d %s ?query=1 #frag.mkv",
        b"concat:a.mkv|b.mkv",
        b"http:x.mkv",
        b"latin1 caf\xe9.mkv",
    ];
    for name in names {
        let path = dir.path().join(OsStr::from_bytes(name));
        std::fs::copy(&mkv, &path).unwrap();
        let info = prober
            .probe(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(info, reference, "{}", path.display());
    }
}

#[test]
fn concurrent_probes_agree() {
    let dir = TempDir::new().unwrap();
    let (templates, _) = make_library(dir.path());
    let files: Vec<PathBuf> = [
        "h264_aac.mkv",
        "h264_aac.mp4",
        "hevc10_ac3_aac.mkv",
        "tone.flac",
    ]
    .iter()
    .map(|f| templates.join(f))
    .collect();
    let prober: Arc<dyn Prober> = Arc::new(LibavProber::default());
    let expected: Vec<MediaInfo> = files.iter().map(|f| prober.probe(f).unwrap()).collect();
    let files = Arc::new(files);
    let expected = Arc::new(expected);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (prober, files, expected) = (prober.clone(), files.clone(), expected.clone());
            std::thread::spawn(move || {
                for round in 0..10 {
                    let i = (t + round) % files.len();
                    assert_eq!(prober.probe(&files[i]).unwrap(), expected[i], "thread {t}");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a probing thread panicked");
    }
}
