//! What the playback decision knows of a media source and its streams ([`SourceFacts`],
//! [`StreamFacts`]), read from a stored item, and the rules that give them Jellyfin's shape:
//! the normalized container list (`ProbeResultNormalizer.NormalizeFormat`), subtitle codec names
//! (`NormalizeSubtitleCodec`, `IsTextFormat`) and the video range (`GetVideoColorRange`).
//!
//! The store does not keep field order, reference frames, sample aspect ratio, codec tags or the
//! AVC/Annex B form; those facts are unknown here (`None`; interlacing is `false`, as in
//! Jellyfin when the probe says nothing), so conditions on them hold unless `IsRequired`.

use super::profile::{named_enum, ProfileMediaKind};
use crate::naming::path;
use crate::store::{ItemRecord, MediaType, StreamRecord};

named_enum!(
    /// `VideoRange`.
    #[allow(clippy::upper_case_acronyms)]
    VideoRange {
        /// Not a video stream.
        Unknown,
        /// Standard dynamic range.
        SDR,
        /// High dynamic range.
        HDR,
    }
);

named_enum!(
    /// `VideoRangeType`, in Jellyfin's declaration order.
    #[allow(clippy::upper_case_acronyms)]
    VideoRangeType {
        /// Not a video stream.
        Unknown,
        /// SDR.
        SDR,
        /// HDR10 (PQ).
        HDR10,
        /// HLG.
        HLG,
        /// Dolby Vision without a compatible base layer (profile 5).
        DOVI,
        /// Dolby Vision with an HDR10 base layer.
        DOVIWithHDR10,
        /// Dolby Vision with an HLG base layer.
        DOVIWithHLG,
        /// Dolby Vision with an SDR base layer.
        DOVIWithSDR,
        /// Dolby Vision with an enhancement layer.
        DOVIWithEL,
        /// Dolby Vision with an HDR10+ base layer.
        DOVIWithHDR10Plus,
        /// Dolby Vision with an enhancement layer and HDR10+.
        DOVIWithELHDR10Plus,
        /// Broken Dolby Vision metadata.
        DOVIInvalid,
        /// HDR10+.
        HDR10Plus,
    }
);

#[allow(clippy::derivable_impls)]
impl Default for VideoRangeType {
    fn default() -> Self {
        Self::Unknown
    }
}

/// The kind of a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamKind {
    /// Video.
    Video,
    /// Audio.
    Audio,
    /// Subtitles.
    Subtitle,
    /// Cover art stored as a video stream.
    EmbeddedImage,
    /// Lyrics.
    Lyric,
    /// Anything else.
    Data,
}

impl StreamKind {
    /// The kind of a stored stream kind name (`Video`, `Audio`, ...).
    pub fn from_stored(kind: &str) -> Self {
        match kind {
            "Video" => Self::Video,
            "Audio" => Self::Audio,
            "Subtitle" => Self::Subtitle,
            "EmbeddedImage" => Self::EmbeddedImage,
            "Lyric" => Self::Lyric,
            _ => Self::Data,
        }
    }
}

/// One stream of a media source, as the decision reads it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StreamFacts {
    /// Index (embedded streams in container order, external ones after them).
    pub index: i32,
    /// Kind.
    pub kind: Option<StreamKind>,
    /// Codec (ffprobe's name; subtitle bitmaps as Jellyfin names them: `PGSSUB`).
    pub codec: Option<String>,
    /// Codec profile (`High`, `Main 10`, `LC`).
    pub profile: Option<String>,
    /// Codec level.
    pub level: Option<f64>,
    /// Width.
    pub width: Option<i32>,
    /// Height.
    pub height: Option<i32>,
    /// Bit depth.
    pub bit_depth: Option<i32>,
    /// Bit rate.
    pub bit_rate: Option<i64>,
    /// Average frame rate.
    pub average_frame_rate: Option<f64>,
    /// Real (base) frame rate.
    pub real_frame_rate: Option<f64>,
    /// SDR/HDR kind (`Unknown` for non-video streams).
    pub range_type: VideoRangeType,
    /// Interlaced.
    pub is_interlaced: bool,
    /// Non-square pixels, if known.
    pub is_anamorphic: Option<bool>,
    /// Reference frames, if known.
    pub ref_frames: Option<i32>,
    /// Codec tag (`hvc1`), if known.
    pub codec_tag: Option<String>,
    /// AVC form of H.264, if known.
    pub is_avc: Option<bool>,
    /// Audio channels.
    pub channels: Option<i32>,
    /// Sample rate.
    pub sample_rate: Option<i32>,
    /// ISO 639-2 language.
    pub language: Option<String>,
    /// Default flag.
    pub is_default: bool,
    /// Forced flag.
    pub is_forced: bool,
    /// A separate file.
    pub is_external: bool,
    /// Text subtitles.
    pub is_text: bool,
    /// Whether the server can hand the subtitle out as a file.
    pub supports_external_stream: bool,
    /// Pixel format (`yuv420p10le`), if known.
    pub pixel_format: Option<String>,
    /// Colour transfer (`smpte2084`, `arib-std-b67`, `bt709`), if known.
    pub color_transfer: Option<String>,
    /// Colour primaries (`bt2020`), if known.
    pub color_primaries: Option<String>,
    /// The file of an external stream (from the store).
    pub path: Option<String>,
}

