//! Grouping the videos of one folder into items: multi-part stacks, alternate versions of one
//! movie or episode, and extras returned beside them (conventions sections 4, 5b and 6).

use std::cmp::Ordering;

use fancy_regex::Regex;

use super::extras::ExtraType;
use super::stack::{self, StackEntry};
use super::tv::{parse_episode_path, ExpressionFilter};
use super::video::{self, ResolveOptions, VideoFileInfo};
use super::{compile, path, NamingOptions};

/// One resolved item: a video (possibly multi-part) with its alternate versions, or an extra.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoItem {
    /// The item name (the folder name for a group of versions).
    pub name: String,
    /// The year of the first file.
    pub year: Option<i32>,
    /// The files of the item: one, or the parts of a stack in order.
    pub files: Vec<VideoFileInfo>,
    /// Other versions of the same movie or episode, best first.
    pub alternate_versions: Vec<VideoItem>,
    /// The extra type, when the item is an extra.
    pub extra_type: Option<ExtraType>,
}

/// How a folder's videos are grouped into versions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum VersionGrouping {
    /// Movie rules: every file named after the folder is a version of one movie.
    #[default]
    Movies,
    /// TV rules: files with the same season and episode are versions of one episode.
    Episodes,
    /// No version grouping.
    None,
}

/// Regexes used by the grouping, compiled once per call site owner.
#[derive(Debug, Clone)]
pub struct GroupingRules {
    resolution: Regex,
    leading_bracket: Regex,
}

impl Default for GroupingRules {
    fn default() -> Self {
        Self {
            resolution: compile(r"[0-9]{2,}[ip]"),
            leading_bracket: compile(r"^\[([^\]]*)\]"),
        }
    }
}

/// Resolves each path with [`video::resolve`], drops what is not a video, then groups them.
pub fn resolve_paths(
    opts: &NamingOptions,
    entries: &[StackEntry],
    grouping: VersionGrouping,
) -> Vec<VideoItem> {
    let infos: Vec<VideoFileInfo> = entries
        .iter()
        .filter_map(|e| video::resolve(opts, &e.path, e.is_directory, ResolveOptions::default()))
        .collect();
    resolve(opts, &infos, grouping)
}

/// Groups resolved videos: extras are set aside, the rest is stacked, then versions are grouped.
/// Stacks come first, then single videos in input order, then extras in input order.
pub fn resolve(
    opts: &NamingOptions,
    videos: &[VideoFileInfo],
    grouping: VersionGrouping,
) -> Vec<VideoItem> {
    let non_extras: Vec<StackEntry> = videos
        .iter()
        .filter(|v| v.extra_type.is_none())
        .map(|v| StackEntry {
            path: v.path.clone(),
            is_directory: v.is_directory,
        })
        .collect();
    let stacks = stack::resolve(opts, &non_extras);

    let mut items = Vec::new();
    for s in &stacks {
        let files: Vec<VideoFileInfo> = s
            .files
            .iter()
            .filter_map(|f| video::resolve(opts, f, s.is_directory, ResolveOptions::default()))
            .collect();
        let Some(first) = files.first() else { continue };
        items.push(VideoItem {
            name: s.name.clone(),
            year: first.year,
            files,
            alternate_versions: Vec::new(),
            extra_type: None,
        });
    }
    let mut extras = Vec::new();
    for v in videos {
        if stacks.iter().any(|s| s.contains(&v.path, v.is_directory)) {
            continue;
        }
        let item = VideoItem {
            name: v.name.clone(),
            year: v.year,
            files: vec![v.clone()],
            alternate_versions: Vec::new(),
            extra_type: v.extra_type,
        };
        if v.extra_type.is_none() {
            items.push(item);
        } else {
            extras.push(item);
        }
    }
    let rules = GroupingRules::default();
    let mut items = match grouping {
        VersionGrouping::Movies => group_movie_versions(opts, &rules, items),
        VersionGrouping::Episodes => group_episode_versions(opts, &rules, items),
        VersionGrouping::None => items,
    };
    items.extend(extras);
    items
}

fn first_stem(item: &VideoItem) -> &str {
    item.files
        .first()
        .map(VideoFileInfo::file_name_without_extension)
        .unwrap_or("")
}

fn folder_name(item: &VideoItem) -> &str {
    item.files
        .first()
        .map(|f| path::parent_name(&f.path))
        .unwrap_or("")
}

fn starts_with_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    if s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].to_lowercase() == prefix.to_lowercase()
    {
        Some(&s[prefix.len()..])
    } else {
        None
    }
}

fn is_eligible_for_multi_version(
    opts: &NamingOptions,
    rules: &GroupingRules,
    folder: &str,
    stem: &str,
) -> bool {
    let Some(rest) = starts_with_ignore_case(stem, folder) else {
        return false;
    };
    let mut rest = rest.trim().to_owned();
    if let Some(cleaned) = video::clean_string(opts, &rest) {
        rest = cleaned.trim().to_owned();
    }
    rest.is_empty()
        || rest.starts_with(['-', '_', '.'])
        || rules.leading_bracket.is_match(&rest).unwrap_or(false)
}

