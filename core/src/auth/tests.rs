//! Tests of users and authentication on a real SQLite file.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use serde_json::json;

use super::*;
use crate::store::{self, ItemId, ItemKind, ItemRecord, LibraryKind, Store};

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).unwrap();
    (dir, store)
}

fn auth(store: &Store) -> Auth<'_> {
    Auth::new(store).with_hash_cost(HashCost::MINIMAL)
}

fn device(id: &str) -> DeviceInfo {
    DeviceInfo::new(id, format!("{id} name"), "Jellyfin Web", "10.11.0")
}

fn policy_with(f: impl FnOnce(&mut UserPolicy)) -> UserPolicy {
    let mut p = UserPolicy::default();
    f(&mut p);
    p
}

#[test]
fn password_hashing_and_verification() {
    let cases = ["", "secret", "pässwörd 🔑", &"x".repeat(500)];
    for pw in cases {
        let hash = hash_password(pw, HashCost::MINIMAL).unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=8,t=1,p=1$"),
            "{pw:?} -> {hash}"
        );
        assert!(verify_password(pw, &hash).unwrap(), "{pw:?} must verify");
        assert!(!verify_password(&format!("{pw}x"), &hash).unwrap());
        if !pw.is_empty() {
            assert!(!verify_password("", &hash).unwrap());
        }
        // A random salt: the same password hashes differently each time.
        assert_ne!(hash, hash_password(pw, HashCost::MINIMAL).unwrap());
    }
    assert!(matches!(
        verify_password("pw", "not a phc string"),
        Err(AuthError::Hash(_))
    ));
    assert!(matches!(
        hash_password(
            "pw",
            HashCost {
                memory_kib: 1,
                iterations: 1,
                parallelism: 1
            }
        ),
        Err(AuthError::Hash(HashError::Params(_)))
    ));
    assert_eq!(
        HashCost::default(),
        HashCost {
            memory_kib: 19456,
            iterations: 2,
            parallelism: 1
        }
    );
}

#[test]
fn tokens_are_unique_lower_hex_128_bit() {
    let mut seen = HashSet::new();
    for _ in 0..2000 {
        let t = new_token().unwrap();
        assert_eq!(t.len(), 32, "{t}");
        assert!(
            t.chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
            "{t}"
        );
        assert!(seen.insert(t));
    }
    let id = UserId::random().unwrap();
    assert_eq!(UserId::parse(&id.to_n()), Some(id));
    assert_eq!(id.to_n().as_bytes()[12], b'4', "version 4 GUID: {id}");
}

#[test]
fn user_names_are_checked_like_jellyfin() {
    for ok in [
        "alice",
        "Bob Smith",
        "o'neil",
        "a.b-c_d@e+f",
        "Zoë",
        "日本",
        "e\u{301}",
    ] {
        assert!(validate_user_name(ok).is_ok(), "{ok:?} should be valid");
    }
    let long = "a".repeat(256);
    for bad in [
        "",
        "   ",
        "a/b",
        "a<b",
        "tab\there",
        "semi;colon",
        long.as_str(),
    ] {
        assert!(
            matches!(validate_user_name(bad), Err(AuthError::InvalidUserName(_))),
            "{bad:?} should be invalid"
        );
    }
}

