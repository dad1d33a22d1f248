//! Live sessions: which client apps are connected, what they can do and what they play, and the
//! bus that carries server-to-client messages (remote control, `UserDataChanged`,
//! `LibraryChanged`) to their WebSockets.
//!
//! Rules follow Jellyfin 10.11's `SessionManager`:
//! - One session per (device id, client app); its id is [`session_id`] of the two. A request
//!   from a device without a device id or a client name has no session.
//! - A session shows the user who last used it, the device name and app version last reported,
//!   and its last activity.
//! - Playback reports set the session's now-playing item and play state; a stop report for that
//!   item clears them, and so does a player that stops checking in (see
//!   [`SessionConfig::playback_idle`]).
//! - `SupportsMediaControl`/`SupportsRemoteControl` need both the client's capability and an open
//!   socket ([`Session::supports_remote_control`]). A session that had a socket and lost it is
//!   inactive.
//! - A session without a socket and without activity for [`SessionConfig::idle_expiry`] is
//!   removed.
//!
//! The [`SessionManager`] is a value its owner (the server) keeps, typically in an `Arc`; it is
//! thread-safe and needs no async runtime. A WebSocket handler calls
//! [`SessionManager::subscribe`] and forwards what the [`Subscription`] yields; anything in the
//! server calls [`SessionManager::send_to_session`], [`SessionManager::broadcast_to_user`] or
//! [`SessionManager::broadcast`]. Messages carry a type and a JSON payload; the transport adds the
//! message id. Observers ([`SessionManager::observe`]) hear of sessions starting and ending and
//! of playback starting and stopping ([`SessionEvent`]; the activity log is one).

mod channel;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::auth::{AuthContext, User, UserId};
use crate::store::ItemId;

use channel::Shared;
pub use channel::{Subscription, MAX_QUEUED_MESSAGES};

/// The id of the session of `client` on `device_id`: the MD5 of the two (separated by a NUL) as
/// 32 lower-case hex digits. Stable across restarts.
pub fn session_id(device_id: &str, client: &str) -> String {
    use md5::{Digest, Md5};
    let mut h = Md5::new();
    h.update(device_id.as_bytes());
    h.update([0]);
    h.update(client.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A message for a client: its `MessageType` and `Data` (JSON `null`: no data). The transport
/// adds a fresh `MessageId` when it writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboundMessage {
    /// `MessageType`, e.g. `Play`, `Playstate`, `GeneralCommand`, `UserDataChanged`.
    pub message_type: String,
    /// `Data`.
    pub data: Value,
}

impl OutboundMessage {
    /// A message of `message_type` carrying `data`.
    pub fn new(message_type: impl Into<String>, data: Value) -> Self {
        Self {
            message_type: message_type.into(),
            data,
        }
    }
}

/// How the client plays the media (Jellyfin's `PlayMethod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlayMethod {
    /// Transcoded by the server.
    Transcode,
    /// Remuxed or copied by the server.
    DirectStream,
    /// The original file.
    DirectPlay,
}

/// Repeat mode of a player (Jellyfin's `RepeatMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RepeatMode {
    /// No repeat.
    #[default]
    RepeatNone,
    /// Repeat the queue.
    RepeatAll,
    /// Repeat the current item.
    RepeatOne,
}

/// Playback order of a player (Jellyfin's `PlaybackOrder`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PlaybackOrder {
    /// In queue order.
    #[default]
    Default,
    /// Shuffled.
    Shuffle,
}

macro_rules! named_enum {
    ($t:ty { $($v:ident),* }) => {
        impl $t {
            /// The wire name (`PascalCase`, as Jellyfin spells it).
            pub fn name(self) -> &'static str {
                match self { $(Self::$v => stringify!($v)),* }
            }

            /// Parses a wire name, ignoring case; `None` for anything else.
            pub fn from_name(name: &str) -> Option<Self> {
                [$(Self::$v),*].into_iter().find(|v| v.name().eq_ignore_ascii_case(name.trim()))
            }
        }
    };
}
named_enum!(PlayMethod {
    Transcode,
    DirectStream,
    DirectPlay
});
named_enum!(RepeatMode {
    RepeatNone,
    RepeatAll,
    RepeatOne
});
named_enum!(PlaybackOrder { Default, Shuffle });

