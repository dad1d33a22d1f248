//! Filter texts of the video pipeline: per hardware surface family (scale, download, upload,
//! overlay), tone mapping (the software `zscale`/`tonemap` chain and the hardware filters),
//! subtitle burn-in (the `subtitles`/`ass` filters, the picture-subtitle canvas fit) and the
//! escaping of paths inside filter arguments.

use std::path::Path;

use super::options::EncodingOptions;

/// Where hardware frames live: the device family of a filter graph stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// VA-API surfaces (VA-API, and QSV decoding natively).
    Vaapi,
    /// QSV surfaces.
    Qsv,
    /// CUDA frames (NVDEC, NVENC).
    Cuda,
    /// VideoToolbox pixel buffers.
    VideoToolbox,
    /// DRM PRIME frames (Rockchip MPP).
    Drm,
    /// OpenCL images (tone mapping).
    OpenCl,
}

impl Family {
    /// The device type name (`derive_device=`, `-init_hw_device`).
    pub(crate) fn device(self) -> &'static str {
        match self {
            Family::Vaapi => "vaapi",
            Family::Qsv => "qsv",
            Family::Cuda => "cuda",
            Family::VideoToolbox => "videotoolbox",
            Family::Drm => "rkmpp",
            Family::OpenCl => "opencl",
        }
    }

    /// The hardware pixel format (`format=` after a mapping).
    pub(crate) fn surface(self) -> &'static str {
        match self {
            Family::Vaapi => "vaapi",
            Family::Qsv => "qsv",
            Family::Cuda => "cuda",
            Family::VideoToolbox => "videotoolbox_vld",
            Family::Drm => "drm_prime",
            Family::OpenCl => "opencl",
        }
    }

    /// The 8-bit format frames of this family are converted to for an encoder.
    pub(crate) fn eight_bit(self) -> &'static str {
        match self {
            Family::Cuda => "yuv420p",
            _ => "nv12",
        }
    }

    /// The scaling filter.
    pub(crate) fn scale_filter(self) -> &'static str {
        match self {
            Family::Vaapi => "scale_vaapi",
            Family::Qsv => "scale_qsv",
            Family::Cuda => "scale_cuda",
            Family::VideoToolbox => "scale_vt",
            Family::Drm => "scale_rkrga",
            Family::OpenCl => "scale_opencl",
        }
    }

    /// The scaling filter to `size` and/or `format` (`None` when neither changes).
    pub(crate) fn scale(self, size: Option<(i32, i32)>, format: Option<&str>) -> Option<String> {
        if size.is_none() && format.is_none() {
            return None;
        }
        let mut args = Vec::new();
        if let Some((w, h)) = size {
            args.push(format!("w={w}"));
            args.push(format!("h={h}"));
        }
        if let Some(f) = format {
            args.push(format!("format={f}"));
        }
        match self {
            // Extra surfaces for the VPP, as Jellyfin allocates them.
            Family::Vaapi => args.push("extra_hw_frames=24".into()),
            Family::Drm => args.push("afbc=1".into()),
            _ => {}
        }
        Some(format!("{}={}", self.scale_filter(), args.join(":")))
    }

    /// The overlay filter of this family.
    pub(crate) fn overlay_filter(self) -> &'static str {
        match self {
            Family::Vaapi => "overlay_vaapi",
            Family::Qsv => "overlay_qsv",
            Family::Cuda => "overlay_cuda",
            Family::VideoToolbox => "overlay_videotoolbox",
            Family::Drm => "overlay_rkrga",
            Family::OpenCl => "overlay_opencl",
        }
    }

    /// The software format subtitle pictures are uploaded in for this family's overlay.
    pub(crate) fn overlay_input_format(self) -> &'static str {
        match self {
            Family::Cuda | Family::OpenCl => "yuva420p",
            _ => "bgra",
        }
    }

    /// The upload of memory frames to this family's device (the filter device).
    pub(crate) fn upload(self) -> String {
        match self {
            // QSV needs a fixed pool.
            Family::Qsv => "hwupload=extra_hw_frames=64".into(),
            _ => "hwupload".into(),
        }
    }

    /// The upload of a subtitle picture to this family's device.
    pub(crate) fn upload_subtitle(self) -> String {
        match self {
            Family::Qsv => "hwupload=derive_device=qsv:extra_hw_frames=64".into(),
            f => format!("hwupload=derive_device={}", f.device()),
        }
    }
}

/// A number as .NET prints it in Jellyfin's filter texts (`0`, `0.5`, `100`).
pub(crate) fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Tags the frames with the HDR source's colours, so the tone mapper knows what it reads
/// (Jellyfin's `GetInputHdrParam`).
pub(crate) fn hdr_input_tags(transfer: &str) -> String {
    format!("setparams=color_primaries=bt2020:color_trc={transfer}:colorspace=bt2020nc")
}

/// The algorithm of ffmpeg's own `tonemap`/`tonemap_opencl` filters for Jellyfin's
/// `TonemappingAlgorithm` (`bt2390` exists only in jellyfin-ffmpeg: `hable` instead, with the
/// reason).
pub(crate) fn stock_algorithm(options: &EncodingOptions) -> (String, Option<String>) {
    let wanted = options.tonemapping_algorithm.as_str();
    match wanted {
        "none" | "clip" | "linear" | "gamma" | "reinhard" | "hable" | "mobius" => {
            (wanted.to_owned(), None)
        }
        other => (
            "hable".to_owned(),
            Some(format!(
                "tone-mapping algorithm {other} is not in ffmpeg's tonemap filters: hable"
            )),
        ),
    }
}

