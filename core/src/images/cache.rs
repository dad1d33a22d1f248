//! A size-bounded disk cache of resized images.
//!
//! An entry is keyed by the source file's path, modification time and size and by the
//! [`ResizeRequest`] (with its defaults applied), hashed (MD5) to a file name
//! `<32 hex digits>.<jpg|png|webp>` in the cache directory. Changing the source file (a new
//! mtime or size) gives a new key; the stale entry is never read again and ages out.
//!
//! Entries are written to a temporary file and renamed into place, so readers never see a
//! partial file, and two requests creating the same entry at once both succeed (the last rename
//! wins; the contents are the same). The total size of the entries is tracked in memory (the
//! directory is scanned once, when the cache is opened) and, when it exceeds the bound, the
//! least recently used entries are deleted until it is 10% below it. Use is recorded in memory
//! and as the file's modification time (touched on every hit), so the order survives a
//! restart.
//!
//! Requests that change nothing (see [`super::resize`]) are not stored: the
//! [`CachedImage`] then points at the source file itself.
//!
//! The cache is a plain value owned by its user (no globals); one [`ImageCache`] per
//! directory. Files in the directory that are not entries are left alone (and not counted),
//! except leftover temporary files from an interrupted write, which are deleted when the cache
//! is opened.

use std::collections::HashMap;
use std::fs;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use md5::{Digest, Md5};

use super::resize::{resize_file, OutputFormat, ResizeRequest};
use super::{ImageError, ImageFormat};

/// Part of every key: bump it when resizing changes so old entries are not served.
const KEY_VERSION: u32 = 1;
/// The prefix of temporary files (never an entry name).
const TMP_PREFIX: &str = ".tmp-";

/// A resized image on disk, as returned by [`ImageCache::get_or_create`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedImage {
    /// The file holding the image: an entry in the cache directory, or the source file itself
    /// when the request changes nothing.
    pub path: PathBuf,
    /// The image's format (for `Content-Type`).
    pub format: ImageFormat,
    /// The file's length in bytes.
    pub len: u64,
}

/// One cache entry, in memory.
#[derive(Debug, Clone, Copy)]
struct Entry {
    format: OutputFormat,
    len: u64,
    /// Larger is more recent.
    last_used: u128,
}

#[derive(Debug, Default)]
struct State {
    /// Keyed by the 32-hex-digit hash.
    entries: HashMap<String, Entry>,
    /// Sum of the entries' lengths.
    total: u64,
    /// The last `last_used` handed out (strictly increasing).
    clock: u128,
}

impl State {
    /// A fresh, strictly increasing use time (wall-clock nanoseconds when possible).
    fn tick(&mut self) -> u128 {
        self.clock = (self.clock + 1).max(nanos(SystemTime::now()));
        self.clock
    }

    /// Removes an entry, keeping the total right.
    fn remove(&mut self, key: &str) -> Option<Entry> {
        let e = self.entries.remove(key)?;
        self.total -= e.len;
        Some(e)
    }

    /// Inserts or replaces an entry, keeping the total right.
    fn insert(&mut self, key: String, e: Entry) {
        self.total += e.len;
        if let Some(old) = self.entries.insert(key, e) {
            self.total -= old.len;
        }
    }

    /// When over `max`, removes the least recently used entries (never `keep`) until the total
    /// is at most `low`. Returns the removed entries' file names.
    fn evict(&mut self, max: u64, low: u64, keep: Option<&str>) -> Vec<String> {
        if self.total <= max {
            return Vec::new();
        }
        let mut by_age: Vec<(u128, String)> = self
            .entries
            .iter()
            .filter(|(k, _)| Some(k.as_str()) != keep)
            .map(|(k, e)| (e.last_used, k.clone()))
            .collect();
        by_age.sort_unstable();
        let mut removed = Vec::new();
        for (_, key) in by_age {
            if self.total <= low {
                break;
            }
            if let Some(e) = self.remove(&key) {
                removed.push(file_name(&key, e.format));
            }
        }
        removed
    }
}

/// A size-bounded disk cache of resized images. See the [module documentation](self).
#[derive(Debug)]
pub struct ImageCache {
    dir: PathBuf,
    max_bytes: u64,
    state: Mutex<State>,
    /// Makes temporary file names unique within the process.
    tmp_counter: AtomicU64,
    /// Requests answered from the cache.
    hits: AtomicU64,
    /// Requests that had to resize (or serve the unchanged source).
    misses: AtomicU64,
}