#[test]
fn users_create_get_rename_list() {
    let (_dir, store) = open();
    let a = auth(&store);
    assert!(!a.has_users().unwrap());
    let alice = a.create_user("Alice", "pw").unwrap();
    assert!(a.has_users().unwrap());
    assert!(alice.has_password());
    assert!(!alice.is_admin());
    assert!(alice.is_hidden(), "Jellyfin hides new users");
    assert_eq!(a.user(alice.id).unwrap().unwrap(), alice);
    assert_eq!(a.user_by_name("ALICE").unwrap().unwrap().id, alice.id);
    assert!(matches!(
        a.create_user("alice", ""),
        Err(AuthError::DuplicateUserName(_))
    ));
    // Unicode names are unique ignoring case too.
    a.create_user("Émile", "").unwrap();
    assert!(matches!(
        a.create_user("émile", ""),
        Err(AuthError::DuplicateUserName(_))
    ));
    let bob = a.create_user("bob", "").unwrap();
    assert!(!bob.has_password());

    assert!(matches!(
        a.rename_user(bob.id, "ALICE"),
        Err(AuthError::DuplicateUserName(_))
    ));
    assert!(matches!(
        a.rename_user(bob.id, "b/b"),
        Err(AuthError::InvalidUserName(_))
    ));
    assert_eq!(a.rename_user(bob.id, "Bob").unwrap().name, "Bob");
    assert_eq!(a.rename_user(bob.id, "Robert").unwrap().name, "Robert");
    assert!(a.user_by_name("bob").unwrap().is_none());

    let names = |f: UserFilter| -> Vec<String> {
        a.list_users(&f)
            .unwrap()
            .into_iter()
            .map(|u| u.name)
            .collect()
    };
    // Sorted by the lower-cased name, code point order.
    assert_eq!(names(UserFilter::default()), ["Alice", "Robert", "Émile"]);
    a.update_policy(alice.id, &json!({"IsHidden": false}))
        .unwrap();
    a.update_policy(bob.id, &json!({"IsDisabled": true}))
        .unwrap();
    assert_eq!(
        names(UserFilter {
            is_hidden: Some(false),
            is_disabled: None
        }),
        ["Alice"]
    );
    assert_eq!(
        names(UserFilter {
            is_hidden: None,
            is_disabled: Some(true)
        }),
        ["Robert"]
    );
    assert_eq!(
        names(UserFilter {
            is_hidden: Some(true),
            is_disabled: Some(false)
        }),
        ["Émile"]
    );
}

#[test]
fn login_relogin_revokes_only_the_same_users_device_token() {
    let (_dir, store) = open();
    let a = auth(&store);
    let alice = a.create_user("alice", "pw").unwrap();
    a.create_user("bob", "pw2").unwrap();

    let s1 = a.authenticate_by_name("Alice", "pw", &device("A")).unwrap();
    assert_eq!(s1.user.id, alice.id);
    assert_eq!(s1.token.len(), 32);
    assert!(s1.user.last_login.is_some());
    let ctx = a
        .validate_token(&s1.token, &DeviceInfo::default())
        .unwrap()
        .unwrap();
    assert_eq!(ctx.user_id(), Some(alice.id));
    assert!(!ctx.is_api_key);
    assert!(!ctx.is_admin());
    assert_eq!(ctx.device, device("A"));

    let s2 = a.authenticate_by_name("alice", "pw", &device("A")).unwrap();
    assert_ne!(s1.token, s2.token);
    assert!(a
        .validate_token(&s1.token, &DeviceInfo::default())
        .unwrap()
        .is_none());
    assert!(a
        .validate_token(&s2.token, &DeviceInfo::default())
        .unwrap()
        .is_some());

    let s3 = a.authenticate_by_name("alice", "pw", &device("B")).unwrap();
    let bob_a = a.authenticate_by_name("bob", "pw2", &device("A")).unwrap();
    for t in [&s2.token, &s3.token, &bob_a.token] {
        assert!(
            a.validate_token(t, &DeviceInfo::default())
                .unwrap()
                .is_some(),
            "{t}"
        );
    }
    let devices = a.devices(Some(alice.id)).unwrap();
    let mut ids: Vec<&str> = devices.iter().map(|d| d.device_id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["A", "B"]);
    assert_eq!(a.devices(None).unwrap().len(), 3);

    // Deleting a device revokes every token issued to it, whoever logged in.
    assert_eq!(a.delete_device("A").unwrap(), 2);
    assert!(a
        .validate_token(&s2.token, &DeviceInfo::default())
        .unwrap()
        .is_none());
    assert!(a
        .validate_token(&bob_a.token, &DeviceInfo::default())
        .unwrap()
        .is_none());
    assert!(a
        .validate_token(&s3.token, &DeviceInfo::default())
        .unwrap()
        .is_some());
}

