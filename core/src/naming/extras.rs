//! Extras: trailers, featurettes, theme songs and the other kinds of video that belong to a movie
//! or series rather than being items of their own (conventions section 5a).

use super::{compile, path, NamingOptions};

/// Jellyfin's `ExtraType`, with its numeric values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ExtraType {
    /// An extra of no specific kind (`extras/`, `-extra`).
    Unknown = 0,
    /// A clip.
    Clip = 1,
    /// A trailer.
    Trailer = 2,
    /// Behind the scenes footage.
    BehindTheScenes = 3,
    /// A deleted scene.
    DeletedScene = 4,
    /// An interview.
    Interview = 5,
    /// A scene.
    Scene = 6,
    /// A sample.
    Sample = 7,
    /// A theme song (audio).
    ThemeSong = 8,
    /// A theme video.
    ThemeVideo = 9,
    /// A featurette.
    Featurette = 10,
    /// A short.
    Short = 11,
}

impl ExtraType {
    /// Every extra type, in enum order.
    pub const ALL: [ExtraType; 12] = [
        ExtraType::Unknown,
        ExtraType::Clip,
        ExtraType::Trailer,
        ExtraType::BehindTheScenes,
        ExtraType::DeletedScene,
        ExtraType::Interview,
        ExtraType::Scene,
        ExtraType::Sample,
        ExtraType::ThemeSong,
        ExtraType::ThemeVideo,
        ExtraType::Featurette,
        ExtraType::Short,
    ];

    /// Jellyfin's name for the type (`"Trailer"`, `"BehindTheScenes"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            ExtraType::Unknown => "Unknown",
            ExtraType::Clip => "Clip",
            ExtraType::Trailer => "Trailer",
            ExtraType::BehindTheScenes => "BehindTheScenes",
            ExtraType::DeletedScene => "DeletedScene",
            ExtraType::Interview => "Interview",
            ExtraType::Scene => "Scene",
            ExtraType::Sample => "Sample",
            ExtraType::ThemeSong => "ThemeSong",
            ExtraType::ThemeVideo => "ThemeVideo",
            ExtraType::Featurette => "Featurette",
            ExtraType::Short => "Short",
        }
    }

    /// Parses Jellyfin's name of a type, ignoring case.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(name))
    }
}

/// How an [`ExtraRule`] matches a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtraRuleKind {
    /// The file name without extension, trailing digits removed, ends with the token.
    Suffix,
    /// The file name without extension equals the token.
    Filename,
    /// The file name (with extension) matches the token as a regular expression.
    Regex,
    /// The name of the file's parent folder equals the token (not when that folder is the
    /// library root).
    DirectoryName,
}

/// Which files a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleMediaType {
    /// Files with a video extension.
    Video,
    /// Files with an audio extension.
    Audio,
}

/// One extra classification rule.
#[derive(Debug, Clone)]
pub struct ExtraRule {
    /// The type given to a matching file.
    pub extra_type: ExtraType,
    /// How the rule matches.
    pub kind: ExtraRuleKind,
    /// The token (suffix, file name, folder name or regular expression).
    pub token: String,
    /// Which files the rule applies to.
    pub media_type: RuleMediaType,
    regex: Option<fancy_regex::Regex>,
}

impl ExtraRule {
    /// Builds a rule; a [`ExtraRuleKind::Regex`] token is compiled here, once.
    pub fn new(
        extra_type: ExtraType,
        kind: ExtraRuleKind,
        token: &str,
        media_type: RuleMediaType,
    ) -> Self {
        let regex = (kind == ExtraRuleKind::Regex).then(|| compile(token));
        Self {
            extra_type,
            kind,
            token: token.to_owned(),
            media_type,
            regex,
        }
    }
}

