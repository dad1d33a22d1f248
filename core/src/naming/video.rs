//! Single videos: name and year cleaning (conventions 2a/2b), 3D flags (8), stubs (9), and the
//! full single-video parse ([`resolve`]) that combines them with extra classification.

use fancy_regex::Regex;

use super::extras::{self, ExtraRule, ExtraType};
use super::stack::{self, StackRule};
use super::{compile, path, NamingOptions};

/// Release tags that end a movie name (clean-string rule 1).
const RELEASE_TOKENS: &str = "3d|sbs|tab|hsbs|htab|mvc|HDR|HDC|UHD|UltraHD|4k|ac3|dts|custom|dc|\
divx|divx5|dsr|dsrip|dutch|dvd|dvdrip|dvdscr|dvdscreener|screener|dvdivx|cam|fragment|fs|hdtv|\
hdrip|hdtvrip|internal|limited|multi|subs|ntsc|ogg|ogm|pal|pdtv|proper|repack|rerip|retail|\
cd[1-9]|r5|bd5|bd|se|svcd|swedish|german|read\\.nfo|nfofix|unrated|ws|web-dl|telesync|ts|\
telecine|tc|brrip|bdrip|480p|480i|576p|576i|720p|720i|1080p|1080i|2160p|hrhd|hrhdtv|hddvd|\
bluray|blu-ray|x264|x265|h264|h265|xvid|xvidvd|xxx|www\\.www|AAC|DTS";

/// Compiled video rules.
#[derive(Debug, Clone)]
pub struct VideoRules {
    /// Year extraction passes (clean date-time), tried in order.
    pub clean_date_times: Vec<Regex>,
    /// Clean-string passes, each applied to the previous one's output; the `cleaned` group is
    /// the new name.
    pub clean_strings: Vec<Regex>,
    /// 3D rules, tried in order.
    pub format3d_rules: Vec<Format3DRule>,
    /// Stub type tokens (the second extension of a `.disc` file).
    pub stub_types: Vec<StubTypeRule>,
    /// Extra classification rules, tried in order.
    pub extra_rules: Vec<ExtraRule>,
    /// Multi-part stacking rules, tried in order.
    pub stacking_rules: Vec<StackRule>,
    /// Characters that separate tokens in video names (besides space).
    pub flag_delimiters: Vec<char>,
}

impl Default for VideoRules {
    fn default() -> Self {
        let delim = r"[ _\,\.\(\)\[\]\-]";
        let clean_strings = [
            format!(r"^\s*(?<cleaned>.+?){delim}({RELEASE_TOKENS})({delim}|$)"),
            r"^\s*(?<cleaned>.+?)[\s_.-]*(\[[^\[\]]*\]\s*)+(\.[^\s.\[\]]+)?$".to_owned(),
            r"^\s*(?<cleaned>.+?)\WE[0-9]+(-|~)E?[0-9]+(\W|$)".to_owned(),
            r"^\s*\[[^\]]+\](?!\.\w+$)\s*(?<cleaned>.+)".to_owned(),
            r"^\s*(?<cleaned>.+?)\s+-\s+[0-9]+\s*$".to_owned(),
            r"^\s*(?<cleaned>.+?)(([-._ ](trailer|sample))|-(scene|clip|behindthescenes|deleted|deletedscene|featurette|short|interview|other|extra))$".to_owned(),
        ];
        let clean_date_times = [
            r"(.+[^_\,\.\(\)\[\]\-])[_\.\(\)\[\]\-](19[0-9]{2}|20[0-9]{2})(?![0-9]+|\W[0-9]{2}\W[0-9]{2})([ _\,\.\(\)\[\]\-][^0-9]|).*(19[0-9]{2}|20[0-9]{2})*",
            r"(.+[^_\,\.\(\)\[\]\-])[ _\.\(\)\[\]\-]+(19[0-9]{2}|20[0-9]{2})(?![0-9]+|\W[0-9]{2}\W[0-9]{2})([ _\,\.\(\)\[\]\-][^0-9]|).*(19[0-9]{2}|20[0-9]{2})*",
        ];
        let format3d_rules = [
            ("3d", "hsbs"),
            ("3d", "sbs"),
            ("3d", "htab"),
            ("3d", "tab"),
            ("", "fsbs"),
            ("", "hsbs"),
            ("", "sbs"),
            ("", "ftab"),
            ("", "htab"),
            ("", "tab"),
            ("", "sbs3d"),
            ("", "mvc"),
        ];
        let stub_types = [
            ("dvd", "dvd"),
            ("hddvd", "hddvd"),
            ("bluray", "bluray"),
            ("bluray", "brrip"),
            ("bluray", "bd25"),
            ("bluray", "bd50"),
            ("vhs", "vhs"),
            ("tv", "hdtv"),
            ("tv", "pdtv"),
            ("tv", "dsr"),
        ];
        Self {
            clean_date_times: clean_date_times.iter().map(|e| compile(e)).collect(),
            clean_strings: clean_strings.iter().map(|e| compile(e)).collect(),
            format3d_rules: format3d_rules
                .iter()
                .map(|(p, t)| Format3DRule {
                    preceding_token: (!p.is_empty()).then(|| (*p).to_owned()),
                    token: (*t).to_owned(),
                })
                .collect(),
            stub_types: stub_types
                .iter()
                .map(|(s, t)| StubTypeRule {
                    stub_type: (*s).to_owned(),
                    token: (*t).to_owned(),
                })
                .collect(),
            extra_rules: extras::default_rules(),
            stacking_rules: stack::default_rules(),
            flag_delimiters: vec!['(', ')', '-', '.', '_', '[', ']'],
        }
    }
}

