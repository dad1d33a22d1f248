//! Episode numbers, multi-episode ranges and air dates in paths (conventions 3a-3c), and the
//! episode resolver that adds container, stub and 3D information.

use fancy_regex::Regex;

use super::{captures, dotnet_parse_int, TvRules};
use crate::naming::{compile, path, video, NamingOptions};

/// One episode expression with the flags Jellyfin attaches to it.
///
/// Positional expressions (not named) read the season from group 1 and the episode from group 2.
/// Named expressions read the groups `seriesname`, `seasonnumber`, `epnumber` and
/// `endingepnumber`. By-date expressions succeed on a date that parses with one of
/// [`date_formats`](Self::date_formats) (`yyyy`, `MM`, `dd` and literal characters).
#[derive(Debug, Clone)]
pub struct EpisodeExpression {
    /// The expression source, as given (compiled case-insensitively).
    pub expression: String,
    /// The compiled expression.
    pub regex: Regex,
    /// Reads named groups instead of groups 1 and 2.
    pub is_named: bool,
    /// Only meant for optimistic parsing (bare numbers and similar).
    pub is_optimistic: bool,
    /// Can express absolute episode numbers (everything but `name_102` does).
    pub supports_absolute_numbers: bool,
    /// Succeeds on an air date instead of an episode number.
    pub is_by_date: bool,
    /// Exact date formats tried on the whole match of a by-date expression.
    pub date_formats: Vec<String>,
}

impl EpisodeExpression {
    /// A positional expression (season in group 1, episode in group 2) that supports absolute
    /// numbers. Panics on an invalid expression (a programming error, found at build time).
    pub fn new(expression: &str) -> Self {
        Self {
            expression: expression.to_owned(),
            regex: compile(expression),
            is_named: false,
            is_optimistic: false,
            supports_absolute_numbers: true,
            is_by_date: false,
            date_formats: Vec::new(),
        }
    }

    /// Like [`new`](Self::new), but returns `None` for an invalid expression instead of
    /// panicking (for expressions that come from configuration).
    pub fn try_new(expression: &str) -> Option<Self> {
        let regex = fancy_regex::RegexBuilder::new(&format!("(?i){expression}"))
            .backtrack_limit(200_000)
            .build()
            .ok()?;
        Some(Self {
            expression: expression.to_owned(),
            regex,
            is_named: false,
            is_optimistic: false,
            supports_absolute_numbers: true,
            is_by_date: false,
            date_formats: Vec::new(),
        })
    }

    /// A by-date expression; `formats` are the exact date formats of the whole match.
    pub fn by_date(expression: &str, formats: &[&str]) -> Self {
        Self {
            is_by_date: true,
            date_formats: formats.iter().map(|f| (*f).to_owned()).collect(),
            ..Self::new(expression)
        }
    }

    /// Marks the expression as reading named groups.
    pub fn named(mut self) -> Self {
        self.is_named = true;
        self
    }

    /// Marks the expression as optimistic.
    pub fn optimistic(mut self) -> Self {
        self.is_optimistic = true;
        self
    }

    /// Marks the expression as unable to express absolute episode numbers.
    pub fn without_absolute_numbers(mut self) -> Self {
        self.supports_absolute_numbers = false;
        self
    }
}

