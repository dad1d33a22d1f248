//! The choice of a video pipeline ([`plan`]) and what it answers ([`VideoPipeline`]).
//!
//! The rules follow Jellyfin's `EncodingHelper`:
//! - the method is `HardwareAccelerationType`; one that detection found unusable leaves the
//!   stream to software, with detection's reason;
//! - decoding is on the device when the method decodes here, the codec is listed in
//!   `HardwareDecodingCodecs`, the method decodes that codec, the bit depth is allowed (no
//!   10-bit H.264; 10-bit HEVC/VP9 only with `EnableDecodingColorDepth10Hevc`/`Vp9`) and the
//!   pixel format is 4:2:0;
//! - encoding is on the device when `EnableHardwareEncoding` is on and the method's encoder
//!   for the codec passed its test encode, else `libx264`/`libx265`;
//! - HDR (PQ or HLG, 10-bit) is tone-mapped to SDR BT.709 when `EnableTonemapping` is on (the
//!   encoded output is 8-bit SDR): on the device when the method has a tone mapper (Intel VPP
//!   with `EnableVppTonemapping`, OpenCL, `tonemap_cuda`, VideoToolbox), else in software
//!   (`zscale` + `tonemap`), else not at all, said so;
//! - frames stay where they are as long as the stages allow: scaled on the device when decoded
//!   there, downloaded for software stages (text subtitles, software tone mapping, a software
//!   encoder), uploaded or mapped for a hardware encoder;
//! - a burned-in subtitle is drawn on the frames: text through libass in memory, pictures
//!   overlaid (on the device when the method has an overlay filter and encodes there).

use std::path::{Path, PathBuf};

use super::detect::{hwaccel_name, Capabilities, VendorStatus};
use super::filters::{self, Family};
use super::options::EncodingOptions;
use super::{EncoderSetup, Vendor, VideoCodec};
use crate::playback::{StreamFacts, VideoRangeType};

/// What the encode must produce.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodeTarget {
    /// The codec.
    pub codec: VideoCodec,
    /// Output width (`None`: the source's, unknown).
    pub width: Option<i32>,
    /// Output height.
    pub height: Option<i32>,
    /// Whether the output size differs from the source's.
    pub scale: bool,
    /// Target bit rate.
    pub bitrate: Option<i64>,
    /// Frame rate (the source's), for key frame intervals.
    pub frame_rate: Option<f64>,
    /// Segment length in seconds: a key frame starts every segment.
    pub segment_seconds: u32,
    /// The profile asked for (`high`, `main`, `baseline`; HEVC: `main`).
    pub profile: Option<String>,
    /// The level asked for (`41`; HEVC: `150`).
    pub level: Option<String>,
}

/// A subtitle stream drawn into the video.
#[derive(Debug, Clone, PartialEq)]
pub struct BurnIn {
    /// The stream index in the media file (embedded subtitles).
    pub index: i32,
    /// Its codec (`subrip`, `ass`, `PGSSUB`...).
    pub codec: String,
    /// Text (drawn by libass) or pictures (overlaid).
    pub is_text: bool,
    /// The subtitle file, for an external stream (from the store; a VobSub `.sub` is read
    /// through its `.idx`).
    pub external: Option<PathBuf>,
    /// The external picture file's first timestamp in seconds ([`subtitle_file_start`]): the
    /// job keeps the media's timestamps, so that input is offset back by it.
    pub external_start: Option<f64>,
    /// Its position among the file's subtitle streams (`si=` of the `subtitles` filter).
    pub ordinal: usize,
}

/// What [`plan`] works from.
#[derive(Debug, Clone, Copy)]
pub struct PipelineInput<'a> {
    /// The media file (from the store).
    pub input: &'a Path,
    /// Its video stream.
    pub video: &'a StreamFacts,
    /// The wanted output.
    pub target: &'a EncodeTarget,
    /// The subtitle to burn in.
    pub burn_in: Option<&'a BurnIn>,
}

/// How HDR is brought to SDR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToneMap {
    /// Not tone-mapped (SDR source, or tone mapping off or impossible; see the reasons).
    None,
    /// `zscale` + `tonemap` in memory.
    Software,
    /// Intel VPP (`procamp_vaapi` + `tonemap_vaapi`).
    Vpp,
    /// `tonemap_opencl`.
    OpenCl,
    /// `tonemap_cuda`.
    Cuda,
    /// `scale_vt` with BT.709 output colours.
    VideoToolbox,
    /// `tonemap_videotoolbox` (Metal).
    Metal,
}

impl ToneMap {
    /// A short name for logs and diagnostics.
    pub fn name(self) -> &'static str {
        match self {
            ToneMap::None => "none",
            ToneMap::Software => "software (zscale+tonemap)",
            ToneMap::Vpp => "vpp (tonemap_vaapi)",
            ToneMap::OpenCl => "opencl (tonemap_opencl)",
            ToneMap::Cuda => "cuda (tonemap_cuda)",
            ToneMap::VideoToolbox => "videotoolbox (scale_vt)",
            ToneMap::Metal => "metal (tonemap_videotoolbox)",
        }
    }
}

/// The video filters of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterGraph {
    /// None.
    None,
    /// One chain on the video stream (`-vf`).
    Simple(String),
    /// A graph with a second input (`-filter_complex`), its output labelled [`OUTPUT_LABEL`].
    Complex(String),
}

/// The label of a complex graph's output (`-map [vout]`).
pub const OUTPUT_LABEL: &str = "[vout]";

/// An input after the media file.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtraInput {
    /// Its options before `-i` (`-itsoffset`).
    pub options: Vec<String>,
    /// The file.
    pub path: PathBuf,
}