#[test]
fn wrong_password_unknown_user_and_empty_password() {
    let (_dir, store) = open();
    let a = auth(&store);
    a.create_user("alice", "pw").unwrap();
    a.create_user("nopass", "").unwrap();
    let d = device("A");
    for (name, pw) in [
        ("alice", "PW"),
        ("alice", ""),
        ("nobody", "pw"),
        ("nopass", "x"),
    ] {
        assert!(
            matches!(
                a.authenticate_by_name(name, pw, &d),
                Err(AuthError::InvalidCredentials)
            ),
            "{name}/{pw}"
        );
    }
    assert!(a.authenticate_by_name("nopass", "", &d).is_ok());
    assert_eq!(
        a.user_by_name("alice")
            .unwrap()
            .unwrap()
            .policy
            .invalid_login_attempt_count,
        2
    );
}

#[test]
fn logout_revokes_the_token() {
    let (_dir, store) = open();
    let a = auth(&store);
    a.create_user("alice", "pw").unwrap();
    let s = a.authenticate_by_name("alice", "pw", &device("A")).unwrap();
    assert!(a.logout(&s.token).unwrap());
    assert!(a
        .validate_token(&s.token, &DeviceInfo::default())
        .unwrap()
        .is_none());
    assert!(!a.logout(&s.token).unwrap());
    assert!(a
        .validate_token("", &DeviceInfo::default())
        .unwrap()
        .is_none());
    assert!(a
        .validate_token("0123456789abcdef0123456789abcdef", &DeviceInfo::default())
        .unwrap()
        .is_none());
}

#[test]
fn api_key_acts_as_admin_without_user() {
    let (_dir, store) = open();
    let a = auth(&store);
    let key = a.create_api_key("Sonarr").unwrap();
    assert_eq!(key.token.len(), 32);
    let ctx = a
        .validate_token(&key.token, &DeviceInfo::default())
        .unwrap()
        .unwrap();
    assert!(ctx.is_api_key);
    assert!(ctx.user.is_none());
    assert!(ctx.is_admin());
    assert_eq!(ctx.device.client, "Sonarr");
    let keys = a.api_keys().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].app_name, "Sonarr");
    assert_eq!(keys[0].token, key.token);
    // Logging out a user token never removes an API key.
    assert!(!a.logout(&key.token).unwrap());
    assert!(a.revoke_api_key(&key.token).unwrap());
    assert!(a
        .validate_token(&key.token, &DeviceInfo::default())
        .unwrap()
        .is_none());
    assert!(a.api_keys().unwrap().is_empty());
}

#[test]
fn disabled_user_cannot_log_in_and_is_not_admin() {
    let (_dir, store) = open();
    let a = auth(&store);
    a.ensure_admin("root", "pw").unwrap().unwrap();
    let bob = a.create_user("bob", "pw").unwrap();
    let s = a.authenticate_by_name("bob", "pw", &device("A")).unwrap();
    let bob = a
        .update_policy(bob.id, &json!({"IsDisabled": true}))
        .unwrap();
    assert!(bob.is_disabled());
    // Disabling revoked the user's tokens.
    assert!(a
        .validate_token(&s.token, &DeviceInfo::default())
        .unwrap()
        .is_none());
    for pw in ["pw", "wrong"] {
        assert!(matches!(
            a.authenticate_by_name("bob", pw, &device("A")),
            Err(AuthError::Disabled { .. })
        ));
    }
    assert_eq!(
        a.user(bob.id)
            .unwrap()
            .unwrap()
            .policy
            .invalid_login_attempt_count,
        0,
        "a disabled account's attempts are not counted"
    );
}

