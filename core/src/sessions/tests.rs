use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{RecvTimeoutError, TryRecvError};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, SystemTime};

use serde_json::json;

use super::*;
use crate::auth::{DeviceInfo, User, UserConfiguration, UserId, UserPolicy};

fn user(n: u8, name: &str) -> User {
    User {
        id: UserId([n; 16]),
        name: name.into(),
        password_hash: None,
        policy: UserPolicy::default(),
        configuration: UserConfiguration::default(),
        created: SystemTime::UNIX_EPOCH,
        last_login: None,
        last_activity: None,
    }
}

fn admin(n: u8, name: &str) -> User {
    let mut u = user(n, name);
    u.policy = UserPolicy::first_admin();
    u
}

fn auth(user: Option<&User>, device_id: &str, client: &str) -> AuthContext {
    AuthContext {
        token: "t".into(),
        user: user.cloned(),
        is_api_key: user.is_none(),
        device: DeviceInfo::new(device_id, format!("{device_id} name"), client, "1.0"),
        last_activity: SystemTime::UNIX_EPOCH,
    }
}

fn item(n: u8) -> ItemId {
    ItemId([n; 16])
}

fn msg(t: &str) -> OutboundMessage {
    OutboundMessage::new(t, json!({ "n": t }))
}

#[test]
fn session_id_is_md5_of_device_and_client() {
    // md5(b"dev1\0Jellyfin Web"), computed independently.
    assert_eq!(
        session_id("dev1", "Jellyfin Web"),
        "0e02009941449b499353bf4089955cda"
    );
    assert_ne!(session_id("dev1", "A"), session_id("dev1", "B"));
    assert_ne!(session_id("ab", "c"), session_id("a", "bc"));
}

#[test]
fn touch_creates_and_refreshes_one_session_per_device_and_client() {
    let m = SessionManager::default();
    let alice = user(1, "alice");
    let bob = user(2, "bob");
    let t0 = SystemTime::now();
    let s = m.touch_at(&auth(Some(&alice), "dev1", "Web"), t0).unwrap();
    assert_eq!(s.id, session_id("dev1", "Web"));
    assert_eq!(s.device_name, "dev1 name");
    assert_eq!(s.app_version, "1.0");
    assert_eq!(s.user_id, Some(alice.id));
    assert_eq!(s.user_name.as_deref(), Some("alice"));
    assert_eq!(s.last_activity, t0);
    assert!(s.is_active());

    // Same device and client, new user and version: same session, updated.
    let mut a = auth(Some(&bob), "dev1", "Web");
    a.device.version = "2.0".into();
    a.device.device_name = String::new(); // not sent: keep the old name
    let t1 = t0 + Duration::from_secs(5);
    let s2 = m.touch_at(&a, t1).unwrap();
    assert_eq!(s2.id, s.id);
    assert_eq!(s2.user_name.as_deref(), Some("bob"));
    assert_eq!(s2.app_version, "2.0");
    assert_eq!(s2.device_name, "dev1 name");
    assert_eq!(s2.last_activity, t1);

    // Another client on the same device is another session.
    m.touch_at(&auth(Some(&bob), "dev1", "Other"), t1).unwrap();
    assert_eq!(m.by_device("DEV1").len(), 2);
    // No device id or no client: no session.
    assert!(m.touch(&auth(Some(&bob), "", "Web")).is_none());
    assert!(m.touch(&auth(Some(&bob), "dev9", " ")).is_none());
    assert_eq!(m.list_at(&SessionFilter::default(), t1).len(), 2);
    // Ids are looked up ignoring case.
    assert_eq!(m.get(&s.id.to_uppercase()).unwrap().id, s.id);
}