/// What a player reports about its state (Jellyfin's `PlayerStateInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlayState {
    /// Position in ticks (100 ns).
    pub position_ticks: Option<i64>,
    /// Whether the player can seek.
    pub can_seek: bool,
    /// Whether playback is paused.
    pub is_paused: bool,
    /// Whether the player is muted.
    pub is_muted: bool,
    /// Volume, 0-100.
    pub volume_level: Option<i32>,
    /// The audio stream played.
    pub audio_stream_index: Option<i32>,
    /// The subtitle stream shown (-1: none).
    pub subtitle_stream_index: Option<i32>,
    /// The media source played.
    pub media_source_id: Option<String>,
    /// How the media is played.
    pub play_method: Option<PlayMethod>,
    /// Repeat mode.
    pub repeat_mode: RepeatMode,
    /// Playback order.
    pub playback_order: PlaybackOrder,
    /// The live stream, if any.
    pub live_stream_id: Option<String>,
}

/// A playback start or progress report (the parts of `PlaybackStartInfo`/`PlaybackProgressInfo`
/// a session keeps).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaybackReport {
    /// The item played.
    pub item_id: ItemId,
    /// `PlaySessionId` from `PlaybackInfo`.
    pub play_session_id: Option<String>,
    /// `PlaylistItemId`, the entry in the player's queue.
    pub playlist_item_id: Option<String>,
    /// The player's state.
    pub state: PlayState,
}

impl PlaybackReport {
    /// A report for `item_id` with a default state.
    pub fn new(item_id: ItemId) -> Self {
        Self {
            item_id,
            play_session_id: None,
            playlist_item_id: None,
            state: PlayState::default(),
        }
    }
}

/// What a session is playing now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NowPlaying {
    /// The item.
    pub item_id: ItemId,
    /// `PlaySessionId`.
    pub play_session_id: Option<String>,
    /// `PlaylistItemId`.
    pub playlist_item_id: Option<String>,
    /// The player's last reported state.
    pub state: PlayState,
}

/// What a client says it can do (`POST /Sessions/Capabilities/Full`, `ClientCapabilitiesDto`).
#[derive(Debug, Clone, PartialEq)]
pub struct ClientCapabilities {
    /// `Audio`, `Video`, `Photo`, `Book`.
    pub playable_media_types: Vec<String>,
    /// `GeneralCommandType` names the client handles (`DisplayMessage`, `SetVolume`, ...).
    pub supported_commands: Vec<String>,
    /// Whether the client accepts remote control (`Play`, `Playstate`) over its socket.
    pub supports_media_control: bool,
    /// Whether the device id survives reinstalls (Jellyfin's default: true).
    pub supports_persistent_identifier: bool,
    /// The `DeviceProfile` object, as posted.
    pub device_profile: Option<Value>,
    /// `AppStoreUrl`.
    pub app_store_url: Option<String>,
    /// `IconUrl`.
    pub icon_url: Option<String>,
}

impl Default for ClientCapabilities {
    fn default() -> Self {
        Self {
            playable_media_types: Vec::new(),
            supported_commands: Vec::new(),
            supports_media_control: false,
            supports_persistent_identifier: true,
            device_profile: None,
            app_store_url: None,
            icon_url: None,
        }
    }
}

