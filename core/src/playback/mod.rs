//! Playback decisions, as Jellyfin's `PlaybackInfo` makes them: from a client's device profile
//! and the request, whether each media source plays as it is (direct play), is remuxed, or is
//! transcoded, with which streams copied or encoded, at what bit rates and sizes, and why
//! (`TranscodeReasons`); and how each subtitle stream is delivered.
//!
//! - [`profile`]: the `DeviceProfile` model and its lenient reading from the posted JSON.
//! - [`source`]: what the decision knows of a file ([`SourceFacts`], from a stored item) and the
//!   rules giving it Jellyfin's shape (normalized containers, video range, subtitle codecs).
//! - `conditions`: Jellyfin's `ConditionProcessor` (whether a stream satisfies a condition).
//! - [`reasons`]: `TranscodeReason` and sets of them.
//! - [`decision`]: Jellyfin's `StreamBuilder` and `MediaInfoHelper` rules ([`decide`]).
//! - [`plan`]: what a decision answers ([`SourceDecision`]) and the job behind a
//!   `TranscodingUrl` ([`TranscodePlan`]).
//! - [`bitrate`]: the transcoder's bit rate rules ([`encoder_video_bitrate`]).
//! - `subtitle`: each subtitle stream's delivery ([`subtitle_delivery`]).
//!
//! No process, no I/O: the HLS jobs that carry out a plan live elsewhere.

pub mod bitrate;
mod conditions;
pub mod decision;
pub mod plan;
pub mod profile;
pub mod reasons;
pub mod source;
mod subtitle;

pub use bitrate::encoder_video_bitrate;
pub use decision::{
    decide, decide_without_profile, EncoderSupport, PlaybackOptions, PlaybackPermissions,
};
pub use plan::{
    AudioAction, PlaybackError, SourceDecision, SubtitleContext, TranscodePlan, VideoAction,
};
pub use profile::{
    CodecProfile, CodecType, ConditionProperty, ConditionType, ContainerProfile, DeviceProfile,
    DirectPlayProfile, EncodingContext, ProfileCondition, ProfileMediaKind, StreamProtocol,
    TranscodeSeekInfo, TranscodingProfile,
};
pub use reasons::{TranscodeReason, TranscodeReasons};
pub use source::{SourceFacts, StreamFacts, StreamKind, VideoRange, VideoRangeType};
pub use subtitle::{
    container_list, default_subtitle_delivery, subtitle_delivery, PlayMethod, SubtitleDelivery,
    SubtitleMethod, SubtitleProfile, SubtitleStreamFacts,
};

/// The entries of a comma list, trimmed, empty ones dropped.
pub(crate) fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

fn list(s: &str) -> Vec<String> {
    split_list(s)
        .into_iter()
        .map(|v| v.to_ascii_lowercase())
        .collect()
}

/// Whether any of `values` is allowed by a profile list (empty: anything; `-a,b`: all but).
fn allowed(profile_list: &str, values: &[String]) -> bool {
    let trimmed = profile_list.trim();
    if trimmed.is_empty() {
        return true;
    }
    if let Some(excluded) = trimmed.strip_prefix('-') {
        let excluded = list(excluded);
        return !values.iter().any(|v| excluded.contains(v));
    }
    let wanted = list(trimmed);
    values.iter().any(|v| wanted.contains(v))
}

/// Jellyfin's `ContainerHelper.ContainsContainer`: whether one of the names in `input` (a comma
/// list) is in `profile_list` (a comma list; a leading `-` inverts it; empty: every name).
/// An empty input matches only an inverted list, as in Jellyfin.
pub(crate) fn contains_container(profile_list: &str, input: Option<&str>) -> bool {
    let trimmed = profile_list.trim();
    let (negated, names) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let inputs = input.map(split_list).unwrap_or_default();
    if inputs.is_empty() {
        return negated;
    }
    let names = split_list(names);
    if names.is_empty() {
        return true;
    }
    let hit = inputs
        .iter()
        .any(|i| names.iter().any(|n| n.eq_ignore_ascii_case(i)));
    hit != negated
}

#[cfg(test)]
mod tests;
