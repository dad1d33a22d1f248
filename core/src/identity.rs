//! The server's persistent identity: a random 128-bit id, created on first start and kept in the
//! data directory (`server_id`), so that clients see the same server across restarts.

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::{Error, Result};

const FILE_NAME: &str = "server_id";

/// A server's stable identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerIdentity {
    id: uuid::Uuid,
}

impl ServerIdentity {
    /// Loads the identity kept in `data_dir`, or creates and persists a new one.
    ///
    /// The directory is created if missing. A file with unreadable content is an error rather
    /// than silently replaced, because replacing it would make every client forget this server.
    pub fn load_or_create(data_dir: &Path) -> Result<Self> {
        fs::create_dir_all(data_dir).map_err(|e| Error::io(data_dir, e))?;
        let path = data_dir.join(FILE_NAME);
        match fs::read_to_string(&path) {
            Ok(text) => {
                let id = uuid::Uuid::try_parse(text.trim()).map_err(|_| Error::InvalidState {
                    path: path.clone(),
                    reason: "not a 32-hex-digit server id",
                })?;
                Ok(Self { id })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let id = uuid::Uuid::new_v4();
                // Write to a temporary file and rename, so a crash never leaves a half-written id.
                let tmp = data_dir.join(format!("{FILE_NAME}.tmp"));
                let mut f = fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
                f.write_all(id.simple().to_string().as_bytes())
                    .and_then(|_| f.sync_all())
                    .map_err(|e| Error::io(&tmp, e))?;
                fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
                Ok(Self { id })
            }
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// The id as 32 lower-case hex digits (Jellyfin's "N" GUID format).
    pub fn id_n(&self) -> String {
        self.id.simple().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_is_created_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let a = ServerIdentity::load_or_create(dir.path()).unwrap();
        let b = ServerIdentity::load_or_create(dir.path()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.id_n().len(), 32);
        assert!(a.id_n().chars().all(|c| c.is_ascii_hexdigit()));
        let other = tempfile::tempdir().unwrap();
        assert_ne!(a, ServerIdentity::load_or_create(other.path()).unwrap());
    }

    #[test]
    fn corrupt_id_file_is_an_error_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(FILE_NAME), "garbage").unwrap();
        let err = ServerIdentity::load_or_create(dir.path()).unwrap_err();
        assert!(matches!(err, Error::InvalidState { .. }));
        assert_eq!(
            fs::read_to_string(dir.path().join(FILE_NAME)).unwrap(),
            "garbage"
        );
    }
}
