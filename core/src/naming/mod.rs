//! Naming: what a file or folder name means, as Jellyfin's `Emby.Naming` decides it.
//!
//! This module owns every rule that reads meaning out of a path, and nothing else: it never
//! touches the file system (callers pass names and, where a rule needs them, directory
//! listings). The rules are data in [`NamingOptions`], compiled once when the options are built;
//! every resolver takes `&NamingOptions`, so two libraries with different rules can live in one
//! process.
//!
//! Sub-modules, by domain:
//! - [`path`]: file name, extension and parent splitting with Jellyfin's separator semantics.
//! - [`video`]: single videos: name and year cleaning, 3D flags, stubs ([`video::resolve`]).
//! - [`extras`]: trailers, featurettes and other extras ([`extras::ExtraRule`]).
//! - [`stack`]: multi-part files (`cd1`, `part2`, ...).
//! - [`video_list`]: grouping a folder's videos into items with versions, stacks and extras.
//! - [`tv`]: episodes, seasons and series folders.
//! - [`audio`]: music multi-disc folders and audiobooks.
//! - [`book`]: book and comic file names.
//! - [`external`]: external subtitles, audio tracks and lyrics, with the ISO 639-2 table.
//! - [`ignore`]: which paths a scan skips, including `.ignore` files.
//! - [`artwork`]: local artwork and NFO file names.
//! - [`provider_ids`]: `[imdbid-tt123]`-style provider ids in names.

pub mod artwork;
pub mod audio;
pub mod book;
pub mod external;
pub mod extras;
pub mod ignore;
pub mod path;
pub mod provider_ids;
pub mod stack;
pub mod tv;
pub mod video;
pub mod video_list;

/// Every naming rule, compiled. Build it once (`NamingOptions::default()`) and share it.
///
/// The rule lists are public so that an embedder can adjust them (Jellyfin's tests do the same);
/// regular expressions are compiled when a rule set is built, never per call.
#[derive(Debug, Clone, Default)]
pub struct NamingOptions {
    /// Recognised file extensions per media kind.
    pub extensions: MediaExtensions,
    /// Video rules: clean-date, clean-string, 3D, stubs, extras, stacking.
    pub video: video::VideoRules,
    /// TV rules: episode, multi-episode, season and series expressions.
    pub tv: tv::TvRules,
    /// Audio rules: album disc folders and audiobooks.
    pub audio: audio::AudioRules,
    /// External file (subtitle, audio, lyric) flag rules and the language table.
    pub external: external::ExternalRules,
    /// Book and comic file-name rules.
    pub book: book::BookRules,
}

/// Recognised file extensions, lower-case with the leading dot.
#[derive(Debug, Clone)]
pub struct MediaExtensions {
    /// Video containers.
    pub video: Vec<String>,
    /// Audio files.
    pub audio: Vec<String>,
    /// External subtitle files.
    pub subtitle: Vec<String>,
    /// External lyric files.
    pub lyric: Vec<String>,
    /// Offline-disc placeholder files.
    pub stub: Vec<String>,
    /// Local artwork files, in order of preference.
    pub image: Vec<String>,
}

const VIDEO_EXTENSIONS: &[&str] = &[
    ".001", ".3g2", ".3gp", ".amv", ".asf", ".asx", ".avi", ".bin", ".bivx", ".divx", ".dv",
    ".dvr-ms", ".f4v", ".fli", ".flv", ".ifo", ".img", ".iso", ".m2t", ".m2ts", ".m2v", ".m4v",
    ".mkv", ".mk3d", ".mov", ".mp4", ".mpe", ".mpeg", ".mpg", ".mts", ".mxf", ".nrg", ".nsv",
    ".nuv", ".ogm", ".ogv", ".pva", ".qt", ".rec", ".rm", ".rmvb", ".strm", ".svq3", ".tp", ".ts",
    ".ty", ".viv", ".vob", ".vp3", ".webm", ".wmv", ".wtv", ".xvid",
];