/// The first timestamp (seconds) of an external picture subtitle file, which ffmpeg takes as
/// the file's start: a PGS `.sup` (its first segment's PTS) or a VobSub `.idx` (its first
/// `timestamp:` line). `None` for other files or unreadable ones.
pub fn subtitle_file_start(path: &Path) -> Option<f64> {
    use std::io::Read;
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    let mut file = std::fs::File::open(path).ok()?;
    match ext.as_str() {
        "sup" => {
            let mut head = [0u8; 6];
            file.read_exact(&mut head).ok()?;
            if &head[..2] != b"PG" {
                return None;
            }
            let pts = u32::from_be_bytes([head[2], head[3], head[4], head[5]]);
            Some(f64::from(pts) / 90_000.0)
        }
        "idx" => {
            let mut text = String::new();
            file.take(1 << 20).read_to_string(&mut text).ok()?;
            let stamp = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("timestamp:"))?;
            let time = stamp.split(',').next()?.trim();
            let parts: Vec<f64> = time
                .split(':')
                .map(|p| p.trim().parse::<f64>())
                .collect::<Result<_, _>>()
                .ok()?;
            match parts[..] {
                [h, m, s, ms] => Some(h * 3600.0 + m * 60.0 + s + ms / 1000.0),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A chosen video pipeline: what runs where, the `ffmpeg` arguments, and why anything fell
/// back to software.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoPipeline {
    /// The hardware method used for some stage (`None`: all software).
    pub vendor: Option<Vendor>,
    /// Whether the device decodes.
    pub hardware_decode: bool,
    /// The encoder (`libx264`, `h264_vaapi`...).
    pub encoder: String,
    /// How HDR is tone-mapped.
    pub tonemap: ToneMap,
    /// Whether a subtitle is burned in.
    pub burn_in: bool,
    /// Output width.
    pub width: Option<i32>,
    /// Output height.
    pub height: Option<i32>,
    /// The profile the encoder is told (`high`, `main`).
    pub profile: Option<String>,
    /// The level the encoder is told (`41`).
    pub level: Option<String>,
    /// Arguments before the input: devices and hardware decoding.
    pub input_args: Vec<String>,
    /// More inputs after the media file (an external picture subtitle).
    pub extra_inputs: Vec<ExtraInput>,
    /// The video filters.
    pub filter: FilterGraph,
    /// The encoder's own arguments after `-c:v <encoder>`: preset, quality, profile, level.
    pub encoder_args: Vec<String>,
    /// Rate control and key frames (after the `-vf` chain).
    pub rate_args: Vec<String>,
    /// Each fallback to software (or limit), with its reason.
    pub reasons: Vec<String>,
}

impl VideoPipeline {
    /// One line for logs: decode, tone mapping, burn-in, encoder, reasons.
    pub fn describe(&self) -> String {
        let decode = match (self.hardware_decode, self.vendor) {
            (true, Some(v)) => v.name(),
            _ => "software",
        };
        let mut out = format!(
            "decode {decode}, tonemap {}, burn-in {}, encode {}",
            self.tonemap.name(),
            if self.burn_in { "yes" } else { "no" },
            self.encoder
        );
        if !self.reasons.is_empty() {
            out.push_str(&format!(" ({})", self.reasons.join("; ")));
        }
        out
    }
}

/// Jellyfin's name of a video codec (`avc` → `h264`, `h265` → `hevc`), lower case.
fn normalize_codec(codec: &str) -> String {
    match codec.to_ascii_lowercase().as_str() {
        "avc" | "h264" => "h264".into(),
        "h265" | "hevc" => "hevc".into(),
        "mpeg2video" | "mpeg2" => "mpeg2video".into(),
        other => other.to_owned(),
    }
}

/// The bit depth: the stream's, else from its pixel format, else 8.
fn bit_depth(v: &StreamFacts) -> i32 {
    if let Some(d) = v.bit_depth.filter(|d| *d > 0) {
        return d;
    }
    match v.pixel_format.as_deref().unwrap_or("") {
        f if f.contains("12le") || f.contains("12be") => 12,
        f if f.contains("10le") || f.contains("10be") || f == "p010le" => 10,
        _ => 8,
    }
}

/// The transfer of an HDR source that can be tone-mapped (PQ or HLG base layer).
fn hdr_transfer(v: &StreamFacts) -> Option<&'static str> {
    match v.range_type {
        VideoRangeType::HDR10
        | VideoRangeType::HDR10Plus
        | VideoRangeType::DOVIWithHDR10
        | VideoRangeType::DOVIWithHDR10Plus => Some("smpte2084"),
        VideoRangeType::HLG | VideoRangeType::DOVIWithHLG => Some("arib-std-b67"),
        _ => match v.color_transfer.as_deref() {
            Some("smpte2084") => Some("smpte2084"),
            Some("arib-std-b67") => Some("arib-std-b67"),
            _ => None,
        },
    }
}

/// The codecs each method decodes.
fn decodes(vendor: Vendor, codec: &str) -> bool {
    let list: &[&str] = match vendor {
        Vendor::Vaapi | Vendor::Qsv => &["h264", "hevc", "mpeg2video", "vc1", "vp8", "vp9", "av1"],
        Vendor::Nvenc => &[
            "h264",
            "hevc",
            "mpeg2video",
            "mpeg4",
            "vc1",
            "vp8",
            "vp9",
            "av1",
        ],
        Vendor::VideoToolbox => &["h264", "hevc", "mpeg2video", "mpeg4", "vp9", "av1"],
        Vendor::Rkmpp => &["h264", "hevc", "mpeg2video", "mpeg4", "vp8", "vp9", "av1"],
        Vendor::Amf | Vendor::V4l2m2m => &[],
    };
    list.contains(&codec)
}

/// The prefix of a codec's dedicated decoders (`mpeg2_qsv`, `h264_cuvid`).
fn decoder_prefix(codec: &str) -> &str {
    match codec {
        "mpeg2video" => "mpeg2",
        other => other,
    }
}

/// Jellyfin's `GetHardwareVideoDecoder`: the family frames are decoded into and the input
/// arguments doing it, or `None` (software decode) with the reason pushed.
fn hardware_decode(
    options: &EncodingOptions,
    caps: &Capabilities,
    status: &VendorStatus,
    video: &StreamFacts,
    reasons: &mut Vec<String>,
) -> Option<(Family, Vec<String>)> {
    let vendor = status.vendor;
    let codec = normalize_codec(video.codec.as_deref().unwrap_or(""));
    let depth = bit_depth(video);
    let refuse = |why: String, reasons: &mut Vec<String>| {
        reasons.push(format!("{why}: software decode"));
        None
    };
    if hwaccel_name(vendor).is_none() {
        let why = match vendor {
            Vendor::Amf => "AMF decodes through D3D11VA, on Windows only",
            _ => "V4L2 decoders are not used",
        };
        return refuse(why.into(), reasons);
    }
    if status.hwaccel.is_none() || !status.decode {
        let why = status
            .reason
            .as_deref()
            .unwrap_or("the device does not decode");
        return refuse(format!("{vendor} cannot decode ({why})"), reasons);
    }
    if codec.is_empty() {
        return refuse("unknown video codec".into(), reasons);
    }
    if !options.hardware_decodes(&codec) {
        return refuse(format!("{codec} is not in HardwareDecodingCodecs"), reasons);
    }
    if !decodes(vendor, &codec) {
        return refuse(format!("{vendor} does not decode {codec}"), reasons);
    }
    if depth > 10 {
        return refuse(
            format!("{depth}-bit video has no hardware decoder"),
            reasons,
        );
    }
    if depth == 10 {
        match codec.as_str() {
            "h264" if vendor != Vendor::Rkmpp => {
                return refuse("10-bit H.264 has no hardware decoder".into(), reasons)
            }
            "hevc" if !options.enable_decoding_color_depth10_hevc => {
                return refuse(
                    "10-bit HEVC decoding is off (EnableDecodingColorDepth10Hevc)".into(),
                    reasons,
                )
            }
            "vp9" if !options.enable_decoding_color_depth10_vp9 => {
                return refuse(
                    "10-bit VP9 decoding is off (EnableDecodingColorDepth10Vp9)".into(),
                    reasons,
                )
            }
            "hevc" | "vp9" | "av1" | "h264" => {}
            other => return refuse(format!("10-bit {other} has no hardware decoder"), reasons),
        }
    }
    if let Some(format) = video.pixel_format.as_deref() {
        let ok = ["yuv420p", "yuvj420p", "yuv420p10le", "nv12", "p010le"];
        if !ok.contains(&format) {
            return refuse(
                format!("pixel format {format} is not decoded by the hardware"),
                reasons,
            );
        }
    }
    let mut args: Vec<String> = Vec::new();
    let mut push = |items: &[&str]| args.extend(items.iter().map(|s| s.to_string()));
    let family = match vendor {
        Vendor::Vaapi => {
            push(&["-hwaccel", "vaapi", "-hwaccel_output_format", "vaapi"]);
            Family::Vaapi
        }
        Vendor::Qsv
            if options.prefer_system_native_hw_decoder && caps.hwaccels.contains("vaapi") =>
        {
            push(&["-hwaccel", "vaapi", "-hwaccel_output_format", "vaapi"]);
            Family::Vaapi
        }
        Vendor::Qsv => {
            let decoder = format!("{}_qsv", decoder_prefix(&codec));
            if !caps.has_decoder(&decoder) {
                return refuse(format!("{decoder} is not in this ffmpeg"), reasons);
            }
            push(&[
                "-hwaccel",
                "qsv",
                "-hwaccel_output_format",
                "qsv",
                "-c:v",
                &decoder,
            ]);
            Family::Qsv
        }
        Vendor::Nvenc => {
            push(&["-hwaccel", "cuda", "-hwaccel_output_format", "cuda"]);
            if options.enable_enhanced_nvdec_decoder {
                if caps.version_at_least(6) {
                    push(&["-hwaccel_flags", "+unsafe_output"]);
                }
                // NVDEC does not thread.
                push(&["-threads", "1"]);
            } else {
                let decoder = format!("{}_cuvid", decoder_prefix(&codec));
                if !caps.has_decoder(&decoder) {
                    return refuse(format!("{decoder} is not in this ffmpeg"), reasons);
                }
                push(&["-c:v", &decoder]);
            }
            Family::Cuda
        }
        Vendor::VideoToolbox => {
            push(&[
                "-hwaccel",
                "videotoolbox",
                "-hwaccel_output_format",
                "videotoolbox_vld",
            ]);
            Family::VideoToolbox
        }
        Vendor::Rkmpp => {
            push(&["-hwaccel", "rkmpp", "-hwaccel_output_format", "drm_prime"]);
            Family::Drm
        }
        Vendor::Amf | Vendor::V4l2m2m => return None,
    };
    // Rotation is not applied on the device.
    args.push("-noautorotate".into());
    Some((family, args))
}

/// The encoder chosen for `codec` and its method (`None`: software), with the reason of a
/// software fallback pushed.
fn choose_encoder(
    options: &EncodingOptions,
    status: Option<&VendorStatus>,
    codec: VideoCodec,
    reasons: &mut Vec<String>,
) -> (String, Option<Vendor>) {
    let software = codec.software_encoder().to_owned();
    let Some(status) = status else {
        return (software, None);
    };
    if !options.enable_hardware_encoding {
        reasons.push(format!(
            "hardware encoding is off (EnableHardwareEncoding): {software}"
        ));
        return (software, None);
    }
    let name = status.vendor.encoder(codec);
    match status.encoder(&name).reason(&name) {
        None => (name, Some(status.vendor)),
        Some(why) => {
            reasons.push(format!("{why}: {software}"));
            (software, None)
        }
    }
}

/// What frames an encoder takes: on which device family, and in which memory format (`None`:
/// device frames only).
fn encoder_input(vendor: Option<Vendor>) -> (Option<Family>, Option<&'static str>) {
    match vendor {
        None => (None, Some("yuv420p")),
        Some(Vendor::Vaapi) => (Some(Family::Vaapi), None),
        Some(Vendor::Qsv) => (Some(Family::Qsv), Some("nv12")),
        Some(Vendor::Nvenc) => (Some(Family::Cuda), Some("yuv420p")),
        Some(Vendor::Amf) => (None, Some("nv12")),
        Some(Vendor::VideoToolbox) => (Some(Family::VideoToolbox), Some("nv12")),
        Some(Vendor::V4l2m2m) => (None, Some("yuv420p")),
        Some(Vendor::Rkmpp) => (Some(Family::Drm), Some("nv12")),
    }
}

fn is_hdr10(v: &StreamFacts) -> bool {
    matches!(
        v.range_type,
        VideoRangeType::HDR10 | VideoRangeType::DOVIWithHDR10
    ) || (v.range_type == VideoRangeType::Unknown
        && v.color_transfer.as_deref() == Some("smpte2084"))
}

/// How HDR is tone-mapped (Jellyfin's `IsHwTonemapAvailable`, `IsVaapiVppTonemapAvailable`...,
/// then software), with the reasons pushed.
fn choose_tonemap(
    options: &EncodingOptions,
    caps: Option<&Capabilities>,
    method: Option<Vendor>,
    decoded: Option<Family>,
    hw_encoder: bool,
    video: &StreamFacts,
    reasons: &mut Vec<String>,
) -> ToneMap {
    if hdr_transfer(video).is_none() {
        if video.range_type == VideoRangeType::DOVI {
            reasons.push("Dolby Vision without an HDR10/HLG base layer is not tone-mapped".into());
        }
        return ToneMap::None;
    }
    if !options.enable_tonemapping {
        reasons.push(
            "HDR is not tone-mapped (EnableTonemapping is off): the output keeps the HDR \
             transfer in 8 bits"
                .into(),
        );
        return ToneMap::None;
    }
    if bit_depth(video) != 10 {
        reasons.push("only 10-bit HDR is tone-mapped".into());
        return ToneMap::None;
    }
    let has = |f: &str| caps.is_some_and(|c| c.has_filter(f));
    let opencl = caps.is_some_and(|c| c.hwaccels.contains("opencl")) && has("tonemap_opencl");
    let hw_involved = decoded.is_some() || hw_encoder;
    if let (Some(vendor), true) = (method, hw_involved) {
        let chosen = match vendor {
            Vendor::Vaapi | Vendor::Qsv => {
                let vpp = options.enable_vpp_tonemapping
                    && decoded.is_some()
                    && is_hdr10(video)
                    && has("tonemap_vaapi")
                    && has("procamp_vaapi")
                    && caps.is_some_and(|c| c.hwaccels.contains("vaapi"));
                if vpp {
                    Some(ToneMap::Vpp)
                } else if opencl {
                    Some(ToneMap::OpenCl)
                } else {
                    None
                }
            }
            Vendor::Nvenc => has("tonemap_cuda").then_some(ToneMap::Cuda),
            Vendor::Amf | Vendor::Rkmpp => opencl.then_some(ToneMap::OpenCl),
            Vendor::VideoToolbox => {
                if decoded.is_some() && options.enable_video_toolbox_tonemapping {
                    Some(ToneMap::VideoToolbox)
                } else if decoded.is_some() && has("tonemap_videotoolbox") {
                    Some(ToneMap::Metal)
                } else {
                    None
                }
            }
            Vendor::V4l2m2m => None,
        };
        if let Some(t) = chosen {
            return t;
        }
        reasons.push(format!(
            "{vendor} has no hardware tone mapper here: software tone mapping"
        ));
    }
    let software = caps.is_none_or(|c| c.has_filter("zscale") && c.has_filter("tonemap"));
    if software {
        ToneMap::Software
    } else {
        reasons.push(
            "zscale or tonemap is not in this ffmpeg: HDR is not tone-mapped (colours will look \
             washed out)"
                .into(),
        );
        ToneMap::None
    }
}

/// Where frames are while the graph is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Loc {
    Memory,
    Device(Family),
}

