//! Books and comics (conventions 7c): what a book file name (without extension) says about the
//! book's name, series, index and year, and a comic's volume (`vNN`) and chapter (`cNN`).

use fancy_regex::Regex;

use super::audio::DOTNET_END;
use super::{compile, parse_i32, NamingOptions};

/// What a book file name says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BookFileNameInfo {
    /// The book name (`None` for the `Series #N` form, which names only the series).
    pub name: Option<String>,
    /// The series name.
    pub series_name: Option<String>,
    /// The index in the series, or a comic's chapter (`c120`).
    pub index: Option<i32>,
    /// A comic's volume (`v01`).
    pub parent_index: Option<i32>,
    /// The publication year.
    pub year: Option<i32>,
}

/// Compiled book expressions. The name forms are constants of this crate; build the rules once
/// ([`BookRules::default`], part of `NamingOptions`).
#[derive(Debug, Clone)]
pub struct BookRules {
    /// Name forms, tried in order; the first that matches decides.
    forms: Vec<Regex>,
    /// A comic volume token.
    volume: Regex,
    /// A comic chapter token.
    chapter: Regex,
}

impl Default for BookRules {
    fn default() -> Self {
        let year = r"(?:\s\((?<year>[0-9]{4})\))?";
        // The name forms are case-sensitive, like upstream.
        let forms = [
            // Series (SeriesYear) #N (of M) (Year)
            format!(
                r"(?-i)^(?<seriesName>.+?)(?:\s\((?<seriesYear>[0-9]{{4}})\))?\s#(?<index>[0-9]+)(?:\s\(of\s(?<count>[0-9]+)\))?{year}{DOTNET_END}"
            ),
            // Name (Series, #N) (Year)
            format!(
                r"(?-i)^(?<name>.+?)\s\((?<seriesName>.+?),\s#(?<index>[0-9]+)\){year}{DOTNET_END}"
            ),
            // N - Name (Year), with N optionally written N.0
            format!(r"(?-i)^(?<index>[0-9]+)(?:\.0+)?\s-\s(?<name>.+?){year}{DOTNET_END}"),
            // Name (Year)
            r"(?-i)(?<name>.*)\((?<year>[0-9]{4})\)".to_owned(),
            // Anything else: the whole name.
            r"(?-i)(?<name>.*)".to_owned(),
        ];
        Self {
            forms: forms.iter().map(|e| compile(e)).collect(),
            volume: compile(r"(?:^|[\s_.\-\[(])v(?<n>[0-9]+)(?=$|[\s_.\-\])])"),
            chapter: compile(r"(?:^|[\s_.\-\[(])c(?<n>[0-9]+)(?=$|[\s_.\-\])])"),
        }
    }
}

impl BookRules {
    /// Parses a book or comic file name without extension.
    ///
    /// Forms, first match wins: `Series (SeriesYear) #N (of M) (Year)`,
    /// `Name (Series, #N) (Year)`, `N - Name (Year)`, `Name (Year)`, else the whole text is the
    /// name. Comic tokens are read from anywhere in the text and kept in the name: `vNN` is the
    /// volume, `cNN` the chapter (the index, unless a form already gave one).
    pub fn parse(&self, name: &str) -> BookFileNameInfo {
        let mut info = BookFileNameInfo::default();
        for re in &self.forms {
            let Ok(Some(caps)) = re.captures(name) else {
                continue;
            };
            info.name = caps.name("name").map(|m| m.as_str().trim().to_owned());
            info.index = caps.name("index").and_then(|m| parse_i32(m.as_str()));
            info.year = caps.name("year").and_then(|m| parse_i32(m.as_str()));
            info.series_name = caps
                .name("seriesName")
                .map(|m| m.as_str().trim().to_owned());
            break;
        }
        let token = |re: &Regex| {
            let caps = re.captures(name).ok().flatten()?;
            caps.name("n").and_then(|m| parse_i32(m.as_str()))
        };
        info.parent_index = token(&self.volume);
        if info.index.is_none() {
            info.index = token(&self.chapter);
        }
        info
    }
}

