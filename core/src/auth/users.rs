//! User accounts in the store: create, read, rename, delete, password hash, policy and
//! configuration updates with Jellyfin's guard rails.

use std::time::SystemTime;

use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use serde_json::Value;

use super::tokens::revoke_user_tokens;
use super::{
    from_ms, to_ms, user_id_from_blob, AuthError, AuthResult, UserConfiguration, UserId, UserPolicy,
};
use crate::store::StoreError;

/// A user account.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// Random id.
    pub id: UserId,
    /// Name, unique ignoring case.
    pub name: String,
    /// Argon2id PHC string; `None` when the user has no password.
    pub password_hash: Option<String>,
    /// What the user may do.
    pub policy: UserPolicy,
    /// The user's own settings.
    pub configuration: UserConfiguration,
    /// When the account was created.
    pub created: SystemTime,
    /// The last successful login.
    pub last_login: Option<SystemTime>,
    /// The last request made with one of the user's tokens (written at most once a minute).
    pub last_activity: Option<SystemTime>,
}

impl User {
    /// Whether the user has a password (Jellyfin's `HasPassword`).
    pub fn has_password(&self) -> bool {
        self.password_hash.is_some()
    }

    /// Whether the user is an administrator.
    pub fn is_admin(&self) -> bool {
        self.policy.is_administrator
    }

    /// Whether the account is disabled.
    pub fn is_disabled(&self) -> bool {
        self.policy.is_disabled
    }

    /// Whether the account is hidden from the login screen.
    pub fn is_hidden(&self) -> bool {
        self.policy.is_hidden
    }
}

/// Which users [`list_users`] returns; `None` fields match everyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UserFilter {
    /// Only hidden (`Some(true)`) or only visible (`Some(false)`) users.
    pub is_hidden: Option<bool>,
    /// Only disabled or only enabled users.
    pub is_disabled: Option<bool>,
}

impl UserFilter {
    fn matches(&self, user: &User) -> bool {
        self.is_hidden.is_none_or(|h| user.policy.is_hidden == h)
            && self
                .is_disabled
                .is_none_or(|d| user.policy.is_disabled == d)
    }
}

/// The longest user name accepted.
const MAX_NAME_CHARS: usize = 255;

/// Checks a user name as Jellyfin does: not blank, at most 255 characters, only letters, digits,
/// combining marks, spaces and `-`, `_`, `'`, `.`, `@`, `+`.
pub fn validate_user_name(name: &str) -> AuthResult<()> {
    let ok = !name.trim().is_empty()
        && name.chars().count() <= MAX_NAME_CHARS
        && name.chars().all(|c| {
            c.is_alphanumeric()
                || matches!(c, ' ' | '-' | '_' | '\'' | '.' | '@' | '+')
                || is_combining_mark(c)
        });
    if ok {
        Ok(())
    } else {
        Err(AuthError::InvalidUserName(name.to_owned()))
    }
}

/// Combining diacritical marks (the common blocks of Unicode's non-spacing marks).
fn is_combining_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// The uniqueness key of a name: lower case, Unicode-aware.
fn name_key(name: &str) -> String {
    name.to_lowercase()
}

const USER_COLUMNS: &str = "id, name, password_hash, policy, configuration, created_ms, \
                            last_login_ms, last_activity_ms";

fn read_user(row: &Row<'_>) -> rusqlite::Result<(Vec<u8>, RawUser)> {
    Ok((
        row.get(0)?,
        RawUser {
            name: row.get(1)?,
            password_hash: row.get(2)?,
            policy: row.get(3)?,
            configuration: row.get(4)?,
            created_ms: row.get(5)?,
            last_login_ms: row.get(6)?,
            last_activity_ms: row.get(7)?,
        },
    ))
}

struct RawUser {
    name: String,
    password_hash: Option<String>,
    policy: String,
    configuration: String,
    created_ms: i64,
    last_login_ms: Option<i64>,
    last_activity_ms: Option<i64>,
}

fn parse_json(text: &str, column: &'static str) -> AuthResult<Value> {
    serde_json::from_str(text).map_err(|_| AuthError::Store(StoreError::Corrupt { column }))
}

