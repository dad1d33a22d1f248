//! Server settings (Jellyfin's `ServerConfiguration`): one JSON object in the data directory,
//! returned whole and stored whole, unknown keys included, over Jellyfin's defaults.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::{Error, Result};

const FILE_NAME: &str = "system.json";

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
        "QuickConnectAvailable": false,
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
        let tmp = self.path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(&value).unwrap_or_default();
        std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| Error::io(&self.path, e))?;
        Ok(value)
    }
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
}
