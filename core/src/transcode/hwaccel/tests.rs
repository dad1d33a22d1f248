//! Tests of the video pipeline: options, detection (parsers on captured and hand-built
//! listings, the assessment of each method, this machine), pipeline choices and fallbacks,
//! snapshots of the full command line per method, and real encodes (software tone mapping,
//! subtitle burn-in after seeks).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::detect::{device_test_args, test_encode_args, version_number, HostOs, TestRun};
use super::*;
use crate::playback::{SourceFacts, StreamFacts, StreamKind, SubtitleMethod, VideoRangeType};
use crate::transcode::tests::require_ffmpeg;
use crate::transcode::{
    ffmpeg_args, HlsOutput, HlsRequest, JobKey, TranscodeConfig, Transcoder, VideoOutput,
};

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ffmpeg")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The listings of a fixture set (`debian12-5.1`, `handbuilt-intel`, `handbuilt-nvidia`).
fn listings(set: &str) -> Capabilities {
    let f = |kind: &str| fixture(&format!("{set}-{kind}.txt"));
    Capabilities::from_listings(
        &f("version"),
        &f("hwaccels"),
        &f("encoders"),
        &f("decoders"),
        &f("filters"),
    )
}

#[test]
fn options_are_read_leniently_with_jellyfin_defaults() {
    let d = EncodingOptions::default();
    assert_eq!(EncodingOptions::from_json(&json!({})), d);
    assert_eq!(EncodingOptions::from_json(&json!(null)), d);
    assert_eq!(d.vaapi_device, "/dev/dri/renderD128");
    assert_eq!(d.hardware_decoding_codecs, ["h264", "vc1"]);
    assert_eq!((d.h264_crf, d.h265_crf), (23, 28));
    assert!(d.enable_hardware_encoding && !d.enable_tonemapping);
    assert_eq!(d.tonemapping_algorithm, "bt2390");
    type Check = fn(&EncodingOptions) -> bool;
    let cases: Vec<(serde_json::Value, Check)> = vec![
        (json!({"HardwareAccelerationType": "vaapi"}), |o| {
            o.hardware_acceleration_type == Some(Vendor::Vaapi)
        }),
        (json!({"hardwareaccelerationtype": "NVENC"}), |o| {
            o.hardware_acceleration_type == Some(Vendor::Nvenc)
        }),
        (json!({"HardwareAccelerationType": "none"}), |o| {
            o.hardware_acceleration_type.is_none()
        }),
        (json!({"HardwareAccelerationType": "quantum"}), |o| {
            o.hardware_acceleration_type.is_none()
        }),
        (json!({"HardwareAccelerationType": ""}), |o| {
            o.hardware_acceleration_type.is_none()
        }),
        (json!({"EnableTonemapping": "true"}), |o| {
            o.enable_tonemapping
        }),
        (json!({"ENABLETONEMAPPING": true}), |o| o.enable_tonemapping),
        (json!({"EnableTonemapping": "maybe"}), |o| {
            !o.enable_tonemapping
        }),
        (json!({"EnableHardwareEncoding": false}), |o| {
            !o.enable_hardware_encoding
        }),
        (json!({"H264Crf": "19"}), |o| o.h264_crf == 19),
        (json!({}), |o| o.throttle().is_none()),
        (json!({"AllowAv1Encoding": true}), |o| {
            o.allow_av1_encoding && !o.allow_hevc_encoding
        }),
        (json!({"EnableThrottling": true}), |o| {
            o.throttle() == Some(Duration::from_secs(180))
        }),
        (
            json!({"enablethrottling": "true", "ThrottleDelaySeconds": 30}),
            |o| o.throttle() == Some(Duration::from_secs(30)),
        ),
        (
            json!({"EnableThrottling": true, "ThrottleDelaySeconds": 0}),
            |o| o.throttle() == Some(Duration::from_secs(180)),
        ),
        (
            json!({"EnableThrottling": false, "ThrottleDelaySeconds": 30}),
            |o| o.throttle().is_none(),
        ),
        (json!({"H264Crf": 19.5}), |o| o.h264_crf == 23),
        (
            json!({"TonemappingDesat": 0.5, "TonemappingPeak": "400"}),
            |o| o.tonemapping_desat == 0.5 && o.tonemapping_peak == 400.0,
        ),
        (
            json!({"HardwareDecodingCodecs": ["H264", "hevc", ""]}),
            |o| o.hardware_decoding_codecs == ["h264", "hevc"],
        ),
        (json!({"HardwareDecodingCodecs": "hevc, vp9"}), |o| {
            o.hardware_decoding_codecs == ["hevc", "vp9"]
        }),
        (json!({"HardwareDecodingCodecs": 7}), |o| {
            o.hardware_decoding_codecs == ["h264", "vc1"]
        }),
        (json!({"EncoderPreset": "auto"}), |o| {
            o.encoder_preset.is_none()
        }),
        (json!({"EncoderPreset": "Medium"}), |o| {
            o.encoder_preset.as_deref() == Some("medium")
        }),
        (json!({"VaapiDevice": "/dev/dri/renderD129"}), |o| {
            o.vaapi_device == "/dev/dri/renderD129"
        }),
        (json!({"TonemappingAlgorithm": "HABLE"}), |o| {
            o.tonemapping_algorithm == "hable"
        }),
        (
            json!({"AllowHevcEncoding": true, "EncodingThreadCount": 4}),
            |o| o.allow_hevc_encoding && o.encoding_thread_count == 4,
        ),
        (json!({"EnableDecodingColorDepth10Hevc": false}), |o| {
            !o.enable_decoding_color_depth10_hevc && o.enable_decoding_color_depth10_vp9
        }),
    ];
    for (section, check) in cases {
        assert!(check(&EncodingOptions::from_json(&section)), "{section}");
    }
    assert!(EncoderSetup::needs_capabilities(
        &EncodingOptions::from_json(&json!({"EnableTonemapping": true}))
    ));
    assert!(!EncoderSetup::needs_capabilities(&d));
}

