//! Access tokens: logins (one token per user and device id), validation, logout, devices and
//! API keys.

use std::time::{Duration, SystemTime};

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::users::{get_user, record_failed_login, record_login, touch_user, User};
use super::{from_ms, to_ms, user_id_from_blob, AuthError, AuthResult, UserId};

/// How often a token's (and its user's) last activity is written while requests keep coming.
pub const ACTIVITY_WRITE_INTERVAL: Duration = Duration::from_secs(60);

/// What a client says about itself in its authorization header.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceInfo {
    /// `DeviceId`: stable per installation.
    pub device_id: String,
    /// `Device`: the device's name.
    pub device_name: String,
    /// `Client`: the app's name.
    pub client: String,
    /// `Version`: the app's version.
    pub version: String,
}

impl DeviceInfo {
    /// A device description.
    pub fn new(
        device_id: impl Into<String>,
        device_name: impl Into<String>,
        client: impl Into<String>,
        version: impl Into<String>,
    ) -> Self {
        Self {
            device_id: device_id.into(),
            device_name: device_name.into(),
            client: client.into(),
            version: version.into(),
        }
    }

    /// A login needs every field non-blank.
    pub(crate) fn check_complete(&self) -> AuthResult<()> {
        for (value, field) in [
            (&self.client, "Client"),
            (&self.device_name, "Device"),
            (&self.device_id, "DeviceId"),
            (&self.version, "Version"),
        ] {
            if value.trim().is_empty() {
                return Err(AuthError::MissingDeviceInfo { field });
            }
        }
        Ok(())
    }
}

/// A successful login.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// The new access token (32 lower-case hex digits).
    pub token: String,
    /// The user, as stored after the login.
    pub user: User,
    /// The device logged in from.
    pub device: DeviceInfo,
}

/// Who a valid token belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthContext {
    /// The token.
    pub token: String,
    /// The user; `None` for an API key. A disabled user still validates (answer 403, not 401).
    pub user: Option<User>,
    /// Whether the token is an API key (acts as an administrator).
    pub is_api_key: bool,
    /// The device as stored (for an API key: only `client`, the key's app name).
    pub device: DeviceInfo,
    /// The token's last recorded activity.
    pub last_activity: SystemTime,
}

impl AuthContext {
    /// Whether the caller has administrator rights: an API key, or an enabled administrator.
    pub fn is_admin(&self) -> bool {
        self.is_api_key
            || self
                .user
                .as_ref()
                .is_some_and(|u| u.policy.is_administrator && !u.policy.is_disabled)
    }

    /// The user's id, if a user is behind the token.
    pub fn user_id(&self) -> Option<UserId> {
        self.user.as_ref().map(|u| u.id)
    }

    /// Whether validating this token at `now` with `seen` from the request should write.
    pub(crate) fn needs_touch(&self, seen: &DeviceInfo, now: SystemTime) -> bool {
        let stale = |t: SystemTime| {
            now.duration_since(t)
                .is_ok_and(|d| d >= ACTIVITY_WRITE_INTERVAL)
        };
        stale(self.last_activity)
            || changed(&seen.device_name, &self.device.device_name)
            || changed(&seen.version, &self.device.version)
            || (!self.is_api_key && changed(&seen.client, &self.device.client))
            || self
                .user
                .as_ref()
                .is_some_and(|u| u.last_activity.is_none_or(stale))
    }
}

/// Whether a value sent in a request (empty: not sent) differs from the stored one.
fn changed(seen: &str, stored: &str) -> bool {
    !seen.trim().is_empty() && seen != stored
}

/// A device a user logged in from (Jellyfin keeps one token per user and device id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// The client's `DeviceId`.
    pub device_id: String,
    /// The device's name as last reported.
    pub device_name: String,
    /// A name an administrator gave the device.
    pub custom_name: Option<String>,
    /// The app's name.
    pub app_name: String,
    /// The app's version as last reported.
    pub app_version: String,
    /// The user logged in.
    pub user_id: UserId,
    /// That user's name.
    pub user_name: String,
    /// The access token.
    pub access_token: String,
    /// When the login happened.
    pub created: SystemTime,
    /// The last recorded activity.
    pub last_activity: SystemTime,
}

/// An API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// A stable numeric id.
    pub id: i64,
    /// The key itself (32 lower-case hex digits).
    pub token: String,
    /// The app it was made for.
    pub app_name: String,
    /// When it was created.
    pub created: SystemTime,
    /// The last recorded use.
    pub last_activity: SystemTime,
}

