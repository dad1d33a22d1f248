//! The WebSocket (`/socket`, or any path: Jellyfin upgrades on any authenticated path), as
//! SURFACE.md §4.4 describes it:
//! - Authentication by `?api_key=`/`?ApiKey=` or the `Authorization` header; without a valid
//!   token the answer is 401 and there is no upgrade.
//! - The socket belongs to the session of its device and client: whatever the core's
//!   [`SessionManager`] sends to that session is written to it.
//! - Keep-alive: `ForceKeepAlive` (`Data`: seconds) on connect; every `KeepAlive` is answered;
//!   a periodic check re-sends `ForceKeepAlive` to a socket idle too long and closes one idle
//!   longer ([`WsConfig`]).
//! - `SessionsStart`/`SessionsStop` (`Data: "initialDelayMs,intervalMs"`) push `Sessions`
//!   periodically; `ScheduledTasksInfoStart`/`Stop` push `ScheduledTasksInfo` (the scheduled
//!   tasks with their state and progress); `ActivityLogEntryStart`/`Stop` push `ActivityLogEntry`
//!   (the new activity log entries) when entries were added.
//! - After a scan that added, changed or removed items, every socket gets `LibraryChanged`
//!   ([`scan_listener`]).
//! - Every message written gets a fresh `MessageId` (32 hex digits): clients drop repeats.
//!
//! Also here: the `SessionInfoDto` of a core session ([`session_info_dto`]) and the parsers of
//! the capability and playback-report bodies into core types.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use hyper::header::{HeaderValue, CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, UPGRADE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use jellyfin_core::auth::{device_custom_name, AuthContext, DeviceInfo, User};
use jellyfin_core::sessions::{
    ClientCapabilities, OutboundMessage, PlayMethod, PlayState, PlaybackOrder, PlaybackReport,
    RepeatMode, Session, SessionFilter, SessionManager, Subscription,
};
use jellyfin_core::store::ItemId;
use serde::Serialize;
use serde_json::{json, Map, Value};
use tokio::time::{interval_at, Instant, Interval, MissedTickBehavior};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use crate::dto::item::{format_system_time, FieldSet};
use crate::error::Error;
use crate::http::{error_response, full, Body, Server};
use crate::request::{auth_from, Query};
use crate::routes::auth::core_auth_error;
use crate::routes::users::field;

/// Keep-alive timings of the WebSocket (Jellyfin's, by default; tests shrink them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WsConfig {
    /// `Data` of `ForceKeepAlive`: the seconds clients may stay silent (60).
    pub keep_alive_secs: u64,
    /// How often idle sockets are checked (12 s).
    pub check_interval: Duration,
    /// A socket silent for longer than this gets another `ForceKeepAlive` (45 s).
    pub resend_after: Duration,
    /// A socket silent this long is closed (60 s).
    pub drop_after: Duration,
    /// The shortest period accepted for `SessionsStart`/`ScheduledTasksInfoStart` pushes.
    pub min_push_interval: Duration,
}

impl Default for WsConfig {
    fn default() -> Self {
        Self {
            keep_alive_secs: 60,
            check_interval: Duration::from_secs(12),
            resend_after: Duration::from_secs(45),
            drop_after: Duration::from_secs(60),
            min_push_interval: Duration::from_millis(100),
        }
    }
}

/// Whether a request asks for a WebSocket upgrade (`GET` with `Upgrade: websocket` and
/// `Connection: upgrade`).
pub fn is_websocket_upgrade<B>(req: &Request<B>) -> bool {
    let has = |name, token: &str| {
        req.headers().get_all(name).iter().any(|v| {
            v.to_str()
                .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
        })
    };
    req.method() == Method::GET && has(UPGRADE, "websocket") && has(CONNECTION, "upgrade")
}

/// A fresh message id: 128 random bits as 32 lower-case hex digits.
pub fn new_message_id() -> String {
    let mut b = [0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        // No OS randomness: still unique per process (time and a counter).
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let t = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos() as u64;
        b[..8].copy_from_slice(&t.to_be_bytes());
        b[8..].copy_from_slice(&n.to_be_bytes());
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Envelope<'a> {
    message_type: &'a str,
    message_id: String,
    #[serde(skip_serializing_if = "Value::is_null")]
    data: &'a Value,
}

/// The wire text of a message: `{"MessageType", "MessageId" (fresh), "Data"}` (`Data` left out
/// when null).
pub fn encode_message(msg: &OutboundMessage) -> String {
    serde_json::to_string(&Envelope {
        message_type: &msg.message_type,
        message_id: new_message_id(),
        data: &msg.data,
    })
    .unwrap_or_default()
}

/// Answers a WebSocket upgrade request. Without a valid token (from `?api_key=`, `?ApiKey=` or
/// any authorization header) it answers 401 (403 for a disabled user) and does not upgrade;
/// otherwise it records the caller's session, answers `101 Switching Protocols` and runs the
/// protocol on the upgraded connection in a task of its own. The connection must be served with
/// upgrades (`serve_connection_with_upgrades`).
pub async fn handle_upgrade<B: Send + 'static>(
    server: Arc<Server>,
    sessions: Arc<SessionManager>,
    config: WsConfig,
    mut req: Request<B>,
) -> Response<Body> {
    if !is_websocket_upgrade(&req) {
        return error_response(&Error::BadRequest("expected a WebSocket upgrade".into()));
    }
    let query = Query::parse(req.uri().query());
    let header = auth_from(req.headers(), &query);
    let auth = match authenticate(&server, &header) {
        Ok(a) => a,
        Err(e) => return error_response(&e),
    };
    let Some(key) = req.headers().get(SEC_WEBSOCKET_KEY).cloned() else {
        return error_response(&Error::BadRequest("missing Sec-WebSocket-Key".into()));
    };
    let version_ok = req
        .headers()
        .get("sec-websocket-version")
        .is_some_and(|v| v.as_bytes() == b"13");
    if !version_ok {
        let mut r = error_response(&Error::BadRequest(
            "unsupported Sec-WebSocket-Version".into(),
        ));
        r.headers_mut()
            .insert("sec-websocket-version", HeaderValue::from_static("13"));
        return r;
    }

    // The session of (device, client). An API key has no stored device id: take the legacy
    // `deviceId` query parameter, then the header's.
    let mut session_auth = auth.clone();
    if session_auth.device.device_id.trim().is_empty() {
        session_auth.device.device_id = query
            .get("deviceId")
            .map(str::to_owned)
            .or_else(|| header.device_id.clone())
            .unwrap_or_default();
    }
    if session_auth.device.client.trim().is_empty() {
        session_auth.device.client = header.client.clone().unwrap_or_default();
    }
    let session = sessions.touch(&session_auth);
    // Subscribe before answering so nothing sent after the 101 is lost.
    let subscription = session.as_ref().and_then(|s| sessions.subscribe(&s.id));

    let on_upgrade = hyper::upgrade::on(&mut req);
    tokio::spawn(async move {
        match on_upgrade.await {
            Ok(upgraded) => {
                let ws =
                    WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None)
                        .await;
                let socket = Socket {
                    server,
                    sessions,
                    config,
                    auth,
                    subscription,
                };
                socket.run(ws).await;
            }
            Err(e) => tracing::debug!(error = %e, "WebSocket upgrade failed"),
        }
    });

    let mut r = Response::new(full(Bytes::new()));
    *r.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = r.headers_mut();
    h.insert(UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(v) = HeaderValue::from_str(&derive_accept_key(key.as_bytes())) {
        h.insert(SEC_WEBSOCKET_ACCEPT, v);
    }
    r
}

