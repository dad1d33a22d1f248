//! Local artwork facts: what a scanner records once per image file (poster, fanart, `.tbn`,
//! episode thumb, ...): its format, its pixel size and a [BlurHash] placeholder.
//!
//! This module owns reading one image file into [`ImageInfo`]. The format comes from the file's
//! content, never its extension (`.tbn` files are JPEG or PNG inside). Raster images (JPEG, PNG,
//! WebP, GIF) are decoded once, shrunk to at most [`BLURHASH_MAX_SIDE`] pixels on the long side
//! and hashed with the component counts Jellyfin uses ([`blurhash_components`]). SVG images get
//! their size from the root element's `width`/`height`/`viewBox` and no hash. Which files are
//! artwork for which item is [`crate::naming::artwork`].
//!
//! Reading is bounded: an image whose header claims more than [`MAX_IMAGE_SIDE`] pixels on a
//! side or [`MAX_IMAGE_PIXELS`] in all is refused before decoding (decompression bombs), and a
//! corrupt or truncated file is an error, never a panic.
//!
//! [BlurHash]: https://blurha.sh

#[cfg(test)]
mod tests;

pub mod cache;
mod jpeg;
pub mod resize;
mod svg;

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use image::{DynamicImage, ImageDecoder, ImageReader, Limits};

/// The largest width or height decoded.
pub const MAX_IMAGE_SIDE: u32 = 32_768;
/// The largest pixel count (width × height) decoded: 100 megapixels.
pub const MAX_IMAGE_PIXELS: u64 = 100_000_000;
/// The largest decoded image in bytes (all channels and bit depths).
pub const MAX_DECODED_BYTES: u64 = 512 * 1024 * 1024;
/// The largest image file read.
pub const MAX_IMAGE_FILE_BYTES: u64 = 256 * 1024 * 1024;
/// The long side, in pixels, of the copy a BlurHash is computed from.
pub const BLURHASH_MAX_SIDE: u32 = 64;

/// An image file format, as found in the file's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ImageFormat {
    /// JPEG (also most `.tbn` files).
    Jpeg,
    /// PNG.
    Png,
    /// WebP.
    Webp,
    /// GIF (the first frame of an animation is hashed).
    Gif,
    /// SVG (vector: size from its attributes, no BlurHash).
    Svg,
}

impl ImageFormat {
    /// The MIME type (`image/jpeg`, ...).
    pub fn mime_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Gif => "image/gif",
            Self::Svg => "image/svg+xml",
        }
    }

    /// The usual file extension, without a dot (`jpg`, `png`, `webp`, `gif`, `svg`).
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
            Self::Gif => "gif",
            Self::Svg => "svg",
        }
    }
}

/// What a scanner stores about one image file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    /// Width in pixels, as stored (EXIF orientation is not applied, as in Jellyfin).
    pub width: u32,
    /// Height in pixels, as stored.
    pub height: u32,
    /// The BlurHash of the image; `None` for SVG.
    pub blurhash: Option<String>,
    /// The format found in the content.
    pub format: ImageFormat,
}

/// Why an image file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// Reading the file failed.
    #[error("cannot read image {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is empty.
    #[error("image {path} is empty")]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file is larger than [`MAX_IMAGE_FILE_BYTES`].
    #[error("image file {path} is larger than {limit} bytes")]
    FileTooLarge {
        /// The file.
        path: PathBuf,
        /// The limit it exceeds.
        limit: u64,
    },
    /// The content is not an image format this module knows.
    #[error("{path} is not a JPEG, PNG, WebP, GIF or SVG image")]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// The content is a known raster format this build cannot decode (BMP, TIFF, AVIF, ...).
    #[error("image {path} is {format}, which is not supported")]
    UnsupportedFormat {
        /// The file.
        path: PathBuf,
        /// The format's name.
        format: String,
    },
    /// The header claims a size above the limits ([`MAX_IMAGE_SIDE`], [`MAX_IMAGE_PIXELS`],
    /// [`MAX_DECODED_BYTES`]); the image was not decoded.
    #[error("image {path} is too large to decode ({width}x{height})")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The width the header claims.
        width: u32,
        /// The height the header claims.
        height: u32,
    },
    /// The file ends before the image data does (a JPEG without its end marker).
    #[error("image {path} is truncated")]
    Truncated {
        /// The file.
        path: PathBuf,
    },
    /// The image data is corrupt (or truncated, for formats that report it as corruption).
    #[error("cannot decode image {path}: {source}")]
    Decode {
        /// The file.
        path: PathBuf,
        /// The decoder's error.
        #[source]
        source: image::ImageError,
    },
    /// An SVG file is not well-formed XML.
    #[error("malformed SVG {path}: {source}")]
    Svg {
        /// The file.
        path: PathBuf,
        /// The XML parser's error.
        #[source]
        source: quick_xml::Error,
    },
    /// An SVG file has no usable `width`/`height` or `viewBox`.
    #[error("SVG {path} has no usable width, height or viewBox")]
    SvgSize {
        /// The file.
        path: PathBuf,
    },
}