#[test]
fn remote_control_needs_the_capability_and_an_open_socket() {
    let m = SessionManager::default();
    let s = m.touch(&auth(Some(&user(1, "a")), "dev1", "Web")).unwrap();
    assert!(!s.supports_remote_control());
    assert!(m.report_capabilities(
        &s.id,
        ClientCapabilities {
            playable_media_types: vec!["Video".into()],
            supported_commands: vec!["DisplayMessage".into()],
            supports_media_control: true,
            device_profile: Some(json!({ "Name": "p" })),
            ..ClientCapabilities::default()
        }
    ));
    assert!(!m.report_capabilities("nope", ClientCapabilities::default()));
    let s = m.get(&s.id).unwrap();
    assert_eq!(s.capabilities.playable_media_types, ["Video"]);
    assert_eq!(s.capabilities.device_profile, Some(json!({ "Name": "p" })));
    assert!(!s.supports_remote_control(), "no socket yet");
    assert!(s.is_active());

    let sub = m.subscribe(&s.id).unwrap();
    let s2 = m.get(&s.id).unwrap();
    assert_eq!(s2.open_sockets, 1);
    assert!(s2.supports_remote_control());
    assert!(s2.is_active());

    drop(sub);
    let s3 = m.get(&s.id).unwrap();
    assert_eq!(s3.open_sockets, 0);
    assert!(!s3.supports_remote_control());
    assert!(
        !s3.is_active(),
        "a session that lost its socket is inactive"
    );
}

#[test]
fn playback_reports_set_and_clear_now_playing() {
    let m = SessionManager::default();
    let s = m.touch(&auth(Some(&user(1, "a")), "dev1", "Web")).unwrap();
    assert!(s.now_playing.is_none());
    assert!(s.last_playback_check_in.is_none());

    let mut r = PlaybackReport::new(item(7));
    r.play_session_id = Some("ps".into());
    r.state.position_ticks = Some(10);
    r.state.play_method = Some(PlayMethod::DirectPlay);
    r.state.can_seek = true;
    assert!(m.playback_started(&s.id, r.clone()));
    let now = m.get(&s.id).unwrap();
    let np = now.now_playing.clone().unwrap();
    assert_eq!(np.item_id, item(7));
    assert_eq!(np.play_session_id.as_deref(), Some("ps"));
    assert_eq!(np.state.position_ticks, Some(10));
    assert!(now.last_playback_check_in.is_some());
    assert!(now.last_paused.is_none());

    r.state.position_ticks = Some(20);
    r.state.is_paused = true;
    r.state.volume_level = Some(50);
    assert!(m.playback_progress(&s.id, r.clone()));
    let now = m.get(&s.id).unwrap();
    let st = &now.now_playing.as_ref().unwrap().state;
    assert_eq!(st.position_ticks, Some(20));
    assert!(st.is_paused);
    assert_eq!(st.volume_level, Some(50));
    let paused_at = now.last_paused.unwrap();
    // Still paused: the pause time stays; unpaused: cleared.
    m.playback_progress(&s.id, r.clone());
    assert_eq!(m.get(&s.id).unwrap().last_paused, Some(paused_at));
    r.state.is_paused = false;
    m.playback_progress(&s.id, r.clone());
    assert!(m.get(&s.id).unwrap().last_paused.is_none());

    // A stop of another item leaves the now-playing item; a stop of it clears it.
    assert!(m.playback_stopped(&s.id, item(8)));
    assert!(m.get(&s.id).unwrap().now_playing.is_some());
    assert!(m.playback_stopped(&s.id, item(7)));
    assert!(m.get(&s.id).unwrap().now_playing.is_none());
    assert!(!m.playback_stopped("unknown", item(7)));

    // Progress for an item that was never started makes it the now-playing item.
    m.playback_progress(&s.id, PlaybackReport::new(item(9)));
    assert_eq!(m.get(&s.id).unwrap().now_playing.unwrap().item_id, item(9));
    assert!(m.set_viewing(&s.id, Some(item(3))));
    assert_eq!(m.get(&s.id).unwrap().now_viewing, Some(item(3)));
}