fn authenticate(
    server: &Server,
    header: &crate::request::AuthHeader,
) -> Result<AuthContext, Error> {
    let token = header.token.as_deref().ok_or(Error::Unauthorized)?;
    let seen = DeviceInfo::new(
        header.device_id.clone().unwrap_or_default(),
        header.device.clone().unwrap_or_default(),
        header.client.clone().unwrap_or_default(),
        header.version.clone().unwrap_or_default(),
    );
    let auth = server
        .library()
        .auth()
        .validate_token(token, &seen)
        .map_err(core_auth_error)?
        .ok_or(Error::Unauthorized)?;
    if auth.user.as_ref().is_some_and(User::is_disabled) {
        return Err(Error::Forbidden);
    }
    Ok(auth)
}

type Ws = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// One connected socket.
struct Socket {
    server: Arc<Server>,
    sessions: Arc<SessionManager>,
    config: WsConfig,
    auth: AuthContext,
    subscription: Option<Subscription>,
}

/// What woke the socket's loop.
enum Event {
    Inbound(Option<Result<Message, tokio_tungstenite::tungstenite::Error>>),
    Check,
    PushSessions,
    PushTasks,
    PushActivity,
    Outbound(Option<OutboundMessage>),
}

/// The periodic pushes a client subscribed to.
#[derive(Default)]
struct Pushes {
    sessions: Option<Interval>,
    tasks: Option<Interval>,
    activity: Option<Interval>,
    /// The newest activity entry the client has been told of.
    activity_seen: i64,
}

async fn tick(interval: &mut Option<Interval>) {
    match interval {
        Some(i) => {
            i.tick().await;
        }
        None => std::future::pending().await,
    }
}

async fn outbound(sub: Option<&Subscription>) -> Option<OutboundMessage> {
    match sub {
        Some(s) => s.recv().await,
        None => std::future::pending().await,
    }
}

/// Parses `"initialDelayMs,intervalMs"`; W's dashboard default (`0,1000`) for anything else.
fn push_interval(data: Option<&Value>, min: Duration) -> Interval {
    let text = data.and_then(Value::as_str).unwrap_or("");
    let mut parts = text.split(',').map(|p| p.trim().parse::<u64>().ok());
    let delay = parts.next().flatten().unwrap_or(0);
    let period = parts.next().flatten().unwrap_or(1000);
    let period = Duration::from_millis(period).max(min);
    let mut i = interval_at(Instant::now() + Duration::from_millis(delay), period);
    i.set_missed_tick_behavior(MissedTickBehavior::Delay);
    i
}

impl Socket {
    async fn send(&self, ws: &mut Ws, msg: &OutboundMessage) -> bool {
        ws.send(Message::text(encode_message(msg))).await.is_ok()
    }

    fn force_keep_alive(&self) -> OutboundMessage {
        OutboundMessage::new("ForceKeepAlive", json!(self.config.keep_alive_secs))
    }

