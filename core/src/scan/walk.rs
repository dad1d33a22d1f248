//! Walking library folders into an in-memory tree: ignore rules (built-in and `.ignore` files),
//! symlink loops, unreadable folders and non-UTF-8 names reported, each folder's subtree hashed
//! (names, sizes, modification times) so that unchanged parts of a library can be skipped.

use std::collections::hash_map::DefaultHasher;
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
/// The folders directly inside `root` are walked in parallel.
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
    let root_str = root_str.trim_end_matches('/');
    let root_str = if root_str.is_empty() { "/" } else { root_str };
    let name = crate::naming::path::file_name(root_str).to_owned();
    let root_len = if root_str == "/" { 0 } else { root_str.len() };
    let walker = Walker { root_len };
    let mut found = Vec::new();
    let node = walker.dir(
        root_str,
        name,
        &[(meta.dev(), meta.ino())],
        &[],
        &mut found,
        true,
    );
    issues.extend(found);
    Ok(node)
}

struct Walker {
    root_len: usize,
}

/// One listed entry, before ignore rules.
struct Entry {
    name: String,
    full: String,
    is_dir: bool,
    key: (u64, u64),
    size: u64,
    mtime_ns: i64,
}

impl Walker {
    /// Lists `path`: files with size and modification time, folders with their identity (for
    /// loop detection). Symbolic links are followed.
    fn list(&self, path: &str, issues: &mut Vec<WalkIssue>) -> Option<(Vec<Entry>, bool)> {
        let entries = match fs::read_dir(path) {
            Ok(e) => e,
            Err(e) => {
                issues.push(WalkIssue {
                    path: path.to_owned(),
                    message: format!("cannot read folder: {e}"),
                });
                return None;
            }
        };
        let mut out = Vec::new();
        let mut has_dot_ignore = false;
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
            let Some(name) = os_name.to_str() else {
                issues.push(WalkIssue {
                    path: format!("{path}/{}", os_name.to_string_lossy()),
                    message: "file name is not valid UTF-8; skipped".into(),
                });
                continue;
            };
            if name == ".ignore" {
                has_dot_ignore = true;
            }
            let full = if path == "/" {
                format!("/{name}")
            } else {
                format!("{path}/{name}")
            };
            // fstatat on the entry; a symbolic link is followed by a stat of its path.
            let meta = match entry.file_type() {
                Ok(t) if t.is_symlink() => fs::metadata(&full),
                _ => entry.metadata(),
            };
            let meta = match meta {
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
            if !meta.is_dir() && !meta.is_file() {
                continue;
            }
            out.push(Entry {
                name: name.to_owned(),
                full,
                is_dir: meta.is_dir(),
                key: (meta.dev(), meta.ino()),
                size: meta.len(),
                mtime_ns: meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
            });
        }
        Some((out, has_dot_ignore))
    }

    fn dir(
        &self,
        path: &str,
        name: String,
        ancestors: &[(u64, u64)],
        ignores: &[(String, DotIgnore)],
        issues: &mut Vec<WalkIssue>,
        parallel: bool,
    ) -> DirNode {
        let mut node = DirNode {
            path: path.to_owned(),
            name,
            ..DirNode::default()
        };
        let Some((entries, has_dot_ignore)) = self.list(path, issues) else {
            return node;
        };
        // A `.ignore` file applies to this folder and everything below it; an empty one
        // ignores the whole folder.
        let mut ignores_here: Vec<(String, DotIgnore)> = ignores.to_vec();
        if has_dot_ignore {
            if let Ok(text) = fs::read_to_string(Path::new(path).join(".ignore")) {
                let rules = DotIgnore::parse(&text);
                if rules.ignores_everything() {
                    return node;
                }
                ignores_here.push((path.to_owned(), rules));
            }
        }
        let mut subdirs: Vec<Entry> = Vec::new();
        for e in entries {
            // The built-in rules look at the path inside the library only: the folders above
            // the library root (a hidden mount point, say) are not the library's business.
            let relative = e.full.get(self.root_len..).unwrap_or(&e.full);
            if ignore::is_ignored(relative, e.is_dir)
                || ignores_here
                    .iter()
                    .any(|(folder, rules)| rules.is_ignored_under(folder, &e.full, e.is_dir))
            {
                continue;
            }
            if e.is_dir {
                if ancestors.contains(&e.key) {
                    issues.push(WalkIssue {
                        path: e.full,
                        message: "symbolic link loop; skipped".into(),
                    });
                    continue;
                }
                subdirs.push(e);
            } else {
                node.files.push(FileNode {
                    path: e.full,
                    name: e.name,
                    size: e.size,
                    mtime_ns: e.mtime_ns,
                });
            }
        }
        node.files.sort_by(|a, b| a.name.cmp(&b.name));
        subdirs.sort_by(|a, b| a.name.cmp(&b.name));
        let walk_child = |e: &Entry, issues: &mut Vec<WalkIssue>| {
            let mut chain = ancestors.to_vec();
            chain.push(e.key);
            self.dir(
                &e.full,
                e.name.clone(),
                &chain,
                &ignores_here,
                issues,
                false,
            )
        };
        if parallel {
            use rayon::prelude::*;
            let results: Vec<(DirNode, Vec<WalkIssue>)> = subdirs
                .par_iter()
                .map(|e| {
                    let mut found = Vec::new();
                    let child = walk_child(e, &mut found);
                    (child, found)
                })
                .collect();
            for (child, found) in results {
                node.dirs.push(child);
                issues.extend(found);
            }
        } else {
            for e in &subdirs {
                let child = walk_child(e, issues);
                node.dirs.push(child);
            }
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