/// A 3D rule: `token`, optionally somewhere after `preceding_token`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format3DRule {
    /// A token that must come first (`3d` for Kodi-style names), if any.
    pub preceding_token: Option<String>,
    /// The format token (`hsbs`, `sbs`, `mvc`, ...).
    pub token: String,
}

/// A stub type rule: files `name.<token>.disc` are stubs of `stub_type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StubTypeRule {
    /// `dvd`, `hddvd`, `bluray`, `vhs` or `tv`.
    pub stub_type: String,
    /// The token before `.disc`.
    pub token: String,
}

/// Name and year from the clean date-time pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanDateTime {
    /// The name before the year (the input unchanged when no year qualifies).
    pub name: String,
    /// The year, if one qualified.
    pub year: Option<i32>,
}

/// Extracts a trailing release year from a name (conventions 2a): `Name (2013)` gives `Name` and
/// 2013; `American.Psycho` stays as it is.
pub fn clean_date_time(opts: &NamingOptions, name: &str) -> CleanDateTime {
    // Every year expression needs a `19xx`/`20xx` run after at least two characters; most names
    // have none, and skipping the (backtracking) expressions for them changes no result.
    if has_year_candidate(name) {
        if let Some(found) = match_year_expressions(opts, name) {
            return found;
        }
    }
    CleanDateTime {
        name: name.to_owned(),
        year: None,
    }
}

fn match_year_expressions(opts: &NamingOptions, name: &str) -> Option<CleanDateTime> {
    for re in &opts.video.clean_date_times {
        if let Ok(Some(caps)) = re.captures(name) {
            if let (Some(n), Some(y)) = (caps.get(1), caps.get(2)) {
                if let Ok(year) = y.as_str().parse::<i32>() {
                    return Some(CleanDateTime {
                        name: n.as_str().trim_end().to_owned(),
                        year: Some(year),
                    });
                }
            }
        }
    }
    None
}

/// Whether `name` has a `19xx` or `20xx` digit run after its first two characters: the
/// precondition of every year expression (a name, a delimiter, then the year).
fn has_year_candidate(name: &str) -> bool {
    let b = name.as_bytes();
    (2..b.len().saturating_sub(3)).any(|i| {
        matches!((b[i], b[i + 1]), (b'1', b'9') | (b'2', b'0'))
            && b[i + 2].is_ascii_digit()
            && b[i + 3].is_ascii_digit()
    })
}