#[test]
fn list_filters_like_jellyfin() {
    let m = SessionManager::default();
    let alice = user(1, "alice");
    let bob = user(2, "bob");
    let t0 = SystemTime::now() - Duration::from_secs(100);
    let a = m.touch_at(&auth(Some(&alice), "devA", "Web"), t0).unwrap();
    let b = m
        .touch_at(
            &auth(Some(&bob), "devB", "Web"),
            t0 + Duration::from_secs(50),
        )
        .unwrap();
    let k = m
        .touch_at(&auth(None, "devK", "Kiosk"), t0 + Duration::from_secs(90))
        .unwrap();
    let ids =
        |f: &SessionFilter| -> Vec<String> { m.list(f).into_iter().map(|s| s.device_id).collect() };

    // Most recently active first.
    assert_eq!(ids(&SessionFilter::default()), ["devK", "devB", "devA"]);
    assert_eq!(
        ids(&SessionFilter {
            device_id: Some("DEVB".into()),
            ..Default::default()
        }),
        ["devB"]
    );
    assert_eq!(
        ids(&SessionFilter {
            active_within: Some(Duration::from_secs(60)),
            ..Default::default()
        }),
        ["devK", "devB"]
    );
    // Zero means no limit.
    assert_eq!(
        ids(&SessionFilter {
            active_within: Some(Duration::ZERO),
            ..Default::default()
        })
        .len(),
        3
    );
    // A non-administrator sees their own sessions and those without a user.
    assert_eq!(
        ids(&SessionFilter {
            owner: Some(alice.id),
            ..Default::default()
        }),
        ["devK", "devA"]
    );

    // Controllable: only sessions with remote control (capability + socket).
    let caps = ClientCapabilities {
        supports_media_control: true,
        ..Default::default()
    };
    let mut subs = Vec::new();
    for s in [&a, &b, &k] {
        m.report_capabilities(&s.id, caps.clone());
        subs.push(m.subscribe(&s.id).unwrap());
    }
    let ctl = |user: &User, others: bool, shared: bool| SessionFilter {
        controllable_by: Some(Controller {
            user_id: user.id,
            control_other_users: others,
            shared_device_control: shared,
        }),
        ..Default::default()
    };
    assert_eq!(ids(&ctl(&alice, false, false)), ["devA"]);
    assert_eq!(ids(&ctl(&alice, false, true)), ["devK", "devA"]);
    assert_eq!(ids(&ctl(&alice, true, true)), ["devK", "devB", "devA"]);
    assert_eq!(ids(&ctl(&alice, true, false)), ["devB", "devA"]);
    drop(subs.remove(0));
    assert_eq!(ids(&ctl(&alice, true, true)), ["devK", "devB"]);
}

#[test]
fn filter_for_caller_follows_the_policies() {
    let alice = user(1, "alice");
    let boss = admin(2, "boss");
    let f = SessionFilter::for_caller(&auth(Some(&alice), "d", "c"), None);
    assert_eq!(f.owner, Some(alice.id));
    let f = SessionFilter::for_caller(&auth(Some(&boss), "d", "c"), None);
    assert_eq!(f, SessionFilter::default());
    let f = SessionFilter::for_caller(&auth(None, "d", "c"), None);
    assert_eq!(f, SessionFilter::default());

    let f = SessionFilter::for_caller(&auth(Some(&alice), "d", "c"), Some(&alice));
    let c = f.controllable_by.unwrap();
    assert_eq!(c.user_id, alice.id);
    assert!(!c.control_other_users);
    assert!(
        c.shared_device_control,
        "Jellyfin's default policy allows shared devices"
    );
    assert_eq!(f.owner, None);
    let f = SessionFilter::for_caller(&auth(Some(&boss), "d", "c"), Some(&alice));
    assert!(f.controllable_by.unwrap().control_other_users);
}

