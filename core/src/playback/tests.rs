//! Decisions against the device profiles real clients send (`core/tests/fixtures/profiles/`,
//! see its README for how each was derived), for files like make-library's templates and a few
//! synthetic ones.

use super::*;
use crate::store::{ItemRecord, MediaType, StreamRecord};

fn profile(name: &str) -> DeviceProfile {
    let text = match name {
        "chromium" => include_str!("../../tests/fixtures/profiles/chromium.json"),
        "firefox" => include_str!("../../tests/fixtures/profiles/firefox.json"),
        "safari" => include_str!("../../tests/fixtures/profiles/safari.json"),
        "androidtv" => include_str!("../../tests/fixtures/profiles/androidtv.json"),
        "swiftfin" => include_str!("../../tests/fixtures/profiles/swiftfin.json"),
        "mpv-shim" => include_str!("../../tests/fixtures/profiles/mpv-shim.json"),
        // The shape of jellyfin-web's universal audio request: mp3 plays, the rest becomes
        // stereo AAC over HLS.
        "universal-audio" => {
            r#"{"MaxStreamingBitrate": 140000000, "MusicStreamingTranscodingBitrate": 192000,
                "DirectPlayProfiles": [{"Type": "Audio", "Container": "mp3"}],
                "TranscodingProfiles": [{"Type": "Audio", "Container": "ts", "Protocol": "hls",
                    "AudioCodec": "aac", "Context": "Streaming", "MaxAudioChannels": "2"}]}"#
        }
        other => panic!("no profile {other}"),
    };
    let value: serde_json::Value = serde_json::from_str(text).expect("fixture is JSON");
    DeviceProfile::from_json(&value).expect("fixture is a profile")
}

#[allow(clippy::too_many_arguments)]
fn video(
    index: i32,
    codec: &str,
    profile: &str,
    level: f64,
    (width, height): (i32, i32),
    depth: i32,
    fps: f64,
    bit_rate: Option<i64>,
) -> StreamRecord {
    StreamRecord {
        index,
        kind: "Video".into(),
        codec: Some(codec.into()),
        profile: Some(profile.into()),
        level: Some(level),
        width: Some(width),
        height: Some(height),
        bit_depth: Some(depth),
        average_frame_rate: Some(fps),
        real_frame_rate: Some(fps),
        bit_rate,
        color_transfer: Some("bt709".into()),
        is_default: true,
        ..StreamRecord::default()
    }
}

fn audio(
    index: i32,
    codec: &str,
    profile: Option<&str>,
    channels: i32,
    bit_rate: Option<i64>,
    default: bool,
) -> StreamRecord {
    StreamRecord {
        index,
        kind: "Audio".into(),
        codec: Some(codec.into()),
        profile: profile.map(str::to_owned),
        channels: Some(channels),
        sample_rate: Some(48_000),
        bit_rate,
        language: Some("eng".into()),
        is_default: default,
        ..StreamRecord::default()
    }
}

fn subtitle(index: i32, codec: &str) -> StreamRecord {
    StreamRecord {
        index,
        kind: "Subtitle".into(),
        codec: Some(codec.into()),
        language: Some("eng".into()),
        ..StreamRecord::default()
    }
}

fn item(path: &str, container: &str, bitrate: i64, streams: Vec<StreamRecord>) -> ItemRecord {
    ItemRecord {
        path: Some(path.into()),
        container: Some(container.into()),
        bitrate: Some(bitrate),
        media_type: Some(MediaType::Video),
        streams,
        ..ItemRecord::default()
    }
}

const MP4: &str = "mov,mp4,m4a,3gp,3g2,mj2";
const MKV: &str = "matroska,webm";