/// Completes a login for `user_id` in one transaction, given whether the password matched
/// (checked by the caller outside the writer lock). The outer error is a store failure (rolled
/// back); the inner result is the login's outcome, committed either way: a failure counts
/// towards the lockout, a success resets the count, records the login, revokes the user's older
/// tokens for `device.device_id` and stores `token`.
pub fn authenticate_session(
    tx: &Transaction<'_>,
    user_id: UserId,
    password_ok: bool,
    device: &DeviceInfo,
    token: &str,
    now: SystemTime,
) -> AuthResult<AuthResult<Session>> {
    device.check_complete()?;
    let Some(user) = get_user(tx, user_id)? else {
        return Ok(Err(AuthError::InvalidCredentials));
    };
    if user.policy.is_disabled {
        return Ok(Err(AuthError::Disabled { name: user.name }));
    }
    if !password_ok {
        record_failed_login(tx, &user)?;
        return Ok(Err(AuthError::InvalidCredentials));
    }
    record_login(tx, &user, now)?;
    tx.execute(
        "DELETE FROM devices WHERE user_id = ?1 AND device_id = ?2",
        params![&user_id.0[..], device.device_id],
    )?;
    tx.execute(
        "INSERT INTO devices (access_token, user_id, device_id, device_name, app_name,
            app_version, created_ms, last_activity_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        params![
            token,
            &user_id.0[..],
            device.device_id,
            device.device_name,
            device.client,
            device.version,
            to_ms(now),
        ],
    )?;
    let user = get_user(tx, user_id)?.ok_or(AuthError::UserNotFound)?;
    Ok(Ok(Session {
        token: token.to_owned(),
        user,
        device: device.clone(),
    }))
}

/// The identity behind `token` (one indexed lookup in the devices, then in the API keys), or
/// `None` when it is unknown or revoked.
pub fn token_context(conn: &Connection, token: &str) -> AuthResult<Option<AuthContext>> {
    if token.is_empty() {
        return Ok(None);
    }
    let row = conn
        .prepare_cached(
            "SELECT user_id, device_id, device_name, app_name, app_version, last_activity_ms
             FROM devices WHERE access_token = ?1",
        )?
        .query_row([token], |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                DeviceInfo {
                    device_id: r.get(1)?,
                    device_name: r.get(2)?,
                    client: r.get(3)?,
                    version: r.get(4)?,
                },
                r.get::<_, i64>(5)?,
            ))
        })
        .optional()?;
    if let Some((user_id, device, last_activity)) = row {
        let Some(user) = get_user(conn, user_id_from_blob(&user_id)?)? else {
            return Ok(None);
        };
        return Ok(Some(AuthContext {
            token: token.to_owned(),
            user: Some(user),
            is_api_key: false,
            device,
            last_activity: from_ms(last_activity),
        }));
    }
    let key = conn
        .prepare_cached("SELECT name, last_activity_ms FROM api_keys WHERE access_token = ?1")?
        .query_row([token], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })
        .optional()?;
    Ok(key.map(|(name, last_activity)| AuthContext {
        token: token.to_owned(),
        user: None,
        is_api_key: true,
        device: DeviceInfo {
            client: name,
            ..DeviceInfo::default()
        },
        last_activity: from_ms(last_activity),
    }))
}

/// Records a request made with a validated token: its last activity, a changed device name, app
/// name or app version (non-empty values in `seen`), and the user's last activity when older
/// than [`ACTIVITY_WRITE_INTERVAL`].
pub fn touch_token(
    tx: &Transaction<'_>,
    ctx: &AuthContext,
    seen: &DeviceInfo,
    now: SystemTime,
) -> AuthResult<()> {
    let now_ms = to_ms(now);
    if ctx.is_api_key {
        tx.execute(
            "UPDATE api_keys SET last_activity_ms = ?2 WHERE access_token = ?1",
            params![ctx.token, now_ms],
        )?;
        return Ok(());
    }
    let pick = |seen: &str, stored: &str| {
        if changed(seen, stored) {
            seen.to_owned()
        } else {
            stored.to_owned()
        }
    };
    tx.execute(
        "UPDATE devices SET device_name = ?2, app_name = ?3, app_version = ?4,
            last_activity_ms = ?5
         WHERE access_token = ?1",
        params![
            ctx.token,
            pick(&seen.device_name, &ctx.device.device_name),
            pick(&seen.client, &ctx.device.client),
            pick(&seen.version, &ctx.device.version),
            now_ms,
        ],
    )?;
    if let Some(user) = &ctx.user {
        let stale = user.last_activity.is_none_or(|t| {
            now.duration_since(t)
                .is_ok_and(|d| d >= ACTIVITY_WRITE_INTERVAL)
        });
        if stale {
            touch_user(tx, user.id, now)?;
        }
    }
    Ok(())
}