#[test]
fn messages_reach_the_subscribed_sockets_only() {
    let m = SessionManager::default();
    let alice = user(1, "alice");
    let bob = user(2, "bob");
    let a1 = m.touch(&auth(Some(&alice), "a1", "Web")).unwrap();
    let a2 = m.touch(&auth(Some(&alice), "a2", "Web")).unwrap();
    let b = m.touch(&auth(Some(&bob), "b", "Web")).unwrap();
    assert!(m.subscribe("unknown").is_none());
    assert!(!m.send_to_session(&a1.id, msg("early")), "no socket yet");

    let s_a1 = m.subscribe(&a1.id).unwrap();
    let s_a1_bis = m.subscribe(&a1.id).unwrap();
    let s_a2 = m.subscribe(&a2.id).unwrap();
    let s_b = m.subscribe(&b.id).unwrap();
    assert_eq!(s_a1.session_id(), a1.id);
    assert_eq!(m.get(&a1.id).unwrap().open_sockets, 2);

    assert!(m.send_to_session(&a1.id, msg("Play")));
    assert!(!m.send_to_session("unknown", msg("Play")));
    assert_eq!(m.broadcast_to_user(alice.id, msg("UserDataChanged")), 3);
    assert_eq!(m.broadcast(msg("LibraryChanged")), 4);

    let drain = |s: &Subscription| -> Vec<String> {
        std::iter::from_fn(|| s.try_recv().ok())
            .map(|m| m.message_type)
            .collect()
    };
    assert_eq!(drain(&s_a1), ["Play", "UserDataChanged", "LibraryChanged"]);
    assert_eq!(
        drain(&s_a1_bis),
        ["Play", "UserDataChanged", "LibraryChanged"]
    );
    assert_eq!(drain(&s_a2), ["UserDataChanged", "LibraryChanged"]);
    assert_eq!(drain(&s_b), ["LibraryChanged"]);
    assert_eq!(s_b.try_recv(), Err(TryRecvError::Empty));
    let got = {
        m.send_to_session(&b.id, msg("GeneralCommand"));
        s_b.try_recv().unwrap()
    };
    assert_eq!(got, msg("GeneralCommand"));

    drop(s_a1);
    drop(s_a1_bis);
    assert!(
        !m.send_to_session(&a1.id, msg("Play")),
        "its sockets are gone"
    );
    assert_eq!(m.broadcast_to_user(alice.id, msg("x")), 1);
}

#[test]
fn removing_a_device_ends_its_subscriptions() {
    let m = SessionManager::default();
    let u = user(1, "u");
    let s = m.touch(&auth(Some(&u), "dev", "Web")).unwrap();
    let other = m.touch(&auth(Some(&u), "dev", "Other")).unwrap();
    let keep = m.touch(&auth(Some(&u), "keep", "Web")).unwrap();
    let sub = m.subscribe(&s.id).unwrap();
    m.send_to_session(&s.id, msg("last"));
    assert_eq!(m.remove_device("DEV"), 2);
    assert!(m.get(&s.id).is_none());
    assert!(m.get(&other.id).is_none());
    assert!(m.get(&keep.id).is_some());
    // Queued messages are still delivered, then the end.
    assert_eq!(sub.try_recv().unwrap().message_type, "last");
    assert_eq!(sub.try_recv(), Err(TryRecvError::Disconnected));
    assert_eq!(
        sub.recv_timeout(Duration::from_secs(5)),
        Err(RecvTimeoutError::Disconnected)
    );

    assert!(m.remove(&keep.id));
    assert!(!m.remove(&keep.id));
    let s = m.touch(&auth(Some(&u), "x", "Web")).unwrap();
    assert_eq!(m.remove_user(u.id), 1);
    assert!(m.get(&s.id).is_none());
}

#[test]
fn idle_sessions_expire_unless_a_socket_is_open() {
    let m = SessionManager::new(SessionConfig {
        idle_expiry: Duration::from_secs(600),
        playback_idle: Duration::from_secs(300),
    });
    let u = user(1, "u");
    let t0 = SystemTime::now();
    let idle = m.touch_at(&auth(Some(&u), "idle", "Web"), t0).unwrap();
    let sock = m.touch_at(&auth(Some(&u), "sock", "Web"), t0).unwrap();
    let sub = m.subscribe(&sock.id).unwrap();

    assert!(m.expire_idle(t0 + Duration::from_secs(599)).is_empty());
    assert_eq!(
        m.expire_idle(t0 + Duration::from_secs(600)),
        [idle.id.as_str()]
    );
    // The socket keeps its session however long it is quiet.
    assert!(m.expire_idle(t0 + Duration::from_secs(6000)).is_empty());
    assert!(m.get(&sock.id).is_some());
    // Once the socket closes, expiry counts from the close.
    drop(sub);
    let closed = SystemTime::now();
    assert!(m.expire_idle(closed + Duration::from_secs(599)).is_empty());
    assert_eq!(
        m.expire_idle(closed + Duration::from_secs(600)),
        [sock.id.as_str()]
    );

    // Activity refreshes the expiry.
    let s = m.touch_at(&auth(Some(&u), "s", "Web"), t0).unwrap();
    m.touch_at(&auth(Some(&u), "s", "Web"), t0 + Duration::from_secs(500));
    assert!(m.expire_idle(t0 + Duration::from_secs(700)).is_empty());
    assert!(m
        .list_at(&SessionFilter::default(), t0 + Duration::from_secs(1100))
        .is_empty());
    assert!(m.get(&s.id).is_none());
}

