//! Whether a stream satisfies a profile condition (Jellyfin's `ConditionProcessor`): an unknown
//! value satisfies a condition that is not required; numbers compare as numbers (`EqualsAny`
//! over a `|` list), text case-insensitively (`Equals`, `NotEquals`, `EqualsAny`), flags by
//! `Equals`/`NotEquals`; a value that does not parse fails. A property the processor does not
//! evaluate for that kind of stream holds.

use super::profile::{ConditionProperty, ConditionType, ProfileCondition};
use super::source::VideoRangeType;

/// What video conditions are evaluated against.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct VideoValues<'a> {
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub bit_depth: Option<i32>,
    pub bitrate: Option<i64>,
    pub profile: Option<&'a str>,
    pub range_type: Option<VideoRangeType>,
    pub level: Option<f64>,
    /// Jellyfin passes 0 when the frame rate is unknown (not "unknown").
    pub framerate: f64,
    pub is_anamorphic: Option<bool>,
    pub is_interlaced: Option<bool>,
    pub ref_frames: Option<i32>,
    pub num_video_streams: Option<i32>,
    pub num_audio_streams: Option<i32>,
    pub num_streams: Option<i32>,
    pub codec_tag: Option<&'a str>,
    pub is_avc: Option<bool>,
}

/// What audio conditions are evaluated against.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AudioValues<'a> {
    pub channels: Option<i32>,
    pub bitrate: Option<i64>,
    pub sample_rate: Option<i32>,
    pub bit_depth: Option<i32>,
    pub profile: Option<&'a str>,
    pub is_secondary: Option<bool>,
}

fn parse_int(s: &str) -> Option<i64> {
    s.trim().parse::<i64>().ok()
}

