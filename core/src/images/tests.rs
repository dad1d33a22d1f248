//! Image tests: small generated images of every format in a temporary directory.

use super::*;
use image::{Rgb, RgbImage};

/// A `w`×`h` gradient whose colours depend on `seed`.
fn gradient(w: u32, h: u32, seed: u8) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let fx = (x * 255 / w.max(1)) as u8;
        let fy = (y * 255 / h.max(1)) as u8;
        match seed % 3 {
            0 => Rgb([fx, fy, seed]),
            1 => Rgb([255 - fy, seed, fx]),
            _ => Rgb([seed, 255 - fx, 255 - fy]),
        }
    })
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn encode(img: &RgbImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img.clone())
        .write_to(&mut out, format)
        .unwrap();
    out.into_inner()
}

/// A BlurHash is base 83, 4 + 2·x·y characters long, and its first character encodes x and y.
fn assert_blurhash(hash: &str, width: u32, height: u32) {
    const BASE83: &str =
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";
    let (cx, cy) = blurhash_components(width, height);
    assert_eq!(
        hash.len() as u32,
        4 + 2 * cx * cy,
        "{hash} for {width}x{height}"
    );
    assert!(hash.chars().all(|c| BASE83.contains(c)), "{hash}");
    let size_flag = BASE83.find(hash.chars().next().unwrap()).unwrap() as u32;
    assert_eq!((size_flag % 9 + 1, size_flag / 9 + 1), (cx, cy), "{hash}");
    // It decodes.
    blurhash::decode(hash, 8, 8, 1.0).unwrap();
}

#[test]
fn components_like_jellyfin() {
    let cases = [
        ((400, 600), (4, 5)),
        ((1280, 720), (6, 4)),
        ((1920, 1080), (6, 4)),
        ((1000, 1000), (5, 5)),
        ((1000, 185), (9, 2)),
        ((100, 10_000), (1, 9)),
        ((1, 1), (5, 5)),
        ((0, 10), (0, 0)),
    ];
    for ((w, h), want) in cases {
        assert_eq!(blurhash_components(w, h), want, "{w}x{h}");
    }
}

/// Every raster format: (file name, encoder format, expected format, size).
#[test]
fn raster_formats() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "poster.jpg",
            image::ImageFormat::Jpeg,
            ImageFormat::Jpeg,
            (400, 600),
        ),
        (
            "fanart.jpg",
            image::ImageFormat::Jpeg,
            ImageFormat::Jpeg,
            (1280, 720),
        ),
        (
            "banner.png",
            image::ImageFormat::Png,
            ImageFormat::Png,
            (758, 140),
        ),
        (
            "logo.webp",
            image::ImageFormat::WebP,
            ImageFormat::Webp,
            (300, 120),
        ),
        (
            "clearart.gif",
            image::ImageFormat::Gif,
            ImageFormat::Gif,
            (50, 70),
        ),
        (
            "tiny.png",
            image::ImageFormat::Png,
            ImageFormat::Png,
            (1, 1),
        ),
        (
            "small.jpg",
            image::ImageFormat::Jpeg,
            ImageFormat::Jpeg,
            (17, 9),
        ),
        // `.tbn` and a wrong extension: the content decides.
        (
            "movie.tbn",
            image::ImageFormat::Jpeg,
            ImageFormat::Jpeg,
            (120, 90),
        ),
        (
            "folder.tbn",
            image::ImageFormat::Png,
            ImageFormat::Png,
            (90, 120),
        ),
        (
            "actually-jpeg.png",
            image::ImageFormat::Jpeg,
            ImageFormat::Jpeg,
            (64, 48),
        ),
    ];
    for (i, (name, enc, want_format, (w, h))) in cases.into_iter().enumerate() {
        let p = write(
            dir.path(),
            name,
            &encode(&gradient(w, h, (i as u8).wrapping_mul(40)), enc),
        );
        let info = image_info(&p).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((info.width, info.height), (w, h), "{name}");
        assert_eq!(info.format, want_format, "{name}");
        assert_blurhash(info.blurhash.as_deref().unwrap(), w, h);
    }
}

