//! Quick Connect (Jellyfin 10.11's `QuickConnectManager`): a device without a keyboard asks for
//! a login, shows a 6-digit code, and a signed-in user approves the code elsewhere; the device
//! then exchanges its secret for an access token.
//!
//! The flow:
//! 1. [`QuickConnect::initiate`] (anonymous, with the device's `Client`, `Device`, `DeviceId`,
//!    `Version`): a request with a random secret (64 upper-case hex digits) and a code.
//! 2. [`QuickConnect::status`] by secret (the device polls): `authenticated` once approved.
//! 3. [`QuickConnect::authorize`] by code, for a user: logs the user in on the requesting device
//!    (one token per user and device, as a password login) and marks the request approved.
//! 4. [`QuickConnect::authenticate`] by secret: the session created in step 3.
//!
//! Requests and approvals expire 10 minutes after they are made; an approved request is kept
//! one more minute from its approval so the polling device sees it. Everything fails with
//! [`AuthError::QuickConnectDisabled`] while the server's `QuickConnectAvailable` is off.
//!
//! The pending requests live in a [`QuickConnectState`] owned by the library handle (never in a
//! global); they do not survive a restart, as in Jellyfin.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use super::tokens::{authenticate_session, DeviceInfo, Session};
use super::{fill_random, new_token, Auth, AuthError, AuthResult, UserId};
use crate::store::StoreError;

/// How long a request (and an approval) stays valid.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// How many digits a code has.
pub const CODE_LENGTH: u32 = 6;

/// One Quick Connect request (Jellyfin's `QuickConnectResult`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuickConnectRequest {
    /// Whether a user approved it.
    pub authenticated: bool,
    /// The secret the requesting device holds.
    pub secret: String,
    /// The code shown to the user.
    pub code: String,
    /// The requesting device.
    pub device: DeviceInfo,
    /// When it was made (moved to one minute after approval when approved).
    pub date_added: SystemTime,
}

/// The pending requests and approved sessions of one server.
#[derive(Debug, Default)]
pub struct QuickConnectState {
    /// Pending and approved requests by code.
    requests: Mutex<HashMap<String, QuickConnectRequest>>,
    /// Approved secrets: when approved, and the session made for the device.
    authorized: Mutex<HashMap<String, (SystemTime, Session)>>,
}

impl QuickConnectState {
    fn expire(&self, now: SystemTime) -> AuthResult<()> {
        let fresh = |t: SystemTime| now.duration_since(t).map_or(true, |d| d < REQUEST_TIMEOUT);
        self.requests
            .lock()
            .map_err(|_| StoreError::Poisoned)?
            .retain(|_, r| fresh(r.date_added));
        self.authorized
            .lock()
            .map_err(|_| StoreError::Poisoned)?
            .retain(|_, (t, _)| fresh(*t));
        Ok(())
    }
}

/// The Quick Connect operations over a [`QuickConnectState`] and the users' store.
#[derive(Debug, Clone, Copy)]
pub struct QuickConnect<'a> {
    state: &'a QuickConnectState,
    auth: Auth<'a>,
    enabled: bool,
}

impl<'a> QuickConnect<'a> {
    /// The operations; `enabled` is the server's `QuickConnectAvailable`.
    pub fn new(state: &'a QuickConnectState, auth: Auth<'a>, enabled: bool) -> Self {
        Self {
            state,
            auth,
            enabled,
        }
    }

    /// Whether Quick Connect is available.
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    fn check_enabled(&self) -> AuthResult<()> {
        if self.enabled {
            Ok(())
        } else {
            Err(AuthError::QuickConnectDisabled)
        }
    }

    /// Starts a request for `device` (every field needed, as for a login).
    pub fn initiate(&self, device: &DeviceInfo) -> AuthResult<QuickConnectRequest> {
        self.initiate_at(device, SystemTime::now())
    }

    fn initiate_at(&self, device: &DeviceInfo, now: SystemTime) -> AuthResult<QuickConnectRequest> {
        device.check_complete()?;
        self.check_enabled()?;
        self.state.expire(now)?;
        let mut secret = [0u8; 32];
        fill_random(&mut secret)?;
        let mut requests = self
            .state
            .requests
            .lock()
            .map_err(|_| StoreError::Poisoned)?;
        // A fresh code: never one that is pending.
        let code = loop {
            let code = new_code()?;
            if !requests.contains_key(&code) {
                break code;
            }
        };
        let request = QuickConnectRequest {
            authenticated: false,
            secret: secret.iter().map(|b| format!("{b:02X}")).collect(),
            code: code.clone(),
            device: device.clone(),
            date_added: now,
        };
        requests.insert(code, request.clone());
        Ok(request)
    }