/// The default rule list, in the order Jellyfin tries it: folder names, then whole file names
/// and suffixes.
pub fn default_rules() -> Vec<ExtraRule> {
    use ExtraRuleKind::{DirectoryName as Dir, Filename as File, Suffix};
    use ExtraType::*;
    use RuleMediaType::{Audio, Video};
    let table: &[(ExtraType, ExtraRuleKind, &str, RuleMediaType)] = &[
        (Trailer, Dir, "trailers", Video),
        (ThemeVideo, Dir, "backdrops", Video),
        (ThemeSong, Dir, "theme-music", Audio),
        (BehindTheScenes, Dir, "behind the scenes", Video),
        (DeletedScene, Dir, "deleted scenes", Video),
        (Interview, Dir, "interviews", Video),
        (Scene, Dir, "scenes", Video),
        (Sample, Dir, "samples", Video),
        (Short, Dir, "shorts", Video),
        (Featurette, Dir, "featurettes", Video),
        (Unknown, Dir, "extras", Video),
        (Unknown, Dir, "extra", Video),
        (Unknown, Dir, "other", Video),
        (Clip, Dir, "clips", Video),
        (Trailer, File, "trailer", Video),
        (Trailer, Suffix, "-trailer", Video),
        (Trailer, Suffix, ".trailer", Video),
        (Trailer, Suffix, "_trailer", Video),
        (Trailer, Suffix, "- trailer", Video),
        (Sample, File, "sample", Video),
        (Sample, Suffix, "-sample", Video),
        (Sample, Suffix, ".sample", Video),
        (Sample, Suffix, "_sample", Video),
        (Sample, Suffix, "- sample", Video),
        (ThemeSong, File, "theme", Audio),
        (Scene, Suffix, "-scene", Video),
        (Clip, Suffix, "-clip", Video),
        (Interview, Suffix, "-interview", Video),
        (BehindTheScenes, Suffix, "-behindthescenes", Video),
        (DeletedScene, Suffix, "-deleted", Video),
        (DeletedScene, Suffix, "-deletedscene", Video),
        (Featurette, Suffix, "-featurette", Video),
        (Short, Suffix, "-short", Video),
        (Unknown, Suffix, "-extra", Video),
        (Unknown, Suffix, "-other", Video),
    ];
    table
        .iter()
        .map(|(t, k, tok, m)| ExtraRule::new(*t, *k, tok, *m))
        .collect()
}

/// The classification of one path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExtraMatch {
    /// The extra type, or `None` for a normal item.
    pub extra_type: Option<ExtraType>,
    /// Index in `NamingOptions::video.extra_rules` of the rule that matched.
    pub rule_index: Option<usize>,
}

fn ends_with_ignore_case(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len()
        && s.is_char_boundary(s.len() - suffix.len())
        && s[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

/// Classifies `path` as an extra (first matching rule wins). `library_root` is the library's
/// root folder, where folder-name rules do not apply.
pub fn classify(opts: &NamingOptions, path: &str, library_root: Option<&str>) -> ExtraMatch {
    let is_video = opts.extensions.is_video(path);
    let is_audio = opts.extensions.is_audio(path);
    for (index, rule) in opts.video.extra_rules.iter().enumerate() {
        let applies = match rule.media_type {
            RuleMediaType::Video => is_video,
            RuleMediaType::Audio => is_audio,
        };
        if !applies {
            continue;
        }
        let matched = match rule.kind {
            ExtraRuleKind::Filename => path::file_stem(path).eq_ignore_ascii_case(&rule.token),
            ExtraRuleKind::Suffix => {
                let stem = path::file_stem(path).trim_end_matches(|c: char| c.is_ascii_digit());
                ends_with_ignore_case(stem, &rule.token)
            }
            ExtraRuleKind::Regex => rule
                .regex
                .as_ref()
                .is_some_and(|r| r.is_match(path::file_name(path)).unwrap_or(false)),
            ExtraRuleKind::DirectoryName => {
                let dir = path::parent(path).unwrap_or("");
                path::file_name(dir).eq_ignore_ascii_case(&rule.token)
                    && !library_root
                        .is_some_and(|root| dir.eq_ignore_ascii_case(root.trim_end_matches('/')))
            }
        };
        if matched {
            return ExtraMatch {
                extra_type: Some(rule.extra_type),
                rule_index: Some(index),
            };
        }
    }
    ExtraMatch::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_table() {
        let opts = NamingOptions::default();
        let cases: &[(&str, Option<&str>, Option<ExtraType>)] = &[
            ("Movie-trailer3.mkv", None, Some(ExtraType::Trailer)),
            ("Movie - Trailer.mkv", None, Some(ExtraType::Trailer)),
            ("I Live In A Trailer.mp4", None, None),
            ("trailer.mp3", None, None),
            ("theme.flac", None, Some(ExtraType::ThemeSong)),
            ("/m/trailers/x.mkv", Some("/m/trailers"), None),
            ("/m/a/trailers/x.mkv", Some("/m"), Some(ExtraType::Trailer)),
            ("/m/a/Featurettes/x.mkv", None, Some(ExtraType::Featurette)),
            ("", None, None),
        ];
        for (p, root, want) in cases {
            assert_eq!(classify(&opts, p, *root).extra_type, *want, "{p}");
        }
    }

    #[test]
    fn names_round_trip() {
        for t in ExtraType::ALL {
            assert_eq!(ExtraType::from_name(t.name()), Some(t));
        }
        assert_eq!(ExtraType::Short as i32, 11);
    }
}
