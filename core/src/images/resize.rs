//! Resizing artwork for clients: the sizing rules of Jellyfin's image endpoint
//! (`maxWidth`, `maxHeight`, `width`, `height`, `fillWidth`, `fillHeight`, `quality`, `format`,
//! `blur`) applied to one image file.
//!
//! Sizing follows `DrawingUtils.Resize` then `DrawingUtils.ResizeFill` in Jellyfin 10.11 (see
//! [`ResizeRequest::target_size`]), with two deliberate differences: the aspect ratio is always
//! kept (Jellyfin stretches to exactly `width`×`height` when both are given; here they are a box
//! the image fits in) and an image is never scaled up (Jellyfin scales up for `width`/`height`).
//!
//! A request that changes nothing (same size, no blur, same format, and quality at least 90 for
//! JPEG, as `ImageProcessingOptions.HasDefaultOptions` counts it) returns the file's own bytes
//! untouched. GIF and SVG files are always returned untouched, whatever the request: Jellyfin
//! passes GIFs through to keep animations, and SVG is not rasterised by this crate.
//!
//! Output formats are JPEG, PNG and WebP. The `image` crate only writes lossless WebP, so a WebP
//! output is lossless (`quality` does not apply) and is much larger than a JPEG of the same
//! image; a server choosing the format from the `Accept` header should prefer JPEG (or PNG for
//! transparent sources) and use WebP only when a client asks for it with `format=webp`.
//!
//! Decoding is bounded like [`super::image_info`]: the same file size, pixel count and memory
//! limits apply before any pixel is decoded, and requested sizes above [`MAX_TARGET_SIDE`] are
//! refused. EXIF orientation is not applied (as for Jellyfin's non-photo items).

use std::io::Cursor;
use std::path::Path;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageReader, Limits, RgbImage};

use super::{ImageError, ImageFormat, MAX_DECODED_BYTES, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE};

/// The largest width or height a request may ask for (any of its six size parameters). Larger
/// values are refused with [`ImageError::TooLarge`] (a server should answer 400 beforehand; see
/// [`ResizeRequest::is_within_limits`]).
pub const MAX_TARGET_SIDE: u32 = MAX_IMAGE_SIDE;
/// The JPEG quality used when a request gives none (Jellyfin's default).
pub const DEFAULT_QUALITY: u8 = 90;
/// The largest blur radius (Gaussian sigma, in output pixels) applied; larger values are
/// clamped to it.
pub const MAX_BLUR: u32 = 100;

/// An image format this module can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    /// JPEG, at the request's quality.
    Jpeg,
    /// PNG (lossless; quality does not apply).
    Png,
    /// WebP, lossless (the `image` crate has no lossy WebP encoder; quality does not apply).
    Webp,
}

impl OutputFormat {
    /// Parses Jellyfin's `format` query value, case-insensitively: `jpg`/`jpeg`, `png`, `webp`.
    /// Other values (`gif`, `bmp`, `svg`, unknown) give `None`: the caller then keeps the
    /// source's format or picks one itself.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "jpg" | "jpeg" => Some(Self::Jpeg),
            "png" => Some(Self::Png),
            "webp" => Some(Self::Webp),
            _ => None,
        }
    }

    /// The same format as an [`ImageFormat`] (for its MIME type and extension).
    pub fn image_format(self) -> ImageFormat {
        match self {
            Self::Jpeg => ImageFormat::Jpeg,
            Self::Png => ImageFormat::Png,
            Self::Webp => ImageFormat::Webp,
        }
    }

    /// The MIME type (`image/jpeg`, `image/png`, `image/webp`).
    pub fn mime_type(self) -> &'static str {
        self.image_format().mime_type()
    }

    /// The usual file extension, without a dot (`jpg`, `png`, `webp`).
    pub fn extension(self) -> &'static str {
        self.image_format().extension()
    }

    /// The output format for an [`ImageFormat`], if this module can write it (`None` for GIF
    /// and SVG).
    pub fn from_image_format(f: ImageFormat) -> Option<Self> {
        match f {
            ImageFormat::Jpeg => Some(Self::Jpeg),
            ImageFormat::Png => Some(Self::Png),
            ImageFormat::Webp => Some(Self::Webp),
            _ => None,
        }
    }
}

