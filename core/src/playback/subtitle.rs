//! How each subtitle stream reaches a client, from the `SubtitleProfiles` of its device profile
//! (Jellyfin's `StreamBuilder.GetSubtitleProfile`): kept in the container (`Embed`), fetched as a
//! separate file (`External`, possibly converted), listed in the HLS playlist (`Hls`), or burned
//! into the video (`Encode`).

use super::profile::StreamProtocol;
use super::{allowed, list};
use crate::subtitles;

/// `SubtitleDeliveryMethod`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubtitleMethod {
    /// Burned into the video by the transcoder.
    Encode,
    /// Kept in the container the client receives.
    Embed,
    /// A separate file the client fetches.
    External,
    /// A subtitle playlist in the HLS master.
    Hls,
    /// Not delivered.
    Drop,
}

impl SubtitleMethod {
    /// Parses Jellyfin's name (any case).
    pub fn parse(name: &str) -> Option<Self> {
        [
            Self::Encode,
            Self::Embed,
            Self::External,
            Self::Hls,
            Self::Drop,
        ]
        .into_iter()
        .find(|m| m.name().eq_ignore_ascii_case(name.trim()))
    }

    /// Jellyfin's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Encode => "Encode",
            Self::Embed => "Embed",
            Self::External => "External",
            Self::Hls => "Hls",
            Self::Drop => "Drop",
        }
    }
}

/// One `SubtitleProfile` of a device profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubtitleProfile {
    /// The format (`vtt`, `srt`, `ass`, `pgssub`...).
    pub format: String,
    /// How the client takes this format.
    pub method: SubtitleMethod,
    /// Languages it applies to (comma list; empty: all).
    pub language: String,
    /// Containers it applies to, for `Embed` (comma list; empty: all).
    pub container: String,
}

/// How the client receives the media the subtitles go with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlayMethod {
    /// The file as it is.
    DirectPlay,
    /// Remuxed.
    DirectStream,
    /// Transcoded.
    Transcode,
}

/// What the decision needs of one subtitle stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubtitleStreamFacts<'a> {
    /// The codec as reported to clients (`subrip`, `ass`, `PGSSUB`...).
    pub codec: &'a str,
    /// ISO 639-2 language, if known.
    pub language: Option<&'a str>,
    /// Whether the stream is a separate file.
    pub is_external: bool,
    /// Whether the stream is text.
    pub is_text: bool,
    /// Whether the server can serve the stream as a separate file (`SupportsExternalStream`).
    pub supports_external_stream: bool,
}

/// The chosen delivery of one subtitle stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubtitleDelivery {
    /// How it is delivered.
    pub method: SubtitleMethod,
    /// In which format (the file extension of an `External` URL).
    pub format: String,
}

/// Jellyfin's `MediaStream.SupportsSubtitleConversionTo`: text can become any text format but
/// ASS/SSA, and ASS/SSA cannot become anything (the styling would be lost).
fn can_convert(stream: &SubtitleStreamFacts<'_>, to: &str) -> bool {
    let from = stream.codec.to_ascii_lowercase();
    let to = to.to_ascii_lowercase();
    stream.is_text
        && !["ass", "ssa"].contains(&from.as_str())
        && !["ass", "ssa"].contains(&to.as_str())
}

/// Whether the server can hand the stream out as a file: external files always; embedded ones
/// when they can be extracted here (Jellyfin's `CanExtractSubtitles`, which is true for every
/// codec ffmpeg reads; here the codecs [`subtitles::can_extract`] names).
fn extractable(stream: &SubtitleStreamFacts<'_>) -> bool {
    stream.is_external || subtitles::can_extract(stream.codec)
}

fn supports_language(profile: &SubtitleProfile, language: Option<&str>) -> bool {
    let language = language.filter(|l| !l.is_empty()).unwrap_or("und");
    allowed(&profile.language, &[language.to_ascii_lowercase()])
}

/// `GetExternalSubtitleProfile`: an `External` (or, when transcoding, `Hls`) profile whose
/// text-ness matches the stream, first without conversion, then (`allow_conversion`) with.
fn external_profile<'p>(
    stream: &SubtitleStreamFacts<'_>,
    profiles: &'p [SubtitleProfile],
    play_method: PlayMethod,
    allow_conversion: bool,
) -> Option<&'p SubtitleProfile> {
    profiles.iter().find(|p| {
        let method_ok = match p.method {
            SubtitleMethod::External => stream.is_text != subtitles::is_bitmap_codec(&p.format),
            SubtitleMethod::Hls => play_method == PlayMethod::Transcode && stream.is_text,
            _ => false,
        };
        if !method_ok || !supports_language(p, stream.language) || !extractable(stream) {
            return false;
        }
        if p.format.eq_ignore_ascii_case(stream.codec) {
            return true;
        }
        allow_conversion
            && stream.is_text
            && stream.supports_external_stream
            && can_convert(stream, &p.format)
    })
}