/// The filter graph being built: filters before the subtitle overlay, the overlay's subtitle
/// chain and filter, and filters after it.
struct Graph {
    pre: Vec<String>,
    overlay: Option<(Vec<String>, String)>,
    post: Vec<String>,
    loc: Loc,
    /// The memory format after the last conversion (`None`: the decoder's).
    format: Option<String>,
    /// Whether the chain uses an OpenCL device.
    opencl: bool,
}

impl Graph {
    fn push(&mut self, filter: impl Into<String>) {
        let f = filter.into();
        if self.overlay.is_some() {
            self.post.push(f);
        } else {
            self.pre.push(f);
        }
    }

    fn push_opt(&mut self, filter: Option<String>) {
        if let Some(f) = filter {
            self.push(f);
        }
    }

    /// Frames to memory in their 8-bit format (after a hardware scale or tone map).
    fn download_8bit(&mut self) {
        if let Loc::Device(f) = self.loc {
            self.download(f.eight_bit());
        }
    }

    /// Frames to memory in `format`.
    fn download(&mut self, format: &str) {
        if let Loc::Device(_) = self.loc {
            self.push("hwdownload");
            self.push(format!("format={format}"));
            self.loc = Loc::Memory;
            self.format = Some(format.to_owned());
        }
    }

    /// Memory frames converted to `format` (once).
    fn convert(&mut self, format: &str) {
        if self.format.as_deref() != Some(format) {
            self.push(format!("format={format}"));
            self.format = Some(format.to_owned());
        }
    }
}