/// The episode expression families of conventions 3a, in order.
///
/// Expressions with lookarounds that start with `.*` are anchored with `(?:^|(?<=\n))`: the
/// leftmost match of such an expression always starts at a line start, and the anchor keeps the
/// backtracking engine from retrying every position of a long path.
pub(crate) fn default_episode_expressions() -> Vec<EpisodeExpression> {
    let e = EpisodeExpression::new;
    vec![
        // 1. Kodi: foo.s01.e01, foo.s01_e01, S01E02 foo, S01 - E02
        e(r"(?:^|(?<=\n)).*(\\|/)(?<seriesname>((?![Ss]([0-9]+)[\]\[ ._-]*[Ee]([0-9]+))[^\\/])*)?[Ss](?<seasonnumber>[0-9]+)[\]\[ ._-]*[Ee](?<epnumber>[0-9]+)([^\\/]*)$").named(),
        // 2. foo.ep01, foo.EP_01
        e(r"[._ -]()[Ee][Pp]_?([0-9]+)([^\\/]*)$"),
        // 3. foo.E01., foo.e01.
        e(r"[^\\/]*?()\.?[Ee]([0-9]+)\.([^\\/]*)$"),
        // 4. Daily shows, year first then day first.
        EpisodeExpression::by_date(
            r"(?<year>[0-9]{4})[._ -](?<month>[0-9]{2})[._ -](?<day>[0-9]{2})",
            &["yyyy.MM.dd", "yyyy-MM-dd", "yyyy_MM_dd", "yyyy MM dd"],
        ),
        EpisodeExpression::by_date(
            r"(?<day>[0-9]{2})[._ -](?<month>[0-9]{2})[._ -](?<year>[0-9]{4})",
            &["dd.MM.yyyy", "dd-MM-yyyy", "dd_MM_yyyy", "dd MM yyyy"],
        ),
        // 5. "Series Season X Episode X - Title.avi", "Series S03 E09.avi", "s3 e9 - Title.avi"
        e(r".*[\\/]((?<seriesname>[^\\/]+?)\s)?[Ss](?:eason)?\s*(?<seasonnumber>[0-9]+)\s+[Ee](?:pisode)?\s*(?<epnumber>[0-9]+).*$").named(),
        // 6. "Foo Bar 889": not after "Episode", not in a segment with an SxxEyy marker.
        e(r"(?:^|(?<=\n)).*[\\/](?![Ee]pisode)(?![^\\/]*[Ss][0-9]+[\]\[ ._-]*[Ee][0-9]+)(?<seriesname>[\w\s]+?)\s(?<epnumber>[0-9]{1,4})(-(?<endingepnumber>[0-9]{2,4}))*[^\\/x]*$").named(),
        // 7. 1x02
        e(r"[\\/._ \[(-]([0-9]+)x([0-9]+(?:(?:[a-i]|\.[1-9])(?![0-9]))?)([^\\/]*)$"),
        // 8. "[bar] Foo - 1 [baz]"
        e(r".*[\\/]?.*?(\[.*?\])+.*?(?<seriesname>[-\w\s]+?)[\s_]*-[\s_]*(?<epnumber>[0-9]+).*$").named(),
        // 9. "Name - 101.mkv", "Show Name - 1234 [720p].mkv"
        e(r".*[\\/](?<seriesname>[^\\/]+?)[\s_]+-[\s_]+(?<epnumber>[0-9]+)[\s_]*(?:\[.*?\]|\(.*?\))*[\s_]*(?:\.\w+)?$").named(),
        // 10. /server/anything_102.mp4
        e(r"[\\/._ -](?<seriesname>(?![0-9]+[0-9][0-9])([^\\/_])*)[\\/._ -](?<seasonnumber>[0-9]+)(?<epnumber>[0-9][0-9](?:(?:[a-i]|\.[1-9])(?![0-9]))?)([._ -][^\\/]*)$")
            .named()
            .optimistic()
            .without_absolute_numbers(),
        // 11. part / pt
        e(r"[\\/._ -]p(?:ar)?t[_. -]()([ivx]+|[0-9]+)([._ -][^\\/]*)$"),
        // 12. "Episode 16", "Episode 16 - Title", "Episode 16-17"
        e(r"[Ee]pisode (?<epnumber>[0-9]+)(-(?<endingepnumber>[0-9]+))?[^\\/]*$").named(),
        // 13. S01x02, 01x02 at the start of the file name
        e(r".*(\\|/)[sS]?(?<seasonnumber>[0-9]+)[xX](?<epnumber>[0-9]+)[^\\/]*$").named(),
        // 14. S01E02, S01xE02 at the start of the file name
        e(r".*(\\|/)[sS](?<seasonnumber>[0-9]+)[x,X]?[eE](?<epnumber>[0-9]+)[^\\/]*$").named(),
        // 15. "seriesname 2009x02"
        e(r"(?:^|(?<=\n)).*(\\|/)(?<seriesname>((?![sS]?[0-9]{1,4}[xX][0-9]{1,3})[^\\/])*)?([sS]?(?<seasonnumber>[0-9]{1,4})[xX](?<epnumber>[0-9]+))[^\\/]*$").named(),
        // 16. "seriesname S2009E02", "seriesname S2009.E02"
        e(r".*(\\|/)(?<seriesname>[^\\/]*)[sS](?<seasonnumber>[0-9]{1,4})[xX.]?[eE](?<epnumber>[0-9]+)[^\\/]*$").named(),
        // 17. "01.avi", "02-04.avi"
        e(r".*[\\/](?<epnumber>[0-9]+)(-(?<endingepnumber>[0-9]+))*\.\w+$")
            .named()
            .optimistic(),
        // 18. "1-12 episode title"
        e(r"([0-9]+)-([0-9]+)"),
        // 19. "01 - blah.avi", "01-blah.avi", then "01.blah.avi"
        e(r".*(\\|/)(?<epnumber>[0-9]{1,3})(-(?<endingepnumber>[0-9]{2,3}))*\s?-\s?[^\\/]*$")
            .named()
            .optimistic(),
        e(r".*(\\|/)(?<epnumber>[0-9]{1,3})(-(?<endingepnumber>[0-9]{2,3}))*\.[^\\/]+$")
            .named()
            .optimistic(),
        // 20. "blah - 01.avi", "blah 2 - 01 - blah.avi"
        e(r".*[\\/][^\\/]* - (?<epnumber>[0-9]{1,3})(-(?<endingepnumber>[0-9]{2,3}))*[^\\/]*$")
            .named()
            .optimistic(),
        // 21. "Season 2/16 episode title.avi"
        e(r"[Ss]eason[._ ](?<seasonnumber>[0-9]+)[\\/](?<epnumber>[0-9]{1,3})([^\\/]*)$")
            .named()
            .optimistic(),
        // 22. Series and season only: "the show/season 1", "the show/s01", then
        //     "the show S01", "the show season 1". Never an episode (no number).
        e(r"(.*(\\|/))*(?<seriesname>.+)/[Ss](eason)?[. _-]*(?<seasonnumber>[0-9]+)").named(),
        e(r"(.*(\\|/))*(?<seriesname>.+)[. _-]+[sS](eason)?[. _-]*(?<seasonnumber>[0-9]+)").named(),
        // 23. Anime: "[Group][Series][21][1080p]", "[Group] Series [04][BDRIP]"
        e(r"(?:\[(?:[^\]]+)\]\s*)?(?<seriesname>\[[^\]]+\]|[^\[\]]+)\s*\[(?<epnumber>[0-9]+)\]").named(),
    ]
}