/// The files the tests decide about.
fn media(name: &str) -> SourceFacts {
    let item = match name {
        // make-library's templates (ffprobe's facts of `.templates/*`).
        "mp4-h264-aac" => item(
            "/m/a.mp4",
            MP4,
            678_342,
            vec![
                video(
                    0,
                    "h264",
                    "Constrained Baseline",
                    12.0,
                    (320, 180),
                    8,
                    24.0,
                    Some(607_828),
                ),
                audio(1, "aac", Some("LC"), 1, Some(64_376), true),
            ],
        ),
        "mkv-h264-aac-srt" => {
            let mut v = video(
                0,
                "h264",
                "Constrained Baseline",
                12.0,
                (320, 180),
                8,
                24.0,
                None,
            );
            v.is_default = false;
            item(
                "/m/a.mkv",
                MKV,
                675_410,
                vec![
                    v,
                    audio(1, "aac", Some("LC"), 1, None, false),
                    subtitle(2, "subrip"),
                ],
            )
        }
        "mkv-hevc10-ac3-aac" => {
            let mut v = video(0, "hevc", "Main 10", 60.0, (320, 180), 10, 24.0, None);
            v.is_default = false;
            item(
                "/m/a.mkv",
                MKV,
                733_672,
                vec![
                    v,
                    audio(1, "ac3", None, 6, Some(448_000), true),
                    audio(2, "aac", Some("LC"), 1, None, false),
                ],
            )
        }
        "flac" => ItemRecord {
            media_type: Some(MediaType::Audio),
            ..item(
                "/music/01.flac",
                "flac",
                114_188,
                vec![StreamRecord {
                    sample_rate: Some(44_100),
                    ..audio(0, "flac", None, 1, None, false)
                }],
            )
        },
        // Synthetic.
        "4k-hevc-hdr10-eac3" => {
            let mut v = video(
                0,
                "hevc",
                "Main 10",
                153.0,
                (3840, 2160),
                10,
                24000.0 / 1001.0,
                Some(58_000_000),
            );
            v.color_transfer = Some("smpte2084".into());
            item(
                "/m/uhd.mkv",
                MKV,
                60_000_000,
                vec![v, audio(1, "eac3", None, 6, Some(768_000), true)],
            )
        }
        "1080p-vc1-ac3" => item(
            "/m/vc1.mkv",
            MKV,
            20_640_000,
            vec![
                video(
                    0,
                    "vc1",
                    "Advanced",
                    3.0,
                    (1920, 1080),
                    8,
                    23.976,
                    Some(20_000_000),
                ),
                audio(1, "ac3", None, 6, Some(640_000), true),
            ],
        ),
        "576i-mpeg2-mp2-ts" => item(
            "/m/rec.ts",
            "mpegts",
            6_192_000,
            vec![
                video(
                    0,
                    "mpeg2video",
                    "Main",
                    8.0,
                    (720, 576),
                    8,
                    25.0,
                    Some(6_000_000),
                ),
                audio(1, "mp2", None, 2, Some(192_000), true),
            ],
        ),
        "1080i-h264-aac-mp4" => item(
            "/m/tv.mp4",
            MP4,
            8_192_000,
            vec![
                video(
                    0,
                    "h264",
                    "High",
                    40.0,
                    (1920, 1080),
                    8,
                    25.0,
                    Some(8_000_000),
                ),
                audio(1, "aac", Some("LC"), 2, Some(192_000), true),
            ],
        ),
        "1080p-h264-ac3-51-mp4" => item(
            "/m/film.mp4",
            MP4,
            8_640_000,
            vec![
                video(
                    0,
                    "h264",
                    "High",
                    41.0,
                    (1920, 1080),
                    8,
                    23.976,
                    Some(8_000_000),
                ),
                audio(1, "ac3", None, 6, Some(640_000), true),
            ],
        ),
        "1080p-h264-ac3-aac-mp4" => item(
            "/m/two.mp4",
            MP4,
            8_832_000,
            vec![
                video(
                    0,
                    "h264",
                    "High",
                    41.0,
                    (1920, 1080),
                    8,
                    23.976,
                    Some(8_000_000),
                ),
                audio(1, "ac3", None, 6, Some(640_000), true),
                audio(2, "aac", Some("LC"), 2, Some(192_000), false),
            ],
        ),
        "1080p-h264-dts-mkv" => item(
            "/m/dts.mkv",
            MKV,
            9_536_000,
            vec![
                video(
                    0,
                    "h264",
                    "High",
                    41.0,
                    (1920, 1080),
                    8,
                    23.976,
                    Some(8_000_000),
                ),
                audio(1, "dts", Some("DTS"), 6, Some(1_536_000), true),
            ],
        ),
        "1080p-h264-aac-pgs-mkv" => item(
            "/m/pgs.mkv",
            MKV,
            8_192_000,
            vec![
                video(
                    0,
                    "h264",
                    "High",
                    40.0,
                    (1920, 1080),
                    8,
                    23.976,
                    Some(8_000_000),
                ),
                audio(1, "aac", Some("LC"), 2, Some(192_000), true),
                subtitle(2, "hdmv_pgs_subtitle"),
            ],
        ),
        "dv5-hevc-eac3-mp4" => {
            let mut v = video(
                0,
                "hevc",
                "Main 10",
                153.0,
                (3840, 2160),
                10,
                23.976,
                Some(15_000_000),
            );
            v.dv_profile = Some(5);
            item(
                "/m/dv.mp4",
                MP4,
                15_768_000,
                vec![v, audio(1, "eac3", None, 6, Some(768_000), true)],
            )
        }
        "flac-in-mkv" => ItemRecord {
            media_type: Some(MediaType::Audio),
            ..item(
                "/music/02.mka",
                "matroska",
                900_000,
                vec![audio(0, "flac", None, 2, None, true)],
            )
        },
        other => panic!("no media {other}"),
    };
    let mut facts = SourceFacts::from_item(&item);
    // The store does not keep field order; these files are interlaced.
    if name.starts_with("576i") || name.starts_with("1080i") {
        for s in facts.streams.iter_mut().filter(|s| s.is(StreamKind::Video)) {
            s.is_interlaced = true;
        }
    }
    facts
}