    /// The request holding `secret` ([`AuthError::QuickConnectUnknown`] when there is none).
    pub fn status(&self, secret: &str) -> AuthResult<QuickConnectRequest> {
        self.status_at(secret, SystemTime::now())
    }

    fn status_at(&self, secret: &str, now: SystemTime) -> AuthResult<QuickConnectRequest> {
        self.check_enabled()?;
        self.state.expire(now)?;
        self.state
            .requests
            .lock()
            .map_err(|_| StoreError::Poisoned)?
            .values()
            .find(|r| !secret.is_empty() && r.secret == secret)
            .cloned()
            .ok_or(AuthError::QuickConnectUnknown)
    }

    /// Approves the request with `code` for `user`: logs the user in on the requesting device.
    /// [`AuthError::QuickConnectUnknown`] for an unknown or expired code,
    /// [`AuthError::QuickConnectAlreadyAuthorized`] when it was approved already; a disabled
    /// user is [`AuthError::Disabled`].
    pub fn authorize(&self, code: &str, user: UserId) -> AuthResult<()> {
        self.authorize_at(code, user, SystemTime::now())
    }

    fn authorize_at(&self, code: &str, user: UserId, now: SystemTime) -> AuthResult<()> {
        self.check_enabled()?;
        self.state.expire(now)?;
        let device = {
            let requests = self
                .state
                .requests
                .lock()
                .map_err(|_| StoreError::Poisoned)?;
            let request = requests
                .get(code.trim())
                .ok_or(AuthError::QuickConnectUnknown)?;
            if request.authenticated {
                return Err(AuthError::QuickConnectAlreadyAuthorized);
            }
            request.device.clone()
        };
        let token = new_token()?;
        let session = self
            .auth
            .store()
            .write(|tx| authenticate_session(tx, user, true, &device, &token, now))??;
        let mut requests = self
            .state
            .requests
            .lock()
            .map_err(|_| StoreError::Poisoned)?;
        let request = requests
            .get_mut(code.trim())
            .ok_or(AuthError::QuickConnectUnknown)?;
        // Kept a minute longer than the approval, so the polling device sees it.
        request.date_added = now + Duration::from_secs(60);
        request.authenticated = true;
        self.state
            .authorized
            .lock()
            .map_err(|_| StoreError::Poisoned)?
            .insert(request.secret.clone(), (now, session));
        Ok(())
    }

    /// The session approved for `secret` ([`AuthError::QuickConnectUnknown`] when the secret is
    /// unknown, not approved yet, or expired).
    pub fn authenticate(&self, secret: &str) -> AuthResult<Session> {
        self.authenticate_at(secret, SystemTime::now())
    }

    fn authenticate_at(&self, secret: &str, now: SystemTime) -> AuthResult<Session> {
        self.check_enabled()?;
        self.state.expire(now)?;
        let session = self
            .state
            .authorized
            .lock()
            .map_err(|_| StoreError::Poisoned)?
            .get(secret)
            .map(|(_, s)| s.clone())
            .ok_or(AuthError::QuickConnectUnknown)?;
        // The user as stored now (a rename or policy change since the approval shows).
        let user = self
            .auth
            .user(session.user.id)?
            .ok_or(AuthError::UserNotFound)?;
        Ok(Session { user, ..session })
    }
}