#[test]
fn lockout_after_n_failures_and_reset_on_success() {
    // (LoginAttemptsBeforeLockout, administrator, failures that disable the account)
    let cases = [
        (-1, false, None),
        (0, false, Some(3)),
        (0, true, Some(5)),
        (2, false, Some(2)),
        (1, true, Some(1)),
    ];
    for (setting, admin, limit) in cases {
        let (_dir, store) = open();
        let a = auth(&store);
        let policy = policy_with(|p| {
            p.login_attempts_before_lockout = setting;
            p.is_administrator = admin;
        });
        assert_eq!(policy.lockout_limit(), limit);
        a.create_user_with_policy("u", "pw", policy).unwrap();
        let tries = limit.unwrap_or(10);
        for i in 1..=tries {
            let err = a
                .authenticate_by_name("u", "bad", &device("A"))
                .unwrap_err();
            assert!(
                matches!(err, AuthError::InvalidCredentials),
                "try {i}: {err}"
            );
        }
        let user = a.user_by_name("u").unwrap().unwrap();
        assert_eq!(user.policy.invalid_login_attempt_count, tries);
        match limit {
            Some(_) => {
                assert!(user.is_disabled(), "case {setting}/{admin}");
                assert!(matches!(
                    a.authenticate_by_name("u", "pw", &device("A")),
                    Err(AuthError::Disabled { .. })
                ));
            }
            None => {
                assert!(!user.is_disabled());
                a.authenticate_by_name("u", "pw", &device("A")).unwrap();
            }
        }
    }

    // A success resets the count.
    let (_dir, store) = open();
    let a = auth(&store);
    a.create_user_with_policy(
        "u",
        "pw",
        policy_with(|p| p.login_attempts_before_lockout = 3),
    )
    .unwrap();
    for _ in 0..2 {
        a.authenticate_by_name("u", "bad", &device("A"))
            .unwrap_err();
    }
    let s = a.authenticate_by_name("u", "pw", &device("A")).unwrap();
    assert_eq!(s.user.policy.invalid_login_attempt_count, 0);
    for _ in 0..2 {
        a.authenticate_by_name("u", "bad", &device("A"))
            .unwrap_err();
    }
    assert!(!a.user_by_name("u").unwrap().unwrap().is_disabled());
    a.authenticate_by_name("u", "bad", &device("A"))
        .unwrap_err();
    assert!(a.user_by_name("u").unwrap().unwrap().is_disabled());
}

#[test]
fn login_needs_every_device_field() {
    let (_dir, store) = open();
    let a = auth(&store);
    a.create_user("alice", "pw").unwrap();
    let full = device("A");
    type Blank = fn(&mut DeviceInfo);
    let cases: [(Blank, &str); 5] = [
        (|d| d.client.clear(), "Client"),
        (|d| d.device_name.clear(), "Device"),
        (|d| d.device_id.clear(), "DeviceId"),
        (|d| d.version.clear(), "Version"),
        (|d| d.device_id = "  ".into(), "DeviceId"),
    ];
    for (blank, expected) in cases {
        let mut d = full.clone();
        blank(&mut d);
        match a.authenticate_by_name("alice", "pw", &d) {
            Err(AuthError::MissingDeviceInfo { field }) => assert_eq!(field, expected),
            other => panic!("{expected}: {other:?}"),
        }
    }
    // Nothing was counted against the user.
    assert_eq!(
        a.user_by_name("alice")
            .unwrap()
            .unwrap()
            .policy
            .invalid_login_attempt_count,
        0
    );
}