impl From<OutputFormat> for ImageFormat {
    fn from(f: OutputFormat) -> Self {
        f.image_format()
    }
}

/// What a client asked for, from the image endpoint's query. Every field is optional; a
/// size of `0` means absent, as in Jellyfin.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ResizeRequest {
    /// `maxWidth`: scale down so the width is at most this.
    pub max_width: Option<u32>,
    /// `maxHeight`: scale down so the height is at most this.
    pub max_height: Option<u32>,
    /// `width`: the wanted width (the height follows the aspect ratio). With `height`, a box
    /// the image is fitted in.
    pub width: Option<u32>,
    /// `height`: the wanted height (the width follows the aspect ratio). With `width`, a box
    /// the image is fitted in.
    pub height: Option<u32>,
    /// `fillWidth`: with `fill_height`, a box the result must cover; alone, the wanted width.
    pub fill_width: Option<u32>,
    /// `fillHeight`: with `fill_width`, a box the result must cover; alone, the wanted height.
    pub fill_height: Option<u32>,
    /// `quality` (1–100, JPEG only); [`DEFAULT_QUALITY`] when absent, clamped to 1–100.
    pub quality: Option<u8>,
    /// `format`: the output format; `None` keeps the source's format.
    pub format: Option<OutputFormat>,
    /// `blur`: a Gaussian blur radius (sigma) applied after resizing, clamped to
    /// [`MAX_BLUR`]; `0` means none.
    pub blur: Option<u32>,
}

/// `Some(v)` for a positive value, `None` for absent or zero.
fn positive(v: Option<u32>) -> Option<u32> {
    v.filter(|&v| v > 0)
}

/// C#'s `Convert.ToInt32((double)num / den * dim)`: rounds half to even.
fn scale(dim: u32, num: u32, den: u32) -> u32 {
    let v = (f64::from(num) / f64::from(den) * f64::from(dim)).round_ties_even();
    // `as` saturates; the inputs are bounded by MAX_TARGET_SIDE and MAX_IMAGE_SIDE anyway.
    v as u32
}

/// `ceil(a * b / c)` in integers.
fn ceil_mul_div(a: u32, b: u32, c: u32) -> u32 {
    let (a, b, c) = (u64::from(a), u64::from(b), u64::from(c));
    u32::try_from((a * b).div_ceil(c)).unwrap_or(u32::MAX)
}

impl ResizeRequest {
    /// The quality used for JPEG output: the request's, clamped to 1–100, or
    /// [`DEFAULT_QUALITY`].
    pub fn effective_quality(&self) -> u8 {
        self.quality.unwrap_or(DEFAULT_QUALITY).clamp(1, 100)
    }

    /// The blur radius applied: `0` for none, at most [`MAX_BLUR`].
    pub fn effective_blur(&self) -> u32 {
        self.blur.unwrap_or(0).min(MAX_BLUR)
    }

    /// Whether every requested size is at most [`MAX_TARGET_SIDE`]. [`resize`] refuses requests
    /// that are not.
    pub fn is_within_limits(&self) -> bool {
        [
            self.max_width,
            self.max_height,
            self.width,
            self.height,
            self.fill_width,
            self.fill_height,
        ]
        .iter()
        .all(|v| v.unwrap_or(0) <= MAX_TARGET_SIDE)
    }

