//! User avatars (Jellyfin's user profile image): at most one image per user, kept as a file in
//! the data directory (`<data_dir>/users/<user id N>/avatar.<jpg|png|webp|gif>`).
//!
//! An upload is the image itself or its base64 text (what jellyfin-web and the Python client
//! send, optionally as a `data:` URL); it is checked by decoding it with the bounded image
//! reader ([`crate::images::image_info`]) before it replaces the previous avatar, so a broken or
//! non-image upload never becomes an avatar. SVG is refused (avatars are resized on request).
//! The tag clients use as a cache-buster is an MD5 of the file's path, size and modification
//! time: it changes whenever the avatar does.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use md5::{Digest, Md5};

use super::{AuthError, AuthResult, UserId};
use crate::images::{image_info, ImageError, ImageFormat};

/// The largest avatar accepted, in bytes (after base64 decoding).
pub const MAX_AVATAR_BYTES: usize = 20 * 1024 * 1024;

/// A stored avatar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Avatar {
    /// The image file.
    pub path: PathBuf,
    /// Its format (from its content).
    pub format: ImageFormat,
    /// The cache-busting tag (32 lower-case hex digits).
    pub tag: String,
    /// When the file was written.
    pub modified: SystemTime,
}

/// The avatars of a data directory.
#[derive(Debug, Clone)]
pub struct Avatars {
    root: PathBuf,
}

const EXTENSIONS: &[(&str, ImageFormat)] = &[
    ("jpg", ImageFormat::Jpeg),
    ("png", ImageFormat::Png),
    ("webp", ImageFormat::Webp),
    ("gif", ImageFormat::Gif),
];

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> AuthError + '_ {
    move |source| AuthError::AvatarIo {
        path: path.to_path_buf(),
        source,
    }
}

impl Avatars {
    /// The avatars kept under `data_dir/users`.
    pub fn new(data_dir: &Path) -> Self {
        Self {
            root: data_dir.join("users"),
        }
    }

    fn dir(&self, user: UserId) -> PathBuf {
        // The id's N form: 32 hex digits, never a path separator or `..`.
        self.root.join(user.to_n())
    }

    /// The user's avatar, or `None` when they have none.
    pub fn get(&self, user: UserId) -> AuthResult<Option<Avatar>> {
        let dir = self.dir(user);
        for (ext, format) in EXTENSIONS {
            let path = dir.join(format!("avatar.{ext}"));
            match std::fs::metadata(&path) {
                Ok(meta) if meta.is_file() => {
                    let modified = meta.modified().unwrap_or(UNIX_EPOCH);
                    let tag = tag_of(&path, meta.len(), modified);
                    return Ok(Some(Avatar {
                        path,
                        format: *format,
                        tag,
                        modified,
                    }));
                }
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_error(&path)(e)),
            }
        }
        Ok(None)
    }

    /// Stores `upload` (image bytes, or their base64 text) as the user's avatar, replacing any
    /// previous one. [`AuthError::InvalidImage`] when it is not a JPEG, PNG, WebP or GIF image
    /// that decodes within the image limits.
    pub fn set(&self, user: UserId, upload: &[u8]) -> AuthResult<Avatar> {
        let bytes = decode_upload(upload);
        if bytes.is_empty() {
            return Err(AuthError::InvalidImage(ImageError::Empty {
                path: PathBuf::from("upload"),
            }));
        }
        if bytes.len() > MAX_AVATAR_BYTES {
            return Err(AuthError::InvalidImage(ImageError::FileTooLarge {
                path: PathBuf::from("upload"),
                limit: MAX_AVATAR_BYTES as u64,
            }));
        }
        let dir = self.dir(user);
        std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;
        let tmp = dir.join("avatar.upload.tmp");
        std::fs::write(&tmp, &bytes).map_err(io_error(&tmp))?;
        let checked = image_info(&tmp).and_then(|info| match info.format {
            ImageFormat::Svg => Err(ImageError::UnsupportedFormat {
                path: PathBuf::from("upload"),
                format: "SVG".into(),
            }),
            other => Ok(other),
        });
        let format = match checked {
            Ok(f) => f,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(AuthError::InvalidImage(e));
            }
        };
        self.remove(user)?;
        let path = dir.join(format!("avatar.{}", format.extension()));
        std::fs::rename(&tmp, &path).map_err(io_error(&path))?;
        self.get(user)?.ok_or_else(|| AuthError::AvatarIo {
            path: path.clone(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        })
    }

    /// Deletes the user's avatar. Returns whether there was one.
    pub fn remove(&self, user: UserId) -> AuthResult<bool> {
        let dir = self.dir(user);
        let mut removed = false;
        for (ext, _) in EXTENSIONS {
            let path = dir.join(format!("avatar.{ext}"));
            match std::fs::remove_file(&path) {
                Ok(()) => removed = true,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_error(&path)(e)),
            }
        }
        Ok(removed)
    }

    /// Deletes everything kept for a user (their avatar directory), for a deleted user.
    pub fn forget_user(&self, user: UserId) -> AuthResult<()> {
        let dir = self.dir(user);
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error(&dir)(e)),
        }
    }
}