/// The range of the tone-mapped output (`TonemappingRange`: `pc` or, for `auto`/`tv`, `tv`).
fn output_range(options: &EncodingOptions) -> &'static str {
    if options.tonemapping_range == "pc" {
        "pc"
    } else {
        "tv"
    }
}

/// The software HDR → SDR chain: linear light at 100 nits, BT.709 primaries, the tone curve,
/// then BT.709 transfer and matrix, 8-bit 4:2:0.
pub(crate) fn software_tonemap(options: &EncodingOptions, algorithm: &str) -> String {
    let mut curve = format!(
        "tonemap=tonemap={algorithm}:desat={}",
        number(options.tonemapping_desat)
    );
    if options.tonemapping_param != 0.0 {
        curve.push_str(&format!(":param={}", number(options.tonemapping_param)));
    }
    format!(
        "zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,{curve},\
         zscale=t=bt709:m=bt709:r={},format=yuv420p",
        output_range(options)
    )
}

/// Jellyfin's common arguments of the OpenCL/CUDA/Metal tone mappers.
fn hardware_tonemap_args(options: &EncodingOptions, format: &str, algorithm: &str) -> String {
    let mut args = format!(
        "format={format}:p=bt709:t=bt709:m=bt709:tonemap={algorithm}:peak={}:desat={}",
        number(options.tonemapping_peak),
        number(options.tonemapping_desat)
    );
    if options.tonemapping_param != 0.0 {
        args.push_str(&format!(":param={}", number(options.tonemapping_param)));
    }
    if matches!(options.tonemapping_range.as_str(), "tv" | "pc") {
        args.push_str(&format!(":range={}", options.tonemapping_range));
    }
    args
}

/// `tonemap_opencl` to NV12.
pub(crate) fn opencl_tonemap(options: &EncodingOptions, algorithm: &str) -> String {
    format!(
        "tonemap_opencl={}",
        hardware_tonemap_args(options, "nv12", algorithm)
    )
}

/// `tonemap_cuda` (jellyfin-ffmpeg) to YUV 4:2:0.
pub(crate) fn cuda_tonemap(options: &EncodingOptions) -> String {
    format!(
        "tonemap_cuda={}",
        hardware_tonemap_args(options, "yuv420p", &options.tonemapping_algorithm)
    )
}

/// `tonemap_videotoolbox` (Metal, jellyfin-ffmpeg) to NV12.
pub(crate) fn metal_tonemap(options: &EncodingOptions) -> String {
    format!(
        "tonemap_videotoolbox={}",
        hardware_tonemap_args(options, "nv12", &options.tonemapping_algorithm)
    )
}

/// Intel's VPP tone mapping: brightness/contrast, then `tonemap_vaapi` to BT.709 NV12.
pub(crate) fn vpp_tonemap(options: &EncodingOptions) -> String {
    format!(
        "procamp_vaapi=b={}:c={},tonemap_vaapi=format=nv12:p=bt709:t=bt709:m=bt709:extra_hw_frames=32",
        number(options.vpp_tonemapping_brightness),
        number(options.vpp_tonemapping_contrast)
    )
}

/// The arguments making `scale_vt` tone-map to BT.709.
pub(crate) const VT_TONEMAP_ARGS: &str =
    "color_matrix=bt709:color_primaries=bt709:color_transfer=bt709";

/// A path as a filter option value inside a filter graph: escaped for the option parser
/// (`\`, `'`, `:`) and then for the graph parser (`\`, `'`, `[`, `]`, `,`, `;`), so that any
/// file name reaches the filter unchanged. `None` for a path that is not UTF-8.
pub(crate) fn escape_path(path: &Path) -> Option<String> {
    let text = path.to_str()?;
    let mut option = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '\'' | ':') {
            option.push('\\');
        }
        option.push(c);
    }
    let mut graph = String::with_capacity(option.len());
    for c in option.chars() {
        if matches!(c, '\\' | '\'' | '[' | ']' | ',' | ';') {
            graph.push('\\');
        }
        graph.push(c);
    }
    Some(graph)
}

/// The text-subtitle renderer: `subtitles` on the `si`-th subtitle stream of the media file
/// (its font attachments are loaded with it), `subtitles` on an external SubRip/WebVTT file, or
/// `ass` on an external ASS/SSA file. Timestamps are the media's (the job copies them), so no
/// shift is needed after a seek.
pub(crate) fn text_subtitles(file: &str, stream: Option<usize>, ass_file: bool) -> String {
    match (stream, ass_file) {
        (Some(si), _) => format!("subtitles=f={file}:si={si}"),
        (None, true) => format!("ass=f={file}"),
        (None, false) => format!("subtitles=f={file}"),
    }
}

/// Fits a subtitle picture canvas into the output `w`x`h`: scaled down keeping its aspect,
/// centred on a transparent `w`x`h` canvas.
pub(crate) fn fit_subtitle_canvas(w: i32, h: i32) -> String {
    format!(
        "scale={w}:{h}:force_original_aspect_ratio=decrease,\
         pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=black@0"
    )
}

/// The software overlay of subtitle pictures (passes the video on when they end).
pub(crate) const SOFTWARE_OVERLAY: &str = "overlay=eof_action=pass:repeatlast=0";
