//! Walking library folders into an in-memory tree: ignore rules (built-in and `.ignore` files),
//! symlink loops, unreadable folders and non-UTF-8 names reported, each folder's subtree hashed
//! (names, sizes, modification times) so that unchanged parts of a library can be skipped.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashSet;
use std::fs;
use std::hash::{Hash, Hasher};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::naming::ignore::{self, DotIgnore};

/// A file found by the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileNode {
    /// Full path.
    pub path: String,
    /// File name.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, Unix nanoseconds.
    pub mtime_ns: i64,
}

/// A folder found by the walk, with its (non-ignored) content.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DirNode {
    /// Full path.
    pub path: String,
    /// Folder name.
    pub name: String,
    /// Files, by name.
    pub files: Vec<FileNode>,
    /// Sub-folders, by name.
    pub dirs: Vec<DirNode>,
    /// Hash of the whole subtree (names, sizes, modification times).
    pub tree_hash: i64,
    /// Hash of this folder's own files only (not sub-folders).
    pub files_hash: i64,
}

impl DirNode {
    /// The sub-folder called `name` (ignoring case).
    pub fn dir(&self, name: &str) -> Option<&DirNode> {
        self.dirs.iter().find(|d| d.name.eq_ignore_ascii_case(name))
    }

    /// The file called `name` (ignoring case).
    pub fn file(&self, name: &str) -> Option<&FileNode> {
        self.files
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// Every file of the subtree.
    pub fn all_files(&self) -> Vec<&FileNode> {
        let mut out: Vec<&FileNode> = self.files.iter().collect();
        for d in &self.dirs {
            out.extend(d.all_files());
        }
        out
    }
}

/// A problem met while walking (recorded per path; the walk goes on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkIssue {
    /// The path (lossy UTF-8 for non-UTF-8 names).
    pub path: String,
    /// What went wrong.
    pub message: String,
}

/// Walks `root` (which must be a readable folder). Problems below it are collected in `issues`.
pub fn walk(root: &Path, issues: &mut Vec<WalkIssue>) -> std::io::Result<DirNode> {
    let meta = fs::metadata(root)?;
    if !meta.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotADirectory,
            format!("{} is not a folder", root.display()),
        ));
    }
    let Some(root_str) = root.to_str() else {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{} is not valid UTF-8", root.display()),
        ));
    };
    let mut visited = HashSet::new();
    visited.insert((meta.dev(), meta.ino()));
    let root_str = root_str.trim_end_matches('/');
    let root_str = if root_str.is_empty() { "/" } else { root_str };
    let name = crate::naming::path::file_name(root_str).to_owned();
    let mut ignores: Vec<(String, DotIgnore)> = Vec::new();
    let root_len = if root_str == "/" { 0 } else { root_str.len() };
    Ok(walk_dir(
        root_str,
        name,
        root_len,
        &mut visited,
        &mut ignores,
        issues,
    ))
}

