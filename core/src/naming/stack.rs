//! Stacking: multi-part videos (`Movie cd1.avi`, `Movie part2.mkv`, `Movie - Disc 1/`) grouped
//! into one item (conventions section 6).

use std::cmp::Ordering;

use fancy_regex::Regex;

use super::{compile, path, NamingOptions};

/// One stacking rule: a regular expression with `filename`, `parttype` and `number` groups.
#[derive(Debug, Clone)]
pub struct StackRule {
    regex: Regex,
    /// Whether part ids are numbers (`part1`) rather than letters (`parta`).
    pub is_numerical: bool,
}

impl StackRule {
    /// Builds a rule from its expression.
    pub fn new(expression: &str, is_numerical: bool) -> Self {
        Self {
            regex: compile(expression),
            is_numerical,
        }
    }

    /// Matches a file or folder name: `(stack name, part type, part id)`.
    pub fn parse<'a>(&self, name: &'a str) -> Option<(&'a str, &'a str, &'a str)> {
        let caps = self.regex.captures(name).ok()??;
        Some((
            caps.name("filename")?.as_str(),
            caps.name("parttype")?.as_str(),
            caps.name("number")?.as_str(),
        ))
    }
}

/// The default rules: numeric part ids, then the letters `a`-`d`.
pub fn default_rules() -> Vec<StackRule> {
    let head = r"^(?<filename>.*?)(?:(?<=[\]\)\}])|[ _.-]+)[\(\[]?(?<parttype>cd|dvd|part|pt|dis[ck])[ _.-]*";
    let tail = r"[\)\]]?(?:\.[^.]+)?$";
    vec![
        StackRule::new(&format!("{head}(?<number>[0-9]+){tail}"), true),
        StackRule::new(&format!("{head}(?<number>[a-d]){tail}"), false),
    ]
}

/// A file or folder given to the stack resolver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackEntry {
    /// Full path.
    pub path: String,
    /// Whether it is a folder.
    pub is_directory: bool,
}

/// A multi-part stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStack {
    /// The text before the part marker (`Bad Boys (2006)`).
    pub name: String,
    /// Whether the parts are folders.
    pub is_directory: bool,
    /// Part paths, in path order.
    pub files: Vec<String>,
}

impl FileStack {
    /// Whether `path` is one of the parts (and of the same kind).
    pub fn contains(&self, path: &str, is_directory: bool) -> bool {
        self.is_directory == is_directory && self.files.iter().any(|f| f == path)
    }
}

/// Orders paths the way .NET's default string order does for the names we meet: letters
/// compared ignoring case first, ties broken by ordinal order.
pub(crate) fn path_order(a: &str, b: &str) -> Ordering {
    let la = a.chars().flat_map(char::to_lowercase);
    let lb = b.chars().flat_map(char::to_lowercase);
    la.cmp(lb).then_with(|| a.cmp(b))
}

struct Pending<'a> {
    name: &'a str,
    is_directory: bool,
    is_numerical: bool,
    part_type: &'a str,
    parts: Vec<(&'a str, &'a str)>,
}

/// Groups entries into stacks. Only folders, videos and stubs are candidates; stacks come out in
/// the order of their first part after sorting the paths.
pub fn resolve(opts: &NamingOptions, entries: &[StackEntry]) -> Vec<FileStack> {
    let mut candidates: Vec<&StackEntry> = entries
        .iter()
        .filter(|e| {
            e.is_directory || opts.extensions.is_video(&e.path) || opts.extensions.is_stub(&e.path)
        })
        .collect();
    candidates.sort_by(|a, b| path_order(&a.path, &b.path));

    let mut pending: Vec<Pending<'_>> = Vec::new();
    for entry in candidates {
        let name = path::file_name(&entry.path);
        for rule in &opts.video.stacking_rules {
            let Some((stack_name, part_type, part)) = rule.parse(name) else {
                continue;
            };
            let idx = match pending.iter().position(|p| p.name == stack_name) {
                Some(i) => i,
                None => {
                    pending.push(Pending {
                        name: stack_name,
                        is_directory: entry.is_directory,
                        is_numerical: rule.is_numerical,
                        part_type,
                        parts: Vec::new(),
                    });
                    pending.len() - 1
                }
            };
            let stack = &mut pending[idx];
            if !stack.parts.is_empty() {
                if stack.is_directory != entry.is_directory
                    || !stack.part_type.eq_ignore_ascii_case(part_type)
                    || stack.parts.iter().any(|(id, _)| *id == part)
                {
                    continue;
                }
                if rule.is_numerical != stack.is_numerical {
                    break;
                }
            }
            stack.parts.push((part, &entry.path));
            break;
        }
    }
    pending
        .into_iter()
        .filter(|p| p.parts.len() >= 2)
        .map(|p| FileStack {
            name: p.name.to_owned(),
            is_directory: p.is_directory,
            files: p.parts.iter().map(|(_, f)| (*f).to_owned()).collect(),
        })
        .collect()
}

/// Stacks plain file paths.
pub fn resolve_files(opts: &NamingOptions, files: &[String]) -> Vec<FileStack> {
    let entries: Vec<StackEntry> = files
        .iter()
        .map(|f| StackEntry {
            path: f.clone(),
            is_directory: false,
        })
        .collect();
    resolve(opts, &entries)
}

/// Stacks folder paths.
pub fn resolve_directories(opts: &NamingOptions, dirs: &[String]) -> Vec<FileStack> {
    let entries: Vec<StackEntry> = dirs
        .iter()
        .map(|f| StackEntry {
            path: f.clone(),
            is_directory: true,
        })
        .collect();
    resolve(opts, &entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacking_table() {
        let opts = NamingOptions::default();
        let cases: &[(&[&str], &[usize])] = &[
            (&["Movie part1.mkv", "Movie part2.mkv"], &[2]),
            (&["Movie - part1.mkv", "Movie-part2.mkv"], &[2]),
            (&["Movie.pt1.mkv", "Movie.pt2.mkv"], &[2]),
            (&["Movie 1.mkv", "Movie 2.mkv"], &[]),
            (&["Movie cd1.mkv", "Movie part2.mkv"], &[]),
            (&["Movie cd1.mkv", "Movie cd1.mkv"], &[]),
            (
                &["M (Disc 01).mkv", "M (Disc 02).mkv", "M (Disc 03).mkv"],
                &[3],
            ),
        ];
        for (files, counts) in cases {
            let files: Vec<String> = files.iter().map(|s| s.to_string()).collect();
            let got: Vec<usize> = resolve_files(&opts, &files)
                .iter()
                .map(|s| s.files.len())
                .collect();
            assert_eq!(&got, counts, "{files:?}");
        }
    }
}