fn build_user((id, raw): (Vec<u8>, RawUser)) -> AuthResult<User> {
    Ok(User {
        id: user_id_from_blob(&id)?,
        name: raw.name,
        password_hash: raw.password_hash,
        policy: UserPolicy::from_json(&parse_json(&raw.policy, "users.policy")?)?,
        configuration: UserConfiguration::from_json(&parse_json(
            &raw.configuration,
            "users.configuration",
        )?)?,
        created: from_ms(raw.created_ms),
        last_login: raw.last_login_ms.map(from_ms),
        last_activity: raw.last_activity_ms.map(from_ms),
    })
}

/// Whether any user exists.
pub fn has_users(conn: &Connection) -> AuthResult<bool> {
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM users)", [], |r| r.get(0))?)
}

/// Users matching `filter`, sorted by name ignoring case.
pub fn list_users(conn: &Connection, filter: &UserFilter) -> AuthResult<Vec<User>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {USER_COLUMNS} FROM users ORDER BY name_key"
    ))?;
    let rows = stmt.query_map([], read_user)?;
    let mut out = Vec::new();
    for row in rows {
        let user = build_user(row?)?;
        if filter.matches(&user) {
            out.push(user);
        }
    }
    Ok(out)
}

/// The user with this id.
pub fn get_user(conn: &Connection, id: UserId) -> AuthResult<Option<User>> {
    conn.prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"))?
        .query_row([&id.0[..]], read_user)
        .optional()?
        .map(build_user)
        .transpose()
}

/// The user with this name, ignoring case.
pub fn get_user_by_name(conn: &Connection, name: &str) -> AuthResult<Option<User>> {
    conn.prepare_cached(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE name_key = ?1"
    ))?
    .query_row([name_key(name)], read_user)
    .optional()?
    .map(build_user)
    .transpose()
}

/// Inserts a new user with a random id. `password_hash` is a PHC string (see
/// [`super::hash_password`]) or `None` for no password.
pub fn insert_user(
    tx: &Transaction<'_>,
    name: &str,
    password_hash: Option<&str>,
    policy: &UserPolicy,
    configuration: &UserConfiguration,
    now: SystemTime,
) -> AuthResult<User> {
    validate_user_name(name)?;
    if get_user_by_name(tx, name)?.is_some() {
        return Err(AuthError::DuplicateUserName(name.to_owned()));
    }
    let id = UserId::random()?;
    tx.execute(
        "INSERT INTO users (id, name, name_key, password_hash, policy, configuration, created_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            &id.0[..],
            name,
            name_key(name),
            password_hash,
            policy.to_json().to_string(),
            configuration.to_json().to_string(),
            to_ms(now),
        ],
    )?;
    get_user(tx, id)?.ok_or(AuthError::UserNotFound)
}

/// Renames a user. The same name is a no-op; a change of case only is allowed; a name another
/// user has (ignoring case) is refused.
pub fn rename_user(tx: &Transaction<'_>, id: UserId, new_name: &str) -> AuthResult<User> {
    let user = get_user(tx, id)?.ok_or(AuthError::UserNotFound)?;
    if user.name == new_name {
        return Ok(user);
    }
    validate_user_name(new_name)?;
    if let Some(other) = get_user_by_name(tx, new_name)? {
        if other.id != id {
            return Err(AuthError::DuplicateUserName(new_name.to_owned()));
        }
    }
    tx.execute(
        "UPDATE users SET name = ?2, name_key = ?3 WHERE id = ?1",
        params![&id.0[..], new_name, name_key(new_name)],
    )?;
    get_user(tx, id)?.ok_or(AuthError::UserNotFound)
}

/// Deletes a user; their tokens and user data go with them (foreign keys). Refuses the last
/// user and the last administrator, as Jellyfin does.
pub fn delete_user(tx: &Transaction<'_>, id: UserId) -> AuthResult<()> {
    let user = get_user(tx, id)?.ok_or(AuthError::UserNotFound)?;
    let all = list_users(tx, &UserFilter::default())?;
    if all.len() == 1 {
        return Err(AuthError::LastUser);
    }
    if user.is_admin() && all.iter().filter(|u| u.is_admin()).count() == 1 {
        return Err(AuthError::LastAdministrator);
    }
    tx.execute("DELETE FROM users WHERE id = ?1", [&id.0[..]])?;
    Ok(())
}