/// A snapshot of one session.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// [`session_id`] of the device id and client.
    pub id: String,
    /// `DeviceId`.
    pub device_id: String,
    /// `Device`: the device's name as last reported.
    pub device_name: String,
    /// `Client`: the app's name.
    pub client: String,
    /// `Version`: the app's version as last reported.
    pub app_version: String,
    /// The user who last used the session; `None` for an API key.
    pub user_id: Option<UserId>,
    /// That user's name.
    pub user_name: Option<String>,
    /// Whether the session was last used with an API key.
    pub is_api_key: bool,
    /// The last request, socket connection or playback report.
    pub last_activity: SystemTime,
    /// The last playback report.
    pub last_playback_check_in: Option<SystemTime>,
    /// When playback was paused (cleared on unpause).
    pub last_paused: Option<SystemTime>,
    /// What the client can do.
    pub capabilities: ClientCapabilities,
    /// What it plays.
    pub now_playing: Option<NowPlaying>,
    /// The item whose page the client shows (`/Sessions/Viewing`).
    pub now_viewing: Option<ItemId>,
    /// Open sockets (live [`Subscription`]s) of the session.
    pub open_sockets: usize,
    /// Whether the session ever had a socket.
    pub had_socket: bool,
}

impl Session {
    /// Jellyfin's `SupportsRemoteControl` (and `SupportsMediaControl`): the client says it
    /// accepts remote control and has a socket to receive it on.
    pub fn supports_remote_control(&self) -> bool {
        self.capabilities.supports_media_control && self.open_sockets > 0
    }

    /// Jellyfin's `IsActive`: a session with sockets is active while one is open; one that never
    /// had a socket is active until it expires.
    pub fn is_active(&self) -> bool {
        self.open_sockets > 0 || !self.had_socket
    }

    /// Whether `user` is the session's user.
    pub fn has_user(&self, user: UserId) -> bool {
        self.user_id == Some(user)
    }
}

/// Timings of a [`SessionManager`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionConfig {
    /// A session without an open socket is removed after this long without activity.
    pub idle_expiry: Duration,
    /// A now-playing item is cleared when the player has not reported for this long (Jellyfin's
    /// idle playback check: 5 minutes).
    pub playback_idle: Duration,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            idle_expiry: Duration::from_secs(10 * 60),
            playback_idle: Duration::from_secs(5 * 60),
        }
    }
}

/// A user who wants to control sessions (`GET /Sessions?controllableByUserId=`), with the two
/// policy permissions that decide which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Controller {
    /// The user.
    pub user_id: UserId,
    /// `EnableRemoteControlOfOtherUsers`: may control other users' sessions.
    pub control_other_users: bool,
    /// `EnableSharedDeviceControl`: may control sessions without a user.
    pub shared_device_control: bool,
}

impl Controller {
    /// The controller for `user`, from their policy.
    pub fn of(user: &User) -> Self {
        Self {
            user_id: user.id,
            control_other_users: user.policy.enable_remote_control_of_other_users,
            shared_device_control: user.policy.enable_shared_device_control,
        }
    }
}

/// Which sessions [`SessionManager::list`] returns; `None` fields match all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionFilter {
    /// Only this device's sessions (ignoring case).
    pub device_id: Option<String>,
    /// Only sessions with activity this recently (zero: no limit, as in Jellyfin).
    pub active_within: Option<Duration>,
    /// Only sessions of this user and sessions without a user (what a non-administrator sees).
    pub owner: Option<UserId>,
    /// Only sessions this controller may control remotely (they must support remote control).
    pub controllable_by: Option<Controller>,
}

impl SessionFilter {
    /// The filter Jellyfin applies for a caller of `GET /Sessions`: with `controllable_by`, the
    /// sessions that user may control (all users' sessions when the caller may control other
    /// users); otherwise everything for an administrator or an API key, and the caller's own
    /// sessions (and sessions without a user) for anyone else.
    pub fn for_caller(caller: &AuthContext, controllable_by: Option<&User>) -> Self {
        let mut filter = Self::default();
        match controllable_by {
            Some(target) => {
                let caller_controls_others = caller.is_api_key
                    || caller
                        .user
                        .as_ref()
                        .is_some_and(|u| u.policy.enable_remote_control_of_other_users);
                filter.controllable_by = Some(Controller {
                    control_other_users: caller_controls_others,
                    ..Controller::of(target)
                });
            }
            None if !caller.is_admin() => filter.owner = caller.user_id(),
            None => {}
        }
        filter
    }