/// Compares names with digit runs by value ("Movie 2" before "Movie 10").
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    fn chunks(s: &str) -> impl Iterator<Item = &str> {
        let mut rest = s;
        std::iter::from_fn(move || {
            let first = rest.chars().next()?;
            let digit = first.is_ascii_digit();
            let end = rest
                .char_indices()
                .find(|(_, c)| c.is_ascii_digit() != digit)
                .map_or(rest.len(), |(i, _)| i);
            let (chunk, tail) = rest.split_at(end);
            rest = tail;
            Some(chunk)
        })
    }
    let mut ca = chunks(a);
    let mut cb = chunks(b);
    loop {
        match (ca.next(), cb.next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let both_numeric = x.starts_with(|c: char| c.is_ascii_digit())
                    && y.starts_with(|c: char| c.is_ascii_digit());
                let ord = if both_numeric {
                    let xt = x.trim_start_matches('0');
                    let yt = y.trim_start_matches('0');
                    xt.len().cmp(&yt.len()).then_with(|| xt.cmp(yt))
                } else {
                    x.cmp(y)
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
    }
}

/// Sorts versions best first: names with a resolution token by resolution (highest first),
/// then the others, each by natural name order.
fn sort_versions(rules: &GroupingRules, versions: &mut [VideoItem]) {
    let resolution = |item: &VideoItem| -> Option<String> {
        rules
            .resolution
            .find(first_stem(item))
            .ok()
            .flatten()
            .map(|m| m.as_str().to_owned())
    };
    versions.sort_by(|a, b| match (resolution(a), resolution(b)) {
        (Some(ra), Some(rb)) => {
            natural_cmp(&rb, &ra).then_with(|| natural_cmp(first_stem(a), first_stem(b)))
        }
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => natural_cmp(first_stem(a), first_stem(b)),
    });
}

/// Merges `versions` into one item: the primary is the file named exactly like the folder,
/// else the first multi-part stack, else the best-sorted version.
fn merge_versions(
    rules: &GroupingRules,
    mut versions: Vec<VideoItem>,
    folder: &str,
    name: Option<&str>,
) -> VideoItem {
    sort_versions(rules, &mut versions);
    let primary_index = versions
        .iter()
        .position(|v| v.files.len() == 1 && first_stem(v) == folder)
        .or_else(|| versions.iter().position(|v| v.files.len() > 1))
        .unwrap_or(0);
    let mut primary = versions.remove(primary_index);
    primary.alternate_versions = versions;
    if let Some(name) = name {
        primary.name = name.to_owned();
    }
    primary
}

fn group_movie_versions(
    opts: &NamingOptions,
    rules: &GroupingRules,
    items: Vec<VideoItem>,
) -> Vec<VideoItem> {
    let Some(first) = items.first() else {
        return items;
    };
    let folder = folder_name(first).to_owned();
    if folder.chars().count() <= 1 {
        return items;
    }
    let year = first.year;
    if items.iter().any(|i| i.year != year) {
        return items;
    }
    if !items
        .iter()
        .all(|i| is_eligible_for_multi_version(opts, rules, &folder, first_stem(i)))
    {
        return items;
    }
    vec![merge_versions(rules, items, &folder, Some(&folder))]
}

fn episode_key(opts: &NamingOptions, item: &VideoItem) -> Option<String> {
    let file = item.files.first()?;
    let r = parse_episode_path(opts, &file.path, false, ExpressionFilter::default(), false);
    if !r.success {
        return None;
    }
    if r.is_by_date {
        return Some(format!(
            "D{:04}{:02}{:02}",
            r.year.unwrap_or(0),
            r.month.unwrap_or(0),
            r.day.unwrap_or(0)
        ));
    }
    let episode = r.episode_number?;
    Some(format!("S{}E{}", r.season_number.unwrap_or(0), episode))
}

fn group_episode_versions(
    opts: &NamingOptions,
    rules: &GroupingRules,
    items: Vec<VideoItem>,
) -> Vec<VideoItem> {
    // Groups in order of first appearance; items without a key stay on their own.
    let mut groups: Vec<(Option<String>, Vec<VideoItem>)> = Vec::new();
    for item in items {
        let key = episode_key(opts, &item);
        match key
            .as_ref()
            .and_then(|k| groups.iter().position(|(gk, _)| gk.as_ref() == Some(k)))
        {
            Some(i) => groups[i].1.push(item),
            None => groups.push((key, vec![item])),
        }
    }
    groups
        .into_iter()
        .map(|(_, mut members)| {
            if members.len() == 1 {
                members.remove(0)
            } else {
                let folder = folder_name(&members[0]).to_owned();
                merge_versions(rules, members, &folder, None)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order() {
        let mut v = vec!["Movie 10", "Movie 2", "Movie 1", "Movie", "Movie 2a"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, ["Movie", "Movie 1", "Movie 2", "Movie 2a", "Movie 10"]);
    }

    #[test]
    fn versions_sorted_by_resolution() {
        let opts = NamingOptions::default();
        let files = [
            "/m/Movie/Movie - Theatrical Release.mkv",
            "/m/Movie/Movie - 720p.mkv",
            "/m/Movie/Movie - 2160p Remux.mkv",
            "/m/Movie/Movie - 1080p Directors Cut.mkv",
            "/m/Movie/Movie - 2160p.mkv",
            "/m/Movie/Movie - 1080p.mkv",
            "/m/Movie/Movie - Directors Cut.mkv",
        ];
        let entries: Vec<StackEntry> = files
            .iter()
            .map(|p| StackEntry {
                path: p.to_string(),
                is_directory: false,
            })
            .collect();
        let items = resolve_paths(&opts, &entries, VersionGrouping::Movies);
        assert_eq!(items.len(), 1);
        let order: Vec<&str> = std::iter::once(&items[0])
            .chain(&items[0].alternate_versions)
            .map(first_stem)
            .collect();
        assert_eq!(
            order,
            [
                "Movie - 2160p",
                "Movie - 2160p Remux",
                "Movie - 1080p",
                "Movie - 1080p Directors Cut",
                "Movie - 720p",
                "Movie - Directors Cut",
                "Movie - Theatrical Release"
            ]
        );
        assert_eq!(items[0].name, "Movie");
    }
}