/// The multi-episode expressions of conventions 3b, in order.
pub(crate) fn default_multiple_episode_expressions() -> Vec<EpisodeExpression> {
    [
        r".*(\\|/)[sS]?(?<seasonnumber>[0-9]{1,4})[xX](?<epnumber>[0-9]{1,3})((-| - )[0-9]{1,4}[eExX](?<endingepnumber>[0-9]{1,3}))+[^\\/]*$",
        r".*(\\|/)[sS]?(?<seasonnumber>[0-9]{1,4})[xX](?<epnumber>[0-9]{1,3})((-| - )[0-9]{1,4}[xX][eE](?<endingepnumber>[0-9]{1,3}))+[^\\/]*$",
        r".*(\\|/)[sS]?(?<seasonnumber>[0-9]{1,4})[xX](?<epnumber>[0-9]{1,3})((-| - )?[xXeE](?<endingepnumber>[0-9]{1,3}))+[^\\/]*$",
        r".*(\\|/)[sS]?(?<seasonnumber>[0-9]{1,4})[xX](?<epnumber>[0-9]{1,3})(-[xE]?[eE]?(?<endingepnumber>[0-9]{1,3}))+[^\\/]*$",
        r"(?:^|(?<=\n)).*(\\|/)(?<seriesname>((?![sS]?[0-9]{1,4}[xX][0-9]{1,3})[^\\/])*)?([sS]?(?<seasonnumber>[0-9]{1,4})[xX](?<epnumber>[0-9]{1,3}))((-| - )[0-9]{1,4}[xXeE](?<endingepnumber>[0-9]{1,3}))+[^\\/]*$",
        r"(?:^|(?<=\n)).*(\\|/)(?<seriesname>((?![sS]?[0-9]{1,4}[xX][0-9]{1,3})[^\\/])*)?([sS]?(?<seasonnumber>[0-9]{1,4})[xX](?<epnumber>[0-9]{1,3}))((-| - )[0-9]{1,4}[xX][eE](?<endingepnumber>[0-9]{1,3}))+[^\\/]*$",
        r"(?:^|(?<=\n)).*(\\|/)(?<seriesname>((?![sS]?[0-9]{1,4}[xX][0-9]{1,3})[^\\/])*)?([sS]?(?<seasonnumber>[0-9]{1,4})[xX](?<epnumber>[0-9]{1,3}))((-| - )?[xXeE](?<endingepnumber>[0-9]{1,3}))+[^\\/]*$",
        r"(?:^|(?<=\n)).*(\\|/)(?<seriesname>((?![sS]?[0-9]{1,4}[xX][0-9]{1,3})[^\\/])*)?([sS]?(?<seasonnumber>[0-9]{1,4})[xX](?<epnumber>[0-9]{1,3}))(-[xX]?[eE]?(?<endingepnumber>[0-9]{1,3}))+[^\\/]*$",
        r".*(\\|/)(?<seriesname>[^\\/]*)[sS](?<seasonnumber>[0-9]{1,4})[xX.]?[eE](?<epnumber>[0-9]{1,3})((-| - )?[xXeE](?<endingepnumber>[0-9]{1,3}))+[^\\/]*$",
        r".*(\\|/)(?<seriesname>[^\\/]*)[sS](?<seasonnumber>[0-9]{1,4})[xX.]?[eE](?<epnumber>[0-9]{1,3})(-[xX]?[eE]?(?<endingepnumber>[0-9]{1,3}))+[^\\/]*$",
    ]
    .iter()
    .map(|x| EpisodeExpression::new(x).named())
    .collect()
}