    async fn run(self, mut ws: Ws) {
        let session = self
            .subscription
            .as_ref()
            .map(|s| s.session_id().to_owned());
        tracing::debug!(session = ?session, "WebSocket connected");
        if !self.send(&mut ws, &self.force_keep_alive()).await {
            return;
        }
        let mut last_seen = Instant::now();
        let mut check = interval_at(
            Instant::now() + self.config.check_interval,
            self.config.check_interval,
        );
        check.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut pushes = Pushes::default();
        loop {
            let event = tokio::select! {
                m = ws.next() => Event::Inbound(m),
                _ = check.tick() => Event::Check,
                () = tick(&mut pushes.sessions) => Event::PushSessions,
                () = tick(&mut pushes.tasks) => Event::PushTasks,
                () = tick(&mut pushes.activity) => Event::PushActivity,
                m = outbound(self.subscription.as_ref()) => Event::Outbound(m),
            };
            let ok = match event {
                Event::Inbound(None | Some(Err(_))) => break,
                Event::Inbound(Some(Ok(frame))) => {
                    last_seen = Instant::now();
                    match frame {
                        Message::Text(t) => self.on_text(&mut ws, t.as_str(), &mut pushes).await,
                        Message::Binary(b) => match std::str::from_utf8(&b) {
                            Ok(t) => self.on_text(&mut ws, t, &mut pushes).await,
                            Err(_) => true,
                        },
                        // tungstenite queues the pong; flush it now.
                        Message::Ping(_) => ws.flush().await.is_ok(),
                        // The close reply is queued; the next read ends the stream.
                        Message::Close(_) | Message::Pong(_) | Message::Frame(_) => true,
                    }
                }
                Event::Check => {
                    let idle = last_seen.elapsed();
                    if idle >= self.config.drop_after {
                        tracing::debug!(session = ?session, "WebSocket idle: closing");
                        let _ = ws
                            .close(Some(CloseFrame {
                                code: CloseCode::Away,
                                reason: "keep-alive timeout".into(),
                            }))
                            .await;
                        break;
                    }
                    if idle > self.config.resend_after {
                        self.send(&mut ws, &self.force_keep_alive()).await
                    } else {
                        true
                    }
                }
                Event::PushSessions => {
                    let list = self.sessions_data();
                    self.send(&mut ws, &OutboundMessage::new("Sessions", list))
                        .await
                }
                Event::PushTasks => {
                    let list = crate::routes::tasks::task_list(&self.server).unwrap_or_default();
                    self.send(
                        &mut ws,
                        &OutboundMessage::new("ScheduledTasksInfo", Value::Array(list)),
                    )
                    .await
                }
                Event::PushActivity => match self.new_activity(&mut pushes.activity_seen) {
                    Some(entries) => {
                        self.send(&mut ws, &OutboundMessage::new("ActivityLogEntry", entries))
                            .await
                    }
                    None => true,
                },
                Event::Outbound(Some(m)) => self.send(&mut ws, &m).await,
                Event::Outbound(None) => {
                    // The session was removed (logout, device deleted).
                    let _ = ws
                        .close(Some(CloseFrame {
                            code: CloseCode::Normal,
                            reason: "session ended".into(),
                        }))
                        .await;
                    break;
                }
            };
            if !ok {
                break;
            }
        }
        tracing::debug!(session = ?session, "WebSocket closed");
        // Dropping `self.subscription` tells the manager the socket is gone.
    }

    /// Handles a client message; `false` when the socket failed.
    async fn on_text(&self, ws: &mut Ws, text: &str, pushes: &mut Pushes) -> bool {
        let Ok(v) = serde_json::from_str::<Value>(text) else {
            tracing::debug!("WebSocket: ignoring a message that is not JSON");
            return true;
        };
        let kind = field(&v, "MessageType")
            .and_then(Value::as_str)
            .unwrap_or("");
        let data = field(&v, "Data");
        let min = self.config.min_push_interval;
        match kind.to_ascii_lowercase().as_str() {
            "keepalive" => {
                return self
                    .send(ws, &OutboundMessage::new("KeepAlive", Value::Null))
                    .await
            }
            "sessionsstart" => pushes.sessions = Some(push_interval(data, min)),
            "sessionsstop" => pushes.sessions = None,
            "scheduledtasksinfostart" => pushes.tasks = Some(push_interval(data, min)),
            "scheduledtasksinfostop" => pushes.tasks = None,
            "activitylogentrystart" => {
                // Entries from now on: remember the newest one.
                pushes.activity_seen = self.newest_activity().unwrap_or(0);
                pushes.activity = Some(push_interval(data, min));
            }
            "activitylogentrystop" => pushes.activity = None,
            other => tracing::debug!(message_type = other, "WebSocket: unhandled message"),
        }
        true
    }

    fn newest_activity(&self) -> Option<i64> {
        let query = jellyfin_core::activity::EntryQuery {
            limit: Some(1),
            ..Default::default()
        };
        let (entries, _) = self.server.library().activity().entries(&query).ok()?;
        entries.first().map(|e| e.id)
    }

    /// `[ActivityLogEntry]` of the entries newer than `seen` (at most 50), advancing `seen`;
    /// `None` when there are none, or for a caller who may not read the log.
    fn new_activity(&self, seen: &mut i64) -> Option<Value> {
        if !self.auth.is_admin() {
            return None;
        }
        let query = jellyfin_core::activity::EntryQuery {
            limit: Some(50),
            ..Default::default()
        };
        let (entries, _) = self.server.library().activity().entries(&query).ok()?;
        let fresh: Vec<Value> = entries
            .iter()
            .filter(|e| e.id > *seen)
            .map(crate::routes::operations::activity_entry_dto)
            .collect();
        *seen = entries.first().map_or(*seen, |e| e.id.max(*seen));
        (!fresh.is_empty()).then_some(Value::Array(fresh))
    }

    /// `[SessionInfoDto]` of the sessions the caller may see (all of them for an administrator).
    fn sessions_data(&self) -> Value {
        let filter = SessionFilter::for_caller(&self.auth, None);
        Value::Array(
            self.sessions
                .list(&filter)
                .iter()
                .map(|s| session_info_dto(&self.server, s))
                .collect(),
        )
    }
}

// ------------------------------------------------------------------ scans