/// What happens to a stream: `direct` (direct play), `copy`, a target codec, or `-` (none).
fn video_action(d: &SourceDecision, has_video: bool) -> String {
    match (&d.method, d.transcode.as_ref().map(|p| &p.video)) {
        (Some(PlayMethod::DirectPlay), _) if has_video => "direct".into(),
        (_, Some(Some(VideoAction::Copy))) => "copy".into(),
        (_, Some(Some(VideoAction::Encode { codec, .. }))) => codec.clone(),
        _ => "-".into(),
    }
}

fn audio_action(d: &SourceDecision) -> String {
    match (&d.method, d.transcode.as_ref().map(|p| &p.audio)) {
        (Some(PlayMethod::DirectPlay), _) => "direct".into(),
        (_, Some(Some(AudioAction::Copy))) => "copy".into(),
        (_, Some(Some(AudioAction::Encode { codec, .. }))) => codec.clone(),
        _ => "-".into(),
    }
}

struct Case {
    profile: &'static str,
    media: &'static str,
    options: fn(&mut PlaybackOptions),
    method: Option<PlayMethod>,
    reasons: &'static [&'static str],
    /// The direct-play container, or `container/protocol` of the transcode.
    output: &'static str,
    video: &'static str,
    audio: &'static str,
}

fn defaults(_: &mut PlaybackOptions) {}