fn tag_of(path: &Path, len: u64, modified: SystemTime) -> String {
    let nanos = modified
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut h = Md5::new();
    h.update(path.to_string_lossy().as_bytes());
    h.update(format!("|{len}|{nanos}").as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The image bytes of an upload: base64 text (whitespace ignored, an optional `data:...,`
/// prefix) is decoded when it decodes to a known image format; anything else is taken as the
/// image itself.
pub fn decode_upload(upload: &[u8]) -> Vec<u8> {
    let text = match std::str::from_utf8(upload) {
        Ok(t) => t.trim(),
        Err(_) => return upload.to_vec(),
    };
    let text = match text.strip_prefix("data:") {
        Some(rest) => rest.split_once(',').map(|(_, b)| b).unwrap_or(rest),
        None => text,
    };
    match base64_decode(text) {
        Some(bytes) if image::guess_format(&bytes).is_ok() => bytes,
        _ => upload.to_vec(),
    }
}

/// Standard or URL-safe base64, padding optional, whitespace ignored; `None` when `text` is
/// not base64.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32)
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits, mut padding) = (0u32, 0u32, 0usize);
    for c in text.bytes() {
        if c.is_ascii_whitespace() {
            continue;
        }
        if c == b'=' {
            padding += 1;
            continue;
        }
        if padding > 0 {
            return None;
        }
        acc = (acc << 6) | value(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if padding > 2 || bits >= 6 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png() -> Vec<u8> {
        let img = image::RgbImage::from_pixel(3, 2, image::Rgb([200, 10, 10]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    fn b64(bytes: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s = String::new();
        for chunk in bytes.chunks(3) {
            let n =
                chunk.iter().fold(0u32, |a, b| (a << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
            for i in 0..=chunk.len() {
                s.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
            for _ in chunk.len()..3 {
                s.push('=');
            }
        }
        s
    }

    #[test]
    fn base64_decodes_and_refuses_garbage() {
        for (text, want) in [
            ("aGVsbG8=", Some(&b"hello"[..])),
            ("aGVsbG8", Some(&b"hello"[..])),
            ("aGVs\nbG8=", Some(&b"hello"[..])),
            ("", Some(&b""[..])),
            ("a=b", None),
            ("***", None),
            ("a", None),
        ] {
            assert_eq!(base64_decode(text).as_deref(), want, "{text:?}");
        }
        let bytes = png();
        assert_eq!(base64_decode(&b64(&bytes)).unwrap(), bytes);
    }

    #[test]
    fn uploads_raw_base64_and_data_urls_are_the_same_image() {
        let bytes = png();
        let text = b64(&bytes);
        assert_eq!(decode_upload(&bytes), bytes);
        assert_eq!(decode_upload(text.as_bytes()), bytes);
        assert_eq!(
            decode_upload(format!("data:image/png;base64,{text}\n").as_bytes()),
            bytes
        );
        // Text that is not base64 of an image stays as sent (and then fails to decode).
        assert_eq!(decode_upload(b"hello"), b"hello".to_vec());
    }

    #[test]
    fn set_get_replace_and_remove() {
        let dir = tempfile::tempdir().unwrap();
        let avatars = Avatars::new(dir.path());
        let user = UserId([7; 16]);
        assert_eq!(avatars.get(user).unwrap(), None);
        let first = avatars.set(user, b64(&png()).as_bytes()).unwrap();
        assert_eq!(first.format, ImageFormat::Png);
        assert_eq!(first.tag.len(), 32);
        assert!(first
            .path
            .starts_with(dir.path().join("users").join(user.to_n())));
        assert_eq!(avatars.get(user).unwrap(), Some(first.clone()));
        // A JPEG replaces the PNG: one avatar, a new tag.
        let mut jpeg = std::io::Cursor::new(Vec::new());
        image::RgbImage::from_pixel(4, 4, image::Rgb([1, 2, 3]))
            .write_to(&mut jpeg, image::ImageFormat::Jpeg)
            .unwrap();
        let second = avatars.set(user, jpeg.get_ref()).unwrap();
        assert_eq!(second.format, ImageFormat::Jpeg);
        assert_ne!(second.tag, first.tag);
        assert!(!first.path.exists());
        // Broken data is refused and the avatar is kept.
        for bad in [&b"not an image"[..], &png()[..20], b""] {
            assert!(
                matches!(avatars.set(user, bad), Err(AuthError::InvalidImage(_))),
                "{bad:?}"
            );
        }
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>"#;
        assert!(matches!(
            avatars.set(user, svg),
            Err(AuthError::InvalidImage(_))
        ));
        assert_eq!(avatars.get(user).unwrap(), Some(second));
        assert!(avatars.remove(user).unwrap());
        assert!(!avatars.remove(user).unwrap());
        assert_eq!(avatars.get(user).unwrap(), None);
        avatars.forget_user(user).unwrap();
        assert!(!dir.path().join("users").join(user.to_n()).exists());
    }
}