fn parse_float(s: &str) -> Option<f64> {
    s.trim().replace(',', "").parse::<f64>().ok()
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

fn int(c: &ProfileCondition, value: Option<i64>) -> bool {
    compare(c, value, parse_int)
}

fn float(c: &ProfileCondition, value: Option<f64>) -> bool {
    compare(c, value, parse_float)
}

/// A numeric condition: a missing value passes unless required; `EqualsAny` takes a `|` list;
/// an unparsable expected value fails.
fn compare<T: PartialOrd>(
    c: &ProfileCondition,
    value: Option<T>,
    parse: fn(&str) -> Option<T>,
) -> bool {
    let Some(v) = value else {
        return !c.is_required;
    };
    if c.condition == ConditionType::EqualsAny {
        return c.value.split('|').filter_map(parse).any(|e| e == v);
    }
    let Some(expected) = parse(&c.value) else {
        return false;
    };
    match c.condition {
        ConditionType::Equals => v == expected,
        ConditionType::NotEquals => v != expected,
        ConditionType::LessThanEqual => v <= expected,
        ConditionType::GreaterThanEqual => v >= expected,
        ConditionType::EqualsAny => false,
    }
}

fn text(c: &ProfileCondition, value: Option<&str>) -> bool {
    let Some(v) = value.filter(|v| !v.is_empty()) else {
        return !c.is_required;
    };
    match c.condition {
        ConditionType::EqualsAny => c.value.split('|').any(|e| e.eq_ignore_ascii_case(v)),
        ConditionType::Equals => v.eq_ignore_ascii_case(&c.value),
        ConditionType::NotEquals => !v.eq_ignore_ascii_case(&c.value),
        // Jellyfin throws on an ordering of text; nothing can satisfy it.
        ConditionType::LessThanEqual | ConditionType::GreaterThanEqual => false,
    }
}

fn boolean(c: &ProfileCondition, value: Option<bool>) -> bool {
    let Some(v) = value else {
        return !c.is_required;
    };
    let Some(expected) = parse_bool(&c.value) else {
        return false;
    };
    match c.condition {
        ConditionType::Equals => v == expected,
        ConditionType::NotEquals => v != expected,
        _ => false,
    }
}

fn range(c: &ProfileCondition, value: Option<VideoRangeType>) -> bool {
    let Some(v) = value.filter(|v| *v != VideoRangeType::Unknown) else {
        return !c.is_required;
    };
    if c.condition == ConditionType::EqualsAny {
        return c
            .value
            .split('|')
            .filter_map(VideoRangeType::from_name)
            .any(|e| e == v);
    }
    let Some(expected) = VideoRangeType::from_name(&c.value) else {
        return false;
    };
    match c.condition {
        ConditionType::Equals => v == expected,
        ConditionType::NotEquals => v != expected,
        _ => false,
    }
}

/// Jellyfin's `IsVideoConditionSatisfied`.
pub(crate) fn video_satisfied(c: &ProfileCondition, v: &VideoValues<'_>) -> bool {
    use ConditionProperty as P;
    match c.property {
        P::IsInterlaced => boolean(c, v.is_interlaced),
        P::IsAnamorphic => boolean(c, v.is_anamorphic),
        P::IsAvc => boolean(c, v.is_avc),
        P::VideoFramerate => float(c, Some(v.framerate)),
        P::VideoLevel => float(c, v.level),
        P::VideoProfile => text(c, v.profile),
        P::VideoRangeType => range(c, v.range_type),
        P::VideoCodecTag => text(c, v.codec_tag),
        P::PacketLength | P::VideoTimestamp => !c.is_required,
        P::VideoBitDepth => int(c, v.bit_depth.map(i64::from)),
        P::VideoBitrate => int(c, v.bitrate),
        P::Height => int(c, v.height.map(i64::from)),
        P::Width => int(c, v.width.map(i64::from)),
        P::RefFrames => int(c, v.ref_frames.map(i64::from)),
        P::NumAudioStreams => int(c, v.num_audio_streams.map(i64::from)),
        P::NumVideoStreams => int(c, v.num_video_streams.map(i64::from)),
        P::NumStreams => int(c, v.num_streams.map(i64::from)),
        _ => true,
    }
}

/// Jellyfin's `IsAudioConditionSatisfied` (the stream of an audio file).
pub(crate) fn audio_satisfied(c: &ProfileCondition, a: &AudioValues<'_>) -> bool {
    use ConditionProperty as P;
    match c.property {
        P::AudioBitrate => int(c, a.bitrate),
        P::AudioChannels => int(c, a.channels.map(i64::from)),
        P::AudioSampleRate => int(c, a.sample_rate.map(i64::from)),
        P::AudioBitDepth => int(c, a.bit_depth.map(i64::from)),
        _ => true,
    }
}

/// Jellyfin's `IsVideoAudioConditionSatisfied` (the audio stream of a video).
pub(crate) fn video_audio_satisfied(c: &ProfileCondition, a: &AudioValues<'_>) -> bool {
    use ConditionProperty as P;
    match c.property {
        P::AudioProfile => text(c, a.profile),
        P::IsSecondaryAudio => boolean(c, a.is_secondary),
        _ => audio_satisfied(c, a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(
        condition: ConditionType,
        property: ConditionProperty,
        value: &str,
    ) -> ProfileCondition {
        ProfileCondition {
            condition,
            property,
            value: value.into(),
            is_required: false,
        }
    }

    #[test]
    fn condition_table() {
        use ConditionProperty as P;
        use ConditionType as T;
        let hevc_4k = VideoValues {
            width: Some(3840),
            height: Some(2160),
            bit_depth: Some(10),
            bitrate: Some(58_000_000),
            profile: Some("Main 10"),
            range_type: Some(VideoRangeType::HDR10),
            level: Some(153.0),
            framerate: 23.976,
            is_interlaced: Some(false),
            num_streams: Some(3),
            ..VideoValues::default()
        };
        let cases: Vec<(ProfileCondition, bool)> = vec![
            (cond(T::LessThanEqual, P::Width, "1920"), false),
            (cond(T::LessThanEqual, P::Width, "3840"), true),
            (cond(T::GreaterThanEqual, P::Height, "2160"), true),
            (cond(T::Equals, P::VideoBitDepth, "8"), false),
            (cond(T::NotEquals, P::VideoBitDepth, "8"), true),
            (cond(T::EqualsAny, P::VideoBitDepth, "8|10"), true),
            (cond(T::LessThanEqual, P::VideoBitDepth, "eight"), false),
            (cond(T::EqualsAny, P::VideoProfile, "main|main 10"), true),
            (cond(T::EqualsAny, P::VideoProfile, "main"), false),
            (cond(T::Equals, P::VideoProfile, "MAIN 10"), true),
            (cond(T::NotEquals, P::VideoProfile, "main 10"), false),
            (cond(T::LessThanEqual, P::VideoProfile, "main"), false),
            (cond(T::EqualsAny, P::VideoRangeType, "SDR|HDR10|HLG"), true),
            (cond(T::EqualsAny, P::VideoRangeType, "SDR"), false),
            (cond(T::NotEquals, P::VideoRangeType, "DOVI"), true),
            (cond(T::LessThanEqual, P::VideoLevel, "153"), true),
            (cond(T::LessThanEqual, P::VideoLevel, "120"), false),
            (cond(T::LessThanEqual, P::VideoFramerate, "60"), true),
            (cond(T::NotEquals, P::IsInterlaced, "true"), true),
            (cond(T::Equals, P::IsInterlaced, "false"), true),
            (cond(T::Equals, P::IsInterlaced, "maybe"), false),
            (cond(T::LessThanEqual, P::VideoBitrate, "20000000"), false),
            (cond(T::LessThanEqual, P::NumStreams, "32"), true),
            // Unknown values hold unless required.
            (cond(T::NotEquals, P::IsAnamorphic, "true"), true),
            (
                ProfileCondition {
                    is_required: true,
                    ..cond(T::EqualsAny, P::VideoCodecTag, "hvc1|dvh1")
                },
                false,
            ),
            (cond(T::EqualsAny, P::VideoCodecTag, "hvc1|dvh1"), true),
            (cond(T::LessThanEqual, P::RefFrames, "4"), true),
            // Audio properties do not constrain a video stream.
            (cond(T::LessThanEqual, P::AudioChannels, "2"), true),
        ];
        for (i, (c, want)) in cases.iter().enumerate() {
            assert_eq!(video_satisfied(c, &hevc_4k), *want, "case {i}: {c:?}");
        }

        let ac3 = AudioValues {
            channels: Some(6),
            bitrate: Some(640_000),
            sample_rate: Some(48_000),
            profile: None,
            is_secondary: Some(true),
            ..AudioValues::default()
        };
        let audio_cases = [
            (cond(T::LessThanEqual, P::AudioChannels, "2"), false),
            (cond(T::LessThanEqual, P::AudioChannels, "6"), true),
            (cond(T::LessThanEqual, P::AudioSampleRate, "48000"), true),
            (cond(T::Equals, P::IsSecondaryAudio, "false"), false),
            (cond(T::NotEquals, P::AudioProfile, "HE-AAC"), true),
            (cond(T::LessThanEqual, P::AudioBitrate, "320000"), false),
            (cond(T::LessThanEqual, P::Width, "1"), true),
        ];
        for (i, (c, want)) in audio_cases.iter().enumerate() {
            assert_eq!(
                video_audio_satisfied(c, &ac3),
                *want,
                "audio case {i}: {c:?}"
            );
        }
        // IsSecondaryAudio is not a property of an audio file's stream.
        assert!(audio_satisfied(
            &cond(T::Equals, P::IsSecondaryAudio, "false"),
            &ac3
        ));
    }
}