#[test]
fn a_player_that_stops_reporting_stops_playing() {
    let m = SessionManager::default();
    let s = m.touch(&auth(Some(&user(1, "u")), "d", "Web")).unwrap();
    let t0 = SystemTime::now();
    m.playback_report_at(&s.id, PlaybackReport::new(item(1)), t0);
    let _sub = m.subscribe(&s.id).unwrap();
    m.expire_idle(t0 + Duration::from_secs(299));
    assert!(m.get(&s.id).unwrap().now_playing.is_some());
    m.expire_idle(t0 + Duration::from_secs(300));
    assert!(m.get(&s.id).unwrap().now_playing.is_none());
}

struct CountWake(AtomicUsize);

impl Wake for CountWake {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn subscriptions_poll_and_wake_without_a_runtime() {
    let m = Arc::new(SessionManager::default());
    let s = m.touch(&auth(Some(&user(1, "u")), "d", "Web")).unwrap();
    let sub = m.subscribe(&s.id).unwrap();
    let count = Arc::new(CountWake(AtomicUsize::new(0)));
    let waker = Waker::from(count.clone());
    let mut cx = Context::from_waker(&waker);
    assert_eq!(sub.poll_recv(&mut cx), Poll::Pending);
    assert_eq!(count.0.load(Ordering::SeqCst), 0);
    m.send_to_session(&s.id, msg("a"));
    assert_eq!(
        count.0.load(Ordering::SeqCst),
        1,
        "the send wakes the poller"
    );
    assert_eq!(sub.poll_recv(&mut cx), Poll::Ready(Some(msg("a"))));

    // Blocking receive across threads.
    let m2 = m.clone();
    let id = s.id.clone();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        m2.send_to_session(&id, msg("b"))
    });
    assert_eq!(sub.recv_timeout(Duration::from_secs(5)), Ok(msg("b")));
    assert!(t.join().unwrap());
    assert_eq!(
        sub.recv_timeout(Duration::from_millis(10)),
        Err(RecvTimeoutError::Timeout)
    );

    // Removal wakes the poller with the end.
    assert_eq!(sub.poll_recv(&mut cx), Poll::Pending);
    m.remove(&s.id);
    assert_eq!(count.0.load(Ordering::SeqCst), 2);
    assert_eq!(sub.poll_recv(&mut cx), Poll::Ready(None));
}

#[test]
fn a_slow_listener_keeps_the_newest_messages() {
    let m = SessionManager::default();
    let s = m.touch(&auth(Some(&user(1, "u")), "d", "Web")).unwrap();
    let sub = m.subscribe(&s.id).unwrap();
    for i in 0..MAX_QUEUED_MESSAGES + 5 {
        assert!(m.send_to_session(&s.id, OutboundMessage::new("M", json!(i))));
    }
    assert_eq!(sub.try_recv().unwrap().data, json!(5));
    let rest = std::iter::from_fn(|| sub.try_recv().ok()).count();
    assert_eq!(rest, MAX_QUEUED_MESSAGES - 1);
}

#[test]
fn enum_names_round_trip() {
    for m in [
        PlayMethod::Transcode,
        PlayMethod::DirectStream,
        PlayMethod::DirectPlay,
    ] {
        assert_eq!(PlayMethod::from_name(&m.name().to_lowercase()), Some(m));
    }
    assert_eq!(
        RepeatMode::from_name("RepeatOne"),
        Some(RepeatMode::RepeatOne)
    );
    assert_eq!(
        PlaybackOrder::from_name("shuffle"),
        Some(PlaybackOrder::Shuffle)
    );
    assert_eq!(PlaybackOrder::from_name("nope"), None);
    assert_eq!(RepeatMode::default().name(), "RepeatNone");
}