#[test]
fn policy_json_round_trip_keeps_unknown_keys() {
    let folder = ItemId::derive(ItemKind::CollectionFolder, "/root/default/movies");
    let dashed = {
        let n = folder.to_n();
        format!(
            "{}-{}-{}-{}-{}",
            &n[..8],
            &n[8..12],
            &n[12..16],
            &n[16..20],
            &n[20..]
        )
        .to_uppercase()
    };
    let posted = json!({
        "isadministrator": true,
        "EnableAllFolders": false,
        "EnabledFolders": [dashed],
        "MaxActiveSessions": "3",
        "MaxParentalRating": 13,
        "SyncPlayAccess": "joingroups",
        "AccessSchedules": [{"DayOfWeek": "Sunday", "StartHour": 1.0, "EndHour": 5.0}],
        "FutureFlag": {"nested": [1, 2, 3]},
        "AnotherUnknown": null,
    });
    let policy = UserPolicy::from_json(&posted).unwrap();
    assert!(policy.is_administrator);
    assert!(!policy.enable_all_folders);
    assert_eq!(policy.enabled_folders, [folder]);
    assert_eq!(policy.max_active_sessions, 3);
    assert_eq!(policy.max_parental_rating, Some(13));
    assert_eq!(policy.sync_play_access, SyncPlayAccess::JoinGroups);
    let out = policy.to_json();
    assert_eq!(out["IsAdministrator"], json!(true));
    assert!(out.get("isadministrator").is_none(), "{out}");
    assert_eq!(out["EnabledFolders"], json!([folder.to_n()]));
    assert_eq!(out["MaxActiveSessions"], json!(3));
    assert_eq!(out["SyncPlayAccess"], json!("JoinGroups"));
    assert_eq!(out["FutureFlag"], json!({"nested": [1, 2, 3]}));
    assert_eq!(out["AnotherUnknown"], json!(null));
    assert_eq!(out["AccessSchedules"][0]["DayOfWeek"], json!("Sunday"));
    assert_eq!(
        out["AuthenticationProviderId"],
        json!("Jellyfin.Server.Implementations.Users.DefaultAuthenticationProvider")
    );
    assert!(
        out.get("MaxParentalSubRating").is_none(),
        "nulls are left out"
    );
    for key in UserPolicy::KEYS {
        if *key != "MaxParentalSubRating" {
            assert!(out.get(*key).is_some(), "{key} missing from {out}");
        }
    }
    assert_eq!(UserPolicy::from_json(&out).unwrap(), policy);

    // Through the store: a later partial post keeps what it does not mention.
    let (_dir, store) = open();
    let a = auth(&store);
    let admin = a.ensure_admin("root", "").unwrap().unwrap();
    let u = a.create_user("u", "").unwrap();
    a.update_policy(u.id, &posted).unwrap();
    let u = a
        .update_policy(u.id, &json!({"IsHidden": false, "futureflag": 7}))
        .unwrap();
    assert!(!u.policy.is_hidden);
    assert!(u.policy.is_administrator);
    assert_eq!(u.policy.max_active_sessions, 3);
    let stored = u.policy.to_json();
    assert_eq!(stored["futureflag"], json!(7));
    assert!(
        stored.get("FutureFlag").is_none(),
        "one key per name ignoring case: {stored}"
    );
    assert_eq!(stored["AnotherUnknown"], json!(null));
    // A value of the wrong type is refused and changes nothing.
    for bad in [
        json!({"IsAdministrator": "maybe"}),
        json!({"MaxActiveSessions": 1.5}),
        json!({"EnabledFolders": ["nope"]}),
        json!({"SyncPlayAccess": "Sometimes"}),
        json!([1, 2]),
    ] {
        assert!(
            matches!(
                a.update_policy(u.id, &bad),
                Err(AuthError::InvalidJson { .. })
            ),
            "{bad}"
        );
    }
    assert_eq!(a.user(u.id).unwrap().unwrap().policy, u.policy);
    assert!(a.user(admin.id).unwrap().unwrap().is_admin());

    // Configuration: same rules.
    let u = a
        .update_configuration(
            u.id,
            &json!({"SubtitleMode": "Smart", "AudioLanguagePreference": "fre",
                    "OrderedViews": [folder.to_n()], "CustomClientThing": "x"}),
        )
        .unwrap();
    assert_eq!(u.configuration.subtitle_mode, SubtitleMode::Smart);
    assert_eq!(
        u.configuration.audio_language_preference.as_deref(),
        Some("fre")
    );
    assert_eq!(u.configuration.ordered_views, [folder]);
    let u = a
        .update_configuration(u.id, &json!({"AudioLanguagePreference": null}))
        .unwrap();
    assert_eq!(u.configuration.audio_language_preference, None);
    let cfg = u.configuration.to_json();
    assert_eq!(cfg["CustomClientThing"], json!("x"));
    assert_eq!(cfg["SubtitleMode"], json!("Smart"));
    assert_eq!(cfg["HidePlayedInLatest"], json!(true));
    assert!(cfg.get("AudioLanguagePreference").is_none());
}

