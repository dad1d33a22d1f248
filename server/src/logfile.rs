//! The server's log files: a `tracing_subscriber` writer appending each event to the log file
//! of its UTC day (`<log_dir>/log_YYYYMMDD.log`, named by `jellyfin_core::logs`), opening the
//! next day's file when the date changes. `/System/Logs` lists the same directory.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

/// Log files in one directory, one per UTC day. Give it to `fmt::layer().with_writer(..)`.
#[derive(Debug)]
pub struct DailyLogFiles {
    dir: PathBuf,
    current: Mutex<Option<(String, File)>>,
}

impl DailyLogFiles {
    /// Log files in `dir` (created if missing).
    pub fn new(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(Self {
            dir: dir.to_owned(),
            current: Mutex::new(None),
        })
    }

    /// Appends `bytes` to the file of `now`'s day.
    pub fn append_at(&self, bytes: &[u8], now: SystemTime) -> std::io::Result<()> {
        let name = jellyfin_core::logs::file_name_for(now);
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if current.as_ref().is_none_or(|(n, _)| *n != name) {
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(self.dir.join(&name))?;
            *current = Some((name, file));
        }
        match current.as_mut() {
            Some((_, file)) => file.write_all(bytes),
            None => Ok(()),
        }
    }
}

/// One event's writer.
#[derive(Debug)]
pub struct DailyLogWriter<'a>(&'a DailyLogFiles);

impl Write for DailyLogWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.append_at(buf, SystemTime::now())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for DailyLogFiles {
    type Writer = DailyLogWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        DailyLogWriter(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn events_go_to_the_file_of_their_day() {
        let dir = tempfile::tempdir().unwrap();
        let logs = DailyLogFiles::new(&dir.path().join("log")).unwrap();
        let day1 = UNIX_EPOCH + Duration::from_secs(1_714_566_896);
        logs.append_at(b"one\n", day1).unwrap();
        logs.append_at(b"two\n", day1 + Duration::from_secs(60))
            .unwrap();
        logs.append_at(b"three\n", day1 + Duration::from_secs(86_400))
            .unwrap();
        let read = |name: &str| std::fs::read_to_string(dir.path().join("log").join(name)).unwrap();
        assert_eq!(read("log_20240501.log"), "one\ntwo\n");
        assert_eq!(read("log_20240502.log"), "three\n");
    }
}