impl ImageCache {
    /// Opens (creating it if needed) the cache in `dir`, holding at most `max_bytes` of
    /// entries. Scans the directory for existing entries, deletes leftover temporary files,
    /// and evicts entries if they already exceed the bound.
    ///
    /// # Errors
    ///
    /// [`ImageError::Io`] if the directory cannot be created or listed.
    pub fn new(dir: impl Into<PathBuf>, max_bytes: u64) -> Result<Self, ImageError> {
        let dir = dir.into();
        let io = |source| ImageError::Io {
            path: dir.clone(),
            source,
        };
        fs::create_dir_all(&dir).map_err(io)?;
        let mut state = State::default();
        for item in fs::read_dir(&dir).map_err(io)? {
            let Ok(item) = item else { continue };
            let name = item.file_name();
            let Some(name) = name.to_str() else { continue };
            let Ok(meta) = item.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            if name.starts_with(TMP_PREFIX) {
                let _ = fs::remove_file(item.path());
                continue;
            }
            let Some((key, format)) = parse_file_name(name) else {
                continue;
            };
            let last_used = meta.modified().map(nanos).unwrap_or(0);
            state.clock = state.clock.max(last_used);
            state.insert(
                key.to_owned(),
                Entry {
                    format,
                    len: meta.len(),
                    last_used,
                },
            );
        }
        let cache = Self {
            dir,
            max_bytes,
            state: Mutex::new(state),
            tmp_counter: AtomicU64::new(0),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        };
        let victims = {
            let mut st = cache.lock();
            st.evict(cache.max_bytes, cache.low_water(), None)
        };
        cache.delete(&victims);
        Ok(cache)
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The bound on the entries' total size, in bytes.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// The entries' total size, in bytes.
    pub fn total_bytes(&self) -> u64 {
        self.lock().total
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether the cache holds no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The image `req` asks for from `src`: the cached entry if there is one (marking it used),
    /// else resized now with [`super::resize::resize`] and stored (evicting old entries if the
    /// bound is exceeded). A request that changes nothing is not stored and returns `src`
    /// itself.
    ///
    /// The returned file can be evicted by later calls; read it promptly (or use
    /// [`ImageCache::load`], which returns the bytes).
    ///
    /// # Errors
    ///
    /// [`ImageError::Io`] if `src` cannot be read or the entry cannot be written, and every
    /// error of [`super::resize::resize`] (a corrupt source, an absurd request, ...).
    pub fn get_or_create(
        &self,
        src: &Path,
        req: &ResizeRequest,
    ) -> Result<CachedImage, ImageError> {
        self.get_or_create_inner(src, req).map(|(c, _)| c)
    }

    /// (hits, misses) since the cache was opened: requests answered from a cached entry, and
    /// requests that had to read and resize the source.
    pub fn stats(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    /// Like [`ImageCache::get_or_create`], but also returns the image's bytes (without reading
    /// the file again when it was just created). If an entry disappears between the lookup and
    /// the read (evicted by a concurrent call), it is created again.
    ///
    /// # Errors
    ///
    /// As [`ImageCache::get_or_create`].
    pub fn load(
        &self,
        src: &Path,
        req: &ResizeRequest,
    ) -> Result<(CachedImage, Vec<u8>), ImageError> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let (cached, bytes) = self.get_or_create_inner(src, req)?;
            if let Some(bytes) = bytes {
                return Ok((cached, bytes));
            }
            match fs::read(&cached.path) {
                Ok(bytes) => return Ok((cached, bytes)),
                Err(e) if e.kind() == ErrorKind::NotFound && attempts < 3 => {
                    if let Some(key) = cached
                        .path
                        .file_name()
                        .and_then(|n| n.to_str())
                        .and_then(parse_file_name)
                        .map(|(k, _)| k)
                    {
                        self.lock().remove(key);
                    }
                }
                Err(source) => {
                    return Err(ImageError::Io {
                        path: cached.path,
                        source,
                    })
                }
            }
        }
    }

    /// The entry and, when it was just created, its bytes.
    fn get_or_create_inner(
        &self,
        src: &Path,
        req: &ResizeRequest,
    ) -> Result<(CachedImage, Option<Vec<u8>>), ImageError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| ImageError::Io { path, source }
        };
        let meta = fs::metadata(src).map_err(io(src))?;
        let key = cache_key(src, &meta, req);