#[test]
fn listings_parse() {
    let real = listings("debian12-5.1");
    assert_eq!(real.version.as_deref(), Some("5.1.9-0+deb12u1"));
    assert_eq!(real.version_number(), Some((5, 1)));
    let hw: Vec<&str> = real.hwaccels.iter().map(String::as_str).collect();
    assert_eq!(
        hw,
        ["cuda", "drm", "opencl", "qsv", "vaapi", "vdpau", "vulkan"]
    );
    for (set, name, present) in [
        (&real.encoders, "libx264", true),
        (&real.encoders, "h264_vaapi", true),
        (&real.encoders, "h264_nvenc", true),
        (&real.encoders, "hevc_qsv", true),
        (&real.encoders, "h264_amf", false),
        (&real.encoders, "h264_videotoolbox", false),
        // Legend rows are not encoders.
        (&real.encoders, "=", false),
        (&real.encoders, "Video", false),
        (&real.decoders, "hevc_cuvid", true),
        (&real.decoders, "h264_qsv", true),
        (&real.filters, "zscale", true),
        (&real.filters, "tonemap", true),
        (&real.filters, "scale_vaapi", true),
        (&real.filters, "overlay_qsv", true),
        (&real.filters, "subtitles", true),
        (&real.filters, "tonemap_cuda", false),
        (&real.filters, "alphasrc", false),
        (&real.filters, "=", false),
    ] {
        assert_eq!(set.contains(name), present, "{name}");
    }
    assert!(real.encoders.len() > 100 && real.filters.len() > 300);

    let intel = listings("handbuilt-intel");
    assert_eq!(intel.version_number(), Some((7, 0)));
    assert!(intel.filters.contains("tonemap_vaapi") && intel.filters.contains("alphasrc"));
    assert_eq!(intel.encoders.len(), 8);
    let nvidia = listings("handbuilt-nvidia");
    assert!(nvidia.filters.contains("tonemap_cuda"));
    assert!(nvidia.decoders.contains("hevc_cuvid"));
    assert!(nvidia.hwaccels.contains("cuda") && !nvidia.hwaccels.contains("qsv"));

    for (text, expected) in [
        ("5.1.9-0+deb12u1", Some((5, 1))),
        ("n6.0", Some((6, 0))),
        ("7.0.2-Jellyfin", Some((7, 0))),
        ("4.4", Some((4, 4))),
        ("N-112345-g1234abcd", None),
    ] {
        assert_eq!(version_number(text), expected, "{text}");
    }
    assert_eq!(parse_version("garbage"), None);
    assert!(parse_hwaccels("no heading\nvaapi\n").is_empty());
}

#[test]
fn render_nodes_come_from_the_directory() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(render_nodes(tmp.path()).is_empty());
    for name in ["card0", "renderD129", "renderD128", "by-path"] {
        std::fs::write(tmp.path().join(name), b"").unwrap();
    }
    assert_eq!(
        render_nodes(tmp.path()),
        [tmp.path().join("renderD128"), tmp.path().join("renderD129")]
    );
    assert!(render_nodes(&tmp.path().join("missing")).is_empty());
}

#[test]
fn test_commands() {
    let node = Path::new("/dev/dri/renderD128");
    assert_eq!(
        test_encode_args(Vendor::Vaapi, "h264_vaapi", Some(node)).join(" "),
        "-hide_banner -nostdin -v error -init_hw_device vaapi=va:/dev/dri/renderD128 \
         -filter_hw_device va -f lavfi -i color=c=black:s=256x144:r=10:d=0.1 \
         -vf format=nv12,hwupload -c:v h264_vaapi -f null -"
    );
    assert_eq!(
        test_encode_args(Vendor::Nvenc, "hevc_nvenc", None).join(" "),
        "-hide_banner -nostdin -v error -f lavfi -i color=c=black:s=256x144:r=10:d=0.1 \
         -pix_fmt yuv420p -c:v hevc_nvenc -f null -"
    );
    assert!(test_encode_args(Vendor::Qsv, "h264_qsv", Some(node))
        .join(" ")
        .contains("-init_hw_device qsv=qs@va -filter_hw_device qs"));
    assert_eq!(
        device_test_args(Vendor::Nvenc, None).join(" "),
        "-hide_banner -nostdin -v error -init_hw_device cuda=cu:0 -f lavfi \
         -i color=c=black:s=256x144:r=10:d=0.1 -f null -"
    );
}

/// Each method judged from this machine's listings with a fake runner: what is tested, what
/// is reported.
#[test]
fn assessment_reports_every_method() {
    let nodes = tempfile::tempdir().unwrap();
    // No render node; every command fails as NVENC fails without a driver.
    let mut caps = listings("debian12-5.1");
    caps.render_node_dir = nodes.path().to_owned();
    let mut commands: Vec<String> = Vec::new();
    caps.assess(HostOs::Linux, &mut |args| {
        commands.push(args.join(" "));
        TestRun {
            success: false,
            log: "[h264_nvenc @ 0x1] Cannot load libcuda.so.1".into(),
        }
    });
    let status = |v| caps.vendor(v).unwrap();
    let vaapi = status(Vendor::Vaapi);
    assert!(!vaapi.usable());
    let no_node = format!("no render node in {}", nodes.path().display());
    assert_eq!(vaapi.reason.as_deref(), Some(no_node.as_str()));
    assert_eq!(
        vaapi.encoder("h264_vaapi"),
        &EncoderState::NotTested(no_node.clone())
    );
    assert_eq!(
        status(Vendor::Qsv).reason.as_deref(),
        Some(no_node.as_str())
    );
    let nvenc = status(Vendor::Nvenc);
    assert!(!nvenc.usable() && !nvenc.decode);
    assert!(
        matches!(nvenc.encoder("h264_nvenc"), EncoderState::Failed(l) if l.contains("libcuda"))
    );
    let reason = nvenc.reason.clone().unwrap();
    assert!(
        reason.contains("the cuda device does not initialise"),
        "{reason}"
    );
    assert!(reason.contains("h264_nvenc test encode failed"), "{reason}");
    assert_eq!(
        status(Vendor::Amf).encoder("h264_amf"),
        &EncoderState::NotBuilt
    );
    assert!(status(Vendor::Amf)
        .reason
        .as_deref()
        .unwrap()
        .contains("h264_amf is not in this ffmpeg"));
    assert_eq!(
        status(Vendor::VideoToolbox).reason.as_deref(),
        Some("VideoToolbox exists only on macOS")
    );
    assert!(!status(Vendor::Rkmpp).usable());
    // Built-in encoders were tried (NVENC, V4L2), never the ones without a device.
    assert!(commands.iter().any(|c| c.contains("-c:v h264_nvenc")));
    assert!(commands.iter().any(|c| c.contains("-c:v hevc_v4l2m2m")));
    assert!(!commands.iter().any(|c| c.contains("vaapi")));
    assert!(caps.summary().contains("vaapi: unusable (no render node"));

    // A render node whose device works: VA-API and QSV usable, decode included.
    std::fs::write(nodes.path().join("renderD128"), b"").unwrap();
    caps.render_nodes = render_nodes(nodes.path());
    let mut tried: Vec<String> = Vec::new();
    caps.assess(HostOs::Linux, &mut |args| {
        tried.push(args.join(" "));
        TestRun {
            success: true,
            log: String::new(),
        }
    });
    let vaapi = caps.vendor(Vendor::Vaapi).unwrap();
    assert!(vaapi.usable() && vaapi.decode && vaapi.reason.is_none());
    assert_eq!(
        vaapi.device.as_deref(),
        Some(&*nodes.path().join("renderD128"))
    );
    assert!(tried.iter().any(|c| c.contains(&format!(
        "vaapi=va:{}",
        nodes.path().join("renderD128").display()
    ))));

    // Encoders refused but the device decodes: decode only, with the reasons.
    caps.assess(HostOs::Linux, &mut |args| TestRun {
        success: !args.iter().any(|a| a == "-c:v"),
        log: "Error while opening encoder".into(),
    });
    let vaapi = caps.vendor(Vendor::Vaapi).unwrap();
    assert!(vaapi.decode && vaapi.usable());
    assert!(matches!(
        vaapi.encoder("hevc_vaapi"),
        EncoderState::Failed(_)
    ));

    // macOS: VideoToolbox is looked at (not built here), VA-API is not.
    caps.assess(HostOs::MacOs, &mut |_| TestRun {
        success: true,
        log: String::new(),
    });
    assert!(!caps.vendor(Vendor::Vaapi).unwrap().usable());
    assert_eq!(
        caps.vendor(Vendor::VideoToolbox)
            .unwrap()
            .encoder("h264_videotoolbox"),
        &EncoderState::NotBuilt
    );
}

