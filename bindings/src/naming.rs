//! Jellyfin's naming rules for foreign code: what a video or episode file name says.

use std::sync::Arc;

use jellyfin_core::naming::tv::{resolve_episode, ExpressionFilter};
use jellyfin_core::naming::video::{self, ResolveOptions};
use jellyfin_core::naming::NamingOptions;

/// What a video file name says.
#[derive(Debug, Clone, uniffi::Record)]
pub struct VideoName {
    /// The cleaned title.
    pub name: String,
    /// The release year, if the name has one.
    pub year: Option<i32>,
    /// The extra type (`Trailer`, ...) when the file is an extra.
    pub extra_type: Option<String>,
    /// The 3D token (`hsbs`, ...) when the file is 3D.
    pub format_3d: Option<String>,
}

/// What an episode file name says.
#[derive(Debug, Clone, uniffi::Record)]
pub struct EpisodeName {
    /// The series name found in the path, if any.
    pub series_name: Option<String>,
    /// The season number.
    pub season: Option<i32>,
    /// The episode number.
    pub episode: Option<i32>,
    /// The last episode of a multi-episode file.
    pub ending_episode: Option<i32>,
}

/// Jellyfin's naming rules, compiled once.
#[derive(uniffi::Object)]
pub struct Naming {
    options: NamingOptions,
}

#[uniffi::export]
impl Naming {
    /// Compiles the default rules.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            options: NamingOptions::default(),
        })
    }

    /// Parses a video file path; `None` when it is not a video.
    pub fn video(&self, path: String) -> Option<VideoName> {
        let v = video::resolve(&self.options, &path, false, ResolveOptions::default())?;
        Some(VideoName {
            name: v.name,
            year: v.year,
            extra_type: v.extra_type.map(|t| t.name().to_owned()),
            format_3d: v.format_3d.token,
        })
    }

    /// Parses an episode file path; `None` when it is not a video.
    pub fn episode(&self, path: String) -> Option<EpisodeName> {
        let e = resolve_episode(
            &self.options,
            &path,
            false,
            ExpressionFilter::default(),
            true,
        )?;
        Some(EpisodeName {
            series_name: e.series_name,
            season: e.season_number,
            episode: e.episode_number,
            ending_episode: e.ending_episode_number,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_the_core() {
        let n = Naming::new();
        let v = n.video("/m/Heat (1995)/Heat (1995).mkv".into()).unwrap();
        assert_eq!((v.name.as_str(), v.year), ("Heat", Some(1995)));
        assert!(n.video("/m/notes.txt".into()).is_none());
        let e = n
            .episode("/tv/Show/Season 1/Show S01E02.mkv".into())
            .unwrap();
        assert_eq!((e.season, e.episode), (Some(1), Some(2)));
    }
}