/// Parses a book or comic file name without extension with `opts.book`; see
/// [`BookRules::parse`].
pub fn parse_book_file_name(opts: &NamingOptions, name: &str) -> BookFileNameInfo {
    opts.book.parse(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Expected = (
        Option<&'static str>,
        Option<&'static str>,
        Option<i32>,
        Option<i32>,
        Option<i32>,
    );

    #[test]
    fn books_and_comics() {
        let cases: &[(&str, Expected)] = &[
            (
                "Sherlock Holmes (1887) #1 (of 4) (1887)",
                (None, Some("Sherlock Holmes"), Some(1), None, Some(1887)),
            ),
            (
                "Sherlock Holmes #2",
                (None, Some("Sherlock Holmes"), Some(2), None, None),
            ),
            (
                "Sherlock Holmes (1887) #1",
                (None, Some("Sherlock Holmes"), Some(1), None, None),
            ),
            (
                "Sherlock Holmes #2 (1890)",
                (None, Some("Sherlock Holmes"), Some(2), None, Some(1890)),
            ),
            (
                "A Study in Scarlet (Sherlock Holmes, #1) (1887)",
                (
                    Some("A Study in Scarlet"),
                    Some("Sherlock Holmes"),
                    Some(1),
                    None,
                    Some(1887),
                ),
            ),
            (
                "The Adventures of Sherlock Holmes (Sherlock Holmes, #5)",
                (
                    Some("The Adventures of Sherlock Holmes"),
                    Some("Sherlock Holmes"),
                    Some(5),
                    None,
                    None,
                ),
            ),
            (
                "The Sign of the Four (1890)",
                (Some("The Sign of the Four"), None, None, None, Some(1890)),
            ),
            (
                "2 - The Sign of the Four (1890)",
                (
                    Some("The Sign of the Four"),
                    None,
                    Some(2),
                    None,
                    Some(1890),
                ),
            ),
            (
                "4 - The Valley of Fear",
                (Some("The Valley of Fear"), None, Some(4), None, None),
            ),
            (
                "A Study in Scarlet",
                (Some("A Study in Scarlet"), None, None, None, None),
            ),
            (
                "00 - Dracula's Guest (1914)",
                (Some("Dracula's Guest"), None, Some(0), None, Some(1914)),
            ),
            (
                "01 - Dracula (1897)",
                (Some("Dracula"), None, Some(1), None, Some(1897)),
            ),
            (
                "2.0 - Twenty Thousand Leagues Under the Sea",
                (
                    Some("Twenty Thousand Leagues Under the Sea"),
                    None,
                    Some(2),
                    None,
                    None,
                ),
            ),
            (
                "2.1 - The Blockade Runners",
                (Some("2.1 - The Blockade Runners"), None, None, None, None),
            ),
            (
                "Captain Marvel Adventures v01 (1941)",
                (
                    Some("Captain Marvel Adventures v01"),
                    None,
                    None,
                    Some(1),
                    Some(1941),
                ),
            ),
            (
                "Captain Marvel Adventures c120",
                (
                    Some("Captain Marvel Adventures c120"),
                    None,
                    Some(120),
                    None,
                    None,
                ),
            ),
            (
                "Captain Marvel Adventures v01 c120",
                (
                    Some("Captain Marvel Adventures v01 c120"),
                    None,
                    Some(120),
                    Some(1),
                    None,
                ),
            ),
            ("", (Some(""), None, None, None, None)),
            ("99999999999 - Big", (Some("Big"), None, None, None, None)),
        ];
        for (input, (name, series, index, parent, year)) in cases {
            let r = BookRules::default().parse(input);
            assert_eq!(
                (
                    r.name.as_deref(),
                    r.series_name.as_deref(),
                    r.index,
                    r.parent_index,
                    r.year
                ),
                (*name, *series, *index, *parent, *year),
                "{input:?}"
            );
        }
    }

    #[test]
    fn never_panics() {
        let long = "(#1) ".repeat(3000);
        for s in ["#", "(", " #1", "\n#1\n", "é #é", &long, "\\/"] {
            let _ = BookRules::default().parse(s);
        }
    }
}