/// The device arguments of a method (`-init_hw_device`s; the filter device comes last).
fn device_args(vendor: Vendor, device: Option<&str>) -> (Vec<String>, Option<&'static str>) {
    let dev = device.unwrap_or("/dev/dri/renderD128");
    match vendor {
        Vendor::Vaapi => (
            vec!["-init_hw_device".into(), format!("vaapi=va:{dev}")],
            Some("va"),
        ),
        Vendor::Qsv => (
            vec![
                "-init_hw_device".into(),
                format!("vaapi=va:{dev},driver=iHD"),
                "-init_hw_device".into(),
                "qsv=qs@va".into(),
            ],
            Some("qs"),
        ),
        Vendor::Nvenc => (
            vec!["-init_hw_device".into(), "cuda=cu:0".into()],
            Some("cu"),
        ),
        Vendor::VideoToolbox => (
            vec!["-init_hw_device".into(), "videotoolbox=vt".into()],
            Some("vt"),
        ),
        Vendor::Rkmpp => (
            vec!["-init_hw_device".into(), "rkmpp=rk".into()],
            Some("rk"),
        ),
        Vendor::Amf | Vendor::V4l2m2m => (Vec::new(), None),
    }
}

/// The device a method uses: the configured one (`VaapiDevice`, `QsvDevice`) when detection
/// found it, else the detected one.
fn device_path(
    options: &EncodingOptions,
    caps: &Capabilities,
    status: &VendorStatus,
    reasons: &mut Vec<String>,
) -> Option<String> {
    let configured = match status.vendor {
        Vendor::Vaapi => options.vaapi_device.as_str(),
        Vendor::Qsv => options.qsv_device.as_str(),
        _ => return None,
    };
    let detected = status.device.as_deref();
    if !configured.is_empty() && caps.render_nodes.iter().any(|n| n == Path::new(configured)) {
        return Some(configured.to_owned());
    }
    if !configured.is_empty() {
        if let Some(d) = detected {
            reasons.push(format!(
                "{configured} was not found: {} instead",
                d.display()
            ));
        }
    }
    detected.map(|d| d.display().to_string())
}