        // A hit: mark it used, in memory and on disk (which also checks the file is there).
        let hit = {
            let mut st = self.lock();
            let now = st.tick();
            st.entries.get_mut(&key).map(|e| {
                e.last_used = now;
                *e
            })
        };
        if let Some(e) = hit {
            let path = self.dir.join(file_name(&key, e.format));
            match fs::OpenOptions::new().write(true).open(&path) {
                Ok(f) => {
                    let _ = f.set_modified(SystemTime::now());
                    self.hits.fetch_add(1, Ordering::Relaxed);
                    return Ok((
                        CachedImage {
                            path,
                            format: e.format.image_format(),
                            len: e.len,
                        },
                        None,
                    ));
                }
                Err(err) if err.kind() == ErrorKind::NotFound => {
                    // Deleted behind our back: forget it and create it again.
                    self.lock().remove(&key);
                }
                Err(source) => return Err(ImageError::Io { path, source }),
            }
        }

        self.misses.fetch_add(1, Ordering::Relaxed);
        let resized = resize_file(src, req)?;
        let len = resized.bytes.len() as u64;
        let out = match OutputFormat::from_image_format(resized.format) {
            Some(f) if !resized.original => f,
            _ => {
                return Ok((
                    CachedImage {
                        path: src.to_path_buf(),
                        format: resized.format,
                        len,
                    },
                    Some(resized.bytes),
                ))
            }
        };

        let name = file_name(&key, out);
        let path = self.dir.join(&name);
        let tmp = self.dir.join(format!(
            "{TMP_PREFIX}{key}-{}-{}",
            std::process::id(),
            self.tmp_counter.fetch_add(1, Ordering::Relaxed)
        ));
        let written = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .and_then(|mut f| f.write_all(&resized.bytes))
            .and_then(|()| fs::rename(&tmp, &path));
        if let Err(source) = written {
            let _ = fs::remove_file(&tmp);
            return Err(ImageError::Io { path, source });
        }

        let victims = {
            let mut st = self.lock();
            let last_used = st.tick();
            st.insert(
                key.clone(),
                Entry {
                    format: out,
                    len,
                    last_used,
                },
            );
            st.evict(self.max_bytes, self.low_water(), Some(&key))
        };
        self.delete(&victims);
        Ok((
            CachedImage {
                path,
                format: out.image_format(),
                len,
            },
            Some(resized.bytes),
        ))
    }

    /// The total eviction brings the cache down to: 90% of the bound.
    fn low_water(&self) -> u64 {
        self.max_bytes - self.max_bytes / 10
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent even if a holder panicked (no partial updates).
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Deletes evicted files (already gone is fine).
    fn delete(&self, names: &[String]) {
        for name in names {
            let _ = fs::remove_file(self.dir.join(name));
        }
    }
}

/// Nanoseconds since the Unix epoch (0 before it).
fn nanos(t: SystemTime) -> u128 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// The entry file name for a key.
fn file_name(key: &str, format: OutputFormat) -> String {
    format!("{key}.{}", format.extension())
}

/// The key and format of an entry file name (`<32 lower-case hex>.<jpg|png|webp>`).
fn parse_file_name(name: &str) -> Option<(&str, OutputFormat)> {
    let (key, ext) = name.split_once('.')?;
    if key.len() != 32 || !key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let format = match ext {
        "jpg" => OutputFormat::Jpeg,
        "png" => OutputFormat::Png,
        "webp" => OutputFormat::Webp,
        _ => return None,
    };
    Some((key, format))
}

