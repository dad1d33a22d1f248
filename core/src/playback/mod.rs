//! Playback decisions: whether a client can play an item's file as it is (direct play), from the
//! `DirectPlayProfiles` of its device profile (Jellyfin's `MediaInfoHelper`/`StreamBuilder`
//! rules for the direct-play case), and how each subtitle stream is delivered ([`subtitle_delivery`]).
//! Transcoding decisions come with the transcoding work.

mod subtitle;

pub use subtitle::{
    container_list, default_subtitle_delivery, subtitle_delivery, PlayMethod, SubtitleDelivery,
    SubtitleMethod, SubtitleProfile, SubtitleStreamFacts,
};

use crate::naming::path;
use crate::store::{ItemRecord, MediaType};

/// Whether a profile entry is for video or audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileMediaKind {
    /// Video files.
    Video,
    /// Audio files.
    Audio,
}

/// One `DirectPlayProfile` of a client's device profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectPlayProfile {
    /// Containers (comma list; a leading `-` means "all but these"; empty: any).
    pub container: String,
    /// Video or audio.
    pub kind: ProfileMediaKind,
    /// Video codecs (comma list; empty: any).
    pub video_codec: String,
    /// Audio codecs (comma list; empty: any).
    pub audio_codec: String,
}

/// The parts of a client's device profile the direct-play decision reads.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceProfile {
    /// What the client plays natively.
    pub direct_play: Vec<DirectPlayProfile>,
    /// The client's bandwidth limit, bits per second.
    pub max_streaming_bitrate: Option<i64>,
    /// How the client takes subtitles, by format (empty: the client said nothing).
    pub subtitle_profiles: Vec<SubtitleProfile>,
}

/// The decision for one media source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaybackDecision {
    /// The client can play the file as it is.
    pub direct_play: bool,
    /// The client can take the file's streams remuxed (equal to direct play, as in Jellyfin
    /// 10.11 for static files).
    pub direct_stream: bool,
    /// A transcode would be offered (not yet: always false).
    pub transcoding: bool,
    /// Why nothing can play, when nothing can.
    pub error: Option<PlaybackError>,
}

/// Why a source cannot be played.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaybackError {
    /// No profile entry fits and no transcode is available (`NoCompatibleStream`).
    NoCompatibleStream,
}

impl PlaybackError {
    /// Jellyfin's `PlaybackErrorCode` name.
    pub fn name(self) -> &'static str {
        match self {
            PlaybackError::NoCompatibleStream => "NoCompatibleStream",
        }
    }
}

fn list(s: &str) -> Vec<String> {
    s.split(',')
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| !v.is_empty())
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

/// The container names a file answers to: its extension, ffprobe's format names and their
/// usual aliases (`matroska` is `mkv`, `mov,mp4,...` covers `mp4` and `m4v`).
pub fn container_names(item: &ItemRecord) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    if let Some(p) = &item.path {
        let ext = path::extension(p)
            .trim_start_matches('.')
            .to_ascii_lowercase();
        if !ext.is_empty() {
            names.push(ext);
        }
    }
    for n in list(item.container.as_deref().unwrap_or("")) {
        match n.as_str() {
            "matroska" => names.extend(["mkv".into(), "matroska".into()]),
            "mov" | "mp4" => names.extend(["mp4".into(), "m4v".into(), "mov".into()]),
            "mpegts" => names.extend(["ts".into(), "mpegts".into()]),
            _ => names.push(n),
        }
    }
    names.sort();
    names.dedup();
    names
}