    /// The output size for a `width`×`height` source, in Jellyfin's order:
    ///
    /// 1. `width`/`height`: one alone sets that side and scales the other by the aspect ratio;
    ///    both fit the image in that box (aspect kept; Jellyfin would stretch).
    /// 2. `maxHeight`, then `maxWidth`: scale down to fit, aspect kept.
    /// 3. `fillWidth`/`fillHeight`: scale down to the smallest size covering the box (a side
    ///    left out counts as 1), sides rounded up; unchanged if the image does not cover the
    ///    box.
    /// 4. Never larger than the source: a result wider or taller than the source is the source
    ///    size. Each side is at least 1.
    ///
    /// Sides scaled in steps 1–2 are rounded half to even, as C#'s `Convert.ToInt32`. A zero
    /// source size is returned as is.
    pub fn target_size(&self, width: u32, height: u32) -> (u32, u32) {
        let (w0, h0) = (width, height);
        if w0 == 0 || h0 == 0 {
            return (w0, h0);
        }
        let (mut w, mut h) = (w0, h0);
        match (positive(self.width), positive(self.height)) {
            (Some(tw), Some(th)) => {
                // tw / w <= th / h: the width limits.
                if u64::from(tw) * u64::from(h) <= u64::from(th) * u64::from(w) {
                    h = scale(h, tw, w);
                    w = tw;
                } else {
                    w = scale(w, th, h);
                    h = th;
                }
            }
            (None, Some(th)) => {
                w = scale(w, th, h);
                h = th;
            }
            (Some(tw), None) => {
                h = scale(h, tw, w);
                w = tw;
            }
            (None, None) => {}
        }
        if let Some(mh) = positive(self.max_height) {
            if mh < h && h > 0 {
                w = scale(w, mh, h);
                h = mh;
            }
        }
        if let Some(mw) = positive(self.max_width) {
            if mw < w && w > 0 {
                h = scale(h, mw, w);
                w = mw;
            }
        }
        let (fw, fh) = (positive(self.fill_width), positive(self.fill_height));
        if (fw.is_some() || fh.is_some()) && w > 0 && h > 0 {
            let (fw, fh) = (fw.unwrap_or(1), fh.unwrap_or(1));
            // Jellyfin: ratio = min(w / fw, h / fh); unchanged if ratio < 1; else each side
            // divided by ratio, rounded up. Computed exactly in integers.
            if u64::from(w) * u64::from(fh) <= u64::from(h) * u64::from(fw) {
                if w >= fw {
                    h = ceil_mul_div(h, fw, w);
                    w = fw;
                }
            } else if h >= fh {
                w = ceil_mul_div(w, fh, h);
                h = fh;
            }
        }
        if w > w0 || h > h0 {
            return (w0, h0);
        }
        (w.max(1), h.max(1))
    }
}

/// The result of [`resize_bytes`]: the source untouched, or a new encoding.
#[derive(Debug)]
pub(super) struct Resized {
    /// The image bytes.
    pub bytes: Vec<u8>,
    /// Their format.
    pub format: ImageFormat,
    /// Whether `bytes` are the source's own bytes.
    pub original: bool,
}

/// Resizes the image file at `src` as `req` asks. Returns the encoded image and its format.
///
/// A request that changes nothing returns the file's bytes untouched with the format found in
/// its content; so do GIF and SVG files (see the module documentation). Otherwise the image is
/// decoded, resized to [`ResizeRequest::target_size`] (Catmull-Rom filter), blurred if asked,
/// and encoded as `req.format` or, without one, the source's format. Transparent images are
/// composited over black for JPEG output.
///
/// # Errors
///
/// [`ImageError::TooLarge`] for a request above [`MAX_TARGET_SIDE`] (with the requested
/// sizes) or a source above the decoding limits; otherwise the same errors as
/// [`super::image_info`] for unreadable, empty, unknown, unsupported, truncated or corrupt
/// files. An encoder failure (not expected for these formats) is reported as
/// [`ImageError::Decode`].
pub fn resize(src: &Path, req: &ResizeRequest) -> Result<(Vec<u8>, ImageFormat), ImageError> {
    resize_file(src, req).map(|r| (r.bytes, r.format))
}