impl StreamFacts {
    /// Jellyfin's `ReferenceFrameRate`: the average frame rate unless it is absurd (1000 or
    /// more, a libav artefact), else the real one.
    pub fn reference_frame_rate(&self) -> Option<f64> {
        match self.average_frame_rate {
            Some(a) if a < 1000.0 => Some(a),
            _ => self.real_frame_rate,
        }
    }

    /// The facts of a stored stream.
    pub fn from_record(s: &StreamRecord) -> Self {
        let kind = StreamKind::from_stored(&s.kind);
        let codec = s
            .codec
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(|c| match kind {
                StreamKind::Subtitle => normalize_subtitle_codec(c),
                _ => c.to_owned(),
            })
            .or_else(|| {
                // An external subtitle file without a probed codec is known by its extension.
                (kind == StreamKind::Subtitle && s.is_external)
                    .then(|| s.path.as_deref().map(path::extension))
                    .flatten()
                    .map(|e| e.trim_start_matches('.').to_ascii_lowercase())
                    .filter(|e| !e.is_empty())
            });
        let is_subtitle = kind == StreamKind::Subtitle;
        let is_text = is_subtitle
            && (codec.is_some() || s.is_external)
            && is_text_subtitle_codec(codec.as_deref().unwrap_or(""));
        StreamFacts {
            index: s.index,
            kind: Some(kind),
            codec,
            profile: s.profile.clone().filter(|p| !p.is_empty()),
            level: s.level,
            width: s.width,
            height: s.height,
            bit_depth: s.bit_depth,
            bit_rate: s.bit_rate.filter(|b| *b > 0),
            average_frame_rate: s.average_frame_rate,
            real_frame_rate: s.real_frame_rate,
            range_type: video_range(s).1,
            is_interlaced: false,
            is_anamorphic: None,
            ref_frames: None,
            codec_tag: None,
            is_avc: None,
            channels: s.channels,
            sample_rate: s.sample_rate,
            language: s.language.clone().filter(|l| !l.is_empty()),
            is_default: s.is_default,
            is_forced: s.is_forced,
            is_external: s.is_external,
            is_text,
            supports_external_stream: is_subtitle && (s.is_external || is_text),
            pixel_format: s.pixel_format.clone().filter(|p| !p.is_empty()),
            color_transfer: s.color_transfer.clone().filter(|t| !t.is_empty()),
            color_primaries: s.color_primaries.clone().filter(|p| !p.is_empty()),
            path: s.path.clone().filter(|_| s.is_external),
        }
    }

    /// Whether the stream is of `kind`.
    pub fn is(&self, kind: StreamKind) -> bool {
        self.kind == Some(kind)
    }
}

/// One media source (a playable file), as the decision reads it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SourceFacts {
    /// Jellyfin's container list (`mkv`, `mov,mp4,m4a,3gp,3g2,mj2`), see [`normalize_container`].
    pub container: Option<String>,
    /// Total bit rate (the container's, else the sum of the embedded streams').
    pub bitrate: Option<i64>,
    /// An audio file (Jellyfin's audio path) rather than a video.
    pub is_audio: bool,
    /// A DVD or Blu-ray folder (never played directly).
    pub is_disc: bool,
    /// The streams.
    pub streams: Vec<StreamFacts>,
    /// The audio stream played when the client names none.
    pub default_audio_index: Option<i32>,
    /// The subtitle stream shown when the client names none (`None`: subtitles off).
    pub default_subtitle_index: Option<i32>,
}