/// The real detection here: no GPU, so every method is unusable with a reason, and a
/// configured method falls back to software.
#[test]
fn detection_on_this_machine() {
    require_ffmpeg();
    let nodes = tempfile::tempdir().unwrap();
    let probe = HardwareProbe::new(
        PathBuf::from("ffmpeg"),
        nodes.path().to_owned(),
        Duration::from_secs(20),
    );
    assert!(probe.detected().is_none());
    let caps = probe.get();
    assert!(Arc::ptr_eq(&caps, &probe.get()), "detected once");
    assert_eq!(caps.error, None);
    assert!(caps.encoders.contains("libx264") && caps.filters.contains("scale"));
    assert_eq!(caps.vendors.len(), Vendor::ALL.len());
    for v in &caps.vendors {
        if !v.usable() {
            assert!(
                v.reason.as_deref().is_some_and(|r| !r.is_empty()),
                "{:?} has no reason",
                v.vendor
            );
        }
    }
    let vaapi = caps.vendor(Vendor::Vaapi).unwrap();
    assert!(!vaapi.usable());
    assert!(vaapi.reason.as_deref().unwrap().contains("no render node"));

    // A missing binary: an error, no method usable.
    let missing = Capabilities::detect(
        Path::new("/nonexistent/ffmpeg"),
        nodes.path(),
        Duration::from_secs(5),
    );
    assert!(missing.error.as_deref().unwrap().contains("cannot run"));
    assert!(missing.vendors.iter().all(|v| !v.usable()));

    // VA-API configured on this machine: software, saying why.
    let setup = EncoderSetup {
        options: EncodingOptions::from_json(&json!({"HardwareAccelerationType": "vaapi"})),
        capabilities: Some(caps),
    };
    let out = choose(&sdr_h264(), &browser_request(), &setup);
    let p = pipeline_of(&out);
    assert_eq!((p.vendor, p.encoder.as_str()), (None, "libx264"));
    assert!(
        p.reasons[0].starts_with("vaapi is unusable (no render node in"),
        "{:?}",
        p.reasons
    );
}

// ------------------------------------------------------------------ pipeline choices

fn video(codec: &str, w: i32, h: i32, depth: i32) -> StreamFacts {
    StreamFacts {
        index: 0,
        kind: Some(StreamKind::Video),
        codec: Some(codec.into()),
        width: Some(w),
        height: Some(h),
        bit_depth: Some(depth),
        pixel_format: Some(if depth > 8 { "yuv420p10le" } else { "yuv420p" }.into()),
        real_frame_rate: Some(24.0),
        bit_rate: Some(20_000_000),
        range_type: VideoRangeType::SDR,
        ..StreamFacts::default()
    }
}

fn audio(index: i32) -> StreamFacts {
    StreamFacts {
        index,
        kind: Some(StreamKind::Audio),
        codec: Some("ac3".into()),
        channels: Some(6),
        bit_rate: Some(448_000),
        ..StreamFacts::default()
    }
}

fn subtitle(index: i32, codec: &str, text: bool) -> StreamFacts {
    StreamFacts {
        index,
        kind: Some(StreamKind::Subtitle),
        codec: Some(codec.into()),
        is_text: text,
        ..StreamFacts::default()
    }
}

fn sdr_h264() -> SourceFacts {
    SourceFacts {
        streams: vec![
            video("h264", 1920, 1080, 8),
            audio(1),
            subtitle(2, "PGSSUB", false),
            subtitle(3, "subrip", true),
        ],
        ..SourceFacts::default()
    }
}

fn hdr10_hevc() -> SourceFacts {
    let mut v = video("hevc", 3840, 2160, 10);
    v.range_type = VideoRangeType::HDR10;
    v.color_transfer = Some("smpte2084".into());
    v.color_primaries = Some("bt2020".into());
    v.profile = Some("Main 10".into());
    SourceFacts {
        streams: vec![v, audio(1)],
        ..SourceFacts::default()
    }
}

fn browser_request() -> HlsRequest {
    HlsRequest {
        video_codecs: vec!["h264".into()],
        audio_codecs: vec!["aac".into()],
        video_bitrate: Some(8_000_000),
        max_width: Some(1920),
        max_height: Some(1080),
        max_audio_channels: Some(2),
        segment_container: Some("ts".into()),
        allow_video_stream_copy: true,
        allow_audio_stream_copy: true,
        stream_options: vec![
            ("h264-profile".into(), "high,main,baseline".into()),
            ("h264-level".into(), "51".into()),
        ],
        ..HlsRequest::default()
    }
}