/// Jellyfin's `IsSubtitleEmbedSupported`: a transcode can embed subtitles in Matroska, not in
/// MPEG-TS or MP4.
fn embed_supported(container: &[String]) -> bool {
    let has = |names: &[&str]| {
        container
            .iter()
            .any(|c| names.iter().any(|n| c.eq_ignore_ascii_case(n)))
    };
    !has(&["ts", "mpegts", "mp4"]) && has(&["mkv", "matroska"])
}

/// Jellyfin's `GetSubtitleProfile`: for an embedded stream (unless it is transcoded to HLS), an
/// `Embed` profile of its own format (then of a format it converts to) for the output container
/// (a transcode embeds only into Matroska); else an `External`/`Hls` profile without
/// conversion, then with; else `Encode` (burn-in). `container` is the container the client
/// receives (the file's names when direct playing); `protocol` the transcode's, if any.
pub fn subtitle_delivery(
    stream: &SubtitleStreamFacts<'_>,
    profiles: &[SubtitleProfile],
    play_method: PlayMethod,
    container: &[String],
    protocol: Option<StreamProtocol>,
) -> SubtitleDelivery {
    let found = |p: &SubtitleProfile| SubtitleDelivery {
        method: p.method,
        format: p.format.clone(),
    };
    let transcoding = play_method == PlayMethod::Transcode;
    if !stream.is_external && (!transcoding || protocol != Some(StreamProtocol::Hls)) {
        let embed = |p: &&SubtitleProfile| {
            p.method == SubtitleMethod::Embed
                && supports_language(p, stream.language)
                && allowed(&p.container, container)
                && (!transcoding || embed_supported(container))
        };
        let same = profiles.iter().filter(embed).find(|p| {
            stream.is_text != subtitles::is_bitmap_codec(&p.format)
                && p.format.eq_ignore_ascii_case(stream.codec)
        });
        let converted = || {
            profiles
                .iter()
                .filter(embed)
                .find(|p| stream.is_text && can_convert(stream, &p.format))
        };
        if let Some(p) = same.or_else(converted) {
            return found(p);
        }
    }
    external_profile(stream, profiles, play_method, false)
        .or_else(|| external_profile(stream, profiles, play_method, true))
        .map(found)
        .unwrap_or_else(|| SubtitleDelivery {
            method: SubtitleMethod::Encode,
            format: stream.codec.to_owned(),
        })
}

/// The delivery for a client that sent no subtitle profiles: text streams the server can
/// serve are `External`, as WebVTT (every player reads it), ASS/SSA in their own format (which
/// cannot be converted without losing the styling); other streams are burned in (`Encode`).
pub fn default_subtitle_delivery(stream: &SubtitleStreamFacts<'_>) -> SubtitleDelivery {
    let codec = stream.codec.to_ascii_lowercase();
    if stream.is_text && stream.supports_external_stream && extractable(stream) {
        let format = match codec.as_str() {
            "ass" | "ssa" => codec,
            _ => "vtt".to_owned(),
        };
        return SubtitleDelivery {
            method: SubtitleMethod::External,
            format,
        };
    }
    SubtitleDelivery {
        method: SubtitleMethod::Encode,
        format: stream.codec.to_owned(),
    }
}

