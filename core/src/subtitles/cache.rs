//! The disk cache of extracted subtitle streams: one file per (item, stream, media file
//! version), `<item id>_<stream index>_<size>_<mtime ns>.<ass|srt>` (ASS sources keep their
//! script, everything else is stored as SubRip). A changed media file (size or modification
//! time) gets a new name, and storing it removes the older versions of that stream. Files are
//! written to a temporary name and renamed, so readers never see half a file.

use std::fs::Metadata;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::UNIX_EPOCH;

use md5::{Digest, Md5};

use super::{text, SubtitleError, SubtitleFormat, SubtitleTrack};
use crate::store::ItemRecord;

/// Where one extracted stream is (or would be) cached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CacheKey {
    /// `<item id>_<stream index>`: shared by every version of the stream.
    stream: String,
    /// `<size>_<mtime ns>` of the media file.
    version: String,
    format: SubtitleFormat,
}

impl CacheKey {
    /// The key of stream `index` (codec `codec`) of `item`'s file, whose metadata is `meta`.
    pub(super) fn new(item: &ItemRecord, index: i32, codec: &str, meta: &Metadata) -> Self {
        let id = match (item.id, item.path.as_deref()) {
            (Some(id), _) => id.to_n(),
            (None, path) => Md5::digest(path.unwrap_or("").as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        };
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let format = match codec.to_ascii_lowercase().as_str() {
            "ass" | "ssa" => SubtitleFormat::Ass,
            _ => SubtitleFormat::Srt,
        };
        Self {
            stream: format!("{id}_{index}"),
            version: format!("{}_{mtime_ns}", meta.len()),
            format,
        }
    }

    /// The file name without extension (also the key of in-flight extractions).
    pub(super) fn stem(&self) -> String {
        format!("{}_{}", self.stream, self.version)
    }

    fn file_name(&self) -> String {
        format!("{}.{}", self.stem(), self.format.extension())
    }
}

/// The cache directory (created when the first stream is stored).
#[derive(Debug)]
pub(super) struct SubtitleCache {
    dir: PathBuf,
}

impl SubtitleCache {
    pub(super) fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    pub(super) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The cached track, `None` when this version of the stream is not cached.
    pub(super) fn load(&self, key: &CacheKey) -> Result<Option<SubtitleTrack>, SubtitleError> {
        let path = self.dir.join(key.file_name());
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(key.format.parse_text(&text::decode(&bytes)))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(SubtitleError::Io { path, source }),
        }
    }

    /// Stores `track` under `key`, replacing older versions of the stream.
    pub(super) fn store(&self, key: &CacheKey, track: &SubtitleTrack) -> Result<(), SubtitleError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| SubtitleError::Io { path, source }
        };
        std::fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        let body = match key.format {
            SubtitleFormat::Ass | SubtitleFormat::Ssa => text::write_ass(track),
            _ => text::write_srt(track),
        };
        let name = key.file_name();
        let tmp = self.dir.join(format!(
            ".{name}.{}.{}.tmp",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&tmp, body.as_bytes()).map_err(io(&tmp))?;
        let path = self.dir.join(&name);
        if let Err(source) = std::fs::rename(&tmp, &path) {
            let _ = std::fs::remove_file(&tmp);
            return Err(SubtitleError::Io { path, source });
        }
        // Older versions of this stream are stale now; failing to remove one is harmless.
        let prefix = format!("{}_", key.stream);
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for entry in entries.flatten() {
                let file = entry.file_name();
                let file = file.to_string_lossy();
                if file.starts_with(&prefix) && file != name {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{AssEvent, Cue};
    use super::*;

    fn key_for(dir: &Path, media: &str, index: i32, codec: &str) -> CacheKey {
        let path = dir.join(media);
        let item = ItemRecord {
            id: crate::store::ItemId::parse("0123456789abcdef0123456789abcdef"),
            path: Some(path.to_string_lossy().into_owned()),
            ..ItemRecord::default()
        };
        CacheKey::new(&item, index, codec, &std::fs::metadata(&path).unwrap())
    }

    fn track(ass: bool) -> SubtitleTrack {
        SubtitleTrack {
            cues: vec![Cue {
                start: 10_000_000,
                end: 25_000_000,
                text: "<i>Hi</i>\nthere".into(),
                ass: ass.then(|| AssEvent {
                    layer: "0".into(),
                    style: "Top".into(),
                    text: "{\\i1}Hi{\\i0}\\Nthere".into(),
                    ..AssEvent::default()
                }),
            }],
            ass_header: ass.then(|| "[Script Info]\nScriptType: v4.00+".to_owned()),
        }
    }

    #[test]
    fn stores_loads_and_invalidates() {
        let dir = tempfile::tempdir().unwrap();
        let media = dir.path().join("movie.mkv");
        std::fs::write(&media, b"version one").unwrap();
        let cache = SubtitleCache::new(dir.path().join("cache"));
        let key = key_for(dir.path(), "movie.mkv", 2, "subrip");
        assert!(cache.load(&key).unwrap().is_none());
        cache.store(&key, &track(false)).unwrap();
        assert_eq!(cache.load(&key).unwrap(), Some(track(false)));
        // Stream 20 of the same item is another stream, not an older version of stream 2.
        let other = key_for(dir.path(), "movie.mkv", 20, "subrip");
        cache.store(&other, &track(false)).unwrap();
        assert!(cache.load(&key).unwrap().is_some());
        // The media file changes: a new key; storing it removes the stale version.
        std::fs::write(&media, b"version two, longer").unwrap();
        let changed = key_for(dir.path(), "movie.mkv", 2, "subrip");
        assert_ne!(changed, key);
        assert!(cache.load(&changed).unwrap().is_none());
        cache.store(&changed, &track(false)).unwrap();
        assert!(cache.load(&key).unwrap().is_none());
        assert!(cache.load(&other).unwrap().is_some());
        let names: Vec<String> = std::fs::read_dir(cache.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names
            .iter()
            .all(|n| n.ends_with(".srt") && !n.ends_with(".tmp")));
    }

    #[test]
    fn ass_streams_keep_their_script() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.mkv"), b"x").unwrap();
        let cache = SubtitleCache::new(dir.path().join("cache"));
        let key = key_for(dir.path(), "a.mkv", 3, "ass");
        assert!(key.file_name().ends_with(".ass"));
        cache.store(&key, &track(true)).unwrap();
        assert_eq!(cache.load(&key).unwrap(), Some(track(true)));
    }
}