#[test]
fn hashes_follow_content() {
    let dir = tempfile::tempdir().unwrap();
    let hash = |name: &str, img: &RgbImage| {
        let p = write(dir.path(), name, &encode(img, image::ImageFormat::Png));
        image_info(&p).unwrap().blurhash.unwrap()
    };
    let a = hash("a.png", &gradient(200, 300, 0));
    let b = hash("b.png", &gradient(200, 300, 1));
    let c = hash("c.png", &gradient(200, 300, 2));
    let black = hash("black.png", &RgbImage::new(200, 300));
    let a_again = hash("a2.png", &gradient(200, 300, 0));
    assert_ne!(a, b);
    assert_ne!(b, c);
    assert_ne!(a, c);
    assert_ne!(a, black);
    assert_eq!(a, a_again, "deterministic");
    // A flat image has no AC energy: every AC pair encodes zero.
    assert!(black.ends_with(&"fQ".repeat(19)), "{black}");
    // Same picture, different encodings: nearly the same colours, so the same DC part.
    let img = gradient(160, 90, 1);
    let png = image_info(&write(
        dir.path(),
        "g.png",
        &encode(&img, image::ImageFormat::Png),
    ))
    .unwrap();
    let webp = image_info(&write(
        dir.path(),
        "g.webp",
        &encode(&img, image::ImageFormat::WebP),
    ))
    .unwrap();
    assert_eq!(
        png.blurhash, webp.blurhash,
        "lossless encodings of the same pixels"
    );
}

#[test]
fn broken_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let jpg = encode(&gradient(300, 200, 3), image::ImageFormat::Jpeg);
    let png = encode(&gradient(300, 200, 4), image::ImageFormat::Png);
    let gif = encode(&gradient(30, 20, 5), image::ImageFormat::Gif);
    let webp = encode(&gradient(30, 20, 6), image::ImageFormat::WebP);

    type Check = fn(&ImageError) -> bool;
    let cases: Vec<(&str, Vec<u8>, Check)> = vec![
        ("empty.jpg", vec![], |e| {
            matches!(e, ImageError::Empty { .. })
        }),
        ("half.jpg", jpg[..jpg.len() / 2].to_vec(), |e| {
            matches!(e, ImageError::Truncated { .. })
        }),
        ("no-eoi.jpg", jpg[..jpg.len() - 2].to_vec(), |e| {
            matches!(e, ImageError::Truncated { .. })
        }),
        ("header-only.jpg", jpg[..20].to_vec(), |e| {
            matches!(e, ImageError::Truncated { .. })
        }),
        ("half.png", png[..png.len() / 2].to_vec(), |e| {
            matches!(e, ImageError::Decode { .. })
        }),
        ("magic-only.png", png[..8].to_vec(), |e| {
            matches!(e, ImageError::Decode { .. })
        }),
        ("half.gif", gif[..gif.len() / 2].to_vec(), |e| {
            matches!(e, ImageError::Decode { .. })
        }),
        ("half.webp", webp[..webp.len() / 2].to_vec(), |e| {
            matches!(e, ImageError::Decode { .. })
        }),
        (
            "garbage.jpg",
            b"this is not an image at all".to_vec(),
            |e| matches!(e, ImageError::UnknownFormat { .. }),
        ),
        ("zeros.png", vec![0; 1000], |e| {
            matches!(e, ImageError::UnknownFormat { .. })
        }),
        ("page.svg", b"<html><body/></html>".to_vec(), |e| {
            matches!(e, ImageError::UnknownFormat { .. })
        }),
        (
            "bitmap.bmp",
            b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0".to_vec(),
            |e| matches!(e, ImageError::UnsupportedFormat { format, .. } if format == "Bmp"),
        ),
        (
            "broken.svg",
            b"<svg width=\"10\" height=\"10\"".to_vec(),
            |e| matches!(e, ImageError::Svg { .. }),
        ),
        (
            "nosize.svg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><rect/></svg>".to_vec(),
            |e| matches!(e, ImageError::SvgSize { .. }),
        ),
    ];
    for (name, bytes, check) in cases {
        let p = write(dir.path(), name, &bytes);
        match image_info(&p) {
            Err(e) => {
                assert!(check(&e), "{name}: unexpected {e:?}");
                assert!(e.to_string().contains(name), "{name}: {e}");
            }
            Ok(info) => panic!("{name}: expected an error, got {info:?}"),
        }
    }

    let missing = dir.path().join("missing.jpg");
    match image_info(&missing) {
        Err(ImageError::Io { path, source }) => {
            assert_eq!(path, missing);
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("expected an I/O error, got {other:?}"),
    }

    // Decode errors keep the decoder's error as the source.
    let p = write(dir.path(), "half2.png", &png[..png.len() / 2]);
    let err = image_info(&p).unwrap_err();
    assert!(std::error::Error::source(&err).is_some());
}