#[test]
fn policy_guard_rails() {
    let (_dir, store) = open();
    let a = auth(&store);
    let root = a.ensure_admin("root", "").unwrap().unwrap();
    assert!(matches!(
        a.update_policy(root.id, &json!({"IsAdministrator": false})),
        Err(AuthError::LastAdministrator)
    ));
    assert!(matches!(
        a.update_policy(root.id, &json!({"IsDisabled": true})),
        Err(AuthError::AdministratorCannotBeDisabled)
    ));
    let second = a.create_user("second", "").unwrap();
    a.update_policy(second.id, &json!({"IsAdministrator": true}))
        .unwrap();
    // With two administrators one may step down.
    a.update_policy(root.id, &json!({"IsAdministrator": false}))
        .unwrap();

    // The last enabled user stays enabled (only reachable without administrators).
    let (_dir, store) = open();
    let a = auth(&store);
    let x = a.create_user("x", "").unwrap();
    let y = a.create_user("y", "").unwrap();
    a.update_policy(x.id, &json!({"IsDisabled": true})).unwrap();
    assert!(matches!(
        a.update_policy(y.id, &json!({"IsDisabled": true})),
        Err(AuthError::LastEnabledUser)
    ));
}

#[test]
fn ensure_admin_is_idempotent() {
    let (_dir, store) = open();
    let a = auth(&store);
    assert!(matches!(
        a.ensure_admin("bad/name", "pw"),
        Err(AuthError::InvalidUserName(_))
    ));
    let admin = a.ensure_admin("admin", "secret").unwrap().unwrap();
    assert!(admin.is_admin());
    assert!(admin.policy.enable_content_deletion);
    assert!(admin.policy.enable_remote_control_of_other_users);
    assert!(a.ensure_admin("admin", "secret").unwrap().is_none());
    assert!(a.ensure_admin("other", "x").unwrap().is_none());
    assert_eq!(a.list_users(&UserFilter::default()).unwrap().len(), 1);
    let s = a
        .authenticate_by_name("admin", "secret", &device("cli"))
        .unwrap();
    assert!(a
        .validate_token(&s.token, &DeviceInfo::default())
        .unwrap()
        .unwrap()
        .is_admin());
}

#[test]
fn change_password_verifies_and_revokes_other_tokens() {
    let (_dir, store) = open();
    let a = auth(&store);
    let u = a.create_user("u", "old").unwrap();
    let keep = a.authenticate_by_name("u", "old", &device("A")).unwrap();
    let other = a.authenticate_by_name("u", "old", &device("B")).unwrap();
    assert!(matches!(
        a.change_password(u.id, Some("wrong"), "new", None),
        Err(AuthError::InvalidCredentials)
    ));
    a.change_password(u.id, Some("old"), "new", Some(&keep.token))
        .unwrap();
    assert!(a
        .validate_token(&keep.token, &DeviceInfo::default())
        .unwrap()
        .is_some());
    assert!(a
        .validate_token(&other.token, &DeviceInfo::default())
        .unwrap()
        .is_none());
    assert!(a.authenticate_by_name("u", "old", &device("C")).is_err());
    a.authenticate_by_name("u", "new", &device("C")).unwrap();
    // An administrator's reset needs no current password; empty means no password.
    a.change_password(u.id, None, "", None).unwrap();
    let u = a.user(u.id).unwrap().unwrap();
    assert!(!u.has_password());
    a.authenticate_by_name("u", "", &device("D")).unwrap();
    assert!(matches!(
        a.change_password(UserId([9; 16]), None, "x", None),
        Err(AuthError::UserNotFound)
    ));
}

