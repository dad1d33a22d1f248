//! Jellyfin's `EncodingOptions` (the `encoding` configuration section) as far as the video
//! pipeline uses them, read leniently: keys in any case, booleans and numbers also as strings,
//! lists as arrays or comma strings, anything missing or unreadable at Jellyfin 10.11's default.

use serde_json::Value;

use super::Vendor;

/// The encoding options the video pipeline follows (Jellyfin's names in the docs).
#[derive(Debug, Clone, PartialEq)]
pub struct EncodingOptions {
    /// `HardwareAccelerationType` (`none`, `vaapi`, `qsv`, `nvenc`, `amf`, `videotoolbox`,
    /// `v4l2m2m`, `rkmpp`); `None` for `none` or an unknown name.
    pub hardware_acceleration_type: Option<Vendor>,
    /// `VaapiDevice` (default `/dev/dri/renderD128`).
    pub vaapi_device: String,
    /// `QsvDevice` (default empty: the first render node).
    pub qsv_device: String,
    /// `EnableHardwareEncoding` (default true).
    pub enable_hardware_encoding: bool,
    /// `HardwareDecodingCodecs` (default `h264`, `vc1`), lower case.
    pub hardware_decoding_codecs: Vec<String>,
    /// `EnableDecodingColorDepth10Hevc` (default true).
    pub enable_decoding_color_depth10_hevc: bool,
    /// `EnableDecodingColorDepth10Vp9` (default true).
    pub enable_decoding_color_depth10_vp9: bool,
    /// `EnableEnhancedNvdecDecoder` (default true: NVDEC through `-hwaccel cuda` rather than
    /// the `*_cuvid` decoders).
    pub enable_enhanced_nvdec_decoder: bool,
    /// `PreferSystemNativeHwDecoder` (default true: QSV decodes through VA-API).
    pub prefer_system_native_hw_decoder: bool,
    /// `EnableIntelLowPowerH264HwEncoder` (default false).
    pub enable_intel_low_power_h264_hw_encoder: bool,
    /// `EnableIntelLowPowerHevcHwEncoder` (default false).
    pub enable_intel_low_power_hevc_hw_encoder: bool,
    /// `EnableTonemapping` (default false).
    pub enable_tonemapping: bool,
    /// `EnableVppTonemapping` (default false: Intel VPP tone mapping through `tonemap_vaapi`).
    pub enable_vpp_tonemapping: bool,
    /// `EnableVideoToolboxTonemapping` (default false).
    pub enable_video_toolbox_tonemapping: bool,
    /// `TonemappingAlgorithm` (default `bt2390`), lower case.
    pub tonemapping_algorithm: String,
    /// `TonemappingMode` (default `auto`), lower case.
    pub tonemapping_mode: String,
    /// `TonemappingRange` (default `auto`), lower case.
    pub tonemapping_range: String,
    /// `TonemappingDesat` (default 0).
    pub tonemapping_desat: f64,
    /// `TonemappingPeak` (default 100).
    pub tonemapping_peak: f64,
    /// `TonemappingParam` (default 0: the algorithm's own).
    pub tonemapping_param: f64,
    /// `VppTonemappingBrightness` (default 16).
    pub vpp_tonemapping_brightness: f64,
    /// `VppTonemappingContrast` (default 1).
    pub vpp_tonemapping_contrast: f64,
    /// `H264Crf` (default 23).
    pub h264_crf: i32,
    /// `H265Crf` (default 28).
    pub h265_crf: i32,
    /// `EncoderPreset` (`None`: unset or `auto`, each encoder's default), lower case.
    pub encoder_preset: Option<String>,
    /// `EncodingThreadCount` (default -1: ffmpeg decides).
    pub encoding_thread_count: i32,
    /// `AllowHevcEncoding` (default false).
    pub allow_hevc_encoding: bool,
    /// `AllowAv1Encoding` (default false).
    pub allow_av1_encoding: bool,
    /// `EnableThrottling` (default false).
    pub enable_throttling: bool,
    /// `ThrottleDelaySeconds` (default 180; zero or less reads as the default).
    pub throttle_delay_seconds: u64,
}

impl Default for EncodingOptions {
    /// Jellyfin 10.11's defaults.
    fn default() -> Self {
        Self {
            hardware_acceleration_type: None,
            vaapi_device: "/dev/dri/renderD128".into(),
            qsv_device: String::new(),
            enable_hardware_encoding: true,
            hardware_decoding_codecs: vec!["h264".into(), "vc1".into()],
            enable_decoding_color_depth10_hevc: true,
            enable_decoding_color_depth10_vp9: true,
            enable_enhanced_nvdec_decoder: true,
            prefer_system_native_hw_decoder: true,
            enable_intel_low_power_h264_hw_encoder: false,
            enable_intel_low_power_hevc_hw_encoder: false,
            enable_tonemapping: false,
            enable_vpp_tonemapping: false,
            enable_video_toolbox_tonemapping: false,
            tonemapping_algorithm: "bt2390".into(),
            tonemapping_mode: "auto".into(),
            tonemapping_range: "auto".into(),
            tonemapping_desat: 0.0,
            tonemapping_peak: 100.0,
            tonemapping_param: 0.0,
            vpp_tonemapping_brightness: 16.0,
            vpp_tonemapping_contrast: 1.0,
            h264_crf: 23,
            h265_crf: 28,
            encoder_preset: None,
            encoding_thread_count: -1,
            allow_hevc_encoding: false,
            allow_av1_encoding: false,
            enable_throttling: false,
            throttle_delay_seconds: 180,
        }
    }
}

/// The value of `key` in `section`, the key matched in any case.
fn field<'a>(section: &'a Value, key: &str) -> Option<&'a Value> {
    section
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn boolean(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|n| n.is_finite())
}