/// The profile and level `encoder` is told, from what the target asks (Jellyfin's per-encoder
/// rules: VA-API, AMF and VideoToolbox name the constrained baseline; NVENC, VA-API and x265
/// take no level, QSV's HEVC level is a third; V4L2 takes no profile).
fn profile_and_level(encoder: &str, target: &EncodeTarget) -> (Option<String>, Option<String>) {
    let profile = target
        .profile
        .clone()
        .filter(|_| encoder != "h264_v4l2m2m")
        .map(|p| match (p.as_str(), encoder) {
            ("baseline", "h264_vaapi" | "h264_amf" | "h264_videotoolbox") => {
                "constrained_baseline".to_owned()
            }
            _ => p,
        });
    let level = target.level.as_deref().and_then(|l| match encoder {
        "h264_nvenc" | "hevc_nvenc" | "h264_vaapi" | "hevc_vaapi" | "libx265" => None,
        "hevc_qsv" => l
            .trim()
            .parse::<f64>()
            .ok()
            .map(|v| filters::number((v / 3.0).round())),
        _ => Some(l.to_owned()),
    });
    (profile, level)
}

fn add(args: &mut Vec<String>, items: &[&str]) {
    args.extend(items.iter().map(|s| s.to_string()));
}

/// The encoder's arguments in two parts: its own options (preset, quality, profile, level),
/// then rate control and key frames (`-vf` goes between them on the command line).
fn encoder_args(
    options: &EncodingOptions,
    encoder: &str,
    target: &EncodeTarget,
    profile: Option<&str>,
    level: Option<&str>,
    hardware_decode: bool,
) -> (Vec<String>, Vec<String>) {
    let mut own: Vec<String> = Vec::new();
    let mut rate: Vec<String> = Vec::new();
    let preset = options.encoder_preset.as_deref();
    let bitrate = target.bitrate.map(|b| b.to_string());
    let bufsize = target.bitrate.map(|b| (b * 2).to_string());
    // `-b:v` (unless capped CRF), `-maxrate`, `-bufsize` (twice the rate, as Jellyfin).
    let vbv = |rate: &mut Vec<String>, with_bv: bool| {
        if let (Some(b), Some(buf)) = (&bitrate, &bufsize) {
            if with_bv {
                add(rate, &["-b:v", b]);
            }
            add(rate, &["-maxrate", b, "-bufsize", buf]);
        }
    };
    match encoder {
        "libx264" | "libx265" => {
            add(&mut own, &["-preset", preset.unwrap_or("veryfast")]);
            let (crf, default) = if encoder == "libx264" {
                (options.h264_crf, 23)
            } else {
                (options.h265_crf, 28)
            };
            let crf = if (0..=51).contains(&crf) {
                crf
            } else {
                default
            };
            add(&mut own, &["-crf", &crf.to_string()]);
            vbv(&mut rate, false);
        }
        "h264_vaapi" | "hevc_vaapi" => {
            add(&mut rate, &["-rc_mode", "VBR"]);
            vbv(&mut rate, true);
        }
        "h264_qsv" | "hevc_qsv" => {
            let valid = [
                "veryslow", "slower", "slow", "medium", "fast", "faster", "veryfast",
            ];
            let p = preset.filter(|p| valid.contains(p)).unwrap_or("veryfast");
            add(&mut own, &["-preset", p]);
            let low_power = if encoder == "h264_qsv" {
                options.enable_intel_low_power_h264_hw_encoder
            } else {
                options.enable_intel_low_power_hevc_hw_encoder
            };
            if low_power {
                add(&mut own, &["-low_power", "1"]);
            }
            if encoder == "h264_qsv" {
                add(&mut own, &["-look_ahead", "0"]);
            }
            vbv(&mut rate, true);
        }
        "h264_nvenc" | "hevc_nvenc" => {
            let p = match preset {
                Some("veryslow") => "p7",
                Some("slower") => "p6",
                Some("slow") => "p5",
                Some("medium") => "p4",
                Some("fast") => "p3",
                Some("faster") => "p2",
                _ => "p1",
            };
            add(&mut own, &["-preset", p]);
            vbv(&mut rate, true);
        }
        "h264_amf" | "hevc_amf" => {
            let q = match preset {
                Some("veryslow" | "slower" | "slow") => "quality",
                Some("medium") => "balanced",
                _ => "speed",
            };
            add(&mut own, &["-quality", q]);
            if encoder == "hevc_amf" {
                add(
                    &mut own,
                    &["-header_insertion_mode", "gop", "-gops_per_idr", "1"],
                );
            }
            if bitrate.is_some() {
                // The transcoding preset's minimum quantiser of 18 is too high.
                add(&mut rate, &["-rc", "cbr", "-qmin", "0", "-qmax", "32"]);
            }
            vbv(&mut rate, true);
        }
        "h264_videotoolbox" | "hevc_videotoolbox" => {
            let speed = match preset {
                Some("veryslow" | "slower" | "slow" | "medium") => "0",
                _ => "1",
            };
            add(&mut own, &["-prio_speed", speed]);
            // maxrate/bufsize can stall VideoToolbox.
            if let Some(b) = &bitrate {
                add(&mut rate, &["-b:v", b, "-qmin", "-1", "-qmax", "-1"]);
            }
        }
        _ => vbv(&mut rate, true),
    }
    if let Some(p) = profile {
        add(&mut own, &["-profile:v", p]);
    }
    if let Some(l) = level {
        add(&mut own, &["-level", l]);
    }
    if encoder == "libx265" {
        add(&mut own, &["-x265-params", "no-info=1"]);
    }
    if options.encoding_thread_count > 0 {
        add(
            &mut own,
            &["-threads", &options.encoding_thread_count.to_string()],
        );
    }
    // A key frame starts every segment (`t` counts from the seek point): forced where the
    // encoder obeys, else by a GOP of one segment.
    let seg = target.segment_seconds.max(1);
    let force = format!("expr:gte(t,n_forced*{seg})");
    let gop = target
        .frame_rate
        .filter(|r| *r > 0.0)
        .map(|r| ((f64::from(seg) * r).ceil() as i64).to_string());
    let gop_only = [
        "h264_qsv",
        "hevc_qsv",
        "h264_nvenc",
        "hevc_nvenc",
        "h264_amf",
        "hevc_amf",
        "h264_rkmpp",
        "hevc_rkmpp",
    ];
    match (encoder, &gop) {
        ("libx264", _) => add(
            &mut rate,
            &["-force_key_frames", &force, "-sc_threshold", "0"],
        ),
        ("libx265" | "h264_vaapi" | "hevc_vaapi", _) => {
            add(&mut rate, &["-force_key_frames", &force])
        }
        (e, Some(g)) if gop_only.contains(&e) => add(&mut rate, &["-g", g, "-keyint_min", g]),
        (_, Some(g)) => add(
            &mut rate,
            &["-force_key_frames", &force, "-g", g, "-keyint_min", g],
        ),
        (_, None) => add(&mut rate, &["-force_key_frames", &force]),
    }
    if hardware_decode {
        // No automatic software scaler between hardware frames and the encoder.
        add(&mut rate, &["-noautoscale"]);
    }
    (own, rate)
}