#[test]
fn validation_records_activity_and_device_changes_sparingly() {
    let (_dir, store) = open();
    let a = auth(&store);
    a.create_user("u", "pw").unwrap();
    let s = a.authenticate_by_name("u", "pw", &device("A")).unwrap();
    let ctx = store.read(|c| token_context(c, &s.token)).unwrap().unwrap();
    let t0 = ctx.last_activity;
    let same = device("A");
    assert!(!ctx.needs_touch(&same, t0 + Duration::from_secs(5)));
    assert!(!ctx.needs_touch(&DeviceInfo::default(), t0 + Duration::from_secs(5)));
    assert!(ctx.needs_touch(&same, t0 + ACTIVITY_WRITE_INTERVAL));
    let mut renamed = device("A");
    renamed.device_name = "Living room".into();
    renamed.version = "10.11.1".into();
    assert!(ctx.needs_touch(&renamed, t0 + Duration::from_secs(5)));

    let later = t0 + Duration::from_secs(120);
    store
        .write(|tx| touch_token(tx, &ctx, &renamed, later))
        .unwrap();
    let ctx2 = store.read(|c| token_context(c, &s.token)).unwrap().unwrap();
    assert_eq!(ctx2.device.device_name, "Living room");
    assert_eq!(ctx2.device.version, "10.11.1");
    assert_eq!(
        ctx2.device.client, "Jellyfin Web",
        "empty or same values are kept"
    );
    assert_eq!(ctx2.last_activity, later);
    assert_eq!(ctx2.user.as_ref().unwrap().last_activity, Some(later));
    // Through the handle, a changed name is written at once.
    let mut again = renamed.clone();
    again.device_name = "Bedroom".into();
    let ctx3 = a.validate_token(&s.token, &again).unwrap().unwrap();
    assert_eq!(ctx3.device.device_name, "Bedroom");
    assert_eq!(a.devices(None).unwrap()[0].device_name, "Bedroom");
    a.set_device_custom_name("A", Some("TV")).unwrap();
    assert_eq!(
        a.devices(None).unwrap()[0].custom_name.as_deref(),
        Some("TV")
    );
    a.set_device_custom_name("A", None).unwrap();
    assert_eq!(a.devices(None).unwrap()[0].custom_name, None);
}