/// Replaces a user's password hash (`None`: no password).
pub fn set_password_hash(
    tx: &Transaction<'_>,
    id: UserId,
    password_hash: Option<&str>,
) -> AuthResult<()> {
    let n = tx.execute(
        "UPDATE users SET password_hash = ?2 WHERE id = ?1",
        params![&id.0[..], password_hash],
    )?;
    if n == 0 {
        return Err(AuthError::UserNotFound);
    }
    Ok(())
}

/// Writes a whole policy as is (no guard rails; for the lockout and tests).
pub(crate) fn store_policy(
    tx: &Transaction<'_>,
    id: UserId,
    policy: &UserPolicy,
) -> AuthResult<()> {
    tx.execute(
        "UPDATE users SET policy = ?2 WHERE id = ?1",
        params![&id.0[..], policy.to_json().to_string()],
    )?;
    Ok(())
}

/// Merges a posted `UserPolicy` object into the user's policy, with Jellyfin's guard rails:
/// the last administrator keeps administrator rights ([`AuthError::LastAdministrator`]), an
/// administrator cannot be disabled ([`AuthError::AdministratorCannotBeDisabled`]), the last
/// enabled user cannot be disabled ([`AuthError::LastEnabledUser`]). Disabling a user revokes
/// all their tokens.
pub fn update_policy(tx: &Transaction<'_>, id: UserId, posted: &Value) -> AuthResult<User> {
    let user = get_user(tx, id)?.ok_or(AuthError::UserNotFound)?;
    let mut policy = user.policy.clone();
    policy.merge_json(posted)?;
    let all = list_users(tx, &UserFilter::default())?;
    if !policy.is_administrator
        && user.is_admin()
        && all.iter().filter(|u| u.is_admin()).count() == 1
    {
        return Err(AuthError::LastAdministrator);
    }
    if policy.is_disabled && user.is_admin() {
        return Err(AuthError::AdministratorCannotBeDisabled);
    }
    let disabling = policy.is_disabled && !user.is_disabled();
    if disabling && all.iter().filter(|u| !u.is_disabled()).count() == 1 {
        return Err(AuthError::LastEnabledUser);
    }
    store_policy(tx, id, &policy)?;
    if disabling {
        revoke_user_tokens(tx, id, None)?;
    }
    get_user(tx, id)?.ok_or(AuthError::UserNotFound)
}

/// Merges a posted `UserConfiguration` object into the user's configuration.
pub fn update_configuration(tx: &Transaction<'_>, id: UserId, posted: &Value) -> AuthResult<User> {
    let user = get_user(tx, id)?.ok_or(AuthError::UserNotFound)?;
    let mut configuration = user.configuration.clone();
    configuration.merge_json(posted)?;
    tx.execute(
        "UPDATE users SET configuration = ?2 WHERE id = ?1",
        params![&id.0[..], configuration.to_json().to_string()],
    )?;
    get_user(tx, id)?.ok_or(AuthError::UserNotFound)
}

/// Records a successful login: resets the failed count, sets the last login and activity.
pub(crate) fn record_login(tx: &Transaction<'_>, user: &User, now: SystemTime) -> AuthResult<()> {
    if user.policy.invalid_login_attempt_count != 0 {
        let mut policy = user.policy.clone();
        policy.invalid_login_attempt_count = 0;
        store_policy(tx, user.id, &policy)?;
    }
    tx.execute(
        "UPDATE users SET last_login_ms = ?2, last_activity_ms = ?2 WHERE id = ?1",
        params![&user.id.0[..], to_ms(now)],
    )?;
    Ok(())
}

/// Records a failed login: counts it and disables the account when the lockout limit is
/// reached. Returns whether the account is now disabled.
pub(crate) fn record_failed_login(tx: &Transaction<'_>, user: &User) -> AuthResult<bool> {
    let mut policy = user.policy.clone();
    policy.invalid_login_attempt_count = policy.invalid_login_attempt_count.saturating_add(1);
    if let Some(limit) = policy.lockout_limit() {
        if policy.invalid_login_attempt_count >= limit {
            policy.is_disabled = true;
        }
    }
    store_policy(tx, user.id, &policy)?;
    Ok(policy.is_disabled)
}

/// Sets the user's last activity.
pub(crate) fn touch_user(tx: &Transaction<'_>, id: UserId, now: SystemTime) -> AuthResult<()> {
    tx.execute(
        "UPDATE users SET last_activity_ms = ?2 WHERE id = ?1",
        params![&id.0[..], to_ms(now)],
    )?;
    Ok(())
}