/// A uniformly random code of [`CODE_LENGTH`] digits, without a leading zero (as Jellyfin's).
fn new_code() -> AuthResult<String> {
    let min = 10u32.pow(CODE_LENGTH - 1);
    let span = 9 * min;
    // Rejection sampling: no bias towards small codes.
    let limit = u32::MAX - u32::MAX % span;
    loop {
        let mut raw = [0u8; 4];
        fill_random(&mut raw)?;
        let n = u32::from_le_bytes(raw);
        if n < limit {
            return Ok((min + n % span).to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::HashCost;
    use crate::store::Store;

    fn device() -> DeviceInfo {
        DeviceInfo::new("tv-1", "Living room TV", "Jellyfin TV", "1.0")
    }

    #[test]
    fn codes_have_six_digits() {
        for _ in 0..200 {
            let c = new_code().unwrap();
            assert_eq!(c.len(), 6, "{c}");
            assert!(c.bytes().all(|b| b.is_ascii_digit()) && !c.starts_with('0'));
        }
    }

    #[test]
    fn the_whole_flow_and_its_refusals() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let auth = Auth::new(&store).with_hash_cost(HashCost::MINIMAL);
        let admin = auth.ensure_admin("admin", "pw").unwrap().unwrap();
        let state = QuickConnectState::default();
        let qc = QuickConnect::new(&state, auth, true);
        let t0 = SystemTime::now();

        // Device fields are required; disabled refuses everything.
        assert!(matches!(
            qc.initiate_at(&DeviceInfo::default(), t0),
            Err(AuthError::MissingDeviceInfo { .. })
        ));
        let off = QuickConnect::new(&state, auth, false);
        assert!(matches!(
            off.initiate_at(&device(), t0),
            Err(AuthError::QuickConnectDisabled)
        ));

        let req = qc.initiate_at(&device(), t0).unwrap();
        assert_eq!(req.secret.len(), 64);
        assert!(req.secret.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(!req.authenticated);
        assert_eq!(qc.status_at(&req.secret, t0).unwrap(), req);
        assert!(matches!(
            qc.status_at("nope", t0),
            Err(AuthError::QuickConnectUnknown)
        ));
        assert!(matches!(
            qc.authenticate_at(&req.secret, t0),
            Err(AuthError::QuickConnectUnknown)
        ));
        assert!(matches!(
            qc.authorize_at("000000", admin.id, t0),
            Err(AuthError::QuickConnectUnknown)
        ));

        let t1 = t0 + Duration::from_secs(30);
        qc.authorize_at(&req.code, admin.id, t1).unwrap();
        assert!(matches!(
            qc.authorize_at(&req.code, admin.id, t1),
            Err(AuthError::QuickConnectAlreadyAuthorized)
        ));
        assert!(qc.status_at(&req.secret, t1).unwrap().authenticated);
        let session = qc.authenticate_at(&req.secret, t1).unwrap();
        assert_eq!(session.user.id, admin.id);
        assert_eq!(session.device, device());
        // The token works like a password login's.
        let ctx = auth
            .validate_token(&session.token, &DeviceInfo::default())
            .unwrap()
            .unwrap();
        assert_eq!(ctx.user_id(), Some(admin.id));
        assert_eq!(ctx.device.device_id, "tv-1");

        // Ten minutes after the approval, everything is gone.
        let late = t1 + REQUEST_TIMEOUT + Duration::from_secs(61);
        assert!(matches!(
            qc.status_at(&req.secret, late),
            Err(AuthError::QuickConnectUnknown)
        ));
        assert!(matches!(
            qc.authenticate_at(&req.secret, late),
            Err(AuthError::QuickConnectUnknown)
        ));

        // An unapproved request expires after ten minutes.
        let other = qc.initiate_at(&device(), late).unwrap();
        let later = late + REQUEST_TIMEOUT + Duration::from_secs(1);
        assert!(qc.status_at(&other.secret, late).is_ok());
        assert!(matches!(
            qc.authorize_at(&other.code, admin.id, later),
            Err(AuthError::QuickConnectUnknown)
        ));
    }

    #[test]
    fn a_disabled_user_cannot_be_authorized() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let auth = Auth::new(&store).with_hash_cost(HashCost::MINIMAL);
        auth.ensure_admin("admin", "pw").unwrap().unwrap();
        let viewer = auth.create_user("viewer", "pw").unwrap();
        auth.update_policy(viewer.id, &serde_json::json!({"IsDisabled": true}))
            .unwrap();
        let state = QuickConnectState::default();
        let qc = QuickConnect::new(&state, auth, true);
        let req = qc.initiate(&device()).unwrap();
        assert!(matches!(
            qc.authorize(&req.code, viewer.id),
            Err(AuthError::Disabled { .. })
        ));
        assert!(!qc.status(&req.secret).unwrap().authenticated);
    }
}