fn burn(index: i32) -> HlsRequest {
    HlsRequest {
        subtitle_stream_index: Some(index),
        subtitle_method: Some(SubtitleMethod::Encode),
        ..browser_request()
    }
}

fn choose(facts: &SourceFacts, request: &HlsRequest, setup: &EncoderSetup) -> HlsOutput {
    HlsOutput::choose_with(
        PathBuf::from("/media/Film (2020)/Film.mkv"),
        72_000_000_000,
        facts,
        request,
        setup,
    )
}

fn pipeline_of(out: &HlsOutput) -> &VideoPipeline {
    match out.video.as_ref().map(|v| &v.output) {
        Some(VideoOutput::Encode { pipeline, .. }) => pipeline,
        other => panic!("not encoded: {other:?}"),
    }
}

/// Capabilities with `vendor` fully working (render node `/dev/dri/renderD128`), from the
/// listings that suit it; VideoToolbox, AMF, V4L2 and RKMPP have no listing fixture, so their
/// encoders and filters are added by hand to the Intel one.
fn working(vendor: Vendor) -> Capabilities {
    let mut caps = match vendor {
        Vendor::Nvenc => listings("handbuilt-nvidia"),
        _ => listings("handbuilt-intel"),
    };
    let node = PathBuf::from("/dev/dri/renderD128");
    caps.render_node_dir = PathBuf::from("/dev/dri");
    caps.render_nodes = vec![node.clone()];
    let (hwaccel, filters): (&str, &[&str]) = match vendor {
        Vendor::VideoToolbox => (
            "videotoolbox",
            &["scale_vt", "overlay_videotoolbox", "tonemap_videotoolbox"],
        ),
        Vendor::Rkmpp => ("rkmpp", &["scale_rkrga", "overlay_rkrga"]),
        _ => ("", &[]),
    };
    if !hwaccel.is_empty() {
        caps.hwaccels.insert(hwaccel.into());
    }
    caps.filters.extend(filters.iter().map(|f| f.to_string()));
    for codec in [VideoCodec::H264, VideoCodec::Hevc] {
        caps.encoders.insert(vendor.encoder(codec));
    }
    let device = matches!(vendor, Vendor::Vaapi | Vendor::Qsv).then_some(node);
    caps.vendors = vec![VendorStatus::working(vendor, device)];
    caps
}

fn setup(vendor: Vendor, extra: serde_json::Value) -> EncoderSetup {
    let mut section = json!({
        "HardwareAccelerationType": vendor.name(),
        "HardwareDecodingCodecs": ["h264", "hevc", "vp9", "av1"],
        "EnableTonemapping": true,
    });
    if let (Some(s), Some(e)) = (section.as_object_mut(), extra.as_object()) {
        s.extend(e.clone());
    }
    EncoderSetup {
        options: EncodingOptions::from_json(&section),
        capabilities: Some(Arc::new(working(vendor))),
    }
}

/// The command line, one option per line, and the pipeline's description.
fn command_text(out: &HlsOutput, start_segment: u32) -> String {
    let args: Vec<String> = ffmpeg_args(out, Path::new("/transcodes/job"), start_segment)
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut lines: Vec<String> = vec!["ffmpeg".into()];
    for a in args {
        let option = a.starts_with('-') && a[1..].starts_with(|c: char| c.is_ascii_alphabetic());
        match lines.last_mut() {
            Some(last) if !option => {
                last.push(' ');
                last.push_str(&a);
            }
            _ => lines.push(a),
        }
    }
    format!(
        "{}\n\n{}\n",
        pipeline_of(out).describe(),
        lines.join("\n  ")
    )
}

/// The full command line per method and case: SDR H.264, HDR10 HEVC 10-bit tone-mapped,
/// picture and text subtitles burned in, and a seek.
#[test]
fn command_line_snapshots_per_method() {
    let vendors = [
        Vendor::Vaapi,
        Vendor::Qsv,
        Vendor::Nvenc,
        Vendor::Amf,
        Vendor::VideoToolbox,
        Vendor::V4l2m2m,
        Vendor::Rkmpp,
    ];
    for vendor in vendors {
        let s = setup(vendor, json!({}));
        let cases = [
            ("sdr_h264", choose(&sdr_h264(), &browser_request(), &s), 0),
            (
                "hdr10_hevc_tonemap",
                choose(&hdr10_hevc(), &browser_request(), &s),
                0,
            ),
            ("burn_in_pgs", choose(&sdr_h264(), &burn(2), &s), 0),
            ("burn_in_text_seek", choose(&sdr_h264(), &burn(3), &s), 7),
            (
                "hdr10_hevc_burn_in_pgs",
                choose(&hdr10_hevc_with_pgs(), &burn(2), &s),
                0,
            ),
        ];
        for (case, out, start) in cases {
            insta::assert_snapshot!(
                format!("{}_{case}", vendor.name()),
                command_text(&out, start)
            );
        }
    }
    // Intel VPP tone mapping, on VA-API and on QSV.
    for vendor in [Vendor::Vaapi, Vendor::Qsv] {
        let s = setup(vendor, json!({"EnableVppTonemapping": true}));
        let out = choose(&hdr10_hevc(), &browser_request(), &s);
        insta::assert_snapshot!(
            format!("{}_hdr10_hevc_vpp_tonemap", vendor.name()),
            command_text(&out, 0)
        );
    }
    // Software with tone mapping (this machine's listings).
    let sw = EncoderSetup {
        options: EncodingOptions::from_json(&json!({"EnableTonemapping": true})),
        capabilities: Some(Arc::new(listings("debian12-5.1"))),
    };
    for (case, out, start) in [
        (
            "software_hdr10_hevc_tonemap",
            choose(&hdr10_hevc(), &browser_request(), &sw),
            0,
        ),
        (
            "software_burn_in_pgs",
            choose(&sdr_h264(), &burn(2), &sw),
            0,
        ),
        (
            "software_burn_in_text_seek",
            choose(&sdr_h264(), &burn(3), &sw),
            7,
        ),
    ] {
        insta::assert_snapshot!(case, command_text(&out, start));
    }
}

fn hdr10_hevc_with_pgs() -> SourceFacts {
    let mut f = hdr10_hevc();
    f.streams.push(subtitle(2, "PGSSUB", false));
    f
}

