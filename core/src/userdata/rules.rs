//! The resume rules: what a reported playback position means for an item's played state, as
//! Jellyfin 10.11's `UserDataManager.UpdatePlayState` decides it.
//!
//! | item | condition | result |
//! |---|---|---|
//! | video, music | position < `min_resume_pct` % | position 0 |
//! | video, music | position > `max_resume_pct` %, or within 1 s of the end | played, position 0 |
//! | video, music | otherwise, runtime < `min_resume_duration_seconds` | played, position 0 |
//! | audiobook | position < `min_audiobook_resume_minutes` | position 0 |
//! | audiobook | less than `max_audiobook_resume_minutes` left, or at the end | played, position 0 |
//! | book | any position | kept as reported, never completed |
//! | any but books | runtime unknown | played, position 0 |
//!
//! Then an item without a played state (not playable) keeps position 0 and is not played, and an
//! item that cannot resume (music, trailers, samples, theme videos) keeps position 0. Play
//! counts and last played dates are not touched here: playback start bumps them.

use rusqlite::{Connection, OptionalExtension};

use super::UserItemData;
use crate::store::{ItemId, ItemKind, StoreError};

/// 100 ns ticks in a second.
pub const TICKS_PER_SECOND: i64 = 10_000_000;

/// The server's resume thresholds (Jellyfin's `ServerConfiguration` keys of the same names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResumeRules {
    /// `MinResumePct`: below this share a position is forgotten.
    pub min_resume_pct: i32,
    /// `MaxResumePct`: above this share the item is played.
    pub max_resume_pct: i32,
    /// `MinResumeDurationSeconds`: shorter items are played as soon as they pass the start.
    pub min_resume_duration_seconds: i32,
    /// `MinAudiobookResume`: minutes of an audiobook below which a position is forgotten.
    pub min_audiobook_resume_minutes: i32,
    /// `MaxAudiobookResume`: with fewer minutes left, an audiobook is played.
    pub max_audiobook_resume_minutes: i32,
}

impl Default for ResumeRules {
    /// Jellyfin's defaults: 5 %, 90 %, 300 s, 5 min, 5 min.
    fn default() -> Self {
        Self {
            min_resume_pct: 5,
            max_resume_pct: 90,
            min_resume_duration_seconds: 300,
            min_audiobook_resume_minutes: 5,
            max_audiobook_resume_minutes: 5,
        }
    }
}

/// How an item's playback is judged (Jellyfin's item classes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlayClass {
    /// Movies, episodes, videos, music videos, trailers. `resumable` is false for the extras
    /// Jellyfin never resumes (trailers, samples, theme videos).
    Video {
        /// Whether a position is kept.
        resumable: bool,
    },
    /// Music tracks: played state, no resume position.
    Audio,
    /// Audiobooks: minute-based rules.
    AudioBook,
    /// Books: the position is the reader's, kept as is.
    Book,
    /// Anything else (folders, people...): no played state.
    Other,
}

impl PlayClass {
    /// The class of an item of `kind` with this extra type name.
    pub fn of(kind: ItemKind, extra_type: Option<&str>) -> Self {
        match kind {
            ItemKind::Movie
            | ItemKind::Video
            | ItemKind::Trailer
            | ItemKind::MusicVideo
            | ItemKind::Episode => PlayClass::Video {
                resumable: !matches!(extra_type, Some("Trailer" | "Sample" | "ThemeVideo")),
            },
            ItemKind::Audio => PlayClass::Audio,
            ItemKind::AudioBook => PlayClass::AudioBook,
            ItemKind::Book => PlayClass::Book,
            _ => PlayClass::Other,
        }
    }

    /// Whether items of this class can be played / marked played (`SupportsPlayedStatus`).
    pub fn supports_played_status(self) -> bool {
        !matches!(self, PlayClass::Other)
    }

    /// Whether a position is kept (`SupportsPositionTicksResume`).
    pub fn supports_resume(self) -> bool {
        match self {
            PlayClass::Video { resumable } => resumable,
            PlayClass::AudioBook | PlayClass::Book => true,
            PlayClass::Audio | PlayClass::Other => false,
        }
    }
}

/// What the rules need to know about an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlayableItem {
    /// The item.
    pub id: ItemId,
    /// Its class.
    pub class: PlayClass,
    /// Its runtime in ticks, if known.
    pub run_time_ticks: Option<i64>,
    /// Whether it is a folder (marking it marks its descendants).
    pub is_folder: bool,
}

impl PlayableItem {
    /// Reads an item's class and runtime from the store; `None` if there is no such item.
    pub fn load(conn: &Connection, id: ItemId) -> Result<Option<Self>, StoreError> {
        let row = conn
            .prepare_cached(
                "SELECT kind, run_time_ticks, extra_type, is_folder FROM items WHERE id = ?1",
            )?
            .query_row([&id.0[..]], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, bool>(3)?,
                ))
            })
            .optional()?;
        Ok(row.map(|(kind, run_time_ticks, extra_type, is_folder)| {
            let class = ItemKind::from_name(&kind).map_or(PlayClass::Other, |k| {
                PlayClass::of(k, extra_type.as_deref())
            });
            PlayableItem {
                id,
                class,
                run_time_ticks,
                is_folder,
            }
        }))
    }

    /// The runtime the rules use: a book without one counts as one second, the runtime
    /// Jellyfin gives every book (readers report their progress as a fraction of it).
    pub fn runtime_for_play_state(&self) -> i64 {
        match (self.class, self.run_time_ticks) {
            (_, Some(t)) if t > 0 => t,
            (PlayClass::Book, _) => TICKS_PER_SECOND,
            _ => 0,
        }
    }
}

/// Applies a reported position to `data` (see the module table). Returns whether the report
/// completed the item (Jellyfin's `playedToCompletion`).
pub fn apply_play_state(
    data: &mut UserItemData,
    item: &PlayableItem,
    position_ticks: i64,
    rules: &ResumeRules,
) -> bool {
    let runtime = item.runtime_for_play_state();
    let has_runtime = runtime > 0;
    let mut position = position_ticks.max(0);
    let mut completed = false;
    let (pos, rt) = (i128::from(position), i128::from(runtime));
    match item.class {
        PlayClass::Video { .. } | PlayClass::Audio | PlayClass::Other
            if position > 0 && has_runtime =>
        {
            if pos * 100 < i128::from(rules.min_resume_pct) * rt {
                position = 0;
            } else {
                let near_end = pos * 100 > i128::from(rules.max_resume_pct) * rt
                    || pos >= rt - i128::from(TICKS_PER_SECOND);
                // Jellyfin checks the short-item rule only after the two above.
                let short = rt
                    < i128::from(rules.min_resume_duration_seconds) * i128::from(TICKS_PER_SECOND);
                if near_end || short {
                    position = 0;
                    completed = true;
                }
            }
        }
        PlayClass::AudioBook if position > 0 && has_runtime => {
            let minute = 60 * i128::from(TICKS_PER_SECOND);
            if pos < i128::from(rules.min_audiobook_resume_minutes) * minute {
                position = 0;
            } else if rt - pos < i128::from(rules.max_audiobook_resume_minutes) * minute
                || pos >= rt
            {
                position = 0;
                completed = true;
            }
        }
        _ if !has_runtime => {
            position = 0;
            completed = true;
        }
        _ => {}
    }
    if completed {
        data.played = true;
    }
    if !item.class.supports_played_status() {
        position = 0;
        data.played = false;
    }
    if !item.class.supports_resume() {
        position = 0;
    }
    data.playback_position_ticks = position;
    completed
}