fn walk_dir(
    path: &str,
    name: String,
    root_len: usize,
    visited: &mut HashSet<(u64, u64)>,
    ignores: &mut Vec<(String, DotIgnore)>,
    issues: &mut Vec<WalkIssue>,
) -> DirNode {
    let mut node = DirNode {
        path: path.to_owned(),
        name,
        ..DirNode::default()
    };
    let entries = match fs::read_dir(path) {
        Ok(e) => e,
        Err(e) => {
            issues.push(WalkIssue {
                path: path.to_owned(),
                message: format!("cannot read folder: {e}"),
            });
            return node;
        }
    };
    // A `.ignore` file applies to this folder and everything below it.
    let dot_ignore = fs::read_to_string(Path::new(path).join(".ignore")).ok();
    let pushed = if let Some(text) = dot_ignore {
        let rules = DotIgnore::parse(&text);
        if rules.ignores_everything() {
            return node;
        }
        ignores.push((path.to_owned(), rules));
        true
    } else {
        false
    };
    let mut subdirs: Vec<(String, String)> = Vec::new();
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                issues.push(WalkIssue {
                    path: path.to_owned(),
                    message: format!("cannot list folder entry: {e}"),
                });
                continue;
            }
        };
        let os_name = entry.file_name();
        let Some(entry_name) = os_name.to_str() else {
            issues.push(WalkIssue {
                path: format!("{path}/{}", os_name.to_string_lossy()),
                message: "file name is not valid UTF-8; skipped".into(),
            });
            continue;
        };
        let full = if path == "/" {
            format!("/{entry_name}")
        } else {
            format!("{path}/{entry_name}")
        };
        // Follow symlinks (libraries often link folders in), but never into a loop.
        let meta = match fs::metadata(&full) {
            Ok(m) => m,
            Err(e) => {
                // A dangling link or a file that vanished mid-scan.
                if e.kind() != std::io::ErrorKind::NotFound {
                    issues.push(WalkIssue {
                        path: full,
                        message: format!("cannot read: {e}"),
                    });
                }
                continue;
            }
        };
        let is_dir = meta.is_dir();
        // The built-in rules look at the path inside the library only: the folders above the
        // library root (a hidden mount point, say) are not the library's business.
        let relative = full.get(root_len..).unwrap_or(&full);
        if ignore::is_ignored(relative, is_dir)
            || ignores
                .iter()
                .any(|(folder, rules)| rules.is_ignored_under(folder, &full, is_dir))
        {
            continue;
        }
        if is_dir {
            if !visited.insert((meta.dev(), meta.ino())) {
                issues.push(WalkIssue {
                    path: full,
                    message: "symbolic link loop; skipped".into(),
                });
                continue;
            }
            subdirs.push((full, entry_name.to_owned()));
        } else if meta.is_file() {
            node.files.push(FileNode {
                path: full,
                name: entry_name.to_owned(),
                size: meta.len(),
                mtime_ns: meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
            });
        }
    }
    node.files.sort_by(|a, b| a.name.cmp(&b.name));
    subdirs.sort();
    for (full, dir_name) in subdirs {
        let child = walk_dir(&full, dir_name, root_len, visited, ignores, issues);
        node.dirs.push(child);
    }
    if pushed {
        ignores.pop();
    }
    let mut h = DefaultHasher::new();
    for f in &node.files {
        (&f.name, f.size, f.mtime_ns).hash(&mut h);
    }
    node.files_hash = h.finish() as i64;
    for d in &node.dirs {
        (&d.name, d.tree_hash).hash(&mut h);
    }
    node.tree_hash = h.finish() as i64;
    node
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_ignores_and_survives_loops_and_bad_names() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("Movie (2010)/extrafanart")).unwrap();
        fs::write(root.join("Movie (2010)/Movie (2010).mkv"), b"x").unwrap();
        fs::write(root.join("Movie (2010)/sample.mkv"), b"x").unwrap();
        fs::create_dir_all(root.join(".hidden")).unwrap();
        fs::write(root.join(".hidden/a.mkv"), b"x").unwrap();
        fs::create_dir_all(root.join("Skipped")).unwrap();
        fs::write(root.join("Skipped/.ignore"), b"").unwrap();
        fs::write(root.join("Skipped/b.mkv"), b"x").unwrap();
        std::os::unix::fs::symlink(root, root.join("Movie (2010)/loop")).unwrap();
        let bad = std::ffi::OsStr::from_bytes(b"bad\xffname.mkv");
        use std::os::unix::ffi::OsStrExt;
        fs::write(root.join(bad), b"x").unwrap();

        let mut issues = Vec::new();
        let tree = walk(root, &mut issues).unwrap();
        let files: Vec<&str> = tree.all_files().iter().map(|f| f.name.as_str()).collect();
        assert_eq!(files, ["Movie (2010).mkv"]);
        assert!(
            issues.iter().any(|i| i.message.contains("loop")),
            "{issues:?}"
        );
        assert!(
            issues.iter().any(|i| i.message.contains("UTF-8")),
            "{issues:?}"
        );

        // The hash changes when a file changes and stays when nothing does.
        let again = walk(root, &mut Vec::new()).unwrap();
        assert_eq!(again.tree_hash, tree.tree_hash);
        fs::write(root.join("Movie (2010)/Movie (2010).mkv"), b"xy").unwrap();
        let changed = walk(root, &mut Vec::new()).unwrap();
        assert_ne!(changed.tree_hash, tree.tree_hash);
        assert!(walk(&root.join("missing"), &mut Vec::new()).is_err());
    }
}
