//! Server settings (Jellyfin's `ServerConfiguration`): one JSON object in the data directory,
//! returned whole and stored whole, unknown keys included, over Jellyfin's defaults. Named
//! sections (`/System/Configuration/{key}`: `encoding`, `network`, `branding`, ...) are one JSON
//! object each in `<data_dir>/config/<key>.json`, stored whole over their defaults.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::{Error, Result};

const FILE_NAME: &str = "system.json";
const SECTIONS_DIR: &str = "config";

/// A key that names no section.
#[derive(Debug, thiserror::Error)]
#[error("unknown configuration key {0:?}")]
pub struct InvalidSectionKey(pub String);

/// The file-name form of a section key (lower case), or `None` when it cannot be one. Keys are
/// plain words, so no key can name a path outside the sections folder.
pub fn section_file_key(key: &str) -> Option<String> {
    let ok = !key.is_empty()
        && key.len() <= 64
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    ok.then(|| key.to_ascii_lowercase())
}

/// The sections Jellyfin 10.11 registers (any other key is unknown, as Jellyfin answers it).
pub const SECTION_KEYS: &[&str] = &[
    "branding",
    "encoding",
    "livetv",
    "metadata",
    "network",
    "xbmcmetadata",
];

/// Jellyfin's defaults of a section (the fields clients read without checking; `{}` for the
/// rest).
pub fn section_defaults(key: &str) -> Value {
    match key.to_ascii_lowercase().as_str() {
        "branding" => serde_json::json!({
            "LoginDisclaimer": "",
            "CustomCss": "",
            "SplashscreenEnabled": false,
        }),
        "metadata" => serde_json::json!({ "UseFileCreationTimeForDateAdded": true }),
        "xbmcmetadata" => serde_json::json!({
            "ReleaseDateFormat": "yyyy-MM-dd",
            "SaveImagePathsInNfo": true,
            "EnablePathSubstitution": true,
            "EnableExtraThumbsDuplication": false,
        }),
        _ => Value::Object(Map::new()),
    }
}

/// Jellyfin's defaults for the keys clients read.
pub fn defaults() -> Value {
    serde_json::from_str(DEFAULTS).unwrap_or_else(|_| Value::Object(Map::new()))
}

const DEFAULTS: &str = r#"{
        "LogFileRetentionDays": 3,
        "IsStartupWizardCompleted": false,
        "EnableMetrics": false,
        "EnableNormalizedItemByNameIds": true,
        "IsPortAuthorized": true,
        "QuickConnectAvailable": true,
        "EnableCaseSensitiveItemIds": true,
        "DisableLiveTvChannelUserDataName": true,
        "MetadataPath": "",
        "PreferredMetadataLanguage": "en",
        "MetadataCountryCode": "US",
        "SortReplaceCharacters": [".", "+", "%"],
        "SortRemoveCharacters": [",", "&", "-", "{", "}", "'"],
        "SortRemoveWords": ["the", "a", "an"],
        "MinResumePct": 5,
        "MaxResumePct": 90,
        "MinResumeDurationSeconds": 300,
        "MinAudiobookResume": 5,
        "MaxAudiobookResume": 5,
        "InactiveSessionThreshold": 0,
        "LibraryMonitorDelay": 60,
        "LibraryUpdateDuration": 30,
        "CacheSize": 5000,
        "ImageSavingConvention": "Legacy",
        "MetadataOptions": [],
        "SkipDeserializationForBasicTypes": true,
        "ServerName": "",
        "UICulture": "en-US",
        "SaveMetadataHidden": false,
        "ContentTypes": [],
        "RemoteClientBitrateLimit": 0,
        "EnableFolderView": false,
        "EnableGroupingMoviesIntoCollections": false,
        "EnableGroupingShowsIntoCollections": false,
        "DisplaySpecialsWithinSeasons": true,
        "CodecsUsed": [],
        "PluginRepositories": [],
        "EnableExternalContentInSuggestions": true,
        "ImageExtractionTimeoutMs": 0,
        "PathSubstitutions": [],
        "EnableSlowResponseWarning": true,
        "SlowResponseThresholdMs": 500,
        "CorsHosts": ["*"],
        "ActivityLogRetentionDays": 30,
        "LibraryScanFanoutConcurrency": 0,
        "LibraryMetadataRefreshConcurrency": 0,
        "AllowClientLogUpload": true,
        "DummyChapterDuration": 0,
        "ChapterImageResolution": "MatchSource",
        "ParallelImageEncodingLimit": 0,
        "CastReceiverApplications": [],
        "TrickplayOptions": {
            "EnableHwAcceleration": false, "EnableHwEncoding": false, "EnableKeyFrameOnlyExtraction": false,
            "ScanBehavior": "NonBlocking", "ProcessPriority": "BelowNormal", "Interval": 10000,
            "WidthResolutions": [320], "TileWidth": 10, "TileHeight": 10, "Qscale": 4, "JpegQuality": 90,
            "ProcessThreads": 1
        },
        "EnableLegacyAuthorization": true
    }"#;