    fn matches(&self, s: &Session, now: SystemTime) -> bool {
        if let Some(d) = &self.device_id {
            if !s.device_id.eq_ignore_ascii_case(d) {
                return false;
            }
        }
        if let Some(within) = self.active_within.filter(|w| !w.is_zero()) {
            let min = now.checked_sub(within).unwrap_or(SystemTime::UNIX_EPOCH);
            if s.last_activity < min {
                return false;
            }
        }
        if let Some(owner) = self.owner {
            if s.user_id.is_some_and(|u| u != owner) {
                return false;
            }
        }
        if let Some(c) = &self.controllable_by {
            if !s.supports_remote_control() {
                return false;
            }
            match s.user_id {
                None if !c.shared_device_control => return false,
                Some(u) if u != c.user_id && !c.control_other_users => return false,
                _ => {}
            }
        }
        true
    }
}

/// What happened to a session, for observers ([`SessionManager::observe`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SessionEvent {
    /// A session appeared (the first request of a device and client).
    Started(Session),
    /// A session went away (logout, device or user removed, idle expiry).
    Ended(Session),
    /// A client reported that playback of an item started.
    PlaybackStarted {
        /// The session, as of the report.
        session: Session,
        /// The item.
        item_id: ItemId,
    },
    /// A client reported that playback of an item stopped.
    PlaybackStopped {
        /// The session, as of the report.
        session: Session,
        /// The item.
        item_id: ItemId,
    },
}

/// A function told of every [`SessionEvent`], after the manager's lock is released.
pub type SessionObserver = Arc<dyn Fn(&SessionEvent) + Send + Sync>;

struct Entry {
    session: Session,
    sockets: Vec<Arc<Shared>>,
    /// What expiry counts from: the last activity, or when the last socket closed.
    last_alive: SystemTime,
}

impl Entry {
    /// Drops the sockets that went away (expiry counts from when the last of them went).
    fn prune_sockets(&mut self) {
        let mut last_gone = None;
        self.sockets.retain(|s| match s.dropped_at() {
            Some(t) => {
                last_gone = last_gone.max(Some(t));
                false
            }
            None => s.is_live(),
        });
        self.session.open_sockets = self.sockets.len();
        if let Some(t) = last_gone {
            // The socket was the session's activity until it closed.
            self.last_alive = self.last_alive.max(t);
        }
    }

    fn send(&mut self, msg: &OutboundMessage) -> usize {
        self.prune_sockets();
        self.sockets.iter().filter(|s| s.push(msg.clone())).count()
    }

    fn close(&mut self) {
        for s in self.sockets.drain(..) {
            s.close();
        }
        self.session.open_sockets = 0;
    }

    fn snapshot(&mut self) -> Session {
        self.prune_sockets();
        self.session.clone()
    }
}

/// The live sessions and the message bus to their sockets. Thread-safe; share it in an `Arc`.
pub struct SessionManager {
    config: SessionConfig,
    sessions: Mutex<HashMap<String, Entry>>,
    observers: Mutex<Vec<SessionObserver>>,
}

impl std::fmt::Debug for SessionManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionManager")
            .field("config", &self.config)
            .field("sessions", &self.lock().len())
            .finish()
    }
}

impl Default for SessionManager {
    fn default() -> Self {
        Self::new(SessionConfig::default())
    }
}

impl SessionManager {
    /// An empty manager with these timings.
    pub fn new(config: SessionConfig) -> Self {
        Self {
            config,
            sessions: Mutex::new(HashMap::new()),
            observers: Mutex::new(Vec::new()),
        }
    }