/// The key for `req` on the source `src` with metadata `meta`: MD5 (hex) of the path, mtime,
/// size and the request with its defaults applied.
fn cache_key(src: &Path, meta: &fs::Metadata, req: &ResizeRequest) -> String {
    let mtime = meta.modified().map(nanos).unwrap_or(0);
    let dim = |v: Option<u32>| v.filter(|&v| v > 0).unwrap_or(0);
    let format = req.format.map_or("", |f| f.extension());
    let mut h = Md5::new();
    h.update(src.as_os_str().as_encoded_bytes());
    h.update(
        format!(
            "\0v={KEY_VERSION},mtime={mtime},size={},mw={},mh={},w={},h={},fw={},fh={},q={},f={format},blur={}",
            meta.len(),
            dim(req.max_width),
            dim(req.max_height),
            dim(req.width),
            dim(req.height),
            dim(req.fill_width),
            dim(req.fill_height),
            req.effective_quality(),
            req.effective_blur(),
        )
        .as_bytes(),
    );
    h.finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{DynamicImage, Rgb, RgbImage};
    use std::io::Cursor;

    fn write_image(path: &Path, w: u32, h: u32, seed: u8) {
        let img = RgbImage::from_fn(w, h, |x, y| {
            Rgb([
                (x * 7 + u32::from(seed)) as u8,
                (y * 13) as u8,
                (x ^ y) as u8,
            ])
        });
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(img)
            .write_to(&mut out, image::ImageFormat::Png)
            .unwrap();
        fs::write(path, out.into_inner()).unwrap();
    }

    fn max_width(w: u32) -> ResizeRequest {
        ResizeRequest {
            max_width: Some(w),
            format: Some(OutputFormat::Jpeg),
            ..ResizeRequest::default()
        }
    }

    fn entry_files(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| parse_file_name(n).is_some())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn miss_then_hit() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("poster.png");
        write_image(&src, 200, 300, 1);
        let cache = ImageCache::new(tmp.path().join("cache"), 10 << 20).unwrap();
        assert!(cache.is_empty());

        let a = cache.get_or_create(&src, &max_width(100)).unwrap();
        assert_eq!(a.format, ImageFormat::Jpeg);
        assert!(a.path.starts_with(cache.dir()));
        assert_eq!(a.path.extension().unwrap(), "jpg");
        assert_eq!(fs::metadata(&a.path).unwrap().len(), a.len);
        let img = image::open(&a.path).unwrap();
        assert_eq!((img.width(), img.height()), (100, 150));
        assert_eq!((cache.len(), cache.total_bytes()), (1, a.len));

        // A hit: same file, not rewritten (an external marker survives).
        let mtime_before = fs::metadata(&a.path).unwrap().modified().unwrap();
        let b = cache.get_or_create(&src, &max_width(100)).unwrap();
        assert_eq!(a, b);
        assert_eq!(cache.len(), 1);
        assert!(fs::metadata(&b.path).unwrap().modified().unwrap() >= mtime_before);

        // Another request is another entry.
        let c = cache.get_or_create(&src, &max_width(50)).unwrap();
        assert_ne!(c.path, a.path);
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.total_bytes(), a.len + c.len);

        // `load` returns the same bytes as the file.
        let (d, bytes) = cache.load(&src, &max_width(50)).unwrap();
        assert_eq!(d, c);
        assert_eq!(bytes, fs::read(&c.path).unwrap());

        // Reopening finds the entries.
        drop(cache);
        let cache = ImageCache::new(tmp.path().join("cache"), 10 << 20).unwrap();
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.total_bytes(), a.len + c.len);
        assert_eq!(cache.get_or_create(&src, &max_width(100)).unwrap(), a);
    }

    #[test]
    fn unchanged_requests_point_at_the_source() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("p.png");
        write_image(&src, 40, 60, 2);
        let cache = ImageCache::new(tmp.path().join("c"), 1 << 20).unwrap();
        let r = ResizeRequest {
            max_width: Some(400),
            ..ResizeRequest::default()
        };
        let (got, bytes) = cache.load(&src, &r).unwrap();
        assert_eq!(got.path, src);
        assert_eq!(got.format, ImageFormat::Png);
        assert_eq!(bytes, fs::read(&src).unwrap());
        assert!(cache.is_empty());
    }

    #[test]
    fn key_changes_with_the_source() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("p.png");
        write_image(&src, 200, 300, 1);
        let cache = ImageCache::new(tmp.path().join("c"), 10 << 20).unwrap();
        let a = cache.get_or_create(&src, &max_width(100)).unwrap();

        // Same size and content, newer mtime: a new key.
        let f = fs::OpenOptions::new().write(true).open(&src).unwrap();
        f.set_modified(SystemTime::now() + std::time::Duration::from_secs(5))
            .unwrap();
        drop(f);
        let b = cache.get_or_create(&src, &max_width(100)).unwrap();
        assert_ne!(a.path, b.path);

        // New content (different size): a new key again, and the new picture.
        write_image(&src, 100, 100, 9);
        let c = cache.get_or_create(&src, &max_width(50)).unwrap();
        let img = image::open(&c.path).unwrap();
        assert_eq!((img.width(), img.height()), (50, 50));
        assert_eq!(cache.len(), 3);
    }

    #[test]
    fn eviction_keeps_the_total_under_the_bound() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("p.png");
        write_image(&src, 400, 400, 3);
        let dir = tmp.path().join("c");

        // Measure one entry, then allow about three.
        let probe = ImageCache::new(tmp.path().join("probe"), u64::MAX).unwrap();
        let one = probe.get_or_create(&src, &max_width(200)).unwrap().len;
        let bound = one * 3 + one / 2;
        let cache = ImageCache::new(&dir, bound).unwrap();

        let first = cache.get_or_create(&src, &max_width(200)).unwrap();
        for w in 190..200 {
            // Keep the first entry in use: it must survive.
            cache.get_or_create(&src, &max_width(200)).unwrap();
            let c = cache.get_or_create(&src, &max_width(w)).unwrap();
            assert!(c.path.exists());
            assert!(
                cache.total_bytes() <= bound,
                "{} > {bound}",
                cache.total_bytes()
            );
            let on_disk: u64 = entry_files(&dir)
                .iter()
                .map(|n| fs::metadata(dir.join(n)).unwrap().len())
                .sum();
            assert_eq!(on_disk, cache.total_bytes());
        }
        assert!(first.path.exists(), "the most used entry was evicted");
        assert!(cache.len() < 10);

        // Reopening with a smaller bound evicts at once, oldest first.
        drop(cache);
        let cache = ImageCache::new(&dir, one + one / 2).unwrap();
        assert!(cache.total_bytes() <= one + one / 2);
        assert_eq!(entry_files(&dir).len(), cache.len());
    }

    #[test]
    fn corrupt_and_missing_sources_error() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = ImageCache::new(tmp.path().join("c"), 1 << 20).unwrap();
        let bad = tmp.path().join("bad.jpg");
        fs::write(&bad, b"\xFF\xD8\xFF\xE0 this is not really a jpeg").unwrap();
        assert!(cache.get_or_create(&bad, &max_width(10)).is_err());
        assert!(matches!(
            cache.get_or_create(&tmp.path().join("missing.png"), &max_width(10)),
            Err(ImageError::Io { .. })
        ));
        assert!(cache.is_empty());
        assert!(entry_files(cache.dir()).is_empty());
    }

    #[test]
    fn deleted_entries_and_leftovers() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("p.png");
        write_image(&src, 200, 200, 4);
        let dir = tmp.path().join("c");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(".tmp-leftover"), b"x").unwrap();
        fs::write(dir.join("README"), b"not an entry").unwrap();
        let cache = ImageCache::new(&dir, 1 << 20).unwrap();
        assert!(!dir.join(".tmp-leftover").exists());
        assert!(dir.join("README").exists());
        assert!(cache.is_empty());

        // An entry deleted behind the cache's back is recreated.
        let a = cache.get_or_create(&src, &max_width(100)).unwrap();
        fs::remove_file(&a.path).unwrap();
        let b = cache.get_or_create(&src, &max_width(100)).unwrap();
        assert_eq!(a, b);
        assert!(b.path.exists());
        assert_eq!((cache.len(), cache.total_bytes()), (1, b.len));
    }

    #[test]
    fn concurrent_creation_of_one_key() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("p.png");
        write_image(&src, 300, 300, 5);
        let cache = ImageCache::new(tmp.path().join("c"), 10 << 20).unwrap();
        let results: Vec<CachedImage> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..4)
                .map(|_| s.spawn(|| cache.get_or_create(&src, &max_width(120)).unwrap()))
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(results.windows(2).all(|w| w[0] == w[1]));
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.total_bytes(), results[0].len);
        assert_eq!(entry_files(cache.dir()).len(), 1);
        let leftovers = fs::read_dir(cache.dir()).unwrap().count();
        assert_eq!(leftovers, 1, "temporary files left behind");
    }

    #[test]
    fn file_names_round_trip() {
        let key = "0123456789abcdef0123456789abcdef";
        for f in [OutputFormat::Jpeg, OutputFormat::Png, OutputFormat::Webp] {
            assert_eq!(parse_file_name(&file_name(key, f)), Some((key, f)));
        }
        assert_eq!(parse_file_name("0123.jpg"), None);
        assert_eq!(parse_file_name(&format!("{key}.gif")), None);
        assert_eq!(
            parse_file_name(&format!("{}.jpg", key.to_uppercase())),
            None
        );
    }
}