#[test]
fn deleting_a_user_cascades_and_keeps_the_last_admin() {
    let (_dir, store) = open();
    let a = auth(&store);
    let root = a.ensure_admin("root", "").unwrap().unwrap();
    assert!(matches!(a.delete_user(root.id), Err(AuthError::LastUser)));
    let bob = a.create_user("bob", "pw").unwrap();
    assert!(matches!(
        a.delete_user(root.id),
        Err(AuthError::LastAdministrator)
    ));
    let s = a.authenticate_by_name("bob", "pw", &device("A")).unwrap();
    let movie = store
        .write(|tx| {
            let lib = store::put_library(tx, "Movies", LibraryKind::Movies, &["/m".into()])?;
            let mut rec = ItemRecord::new(ItemKind::Movie, "/m/a.mkv", "A");
            rec.parent_id = Some(lib);
            rec.library_id = Some(lib);
            store::upsert_item(tx, &rec)?;
            Ok::<_, store::StoreError>(rec.id.unwrap())
        })
        .unwrap();
    store
        .write(|tx| {
            tx.execute(
                "INSERT INTO user_data (user_id, item_id, is_favorite) VALUES (?1, ?2, 1)",
                rusqlite::params![&bob.id.0[..], &movie.0[..]],
            )?;
            Ok::<_, AuthError>(())
        })
        .unwrap();
    a.delete_user(bob.id).unwrap();
    assert!(a.user(bob.id).unwrap().is_none());
    assert!(a
        .validate_token(&s.token, &DeviceInfo::default())
        .unwrap()
        .is_none());
    let (devices, data): (i64, i64) = store
        .read(|c| {
            c.query_row(
                "SELECT (SELECT COUNT(*) FROM devices), (SELECT COUNT(*) FROM user_data)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(AuthError::from)
        })
        .unwrap();
    assert_eq!((devices, data), (0, 0));
    assert!(matches!(
        a.delete_user(bob.id),
        Err(AuthError::UserNotFound)
    ));
}

#[test]
fn library_access_and_parental_limit() {
    let lib = ItemId::derive(ItemKind::CollectionFolder, "/root/default/kids");
    let mut user = User {
        id: UserId([1; 16]),
        name: "kid".into(),
        password_hash: None,
        policy: UserPolicy::default(),
        configuration: UserConfiguration::default(),
        created: SystemTime::UNIX_EPOCH,
        last_login: None,
        last_activity: None,
    };
    assert_eq!(visible_library_ids(&user), None);
    assert_eq!(max_parental_rating(&user), None);
    user.policy
        .merge_json(&json!({"EnableAllFolders": false, "EnabledFolders": [lib.to_n()], "MaxParentalRating": 10}))
        .unwrap();
    assert_eq!(visible_library_ids(&user), Some(vec![lib]));
    assert_eq!(max_parental_rating(&user), Some(10));
    user.policy.enabled_folders.clear();
    assert_eq!(visible_library_ids(&user), Some(vec![]));
}

/// With the token cache, a token's validation follows every change at once: logout, device
/// deletion, a policy change, a lockout by failed logins on another device.
#[test]
fn cached_tokens_follow_revocations_and_lockouts() {
    let (_dir, store) = open();
    let tokens = TokenCache::default();
    let a = auth(&store).with_token_cache(&tokens);
    a.create_user_with_policy(
        "u",
        "pw",
        policy_with(|p| p.login_attempts_before_lockout = 2),
    )
    .unwrap();
    let seen = device("A");
    let t1 = a.authenticate_by_name("u", "pw", &seen).unwrap().token;
    let t2 = a
        .authenticate_by_name("u", "pw", &device("B"))
        .unwrap()
        .token;
    for _ in 0..3 {
        let ctx = a.validate_token(&t1, &seen).unwrap().unwrap();
        assert_eq!(ctx.user.as_ref().unwrap().name, "u");
    }
    assert!(
        !tokens.entries.lock().unwrap().is_empty(),
        "validated tokens are kept"
    );
    // A policy change shows in the cached context.
    let id = a.user_by_name("u").unwrap().unwrap().id;
    a.update_policy(id, &json!({ "EnableContentDownloading": false }))
        .unwrap();
    let ctx = a.validate_token(&t1, &seen).unwrap().unwrap();
    assert!(!ctx.user.unwrap().policy.enable_content_downloading);
    // Logout revokes at once.
    assert!(a.logout(&t1).unwrap());
    assert!(a.validate_token(&t1, &seen).unwrap().is_none());
    // Failed logins on device C lock the user out: device B's token sees the disabled user.
    assert!(!a
        .validate_token(&t2, &device("B"))
        .unwrap()
        .unwrap()
        .user
        .unwrap()
        .is_disabled());
    for _ in 0..2 {
        a.authenticate_by_name("u", "bad", &device("C"))
            .unwrap_err();
    }
    assert!(a
        .validate_token(&t2, &device("B"))
        .unwrap()
        .unwrap()
        .user
        .unwrap()
        .is_disabled());
    // Deleting the device revokes its token.
    a.delete_device(&device("B").device_id).unwrap();
    assert!(a.validate_token(&t2, &device("B")).unwrap().is_none());
}