/// Revokes a user's token (logout). Returns whether it existed.
pub fn logout(tx: &Transaction<'_>, token: &str) -> AuthResult<bool> {
    Ok(tx.execute("DELETE FROM devices WHERE access_token = ?1", [token])? > 0)
}

/// Revokes every token of a user but `except`. Returns how many.
pub fn revoke_user_tokens(
    tx: &Transaction<'_>,
    user: UserId,
    except: Option<&str>,
) -> AuthResult<usize> {
    Ok(tx.execute(
        "DELETE FROM devices WHERE user_id = ?1 AND access_token IS NOT ?2",
        params![&user.0[..], except],
    )?)
}

/// The devices (one per user and device id), most recently active first; only `user`'s when
/// given.
pub fn devices(conn: &Connection, user: Option<UserId>) -> AuthResult<Vec<Device>> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.device_id, d.device_name, o.custom_name, d.app_name, d.app_version, d.user_id,
            u.name, d.access_token, d.created_ms, d.last_activity_ms
         FROM devices d JOIN users u ON u.id = d.user_id
         LEFT JOIN device_options o ON o.device_id = d.device_id
         WHERE ?1 IS NULL OR d.user_id = ?1
         ORDER BY d.last_activity_ms DESC, d.device_id",
    )?;
    let rows = stmt.query_map([user.map(|u| u.0.to_vec())], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, Vec<u8>>(5)?,
            r.get::<_, String>(6)?,
            r.get::<_, String>(7)?,
            r.get::<_, i64>(8)?,
            r.get::<_, i64>(9)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (
            device_id,
            device_name,
            custom_name,
            app_name,
            app_version,
            uid,
            user_name,
            token,
            c,
            a,
        ) = row?;
        out.push(Device {
            device_id,
            device_name,
            custom_name,
            app_name,
            app_version,
            user_id: user_id_from_blob(&uid)?,
            user_name,
            access_token: token,
            created: from_ms(c),
            last_activity: from_ms(a),
        });
    }
    Ok(out)
}

/// Deletes a device: revokes every token issued to this device id, whoever logged in.
/// Returns how many.
pub fn delete_device(tx: &Transaction<'_>, device_id: &str) -> AuthResult<usize> {
    Ok(tx.execute("DELETE FROM devices WHERE device_id = ?1", [device_id])?)
}

/// Sets (or clears) the custom name of a device.
pub fn set_device_custom_name(
    tx: &Transaction<'_>,
    device_id: &str,
    name: Option<&str>,
) -> AuthResult<()> {
    match name.filter(|n| !n.trim().is_empty()) {
        Some(name) => tx.execute(
            "INSERT INTO device_options (device_id, custom_name) VALUES (?1, ?2)
             ON CONFLICT(device_id) DO UPDATE SET custom_name = excluded.custom_name",
            params![device_id, name],
        )?,
        None => tx.execute(
            "DELETE FROM device_options WHERE device_id = ?1",
            [device_id],
        )?,
    };
    Ok(())
}

/// The custom name of a device, if an administrator set one.
pub fn device_custom_name(conn: &Connection, device_id: &str) -> AuthResult<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT custom_name FROM device_options WHERE device_id = ?1",
            [device_id],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

/// Stores a new API key `token` for `app_name`.
pub fn create_api_key(
    tx: &Transaction<'_>,
    app_name: &str,
    token: &str,
    now: SystemTime,
) -> AuthResult<ApiKey> {
    tx.execute(
        "INSERT INTO api_keys (access_token, name, created_ms, last_activity_ms)
         VALUES (?1, ?2, ?3, ?3)",
        params![token, app_name, to_ms(now)],
    )?;
    Ok(ApiKey {
        id: tx.last_insert_rowid(),
        token: token.to_owned(),
        app_name: app_name.to_owned(),
        created: from_ms(to_ms(now)),
        last_activity: from_ms(to_ms(now)),
    })
}

/// The API keys, oldest first.
pub fn api_keys(conn: &Connection) -> AuthResult<Vec<ApiKey>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, access_token, name, created_ms, last_activity_ms FROM api_keys ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(ApiKey {
            id: r.get(0)?,
            token: r.get(1)?,
            app_name: r.get(2)?,
            created: from_ms(r.get(3)?),
            last_activity: from_ms(r.get(4)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Revokes an API key by its token. Returns whether it existed.
pub fn revoke_api_key(tx: &Transaction<'_>, token: &str) -> AuthResult<bool> {
    Ok(tx.execute("DELETE FROM api_keys WHERE access_token = ?1", [token])? > 0)
}