/// Restricts which episode expressions are tried; `None` means "either".
#[derive(Debug, Clone, Copy, Default)]
pub struct ExpressionFilter {
    /// Only named (`Some(true)`) or only positional (`Some(false)`) expressions.
    pub is_named: Option<bool>,
    /// Only optimistic (`Some(true)`) or only non-optimistic (`Some(false)`) expressions.
    pub is_optimistic: Option<bool>,
    /// Only expressions that do (`Some(true)`) or do not (`Some(false)`) support absolute
    /// episode numbers. The server passes `Some(true)` for the `absolute` display order.
    pub supports_absolute_numbers: Option<bool>,
}

impl ExpressionFilter {
    fn allows(&self, e: &EpisodeExpression) -> bool {
        self.supports_absolute_numbers
            .is_none_or(|v| v == e.supports_absolute_numbers)
            && self.is_named.is_none_or(|v| v == e.is_named)
            && self.is_optimistic.is_none_or(|v| v == e.is_optimistic)
    }
}

/// What a path says about an episode (Jellyfin's `EpisodePathParserResult`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EpisodePathResult {
    /// Whether an expression yielded an episode number (or an air date).
    pub success: bool,
    /// The series name, trimmed; `Some("")` when a named expression matched without one.
    pub series_name: Option<String>,
    /// The season number.
    pub season_number: Option<i32>,
    /// The episode number.
    pub episode_number: Option<i32>,
    /// The last episode of a multi-episode file.
    pub ending_episode_number: Option<i32>,
    /// Air date year (by-date episodes).
    pub year: Option<i32>,
    /// Air date month (by-date episodes).
    pub month: Option<i32>,
    /// Air date day (by-date episodes).
    pub day: Option<i32>,
    /// Whether the episode is identified by its air date.
    pub is_by_date: bool,
}

/// One expression's reading of a path, before the extended info is filled in.
#[derive(Debug, Default)]
struct Reading {
    result: EpisodePathResult,
    /// Byte offset of the date in the path (by-date readings).
    date_start: Option<usize>,
}

/// A season number that cancels a match: 200 to 1927, or above 2500 (`1920x1080`).
fn is_implausible_season(season: i32) -> bool {
    (200..1928).contains(&season) || season > 2500
}

fn group_number(caps: &fancy_regex::Captures<'_, str>, name: &str) -> Option<i32> {
    caps.name(name).and_then(|m| dotnet_parse_int(m.as_str()))
}

/// Runs one expression against the path.
fn read(path: &str, e: &EpisodeExpression) -> Reading {
    let mut reading = Reading::default();
    // Windows Media Center names use underscores in dates.
    let replaced;
    let text = if e.is_by_date {
        replaced = path.replace('_', "-");
        replaced.as_str()
    } else {
        path
    };
    let Some(caps) = captures(&e.regex, text) else {
        return reading;
    };
    if caps.len() < 3 {
        return reading;
    }
    let r = &mut reading.result;
    if e.is_by_date {
        let whole = caps.get(0).map_or("", |m| m.as_str());
        let date = if e.date_formats.is_empty() {
            // Without exact formats the match counts even when no date can be read from it.
            r.success = true;
            loose_date(&caps, whole)
        } else {
            e.date_formats
                .iter()
                .find_map(|f| parse_exact_date(whole, f))
        };
        if let Some((y, m, d)) = date {
            r.year = Some(y);
            r.month = Some(m);
            r.day = Some(d);
            r.success = true;
        }
        reading.date_start = caps.get(0).map(|m| m.start());
    } else if e.is_named {
        r.season_number = group_number(&caps, "seasonnumber");
        r.episode_number = group_number(&caps, "epnumber");
        if let Some(end) = caps.name("endingepnumber") {
            // "series-s09e14-1080p" is not a range: the number must not run on into more
            // digits or a resolution suffix.
            let next = text[end.end()..].chars().next();
            if !next.is_some_and(|c| "0123456789iIpP".contains(c)) {
                r.ending_episode_number = dotnet_parse_int(end.as_str());
            }
        }
        r.series_name = Some(
            caps.name("seriesname")
                .map_or("", |m| m.as_str())
                .to_owned(),
        );
        r.success = r.episode_number.is_some();
    } else {
        r.season_number = caps.get(1).and_then(|m| dotnet_parse_int(m.as_str()));
        r.episode_number = caps.get(2).and_then(|m| dotnet_parse_int(m.as_str()));
        r.success = r.episode_number.is_some();
    }
    if r.season_number.is_some_and(is_implausible_season) {
        r.success = false;
    }
    r.is_by_date = e.is_by_date;
    reading
}