/// Runs the clean-string passes (conventions 2b). Returns the cleaned name, or `None` when no
/// rule matched (the name needs no cleaning).
pub fn clean_string(opts: &NamingOptions, name: &str) -> Option<String> {
    if name.is_empty() {
        return None;
    }
    let mut current = name.to_owned();
    let mut cleaned = false;
    for re in &opts.video.clean_strings {
        if let Ok(Some(caps)) = re.captures(&current) {
            if let Some(m) = caps.name("cleaned") {
                current = m.as_str().to_owned();
                cleaned = true;
            }
        }
    }
    cleaned.then(|| current.trim().to_owned())
}

/// Jellyfin's 3D format of a video, read from its path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Format3D {
    /// Whether a 3D rule matched.
    pub is_3d: bool,
    /// The matched token (`hsbs`, `sbs`, `mvc`, ...), lower-case.
    pub token: Option<String>,
}

impl Format3D {
    /// Jellyfin's `Video3DFormat` name for the token (`HalfSideBySide`, ...).
    pub fn video_3d_format(&self) -> Option<&'static str> {
        Some(match self.token.as_deref()? {
            "fsbs" => "FullSideBySide",
            "ftab" => "FullTopAndBottom",
            "hsbs" | "sbs" | "sbs3d" => "HalfSideBySide",
            "htab" | "tab" => "HalfTopAndBottom",
            "mvc" => "MVC",
            _ => return None,
        })
    }
}

/// Reads the 3D format from a path (conventions section 8).
pub fn parse_3d(opts: &NamingOptions, path: &str) -> Format3D {
    let delims = &opts.video.flag_delimiters;
    let tokens: Vec<&str> = path
        .split(|c: char| c == ' ' || delims.contains(&c))
        .collect();
    for rule in &opts.video.format3d_rules {
        let start = match &rule.preceding_token {
            None => Some(0),
            Some(p) => tokens
                .iter()
                .position(|t| t.eq_ignore_ascii_case(p))
                .map(|i| i + 1),
        };
        let Some(start) = start else { continue };
        if tokens[start..]
            .iter()
            .any(|t| t.eq_ignore_ascii_case(&rule.token))
        {
            return Format3D {
                is_3d: true,
                token: Some(rule.token.to_ascii_lowercase()),
            };
        }
    }
    Format3D::default()
}

/// An offline-disc placeholder (`Movie.dvd.disc`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stub {
    /// `dvd`, `hddvd`, `bluray`, `vhs`, `tv`, or `None` for an untyped stub.
    pub stub_type: Option<String>,
}

/// Returns `Some` when `path` is a stub file, with its type (conventions section 9).
pub fn resolve_stub(opts: &NamingOptions, path: &str) -> Option<Stub> {
    if !opts.extensions.is_stub(path) {
        return None;
    }
    let token = path::extension(path::file_stem(path)).trim_start_matches('.');
    let stub_type = opts
        .video
        .stub_types
        .iter()
        .find(|r| r.token.eq_ignore_ascii_case(token))
        .map(|r| r.stub_type.clone());
    Some(Stub { stub_type })
}

/// Everything the name of one video file (or folder) says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoFileInfo {
    /// The path as given.
    pub path: String,
    /// The container (extension without the dot); `None` for folders.
    pub container: Option<String>,
    /// The cleaned name.
    pub name: String,
    /// The release year from the name.
    pub year: Option<i32>,
    /// The extra type, when the file is an extra.
    pub extra_type: Option<ExtraType>,
    /// Index of the extra rule that matched, if any.
    pub extra_rule_index: Option<usize>,
    /// The 3D format.
    pub format_3d: Format3D,
    /// Whether this is a `.disc` stub.
    pub is_stub: bool,
    /// The stub type, for stubs.
    pub stub_type: Option<String>,
    /// Whether the path is a folder (DVD/Blu-ray rip or a folder given as a video).
    pub is_directory: bool,
}

impl VideoFileInfo {
    /// The file name without extension; a folder's whole name.
    pub fn file_name_without_extension(&self) -> &str {
        if self.is_directory {
            path::file_name(&self.path)
        } else {
            path::file_stem(&self.path)
        }
    }
}

/// Options of [`resolve`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ResolveOptions<'a> {
    /// Skip the name and year cleaning (the name is the file name without extension).
    pub raw_name: bool,
    /// The library root, where extra folder rules do not apply.
    pub library_root: Option<&'a str>,
}