/// Every prefix of each format is an error or a result; nothing panics.
#[test]
fn truncation_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    for (i, format) in [
        image::ImageFormat::Jpeg,
        image::ImageFormat::Png,
        image::ImageFormat::Gif,
        image::ImageFormat::WebP,
    ]
    .into_iter()
    .enumerate()
    {
        let bytes = encode(&gradient(24, 16, i as u8), format);
        let step = (bytes.len() / 64).max(1);
        for end in (0..bytes.len()).step_by(step) {
            let p = write(dir.path(), "cut", &bytes[..end]);
            let result = image_info(&p);
            // Near the end only trailers are missing (PNG's IEND, GIF's `;`), which decoders
            // may forgive; before that, the pixel data is incomplete.
            if end < bytes.len() * 3 / 4 {
                assert!(
                    result.is_err(),
                    "{format:?} cut at {end} of {}",
                    bytes.len()
                );
            }
        }
    }
}

/// CRC-32 (IEEE), for hand-made PNG chunks.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A valid PNG header (signature and IHDR) claiming `w`×`h`, followed by a tiny IDAT.
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    out
}

#[test]
fn decompression_bombs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    // A GIF whose logical screen is 65535×65535.
    let mut gif = encode(&gradient(4, 4, 1), image::ImageFormat::Gif);
    gif[6..10].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
    let cases = [
        ("side.png", png_claiming(100_000, 10), (100_000, 10)),
        ("pixels.png", png_claiming(20_000, 20_000), (20_000, 20_000)),
        ("screen.gif", gif, (65_535, 65_535)),
    ];
    for (name, bytes, (w, h)) in cases {
        let p = write(dir.path(), name, &bytes);
        let started = std::time::Instant::now();
        match image_info(&p) {
            Err(ImageError::TooLarge { width, height, .. }) => {
                assert_eq!((width, height), (w, h), "{name}")
            }
            other => panic!("{name}: expected TooLarge, got {other:?}"),
        }
        assert!(started.elapsed().as_secs() < 2, "{name} was decoded");
    }
    // Within the limits, the same hand-made header is read (and its bad data reported).
    let p = write(dir.path(), "ok.png", &png_claiming(2, 2));
    assert!(matches!(image_info(&p), Err(ImageError::Decode { .. })));
}

#[test]
fn svg_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str, (u32, u32))] = &[
        ("plain.svg", r#"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"/>"#, (200, 100)),
        (
            "prolog.svg",
            "\u{feff}<?xml version=\"1.0\"?>\n<!-- logo -->\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n<svg width=\"120px\" height=\"40px\"><g/></svg>",
            (120, 40),
        ),
        ("viewbox.svg", r#"<svg viewBox="0 0 800 310"><rect/></svg>"#, (800, 310)),
        ("percent.svg", r#"<svg width="100%" height="100%" viewBox="0 0 64 32"></svg>"#, (64, 32)),
        ("one-side.svg", r#"<svg width="400" viewBox="0 0 800 310"></svg>"#, (400, 155)),
        ("units.svg", r#"<svg width="1in" height="72pt"></svg>"#, (96, 96)),
        ("prefixed.svg", r#"<svg:svg xmlns:svg="http://www.w3.org/2000/svg" width="5" height="6"/>"#, (5, 6)),
        // Sniffed by content: the extension does not matter.
        ("clearlogo.png", r#"<svg width="10" height="20"></svg>"#, (10, 20)),
    ];
    for (name, text, (w, h)) in cases {
        let p = write(dir.path(), name, text.as_bytes());
        let info = image_info(&p).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            info,
            ImageInfo {
                width: *w,
                height: *h,
                blurhash: None,
                format: ImageFormat::Svg
            },
            "{name}"
        );
    }
}

#[test]
fn format_names() {
    for (f, mime, ext) in [
        (ImageFormat::Jpeg, "image/jpeg", "jpg"),
        (ImageFormat::Png, "image/png", "png"),
        (ImageFormat::Webp, "image/webp", "webp"),
        (ImageFormat::Gif, "image/gif", "gif"),
        (ImageFormat::Svg, "image/svg+xml", "svg"),
    ] {
        assert_eq!((f.mime_type(), f.extension()), (mime, ext));
    }
}
