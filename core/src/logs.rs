//! Server log files: one directory of text files (the binary writes `log_YYYYMMDD.log`, one per
//! UTC day), listed for the dashboard, read by plain file name, and deleted by age (the
//! `CleanLogFiles` task).
//!
//! A name from a request is only ever joined to the log directory when it is a plain file name
//! ([`is_plain_file_name`]: no separator, not `.` or `..`), and only a regular file (not a
//! symbolic link, not a folder) directly in the directory is read, so no request reaches a
//! file outside it.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::{Error, Result};

/// One log file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFile {
    /// Its file name.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// When it was created (its modification time where the file system keeps no birth time).
    pub created: SystemTime,
    /// When it was last written.
    pub modified: SystemTime,
}

/// The name of the log file for the UTC day of `t`: `log_YYYYMMDD.log`.
pub fn file_name_for(t: SystemTime) -> String {
    let days = t
        .duration_since(UNIX_EPOCH)
        .map(|d| (d.as_secs() / 86_400) as i64)
        .unwrap_or(0);
    let (y, m, d) = civil_from_days(days);
    format!("log_{y:04}{m:02}{d:02}.log")
}

/// The civil date (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's
/// algorithm).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Whether `name` is a plain file name: not empty, no `/`, `\` or NUL, not `.` or `..`.
pub fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0'])
}

/// The log files in `dir`, most recently written first. A missing directory has none.
pub fn list(dir: &Path) -> Result<Vec<LogFile>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let modified = meta.modified().unwrap_or(UNIX_EPOCH);
        out.push(LogFile {
            name,
            size: meta.len(),
            created: meta.created().unwrap_or(modified),
            modified,
        });
    }
    out.sort_by(|a, b| {
        b.modified
            .cmp(&a.modified)
            .then_with(|| a.name.cmp(&b.name))
    });
    Ok(out)
}

/// The path of the log file called `name` in `dir`: `None` unless `name` is a plain file name
/// of a regular file (not a link) directly in `dir`.
pub fn path_of(dir: &Path, name: &str) -> Option<PathBuf> {
    if !is_plain_file_name(name) {
        return None;
    }
    let path = dir.join(name);
    let meta = std::fs::symlink_metadata(&path).ok()?;
    meta.is_file().then_some(path)
}

/// The content of the log file called `name` in `dir` (see [`path_of`]); `None` when there is
/// no such file.
pub fn read(dir: &Path, name: &str) -> Result<Option<Vec<u8>>> {
    let Some(path) = path_of(dir, name) else {
        return Ok(None);
    };
    match std::fs::read(&path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Deletes the log files in `dir` last written more than `retention_days` days before `now`,
/// calling `progress` with the percentage done; returns how many were deleted.
pub fn delete_older_than(
    dir: &Path,
    retention_days: u32,
    now: SystemTime,
    progress: &mut dyn FnMut(f64),
) -> Result<usize> {
    let cutoff = now
        .checked_sub(Duration::from_secs(u64::from(retention_days) * 86_400))
        .unwrap_or(UNIX_EPOCH);
    let old: Vec<LogFile> = list(dir)?
        .into_iter()
        .filter(|f| f.modified < cutoff)
        .collect();
    for (i, f) in old.iter().enumerate() {
        progress(100.0 * i as f64 / old.len() as f64);
        let path = dir.join(&f.name);
        std::fs::remove_file(&path).map_err(|e| Error::io(path, e))?;
    }
    progress(100.0);
    Ok(old.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_follow_the_utc_day() {
        let cases = [
            (0, "log_19700101.log"),
            (951_782_400, "log_20000229.log"),
            (1_714_566_896, "log_20240501.log"),
            (4_102_444_799, "log_20991231.log"),
        ];
        for (secs, want) in cases {
            assert_eq!(
                file_name_for(UNIX_EPOCH + Duration::from_secs(secs)),
                want,
                "{secs}"
            );
        }
    }

    #[test]
    fn only_plain_names_of_regular_files_are_read() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("log");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("log_20240501.log"), "hello").unwrap();
        std::fs::write(root.path().join("secret.txt"), "secret").unwrap();
        std::fs::create_dir(dir.join("sub")).unwrap();
        std::os::unix::fs::symlink(root.path().join("secret.txt"), dir.join("link.log")).unwrap();
        let cases: &[(&str, Option<&[u8]>)] = &[
            ("log_20240501.log", Some(b"hello")),
            ("../secret.txt", None),
            ("..", None),
            (".", None),
            ("", None),
            ("sub", None),
            ("link.log", None),
            ("/etc/passwd", None),
            ("..\\secret.txt", None),
            ("missing.log", None),
        ];
        for (name, want) in cases {
            assert_eq!(read(&dir, name).unwrap().as_deref(), *want, "{name:?}");
        }
        let names: Vec<String> = list(&dir).unwrap().into_iter().map(|f| f.name).collect();
        assert_eq!(names, ["log_20240501.log"]);
        assert_eq!(list(&root.path().join("none")).unwrap(), Vec::new());
    }

    #[test]
    fn old_files_are_deleted_by_age() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.log"), "a").unwrap();
        std::fs::write(dir.path().join("b.log"), "b").unwrap();
        let now = SystemTime::now();
        let mut seen = Vec::new();
        // Nothing is older than 3 days yet.
        assert_eq!(
            delete_older_than(dir.path(), 3, now, &mut |p| seen.push(p)).unwrap(),
            0
        );
        // Ten days on, both are.
        let later = now + Duration::from_secs(10 * 86_400);
        assert_eq!(
            delete_older_than(dir.path(), 3, later, &mut |p| seen.push(p)).unwrap(),
            2
        );
        assert_eq!(seen.last(), Some(&100.0));
        assert!(list(dir.path()).unwrap().is_empty());
    }
}