/// `LibraryChanged` for a scan of `library` that changed items (`LibraryUpdateInfo`, ids in N
/// format; the scan summary lists at most a thousand ids per change).
pub fn library_changed_message(
    library: &jellyfin_core::store::LibraryRecord,
    summary: &jellyfin_core::scan::ScanSummary,
) -> OutboundMessage {
    let ids = |list: &[ItemId]| list.iter().map(ItemId::to_n).collect::<Vec<_>>();
    let lib = library.id.to_n();
    let folder_if = |yes: bool| if yes { vec![lib.clone()] } else { Vec::new() };
    OutboundMessage::new(
        "LibraryChanged",
        json!({
            "FoldersAddedTo": folder_if(!summary.added_ids.is_empty()),
            "FoldersRemovedFrom": folder_if(!summary.removed_ids.is_empty()),
            "ItemsAdded": ids(&summary.added_ids),
            "ItemsRemoved": ids(&summary.removed_ids),
            "ItemsUpdated": ids(&summary.updated_ids),
            "CollectionFolders": [lib],
            "IsEmpty": !summary.changed_items(),
        }),
    )
}

/// The server's listener of every scan: counts running scans and probed files into the
/// metrics, logs the outcome, and tells every socket `LibraryChanged` after a scan that changed
/// items.
pub fn scan_listener(
    sessions: Arc<SessionManager>,
    metrics: Arc<crate::metrics::Metrics>,
) -> jellyfin_core::scan::ScanListener {
    use jellyfin_core::scan::{ScanEvent, ScanNotice};
    use std::sync::atomic::Ordering;
    Arc::new(move |notice: &ScanNotice<'_>| match notice {
        ScanNotice::Started { .. } => {
            metrics.scans_running.fetch_add(1, Ordering::Relaxed);
        }
        ScanNotice::Progress {
            event: ScanEvent::Probed { .. },
            ..
        } => {
            metrics.scan_files_probed.fetch_add(1, Ordering::Relaxed);
        }
        ScanNotice::Finished { library, outcome } => {
            metrics.scans_running.fetch_sub(1, Ordering::Relaxed);
            match outcome {
                Ok(summary) => {
                    tracing::info!(
                        library = %library.name,
                        items = summary.items_by_kind.values().sum::<usize>(),
                        added = summary.added,
                        updated = summary.updated,
                        removed = summary.removed,
                        probe_errors = summary.probe_errors,
                        seconds = summary.elapsed.as_secs_f64(),
                        "library scanned"
                    );
                    if summary.changed_items() {
                        sessions.broadcast(library_changed_message(library, summary));
                    }
                }
                Err(e) => {
                    tracing::error!(library = %library.name, error = %e, "library scan failed")
                }
            }
        }
        _ => {}
    })
}

// ------------------------------------------------------------------ SessionInfoDto

const EMPTY_GUID: &str = "00000000000000000000000000000000";
const MIN_DATE: &str = "0001-01-01T00:00:00.0000000Z";

fn insert_some<T: Into<Value>>(obj: &mut Map<String, Value>, key: &str, v: Option<T>) {
    if let Some(v) = v {
        obj.insert(key.to_owned(), v.into());
    }
}

/// `PlayerStateInfo` (the defaults when nothing plays).
pub fn play_state_dto(state: &PlayState) -> Value {
    let mut o = Map::new();
    insert_some(&mut o, "PositionTicks", state.position_ticks);
    o.insert("CanSeek".into(), state.can_seek.into());
    o.insert("IsPaused".into(), state.is_paused.into());
    o.insert("IsMuted".into(), state.is_muted.into());
    insert_some(&mut o, "VolumeLevel", state.volume_level);
    insert_some(&mut o, "AudioStreamIndex", state.audio_stream_index);
    insert_some(&mut o, "SubtitleStreamIndex", state.subtitle_stream_index);
    insert_some(&mut o, "MediaSourceId", state.media_source_id.clone());
    insert_some(
        &mut o,
        "PlayMethod",
        state.play_method.map(PlayMethod::name),
    );
    o.insert("RepeatMode".into(), state.repeat_mode.name().into());
    o.insert("PlaybackOrder".into(), state.playback_order.name().into());
    insert_some(&mut o, "LiveStreamId", state.live_stream_id.clone());
    Value::Object(o)
}

/// `ClientCapabilitiesDto`.
pub fn capabilities_dto(caps: &ClientCapabilities) -> Value {
    let mut o = Map::new();
    o.insert(
        "PlayableMediaTypes".into(),
        json!(caps.playable_media_types),
    );
    o.insert("SupportedCommands".into(), json!(caps.supported_commands));
    o.insert(
        "SupportsMediaControl".into(),
        caps.supports_media_control.into(),
    );
    o.insert(
        "SupportsPersistentIdentifier".into(),
        caps.supports_persistent_identifier.into(),
    );
    insert_some(&mut o, "DeviceProfile", caps.device_profile.clone());
    insert_some(&mut o, "AppStoreUrl", caps.app_store_url.clone());
    insert_some(&mut o, "IconUrl", caps.icon_url.clone());
    Value::Object(o)
}

/// The `BaseItemDto` of an item a session plays or shows, as its user sees it (a minimal one
/// for a session without a user). `None` when the item is gone.
fn session_item_dto(server: &Server, user: Option<&User>, id: ItemId) -> Option<Value> {
    let record = server.library().item(id).ok()??;
    if let Some(user) = user {
        if let Ok(mut dtos) = crate::routes::items::dtos(
            server,
            user,
            std::slice::from_ref(&record),
            &FieldSet::none(),
        ) {
            if let Some(dto) = dtos.pop() {
                return serde_json::to_value(dto).ok();
            }
        }
    }
    let mut o = Map::new();
    o.insert("Name".into(), record.name.clone().into());
    o.insert("ServerId".into(), server.id().into());
    o.insert("Id".into(), id.to_n().into());
    insert_some(&mut o, "Type", record.kind.map(|k| k.name()));
    Some(Value::Object(o))
}