    /// The timings.
    pub fn config(&self) -> SessionConfig {
        self.config
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds an observer told of every [`SessionEvent`] from now on.
    pub fn observe(&self, observer: SessionObserver) {
        self.observers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(observer);
    }

    /// Tells the observers (never called with the session lock held).
    fn notify(&self, events: Vec<SessionEvent>) {
        if events.is_empty() {
            return;
        }
        let observers = self
            .observers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        for e in &events {
            for o in &observers {
                o(e);
            }
        }
    }

    /// Records activity of an authenticated caller: creates or refreshes the session of its
    /// device and client (user, device name, app version, last activity) and returns it.
    /// `None` when the device id or the client name is empty (no session, as in Jellyfin).
    pub fn touch(&self, auth: &AuthContext) -> Option<Session> {
        self.touch_at(auth, SystemTime::now())
    }

    /// [`touch`](Self::touch) as of `now`.
    pub fn touch_at(&self, auth: &AuthContext, now: SystemTime) -> Option<Session> {
        let d = &auth.device;
        if d.device_id.trim().is_empty() || d.client.trim().is_empty() {
            return None;
        }
        let id = session_id(&d.device_id, &d.client);
        let mut map = self.lock();
        let created = !map.contains_key(&id);
        let entry = map.entry(id.clone()).or_insert_with(|| Entry {
            session: Session {
                id,
                device_id: d.device_id.clone(),
                device_name: String::new(),
                client: d.client.clone(),
                app_version: String::new(),
                user_id: None,
                user_name: None,
                is_api_key: false,
                last_activity: now,
                last_playback_check_in: None,
                last_paused: None,
                capabilities: ClientCapabilities::default(),
                now_playing: None,
                now_viewing: None,
                open_sockets: 0,
                had_socket: false,
            },
            sockets: Vec::new(),
            last_alive: now,
        });
        let s = &mut entry.session;
        if !d.device_name.trim().is_empty() {
            s.device_name = d.device_name.clone();
        }
        if !d.version.trim().is_empty() {
            s.app_version = d.version.clone();
        }
        s.user_id = auth.user_id();
        s.user_name = auth.user.as_ref().map(|u| u.name.clone());
        s.is_api_key = auth.is_api_key;
        s.last_activity = s.last_activity.max(now);
        entry.last_alive = entry.last_alive.max(now);
        let snapshot = entry.snapshot();
        drop(map);
        if created {
            self.notify(vec![SessionEvent::Started(snapshot.clone())]);
        }
        Some(snapshot)
    }

    fn update<T>(&self, id: &str, now: SystemTime, f: impl FnOnce(&mut Session) -> T) -> Option<T> {
        let mut map = self.lock();
        let entry = map.get_mut(&id.to_ascii_lowercase())?;
        let out = f(&mut entry.session);
        entry.session.last_activity = entry.session.last_activity.max(now);
        entry.last_alive = entry.last_alive.max(now);
        Some(out)
    }

    /// Stores what the client says it can do (`POST /Sessions/Capabilities[/Full]`). `false`
    /// for an unknown session.
    pub fn report_capabilities(&self, session_id: &str, caps: ClientCapabilities) -> bool {
        self.update(session_id, SystemTime::now(), |s| s.capabilities = caps)
            .is_some()
    }

    /// Playback started: the item becomes the session's now-playing item with the reported
    /// state. `false` for an unknown session.
    pub fn playback_started(&self, session_id: &str, report: PlaybackReport) -> bool {
        let item_id = report.item_id;
        if !self.playback_report_at(session_id, report, SystemTime::now()) {
            return false;
        }
        if let Some(session) = self.snapshot_of(session_id) {
            self.notify(vec![SessionEvent::PlaybackStarted { session, item_id }]);
        }
        true
    }

    fn snapshot_of(&self, session_id: &str) -> Option<Session> {
        self.lock()
            .get_mut(&session_id.to_ascii_lowercase())
            .map(Entry::snapshot)
    }

    /// Playback progress (or a pause, a volume change, a track change...): replaces the play
    /// state, and the now-playing item when the report is about another one. `false` for an
    /// unknown session.
    pub fn playback_progress(&self, session_id: &str, report: PlaybackReport) -> bool {
        self.playback_report_at(session_id, report, SystemTime::now())
    }

    /// A start or progress report as of `now`.
    pub fn playback_report_at(
        &self,
        session_id: &str,
        report: PlaybackReport,
        now: SystemTime,
    ) -> bool {
        self.update(session_id, now, |s| {
            s.last_playback_check_in = Some(now);
            if report.state.is_paused {
                s.last_paused.get_or_insert(now);
            } else {
                s.last_paused = None;
            }
            s.now_playing = Some(NowPlaying {
                item_id: report.item_id,
                play_session_id: report.play_session_id,
                playlist_item_id: report.playlist_item_id,
                state: report.state,
            });
        })
        .is_some()
    }

    /// Playback of `item_id` stopped: clears the now-playing item if it is that item (a stop
    /// of another item leaves it). `false` for an unknown session.
    pub fn playback_stopped(&self, session_id: &str, item_id: ItemId) -> bool {
        let now = SystemTime::now();
        let known = self
            .update(session_id, now, |s| {
                s.last_playback_check_in = Some(now);
                if s.now_playing.as_ref().is_some_and(|n| n.item_id == item_id) {
                    s.now_playing = None;
                    s.last_paused = None;
                }
            })
            .is_some();
        if !known {
            return false;
        }
        if let Some(session) = self.snapshot_of(session_id) {
            self.notify(vec![SessionEvent::PlaybackStopped { session, item_id }]);
        }
        true
    }

    /// Sets (or clears) the item the client shows (`/Sessions/Viewing`). `false` for an
    /// unknown session.
    pub fn set_viewing(&self, session_id: &str, item_id: Option<ItemId>) -> bool {
        self.update(session_id, SystemTime::now(), |s| s.now_viewing = item_id)
            .is_some()
    }

    /// The sessions matching `filter`, most recently active first (after expiring idle ones).
    pub fn list(&self, filter: &SessionFilter) -> Vec<Session> {
        self.list_at(filter, SystemTime::now())
    }

    /// [`list`](Self::list) as of `now`.
    pub fn list_at(&self, filter: &SessionFilter, now: SystemTime) -> Vec<Session> {
        self.expire_idle(now);
        let mut out: Vec<Session> = self
            .lock()
            .values_mut()
            .map(Entry::snapshot)
            .filter(|s| filter.matches(s, now))
            .collect();
        out.sort_by(|a, b| {
            b.last_activity
                .cmp(&a.last_activity)
                .then_with(|| a.id.cmp(&b.id))
        });
        out
    }

    /// The session with this id (ignoring case).
    pub fn get(&self, session_id: &str) -> Option<Session> {
        self.expire_idle(SystemTime::now());
        self.lock()
            .get_mut(&session_id.to_ascii_lowercase())
            .map(Entry::snapshot)
    }

    /// The sessions of a device (any client), e.g. to find the caller's session.
    pub fn by_device(&self, device_id: &str) -> Vec<Session> {
        self.list(&SessionFilter {
            device_id: Some(device_id.to_owned()),
            ..SessionFilter::default()
        })
    }

    /// Removes one session (logout); its sockets see the end of their subscription. Returns
    /// whether it existed.
    pub fn remove(&self, session_id: &str) -> bool {
        let removed = self.lock().remove(&session_id.to_ascii_lowercase());
        match removed {
            Some(mut e) => {
                e.close();
                self.notify(vec![SessionEvent::Ended(e.session)]);
                true
            }
            None => false,
        }
    }

    /// Removes every session of a device (`DELETE /Devices`); returns how many.
    pub fn remove_device(&self, device_id: &str) -> usize {
        let mut map = self.lock();
        let ids: Vec<String> = map
            .values()
            .filter(|e| e.session.device_id.eq_ignore_ascii_case(device_id))
            .map(|e| e.session.id.clone())
            .collect();
        let mut ended = Vec::new();
        for id in &ids {
            if let Some(mut e) = map.remove(id) {
                e.close();
                ended.push(SessionEvent::Ended(e.session));
            }
        }
        drop(map);
        self.notify(ended);
        ids.len()
    }

    /// Removes every session of a user (user deleted or disabled); returns how many.
    pub fn remove_user(&self, user_id: UserId) -> usize {
        let mut map = self.lock();
        let ids: Vec<String> = map
            .values()
            .filter(|e| e.session.has_user(user_id))
            .map(|e| e.session.id.clone())
            .collect();
        let mut ended = Vec::new();
        for id in &ids {
            if let Some(mut e) = map.remove(id) {
                e.close();
                ended.push(SessionEvent::Ended(e.session));
            }
        }
        drop(map);
        self.notify(ended);
        ids.len()
    }

    /// Removes sessions idle as of `now` (no open socket and no activity for
    /// [`SessionConfig::idle_expiry`]) and clears now-playing items whose player stopped
    /// reporting ([`SessionConfig::playback_idle`]). Returns the removed ids. [`list`] and
    /// [`get`] call it; a server may also call it from a timer.
    ///
    /// [`list`]: Self::list
    /// [`get`]: Self::get
    pub fn expire_idle(&self, now: SystemTime) -> Vec<String> {
        let idle_for =
            |t: SystemTime, limit: Duration| now.duration_since(t).is_ok_and(|d| d >= limit);
        let mut map = self.lock();
        let mut removed = Vec::new();
        let mut ended = Vec::new();
        map.retain(|id, e| {
            e.prune_sockets();
            if e.sockets.is_empty() && idle_for(e.last_alive, self.config.idle_expiry) {
                removed.push(id.clone());
                ended.push(SessionEvent::Ended(e.session.clone()));
                return false;
            }
            let s = &mut e.session;
            if s.now_playing.is_some()
                && s.last_playback_check_in
                    .is_some_and(|t| idle_for(t, self.config.playback_idle))
            {
                s.now_playing = None;
                s.last_paused = None;
            }
            true
        });
        drop(map);
        self.notify(ended);
        removed
    }

    /// Subscribes to the messages sent to a session (its WebSocket). The session counts an open
    /// socket until the subscription is dropped. `None` for an unknown session.
    pub fn subscribe(&self, session_id: &str) -> Option<Subscription> {
        let mut map = self.lock();
        let entry = map.get_mut(&session_id.to_ascii_lowercase())?;
        let shared = Arc::new(Shared::default());
        entry.sockets.push(shared.clone());
        entry.session.open_sockets = entry.sockets.len();
        entry.session.had_socket = true;
        Some(Subscription::new(shared, entry.session.id.clone()))
    }

    /// Sends a message to a session's sockets. Returns whether at least one socket got it (an
    /// unknown session or one without a socket: `false`).
    pub fn send_to_session(&self, session_id: &str, msg: OutboundMessage) -> bool {
        self.lock()
            .get_mut(&session_id.to_ascii_lowercase())
            .is_some_and(|e| e.send(&msg) > 0)
    }

    /// Sends a message to every socket of a user's sessions (`UserDataChanged`, `UserUpdated`).
    /// Returns how many sockets got it.
    pub fn broadcast_to_user(&self, user_id: UserId, msg: OutboundMessage) -> usize {
        self.lock()
            .values_mut()
            .filter(|e| e.session.has_user(user_id))
            .map(|e| e.send(&msg))
            .sum()
    }

    /// Sends a message to every socket (`LibraryChanged`, `ServerShuttingDown`). Returns how many
    /// sockets got it.
    pub fn broadcast(&self, msg: OutboundMessage) -> usize {
        self.lock().values_mut().map(|e| e.send(&msg)).sum()
    }
}
