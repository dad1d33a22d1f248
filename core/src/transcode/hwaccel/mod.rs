//! The video pipeline of a transcode: which hardware (if any) decodes, filters, tone-maps and
//! encodes a video stream, and the `ffmpeg` arguments saying so, as Jellyfin's
//! `EncodingHelper` chooses them.
//!
//! - [`options`]: [`EncodingOptions`], the `encoding` configuration section with Jellyfin's
//!   names and defaults (`HardwareAccelerationType`, `EnableTonemapping`, `H264Crf`...).
//! - [`detect`]: what the installed `ffmpeg` and the devices offer ([`Capabilities`]): the
//!   `-hwaccels`, `-encoders`, `-decoders` and `-filters` listings (pure parsers), render nodes
//!   in a directory, and a tiny test encode per hardware encoder under a timeout; detected once
//!   per [`Transcoder`](super::Transcoder), on first use, off the caller's async runtime.
//! - [`pipeline`]: [`plan`]: from the options, the capabilities, the source video stream, the
//!   wanted output and an optional subtitle to burn in, the [`VideoPipeline`]: hardware or
//!   software decode, scaling and tone mapping on the device or in memory, the encoder, and
//!   every fallback to software with its reason. Each stream falls back on its own: a device
//!   that cannot decode a format still encodes, an encoder that failed its test encode leaves
//!   decoding on the device.
//! - `filters`: the filter texts (per hardware surface family, the software tone-mapping
//!   chain, subtitle burn-in, filter-argument escaping).
//!
//! No HTTP here; the server shows [`Capabilities`] read-only to administrators.

pub mod detect;
mod filters;
pub mod options;
pub mod pipeline;

use std::sync::Arc;

pub use detect::{
    parse_codec_list, parse_filters, parse_hwaccels, parse_version, render_nodes, Capabilities,
    EncoderState, HardwareProbe, VendorStatus,
};
pub use options::EncodingOptions;
pub use pipeline::{
    plan, subtitle_file_start, BurnIn, EncodeTarget, ExtraInput, FilterGraph, PipelineInput,
    ToneMap, VideoPipeline,
};

/// A hardware acceleration method (Jellyfin's `HardwareAccelerationType` values but `none`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Vendor {
    /// VA-API (Intel, AMD on Linux).
    Vaapi,
    /// Intel Quick Sync Video.
    Qsv,
    /// NVIDIA NVENC/NVDEC.
    Nvenc,
    /// AMD AMF.
    Amf,
    /// Apple VideoToolbox.
    VideoToolbox,
    /// V4L2 memory-to-memory encoders (Raspberry Pi).
    V4l2m2m,
    /// Rockchip MPP.
    Rkmpp,
}

impl Vendor {
    /// Every method, in Jellyfin's order of the settings page.
    pub const ALL: [Vendor; 7] = [
        Vendor::Amf,
        Vendor::Qsv,
        Vendor::Nvenc,
        Vendor::V4l2m2m,
        Vendor::Vaapi,
        Vendor::VideoToolbox,
        Vendor::Rkmpp,
    ];

    /// Jellyfin's name (`vaapi`, `qsv`, `nvenc`, `amf`, `videotoolbox`, `v4l2m2m`, `rkmpp`),
    /// which is also the suffix of its encoders (`h264_vaapi`).
    pub fn name(self) -> &'static str {
        match self {
            Vendor::Vaapi => "vaapi",
            Vendor::Qsv => "qsv",
            Vendor::Nvenc => "nvenc",
            Vendor::Amf => "amf",
            Vendor::VideoToolbox => "videotoolbox",
            Vendor::V4l2m2m => "v4l2m2m",
            Vendor::Rkmpp => "rkmpp",
        }
    }

    /// Parses Jellyfin's name (any case); `none`, empty and unknown names are `None`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|v| v.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The hardware encoder of `codec` (`h264_vaapi`).
    pub fn encoder(self, codec: VideoCodec) -> String {
        format!("{}_{}", codec.name(), self.name())
    }
}

impl std::fmt::Display for Vendor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A video codec the transcoder encodes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VideoCodec {
    /// H.264 / AVC (8-bit, 4:2:0).
    H264,
    /// HEVC (Main, 8-bit: Jellyfin only transcodes to 8-bit HEVC).
    Hevc,
}

impl VideoCodec {
    /// ffmpeg's codec name (`h264`, `hevc`).
    pub fn name(self) -> &'static str {
        match self {
            VideoCodec::H264 => "h264",
            VideoCodec::Hevc => "hevc",
        }
    }

    /// The software encoder (`libx264`, `libx265`).
    pub fn software_encoder(self) -> &'static str {
        match self {
            VideoCodec::H264 => "libx264",
            VideoCodec::Hevc => "libx265",
        }
    }
}

/// What encodes may use: the `encoding` options and, when they need it, what this machine
/// offers. Without capabilities (hardware off, tone mapping off) nothing is detected and the
/// software filters are assumed present.
#[derive(Debug, Clone, Default)]
pub struct EncoderSetup {
    /// The `encoding` section.
    pub options: EncodingOptions,
    /// What the installed `ffmpeg` and devices offer (`None`: not detected).
    pub capabilities: Option<Arc<Capabilities>>,
}

impl EncoderSetup {
    /// Jellyfin's default options, nothing detected: software decode and encode.
    pub fn software() -> Self {
        Self::default()
    }

    /// Whether `options` need the detected capabilities (a hardware method is set, or HDR is
    /// to be tone-mapped: the software chain needs `zscale`).
    pub fn needs_capabilities(options: &EncodingOptions) -> bool {
        options.hardware_acceleration_type.is_some() || options.enable_tonemapping
    }
}

impl super::Transcoder {
    /// The setup for encodes under the `encoding` configuration section `section`: its
    /// options, and the capabilities when they need them (detected on the first call, which
    /// blocks for the listings and test encodes; cached after).
    pub fn encoder_setup(&self, section: &serde_json::Value) -> EncoderSetup {
        let options = EncodingOptions::from_json(section);
        let capabilities = EncoderSetup::needs_capabilities(&options).then(|| self.capabilities());
        EncoderSetup {
            options,
            capabilities,
        }
    }
}

#[cfg(test)]
mod tests;