/// [`resize`], also telling whether the result is the source untouched.
pub(super) fn resize_file(src: &Path, req: &ResizeRequest) -> Result<Resized, ImageError> {
    if !req.is_within_limits() {
        return Err(request_too_large(src, req));
    }
    let bytes = super::read_bounded(src)?;
    resize_bytes(bytes, src, req)
}

/// The error for a request above [`MAX_TARGET_SIDE`]: the largest requested width and height.
fn request_too_large(src: &Path, req: &ResizeRequest) -> ImageError {
    let w = [req.max_width, req.width, req.fill_width];
    let h = [req.max_height, req.height, req.fill_height];
    let max = |v: [Option<u32>; 3]| v.iter().map(|x| x.unwrap_or(0)).max().unwrap_or(0);
    ImageError::TooLarge {
        path: src.to_path_buf(),
        width: max(w),
        height: max(h),
    }
}

/// Resizes an image held in memory (`path` names it in errors).
fn resize_bytes(bytes: Vec<u8>, path: &Path, req: &ResizeRequest) -> Result<Resized, ImageError> {
    let p = || path.to_path_buf();
    if bytes.is_empty() {
        return Err(ImageError::Empty { path: p() });
    }
    let original = |bytes, format| {
        Ok(Resized {
            bytes,
            format,
            original: true,
        })
    };
    let Ok(format) = image::guess_format(&bytes) else {
        // Not a raster format: an SVG is passed through once it parses, anything else fails.
        super::svg::info(&bytes, path)?;
        return original(bytes, ImageFormat::Svg);
    };
    let source = match format {
        image::ImageFormat::Jpeg => ImageFormat::Jpeg,
        image::ImageFormat::Png => ImageFormat::Png,
        image::ImageFormat::WebP => ImageFormat::Webp,
        image::ImageFormat::Gif => ImageFormat::Gif,
        other => {
            return Err(ImageError::UnsupportedFormat {
                path: p(),
                format: format!("{other:?}"),
            })
        }
    };
    if source == ImageFormat::Jpeg && !super::jpeg::is_complete(&bytes) {
        return Err(ImageError::Truncated { path: p() });
    }

    let decode_err = |source| ImageError::Decode { path: p(), source };
    let decoder = {
        let mut reader = ImageReader::with_format(Cursor::new(&bytes[..]), format);
        let mut limits = Limits::default();
        limits.max_alloc = Some(MAX_DECODED_BYTES + MAX_DECODED_BYTES / 2);
        reader.limits(limits);
        reader.into_decoder().map_err(decode_err)?
    };
    let (w0, h0) = decoder.dimensions();
    if w0 == 0
        || h0 == 0
        || w0 > MAX_IMAGE_SIDE
        || h0 > MAX_IMAGE_SIDE
        || u64::from(w0) * u64::from(h0) > MAX_IMAGE_PIXELS
        || decoder.total_bytes() > MAX_DECODED_BYTES
    {
        return Err(ImageError::TooLarge {
            path: p(),
            width: w0,
            height: h0,
        });
    }
    let Some(own) = OutputFormat::from_image_format(source) else {
        // GIF: passed through, as Jellyfin does (animations survive).
        drop(decoder);
        return original(bytes, source);
    };

    let out = req.format.unwrap_or(own);
    let quality = req.effective_quality();
    let blur = req.effective_blur();
    let (tw, th) = req.target_size(w0, h0);
    let unchanged = (tw, th) == (w0, h0)
        && blur == 0
        && out == own
        && (out != OutputFormat::Jpeg || quality >= DEFAULT_QUALITY);
    if unchanged {
        drop(decoder);
        return original(bytes, source);
    }

    let mut image = DynamicImage::from_decoder(decoder).map_err(decode_err)?;
    drop(bytes);
    if (tw, th) != (w0, h0) {
        image = image.resize_exact(tw, th, FilterType::CatmullRom);
    }
    if blur > 0 {
        image = image.fast_blur(blur as f32);
    }
    let encoded = encode(&image, out, quality).map_err(decode_err)?;
    Ok(Resized {
        bytes: encoded,
        format: out.image_format(),
        original: false,
    })
}