/// The settings file of a data directory.
#[derive(Debug, Clone)]
pub struct Settings {
    path: PathBuf,
}

impl Settings {
    /// The settings of `data_dir` (read lazily; a missing file means the defaults).
    pub fn new(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join(FILE_NAME),
        }
    }

    /// The whole configuration: the stored object over the defaults.
    pub fn load(&self) -> Result<Value> {
        let mut value = defaults();
        match std::fs::read_to_string(&self.path) {
            Ok(text) => {
                let stored: Value =
                    serde_json::from_str(&text).map_err(|_| Error::InvalidState {
                        path: self.path.clone(),
                        reason: "not a JSON object",
                    })?;
                merge(&mut value, &stored);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&self.path, e)),
        }
        Ok(value)
    }

    /// Stores a posted configuration whole (merged over what is stored, so a partial post keeps
    /// the rest), atomically.
    pub fn save(&self, posted: &Value) -> Result<Value> {
        if !posted.is_object() {
            return Err(Error::InvalidState {
                path: self.path.clone(),
                reason: "the configuration must be a JSON object",
            });
        }
        let mut value = self.load()?;
        merge(&mut value, posted);
        write_atomically(&self.path, &value)?;
        Ok(value)
    }

    fn section_path(&self, key: &str) -> std::result::Result<PathBuf, InvalidSectionKey> {
        let file = section_file_key(key)
            .filter(|k| SECTION_KEYS.contains(&k.as_str()))
            .ok_or_else(|| InvalidSectionKey(key.to_owned()))?;
        let dir = self.path.parent().unwrap_or(Path::new("/"));
        Ok(dir.join(SECTIONS_DIR).join(format!("{file}.json")))
    }

    /// A named section: what is stored over [`section_defaults`] (the defaults alone when
    /// nothing was stored). `Ok(None)` for a key that is not one of [`SECTION_KEYS`].
    pub fn section(&self, key: &str) -> Result<Option<Value>> {
        let Ok(path) = self.section_path(key) else {
            return Ok(None);
        };
        let mut value = section_defaults(key);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let stored: Value =
                    serde_json::from_str(&text).map_err(|_| Error::InvalidState {
                        path: path.clone(),
                        reason: "not a JSON object",
                    })?;
                merge(&mut value, &stored);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&path, e)),
        }
        Ok(Some(value))
    }

    /// Stores a named section whole (merged over what is stored; unknown keys kept). `Ok(None)`
    /// for a key that is not one of [`SECTION_KEYS`]; an error for a body that is not a JSON
    /// object.
    pub fn save_section(&self, key: &str, posted: &Value) -> Result<Option<Value>> {
        let Ok(path) = self.section_path(key) else {
            return Ok(None);
        };
        if !posted.is_object() {
            return Err(Error::InvalidState {
                path,
                reason: "a configuration section must be a JSON object",
            });
        }
        let mut value = self.section(key)?.unwrap_or_else(|| section_defaults(key));
        merge(&mut value, posted);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        write_atomically(&path, &value)?;
        Ok(Some(value))
    }
}

