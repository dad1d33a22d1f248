//! Bit rate rules of Jellyfin's transcoder: what the encoder aims for when the video codec
//! changes (`EncodingHelper.GetVideoBitrateParamValue`) and the default audio rates
//! (`StreamBuilder.GetDefaultAudioBitrate`, `GetMaxAudioBitrateForTotalBitrate`).

use super::source::StreamFacts;

/// Jellyfin's `EncodingHelper.GetVideoBitrateParamValue`: the bit rate the encoder aims for
/// when `requested` is asked of a `source` stream turned into `output_codec`: never more than
/// the source's (boosted for low bit rates: x2.5 up to 2 Mbit/s, x2 up to 3), scaled for the
/// codec change (HEVC and VP9 need 0.6 of H.264's, AV1 0.5; never scaled down) and raised for
/// low targets (x4 up to 500k, x3 up to 1M, x2.5 up to 2M, x2 up to 3M), then capped at
/// `requested`.
pub fn encoder_video_bitrate(
    requested: Option<i64>,
    source: Option<&StreamFacts>,
    output_codec: &str,
    upscaling: bool,
) -> Option<i64> {
    let mut bitrate = requested?;
    let source = match source {
        Some(s) => s,
        None => return Some(bitrate.min(i64::from(i32::MAX / 2))),
    };
    if !upscaling {
        if let Some(src) = source.bit_rate {
            let boosted = if src <= 2_000_000 {
                (src as f64 * 2.5).round() as i64
            } else if src <= 3_000_000 {
                src * 2
            } else {
                src
            };
            bitrate = bitrate.min(boosted);
        }
    }
    let factor = |codec: &str| -> f64 {
        match codec.to_ascii_lowercase().as_str() {
            "h265" | "hevc" | "vp9" => 0.6,
            "av1" => 0.5,
            _ => 1.0,
        }
    };
    let input_factor = factor(source.codec.as_deref().unwrap_or(""));
    let mut scale = (factor(output_codec) / input_factor).max(1.0);
    scale = match bitrate {
        b if b <= 500_000 => scale.max(4.0),
        b if b <= 1_000_000 => scale.max(3.0),
        b if b <= 2_000_000 => scale.max(2.5),
        b if b <= 3_000_000 => scale.max(2.0),
        _ => scale,
    };
    let scaled = (scale * bitrate as f64).round() as i64;
    Some(scaled.min(requested?).min(i64::from(i32::MAX / 2)))
}

/// Jellyfin's `GetDefaultAudioBitrate`.
pub(crate) fn default_audio_bitrate(codec: Option<&str>, channels: Option<i32>) -> i64 {
    let ch = channels.unwrap_or(0);
    match codec.map(str::to_ascii_lowercase).as_deref() {
        Some("aac" | "mp3" | "ac3" | "eac3") => match ch {
            c if c < 2 => 128_000,
            c if c >= 6 => 640_000,
            _ => 384_000,
        },
        Some("flac" | "alac") => match ch {
            c if c < 2 => 768_000,
            c if c >= 6 => 3_584_000,
            _ => 1_536_000,
        },
        _ => 192_000,
    }
}

/// Jellyfin's `GetMaxAudioBitrateForTotalBitrate`.
pub(crate) fn max_audio_bitrate_for_total(total: i64) -> i64 {
    match total {
        t if t <= 640_000 => 128_000,
        t if t <= 2_000_000 => 384_000,
        t if t <= 3_000_000 => 448_000,
        t if t <= 4_000_000 => 640_000,
        t if t <= 5_000_000 => 768_000,
        t if t <= 10_000_000 => 1_536_000,
        t if t <= 15_000_000 => 2_304_000,
        t if t <= 20_000_000 => 3_584_000,
        _ => 7_168_000,
    }
}
