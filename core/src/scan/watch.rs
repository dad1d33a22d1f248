//! Watching library folders: file-system changes under them, debounced into batches of paths
//! for an incremental scan.
//!
//! Only changes count: creations, writes, removals, renames, attribute changes. Accesses (a file
//! or directory opened, read, closed without writing) are ignored: a scan reads the folders it
//! watches, and counting its own reads as changes would make every scan start the next.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, RecvTimeoutError};
use std::time::Duration;

use notify::event::{AccessKind, AccessMode};
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};

/// A running watch; dropping it stops the watch and its debounce thread.
pub struct FolderWatch {
    _watcher: RecommendedWatcher,
}

impl std::fmt::Debug for FolderWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FolderWatch").finish_non_exhaustive()
    }
}

/// Whether an event is a change of the tree: anything but an access, except a file closed after
/// writing (the end of a copy or an in-place rewrite).
pub fn is_change(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(access) => matches!(access, AccessKind::Close(AccessMode::Write)),
        _ => true,
    }
}

impl FolderWatch {
    /// Watches `folders` recursively; after `debounce` without further changes, calls
    /// `on_change` (on the watch's own thread) with the changed paths, sorted and unique.
    ///
    /// # Errors
    /// When a folder cannot be watched (missing, or the system's watch limit is reached).
    pub fn start(
        folders: &[PathBuf],
        debounce: Duration,
        mut on_change: impl FnMut(Vec<String>) + Send + 'static,
    ) -> Result<Self, notify::Error> {
        let (tx, rx) = channel::<Vec<PathBuf>>();
        let mut watcher =
            notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
                if let Ok(event) = res {
                    if is_change(&event.kind) && !event.paths.is_empty() {
                        // The receiver is gone only when the watch is being dropped.
                        let _ = tx.send(event.paths);
                    }
                }
            })?;
        for folder in folders {
            watcher.watch(Path::new(folder), RecursiveMode::Recursive)?;
        }
        std::thread::Builder::new()
            .name("library watch".to_owned())
            .spawn(move || {
                let mut pending: BTreeSet<PathBuf> = BTreeSet::new();
                loop {
                    let next = if pending.is_empty() {
                        rx.recv().map_err(|_| RecvTimeoutError::Disconnected)
                    } else {
                        rx.recv_timeout(debounce)
                    };
                    match next {
                        Ok(paths) => pending.extend(paths),
                        Err(RecvTimeoutError::Timeout) => {
                            let paths = std::mem::take(&mut pending)
                                .into_iter()
                                .filter_map(|p| p.to_str().map(str::to_owned))
                                .collect::<Vec<_>>();
                            if !paths.is_empty() {
                                on_change(paths);
                            }
                        }
                        Err(RecvTimeoutError::Disconnected) => break,
                    }
                }
            })
            .map_err(notify::Error::io)?;
        Ok(Self { _watcher: watcher })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn changes_are_batched_and_reads_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.mkv");
        std::fs::write(&file, b"x").unwrap();
        let batches: Arc<Mutex<Vec<Vec<String>>>> = Arc::default();
        let seen = Arc::clone(&batches);
        let watch = FolderWatch::start(
            &[dir.path().to_owned()],
            Duration::from_millis(100),
            move |paths| seen.lock().unwrap().push(paths),
        )
        .unwrap();
        // Reads: open, read, list, close. None is a change.
        for _ in 0..3 {
            assert_eq!(std::fs::read(&file).unwrap(), b"x");
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        }
        std::thread::sleep(Duration::from_millis(600));
        assert!(
            batches.lock().unwrap().is_empty(),
            "{:?}",
            batches.lock().unwrap()
        );
        // Two changes close together: one batch naming both.
        std::fs::write(dir.path().join("b.mkv"), b"y").unwrap();
        std::fs::remove_file(&file).unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while batches.lock().unwrap().is_empty() {
            assert!(std::time::Instant::now() < deadline, "no batch");
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(300));
        let got = batches.lock().unwrap().clone();
        let all: BTreeSet<String> = got.into_iter().flatten().collect();
        assert!(all.iter().any(|p| p.ends_with("b.mkv")), "{all:?}");
        assert!(all.iter().any(|p| p.ends_with("a.mkv")), "{all:?}");
        drop(watch);
    }

    #[test]
    fn access_events_are_not_changes() {
        use notify::event::{CreateKind, ModifyKind, RemoveKind};
        for (kind, change) in [
            (EventKind::Access(AccessKind::Open(AccessMode::Any)), false),
            (EventKind::Access(AccessKind::Read), false),
            (
                EventKind::Access(AccessKind::Close(AccessMode::Read)),
                false,
            ),
            (
                EventKind::Access(AccessKind::Close(AccessMode::Write)),
                true,
            ),
            (EventKind::Create(CreateKind::File), true),
            (EventKind::Modify(ModifyKind::Any), true),
            (EventKind::Remove(RemoveKind::Folder), true),
        ] {
            assert_eq!(is_change(&kind), change, "{kind:?}");
        }
    }
}