/// The container names an output container list answers to (`mkv,webm` -> `mkv`, `webm`).
pub fn container_list(containers: &str) -> Vec<String> {
    list(containers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(format: &str, method: SubtitleMethod) -> SubtitleProfile {
        SubtitleProfile {
            format: format.into(),
            method,
            language: String::new(),
            container: String::new(),
        }
    }

    fn s(codec: &str, external: bool) -> SubtitleStreamFacts<'_> {
        let is_text = !subtitles::is_bitmap_codec(codec);
        SubtitleStreamFacts {
            codec,
            language: Some("eng"),
            is_external: external,
            is_text,
            supports_external_stream: is_text || external,
        }
    }

    #[test]
    fn deliveries() {
        use SubtitleMethod::*;
        let web = vec![p("vtt", External)];
        let web_libass = vec![p("vtt", External), p("ass", External), p("ssa", External)];
        let tv = vec![
            p("srt", Embed),
            p("subrip", Embed),
            p("ass", Embed),
            p("pgssub", Embed),
            p("vtt", External),
        ];
        let pgs_external = vec![p("vtt", External), p("pgssub", External)];
        let none: Vec<SubtitleProfile> = Vec::new();
        let drop_vtt = vec![p("vtt", Drop)];
        let hls_vtt = vec![p("vtt", Hls)];
        let mkv = container_list("mkv,matroska");
        let libav = cfg!(feature = "libav");
        let cases: Vec<(
            SubtitleStreamFacts<'_>,
            &[SubtitleProfile],
            PlayMethod,
            SubtitleMethod,
            &str,
        )> = vec![
            // Browsers: text converted to WebVTT and fetched.
            (
                s("subrip", false),
                &web[..],
                PlayMethod::DirectPlay,
                if libav { External } else { Encode },
                if libav { "vtt" } else { "subrip" },
            ),
            (
                s("subrip", true),
                &web,
                PlayMethod::DirectPlay,
                External,
                "vtt",
            ),
            (
                s("webvtt", true),
                &web,
                PlayMethod::DirectPlay,
                External,
                "vtt",
            ),
            // ASS cannot be converted: burned in, unless the client renders it (libass).
            (s("ass", false), &web, PlayMethod::DirectPlay, Encode, "ass"),
            (
                s("ass", false),
                &web_libass,
                PlayMethod::DirectPlay,
                if libav { External } else { Encode },
                "ass",
            ),
            (
                s("ass", true),
                &web_libass,
                PlayMethod::DirectPlay,
                External,
                "ass",
            ),
            // Pictures: burned in, unless an external profile takes them as they are (a file).
            (
                s("PGSSUB", false),
                &web,
                PlayMethod::DirectPlay,
                Encode,
                "PGSSUB",
            ),
            (
                s("PGSSUB", false),
                &pgs_external,
                PlayMethod::DirectPlay,
                Encode,
                "PGSSUB",
            ),
            (
                s("PGSSUB", true),
                &pgs_external,
                PlayMethod::DirectPlay,
                External,
                "pgssub",
            ),
            // A player that reads the container keeps embedded streams there.
            (
                s("subrip", false),
                &tv,
                PlayMethod::DirectPlay,
                Embed,
                "subrip",
            ),
            (
                s("PGSSUB", false),
                &tv,
                PlayMethod::DirectPlay,
                Embed,
                "pgssub",
            ),
            (
                s("mov_text", false),
                &tv,
                PlayMethod::DirectPlay,
                Embed,
                "srt",
            ),
            (
                s("subrip", true),
                &tv,
                PlayMethod::DirectPlay,
                External,
                "vtt",
            ),
            // Transcoding: no embedding into an unknown output.
            (
                s("subrip", true),
                &tv,
                PlayMethod::Transcode,
                External,
                "vtt",
            ),
            // No profile fits.
            (
                s("subrip", true),
                &none,
                PlayMethod::DirectPlay,
                Encode,
                "subrip",
            ),
            (
                s("subrip", true),
                &drop_vtt,
                PlayMethod::DirectPlay,
                Encode,
                "subrip",
            ),
            (
                s("subrip", true),
                &hls_vtt,
                PlayMethod::DirectPlay,
                Encode,
                "subrip",
            ),
            (
                s("subrip", true),
                &hls_vtt,
                PlayMethod::Transcode,
                Hls,
                "vtt",
            ),
        ];
        for (i, (stream, profiles, method, want_method, want_format)) in
            cases.into_iter().enumerate()
        {
            let got = subtitle_delivery(&stream, profiles, method, &mkv, None);
            assert_eq!(
                (got.method, got.format.as_str()),
                (want_method, want_format),
                "case {i}: {stream:?}"
            );
        }
    }

    #[test]
    fn languages_and_containers() {
        let mut fr_only = p("vtt", SubtitleMethod::External);
        fr_only.language = "fre,fra".into();
        let got = subtitle_delivery(
            &s("subrip", true),
            &[fr_only.clone()],
            PlayMethod::DirectPlay,
            &[],
            None,
        );
        assert_eq!(got.method, SubtitleMethod::Encode);
        let mut french = s("subrip", true);
        french.language = Some("FRE");
        let got = subtitle_delivery(&french, &[fr_only], PlayMethod::DirectPlay, &[], None);
        assert_eq!(got.method, SubtitleMethod::External);
        let mut und_only = p("vtt", SubtitleMethod::External);
        und_only.language = "und".into();
        let mut unknown = s("subrip", true);
        unknown.language = None;
        let got = subtitle_delivery(&unknown, &[und_only], PlayMethod::DirectPlay, &[], None);
        assert_eq!(got.method, SubtitleMethod::External);
        let mut mp4_embed = p("subrip", SubtitleMethod::Embed);
        mp4_embed.container = "mp4".into();
        let got = subtitle_delivery(
            &s("subrip", false),
            &[mp4_embed],
            PlayMethod::DirectPlay,
            &container_list("mkv"),
            None,
        );
        assert_eq!(got.method, SubtitleMethod::Encode);
    }

    #[test]
    fn defaults_without_profiles() {
        let libav = cfg!(feature = "libav");
        let cases = [
            (s("subrip", true), SubtitleMethod::External, "vtt"),
            (
                s("subrip", false),
                if libav {
                    SubtitleMethod::External
                } else {
                    SubtitleMethod::Encode
                },
                if libav { "vtt" } else { "subrip" },
            ),
            (s("ass", true), SubtitleMethod::External, "ass"),
            (s("SSA", true), SubtitleMethod::External, "ssa"),
            (s("PGSSUB", false), SubtitleMethod::Encode, "PGSSUB"),
            (s("eia_608", false), SubtitleMethod::Encode, "eia_608"),
        ];
        for (stream, method, format) in cases {
            let got = default_subtitle_delivery(&stream);
            assert_eq!(
                (got.method, got.format.as_str()),
                (method, format),
                "{stream:?}"
            );
        }
        assert_eq!(
            SubtitleMethod::parse("external"),
            Some(SubtitleMethod::External)
        );
        assert_eq!(SubtitleMethod::parse("nope"), None);
    }
}
