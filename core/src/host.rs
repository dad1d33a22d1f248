//! The host machine as an administrator's tools see it: the server's directories for the
//! library editor's folder picker (Jellyfin's `EnvironmentController`), the drives, a path's
//! parent, whether a path exists (and is writable), and the free and used space under a folder
//! (`/System/Info/Storage`).
//!
//! This is an administrator tool that browses the whole file system, as Jellyfin's does; the
//! server only lets administrators (or anyone during the startup wizard) reach it. Paths must
//! be absolute: nothing here resolves a path against the working directory.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// What a file-system entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A file.
    File,
    /// A directory.
    Directory,
}

impl EntryKind {
    /// Jellyfin's name (`File`, `Directory`).
    pub fn name(self) -> &'static str {
        match self {
            EntryKind::File => "File",
            EntryKind::Directory => "Directory",
        }
    }
}

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FsEntry {
    /// Its name (the last path component; the path itself for a drive).
    pub name: String,
    /// Its full path.
    pub path: String,
    /// File or directory.
    pub kind: EntryKind,
}

/// Why a directory cannot be listed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BrowseError {
    /// The path is not absolute.
    #[error("{0:?} is not an absolute path")]
    NotAbsolute(String),
    /// There is no directory at the path.
    #[error("no directory at {0:?}")]
    NotFound(String),
    /// The server may not read the directory.
    #[error("permission denied reading {0:?}")]
    PermissionDenied(String),
    /// Another I/O error.
    #[error("cannot read {path:?}: {source}")]
    Io {
        /// The directory.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// The entries of the directory at `path` (absolute), ordered by full path as Jellyfin orders
/// them: directories when `include_directories`, files when `include_files` (both false: none).
/// A symbolic link counts as what it points to; names that are not UTF-8 are skipped.
pub fn directory_contents(
    path: &str,
    include_files: bool,
    include_directories: bool,
) -> Result<Vec<FsEntry>, BrowseError> {
    if !path.starts_with('/') {
        return Err(BrowseError::NotAbsolute(path.to_owned()));
    }
    let read = std::fs::read_dir(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory => {
            BrowseError::NotFound(path.to_owned())
        }
        std::io::ErrorKind::PermissionDenied => BrowseError::PermissionDenied(path.to_owned()),
        _ => BrowseError::Io {
            path: path.to_owned(),
            source: e,
        },
    })?;
    let mut out = Vec::new();
    for entry in read.flatten() {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        // Follow links: a link to a folder is browsable like the folder.
        let is_dir = std::fs::metadata(entry.path()).is_ok_and(|m| m.is_dir());
        if (is_dir && !include_directories) || (!is_dir && !include_files) {
            continue;
        }
        let full = entry.path().to_string_lossy().into_owned();
        out.push(FsEntry {
            name,
            path: full,
            kind: if is_dir {
                EntryKind::Directory
            } else {
                EntryKind::File
            },
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// The parent of `path` as .NET's `Path.GetDirectoryName` gives it on Linux: everything before
/// the last `/` (`/` for a top-level entry; `/a/b` for `/a/b/`); `None` for `/` and for names
/// without a `/`.
pub fn parent_path(path: &str) -> Option<String> {
    let idx = path.rfind('/')?;
    if path == "/" {
        return None;
    }
    if idx == 0 {
        return Some("/".to_owned());
    }
    Some(path[..idx].to_owned())
}

/// Whether a path passes Jellyfin's `ValidatePath`: with `is_file` it must be a file (`true`)
/// or a directory (`false`); without, either, and with `validate_writable` a file must be
/// creatable in it (it is created and deleted).
pub fn validate_path(path: &str, validate_writable: bool, is_file: Option<bool>) -> bool {
    if !path.starts_with('/') {
        return false;
    }
    let p = Path::new(path);
    match is_file {
        Some(true) => p.is_file(),
        Some(false) => p.is_dir(),
        None => {
            if !p.exists() {
                return false;
            }
            if !validate_writable {
                return true;
            }
            let mut name = [0u8; 16];
            if getrandom::fill(&mut name).is_err() {
                return false;
            }
            let probe = p.join(format!(
                ".jellyfin-write-test-{}",
                name.iter().map(|b| format!("{b:02x}")).collect::<String>()
            ));
            let ok = std::fs::write(&probe, b"").is_ok();
            let _ = std::fs::remove_file(&probe);
            ok
        }
    }
}

/// File-system types of mounts that hold files (not kernel pseudo file systems).
const DATA_FILE_SYSTEMS: &[&str] = &[
    "ext2",
    "ext3",
    "ext4",
    "xfs",
    "btrfs",
    "zfs",
    "f2fs",
    "jfs",
    "reiserfs",
    "vfat",
    "exfat",
    "ntfs",
    "ntfs3",
    "fuseblk",
    "hfsplus",
    "apfs",
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "9p",
    "virtiofs",
    "overlay",
    "fuse.mergerfs",
    "fuse.sshfs",
    "fuse.rclone",
];

/// One mount of `/proc/self/mounts`: (device, mount point, file-system type).
fn mounts() -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            let mut f = line.split(' ');
            let device = unescape_mount(f.next()?);
            let point = unescape_mount(f.next()?);
            let fs = f.next()?.to_owned();
            Some((device, point, fs))
        })
        .collect()
}

/// Undoes the octal escapes of `/proc/self/mounts` (`\040` for a space).
fn unescape_mount(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let octal = i + 3 < b.len() && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c));
        if b[i] == b'\\' && octal {
            let v = (b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0');
            out.push(v);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The drives: `/` and every other mount holding files (kernel pseudo file systems such as
/// `proc`, `sysfs` and `tmpfs` left out), by path.
pub fn drives() -> Vec<FsEntry> {
    let mut points: Vec<String> = mounts()
        .into_iter()
        .filter(|(_, _, fs)| DATA_FILE_SYSTEMS.contains(&fs.as_str()))
        .map(|(_, point, _)| point)
        .collect();
    points.push("/".to_owned());
    points.sort();
    points.dedup();
    points
        .into_iter()
        .map(|p| FsEntry {
            name: p.clone(),
            path: p,
            kind: EntryKind::Directory,
        })
        .collect()
}

/// Space on the file system holding a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderStorage {
    /// The folder.
    pub path: String,
    /// Bytes available to the server (-1 when unknown).
    pub free_space: i64,
    /// Bytes in use (-1 when unknown).
    pub used_space: i64,
    /// The file-system type (`ext4`, ...), when known.
    pub storage_type: Option<String>,
    /// The device (`/dev/sda1`, ...), when known.
    pub device_id: Option<String>,
}

/// The space of the file system holding `path` (`statvfs`), with the type and device of its
/// mount; -1 for space that cannot be read (a missing folder).
pub fn folder_storage(path: &str) -> FolderStorage {
    let (free, used) = space(Path::new(path)).unwrap_or((-1, -1));
    // The mount is the longest mount point that is a prefix of the path.
    let mount = mounts()
        .into_iter()
        .filter(|(_, point, _)| {
            point == "/"
                || path == point
                || path.starts_with(&format!("{}/", point.trim_end_matches('/')))
        })
        .max_by_key(|(_, point, _)| point.len());
    FolderStorage {
        path: path.to_owned(),
        free_space: free,
        used_space: used,
        storage_type: mount.as_ref().map(|(_, _, fs)| fs.clone()),
        device_id: mount.map(|(device, _, _)| device),
    }
}

/// (available, used) bytes of the file system holding `path`.
fn space(path: &Path) -> Option<(i64, i64)> {
    let c = CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe {
        // SAFETY: `statvfs` is a plain C struct; all-zero bytes are a valid value of it.
        std::mem::zeroed()
    };
    // SAFETY: `c` is a NUL-terminated path that outlives the call, and `st` is a valid,
    // writable `statvfs` the call fills in.
    let rc = unsafe { libc::statvfs(c.as_ptr(), &mut st) };
    if rc != 0 {
        return None;
    }
    let frsize = st.f_frsize as u128;
    let total = st.f_blocks as u128 * frsize;
    let free = st.f_bfree as u128 * frsize;
    let avail = st.f_bavail as u128 * frsize;
    let clamp = |v: u128| i64::try_from(v).unwrap_or(i64::MAX);
    Some((clamp(avail), clamp(total.saturating_sub(free))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_paths_follow_dotnet() {
        let cases = [
            ("/", None),
            ("/media", Some("/")),
            ("/media/movies", Some("/media")),
            ("/media/movies/", Some("/media/movies")),
            ("relative", None),
            ("", None),
        ];
        for (path, want) in cases {
            assert_eq!(parent_path(path).as_deref(), want, "{path:?}");
        }
    }

    #[test]
    fn directory_contents_filter_and_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_str().unwrap();
        std::fs::create_dir(dir.path().join("b-dir")).unwrap();
        std::fs::create_dir(dir.path().join("a-dir")).unwrap();
        std::fs::write(dir.path().join("c.mkv"), "x").unwrap();
        std::os::unix::fs::symlink(dir.path().join("a-dir"), dir.path().join("d-link")).unwrap();
        let names = |files, dirs| -> Vec<(String, EntryKind)> {
            directory_contents(root, files, dirs)
                .unwrap()
                .into_iter()
                .map(|e| (e.name, e.kind))
                .collect()
        };
        use EntryKind::*;
        assert_eq!(
            names(false, true),
            [
                ("a-dir".to_owned(), Directory),
                ("b-dir".to_owned(), Directory),
                ("d-link".to_owned(), Directory)
            ]
        );
        assert_eq!(names(true, false), [("c.mkv".to_owned(), File)]);
        assert_eq!(names(true, true).len(), 4);
        assert!(names(false, false).is_empty());
        let first = &directory_contents(root, false, true).unwrap()[0];
        assert_eq!(first.path, format!("{root}/a-dir"));
        assert!(matches!(
            directory_contents(&format!("{root}/missing"), true, true),
            Err(BrowseError::NotFound(_))
        ));
        assert!(matches!(
            directory_contents(&format!("{root}/c.mkv"), true, true),
            Err(BrowseError::NotFound(_))
        ));
        assert!(matches!(
            directory_contents("relative/path", true, true),
            Err(BrowseError::NotAbsolute(_))
        ));
    }

    #[test]
    fn validate_path_cases() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_str().unwrap().to_owned();
        std::fs::write(dir.path().join("f"), "x").unwrap();
        let file = format!("{root}/f");
        let missing = format!("{root}/missing");
        let cases = [
            (&root, false, None, true),
            (&root, true, None, true),
            (&file, false, None, true),
            (&missing, false, None, false),
            (&file, false, Some(true), true),
            (&root, false, Some(true), false),
            (&root, false, Some(false), true),
            (&file, false, Some(false), false),
        ];
        for (path, writable, is_file, want) in cases {
            assert_eq!(
                validate_path(path, writable, is_file),
                want,
                "{path} {writable} {is_file:?}"
            );
        }
        assert!(!validate_path("relative", false, None));
        // The write probe leaves nothing behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn storage_and_drives() {
        let dir = tempfile::tempdir().unwrap();
        let s = folder_storage(dir.path().to_str().unwrap());
        assert!(s.free_space >= 0 && s.used_space >= 0, "{s:?}");
        let gone = folder_storage("/definitely/not/here");
        assert_eq!((gone.free_space, gone.used_space), (-1, -1));
        assert!(drives().iter().any(|d| d.path == "/"));
        assert_eq!(unescape_mount("/mnt/my\\040disk"), "/mnt/my disk");
        assert_eq!(unescape_mount("plain\\"), "plain\\");
    }
}
