//! Session events into activity entries: a session of a user starting or ending, playback of an
//! audio or video item starting or stopping (Jellyfin's `SessionStartedLogger`,
//! `SessionEndedLogger`, `PlaybackStartLogger`, `PlaybackStopLogger`).

use std::sync::Arc;

use super::events::{self, PlayedItem};
use super::NewEntry;
use crate::sessions::{Session, SessionEvent, SessionObserver};
use crate::store::ItemId;
use crate::MediaLibrary;

/// Records the activity entries of session events into a library's activity log. Install it
/// with [`crate::sessions::SessionManager::observe`]`(SessionLogger::new(lib).observer())`.
/// Recording is best effort: a store error loses the entry, never the session event.
#[derive(Debug, Clone)]
pub struct SessionLogger {
    library: Arc<MediaLibrary>,
}

impl SessionLogger {
    /// A logger writing into `library`'s activity log.
    pub fn new(library: Arc<MediaLibrary>) -> Self {
        Self { library }
    }

    /// The entry a session event makes, if any (sessions without a user make none, nor does
    /// playback of an unknown item or of media that is neither audio nor video).
    pub fn entry_for(&self, event: &SessionEvent) -> Option<NewEntry> {
        let user_of = |s: &Session| Some((s.user_name.clone()?, s.user_id?));
        match event {
            SessionEvent::Started(s) => {
                let (name, id) = user_of(s)?;
                Some(events::session_started(&name, id, &s.device_name))
            }
            SessionEvent::Ended(s) => {
                let (name, id) = user_of(s)?;
                Some(events::session_ended(&name, id, &s.device_name))
            }
            SessionEvent::PlaybackStarted { session, item_id } => {
                let (name, id) = user_of(session)?;
                let item = self.played_item(*item_id)?;
                events::playback_started(&name, id, &item, &session.device_name)
            }
            SessionEvent::PlaybackStopped { session, item_id } => {
                let (name, id) = user_of(session)?;
                let item = self.played_item(*item_id)?;
                events::playback_stopped(&name, id, &item, &session.device_name)
            }
        }
    }

    /// Records the entry of an event.
    pub fn on_event(&self, event: &SessionEvent) {
        if let Some(entry) = self.entry_for(event) {
            let _ = self.library.activity().record(&entry);
        }
    }

    /// This logger as a session observer.
    pub fn observer(self) -> SessionObserver {
        Arc::new(move |e: &SessionEvent| self.on_event(e))
    }

    fn played_item(&self, id: ItemId) -> Option<PlayedItem> {
        let rec = self.library.item(id).ok()??;
        Some(PlayedItem {
            id,
            name: rec.name,
            series_name: rec.series_name,
            artist: rec.artists.into_iter().next(),
            media_type: rec.media_type,
        })
    }
}