/// Reads the image file at `path`: its format (from the content), size and BlurHash.
///
/// # Errors
///
/// See [`ImageError`]: unreadable, empty, unknown, unsupported, oversized, truncated or
/// corrupt files.
pub fn image_info(path: &Path) -> Result<ImageInfo, ImageError> {
    let bytes = read_bounded(path)?;
    let p = || path.to_path_buf();
    if bytes.is_empty() {
        return Err(ImageError::Empty { path: p() });
    }
    let format = match image::guess_format(&bytes) {
        Ok(f) => f,
        Err(_) => return svg::info(&bytes, path),
    };
    let ours = match format {
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
    if ours == ImageFormat::Jpeg && !jpeg::is_complete(&bytes) {
        return Err(ImageError::Truncated { path: p() });
    }

    let decode_err = |source| ImageError::Decode { path: p(), source };
    let mut reader = ImageReader::with_format(Cursor::new(&bytes[..]), format);
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODED_BYTES + MAX_DECODED_BYTES / 2);
    reader.limits(limits);
    let decoder = reader.into_decoder().map_err(decode_err)?;
    let (width, height) = decoder.dimensions();
    if width == 0
        || height == 0
        || width > MAX_IMAGE_SIDE
        || height > MAX_IMAGE_SIDE
        || u64::from(width) * u64::from(height) > MAX_IMAGE_PIXELS
        || decoder.total_bytes() > MAX_DECODED_BYTES
    {
        return Err(ImageError::TooLarge {
            path: p(),
            width,
            height,
        });
    }
    let image = DynamicImage::from_decoder(decoder).map_err(decode_err)?;
    Ok(ImageInfo {
        width,
        height,
        blurhash: blurhash(&image),
        format: ours,
    })
}

/// The BlurHash component counts (x, y) Jellyfin uses for an image of this size: tiles as
/// square as possible, about 16 in all, at most 9 per axis (`ImageProcessor.GetImageBlurHash`).
/// A 400×600 poster gets (4, 5), a 1280×720 backdrop (6, 4). `(0, 0)` for an empty size.
pub fn blurhash_components(width: u32, height: u32) -> (u32, u32) {
    if width == 0 || height == 0 {
        return (0, 0);
    }
    let (w, h) = (width as f32, height as f32);
    let x = (16.0 * w / h).sqrt();
    let y = x * h / w;
    // `as u32` truncates like C#'s `(int)` cast (and saturates instead of overflowing).
    ((x as u32 + 1).min(9), (y as u32 + 1).min(9))
}

/// The BlurHash of a decoded image, computed on a copy at most [`BLURHASH_MAX_SIDE`] pixels on
/// its long side.
fn blurhash(image: &DynamicImage) -> Option<String> {
    let (cx, cy) = blurhash_components(image.width(), image.height());
    let small = if image.width() > BLURHASH_MAX_SIDE || image.height() > BLURHASH_MAX_SIDE {
        image.thumbnail(BLURHASH_MAX_SIDE, BLURHASH_MAX_SIDE)
    } else {
        image.clone()
    };
    let rgba = small.to_rgba8();
    blurhash::encode(cx, cy, rgba.width(), rgba.height(), rgba.as_raw()).ok()
}

/// The file's bytes, refusing files above [`MAX_IMAGE_FILE_BYTES`].
fn read_bounded(path: &Path) -> Result<Vec<u8>, ImageError> {
    let io = |source| ImageError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let hint = file.metadata().map(|m| m.len()).unwrap_or(0);
    if hint > MAX_IMAGE_FILE_BYTES {
        return Err(ImageError::FileTooLarge {
            path: path.to_path_buf(),
            limit: MAX_IMAGE_FILE_BYTES,
        });
    }
    let mut bytes = Vec::with_capacity(hint as usize);
    file.take(MAX_IMAGE_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_IMAGE_FILE_BYTES {
        return Err(ImageError::FileTooLarge {
            path: path.to_path_buf(),
            limit: MAX_IMAGE_FILE_BYTES,
        });
    }
    Ok(bytes)
}