/// The choices behind the snapshots, asserted one by one.
#[test]
fn pipeline_choices() {
    // VA-API, SDR H.264: decoded, scaled and encoded on the device.
    let out = choose(
        &sdr_h264(),
        &browser_request(),
        &setup(Vendor::Vaapi, json!({})),
    );
    let p = pipeline_of(&out);
    assert!(p.hardware_decode && p.encoder == "h264_vaapi" && p.reasons.is_empty());
    assert_eq!(
        p.filter,
        FilterGraph::Simple("scale_vaapi=format=nv12:extra_hw_frames=24".into())
    );
    assert!(p
        .input_args
        .join(" ")
        .contains("-init_hw_device vaapi=va:/dev/dri/renderD128 -filter_hw_device va"));
    // NVENC, HDR10 HEVC: tone-mapped with tonemap_cuda, scaled to 1080p.
    let out = choose(
        &hdr10_hevc(),
        &browser_request(),
        &setup(Vendor::Nvenc, json!({})),
    );
    let p = pipeline_of(&out);
    assert_eq!(p.tonemap, ToneMap::Cuda);
    assert_eq!((p.width, p.height), (Some(1920), Some(1080)));
    // AMF on Linux: software decode, OpenCL tone mapping, AMF encoding.
    let out = choose(
        &hdr10_hevc(),
        &browser_request(),
        &setup(Vendor::Amf, json!({})),
    );
    let p = pipeline_of(&out);
    assert!(!p.hardware_decode && p.encoder == "h264_amf");
    assert_eq!(p.tonemap, ToneMap::OpenCl);
    assert!(p.reasons[0].contains("D3D11VA"), "{:?}", p.reasons);
    // V4L2: widths in multiples of 64.
    let request = HlsRequest {
        max_width: Some(1000),
        max_height: None,
        ..browser_request()
    };
    let out = choose(&sdr_h264(), &request, &setup(Vendor::V4l2m2m, json!({})));
    let p = pipeline_of(&out);
    assert_eq!((p.width, p.height), (Some(960), Some(540)));
    assert_eq!(p.profile, None);
    // HEVC encoding when allowed and preferred.
    let request = HlsRequest {
        video_codecs: vec!["hevc".into(), "h264".into()],
        ..browser_request()
    };
    let out = choose(&sdr_h264(), &request, &setup(Vendor::Qsv, json!({})));
    assert_eq!(pipeline_of(&out).encoder, "h264_qsv");
    let out = choose(
        &sdr_h264(),
        &request,
        &setup(Vendor::Qsv, json!({"AllowHevcEncoding": true})),
    );
    assert_eq!(pipeline_of(&out).encoder, "hevc_qsv");
    let out = HlsOutput::choose_with(
        PathBuf::from("/m.mkv"),
        10,
        &sdr_h264(),
        &HlsRequest {
            segment_container: Some("mp4".into()),
            ..request.clone()
        },
        &EncoderSetup {
            options: EncodingOptions::from_json(&json!({"AllowHevcEncoding": true})),
            capabilities: None,
        },
    );
    let text = command_text(&out, 0);
    assert!(
        text.contains("-c:v libx265") && text.contains("-tag:v hvc1"),
        "{text}"
    );
    // A burned-in subtitle forbids copying the video.
    let copy = HlsRequest {
        video_bitrate: None,
        ..browser_request()
    };
    let software = EncoderSetup::software();
    let out = choose(&sdr_h264(), &copy, &software);
    assert!(matches!(
        out.video.as_ref().unwrap().output,
        VideoOutput::Copy { .. }
    ));
    let out = choose(
        &sdr_h264(),
        &HlsRequest {
            subtitle_stream_index: Some(2),
            ..copy.clone()
        },
        &software,
    );
    assert!(pipeline_of(&out).burn_in, "no SubtitleMethod means Encode");
    for method in [SubtitleMethod::Hls, SubtitleMethod::External] {
        let out = choose(
            &sdr_h264(),
            &HlsRequest {
                subtitle_stream_index: Some(2),
                subtitle_method: Some(method),
                ..copy.clone()
            },
            &software,
        );
        assert!(matches!(
            out.video.as_ref().unwrap().output,
            VideoOutput::Copy { .. }
        ));
    }
    // An index naming no subtitle stream burns nothing.
    let out = choose(&sdr_h264(), &burn(1), &software);
    assert!(!pipeline_of(&out).burn_in);
}