/// `SessionInfoDto` of a session: every field the spec does not mark nullable is present
/// (SURFACE.md §7); `NowPlayingItem`/`NowViewingItem` are `BaseItemDto`s for the session's user.
/// For `GET /Sessions` and the `Sessions` push.
pub fn session_info_dto(server: &Server, s: &Session) -> Value {
    let user = s
        .user_id
        .and_then(|id| server.library().auth().user(id).ok().flatten());
    let custom_name = server
        .library()
        .auth()
        .store()
        .read(|c| device_custom_name(c, &s.device_id))
        .ok()
        .flatten()
        .filter(|n| !n.trim().is_empty());
    let remote = s.supports_remote_control();
    let default_state = PlayState::default();
    let state = s.now_playing.as_ref().map_or(&default_state, |n| &n.state);

    let mut o = Map::new();
    o.insert("PlayState".into(), play_state_dto(state));
    o.insert("AdditionalUsers".into(), json!([]));
    o.insert("Capabilities".into(), capabilities_dto(&s.capabilities));
    o.insert(
        "PlayableMediaTypes".into(),
        json!(s.capabilities.playable_media_types),
    );
    o.insert("Id".into(), s.id.clone().into());
    o.insert(
        "UserId".into(),
        s.user_id
            .map_or_else(|| EMPTY_GUID.to_owned(), |u| u.to_n())
            .into(),
    );
    insert_some(&mut o, "UserName", s.user_name.clone());
    insert_some(
        &mut o,
        "UserPrimaryImageTag",
        s.user_id
            .and_then(|u| crate::routes::users::avatar_tag(server, u)),
    );
    o.insert("Client".into(), s.client.clone().into());
    o.insert(
        "LastActivityDate".into(),
        format_system_time(s.last_activity).into(),
    );
    o.insert(
        "LastPlaybackCheckIn".into(),
        s.last_playback_check_in
            .map_or_else(|| MIN_DATE.to_owned(), format_system_time)
            .into(),
    );
    insert_some(
        &mut o,
        "LastPausedDate",
        s.last_paused.map(format_system_time),
    );
    o.insert(
        "DeviceName".into(),
        custom_name
            .clone()
            .unwrap_or_else(|| s.device_name.clone())
            .into(),
    );
    if let Some(np) = &s.now_playing {
        insert_some(
            &mut o,
            "NowPlayingItem",
            session_item_dto(server, user.as_ref(), np.item_id),
        );
    }
    if let Some(id) = s.now_viewing {
        insert_some(
            &mut o,
            "NowViewingItem",
            session_item_dto(server, user.as_ref(), id),
        );
    }
    o.insert("DeviceId".into(), s.device_id.clone().into());
    o.insert("ApplicationVersion".into(), s.app_version.clone().into());
    o.insert("IsActive".into(), s.is_active().into());
    o.insert("SupportsMediaControl".into(), remote.into());
    o.insert("SupportsRemoteControl".into(), remote.into());
    o.insert("NowPlayingQueue".into(), json!([]));
    o.insert("NowPlayingQueueFullItems".into(), json!([]));
    o.insert("HasCustomDeviceName".into(), custom_name.is_some().into());
    insert_some(
        &mut o,
        "PlaylistItemId",
        s.now_playing
            .as_ref()
            .and_then(|n| n.playlist_item_id.clone()),
    );
    o.insert("ServerId".into(), server.id().into());
    o.insert(
        "SupportedCommands".into(),
        json!(s.capabilities.supported_commands),
    );
    Value::Object(o)
}