/// Parses one video file or folder (conventions section 2). Returns `None` for an empty path
/// or a file that is neither a video nor a stub.
pub fn resolve(
    opts: &NamingOptions,
    path: &str,
    is_directory: bool,
    options: ResolveOptions<'_>,
) -> Option<VideoFileInfo> {
    if path.is_empty() {
        return None;
    }
    let mut container = None;
    let mut is_stub = false;
    let mut stub_type = None;
    if !is_directory {
        if !opts.extensions.is_video(path) {
            stub_type = resolve_stub(opts, path)?.stub_type;
            is_stub = true;
        }
        container = Some(path::extension(path).trim_start_matches('.').to_owned());
    }
    let format_3d = parse_3d(opts, path);
    let extra = extras::classify(opts, path, options.library_root);
    let mut name = path::file_stem(path).to_owned();
    let mut year = None;
    if !options.raw_name {
        let cleaned = clean_date_time(opts, &name);
        name = cleaned.name;
        year = cleaned.year;
        if let Some(n) = clean_string(opts, &name) {
            name = n;
        }
    }
    Some(VideoFileInfo {
        path: path.to_owned(),
        container,
        name,
        year,
        extra_type: extra.extra_type,
        extra_rule_index: extra.rule_index,
        format_3d,
        is_stub,
        stub_type,
        is_directory,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_and_year_table() {
        let opts = NamingOptions::default();
        let cases: &[(&str, &str, Option<i32>)] = &[
            (
                "/m/Robin Hood [Multi-Subs] [2018].mkv",
                "Robin Hood",
                Some(2018),
            ),
            ("/m/After The Sunset - [0004].mkv", "After The Sunset", None),
            ("/m/Movie [tmdbid=123].mp4", "Movie", None),
            (
                "/m/My Movie (1997) - Group 2019.mkv",
                "My Movie",
                Some(1997),
            ),
            ("/m/First Man 2018 1080p.mkv", "First Man", Some(2018)),
            ("/m/Made in Abyss - 13.mkv", "Made in Abyss", None),
            ("/m/American.Psycho.mkv", "American.Psycho", None),
        ];
        for (p, name, year) in cases {
            let v = resolve(&opts, p, false, ResolveOptions::default()).unwrap();
            assert_eq!((v.name.as_str(), v.year), (*name, *year), "{p}");
        }
    }

    #[test]
    fn year_prefilter_changes_no_result() {
        let opts = NamingOptions::default();
        let names = [
            "Movie (2013)",
            "Movie 1999",
            "ab2001",
            "a 2019",
            "x(1950)",
            "19999",
            "2020 Movie",
            "Movie.2013.12.09",
            "Movie [2018]",
            "é(2019)",
            "Film 20xx",
            "Show 1920x1080",
            "S01E01 2021",
            "12 2012",
            "Movie (209)",
            "",
        ];
        for n in names {
            let fast = clean_date_time(&opts, n);
            let slow = match_year_expressions(&opts, n).unwrap_or(CleanDateTime {
                name: n.to_owned(),
                year: None,
            });
            assert_eq!(fast, slow, "{n:?}");
        }
    }

    #[test]
    fn no_panic_on_hostile_input() {
        let opts = NamingOptions::default();
        let long = "a.(2019) [x] - ".repeat(800) + ".mkv";
        for p in [
            "",
            ".",
            ".mkv",
            "/",
            "\\\\srv\\a b\\c.mkv",
            "ü.mkv",
            "é(2019).mkv",
            long.as_str(),
        ] {
            let _ = resolve(&opts, p, false, ResolveOptions::default());
            let _ = resolve(&opts, p, true, ResolveOptions::default());
            let _ = clean_string(&opts, p);
            let _ = parse_3d(&opts, p);
        }
    }

    #[test]
    fn format_names() {
        let opts = NamingOptions::default();
        let f = parse_3d(&opts, "/m/Movie.3d.HSBS.mkv");
        assert_eq!(f.token.as_deref(), Some("hsbs"));
        assert_eq!(f.video_3d_format(), Some("HalfSideBySide"));
        assert!(!parse_3d(&opts, "/m/Movie [3d].mkv").is_3d);
    }
}