fn integer(v: &Value) -> Option<i32> {
    number(v)
        .filter(|n| n.fract() == 0.0 && *n >= f64::from(i32::MIN) && *n <= f64::from(i32::MAX))
        .map(|n| n as i32)
}

fn text(v: &Value) -> Option<String> {
    v.as_str()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn list(v: &Value) -> Option<Vec<String>> {
    let items: Vec<String> = match v {
        Value::Array(a) => a.iter().filter_map(text).collect(),
        Value::String(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => return None,
    };
    Some(items.into_iter().map(|s| s.to_ascii_lowercase()).collect())
}

impl EncodingOptions {
    /// Reads the `encoding` section (`{}` or anything not an object: the defaults).
    pub fn from_json(section: &Value) -> Self {
        let d = Self::default();
        let get = |k: &str| field(section, k);
        let flag = |k: &str, default: bool| get(k).and_then(boolean).unwrap_or(default);
        let num = |k: &str, default: f64| get(k).and_then(number).unwrap_or(default);
        let int = |k: &str, default: i32| get(k).and_then(integer).unwrap_or(default);
        let word = |k: &str, default: &str| {
            get(k)
                .and_then(text)
                .map(|s| s.to_ascii_lowercase())
                .unwrap_or_else(|| default.to_owned())
        };
        Self {
            hardware_acceleration_type: get("HardwareAccelerationType")
                .and_then(text)
                .and_then(|t| Vendor::parse(&t)),
            vaapi_device: get("VaapiDevice").and_then(text).unwrap_or(d.vaapi_device),
            qsv_device: get("QsvDevice").and_then(text).unwrap_or(d.qsv_device),
            enable_hardware_encoding: flag("EnableHardwareEncoding", d.enable_hardware_encoding),
            hardware_decoding_codecs: get("HardwareDecodingCodecs")
                .and_then(list)
                .unwrap_or(d.hardware_decoding_codecs),
            enable_decoding_color_depth10_hevc: flag(
                "EnableDecodingColorDepth10Hevc",
                d.enable_decoding_color_depth10_hevc,
            ),
            enable_decoding_color_depth10_vp9: flag(
                "EnableDecodingColorDepth10Vp9",
                d.enable_decoding_color_depth10_vp9,
            ),
            enable_enhanced_nvdec_decoder: flag(
                "EnableEnhancedNvdecDecoder",
                d.enable_enhanced_nvdec_decoder,
            ),
            prefer_system_native_hw_decoder: flag(
                "PreferSystemNativeHwDecoder",
                d.prefer_system_native_hw_decoder,
            ),
            enable_intel_low_power_h264_hw_encoder: flag(
                "EnableIntelLowPowerH264HwEncoder",
                d.enable_intel_low_power_h264_hw_encoder,
            ),
            enable_intel_low_power_hevc_hw_encoder: flag(
                "EnableIntelLowPowerHevcHwEncoder",
                d.enable_intel_low_power_hevc_hw_encoder,
            ),
            enable_tonemapping: flag("EnableTonemapping", d.enable_tonemapping),
            enable_vpp_tonemapping: flag("EnableVppTonemapping", d.enable_vpp_tonemapping),
            enable_video_toolbox_tonemapping: flag(
                "EnableVideoToolboxTonemapping",
                d.enable_video_toolbox_tonemapping,
            ),
            tonemapping_algorithm: word("TonemappingAlgorithm", &d.tonemapping_algorithm),
            tonemapping_mode: word("TonemappingMode", &d.tonemapping_mode),
            tonemapping_range: word("TonemappingRange", &d.tonemapping_range),
            tonemapping_desat: num("TonemappingDesat", d.tonemapping_desat),
            tonemapping_peak: num("TonemappingPeak", d.tonemapping_peak),
            tonemapping_param: num("TonemappingParam", d.tonemapping_param),
            vpp_tonemapping_brightness: num(
                "VppTonemappingBrightness",
                d.vpp_tonemapping_brightness,
            ),
            vpp_tonemapping_contrast: num("VppTonemappingContrast", d.vpp_tonemapping_contrast),
            h264_crf: int("H264Crf", d.h264_crf),
            h265_crf: int("H265Crf", d.h265_crf),
            encoder_preset: get("EncoderPreset")
                .and_then(text)
                .map(|s| s.to_ascii_lowercase())
                .filter(|s| s != "auto"),
            encoding_thread_count: int("EncodingThreadCount", d.encoding_thread_count),
            allow_hevc_encoding: flag("AllowHevcEncoding", d.allow_hevc_encoding),
            allow_av1_encoding: flag("AllowAv1Encoding", d.allow_av1_encoding),
            enable_throttling: flag("EnableThrottling", d.enable_throttling),
            throttle_delay_seconds: get("ThrottleDelaySeconds")
                .and_then(integer)
                .and_then(|n| u64::try_from(n).ok())
                .filter(|n| *n > 0)
                .unwrap_or(d.throttle_delay_seconds),
        }
    }

    /// How far ahead of the player a job may encode before it is paused (`None`: no
    /// throttling), from `EnableThrottling` and `ThrottleDelaySeconds`.
    pub fn throttle(&self) -> Option<std::time::Duration> {
        self.enable_throttling
            .then(|| std::time::Duration::from_secs(self.throttle_delay_seconds))
    }

    /// Whether `codec` (`h264`, `hevc`...) is in `HardwareDecodingCodecs`.
    pub fn hardware_decodes(&self, codec: &str) -> bool {
        self.hardware_decoding_codecs
            .iter()
            .any(|c| c.eq_ignore_ascii_case(codec))
    }
}