// ------------------------------------------------------------------ request bodies

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        Some(Value::String(s)) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn boolean(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A `ClientCapabilitiesDto` body (`POST /Sessions/Capabilities/Full`; keys in any case, lists
/// as arrays or comma strings) as core capabilities.
pub fn capabilities_from_json(body: &Value) -> ClientCapabilities {
    ClientCapabilities {
        playable_media_types: strings(field(body, "PlayableMediaTypes")),
        supported_commands: strings(field(body, "SupportedCommands")),
        supports_media_control: boolean(field(body, "SupportsMediaControl")).unwrap_or(false),
        supports_persistent_identifier: boolean(field(body, "SupportsPersistentIdentifier"))
            .unwrap_or(true),
        device_profile: field(body, "DeviceProfile")
            .filter(|v| v.is_object())
            .cloned(),
        app_store_url: text(field(body, "AppStoreUrl")),
        icon_url: text(field(body, "IconUrl")),
    }
}

/// A `PlaybackStartInfo`/`PlaybackProgressInfo` body as a core report; `item` overrides the
/// body's `ItemId` (legacy routes carry it in the path). `None` without a valid item id.
pub fn playback_report_from_json(body: &Value, item: Option<ItemId>) -> Option<PlaybackReport> {
    let item_id = item.or_else(|| {
        field(body, "ItemId")
            .and_then(Value::as_str)
            .and_then(ItemId::parse)
    })?;
    let i32_of = |k| int(field(body, k)).and_then(|n| i32::try_from(n).ok());
    Some(PlaybackReport {
        item_id,
        play_session_id: text(field(body, "PlaySessionId")),
        playlist_item_id: text(field(body, "PlaylistItemId")),
        state: PlayState {
            position_ticks: int(field(body, "PositionTicks")),
            can_seek: boolean(field(body, "CanSeek")).unwrap_or(false),
            is_paused: boolean(field(body, "IsPaused")).unwrap_or(false),
            is_muted: boolean(field(body, "IsMuted")).unwrap_or(false),
            volume_level: i32_of("VolumeLevel"),
            audio_stream_index: i32_of("AudioStreamIndex"),
            subtitle_stream_index: i32_of("SubtitleStreamIndex"),
            media_source_id: text(field(body, "MediaSourceId")),
            play_method: text(field(body, "PlayMethod")).and_then(|m| PlayMethod::from_name(&m)),
            repeat_mode: text(field(body, "RepeatMode"))
                .and_then(|m| RepeatMode::from_name(&m))
                .unwrap_or_default(),
            playback_order: text(field(body, "PlaybackOrder"))
                .or_else(|| text(field(body, "ShuffleMode")))
                .and_then(|m| PlaybackOrder::from_name(&m))
                .unwrap_or_default(),
            live_stream_id: text(field(body, "LiveStreamId")),
        },
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::convert::Infallible;
    use std::net::SocketAddr;

    use jellyfin_core::sessions::session_id;
    use tokio::net::{TcpListener, TcpStream};
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::{connect_async, MaybeTlsStream};

    use super::*;
    use crate::ServerConfig;

    type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

    const DEVICE: &str = "dev1";
    const CLIENT: &str = "TestClient";
    const WAIT: Duration = Duration::from_secs(5);

    struct Harness {
        addr: SocketAddr,
        server: Arc<Server>,
        sessions: Arc<SessionManager>,
        token: String,
        user: User,
        _dir: tempfile::TempDir,
    }

    impl Harness {
        fn session_id(&self) -> String {
            session_id(DEVICE, CLIENT)
        }

        fn url(&self) -> String {
            format!(
                "ws://{}/socket?api_key={}&deviceId={DEVICE}",
                self.addr, self.token
            )
        }

        async fn connect(&self) -> Client {
            let (ws, resp) = tokio::time::timeout(WAIT, connect_async(self.url()))
                .await
                .expect("connect timed out")
                .expect("upgrade refused");
            assert_eq!(resp.status(), StatusCode::SWITCHING_PROTOCOLS);
            ws
        }
    }

    /// A server on loopback whose every request goes to `handle_upgrade`, with a user `alice`
    /// logged in from `dev1`/`TestClient`.
    async fn start(config: WsConfig) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let server = Arc::new(Server::open(ServerConfig::new(dir.path())).unwrap());
        let auth = server.library().auth();
        let user = auth.create_user("alice", "").unwrap();
        let login = auth
            .authenticate_by_name(
                "alice",
                "",
                &DeviceInfo::new(DEVICE, "Test Device", CLIENT, "1.0"),
            )
            .unwrap();
        let sessions = Arc::new(SessionManager::default());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (srv, mgr) = (server.clone(), sessions.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (srv, mgr) = (srv.clone(), mgr.clone());
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req| {
                        let (srv, mgr) = (srv.clone(), mgr.clone());
                        async move { Ok::<_, Infallible>(handle_upgrade(srv, mgr, config, req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .with_upgrades()
                        .await;
                });
            }
        });
        Harness {
            addr,
            server,
            sessions,
            token: login.token,
            user,
            _dir: dir,
        }
    }

    async fn next_frame(ws: &mut Client) -> Option<Message> {
        match tokio::time::timeout(WAIT, ws.next()).await {
            Ok(Some(Ok(m))) => Some(m),
            Ok(_) => None,
            Err(_) => panic!("no frame within {WAIT:?}"),
        }
    }

    /// The next text message as JSON (fails on anything else).
    async fn next_json(ws: &mut Client) -> Value {
        match next_frame(ws).await {
            Some(Message::Text(t)) => serde_json::from_str(t.as_str()).unwrap(),
            other => panic!("expected a text message, got {other:?}"),
        }
    }

    async fn send_json(ws: &mut Client, v: Value) {
        ws.send(Message::text(v.to_string())).await.unwrap();
    }

    fn message_id(v: &Value) -> String {
        let id = v["MessageId"].as_str().expect("MessageId").to_owned();
        assert_eq!(id.len(), 32, "{id}");
        assert!(id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        id
    }

    fn fast() -> WsConfig {
        WsConfig {
            keep_alive_secs: 60,
            check_interval: Duration::from_millis(40),
            resend_after: Duration::from_millis(150),
            drop_after: Duration::from_millis(350),
            min_push_interval: Duration::from_millis(10),
        }
    }

    #[tokio::test]
    async fn force_keep_alive_first_then_keep_alives_and_pings_are_answered() {
        let h = start(WsConfig::default()).await;
        let mut ws = h.connect().await;
        let first = next_json(&mut ws).await;
        assert_eq!(first["MessageType"], "ForceKeepAlive");
        assert_eq!(first["Data"], 60);
        let mut ids = HashSet::from([message_id(&first)]);
        for _ in 0..3 {
            send_json(&mut ws, json!({ "MessageType": "KeepAlive" })).await;
            let reply = next_json(&mut ws).await;
            assert_eq!(reply["MessageType"], "KeepAlive");
            assert!(reply.get("Data").is_none(), "{reply}");
            assert!(
                ids.insert(message_id(&reply)),
                "MessageId repeated: {reply}"
            );
        }
        ws.send(Message::Ping(Bytes::from_static(b"p1")))
            .await
            .unwrap();
        match next_frame(&mut ws).await {
            Some(Message::Pong(p)) => assert_eq!(&p[..], b"p1"),
            other => panic!("expected a pong, got {other:?}"),
        }
        // The socket is bound to the caller's session.
        let s = h.sessions.get(&h.session_id()).expect("session created");
        assert_eq!(s.open_sockets, 1);
        assert_eq!(s.user_id, Some(h.user.id));
        assert_eq!(s.device_name, "Test Device");
    }

    #[tokio::test]
    async fn no_or_bad_token_is_401_without_upgrade() {
        let h = start(WsConfig::default()).await;
        for url in [
            format!("ws://{}/socket", h.addr),
            format!(
                "ws://{}/socket?api_key=0123456789abcdef0123456789abcdef",
                h.addr
            ),
            format!("ws://{}/socket?ApiKey=nope&deviceId={DEVICE}", h.addr),
        ] {
            match connect_async(url.as_str()).await {
                Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
                    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{url}");
                }
                Err(e) => panic!("{url}: unexpected error {e}"),
                Ok(_) => panic!("{url}: upgraded without a valid token"),
            }
        }
        assert!(h.sessions.list(&SessionFilter::default()).is_empty());
    }

    #[tokio::test]
    async fn authorization_header_and_apikey_query_authenticate() {
        let h = start(WsConfig::default()).await;
        let mut req = format!("ws://{}/any/path", h.addr)
            .into_client_request()
            .unwrap();
        req.headers_mut().insert(
            "Authorization",
            format!(
                r#"MediaBrowser Client="{CLIENT}", Device="Test Device", DeviceId="{DEVICE}", Version="1.0", Token="{}""#,
                h.token
            )
            .parse()
            .unwrap(),
        );
        let (mut ws, _) = connect_async(req).await.unwrap();
        assert_eq!(next_json(&mut ws).await["MessageType"], "ForceKeepAlive");
        let url = format!("ws://{}/socket?ApiKey={}", h.addr, h.token);
        let (mut ws2, _) = connect_async(url.as_str()).await.unwrap();
        assert_eq!(next_json(&mut ws2).await["MessageType"], "ForceKeepAlive");
        assert_eq!(h.sessions.get(&h.session_id()).unwrap().open_sockets, 2);
    }

    #[tokio::test]
    async fn idle_socket_gets_force_keep_alive_again_then_is_closed() {
        let cfg = fast();
        let h = start(cfg).await;
        let mut ws = h.connect().await;
        let t0 = Instant::now();
        let first = next_json(&mut ws).await;
        assert_eq!(first["MessageType"], "ForceKeepAlive");
        let mut ids = HashSet::from([message_id(&first)]);
        let mut resent = 0;
        loop {
            match next_frame(&mut ws).await {
                Some(Message::Text(t)) => {
                    let v: Value = serde_json::from_str(t.as_str()).unwrap();
                    assert_eq!(v["MessageType"], "ForceKeepAlive", "{v}");
                    assert_eq!(v["Data"], 60);
                    assert!(t0.elapsed() >= cfg.resend_after, "re-sent too early");
                    assert!(ids.insert(message_id(&v)), "MessageId repeated");
                    resent += 1;
                }
                Some(Message::Close(_)) | None => break,
                Some(other) => panic!("unexpected frame {other:?}"),
            }
        }
        let closed_after = t0.elapsed();
        assert!(resent >= 1, "no ForceKeepAlive re-sent before the close");
        assert!(
            closed_after >= cfg.drop_after,
            "closed after {closed_after:?}"
        );
        assert!(closed_after < WAIT, "closed after {closed_after:?}");
        // The socket is gone from the session.
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(h.sessions.get(&h.session_id()).unwrap().open_sockets, 0);
    }

    #[tokio::test]
    async fn keep_alives_keep_a_socket_open() {
        let cfg = fast();
        let h = start(cfg).await;
        let mut ws = h.connect().await;
        assert_eq!(next_json(&mut ws).await["MessageType"], "ForceKeepAlive");
        let t0 = Instant::now();
        while t0.elapsed() < cfg.drop_after * 2 {
            send_json(&mut ws, json!({ "MessageType": "KeepAlive" })).await;
            // A loaded machine may delay us past `resend_after`: a ForceKeepAlive is fine, a
            // close is not (`next_json` fails on it).
            loop {
                let v = next_json(&mut ws).await;
                if v["MessageType"] == "KeepAlive" {
                    break;
                }
                assert_eq!(v["MessageType"], "ForceKeepAlive", "{v}");
            }
            tokio::time::sleep(cfg.resend_after / 3).await;
        }
    }

    #[tokio::test]
    async fn sessions_start_pushes_the_session_list_until_stopped() {
        let h = start(WsConfig::default()).await;
        let mut ws = h.connect().await;
        assert_eq!(next_json(&mut ws).await["MessageType"], "ForceKeepAlive");
        h.sessions.report_capabilities(
            &h.session_id(),
            ClientCapabilities {
                playable_media_types: vec!["Video".into()],
                supported_commands: vec!["DisplayMessage".into()],
                supports_media_control: true,
                ..ClientCapabilities::default()
            },
        );
        send_json(
            &mut ws,
            json!({ "MessageType": "SessionsStart", "Data": "0,100" }),
        )
        .await;
        let mut ids = HashSet::new();
        for _ in 0..2 {
            let v = next_json(&mut ws).await;
            assert_eq!(v["MessageType"], "Sessions", "{v}");
            assert!(ids.insert(message_id(&v)));
            let list = v["Data"].as_array().expect("an array");
            let me = list
                .iter()
                .find(|s| s["Id"] == h.session_id().as_str())
                .expect("this session is listed");
            assert_eq!(me["UserId"], h.user.id.to_n().as_str());
            assert_eq!(me["UserName"], "alice");
            assert_eq!(me["DeviceId"], DEVICE);
            assert_eq!(me["DeviceName"], "Test Device");
            assert_eq!(me["Client"], CLIENT);
            assert_eq!(me["ApplicationVersion"], "1.0");
            assert_eq!(me["SupportsRemoteControl"], true);
            assert_eq!(me["PlayableMediaTypes"], json!(["Video"]));
            assert_eq!(me["ServerId"], h.server.id().as_str());
        }
        send_json(&mut ws, json!({ "MessageType": "SessionsStop" })).await;
        send_json(&mut ws, json!({ "MessageType": "KeepAlive" })).await;
        // Pushes already in flight may arrive before the KeepAlive answer, none after.
        loop {
            let v = next_json(&mut ws).await;
            if v["MessageType"] == "KeepAlive" {
                break;
            }
            assert_eq!(v["MessageType"], "Sessions", "{v}");
        }
        let silent = tokio::time::timeout(Duration::from_millis(350), ws.next()).await;
        assert!(silent.is_err(), "message after SessionsStop: {silent:?}");

        send_json(
            &mut ws,
            json!({ "MessageType": "ScheduledTasksInfoStart", "Data": "0,1000" }),
        )
        .await;
        let v = next_json(&mut ws).await;
        assert_eq!(v["MessageType"], "ScheduledTasksInfo");
        let tasks = v["Data"].as_array().expect("a list of tasks");
        let scan = tasks
            .iter()
            .find(|t| t["Key"] == "RefreshLibrary")
            .expect("the library scan task");
        assert_eq!(scan["State"], "Idle");
        assert_eq!(scan["IsHidden"], false);
    }

    #[tokio::test]
    async fn messages_sent_to_the_session_arrive_and_removal_closes() {
        let h = start(WsConfig::default()).await;
        let mut ws = h.connect().await;
        let first = next_json(&mut ws).await;
        assert_eq!(first["MessageType"], "ForceKeepAlive");
        let play = json!({ "ItemIds": ["abc"], "PlayCommand": "PlayNow", "StartPositionTicks": 0 });
        assert!(h
            .sessions
            .send_to_session(&h.session_id(), OutboundMessage::new("Play", play.clone())));
        let v = next_json(&mut ws).await;
        assert_eq!(v["MessageType"], "Play");
        assert_eq!(v["Data"], play);
        let id1 = message_id(&v);
        assert_ne!(id1, message_id(&first));

        let changed = json!({ "UserId": h.user.id.to_n(), "UserDataList": [] });
        assert_eq!(
            h.sessions.broadcast_to_user(
                h.user.id,
                OutboundMessage::new("UserDataChanged", changed.clone())
            ),
            1
        );
        let v = next_json(&mut ws).await;
        assert_eq!(v["MessageType"], "UserDataChanged");
        assert_eq!(v["Data"], changed);
        assert_ne!(message_id(&v), id1);

        assert_eq!(h.sessions.remove_device(DEVICE), 1);
        match next_frame(&mut ws).await {
            Some(Message::Close(_)) | None => {}
            other => panic!("expected the socket to close, got {other:?}"),
        }
    }

    #[test]
    fn session_info_dto_always_has_the_required_fields() {
        let dir = tempfile::tempdir().unwrap();
        let server = Server::open(ServerConfig::new(dir.path())).unwrap();
        let user = server.library().auth().create_user("bob", "").unwrap();
        let m = SessionManager::default();
        let auth = AuthContext {
            token: "t".into(),
            user: Some(user.clone()),
            is_api_key: false,
            device: DeviceInfo::new("d", "Phone", "App", "2.0"),
            last_activity: SystemTime::now(),
        };
        let s = m.touch(&auth).unwrap();
        let dto = session_info_dto(&server, &s);
        for key in [
            "PlayableMediaTypes",
            "UserId",
            "LastActivityDate",
            "LastPlaybackCheckIn",
            "IsActive",
            "SupportsMediaControl",
            "SupportsRemoteControl",
            "HasCustomDeviceName",
            "SupportedCommands",
            "Id",
            "PlayState",
            "Capabilities",
        ] {
            assert!(
                dto.get(key).is_some_and(|v| !v.is_null()),
                "{key} missing: {dto}"
            );
        }
        assert_eq!(dto["LastPlaybackCheckIn"], MIN_DATE);
        assert_eq!(dto["PlayState"]["RepeatMode"], "RepeatNone");
        assert!(dto.get("NowPlayingItem").is_none());

        let body = json!({
            "itemId": "0123456789abcdef0123456789abcdef", "PositionTicks": 55, "IsPaused": true,
            "PlayMethod": "DirectPlay", "AudioStreamIndex": 1, "SubtitleStreamIndex": -1,
            "RepeatMode": "RepeatAll", "PlaySessionId": "ps", "VolumeLevel": "80",
        });
        let report = playback_report_from_json(&body, None).unwrap();
        assert_eq!(report.state.volume_level, Some(80));
        assert!(m.playback_started(&s.id, report));
        let dto = session_info_dto(&server, &m.get(&s.id).unwrap());
        let ps = &dto["PlayState"];
        assert_eq!(ps["PositionTicks"], 55);
        assert_eq!(ps["IsPaused"], true);
        assert_eq!(ps["PlayMethod"], "DirectPlay");
        assert_eq!(ps["SubtitleStreamIndex"], -1);
        assert_eq!(ps["RepeatMode"], "RepeatAll");
        assert!(dto["LastPausedDate"].is_string());
        assert_ne!(dto["LastPlaybackCheckIn"], MIN_DATE);
        assert!(playback_report_from_json(&json!({ "ItemId": "x" }), None).is_none());

        let caps = capabilities_from_json(&json!({
            "playableMediaTypes": "Audio,Video", "SupportedCommands": ["SetVolume"],
            "SupportsMediaControl": true, "DeviceProfile": { "Name": "x" },
        }));
        assert_eq!(caps.playable_media_types, ["Audio", "Video"]);
        assert_eq!(caps.supported_commands, ["SetVolume"]);
        assert!(caps.supports_media_control);
        assert!(caps.supports_persistent_identifier);
        assert_eq!(caps.device_profile, Some(json!({ "Name": "x" })));
        m.report_capabilities(&s.id, caps);
        let dto = session_info_dto(&server, &m.get(&s.id).unwrap());
        assert_eq!(dto["Capabilities"]["DeviceProfile"]["Name"], "x");
        assert_eq!(dto["SupportedCommands"], json!(["SetVolume"]));
        // No socket: no remote control.
        assert_eq!(dto["SupportsRemoteControl"], false);
    }
}