/// Chooses the pipeline of one video stream (see the module documentation for the rules).
pub fn plan(setup: &EncoderSetup, input: PipelineInput<'_>) -> VideoPipeline {
    let options = &setup.options;
    let caps = setup.capabilities.as_deref();
    let target = input.target;
    let video = input.video;
    let mut reasons: Vec<String> = Vec::new();

    // The method, if usable.
    let status: Option<&VendorStatus> = match options.hardware_acceleration_type {
        None => None,
        Some(v) => match caps.and_then(|c| c.vendor(v)) {
            None => {
                reasons.push(format!("{v} was not detected: software"));
                None
            }
            Some(s) if !s.usable() => {
                let why = s.reason.as_deref().unwrap_or("nothing works");
                reasons.push(format!("{v} is unusable ({why}): software"));
                None
            }
            Some(s) => Some(s),
        },
    };
    let decoded = match (status, caps) {
        (Some(s), Some(c)) => hardware_decode(options, c, s, video, &mut reasons),
        _ => None,
    };
    let (encoder, encoder_vendor) = choose_encoder(options, status, target.codec, &mut reasons);
    let method = status.map(|s| s.vendor);
    let used = if decoded.is_some() || encoder_vendor.is_some() {
        method
    } else {
        None
    };
    let decode_family = decoded.as_ref().map(|(f, _)| *f);
    let tonemap = choose_tonemap(
        options,
        caps,
        used,
        decode_family,
        encoder_vendor.is_some(),
        video,
        &mut reasons,
    );

    // The output size (V4L2 encoders want widths in multiples of 64).
    let mut size = target.width.zip(target.height);
    let mut resize = target.scale && size.is_some();
    if encoder.ends_with("_v4l2m2m") {
        if let Some((w, h)) = size {
            let w64 = ((w / 64) * 64).max(64);
            if w64 != w {
                let h2 = (((f64::from(h) * f64::from(w64) / f64::from(w)) / 2.0).round() as i32
                    * 2)
                .max(2);
                reasons.push(format!(
                    "{encoder} takes widths in multiples of 64: {w64}x{h2}"
                ));
                size = Some((w64, h2));
                resize = true;
            }
        }
    }
    let scale_to = if resize { size } else { None };

    // Devices and decoding.
    let mut input_args: Vec<String> = Vec::new();
    let mut filter_device: Option<&str> = None;
    if let (Some(vendor), Some(s), Some(c)) = (used, status, caps) {
        let path = device_path(options, c, s, &mut reasons);
        let (args, filter) = device_args(vendor, path.as_deref());
        input_args.extend(args);
        filter_device = filter;
    }
    let transfer = hdr_transfer(video).unwrap_or("smpte2084");
    let mut g = Graph {
        pre: Vec::new(),
        overlay: None,
        post: Vec::new(),
        loc: decode_family.map_or(Loc::Memory, Loc::Device),
        format: None,
        opencl: false,
    };
    let (encoder_family, encoder_memory) = encoder_input(encoder_vendor);
    let has = |f: &str| caps.is_none_or(|c| c.has_filter(f));
    let (stock_algorithm, algorithm_note) = filters::stock_algorithm(options);
    if matches!(tonemap, ToneMap::Software | ToneMap::OpenCl) {
        if let Some(note) = algorithm_note {
            reasons.push(note);
        }
    }

    // Scaling and tone mapping.
    if tonemap != ToneMap::None {
        g.push(filters::hdr_input_tags(transfer));
    }
    match g.loc {
        Loc::Device(family) => match tonemap {
            ToneMap::Vpp => {
                g.push_opt(family.scale(scale_to, None));
                if family == Family::Qsv {
                    g.push("hwmap=derive_device=vaapi");
                    g.push("format=vaapi");
                }
                g.push(filters::vpp_tonemap(options));
                if family == Family::Qsv {
                    g.push("hwmap=derive_device=qsv");
                    g.push("format=qsv");
                }
            }
            ToneMap::Cuda => {
                g.push_opt(family.scale(scale_to, None));
                g.push(filters::cuda_tonemap(options));
            }
            ToneMap::VideoToolbox => {
                let scaled = family
                    .scale(scale_to, None)
                    .map(|s| format!("{s}:{}", filters::VT_TONEMAP_ARGS))
                    .unwrap_or_else(|| format!("scale_vt={}", filters::VT_TONEMAP_ARGS));
                g.push(scaled);
            }
            ToneMap::Metal => {
                g.push_opt(family.scale(scale_to, None));
                g.push(filters::metal_tonemap(options));
            }
            ToneMap::OpenCl => {
                let format = (family == Family::Drm).then_some("p010");
                g.push_opt(family.scale(scale_to, format));
                g.push("hwmap=derive_device=opencl:mode=read");
                g.push(filters::opencl_tonemap(options, &stock_algorithm));
                g.opencl = true;
                g.loc = Loc::Device(Family::OpenCl);
            }
            ToneMap::Software => {
                // Scaled on the device, tone-mapped in memory.
                g.push_opt(family.scale(scale_to, None));
                g.download("p010le");
                g.push(filters::software_tonemap(options, &stock_algorithm));
                g.format = Some("yuv420p".into());
            }
            ToneMap::None => {
                // VideoToolbox encodes 8-bit sources as they are decoded.
                let format = (family != Family::VideoToolbox || bit_depth(video) > 8)
                    .then(|| family.eight_bit());
                if has(family.scale_filter()) {
                    g.push_opt(family.scale(scale_to, format));
                } else {
                    reasons.push(format!(
                        "{} is not in this ffmpeg: scaled in memory",
                        family.scale_filter()
                    ));
                    let format = if bit_depth(video) > 8 {
                        "p010le"
                    } else {
                        family.eight_bit()
                    };
                    g.download(format);
                    if let Some((w, h)) = scale_to {
                        g.push(format!("scale={w}:{h}"));
                    }
                }
            }
        },
        Loc::Memory => {
            if let Some((w, h)) = scale_to {
                g.push(format!("scale={w}:{h}"));
            }
            match tonemap {
                ToneMap::Software => {
                    g.push(filters::software_tonemap(options, &stock_algorithm));
                    g.format = Some("yuv420p".into());
                }
                ToneMap::OpenCl => {
                    // Uploaded for the tone mapper, back in memory after it.
                    g.convert("p010le");
                    g.push(if filter_device.is_some() {
                        "hwupload=derive_device=opencl"
                    } else {
                        "hwupload"
                    });
                    g.push(filters::opencl_tonemap(options, &stock_algorithm));
                    g.opencl = true;
                    g.loc = Loc::Device(Family::OpenCl);
                    g.download("nv12");
                }
                ToneMap::Cuda => {
                    g.convert("p010le");
                    g.push(Family::Cuda.upload());
                    g.push(filters::cuda_tonemap(options));
                    g.loc = Loc::Device(Family::Cuda);
                }
                _ => {}
            }
        }
    }

    // Frames mapped back from OpenCL, or from VA-API into QSV, for the encoder's device.
    let to_encoder_device = |g: &mut Graph| match (g.loc, encoder_family) {
        (Loc::Device(Family::OpenCl), Some(f)) => {
            let extra = if f == Family::Qsv {
                ":extra_hw_frames=16"
            } else {
                ""
            };
            g.push(format!(
                "hwmap=derive_device={}:mode=write:reverse=1{extra}",
                f.device()
            ));
            g.push(format!("format={}", f.surface()));
            g.loc = Loc::Device(f);
        }
        (Loc::Device(Family::Vaapi), Some(Family::Qsv)) => {
            g.push("hwmap=derive_device=qsv");
            g.push("format=qsv");
            g.loc = Loc::Device(Family::Qsv);
        }
        _ => {}
    };

    // Subtitle burn-in.
    let mut extra_inputs: Vec<ExtraInput> = Vec::new();
    let mut burned = false;
    if let Some(b) = input.burn_in {
        let file = match &b.external {
            Some(p) => filters::escape_path(p),
            None => filters::escape_path(input.input),
        };
        if b.is_text {
            match file {
                Some(file) => {
                    if let Loc::Device(_) = g.loc {
                        reasons.push("text subtitles are drawn in memory".into());
                        g.download_8bit();
                    }
                    let is_ass = ["ass", "ssa"].contains(&b.codec.to_ascii_lowercase().as_str());
                    let stream = b.external.is_none().then_some(b.ordinal);
                    g.push(filters::text_subtitles(
                        &file,
                        stream,
                        is_ass && b.external.is_some(),
                    ));
                    // libass may have drawn in another format.
                    g.format = None;
                    burned = true;
                }
                None => reasons.push("the subtitle's path is not UTF-8: not burned in".into()),
            }
        } else {
            let label = match &b.external {
                Some(p) => {
                    // Not seeked: the overlay skips the pictures before the video's start.
                    let options = match b.external_start.filter(|s| *s > 0.0) {
                        Some(start) => vec!["-itsoffset".to_owned(), filters::number(start)],
                        None => Vec::new(),
                    };
                    extra_inputs.push(ExtraInput {
                        options,
                        path: p.clone(),
                    });
                    "[1:0]".to_owned()
                }
                None => format!("[0:{}]", b.index),
            };
            to_encoder_device(&mut g);
            let on_device = match g.loc {
                Loc::Device(f)
                    if encoder_family == Some(f)
                        && caps.is_some_and(|c| c.has_filter(f.overlay_filter())) =>
                {
                    Some(f)
                }
                Loc::Device(f) => {
                    reasons.push(format!(
                        "{} is not usable here: subtitles overlaid in memory",
                        f.overlay_filter()
                    ));
                    None
                }
                Loc::Memory => None,
            };
            let mut sub: Vec<String> = Vec::new();
            if let Some((w, h)) = size {
                sub.push(filters::fit_subtitle_canvas(w, h));
            }
            let overlay = match on_device {
                Some(f) => {
                    sub.push(format!("format={}", f.overlay_input_format()));
                    sub.push(f.upload_subtitle());
                    format!("{}=eof_action=pass:repeatlast=0", f.overlay_filter())
                }
                None => {
                    g.download_8bit();
                    // The overlay outputs its own format.
                    g.format = None;
                    filters::SOFTWARE_OVERLAY.to_owned()
                }
            };
            sub.insert(0, label);
            g.overlay = Some((sub, overlay));
            burned = true;
        }
    }

    // Frames as the encoder takes them.
    to_encoder_device(&mut g);
    match (g.loc, encoder_family, encoder_memory) {
        (Loc::Device(f), Some(ef), _) if f == ef => {}
        (Loc::Device(_), _, Some(format)) => {
            g.download_8bit();
            g.convert(format);
        }
        (Loc::Device(_), _, None) => {
            g.download_8bit();
            g.convert("nv12");
            g.push(encoder_family.map_or_else(String::new, |f| f.upload()));
        }
        (Loc::Memory, _, Some(format)) => g.convert(format),
        (Loc::Memory, Some(f), None) => {
            g.convert("nv12");
            g.push(f.upload());
        }
        (Loc::Memory, None, None) => {}
    }

    // The graph's text.
    let filter = match g.overlay.take() {
        None => {
            let chain: Vec<String> = g.pre.into_iter().filter(|f| !f.is_empty()).collect();
            if chain.is_empty() {
                FilterGraph::None
            } else {
                FilterGraph::Simple(chain.join(","))
            }
        }
        Some((sub, overlay)) => {
            let mut parts: Vec<String> = Vec::new();
            let main = if g.pre.is_empty() {
                format!("[0:{}]", video.index)
            } else {
                parts.push(format!("[0:{}]{}[main]", video.index, g.pre.join(",")));
                "[main]".to_owned()
            };
            let (label, chain) = sub
                .split_first()
                .map_or((String::new(), &[][..]), |(l, c)| (l.clone(), c));
            let sub_label = if chain.is_empty() {
                label
            } else {
                parts.push(format!("{label}{}[sub]", chain.join(",")));
                "[sub]".to_owned()
            };
            let tail: Vec<String> = std::iter::once(overlay).chain(g.post).collect();
            parts.push(format!("{main}{sub_label}{}{OUTPUT_LABEL}", tail.join(",")));
            FilterGraph::Complex(parts.join(";"))
        }
    };

    if g.opencl {
        let parent = match used {
            Some(Vendor::Vaapi | Vendor::Qsv) => "@va",
            Some(Vendor::Rkmpp) => "@rk",
            _ => "",
        };
        input_args.extend(["-init_hw_device".into(), format!("opencl=ocl{parent}")]);
        if filter_device.is_none() {
            filter_device = Some("ocl");
        }
    }
    if let Some(d) = filter_device {
        input_args.extend(["-filter_hw_device".into(), d.to_owned()]);
    }
    if let Some((_, args)) = &decoded {
        input_args.extend(args.iter().cloned());
    }

    let (profile, level) = profile_and_level(&encoder, target);
    let (encoder_args, rate_args) = encoder_args(
        options,
        &encoder,
        target,
        profile.as_deref(),
        level.as_deref(),
        decoded.is_some(),
    );
    VideoPipeline {
        vendor: used,
        hardware_decode: decoded.is_some(),
        encoder,
        tonemap,
        burn_in: burned,
        width: size.map(|(w, _)| w),
        height: size.map(|(_, h)| h),
        profile,
        level,
        input_args,
        extra_inputs,
        filter,
        encoder_args,
        rate_args,
        reasons,
    }
}