/// Parses `text` as exactly `format` (`yyyy`, `MM`, `dd`, other characters literal).
fn parse_exact_date(text: &str, format: &str) -> Option<(i32, i32, i32)> {
    let mut rest = text;
    let mut fmt = format;
    let (mut year, mut month, mut day) = (None, None, None);
    while !fmt.is_empty() {
        let (slot, width) = if fmt.starts_with("yyyy") {
            (&mut year, 4)
        } else if fmt.starts_with("MM") {
            (&mut month, 2)
        } else if fmt.starts_with("dd") {
            (&mut day, 2)
        } else {
            let c = fmt.chars().next()?;
            rest = rest.strip_prefix(c)?;
            fmt = &fmt[c.len_utf8()..];
            continue;
        };
        let digits = rest.get(..width)?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *slot = Some(digits.parse::<i32>().ok()?);
        rest = &rest[width..];
        fmt = &fmt[width..];
    }
    if !rest.is_empty() {
        return None;
    }
    valid_date(year?, month?, day?)
}

/// Reads a date from the `year`/`month`/`day` groups, or from a leading `yyyy-MM-dd`.
fn loose_date(caps: &fancy_regex::Captures<'_, str>, whole: &str) -> Option<(i32, i32, i32)> {
    if let (Some(y), Some(m), Some(d)) = (
        group_number(caps, "year"),
        group_number(caps, "month"),
        group_number(caps, "day"),
    ) {
        return valid_date(y, m, d);
    }
    let mut parts = whole
        .trim()
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty());
    let y = parts.next().filter(|p| p.len() == 4)?.parse().ok()?;
    let m = parts.next().filter(|p| p.len() <= 2)?.parse().ok()?;
    let d = parts.next().filter(|p| p.len() <= 2)?.parse().ok()?;
    valid_date(y, m, d)
}

fn valid_date(year: i32, month: i32, day: i32) -> Option<(i32, i32, i32)> {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    ((1..=9999).contains(&year) && (1..=days).contains(&day)).then_some((year, month, day))
}

fn is_empty_name(name: &Option<String>) -> bool {
    name.as_deref().is_none_or(str::is_empty)
}

/// The series name of a daily show: the text before the date in its path segment.
fn date_series_name(path: &str, date_start: usize) -> Option<String> {
    let before = path.get(..date_start)?;
    let segment = before.rsplit(['/', '\\']).next().unwrap_or(before);
    let name = segment.trim_matches(|c: char| c.is_whitespace() || "_.-([".contains(c));
    (!name.is_empty()).then(|| name.to_owned())
}

/// Fills the series name and the ending episode number from the other named expressions.
fn fill_additional(rules: &TvRules, path: &str, info: &mut EpisodePathResult) {
    let episode = rules.episode_expressions.iter().filter(|e| e.is_named);
    let multi = rules
        .multiple_episode_expressions
        .iter()
        .filter(|e| e.is_named);
    let expressions: Vec<&EpisodeExpression> = if is_empty_name(&info.series_name) {
        episode.chain(multi).collect()
    } else {
        multi.collect()
    };
    for e in expressions {
        let r = read(path, e).result;
        if !r.success {
            continue;
        }
        if is_empty_name(&info.series_name) {
            info.series_name = r.series_name;
        }
        if info.ending_episode_number.is_none() && info.episode_number.is_some() {
            info.ending_episode_number = r.ending_episode_number;
        }
        if !is_empty_name(&info.series_name)
            && (info.episode_number.is_none() || info.ending_episode_number.is_some())
        {
            break;
        }
    }
}

/// Parses episode information from a path (Jellyfin's `EpisodePathParser.Parse`).
///
/// A directory gets `.mp4` appended first, for the expressions that need an extension. The
/// expressions allowed by `filter` are tried in order and the first success wins. With
/// `fill_extended_info`, the series name and the ending episode number are then completed from
/// the other named and the multi-episode expressions, and the series name is trimmed.
pub fn parse_episode_path(
    opts: &NamingOptions,
    path: &str,
    is_directory: bool,
    filter: ExpressionFilter,
    fill_extended_info: bool,
) -> EpisodePathResult {
    let with_extension;
    let path = if is_directory {
        with_extension = format!("{path}.mp4");
        with_extension.as_str()
    } else {
        path
    };
    let rules = &opts.tv;
    let Some(reading) = rules
        .episode_expressions
        .iter()
        .filter(|e| filter.allows(e))
        .map(|e| read(path, e))
        .find(|r| r.result.success)
    else {
        return EpisodePathResult::default();
    };
    let mut result = reading.result;
    if fill_extended_info {
        if result.is_by_date && is_empty_name(&result.series_name) {
            if let Some(name) = reading.date_start.and_then(|s| date_series_name(path, s)) {
                result.series_name = Some(name);
            }
        }
        fill_additional(rules, path, &mut result);
        if let Some(name) = result.series_name.as_mut() {
            if !name.is_empty() {
                *name = name.trim().trim_matches(['_', '.', '-']).trim().to_owned();
            }
        }
    }
    // A range ends after it starts: `S03E21 - E2` is episode 21 with the title "E²".
    if let (Some(start), Some(end)) = (result.episode_number, result.ending_episode_number) {
        if end < start {
            result.ending_episode_number = None;
        }
    }
    result
}