#[test]
fn decisions_per_client_profile() {
    use PlayMethod::{DirectPlay, DirectStream, Transcode};
    const C: &str = "ContainerNotSupported";
    const V: &str = "VideoCodecNotSupported";
    const A: &str = "AudioCodecNotSupported";
    let case = |profile, media, method, reasons, output, video, audio| Case {
        profile,
        media,
        options: defaults,
        method,
        reasons,
        output,
        video,
        audio,
    };
    let cases = vec![
        // jellyfin-web in Chromium (no HEVC).
        case(
            "chromium",
            "mp4-h264-aac",
            Some(DirectPlay),
            &[],
            "mp4",
            "direct",
            "direct",
        ),
        case(
            "chromium",
            "mkv-h264-aac-srt",
            Some(DirectStream),
            &[C],
            "mp4/hls",
            "copy",
            "copy",
        ),
        case(
            "chromium",
            "mkv-hevc10-ac3-aac",
            Some(Transcode),
            &[C, V, A],
            "mp4/hls",
            "h264",
            "aac",
        ),
        case(
            "chromium",
            "flac",
            Some(DirectPlay),
            &[],
            "flac",
            "-",
            "direct",
        ),
        case(
            "chromium",
            "4k-hevc-hdr10-eac3",
            Some(Transcode),
            &[C, V, A],
            "mp4/hls",
            "h264",
            "aac",
        ),
        case(
            "chromium",
            "1080p-vc1-ac3",
            Some(Transcode),
            &[C, V, A],
            "mp4/hls",
            "h264",
            "aac",
        ),
        // Jellyfin reports the first of the equally bad profiles (webm: no MP2 either).
        case(
            "chromium",
            "576i-mpeg2-mp2-ts",
            Some(Transcode),
            &[C, V, A],
            "mp4/hls",
            "h264",
            "aac",
        ),
        case(
            "chromium",
            "1080i-h264-aac-mp4",
            Some(Transcode),
            &["InterlacedVideoNotSupported"],
            "mp4/hls",
            "h264",
            "copy",
        ),
        case(
            "chromium",
            "1080p-h264-ac3-51-mp4",
            Some(Transcode),
            &[A],
            "mp4/hls",
            "copy",
            "aac",
        ),
        case(
            "chromium",
            "1080p-h264-dts-mkv",
            Some(Transcode),
            &[C, A],
            "mp4/hls",
            "copy",
            "aac",
        ),
        case(
            "chromium",
            "dv5-hevc-eac3-mp4",
            Some(Transcode),
            &[V, A],
            "mp4/hls",
            "h264",
            "aac",
        ),
        // jellyfin-web in Firefox.
        case(
            "firefox",
            "mp4-h264-aac",
            Some(DirectPlay),
            &[],
            "mp4",
            "direct",
            "direct",
        ),
        case(
            "firefox",
            "mkv-hevc10-ac3-aac",
            Some(Transcode),
            &[C, V, A],
            "mp4/hls",
            "h264",
            "aac",
        ),
        case(
            "firefox",
            "1080p-h264-ac3-51-mp4",
            Some(Transcode),
            &[A],
            "mp4/hls",
            "copy",
            "aac",
        ),
        case(
            "firefox",
            "flac",
            Some(DirectPlay),
            &[],
            "flac",
            "-",
            "direct",
        ),
        // jellyfin-web in Safari: HEVC and AC-3 play, but only with a known hvc1/dvh1 tag.
        case(
            "safari",
            "mp4-h264-aac",
            Some(DirectPlay),
            &[],
            "mp4",
            "direct",
            "direct",
        ),
        case(
            "safari",
            "1080p-h264-ac3-51-mp4",
            Some(DirectPlay),
            &[],
            "mp4",
            "direct",
            "direct",
        ),
        case(
            "safari",
            "mkv-hevc10-ac3-aac",
            Some(DirectStream),
            &[C, "VideoCodecTagNotSupported"],
            "mp4/hls",
            "copy",
            "copy",
        ),
        case(
            "safari",
            "4k-hevc-hdr10-eac3",
            Some(DirectStream),
            &[C, "VideoCodecTagNotSupported"],
            "mp4/hls",
            "copy",
            "copy",
        ),
        case(
            "safari",
            "1080p-h264-dts-mkv",
            Some(Transcode),
            &[C, A],
            "mp4/hls",
            "copy",
            "aac",
        ),
        case(
            "safari",
            "flac-in-mkv",
            Some(DirectStream),
            &[C],
            "ts/http",
            "-",
            "copy",
        ),
        // Android TV (Shield): plays nearly everything.
        case(
            "androidtv",
            "mkv-hevc10-ac3-aac",
            Some(DirectPlay),
            &[],
            "mkv",
            "direct",
            "direct",
        ),
        case(
            "androidtv",
            "4k-hevc-hdr10-eac3",
            Some(DirectPlay),
            &[],
            "mkv",
            "direct",
            "direct",
        ),
        case(
            "androidtv",
            "1080p-vc1-ac3",
            Some(DirectPlay),
            &[],
            "mkv",
            "direct",
            "direct",
        ),
        case(
            "androidtv",
            "576i-mpeg2-mp2-ts",
            Some(DirectPlay),
            &[],
            "ts",
            "direct",
            "direct",
        ),
        case(
            "androidtv",
            "1080p-h264-dts-mkv",
            Some(DirectPlay),
            &[],
            "mkv",
            "direct",
            "direct",
        ),
        case(
            "androidtv",
            "flac",
            Some(DirectPlay),
            &[],
            "flac",
            "-",
            "direct",
        ),
        // Swiftfin (VLCKit): any container, but no interlaced H.264 and no music.
        case(
            "swiftfin",
            "mkv-hevc10-ac3-aac",
            Some(DirectPlay),
            &[],
            "mkv",
            "direct",
            "direct",
        ),
        case(
            "swiftfin",
            "1080p-vc1-ac3",
            Some(DirectPlay),
            &[],
            "mkv",
            "direct",
            "direct",
        ),
        case(
            "swiftfin",
            "1080i-h264-aac-mp4",
            Some(Transcode),
            &["InterlacedVideoNotSupported"],
            "mp4/hls",
            "h264",
            "copy",
        ),
        case("swiftfin", "flac", None, &[C, A], "-", "-", "-"),
        // mpv-shim: everything but Dolby Vision profile 5.
        case(
            "mpv-shim",
            "4k-hevc-hdr10-eac3",
            Some(DirectPlay),
            &[],
            "mkv",
            "direct",
            "direct",
        ),
        case(
            "mpv-shim",
            "576i-mpeg2-mp2-ts",
            Some(DirectPlay),
            &[],
            "ts",
            "direct",
            "direct",
        ),
        case(
            "mpv-shim",
            "flac",
            Some(DirectPlay),
            &[],
            "flac",
            "-",
            "direct",
        ),
        case(
            "mpv-shim",
            "dv5-hevc-eac3-mp4",
            Some(Transcode),
            &["VideoRangeTypeNotSupported"],
            "ts/hls",
            "h264",
            "aac",
        ),
        // The universal audio case.
        case(
            "universal-audio",
            "flac",
            Some(Transcode),
            &[C, A],
            "ts/hls",
            "-",
            "aac",
        ),
        // Request options.
        Case {
            options: |o| o.max_streaming_bitrate = Some(2_000_000),
            ..case(
                "chromium",
                "1080p-h264-ac3-51-mp4",
                Some(Transcode),
                &["ContainerBitrateExceedsLimit"],
                "mp4/hls",
                "h264",
                "aac",
            )
        },
        Case {
            options: |o| o.enable_transcoding = false,
            ..case(
                "chromium",
                "mkv-hevc10-ac3-aac",
                None,
                &[C, V, A],
                "-",
                "-",
                "-",
            )
        },
        Case {
            options: |o| o.enable_transcoding = false,
            ..case(
                "chromium",
                "mkv-h264-aac-srt",
                Some(DirectStream),
                &[C],
                "mp4/hls",
                "copy",
                "copy",
            )
        },
        Case {
            options: |o| o.allow_video_stream_copy = false,
            ..case(
                "chromium",
                "mkv-h264-aac-srt",
                Some(Transcode),
                &[C],
                "mp4/hls",
                "h264",
                "copy",
            )
        },
        Case {
            options: |o| o.enable_direct_play = false,
            ..case(
                "chromium",
                "mp4-h264-aac",
                Some(DirectStream),
                &["DirectPlayError"],
                "mp4/hls",
                "copy",
                "copy",
            )
        },
        Case {
            options: |o| o.subtitle_stream_index = Some(2),
            ..case(
                "chromium",
                "1080p-h264-aac-pgs-mkv",
                Some(Transcode),
                &[C, "SubtitleCodecNotSupported"],
                "mp4/hls",
                "h264",
                "copy",
            )
        },
        Case {
            options: |o| o.subtitle_stream_index = Some(2),
            ..case(
                "androidtv",
                "1080p-h264-aac-pgs-mkv",
                Some(DirectPlay),
                &[],
                "mkv",
                "direct",
                "direct",
            )
        },
        Case {
            options: |o| o.subtitle_stream_index = Some(2),
            ..case(
                "mpv-shim",
                "1080p-h264-aac-pgs-mkv",
                Some(DirectPlay),
                &[],
                "mkv",
                "direct",
                "direct",
            )
        },
        Case {
            options: |o| o.permissions.video_transcoding = false,
            ..case(
                "chromium",
                "mkv-hevc10-ac3-aac",
                None,
                &[C, V, A],
                "-",
                "-",
                "-",
            )
        },
    ];
    let encoder = EncoderSupport::default();
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let mut options = PlaybackOptions::default();
        (c.options)(&mut options);
        let source = media(c.media);
        let d = decide(&source, &profile(c.profile), &options, &encoder);
        let output = match (&d.method, &d.transcode) {
            (Some(PlayMethod::DirectPlay), _) => d.container.clone().unwrap_or_default(),
            (_, Some(p)) => format!("{}/{}", p.container, p.protocol.name().to_lowercase()),
            _ => "-".into(),
        };
        let got = (
            d.method,
            d.reasons.names(),
            output.as_str(),
            video_action(&d, source.video_stream().is_some()),
            audio_action(&d),
        );
        let want = (
            c.method,
            c.reasons.to_vec(),
            c.output,
            c.video.to_owned(),
            c.audio.to_owned(),
        );
        if got != want {
            failures.push(format!(
                "case {i} ({} / {}):\n   got {got:?}\n  want {want:?}",
                c.profile, c.media
            ));
        }
        // Jellyfin 10.11 keeps SupportsDirectStream equal to SupportsDirectPlay.
        assert_eq!(d.supports_direct_stream, d.supports_direct_play);
        assert_eq!(
            d.supports_direct_play,
            d.method == Some(PlayMethod::DirectPlay)
        );
        if d.transcode.is_some() {
            assert!(d.supports_transcoding, "case {i}");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn transcode_plan_for_a_browser() {
    // The HEVC 10-bit + AC-3 template in Chromium: every TranscodingUrl parameter.
    let d = decide(
        &media("mkv-hevc10-ac3-aac"),
        &profile("chromium"),
        &PlaybackOptions::default(),
        &EncoderSupport::default(),
    );
    let p = d.transcode.expect("a transcode");
    assert_eq!(
        (p.container.as_str(), p.protocol),
        ("mp4", StreamProtocol::Hls)
    );
    assert_eq!(p.video_codecs, ["av1", "h264", "vp9"]);
    // MP2 is not carried in fMP4 HLS.
    assert_eq!(p.audio_codecs, ["aac", "opus", "flac"]);
    assert_eq!(p.audio_stream_index, Some(1));
    assert_eq!(p.audio_bitrate, Some(384_000), "5.1 down to stereo AAC");
    assert_eq!(p.video_bitrate, Some(120_000_000 - 384_000));
    assert_eq!(p.transcoding_max_audio_channels, Some(2));
    assert_eq!((p.min_segments, p.break_on_non_key_frames), (Some(1), true));
    assert_eq!(p.max_framerate, Some(24.0));
    assert!(!p.require_avc && p.enable_audio_vbr_encoding);
    let options: Vec<(&str, &str)> = p
        .stream_options
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        options,
        [
            ("hevc-level", "60"),
            ("hevc-videobitdepth", "10"),
            ("hevc-profile", "main 10"),
            ("av1-profile", "main"),
            ("av1-rangetype", "SDR,HDR10,HLG"),
            ("av1-level", "19"),
            ("vp9-rangetype", "SDR,HDR10,HLG"),
            (
                "h264-profile",
                "high,main,baseline,constrained baseline,high 10"
            ),
            ("h264-rangetype", "SDR"),
            ("h264-level", "52"),
            ("h264-deinterlace", "true"),
        ]
    );
    // The encoder: H.264 (HEVC/AV1 encoding is off by default), the source's 286 kbit/s
    // (container minus AC-3) boosted x2.5 for a low rate, then x3 for a sub-1 Mbit/s target.
    assert_eq!(
        p.video,
        Some(VideoAction::Encode {
            codec: "h264".into(),
            bitrate: Some(2_142_540),
            width: Some(320),
            height: Some(180),
        })
    );
    assert_eq!(
        p.audio,
        Some(AudioAction::Encode {
            codec: "aac".into(),
            bitrate: Some(384_000),
            channels: Some(2),
        })
    );
    assert_eq!(d.audio_stream_index, Some(1));
    assert_eq!(d.container.as_deref(), Some("mkv"));
    // With HEVC and AV1 encoding allowed, the client's first choice (AV1) is made.
    let hevc = EncoderSupport {
        allow_hevc_encoding: true,
        allow_av1_encoding: true,
    };
    let d = decide(
        &media("mkv-hevc10-ac3-aac"),
        &profile("chromium"),
        &PlaybackOptions::default(),
        &hevc,
    );
    match d.transcode.and_then(|p| p.video) {
        Some(VideoAction::Encode { codec, .. }) => assert_eq!(codec, "av1"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn bitrate_rules() {
    // Limited bandwidth: audio first (384k for 2 Mbit/s), the rest for video.
    let mut options = PlaybackOptions {
        max_streaming_bitrate: Some(2_000_000),
        ..PlaybackOptions::default()
    };
    let d = decide(
        &media("1080p-h264-ac3-51-mp4"),
        &profile("chromium"),
        &options,
        &EncoderSupport::default(),
    );
    let p = d.transcode.expect("a transcode");
    assert_eq!(p.audio_bitrate, Some(384_000));
    assert_eq!(p.video_bitrate, Some(1_616_000));
    // The encoder never goes above the requested rate.
    assert!(matches!(
        p.video,
        Some(VideoAction::Encode {
            bitrate: Some(1_616_000),
            ..
        })
    ));
    // Never less than 64 kbit/s for video.
    options.max_streaming_bitrate = Some(100_000);
    let d = decide(
        &media("1080p-h264-ac3-51-mp4"),
        &profile("chromium"),
        &options,
        &EncoderSupport::default(),
    );
    let p = d.transcode.expect("a transcode");
    assert_eq!(p.audio_bitrate, Some(128_000));
    assert_eq!(p.video_bitrate, Some(64_000));

    // Jellyfin's scaling table.
    let source = |codec: &str, rate: i64| StreamFacts {
        codec: Some(codec.into()),
        bit_rate: Some(rate),
        ..StreamFacts::default()
    };
    let cases = [
        // HEVC to H.264 needs 1/0.6 of the rate.
        (
            Some(30_000_000),
            source("hevc", 20_000_000),
            "h264",
            Some(30_000_000),
        ),
        (
            Some(10_000_000),
            source("hevc", 20_000_000),
            "h264",
            Some(10_000_000),
        ),
        (
            Some(6_000_000),
            source("hevc", 5_000_000),
            "h264",
            Some(6_000_000),
        ),
        // H.264 to HEVC is never scaled down.
        (
            Some(8_000_000),
            source("h264", 20_000_000),
            "hevc",
            Some(8_000_000),
        ),
        // Low rates are boosted (x4 up to 500k) but capped by the request.
        (
            Some(400_000),
            source("h264", 5_000_000),
            "h264",
            Some(400_000),
        ),
        (None, source("h264", 5_000_000), "h264", None),
    ];
    for (requested, src, codec, want) in cases {
        assert_eq!(
            encoder_video_bitrate(requested, Some(&src), codec, false),
            want,
            "{requested:?} {src:?} {codec}"
        );
    }
}

#[test]
fn subtitles_in_transcodes() {
    // A transcode to HLS does not embed; a progressive Matroska transcode does.
    let stream = SubtitleStreamFacts {
        codec: "subrip",
        language: Some("eng"),
        is_external: false,
        is_text: true,
        supports_external_stream: true,
    };
    let embed = vec![SubtitleProfile {
        format: "subrip".into(),
        method: SubtitleMethod::Embed,
        language: String::new(),
        container: String::new(),
    }];
    let mkv = container_list("mkv");
    let ts = container_list("ts");
    let hls = subtitle_delivery(
        &stream,
        &embed,
        PlayMethod::Transcode,
        &mkv,
        Some(StreamProtocol::Hls),
    );
    assert_eq!(hls.method, SubtitleMethod::Encode);
    let http = subtitle_delivery(
        &stream,
        &embed,
        PlayMethod::Transcode,
        &mkv,
        Some(StreamProtocol::Http),
    );
    assert_eq!(http.method, SubtitleMethod::Embed);
    let into_ts = subtitle_delivery(
        &stream,
        &embed,
        PlayMethod::Transcode,
        &ts,
        Some(StreamProtocol::Http),
    );
    assert_eq!(into_ts.method, SubtitleMethod::Encode);

    // The chosen PGS stream is burned in when a browser transcodes: the video is encoded.
    let options = PlaybackOptions {
        subtitle_stream_index: Some(2),
        ..PlaybackOptions::default()
    };
    let d = decide(
        &media("1080p-h264-aac-pgs-mkv"),
        &profile("chromium"),
        &options,
        &EncoderSupport::default(),
    );
    let p = d.transcode.expect("a transcode");
    assert_eq!(p.subtitle_stream_index, Some(2));
    assert_eq!(p.subtitle_method, Some(SubtitleMethod::Encode));
    assert_eq!(d.subtitles.play_method, PlayMethod::Transcode);
    assert_eq!(d.subtitles.protocol, Some(StreamProtocol::Hls));
}

#[test]
fn audio_stream_choice() {
    // A client that picks the second (AAC) track of an H.264 + AC-3 + AAC file: Chromium plays
    // no secondary track, so the file is remuxed with that track copied (Jellyfin's "Remux").
    let options = PlaybackOptions {
        audio_stream_index: Some(2),
        ..PlaybackOptions::default()
    };
    let d = decide(
        &media("1080p-h264-ac3-aac-mp4"),
        &profile("chromium"),
        &options,
        &EncoderSupport::default(),
    );
    assert_eq!(d.reasons.names(), ["SecondaryAudioNotSupported"]);
    assert_eq!(d.method, Some(PlayMethod::DirectStream));
    let p = d.transcode.expect("a remux");
    assert_eq!(p.audio_stream_index, Some(2));
    assert_eq!(
        (p.video.clone(), p.audio.clone()),
        (Some(VideoAction::Copy), Some(AudioAction::Copy))
    );
    assert_eq!(p.audio_codecs, ["aac"]);
    assert_eq!(d.audio_stream_index, Some(2));
    // Without a choice the default AC-3 track is played, and transcoded for Chromium.
    let d = decide(
        &media("1080p-h264-ac3-aac-mp4"),
        &profile("chromium"),
        &PlaybackOptions::default(),
        &EncoderSupport::default(),
    );
    assert_eq!(d.reasons.names(), ["AudioCodecNotSupported"]);
    assert_eq!(d.audio_stream_index, Some(1));
    // Safari plays the secondary track (it has `audioTracks`).
    let d = decide(
        &media("1080p-h264-ac3-aac-mp4"),
        &profile("safari"),
        &options,
        &EncoderSupport::default(),
    );
    assert_eq!(d.method, Some(PlayMethod::DirectPlay));
}

#[test]
fn no_profile_plays_everything() {
    let d = decide_without_profile(&media("mkv-hevc10-ac3-aac"), &PlaybackOptions::default());
    assert!(d.supports_direct_play && d.supports_direct_stream);
    assert_eq!(d.method, Some(PlayMethod::DirectPlay));
    assert_eq!(d.audio_stream_index, Some(1));
}

/// The direct-play table the first version of this module was tested with, unchanged: a
/// browser-like profile without transcoding profiles, Matroska, negated containers.
#[test]
fn direct_play_table() {
    let stream = |index: i32, kind: &str, codec: &str| StreamRecord {
        index,
        kind: kind.into(),
        codec: Some(codec.into()),
        ..StreamRecord::default()
    };
    let file = |path: &str, container: &str, v: &str, a: &str| {
        SourceFacts::from_item(&ItemRecord {
            path: Some(path.into()),
            container: Some(container.into()),
            media_type: Some(MediaType::Video),
            streams: vec![stream(0, "Video", v), stream(1, "Audio", a)],
            ..ItemRecord::default()
        })
    };
    let profile = |entries: &[(&str, &str, &str)]| DeviceProfile {
        direct_play: entries
            .iter()
            .map(|(c, v, a)| DirectPlayProfile {
                container: (*c).into(),
                kind: ProfileMediaKind::Video,
                video_codec: (*v).into(),
                audio_codec: (*a).into(),
            })
            .collect(),
        ..DeviceProfile::default()
    };
    let browser = profile(&[
        ("webm", "vp8,vp9,av1", "vorbis,opus"),
        ("mp4,m4v", "h264,vp9,av1", "aac,mp3,opus,flac"),
    ]);
    let cases = [
        (file("/m/a.mp4", MP4, "h264", "aac"), &browser, true),
        (file("/m/a.mkv", MKV, "h264", "aac"), &browser, false),
        (
            file("/m/a.mkv", MKV, "hevc", "ac3"),
            &profile(&[("mkv", "", "")]),
            true,
        ),
        (
            file("/m/a.mkv", MKV, "hevc", "ac3"),
            &profile(&[("-mp4", "hevc", "")]),
            true,
        ),
        (
            file("/m/a.mkv", MKV, "hevc", "ac3"),
            &profile(&[("-mkv", "", "")]),
            false,
        ),
        (file("/m/a.mp4", MP4, "hevc", "aac"), &browser, false),
    ];
    for (source, p, want) in cases {
        let d = decide(
            &source,
            p,
            &PlaybackOptions::default(),
            &EncoderSupport::default(),
        );
        assert_eq!(d.supports_direct_play, want, "{:?} {p:?}", source.container);
        assert_eq!(d.supports_direct_stream, d.supports_direct_play);
        // No transcoding profile: what does not play directly does not play at all.
        assert_eq!(d.method.is_none(), !want);
        assert!(!d.supports_transcoding);
    }
}

#[test]
fn list_matching() {
    assert!(contains_container("mp4,m4v", Some("mov,mp4,m4a")));
    assert!(!contains_container("mp4,m4v", Some("mkv")));
    assert!(contains_container("", Some("mkv")));
    assert!(contains_container("-mp4", Some("mkv")));
    assert!(!contains_container("-mkv, webm", Some("MKV")));
    // An unknown input matches only an inverted list (Jellyfin's rule).
    assert!(!contains_container("", None));
    assert!(contains_container("-mp4", None));
}