impl SourceFacts {
    /// The facts of a stored item's own file. The default audio stream is Jellyfin's
    /// `GetDefaultAudioStream` (first default-flagged, else first); the default subtitle stream
    /// is left unset (the caller applies the user's subtitle preferences). A lone video stream
    /// without a bit rate (usual in Matroska) is given the container's minus the audio
    /// streams', so that whether it can be copied within a bit rate limit can be judged.
    pub fn from_item(item: &ItemRecord) -> Self {
        let mut streams: Vec<StreamFacts> =
            item.streams.iter().map(StreamFacts::from_record).collect();
        // Matroska files often carry no per-stream bit rate: the only video stream gets what
        // the container's rate leaves after the audio streams (so a copy can be judged).
        let videos = streams.iter().filter(|s| s.is(StreamKind::Video)).count();
        if let (1, Some(total)) = (videos, item.bitrate.filter(|b| *b > 0)) {
            let audio: i64 = streams
                .iter()
                .filter(|s| s.is(StreamKind::Audio) && !s.is_external)
                .filter_map(|s| s.bit_rate)
                .sum();
            if let Some(v) = streams
                .iter_mut()
                .find(|s| s.is(StreamKind::Video) && s.bit_rate.is_none())
            {
                v.bit_rate = Some(total - audio).filter(|b| *b > 0);
            }
        }
        let container = match item.container.as_deref() {
            Some(c) if !c.trim().is_empty() => Some(normalize_container(c, &item.streams)),
            _ => item
                .path
                .as_deref()
                .map(path::extension)
                .map(|e| e.trim_start_matches('.').to_ascii_lowercase())
                .filter(|e| !e.is_empty()),
        };
        let bitrate = item.bitrate.filter(|b| *b > 0).or_else(|| {
            let embedded: Vec<&StreamRecord> =
                item.streams.iter().filter(|s| !s.is_external).collect();
            let sum: i64 = embedded.iter().filter_map(|s| s.bit_rate).sum();
            (!embedded.is_empty() && sum > 0).then_some(sum)
        });
        let is_disc = item
            .video_type
            .as_deref()
            .is_some_and(|v| v.eq_ignore_ascii_case("Dvd") || v.eq_ignore_ascii_case("BluRay"));
        let mut facts = SourceFacts {
            container,
            bitrate,
            is_audio: item.media_type == Some(MediaType::Audio),
            is_disc,
            streams,
            default_audio_index: None,
            default_subtitle_index: None,
        };
        facts.default_audio_index = facts.default_audio_stream(None).map(|s| s.index);
        facts
    }

    /// The kind of profile entries that apply.
    pub fn media_kind(&self) -> ProfileMediaKind {
        if self.is_audio {
            ProfileMediaKind::Audio
        } else {
            ProfileMediaKind::Video
        }
    }

    /// Jellyfin's `VideoStream`: the first video stream.
    pub fn video_stream(&self) -> Option<&StreamFacts> {
        self.streams.iter().find(|s| s.is(StreamKind::Video))
    }

    /// Jellyfin's `GetDefaultAudioStream`: the audio stream at `index`, else the first
    /// default-flagged one, else the first.
    pub fn default_audio_stream(&self, index: Option<i32>) -> Option<&StreamFacts> {
        let audio = || self.streams.iter().filter(|s| s.is(StreamKind::Audio));
        index
            .and_then(|i| audio().find(|s| s.index == i))
            .or_else(|| audio().find(|s| s.is_default))
            .or_else(|| audio().next())
    }

    /// The stream of `kind` at `index`.
    pub fn stream(&self, kind: StreamKind, index: i32) -> Option<&StreamFacts> {
        self.streams.iter().find(|s| s.is(kind) && s.index == index)
    }

    /// Jellyfin's `GetStreamCount`: `None` when the source has no streams at all.
    pub fn stream_count(&self, kind: StreamKind) -> Option<i32> {
        if self.streams.is_empty() {
            return None;
        }
        Some(self.streams.iter().filter(|s| s.is(kind)).count() as i32)
    }

    /// Jellyfin's `IsSecondaryAudio`: an embedded audio stream that is not the first embedded
    /// audio stream; external audio is never secondary.
    pub fn is_secondary_audio(&self, stream: &StreamFacts) -> Option<bool> {
        if stream.is_external {
            return Some(false);
        }
        self.streams
            .iter()
            .find(|s| s.is(StreamKind::Audio) && !s.is_external)
            .map(|first| first.index != stream.index)
    }
}