/// An episode file or folder (Jellyfin's `EpisodeInfo`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EpisodeInfo {
    /// The path as given.
    pub path: String,
    /// The extension without its dot (`mkv`); `None` for a directory.
    pub container: Option<String>,
    /// The series name, if the path names one.
    pub series_name: Option<String>,
    /// The season number.
    pub season_number: Option<i32>,
    /// The episode number.
    pub episode_number: Option<i32>,
    /// The last episode of a multi-episode file.
    pub ending_episode_number: Option<i32>,
    /// Air date year (by-date episodes).
    pub year: Option<i32>,
    /// Air date month (by-date episodes).
    pub month: Option<i32>,
    /// Air date day (by-date episodes).
    pub day: Option<i32>,
    /// Whether the episode is identified by its air date.
    pub is_by_date: bool,
    /// Whether the file is an offline-disc stub (`.disc`).
    pub is_stub: bool,
    /// The stub type (`dvd`, `bluray`, ...), if the stub names one.
    pub stub_type: Option<String>,
    /// Whether the path carries a 3D flag.
    pub is_3d: bool,
    /// The 3D token (`hsbs`, `mvc`, ...).
    pub format_3d: Option<String>,
}

/// Resolves an episode file or folder (Jellyfin's `EpisodeResolver.Resolve`).
///
/// Returns `None` for a file that is neither a video nor a stub. Otherwise the result is
/// returned even when no episode number was found (check `episode_number`).
pub fn resolve_episode(
    opts: &NamingOptions,
    path: &str,
    is_directory: bool,
    filter: ExpressionFilter,
    fill_extended_info: bool,
) -> Option<EpisodeInfo> {
    let mut is_stub = false;
    let mut stub_type = None;
    let mut container = None;
    if !is_directory {
        if !opts.extensions.is_video(path) {
            stub_type = video::resolve_stub(opts, path)?.stub_type;
            is_stub = true;
        }
        container = Some(path::extension(path).trim_start_matches('.').to_owned());
    }
    let format_3d = video::parse_3d(opts, path);
    let r = parse_episode_path(opts, path, is_directory, filter, fill_extended_info);
    Some(EpisodeInfo {
        path: path.to_owned(),
        container,
        series_name: r.series_name,
        season_number: r.season_number,
        episode_number: r.episode_number,
        ending_episode_number: r.ending_episode_number,
        year: r.year,
        month: r.month,
        day: r.day,
        is_by_date: r.is_by_date,
        is_stub,
        stub_type,
        is_3d: format_3d.is_3d,
        format_3d: format_3d.token,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(path: &str) -> EpisodePathResult {
        parse_episode_path(
            &NamingOptions::default(),
            path,
            false,
            ExpressionFilter::default(),
            true,
        )
    }

    type Row = (
        &'static str,
        Option<&'static str>,
        Option<i32>,
        Option<i32>,
        Option<i32>,
    );

    /// Upstream rows beyond the sampled vectors: (path, series, season, episode, ending).
    #[test]
    fn upstream_rows() {
        let rows: &[Row] = &[
            ("/server/anything_s01e02.mp4", Some("anything"), Some(1), Some(2), None),
            ("/server/anything_102.mp4", Some("anything"), Some(1), Some(2), None),
            ("/server/Temp/S01E02 foo.mp4", Some(""), Some(1), Some(2), None),
            ("Series/4x12 - The Woman.mp4", Some(""), Some(4), Some(12), None),
            ("[Baz-Bar]Foo - [1080p][Multiple Subtitle]/[Baz-Bar] Foo - 05 [1080p][Multiple Subtitle].mkv", Some("Foo"), None, Some(5), None),
            ("/Foo/The.Series.Name.S01E04.WEBRip.x264-Baz[Bar]/the.series.name.s01e04.webrip.x264-Baz[Bar].mkv", Some("the.series.name"), Some(1), Some(4), None),
            ("Season 2/Elementary - 02x03-04-15 - Ep Name.mp4", Some("Elementary"), Some(2), Some(3), Some(15)),
            ("Season 02/Elementary - 02x03x04x15 - Ep Name.mp4", Some("Elementary"), Some(2), Some(3), Some(15)),
            ("Season 1/02-05 - blah-02 a.avi", None, Some(2), Some(5), Some(5)),
            ("Season 2/02x03 - 04 Ep Name.mp4", Some(""), Some(2), Some(3), None),
            ("Season 2/My show name 02x03 - 04 Ep Name.mp4", Some("My show name"), Some(2), Some(3), None),
            ("Season 1/series-s09e14-1080p.mkv", Some("series"), Some(9), Some(14), None),
            ("Season 1/series-s09e14-720i.mkv", Some("series"), Some(9), Some(14), None),
            ("Season 1/S01E01 The 6-10 to Lubbock [WEBRip-1080p][AV1 Opus].mkv", Some(""), Some(1), Some(1), None),
            ("Season 5/S05E23 11-59 [HDTV-1080p][HEVC AC3].mkv", Some(""), Some(5), Some(23), None),
            ("Season 1/S01E01 1-23-45 [Bluray-1080p][AV1 Opus].mkv", Some(""), Some(1), Some(1), None),
            ("Season 2 /[HorribleSubs] Hunter X Hunter - 136[720p].mkv", Some("Hunter X Hunter"), None, Some(136), None),
            ("The Simpsons/The Simpsons - 02 - Ep Name.avi", None, None, Some(2), None),
            ("The Simpsons/02.EpName.avi", None, None, Some(2), None),
            ("GJ Club (2013)/GJ Club - 07.mkv", Some("GJ Club"), None, Some(7), None),
            ("Season 2/2. Infestation.avi", None, None, Some(2), None),
            ("2016/Season s2016e1.mp4", Some("Season"), Some(2016), Some(1), None),
            ("Series/1-12 - The Woman.mp4", Some(""), Some(1), Some(12), Some(12)),
            // A range that ends before it starts is an episode title (Star Trek's "E²").
            ("Season 03/Star Trek Enterprise (2001) - S03E21 - E2 (1080p BluRay x265).mkv", Some("Star Trek Enterprise (2001)"), Some(3), Some(21), None),
            ("Season 02/Series Name (2001) - S02E10 - E5 [WEBRip-1080p].mkv", Some("Series Name (2001)"), Some(2), Some(10), None),
            ("Season 1/Show S01E01 - E02.mkv", Some("Show"), Some(1), Some(1), Some(2)),
        ];
        for (path, series, season, episode, ending) in rows {
            let r = parse(path);
            assert!(r.success, "{path}");
            if let Some(s) = series {
                assert_eq!(r.series_name.as_deref(), Some(*s), "series of {path}");
            }
            assert_eq!(r.season_number, *season, "season of {path}");
            assert_eq!(r.episode_number, *episode, "episode of {path}");
            assert_eq!(r.ending_episode_number, *ending, "ending of {path}");
        }
    }

    #[test]
    fn backslash_paths_and_directories() {
        let opts = NamingOptions::default();
        let f = ExpressionFilter::default();
        let r = parse_episode_path(&opts, "D:\\media\\Foo\\Foo-S01E01", true, f, true);
        assert_eq!(
            (r.series_name.as_deref(), r.season_number, r.episode_number),
            (Some("Foo"), Some(1), Some(1))
        );
        let r = parse_episode_path(&opts, "D:\\media\\Foo - S04E011", true, f, true);
        assert_eq!(
            (r.series_name.as_deref(), r.season_number, r.episode_number),
            (Some("Foo"), Some(4), Some(11))
        );
        // Backslashes are not path separators for the resolver's extension check.
        let e = resolve_episode(&opts, "C:\\TV\\Show\\Show S01E02.mkv", false, f, true).unwrap();
        assert_eq!(
            (e.container.as_deref(), e.episode_number),
            (Some("mkv"), Some(2))
        );
    }

    #[test]
    fn season_guard_and_filters() {
        let opts = NamingOptions::default();
        assert!(!parse("Series Special (1920x1080).mkv").success);
        assert!(!parse("/tv/Show 1927x02.mkv").success);
        assert_eq!(parse("/tv/Show S1928E02.mkv").season_number, Some(1928));
        // Absolute-only parsing skips `name_102`.
        let abs = ExpressionFilter {
            supports_absolute_numbers: Some(true),
            ..Default::default()
        };
        let r = parse_episode_path(&opts, "/server/anything_102.mp4", false, abs, true);
        assert_ne!((r.season_number, r.episode_number), (Some(1), Some(2)));
        let named = ExpressionFilter {
            is_named: Some(true),
            is_optimistic: Some(true),
            ..Default::default()
        };
        let r = parse_episode_path(&opts, "/test/01-03.avi", false, named, true);
        assert_eq!(
            (r.success, r.episode_number, r.ending_episode_number),
            (true, Some(1), Some(3))
        );
    }

    #[test]
    fn daily_episodes() {
        let rows: &[(&str, &str, i32, i32, i32)] = &[
            ("/server/anything_1996-11-14.mp4", "anything", 1996, 11, 14),
            (
                "/server/Jeopardy 2023 07 14 HDTV x264 AC3.mkv",
                "Jeopardy",
                2023,
                7,
                14,
            ),
            // Nice to have (upstream TODO rows).
            ("/server/anything_14.11.1996.mp4", "anything", 1996, 11, 14),
            (
                "/server/A Daily Show - (2015-01-15) - Episode Name - [720p].mkv",
                "A Daily Show",
                2015,
                1,
                15,
            ),
        ];
        for (path, series, y, m, d) in rows {
            let r = parse(path);
            assert!(r.success && r.is_by_date, "{path}");
            assert_eq!(r.series_name.as_deref(), Some(*series), "{path}");
            assert_eq!(
                (r.year, r.month, r.day),
                (Some(*y), Some(*m), Some(*d)),
                "{path}"
            );
            assert_eq!((r.season_number, r.episode_number), (None, None), "{path}");
        }
        // An impossible date is not an air date.
        let r = parse("/server/Show 2019-02-30.mkv");
        assert!(!r.is_by_date);
        assert_eq!(
            parse_exact_date("2020-02-29", "yyyy-MM-dd"),
            Some((2020, 2, 29))
        );
        assert_eq!(parse_exact_date("2021-02-29", "yyyy-MM-dd"), None);
        assert_eq!(parse_exact_date("2021.02-28", "yyyy.MM.dd"), None);
        assert_eq!(parse_exact_date("0000-01-01", "yyyy-MM-dd"), None);
    }

    #[test]
    fn other_nice_to_have_inputs() {
        type Nice = (&'static str, Option<&'static str>, Option<i32>, Option<i32>);
        let rows: &[Nice] = &[
            ("Season 4/Uchuu.Senkan.Yamato.2199.E03.avi", None, None, Some(3)),
            ("Case Closed (1996-2007)/Case Closed - 13.mkv", Some("Case Closed"), None, Some(13)),
            ("/Castle Rock 2x01 Que el rio siga su curso [WEB-DL HULU 1080p h264 Dual DD5.1 Subs].mkv", Some("Castle Rock"), Some(2), Some(1)),
            ("The Daily Show/The Daily Show 25x22 - [WEBDL-720p][AAC 2.0][x264] Noah Baumbach-TBS.mkv", Some("The Daily Show"), Some(25), Some(22)),
        ];
        for (path, series, season, episode) in rows {
            let r = parse(path);
            if let Some(s) = series {
                assert_eq!(r.series_name.as_deref(), Some(*s), "{path}");
            }
            assert_eq!(
                (r.season_number, r.episode_number),
                (*season, *episode),
                "{path}"
            );
        }
    }

    #[test]
    fn resolver_checks_extensions_and_stubs() {
        let opts = NamingOptions::default();
        let f = ExpressionFilter::default();
        assert!(resolve_episode(&opts, "test.mp3", false, f, true).is_none());
        assert!(resolve_episode(&opts, "", false, f, true).is_none());
        let stub = resolve_episode(&opts, "dvd.disc", false, f, true).unwrap();
        assert!(stub.is_stub);
        assert_eq!(stub.container.as_deref(), Some("disc"));
        let dir = resolve_episode(&opts, "/tv/Show/Show S01E01", true, f, true).unwrap();
        assert_eq!((dir.container, dir.episode_number), (None, Some(1)));
    }

    #[test]
    fn never_panics() {
        let opts = NamingOptions::default();
        let long_name = "a".repeat(10_000);
        let long_digits = "1".repeat(10_000);
        let long_mixed = "S01E01 - ".repeat(1_200);
        let long_dirs = "/Season 1".repeat(1_100);
        let inputs = [
            "",
            "/",
            "\\",
            ".mp4",
            "ü/é/ß ½ 第1話.mkv",
            "Show S99999999999E99999999999.mkv",
            "Show 99999999999x1.mkv",
            "/x/[a][b][c][d]",
            long_name.as_str(),
            long_digits.as_str(),
            long_mixed.as_str(),
            long_dirs.as_str(),
        ];
        for input in inputs {
            for dir in [false, true] {
                let _ = parse_episode_path(&opts, input, dir, ExpressionFilter::default(), true);
                let _ = resolve_episode(&opts, input, dir, ExpressionFilter::default(), true);
                let _ = parse_episode_path(
                    &opts,
                    &format!("/tv/{input}.mkv"),
                    dir,
                    ExpressionFilter::default(),
                    true,
                );
            }
        }
        let r = parse("Show S99999999999E99999999999.mkv");
        assert_eq!((r.season_number, r.episode_number), (None, None));
    }
}