/// Encodes `image` as `format` (8-bit RGB or RGBA; JPEG without alpha).
fn encode(image: &DynamicImage, format: OutputFormat, quality: u8) -> image::ImageResult<Vec<u8>> {
    let mut out = Vec::new();
    let alpha = image.color().has_alpha();
    match format {
        OutputFormat::Jpeg => {
            let rgb = if alpha {
                over_black(image)
            } else {
                image.to_rgb8()
            };
            DynamicImage::ImageRgb8(rgb)
                .write_with_encoder(JpegEncoder::new_with_quality(&mut out, quality))?;
        }
        OutputFormat::Png | OutputFormat::Webp => {
            let img = if alpha {
                DynamicImage::ImageRgba8(image.to_rgba8())
            } else {
                DynamicImage::ImageRgb8(image.to_rgb8())
            };
            if format == OutputFormat::Png {
                img.write_with_encoder(PngEncoder::new(&mut out))?;
            } else {
                img.write_with_encoder(WebPEncoder::new_lossless(&mut out))?;
            }
        }
    }
    Ok(out)
}

/// `image` composited over black (JPEG has no alpha channel).
fn over_black(image: &DynamicImage) -> RgbImage {
    let rgba = image.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let m = |c: u8| ((u16::from(c) * u16::from(a) + 127) / 255) as u8;
        image::Rgb([m(r), m(g), m(b)])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage, Rgba, RgbaImage};
    use std::path::PathBuf;

    fn req() -> ResizeRequest {
        ResizeRequest::default()
    }

    #[test]
    fn sizing_rules_table() {
        type Case = (&'static str, (u32, u32), ResizeRequest, (u32, u32));
        let cases: Vec<Case> = vec![
            ("nothing", (1000, 1500), req(), (1000, 1500)),
            (
                "maxWidth only",
                (1000, 1500),
                ResizeRequest {
                    max_width: Some(400),
                    ..req()
                },
                (400, 600),
            ),
            (
                "maxHeight only",
                (1920, 1080),
                ResizeRequest {
                    max_height: Some(360),
                    ..req()
                },
                (640, 360),
            ),
            (
                "maxWidth and maxHeight: the tighter wins",
                (1920, 1080),
                ResizeRequest {
                    max_width: Some(300),
                    max_height: Some(300),
                    ..req()
                },
                (300, 169),
            ),
            (
                "maxWidth larger than the image: unchanged",
                (500, 750),
                ResizeRequest {
                    max_width: Some(1000),
                    ..req()
                },
                (500, 750),
            ),
            (
                "width only",
                (1000, 1500),
                ResizeRequest {
                    width: Some(200),
                    ..req()
                },
                (200, 300),
            ),
            (
                "height only",
                (1920, 1080),
                ResizeRequest {
                    height: Some(540),
                    ..req()
                },
                (960, 540),
            ),
            (
                "width and height: fit in the box, aspect kept",
                (1920, 1080),
                ResizeRequest {
                    width: Some(400),
                    height: Some(400),
                    ..req()
                },
                (400, 225),
            ),
            (
                "width and height, height limits",
                (1000, 1500),
                ResizeRequest {
                    width: Some(400),
                    height: Some(300),
                    ..req()
                },
                (200, 300),
            ),
            (
                "width then maxWidth",
                (1000, 1500),
                ResizeRequest {
                    width: Some(800),
                    max_width: Some(100),
                    ..req()
                },
                (100, 150),
            ),
            (
                "fill: poster into a card box covers the box",
                (1000, 1500),
                ResizeRequest {
                    fill_width: Some(300),
                    fill_height: Some(300),
                    ..req()
                },
                (300, 450),
            ),
            (
                "fill: backdrop into a square box covers it",
                (1920, 1080),
                ResizeRequest {
                    fill_width: Some(300),
                    fill_height: Some(300),
                    ..req()
                },
                (534, 300),
            ),
            (
                "fill: exact aspect",
                (1000, 1500),
                ResizeRequest {
                    fill_width: Some(300),
                    fill_height: Some(450),
                    ..req()
                },
                (300, 450),
            ),
            (
                "fillWidth only",
                (1920, 1080),
                ResizeRequest {
                    fill_width: Some(480),
                    ..req()
                },
                (480, 270),
            ),
            (
                "fillHeight only",
                (1000, 1500),
                ResizeRequest {
                    fill_height: Some(300),
                    ..req()
                },
                (200, 300),
            ),
            (
                "fill: sides rounded up",
                (1000, 1001),
                ResizeRequest {
                    fill_width: Some(3),
                    fill_height: Some(3),
                    ..req()
                },
                (3, 4),
            ),
            (
                "fill larger than the image: unchanged",
                (200, 300),
                ResizeRequest {
                    fill_width: Some(400),
                    fill_height: Some(400),
                    ..req()
                },
                (200, 300),
            ),
            (
                "fill box wider than the image: unchanged",
                (200, 300),
                ResizeRequest {
                    fill_width: Some(250),
                    fill_height: Some(100),
                    ..req()
                },
                (200, 300),
            ),
            (
                "never upscale: width",
                (200, 300),
                ResizeRequest {
                    width: Some(400),
                    ..req()
                },
                (200, 300),
            ),
            (
                "never upscale: width and height",
                (200, 300),
                ResizeRequest {
                    width: Some(1000),
                    height: Some(1000),
                    ..req()
                },
                (200, 300),
            ),
            (
                "zero means absent",
                (200, 300),
                ResizeRequest {
                    max_width: Some(0),
                    fill_height: Some(0),
                    width: Some(0),
                    ..req()
                },
                (200, 300),
            ),
            (
                "rounding half to even (C# Convert.ToInt32)",
                (10, 5),
                ResizeRequest {
                    max_width: Some(5),
                    ..req()
                },
                (5, 2),
            ),
            (
                "at least one pixel",
                (10_000, 10),
                ResizeRequest {
                    max_width: Some(100),
                    ..req()
                },
                (100, 1),
            ),
            ("zero source", (0, 0), req(), (0, 0)),
        ];
        for (name, (w, h), r, want) in cases {
            assert_eq!(r.target_size(w, h), want, "{name}");
        }
    }

    #[test]
    fn output_format_parse_and_quality() {
        assert_eq!(OutputFormat::parse("JPG"), Some(OutputFormat::Jpeg));
        assert_eq!(OutputFormat::parse("jpeg"), Some(OutputFormat::Jpeg));
        assert_eq!(OutputFormat::parse("Png"), Some(OutputFormat::Png));
        assert_eq!(OutputFormat::parse("webp"), Some(OutputFormat::Webp));
        assert_eq!(OutputFormat::parse("gif"), None);
        assert_eq!(OutputFormat::Webp.mime_type(), "image/webp");
        assert_eq!(OutputFormat::Jpeg.extension(), "jpg");
        assert_eq!(req().effective_quality(), 90);
        let q = |v| {
            ResizeRequest {
                quality: Some(v),
                ..req()
            }
            .effective_quality()
        };
        assert_eq!((q(0), q(50), q(255)), (1, 50, 100));
        let b = ResizeRequest {
            blur: Some(10_000),
            ..req()
        };
        assert_eq!(b.effective_blur(), MAX_BLUR);
    }

    fn gradient(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            Rgb([
                (x * 255 / w) as u8,
                (y * 255 / h) as u8,
                ((x + y) % 256) as u8,
            ])
        })
    }

    fn write(dir: &Path, name: &str, img: DynamicImage, format: image::ImageFormat) -> PathBuf {
        let p = dir.join(name);
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        std::fs::write(&p, out.into_inner()).unwrap();
        p
    }

    fn decoded(bytes: &[u8]) -> (image::ImageFormat, DynamicImage) {
        let f = image::guess_format(bytes).unwrap();
        (f, image::load_from_memory(bytes).unwrap())
    }

    #[test]
    fn no_change_returns_original_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let jpg = write(
            dir.path(),
            "a.jpg",
            gradient(64, 96).into(),
            image::ImageFormat::Jpeg,
        );
        let original = std::fs::read(&jpg).unwrap();
        let unchanged = [
            req(),
            ResizeRequest {
                max_width: Some(64),
                quality: Some(96),
                ..req()
            },
            ResizeRequest {
                fill_width: Some(100),
                fill_height: Some(100),
                format: Some(OutputFormat::Jpeg),
                ..req()
            },
            ResizeRequest {
                width: Some(500),
                blur: Some(0),
                ..req()
            },
        ];
        for r in unchanged {
            let (bytes, f) = resize(&jpg, &r).unwrap();
            assert_eq!(f, ImageFormat::Jpeg, "{r:?}");
            assert!(bytes == original, "{r:?} re-encoded");
        }
        // Lower quality re-encodes at the same size.
        let r = ResizeRequest {
            quality: Some(40),
            ..req()
        };
        let (bytes, f) = resize(&jpg, &r).unwrap();
        assert_eq!(f, ImageFormat::Jpeg);
        assert!(bytes != original);
        assert_eq!(decoded(&bytes).1.width(), 64);
    }

    #[test]
    fn conversions_decode_to_the_target_size() {
        let dir = tempfile::tempdir().unwrap();
        let rgb: DynamicImage = gradient(200, 300).into();
        let rgba: DynamicImage = RgbaImage::from_fn(200, 300, |x, y| {
            Rgba([
                (x % 256) as u8,
                (y % 256) as u8,
                7,
                if x < 100 { 0 } else { 255 },
            ])
        })
        .into();
        let sources = [
            write(dir.path(), "s.jpg", rgb.clone(), image::ImageFormat::Jpeg),
            write(dir.path(), "s.png", rgb.clone(), image::ImageFormat::Png),
            write(dir.path(), "s.webp", rgb, image::ImageFormat::WebP),
            write(dir.path(), "t.png", rgba, image::ImageFormat::Png),
        ];
        let outputs = [
            (None, None),
            (Some(OutputFormat::Jpeg), Some(image::ImageFormat::Jpeg)),
            (Some(OutputFormat::Png), Some(image::ImageFormat::Png)),
            (Some(OutputFormat::Webp), Some(image::ImageFormat::WebP)),
        ];
        for src in &sources {
            let src_format = image::guess_format(&std::fs::read(src).unwrap()).unwrap();
            for (format, want) in outputs {
                let r = ResizeRequest {
                    max_width: Some(100),
                    quality: Some(80),
                    format,
                    ..req()
                };
                let (bytes, f) = resize(src, &r).unwrap();
                let (got_format, img) = decoded(&bytes);
                let want = want.unwrap_or(src_format);
                assert_eq!(got_format, want, "{src:?} {format:?}");
                assert_eq!(f.mime_type(), want.to_mime_type(), "{src:?} {format:?}");
                assert_eq!(
                    (img.width(), img.height()),
                    (100, 150),
                    "{src:?} {format:?}"
                );
            }
        }
        // A transparent PNG keeps its alpha in PNG and WebP, and is flattened on black in JPEG.
        let t = &sources[3];
        let png = resize(
            t,
            &ResizeRequest {
                max_width: Some(100),
                ..req()
            },
        )
        .unwrap();
        assert!(decoded(&png.0).1.color().has_alpha());
        let jpg = resize(
            t,
            &ResizeRequest {
                max_width: Some(100),
                format: Some(OutputFormat::Jpeg),
                ..req()
            },
        )
        .unwrap();
        let img = decoded(&jpg.0).1.to_rgb8();
        let left = img.get_pixel(10, 75).0;
        assert!(left.iter().all(|&c| c < 16), "{left:?}");
    }

    #[test]
    fn quality_changes_jpeg_size() {
        let dir = tempfile::tempdir().unwrap();
        let src = write(
            dir.path(),
            "q.png",
            gradient(300, 300).into(),
            image::ImageFormat::Png,
        );
        let at = |q| {
            let r = ResizeRequest {
                max_width: Some(200),
                quality: Some(q),
                format: Some(OutputFormat::Jpeg),
                ..req()
            };
            resize(&src, &r).unwrap().0.len()
        };
        assert!(at(20) < at(95), "{} vs {}", at(20), at(95));
    }

    #[test]
    fn blur_is_applied() {
        let dir = tempfile::tempdir().unwrap();
        // Black and white stripes: blurred, the pixels move towards grey.
        let stripes = RgbImage::from_fn(64, 64, |x, _| {
            if x % 2 == 0 {
                Rgb([0, 0, 0])
            } else {
                Rgb([255, 255, 255])
            }
        });
        let src = write(dir.path(), "b.png", stripes.into(), image::ImageFormat::Png);
        let r = ResizeRequest {
            blur: Some(4),
            ..req()
        };
        let (bytes, f) = resize(&src, &r).unwrap();
        assert_eq!(f, ImageFormat::Png);
        let img = decoded(&bytes).1.to_rgb8();
        assert_eq!(img.dimensions(), (64, 64));
        let p = img.get_pixel(32, 32).0[0];
        assert!((64..=192).contains(&p), "{p}");
    }

    #[test]
    fn gif_and_svg_pass_through() {
        let dir = tempfile::tempdir().unwrap();
        let gif = write(
            dir.path(),
            "a.gif",
            gradient(40, 40).into(),
            image::ImageFormat::Gif,
        );
        let svg = dir.path().join("a.svg");
        std::fs::write(
            &svg,
            br#"<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"></svg>"#,
        )
        .unwrap();
        let r = ResizeRequest {
            max_width: Some(10),
            format: Some(OutputFormat::Jpeg),
            ..req()
        };
        for (p, f) in [(&gif, ImageFormat::Gif), (&svg, ImageFormat::Svg)] {
            let (bytes, got) = resize(p, &r).unwrap();
            assert_eq!(got, f);
            assert_eq!(bytes, std::fs::read(p).unwrap());
        }
    }

    #[test]
    fn errors() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.jpg");
        std::fs::write(&bad, b"definitely not an image").unwrap();
        assert!(resize(&bad, &req()).is_err());

        let src = write(
            dir.path(),
            "t.jpg",
            gradient(50, 50).into(),
            image::ImageFormat::Jpeg,
        );
        let mut truncated = std::fs::read(&src).unwrap();
        truncated.truncate(truncated.len() / 2);
        let cut = dir.path().join("cut.jpg");
        std::fs::write(&cut, truncated).unwrap();
        assert!(matches!(
            resize(&cut, &req()),
            Err(ImageError::Truncated { .. })
        ));

        let empty = dir.path().join("empty.png");
        std::fs::write(&empty, b"").unwrap();
        assert!(matches!(
            resize(&empty, &req()),
            Err(ImageError::Empty { .. })
        ));

        assert!(matches!(
            resize(&dir.path().join("missing.png"), &req()),
            Err(ImageError::Io { .. })
        ));

        let absurd = ResizeRequest {
            fill_width: Some(MAX_TARGET_SIDE + 1),
            ..req()
        };
        assert!(!absurd.is_within_limits());
        assert!(matches!(
            resize(&src, &absurd),
            Err(ImageError::TooLarge {
                width, ..
            }) if width == MAX_TARGET_SIDE + 1
        ));
    }
}