const AUDIO_EXTENSIONS: &[&str] = &[
    ".669", ".3gp", ".aa", ".aac", ".aax", ".ac3", ".act", ".adp", ".adplug", ".adx", ".afc",
    ".amf", ".aif", ".aifc", ".aiff", ".alac", ".amr", ".ape", ".ast", ".au", ".awb", ".cda",
    ".cue", ".dmf", ".dsf", ".dsm", ".dsp", ".dts", ".dvf", ".eac3", ".ec3", ".far", ".flac",
    ".gdm", ".gsm", ".gym", ".hps", ".imf", ".it", ".m15", ".m4a", ".m4b", ".mac", ".med", ".mka",
    ".mmf", ".mod", ".mogg", ".mp2", ".mp3", ".mpa", ".mpc", ".mpp", ".mp+", ".msv", ".nmf",
    ".nsf", ".nsv", ".oga", ".ogg", ".okt", ".opus", ".pls", ".ra", ".rf64", ".rm", ".s3m", ".sfx",
    ".shn", ".sid", ".stm", ".strm", ".ult", ".uni", ".vox", ".wav", ".wma", ".wv", ".xm", ".xsp",
    ".ymf",
];

const SUBTITLE_EXTENSIONS: &[&str] = &[
    ".ass", ".mks", ".sami", ".smi", ".srt", ".ssa", ".sub", ".sup", ".vtt",
];
const LYRIC_EXTENSIONS: &[&str] = &[".lrc", ".elrc", ".txt"];
const STUB_EXTENSIONS: &[&str] = &[".disc"];
const IMAGE_EXTENSIONS: &[&str] = &[".png", ".jpg", ".jpeg", ".webp", ".tbn", ".gif", ".svg"];

fn owned(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

impl Default for MediaExtensions {
    fn default() -> Self {
        Self {
            video: owned(VIDEO_EXTENSIONS),
            audio: owned(AUDIO_EXTENSIONS),
            subtitle: owned(SUBTITLE_EXTENSIONS),
            lyric: owned(LYRIC_EXTENSIONS),
            stub: owned(STUB_EXTENSIONS),
            image: owned(IMAGE_EXTENSIONS),
        }
    }
}

fn contains_ext(list: &[String], ext: &str) -> bool {
    !ext.is_empty() && list.iter().any(|e| e.eq_ignore_ascii_case(ext))
}

impl MediaExtensions {
    /// Whether `path` has a video extension.
    pub fn is_video(&self, path: &str) -> bool {
        contains_ext(&self.video, path::extension(path))
    }
    /// Whether `path` has an audio extension.
    pub fn is_audio(&self, path: &str) -> bool {
        contains_ext(&self.audio, path::extension(path))
    }
    /// Whether `path` has an external subtitle extension.
    pub fn is_subtitle(&self, path: &str) -> bool {
        contains_ext(&self.subtitle, path::extension(path))
    }
    /// Whether `path` has a lyric extension.
    pub fn is_lyric(&self, path: &str) -> bool {
        contains_ext(&self.lyric, path::extension(path))
    }
    /// Whether `path` has a stub (`.disc`) extension.
    pub fn is_stub(&self, path: &str) -> bool {
        contains_ext(&self.stub, path::extension(path))
    }
    /// Whether `path` has an image extension.
    pub fn is_image(&self, path: &str) -> bool {
        contains_ext(&self.image, path::extension(path))
    }
}

/// Compiles a rule expression case-insensitively, as `NamingOptions` does upstream.
///
/// The expressions are constants of this crate or come from an embedder's rule list; an invalid
/// one is a programming error and panics at options build time, never while parsing a path.
pub(crate) fn compile(expr: &str) -> fancy_regex::Regex {
    fancy_regex::RegexBuilder::new(&format!("(?i){expr}"))
        .backtrack_limit(200_000)
        .build()
        .unwrap_or_else(|e| panic!("invalid naming expression {expr:?}: {e}"))
}

/// Parses a run of ASCII digits as an `i32` the way .NET `int.TryParse` does (too long: `None`).
pub(crate) fn parse_i32(s: &str) -> Option<i32> {
    s.trim().parse::<i32>().ok()
}