/// Decides direct play for the item's primary file. Without a profile, everything plays directly
/// (what a client that sends none gets from Jellyfin).
pub fn decide(item: &ItemRecord, profile: Option<&DeviceProfile>) -> PlaybackDecision {
    let yes = PlaybackDecision {
        direct_play: true,
        direct_stream: true,
        transcoding: false,
        error: None,
    };
    let Some(profile) = profile else { return yes };
    let kind = match item.media_type {
        Some(MediaType::Audio) => ProfileMediaKind::Audio,
        _ => ProfileMediaKind::Video,
    };
    let containers = container_names(item);
    let codec_of = |k: &str| -> Vec<String> {
        item.streams
            .iter()
            .filter(|s| !s.is_external && s.kind == k)
            .find(|s| s.is_default)
            .or_else(|| item.streams.iter().find(|s| !s.is_external && s.kind == k))
            .and_then(|s| s.codec.clone())
            .map(|c| vec![c.to_ascii_lowercase()])
            .unwrap_or_default()
    };
    let video = codec_of("Video");
    let audio = codec_of("Audio");
    let within_bitrate = match (profile.max_streaming_bitrate, item.bitrate) {
        (Some(max), Some(rate)) => rate <= max,
        _ => true,
    };
    let fits = profile.direct_play.iter().any(|p| {
        p.kind == kind
            && allowed(&p.container, &containers)
            && (video.is_empty() || allowed(&p.video_codec, &video))
            && (audio.is_empty() || allowed(&p.audio_codec, &audio))
    });
    if fits && within_bitrate {
        yes
    } else {
        PlaybackDecision {
            direct_play: false,
            direct_stream: false,
            transcoding: false,
            error: Some(PlaybackError::NoCompatibleStream),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StreamRecord;

    fn item(path: &str, container: &str, video: &str, audio: &str) -> ItemRecord {
        let stream = |kind: &str, codec: &str| StreamRecord {
            kind: kind.into(),
            codec: Some(codec.into()),
            ..StreamRecord::default()
        };
        ItemRecord {
            path: Some(path.into()),
            container: Some(container.into()),
            media_type: Some(MediaType::Video),
            streams: vec![stream("Video", video), stream("Audio", audio)],
            ..ItemRecord::default()
        }
    }

    fn profile(entries: &[(&str, &str, &str)]) -> DeviceProfile {
        DeviceProfile {
            direct_play: entries
                .iter()
                .map(|(c, v, a)| DirectPlayProfile {
                    container: (*c).into(),
                    kind: ProfileMediaKind::Video,
                    video_codec: (*v).into(),
                    audio_codec: (*a).into(),
                })
                .collect(),
            max_streaming_bitrate: None,
            subtitle_profiles: Vec::new(),
        }
    }

    #[test]
    fn direct_play_table() {
        let browser = profile(&[
            ("webm", "vp8,vp9,av1", "vorbis,opus"),
            ("mp4,m4v", "h264,vp9,av1", "aac,mp3,opus,flac"),
        ]);
        let cases = [
            (
                item("/m/a.mp4", "mov,mp4,m4a,3gp,3g2,mj2", "h264", "aac"),
                &browser,
                true,
            ),
            (
                item("/m/a.mkv", "matroska,webm", "h264", "aac"),
                &browser,
                false,
            ),
            (
                item("/m/a.mkv", "matroska,webm", "hevc", "ac3"),
                &profile(&[("mkv", "", "")]),
                true,
            ),
            (
                item("/m/a.mkv", "matroska,webm", "hevc", "ac3"),
                &profile(&[("-mp4", "hevc", "")]),
                true,
            ),
            (
                item("/m/a.mkv", "matroska,webm", "hevc", "ac3"),
                &profile(&[("-mkv", "", "")]),
                false,
            ),
            (
                item("/m/a.mp4", "mov,mp4,m4a,3gp,3g2,mj2", "hevc", "aac"),
                &browser,
                false,
            ),
        ];
        for (i, p, want) in cases {
            let d = decide(&i, Some(p));
            assert_eq!(d.direct_play, want, "{:?} {:?}", i.path, p);
            assert_eq!(d.direct_stream, d.direct_play);
            assert_eq!(d.error.is_some(), !want);
        }
        assert!(decide(&item("/m/a.avi", "avi", "mpeg4", "mp3"), None).direct_play);
    }
}