/// Jellyfin's `ProbeResultNormalizer.NormalizeFormat`: libav's format list with `mpegvideo` ->
/// `mpeg`, `mpegts` -> `ts`, `matroska` -> `mkv`, and `webm` dropped unless every video stream
/// is AV1/VP8/VP9 and every audio stream Opus/Vorbis (`matroska,webm` -> `mkv` for an H.264
/// file).
pub fn normalize_container(format: &str, streams: &[StreamRecord]) -> String {
    let webm_ok = streams.iter().all(|s| {
        let codec = s.codec.as_deref().unwrap_or("").to_ascii_lowercase();
        match s.kind.as_str() {
            "Video" => ["av1", "vp8", "vp9"].contains(&codec.as_str()),
            "Audio" => ["opus", "vorbis"].contains(&codec.as_str()),
            _ => true,
        }
    });
    format
        .split(',')
        .filter_map(|part| {
            let lower = part.trim().to_ascii_lowercase();
            match lower.as_str() {
                "mpegvideo" => Some("mpeg".to_owned()),
                "mpegts" => Some("ts".to_owned()),
                "matroska" => Some("mkv".to_owned()),
                "webm" if !webm_ok => None,
                "" => None,
                _ => Some(part.trim().to_owned()),
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Jellyfin's `NormalizeSubtitleCodec` (10.11): libav's names of the bitmap formats become
/// Jellyfin's (`dvb_subtitle` -> `DVBSUB`, `dvb_teletext` -> `DVBTXT`, `dvd_subtitle` ->
/// `DVDSUB`, `hdmv_pgs_subtitle` -> `PGSSUB`); others are unchanged.
pub fn normalize_subtitle_codec(codec: &str) -> String {
    match codec.to_ascii_lowercase().as_str() {
        "dvb_subtitle" => "DVBSUB".into(),
        "dvb_teletext" => "DVBTXT".into(),
        "dvd_subtitle" => "DVDSUB".into(),
        "hdmv_pgs_subtitle" => "PGSSUB".into(),
        _ => codec.to_owned(),
    }
}

/// Jellyfin's `MediaStream.IsTextFormat`: everything but bitmap formats (PGS, DVD/DVB subs,
/// `sup`, `sub`) is text; `microdvd` (which shares `.sub`) is text.
pub fn is_text_subtitle_codec(codec: &str) -> bool {
    let c = codec.to_ascii_lowercase();
    c.contains("microdvd")
        || (!c.contains("pgs")
            && !c.contains("dvdsub")
            && !c.contains("dvbsub")
            && c != "sup"
            && c != "sub")
}

/// The Dolby Vision base-layer compatibility id, inferred (the store keeps the profile but not
/// `dv_bl_signal_compatibility_id`): profile 5 has none (0), profile 7 is Blu-ray (6), profiles
/// 8 and 10 follow the transfer of the base layer (PQ 1, SDR 2, HLG 4).
pub fn dovi_compat_id(s: &StreamRecord) -> Option<i32> {
    let transfer = s
        .color_transfer
        .as_deref()
        .unwrap_or("")
        .to_ascii_lowercase();
    let by_transfer = match transfer.as_str() {
        "smpte2084" => Some(1),
        "bt709" | "bt470bg" | "smpte170m" | "bt470m" => Some(2),
        "arib-std-b67" => Some(4),
        _ => None,
    };
    match s.dv_profile? {
        5 => Some(0),
        7 => Some(6),
        8 => by_transfer,
        10 => by_transfer.or(Some(0)),
        _ => None,
    }
}

/// Jellyfin's `GetVideoColorRange` for a stored stream. The store keeps the Dolby Vision profile
/// but not the configuration record's base-layer compatibility id, so that id is inferred (5:
/// none, 7: Blu-ray, 8/10: from the base layer's transfer), and the RPU and base-layer flags are
/// assumed present when a profile is stored:
/// profile 5 -> `DOVI`; 7 -> `HDR10` (as Jellyfin 10.11); 8 -> `DOVIWithHDR10` / `DOVIWithHLG`
/// / `DOVIWithSDR` by base-layer transfer (unknown transfer: `SDR`, Jellyfin's fallback); 10 ->
/// the same, `DOVI` without a known base layer. Otherwise the transfer decides: `smpte2084` ->
/// `HDR10`, `arib-std-b67` -> `HLG`, else `SDR`. Non-video streams are `Unknown`.
pub fn video_range(s: &StreamRecord) -> (VideoRange, VideoRangeType) {
    if StreamKind::from_stored(&s.kind) != StreamKind::Video {
        return (VideoRange::Unknown, VideoRangeType::Unknown);
    }
    if let Some(profile) = s.dv_profile {
        let compat = dovi_compat_id(s);
        match profile {
            5 => return (VideoRange::HDR, VideoRangeType::DOVI),
            7 => return (VideoRange::HDR, VideoRangeType::HDR10),
            8 | 10 => {
                return match compat {
                    Some(0) => (VideoRange::HDR, VideoRangeType::DOVI),
                    Some(1) | Some(6) => (VideoRange::HDR, VideoRangeType::DOVIWithHDR10),
                    Some(4) => (VideoRange::HDR, VideoRangeType::DOVIWithHLG),
                    Some(2) => (VideoRange::SDR, VideoRangeType::DOVIWithSDR),
                    _ => (VideoRange::SDR, VideoRangeType::SDR),
                }
            }
            _ => {}
        }
    }
    match s
        .color_transfer
        .as_deref()
        .unwrap_or("")
        .to_ascii_lowercase()
        .as_str()
    {
        "smpte2084" => (VideoRange::HDR, VideoRangeType::HDR10),
        "arib-std-b67" => (VideoRange::HDR, VideoRangeType::HLG),
        _ => (VideoRange::SDR, VideoRangeType::SDR),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(index: i32, kind: &str, codec: &str) -> StreamRecord {
        StreamRecord {
            index,
            kind: kind.into(),
            codec: Some(codec.into()),
            ..StreamRecord::default()
        }
    }

    #[test]
    fn containers_and_streams() {
        let h264 = [stream(0, "Video", "h264"), stream(1, "Audio", "aac")];
        let vp9 = [stream(0, "Video", "vp9"), stream(1, "Audio", "opus")];
        assert_eq!(normalize_container("matroska,webm", &h264), "mkv");
        assert_eq!(normalize_container("matroska,webm", &vp9), "mkv,webm");
        assert_eq!(normalize_container("mpegts", &h264), "ts");
        assert_eq!(
            normalize_container("mov,mp4,m4a,3gp,3g2,mj2", &h264),
            "mov,mp4,m4a,3gp,3g2,mj2"
        );

        let item = ItemRecord {
            path: Some("/m/Film.mkv".into()),
            container: Some("matroska,webm".into()),
            media_type: Some(MediaType::Video),
            streams: vec![
                stream(0, "Video", "hevc"),
                StreamRecord {
                    is_default: true,
                    ..stream(1, "Audio", "ac3")
                },
                stream(2, "Audio", "aac"),
                stream(3, "Subtitle", "hdmv_pgs_subtitle"),
                StreamRecord {
                    is_external: true,
                    codec: None,
                    path: Some("/m/Film.en.srt".into()),
                    ..stream(4, "Subtitle", "")
                },
            ],
            ..ItemRecord::default()
        };
        let facts = SourceFacts::from_item(&item);
        assert_eq!(facts.container.as_deref(), Some("mkv"));
        assert_eq!(facts.default_audio_index, Some(1));
        assert_eq!(facts.stream_count(StreamKind::Audio), Some(2));
        let aac = facts.stream(StreamKind::Audio, 2).expect("aac");
        assert_eq!(facts.is_secondary_audio(aac), Some(true));
        let ac3 = facts.stream(StreamKind::Audio, 1).expect("ac3");
        assert_eq!(facts.is_secondary_audio(ac3), Some(false));
        let pgs = facts.stream(StreamKind::Subtitle, 3).expect("pgs");
        assert_eq!(pgs.codec.as_deref(), Some("PGSSUB"));
        assert!(!pgs.is_text && !pgs.supports_external_stream);
        let srt = facts.stream(StreamKind::Subtitle, 4).expect("srt");
        assert_eq!(srt.codec.as_deref(), Some("srt"));
        assert!(srt.is_text && srt.supports_external_stream);

        let no_container = ItemRecord {
            path: Some("/m/a.AVI".into()),
            ..ItemRecord::default()
        };
        assert_eq!(
            SourceFacts::from_item(&no_container).container.as_deref(),
            Some("avi")
        );
        assert_eq!(
            StreamFacts {
                average_frame_rate: Some(1000.0),
                real_frame_rate: Some(25.0),
                ..StreamFacts::default()
            }
            .reference_frame_rate(),
            Some(25.0)
        );
    }
}