/// Each fallback to software, with its reason.
#[test]
fn fallbacks_have_reasons() {
    let hdr = hdr10_hevc();
    let sdr = sdr_h264();
    let request = browser_request();
    struct Case {
        name: &'static str,
        facts: SourceFacts,
        setup: EncoderSetup,
        decode: bool,
        encoder: &'static str,
        tonemap: ToneMap,
        reason: Option<&'static str>,
        filter_has: &'static str,
    }
    let refused = {
        let mut s = setup(Vendor::Vaapi, json!({}));
        let mut caps = (*s.capabilities.take().unwrap()).clone();
        caps.vendors[0].encoders[0].1 =
            EncoderState::Failed("Error while opening encoder for output stream #0:0".into());
        s.capabilities = Some(Arc::new(caps));
        s
    };
    let no_zscale = {
        let mut caps = listings("debian12-5.1");
        caps.filters.remove("zscale");
        EncoderSetup {
            options: EncodingOptions::from_json(&json!({"EnableTonemapping": true})),
            capabilities: Some(Arc::new(caps)),
        }
    };
    let undetected = EncoderSetup {
        options: EncodingOptions::from_json(&json!({"HardwareAccelerationType": "qsv"})),
        capabilities: Some(Arc::new(Capabilities::default())),
    };
    let cases = vec![
        Case {
            name: "h264_vaapi refused its test encode: libx264, decode stays on the device",
            facts: sdr.clone(),
            setup: refused,
            decode: true,
            encoder: "libx264",
            tonemap: ToneMap::None,
            reason: Some("h264_vaapi test encode failed: Error while opening encoder"),
            filter_has: "hwdownload,format=nv12,format=yuv420p",
        },
        Case {
            name: "10-bit HEVC decoding off: software decode, upload, hardware encode",
            facts: hdr.clone(),
            setup: setup(
                Vendor::Vaapi,
                json!({"EnableDecodingColorDepth10Hevc": false}),
            ),
            decode: false,
            encoder: "h264_vaapi",
            tonemap: ToneMap::OpenCl,
            reason: Some(
                "10-bit HEVC decoding is off (EnableDecodingColorDepth10Hevc): software decode",
            ),
            filter_has: "format=nv12,hwupload",
        },
        Case {
            name: "HEVC not in HardwareDecodingCodecs",
            facts: hdr.clone(),
            setup: setup(Vendor::Nvenc, json!({"HardwareDecodingCodecs": ["h264"]})),
            decode: false,
            encoder: "h264_nvenc",
            tonemap: ToneMap::Cuda,
            reason: Some("hevc is not in HardwareDecodingCodecs: software decode"),
            filter_has: "hwupload,tonemap_cuda",
        },
        Case {
            name: "hardware encoding off",
            facts: sdr.clone(),
            setup: setup(Vendor::Qsv, json!({"EnableHardwareEncoding": false})),
            decode: true,
            encoder: "libx264",
            tonemap: ToneMap::None,
            reason: Some("hardware encoding is off (EnableHardwareEncoding): libx264"),
            filter_has: "hwdownload",
        },
        Case {
            name: "tone mapping off",
            facts: hdr.clone(),
            setup: setup(Vendor::Nvenc, json!({"EnableTonemapping": false})),
            decode: true,
            encoder: "h264_nvenc",
            tonemap: ToneMap::None,
            reason: Some("HDR is not tone-mapped (EnableTonemapping is off)"),
            filter_has: "scale_cuda=w=1920:h=1080:format=yuv420p",
        },
        Case {
            name: "no hardware tone mapper on V4L2: software tone mapping",
            facts: hdr.clone(),
            setup: setup(Vendor::V4l2m2m, json!({})),
            decode: false,
            encoder: "h264_v4l2m2m",
            tonemap: ToneMap::Software,
            reason: Some("v4l2m2m has no hardware tone mapper here: software tone mapping"),
            filter_has: "zscale=t=linear:npl=100",
        },
        Case {
            name: "bt2390 is jellyfin-ffmpeg's: hable in the stock filter",
            facts: hdr.clone(),
            setup: setup(Vendor::V4l2m2m, json!({})),
            decode: false,
            encoder: "h264_v4l2m2m",
            tonemap: ToneMap::Software,
            reason: Some("tone-mapping algorithm bt2390 is not in ffmpeg's tonemap filters: hable"),
            filter_has: "tonemap=tonemap=hable:desat=0",
        },
        Case {
            name: "no zscale: not tone-mapped",
            facts: hdr.clone(),
            setup: no_zscale,
            decode: false,
            encoder: "libx264",
            tonemap: ToneMap::None,
            reason: Some("zscale or tonemap is not in this ffmpeg"),
            filter_has: "scale=1920:1080,format=yuv420p",
        },
        Case {
            name: "a method that was not detected",
            facts: sdr.clone(),
            setup: undetected,
            decode: false,
            encoder: "libx264",
            tonemap: ToneMap::None,
            reason: Some("qsv was not detected: software"),
            filter_has: "format=yuv420p",
        },
    ];
    for c in cases {
        let out = choose(&c.facts, &request, &c.setup);
        let p = pipeline_of(&out);
        assert_eq!(p.hardware_decode, c.decode, "{}: {:?}", c.name, p.reasons);
        assert_eq!(p.encoder, c.encoder, "{}", c.name);
        assert_eq!(p.tonemap, c.tonemap, "{}", c.name);
        if let Some(reason) = c.reason {
            assert!(
                p.reasons.iter().any(|r| r.contains(reason)),
                "{}: {:?}",
                c.name,
                p.reasons
            );
        }
        let filter = match &p.filter {
            FilterGraph::Simple(f) | FilterGraph::Complex(f) => f.clone(),
            FilterGraph::None => String::new(),
        };
        assert!(filter.contains(c.filter_has), "{}: {filter}", c.name);
    }
}

#[test]
fn paths_in_filters_are_escaped() {
    for (path, expected) in [
        ("/m/a.mkv", "/m/a.mkv"),
        ("/m/it's.mkv", r"/m/it\\\'s.mkv"),
        ("/m/a:b.mkv", r"/m/a\\:b.mkv"),
        ("/m/a,b[1];c.mkv", r"/m/a\,b\[1\]\;c.mkv"),
        (r"/m/back\slash.mkv", r"/m/back\\\\slash.mkv"),
    ] {
        assert_eq!(
            super::filters::escape_path(Path::new(path)).as_deref(),
            Some(expected),
            "{path}"
        );
    }
}

#[test]
fn subtitle_file_starts() {
    let tmp = tempfile::tempdir().unwrap();
    let sup = tmp.path().join("a.sup");
    std::fs::write(&sup, pgs_file(320, 240, &[(2.5, 3.0)])).unwrap();
    assert_eq!(subtitle_file_start(&sup), Some(2.5));
    let idx = tmp.path().join("b.idx");
    std::fs::write(
        &idx,
        "# VobSub index file, v7\nsize: 720x576\nid: en, index: 0\ntimestamp: 00:01:02:500, filepos: 000000000\n",
    )
    .unwrap();
    assert_eq!(subtitle_file_start(&idx), Some(62.5));
    let srt = tmp.path().join("c.srt");
    std::fs::write(&srt, "1\n").unwrap();
    assert_eq!(subtitle_file_start(&srt), None);
    std::fs::write(&sup, b"XX").unwrap();
    assert_eq!(subtitle_file_start(&sup), None);
}

// ------------------------------------------------------------------ real encodes