fn write_atomically(path: &Path, value: &Value) -> Result<()> {
    let tmp = path.with_extension("json.tmp");
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
    Ok(())
}

fn merge(into: &mut Value, from: &Value) {
    if let (Some(a), Some(b)) = (into.as_object_mut(), from.as_object()) {
        for (k, v) in b {
            // Keys match ignoring case, as Jellyfin's deserializer does.
            let existing = a.keys().find(|x| x.eq_ignore_ascii_case(k)).cloned();
            let key = existing.unwrap_or_else(|| k.clone());
            a.insert(key, v.clone());
        }
    } else {
        *into = from.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_whole_with_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let s = Settings::new(dir.path());
        let first = s.load().unwrap();
        assert_eq!(first["MinResumePct"], 5);
        let mut posted = first.clone();
        posted["ServerName"] = json!("Den");
        posted["SomethingNew"] = json!({"kept": true});
        posted["minresumepct"] = json!(7);
        s.save(&posted).unwrap();
        let again = Settings::new(dir.path()).load().unwrap();
        assert_eq!(again["ServerName"], "Den");
        assert_eq!(again["SomethingNew"]["kept"], true);
        assert_eq!(again["MinResumePct"], 7);
        std::fs::write(dir.path().join(FILE_NAME), "not json").unwrap();
        assert!(s.load().is_err());
    }

    #[test]
    fn sections_round_trip_per_key_over_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let s = Settings::new(dir.path());
        assert_eq!(
            s.section("Branding").unwrap().unwrap()["SplashscreenEnabled"],
            false
        );
        assert_eq!(s.section("encoding").unwrap(), Some(json!({})));
        let posted = json!({"EncoderAppPath": "/x", "Future": {"kept": [1]}});
        s.save_section("encoding", &posted).unwrap();
        assert_eq!(s.section("Encoding").unwrap(), Some(posted.clone()));
        s.save_section("branding", &json!({"CustomCss": "a{}"}))
            .unwrap();
        let branding = s.section("branding").unwrap().unwrap();
        assert_eq!(branding["CustomCss"], "a{}");
        assert_eq!(branding["LoginDisclaimer"], "");
        // Sections are separate from each other and from system.json.
        assert_eq!(s.section("network").unwrap(), Some(json!({})));
        assert!(s.load().unwrap().get("EncoderAppPath").is_none());
        assert!(s.save_section("encoding", &json!([1])).is_err());
    }

    #[test]
    fn section_keys_cannot_name_paths() {
        let cases = [
            ("encoding", Some("encoding")),
            ("XbmcMetadata", Some("xbmcmetadata")),
            ("live_tv-2", Some("live_tv-2")),
            ("", None),
            ("..", None),
            ("../system", None),
            ("a/b", None),
            ("a.json", None),
            ("é", None),
        ];
        for (key, want) in cases {
            assert_eq!(section_file_key(key).as_deref(), want, "{key}");
        }
        let dir = tempfile::tempdir().unwrap();
        let s = Settings::new(dir.path());
        assert_eq!(s.section("../system").unwrap(), None);
        assert_eq!(s.save_section("../x", &json!({})).unwrap(), None);
        // Only Jellyfin's sections exist.
        assert_eq!(s.section("metadataoptions").unwrap(), None);
        assert_eq!(s.save_section("nfo", &json!({})).unwrap(), None);
        assert_eq!(
            s.section("XbmcMetadata").unwrap().unwrap()["ReleaseDateFormat"],
            "yyyy-MM-dd"
        );
    }
}
