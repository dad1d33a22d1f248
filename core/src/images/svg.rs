//! SVG images: the size from the root `<svg>` element's attributes, without rendering.

use std::path::Path;

use quick_xml::events::Event;
use quick_xml::Reader;

use super::{ImageError, ImageFormat, ImageInfo};

/// How much of the file is looked at for the root element.
const HEAD_BYTES: usize = 256 * 1024;

/// The info of an SVG file with content `bytes`, or [`ImageError::UnknownFormat`] when the
/// content is not SVG.
pub(super) fn info(bytes: &[u8], path: &Path) -> Result<ImageInfo, ImageError> {
    let unknown = || ImageError::UnknownFormat {
        path: path.to_path_buf(),
    };
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(HEAD_BYTES)]);
    let text = head.trim_start_matches('\u{feff}').trim_start();
    if !text.starts_with('<') {
        return Err(unknown());
    }
    let looks_like_svg = text.contains("<svg")
        || path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    let mut reader = Reader::from_str(text);
    reader.config_mut().allow_dangling_amp = true;
    loop {
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(source) if looks_like_svg => {
                return Err(ImageError::Svg {
                    path: path.to_path_buf(),
                    source,
                })
            }
            Err(_) => return Err(unknown()),
        };
        let root = match event {
            Event::Start(e) | Event::Empty(e) => e,
            Event::Text(t) if t.iter().all(u8::is_ascii_whitespace) => continue,
            Event::Eof | Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                return Err(unknown())
            }
            _ => continue,
        };
        if !root.local_name().as_ref().eq_ignore_ascii_case(b"svg") {
            return Err(unknown());
        }
        let mut width = None;
        let mut height = None;
        let mut view_box = None;
        for attr in root.attributes() {
            let attr = attr.map_err(|e| ImageError::Svg {
                path: path.to_path_buf(),
                source: e.into(),
            })?;
            let value = String::from_utf8_lossy(&attr.value);
            match attr.key.local_name().as_ref() {
                b"width" => width = length(&value),
                b"height" => height = length(&value),
                b"viewBox" | b"viewbox" => view_box = parse_view_box(&value),
                _ => {}
            }
        }
        let (w, h) = size(width, height, view_box).ok_or_else(|| ImageError::SvgSize {
            path: path.to_path_buf(),
        })?;
        return Ok(ImageInfo {
            width: w,
            height: h,
            blurhash: None,
            format: ImageFormat::Svg,
        });
    }
}

/// The pixel size from `width`, `height` (in pixels) and the `viewBox` size: both lengths,
/// else one length and the view box's aspect ratio, else the view box. Rounded, at least 1.
fn size(
    width: Option<f64>,
    height: Option<f64>,
    view_box: Option<(f64, f64)>,
) -> Option<(u32, u32)> {
    let (w, h) = match (width, height, view_box) {
        (Some(w), Some(h), _) => (w, h),
        (Some(w), None, Some((vw, vh))) => (w, w * vh / vw),
        (None, Some(h), Some((vw, vh))) => (h * vw / vh, h),
        (None, None, Some(vb)) => vb,
        _ => return None,
    };
    let px = |v: f64| (v.is_finite() && v > 0.0 && v < 1e9).then(|| (v.round() as u32).max(1));
    Some((px(w)?, px(h)?))
}

/// An SVG length in CSS pixels (96 per inch): a number with no unit or an absolute unit.
/// Percentages and font-relative units give `None`.
fn length(v: &str) -> Option<f64> {
    let v = v.trim();
    let split = v
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
        .unwrap_or(v.len());
    // An exponent `e` must not eat the `e` of `em`/`ex`.
    let (number, unit) = if v[..split].ends_with(['e', 'E']) {
        v.split_at(split - 1)
    } else {
        v.split_at(split)
    };
    let scale = match unit.trim() {
        "" | "px" => 1.0,
        "pt" => 96.0 / 72.0,
        "pc" => 16.0,
        "in" => 96.0,
        "cm" => 96.0 / 2.54,
        "mm" => 96.0 / 25.4,
        _ => return None,
    };
    let n: f64 = number.parse().ok()?;
    (n.is_finite() && n > 0.0).then_some(n * scale)
}

/// The width and height of a `viewBox="min-x min-y width height"`.
fn parse_view_box(v: &str) -> Option<(f64, f64)> {
    let nums: Vec<f64> = v
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|p| !p.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    match nums[..] {
        [_, _, w, h] if w.is_finite() && h.is_finite() && w > 0.0 && h > 0.0 => Some((w, h)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths() {
        let cases: &[(&str, Option<f64>)] = &[
            ("100", Some(100.0)),
            (" 100px ", Some(100.0)),
            ("1in", Some(96.0)),
            ("72pt", Some(96.0)),
            ("25.4mm", Some(96.0)),
            ("1e2", Some(100.0)),
            ("10em", None),
            ("2ex", None),
            ("100%", None),
            ("auto", None),
            ("-5", None),
            ("0", None),
            ("", None),
        ];
        for (text, want) in cases {
            let got = length(text);
            match (got, want) {
                (Some(g), Some(w)) => assert!((g - w).abs() < 1e-9, "{text}: {g}"),
                _ => assert_eq!(got, *want, "{text}"),
            }
        }
    }

    #[test]
    fn view_boxes() {
        assert_eq!(parse_view_box("0 0 24 12"), Some((24.0, 12.0)));
        assert_eq!(parse_view_box("0,0,24,12"), Some((24.0, 12.0)));
        assert_eq!(parse_view_box("0 0 24"), None);
        assert_eq!(parse_view_box("0 0 -1 5"), None);
        assert_eq!(parse_view_box("a b c d"), None);
    }

    #[test]
    fn sizes() {
        assert_eq!(size(Some(10.0), Some(20.0), None), Some((10, 20)));
        assert_eq!(size(Some(100.0), None, Some((2.0, 1.0))), Some((100, 50)));
        assert_eq!(size(None, Some(100.0), Some((2.0, 1.0))), Some((200, 100)));
        assert_eq!(size(None, None, Some((24.4, 11.6))), Some((24, 12)));
        assert_eq!(size(Some(0.2), Some(0.2), None), Some((1, 1)));
        assert_eq!(size(Some(10.0), None, None), None);
        assert_eq!(size(None, None, None), None);
        assert_eq!(size(Some(1e12), Some(1.0), None), None);
    }
}