/// A PGS (`.sup`) stream drawing an opaque white 200x40 box at (60, 180) on a `w`x`h`
/// canvas for each `(start, end)` in seconds.
fn pgs_file(w: u16, h: u16, cues: &[(f64, f64)]) -> Vec<u8> {
    fn segment(out: &mut Vec<u8>, pts: u32, kind: u8, data: &[u8]) {
        out.extend_from_slice(b"PG");
        out.extend_from_slice(&pts.to_be_bytes());
        out.extend_from_slice(&0u32.to_be_bytes());
        out.push(kind);
        out.extend_from_slice(&(data.len() as u16).to_be_bytes());
        out.extend_from_slice(data);
    }
    let (x, y, bw, bh) = (60u16, 180u16, 200u16, 40u16);
    let be = |v: u16| v.to_be_bytes();
    let window = [&[1u8, 0][..], &be(x), &be(y), &be(bw), &be(bh)].concat();
    let mut out = Vec::new();
    for (n, (start, end)) in cues.iter().enumerate() {
        let on = (start * 90_000.0) as u32;
        let off = (end * 90_000.0) as u32;
        let number = (n * 2) as u16;
        // Presentation: size, frame rate, number, epoch start, palette 0, one object.
        let pcs = [
            &be(w)[..],
            &be(h),
            &[0x10],
            &be(number),
            &[0x80, 0, 0, 1],
            &[0, 0, 0, 0],
            &be(x),
            &be(y),
        ]
        .concat();
        segment(&mut out, on, 0x16, &pcs);
        segment(&mut out, on, 0x17, &window);
        // Palette entry 1: white (Y 235), opaque.
        segment(&mut out, on, 0x14, &[0, 0, 1, 235, 128, 128, 255]);
        let mut rle = Vec::new();
        for _ in 0..bh {
            // A run of `bw` pixels of colour 1, then the end of the line.
            rle.extend_from_slice(&[0, 0xC0 | (bw >> 8) as u8, (bw & 0xFF) as u8, 1, 0, 0]);
        }
        let object = [&be(bw)[..], &be(bh), &rle].concat();
        let len = (object.len() as u32).to_be_bytes();
        let ods = [&[0, 0, 0, 0xC0][..], &len[1..], &object].concat();
        segment(&mut out, on, 0x15, &ods);
        segment(&mut out, on, 0x80, &[]);
        // Cleared: no object.
        let clear = [
            &be(w)[..],
            &be(h),
            &[0x10],
            &be(number + 1),
            &[0x00, 0, 0, 0],
        ]
        .concat();
        segment(&mut out, off, 0x16, &clear);
        segment(&mut out, off, 0x17, &window);
        segment(&mut out, off, 0x80, &[]);
    }
    out
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The frames of a segment as 8-bit grey pictures of `w`x`h`.
fn grey_frames(segment: &[u8], dir: &Path, w: usize, h: usize) -> Vec<Vec<u8>> {
    let file = dir.join("segment.ts");
    std::fs::write(&file, segment).unwrap();
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(&file)
        .args(["-f", "rawvideo", "-pix_fmt", "gray", "-"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout.chunks(w * h).map(<[u8]>::to_vec).collect()
}

/// Whether a frame shows something bright in its bottom quarter (a subtitle on black).
fn shows_subtitle(frame: &[u8], w: usize, h: usize) -> bool {
    frame[w * (h * 3 / 4)..]
        .iter()
        .filter(|p| **p > 128)
        .count()
        > 50
}

fn probe_stream(file: &Path, entries: &str) -> String {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries"])
        .arg(format!("stream={entries}"))
        .args(["-of", "default=noprint_wrappers=1"])
        .arg(file)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Burns a subtitle into a real 8 s black video (10 fps, segments of 2 s) with cues at
/// 2-4 s and 6-7 s, asking for segments out of order (each a seek restarting the job), and
/// checks the pixels: the cue is on the frames of its time and on no others.
fn check_burn_in(facts: &SourceFacts, input: &Path, subtitle_index: i32, tmp: &Path) {
    std::fs::create_dir_all(tmp).unwrap();
    let request = HlsRequest {
        video_codecs: vec!["h264".into()],
        audio_codecs: vec!["aac".into()],
        segment_container: Some("ts".into()),
        segment_length: Some(2),
        subtitle_stream_index: Some(subtitle_index),
        subtitle_method: Some(SubtitleMethod::Encode),
        allow_video_stream_copy: true,
        allow_audio_stream_copy: true,
        ..HlsRequest::default()
    };
    let setup = EncoderSetup {
        options: EncodingOptions::default(),
        capabilities: None,
    };
    let output = HlsOutput::choose_with(input.to_owned(), 80_000_000, facts, &request, &setup);
    assert!(pipeline_of(&output).burn_in);
    let config = TranscodeConfig::new(tmp);
    let transcoder = Transcoder::new(config);
    let key = JobKey {
        play_session_id: Some(format!("burn-{subtitle_index}")),
        ..JobKey::default()
    };
    // (segment, frame within it, cue shown): segment 3 first (a seek to 6 s), then back.
    for (segment, frame, shown) in [
        (3, 5, true),   // 6.5 s
        (3, 15, false), // 7.5 s
        (2, 10, false), // 5.0 s
        (1, 10, true),  // 3.0 s
        (0, 10, false), // 1.0 s
    ] {
        let bytes = transcoder.segment(&key, &output, segment).unwrap();
        let frames = grey_frames(&bytes, tmp, 320, 240);
        assert!(
            frames.len() >= 19,
            "segment {segment}: {} frames",
            frames.len()
        );
        assert_eq!(
            shows_subtitle(&frames[frame], 320, 240),
            shown,
            "segment {segment}, frame {frame}: {}",
            pipeline_of(&output).describe()
        );
    }
    transcoder.stop(None, key.play_session_id.as_deref());
}

/// The same cues burned into a progressive stream that starts at 5 s: the output's first
/// second is the media's 5-6 s (no cue), its 1.5 s is the media's 6.5 s (cue), its 2.5 s the
/// media's 7.5 s (none).
fn check_progressive_burn_in(facts: &SourceFacts, input: &Path, subtitle_index: i32, tmp: &Path) {
    std::fs::create_dir_all(tmp).unwrap();
    let request = HlsRequest {
        video_codecs: vec!["h264".into()],
        audio_codecs: vec!["aac".into()],
        subtitle_stream_index: Some(subtitle_index),
        subtitle_method: Some(SubtitleMethod::Encode),
        allow_video_stream_copy: true,
        allow_audio_stream_copy: true,
        ..HlsRequest::default()
    };
    let setup = EncoderSetup {
        options: EncodingOptions::default(),
        capabilities: None,
    };
    let output = crate::transcode::ProgressiveOutput::choose_with(
        input.to_owned(),
        80_000_000,
        facts,
        &request,
        "ts",
        50_000_000,
        &setup,
    )
    .unwrap();
    let out = Command::new("ffmpeg")
        .args(crate::transcode::progressive_args(&output))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let frames = grey_frames(&out.stdout, tmp, 320, 240);
    assert!(frames.len() >= 28, "{} frames", frames.len());
    for (frame, shown) in [(5, false), (15, true), (25, false)] {
        assert_eq!(
            shows_subtitle(&frames[frame], 320, 240),
            shown,
            "progressive from 5 s, frame {frame}"
        );
    }
}

#[test]
fn burn_in_end_to_end() {
    require_ffmpeg();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // Subtitle files with cues at 2-4 s and 6-7 s; the SubRip one in a name that needs
    // escaping inside a filter graph.
    let srt = dir.join("it's, [weird]; name.srt");
    std::fs::write(
        &srt,
        "1\n00:00:02,000 --> 00:00:04,000\nXXXXXXXXXXXX\n\n2\n00:00:06,000 --> 00:00:07,000\nXXXXXXXXXXXX\n",
    )
    .unwrap();
    let sup = dir.join("pictures.sup");
    std::fs::write(&sup, pgs_file(320, 240, &[(2.0, 4.0), (6.0, 7.0)])).unwrap();
    let black = ["-f", "lavfi", "-i", "color=c=black:s=320x240:r=10:d=8"];
    // Embedded SubRip and embedded PGS (the PGS timestamps kept).
    let with_text = dir.join("text.mkv");
    run(Command::new("ffmpeg")
        .args(["-v", "error"])
        .args(black)
        .arg("-i")
        .arg(&srt)
        .args(["-map", "0", "-map", "1", "-c:v", "libx264", "-c:s", "srt"])
        .arg(&with_text));
    let with_pictures = dir.join("pictures.mkv");
    run(Command::new("ffmpeg")
        .args(["-v", "error"])
        .args(black)
        .arg("-i")
        .arg(&sup)
        .args([
            "-map", "0", "-map", "1", "-c:v", "libx264", "-c:s", "copy", "-copyts",
        ])
        .arg(&with_pictures));
    let plain = dir.join("plain.mkv");
    run(Command::new("ffmpeg")
        .args(["-v", "error"])
        .args(black)
        .args(["-c:v", "libx264"])
        .arg(&plain));
    let v = StreamFacts {
        real_frame_rate: Some(10.0),
        ..video("h264", 320, 240, 8)
    };
    let external = |index: i32, codec: &str, text: bool, path: &Path| StreamFacts {
        is_external: true,
        path: Some(path.display().to_string()),
        ..subtitle(index, codec, text)
    };
    let cases: Vec<(&str, SourceFacts, &Path, i32)> = vec![
        (
            "embedded SubRip",
            SourceFacts {
                streams: vec![v.clone(), subtitle(1, "subrip", true)],
                ..SourceFacts::default()
            },
            &with_text,
            1,
        ),
        (
            "external SubRip",
            SourceFacts {
                streams: vec![v.clone(), external(1, "srt", true, &srt)],
                ..SourceFacts::default()
            },
            &plain,
            1,
        ),
        (
            "embedded PGS",
            SourceFacts {
                streams: vec![v.clone(), subtitle(1, "PGSSUB", false)],
                ..SourceFacts::default()
            },
            &with_pictures,
            1,
        ),
        (
            "external PGS",
            SourceFacts {
                streams: vec![v.clone(), external(1, "PGSSUB", false, &sup)],
                ..SourceFacts::default()
            },
            &plain,
            1,
        ),
    ];
    for (name, facts, input, index) in cases {
        eprintln!("burn-in: {name}");
        check_burn_in(&facts, input, index, &dir.join(name.replace(' ', "_")));
        eprintln!("burn-in, progressive from 5 s: {name}");
        check_progressive_burn_in(&facts, input, index, &dir.join(name.replace(' ', "-")));
    }
}

/// An HDR10 HEVC 10-bit file tone-mapped in software to 8-bit BT.709 H.264 (and, with tone
/// mapping off, left in its HDR transfer).
#[test]
fn software_tonemap_end_to_end() {
    require_ffmpeg();
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("hdr10.mkv");
    run(Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=320x180:r=10:d=4",
        ])
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
            "log-level=error:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc",
        ])
        .args(["-color_primaries", "bt2020", "-color_trc", "smpte2084"])
        .args(["-colorspace", "bt2020nc"])
        .arg(&input));
    let probed = probe_stream(&input, "codec_name,pix_fmt,color_transfer");
    assert!(probed.contains("color_transfer=smpte2084"), "{probed}");
    let mut v = video("hevc", 320, 180, 10);
    v.range_type = VideoRangeType::HDR10;
    v.color_transfer = Some("smpte2084".into());
    v.real_frame_rate = Some(10.0);
    let facts = SourceFacts {
        streams: vec![v],
        ..SourceFacts::default()
    };
    let request = HlsRequest {
        video_codecs: vec!["h264".into()],
        segment_container: Some("ts".into()),
        segment_length: Some(2),
        max_width: Some(160),
        allow_video_stream_copy: true,
        ..HlsRequest::default()
    };
    let transcoder = Transcoder::new(TranscodeConfig::new(tmp.path()));
    for (tonemapping, transfer, primaries) in
        [(true, "bt709", "bt709"), (false, "smpte2084", "bt2020")]
    {
        let setup = transcoder.encoder_setup(&json!({ "EnableTonemapping": tonemapping }));
        assert_eq!(setup.capabilities.is_some(), tonemapping);
        let output = HlsOutput::choose_with(input.clone(), 40_000_000, &facts, &request, &setup);
        let p = pipeline_of(&output);
        let expected = if tonemapping {
            ToneMap::Software
        } else {
            ToneMap::None
        };
        assert_eq!(p.tonemap, expected, "{}", p.describe());
        let key = JobKey {
            play_session_id: Some(format!("tonemap-{tonemapping}")),
            ..JobKey::default()
        };
        let bytes = transcoder.segment(&key, &output, 1).unwrap();
        let file = tmp.path().join(format!("out-{tonemapping}.ts"));
        std::fs::write(&file, bytes).unwrap();
        let probed = probe_stream(
            &file,
            "codec_name,pix_fmt,width,height,color_transfer,color_primaries",
        );
        for expected in [
            "codec_name=h264".to_owned(),
            "pix_fmt=yuv420p".to_owned(),
            "width=160".to_owned(),
            "height=90".to_owned(),
            format!("color_transfer={transfer}"),
            format!("color_primaries={primaries}"),
        ] {
            assert!(probed.contains(&expected), "{expected} in {probed}");
        }
        transcoder.stop(None, key.play_session_id.as_deref());
    }
}
