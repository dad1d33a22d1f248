//! Users and authentication: accounts (unique names ignoring case, Argon2id passwords, Jellyfin's
//! `UserPolicy` and `UserConfiguration` kept as JSON objects with unknown keys preserved), logins
//! from a device (one access token per user and device), token validation, devices, API keys,
//! the failed-login lockout, the first administrator, and which libraries a user may see; also
//! users' avatars ([`avatar`]) and Quick Connect logins ([`quick_connect`]).
//!
//! Rules follow Jellyfin 10.11 (`UserManager`, `SessionManager`, `DeviceManager`,
//! `UserController`):
//! - A login needs non-empty `Client`, `Device`, `DeviceId` and `Version`.
//! - A wrong password counts towards `LoginAttemptsBeforeLockout` (-1: never lock; 0: Jellyfin's
//!   default, 3 tries, 5 for administrators; n: n tries); reaching it disables the account. A
//!   success resets the count. A disabled account cannot log in, whatever the password.
//! - Logging in again from a `DeviceId` revokes that user's older tokens for the device.
//! - API keys act as an administrator with no user.
//!
//! The layout: [`Auth`] is a handle over the [`Store`] doing whole operations (hashing outside
//! the writer lock). The functions it is built from take a `&Connection` (reads) or a
//! `&Transaction` (writes) and are public so callers can compose them in their own transaction.

pub mod avatar;
mod password;
mod policy;
pub mod quick_connect;
mod tokens;
mod users;

#[cfg(test)]
mod tests;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension};

use crate::activity;
use crate::store::{ItemId, Store, StoreError};

pub use avatar::{Avatar, Avatars};
pub use password::{hash_password, verify_password, HashCost, HashError};
pub use policy::{
    SubtitleMode, SyncPlayAccess, UserConfiguration, UserPolicy, DEFAULT_AUTHENTICATION_PROVIDER,
    DEFAULT_PASSWORD_RESET_PROVIDER,
};
pub use quick_connect::{QuickConnect, QuickConnectRequest, QuickConnectState};
pub use tokens::{
    api_keys, authenticate_session, create_api_key, delete_device, device_custom_name, devices,
    logout, revoke_api_key, revoke_user_tokens, set_device_custom_name, token_context, touch_token,
    ApiKey, AuthContext, Device, DeviceInfo, Session, ACTIVITY_WRITE_INTERVAL,
};
pub use users::{
    delete_user, get_user, get_user_by_name, has_users, insert_user, list_users, rename_user,
    set_password_hash, update_configuration, update_policy, validate_user_name, User, UserFilter,
};

/// Errors of users and authentication. Match on the variant to pick the HTTP status: the
/// credential variants are 401, the permission ones 403, the argument ones 400.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Unknown user name, or a wrong password.
    #[error("invalid user name or password")]
    InvalidCredentials,
    /// The account is disabled (by an administrator or by the lockout).
    #[error("the account {name} is disabled")]
    Disabled {
        /// The user's name.
        name: String,
    },
    /// A login without one of `Client`, `Device`, `DeviceId`, `Version`.
    #[error("a login needs a non-empty {field}")]
    MissingDeviceInfo {
        /// The missing field (`Client`, `Device`, `DeviceId` or `Version`).
        field: &'static str,
    },
    /// The user does not exist.
    #[error("no such user")]
    UserNotFound,
    /// A user name Jellyfin would refuse (empty, too long, or with characters other than letters,
    /// digits, spaces and `-_'.@+`).
    #[error("invalid user name {0:?}: use letters, digits, spaces and - _ ' . @ +")]
    InvalidUserName(String),
    /// Another user already has this name (ignoring case).
    #[error("a user named {0:?} already exists")]
    DuplicateUserName(String),
    /// The last user cannot be deleted.
    #[error("the last user cannot be deleted")]
    LastUser,
    /// The last administrator cannot be deleted or lose administrator rights.
    #[error("there must be at least one administrator")]
    LastAdministrator,
    /// The last enabled user cannot be disabled.
    #[error("there must be at least one enabled user")]
    LastEnabledUser,
    /// Administrators cannot be disabled through a policy update.
    #[error("administrators cannot be disabled")]
    AdministratorCannotBeDisabled,
    /// A posted policy or configuration has a value of the wrong type.
    #[error("invalid value for {field}: {reason}")]
    InvalidJson {
        /// The JSON key.
        field: String,
        /// What was wrong.
        reason: &'static str,
    },
    /// A stored password hash cannot be parsed, hashing failed, or the cost is out of range.
    #[error("password hashing failed: {0}")]
    Hash(#[source] HashError),
    /// The operating system's random source failed.
    #[error("random source failed: {0}")]
    Random(#[source] getrandom::Error),
    /// Quick Connect is off (`QuickConnectAvailable` is false).
    #[error("Quick Connect is not enabled on this server")]
    QuickConnectDisabled,
    /// No pending (or approved) Quick Connect request has this code or secret.
    #[error("no such Quick Connect request")]
    QuickConnectUnknown,
    /// The Quick Connect request was approved already.
    #[error("the Quick Connect request is already authorized")]
    QuickConnectAlreadyAuthorized,
    /// An uploaded avatar is not an image this server can decode.
    #[error("invalid avatar image: {0}")]
    InvalidImage(#[source] crate::images::ImageError),
    /// Reading or writing an avatar file failed.
    #[error("I/O error on avatar {path}: {source}")]
    AvatarIo {
        /// The file or directory.
        path: std::path::PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl From<rusqlite::Error> for AuthError {
    fn from(e: rusqlite::Error) -> Self {
        AuthError::Store(StoreError::Sqlite(e))
    }
}

/// A `Result` with [`AuthError`].
pub type AuthResult<T> = Result<T, AuthError>;

/// A user id: a random GUID (version 4), shown in N format like item ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(pub [u8; 16]);

impl UserId {
    /// A new random id.
    pub fn random() -> AuthResult<Self> {
        let mut bytes = [0u8; 16];
        fill_random(&mut bytes)?;
        // Version 4, RFC 4122 variant, as .NET's Guid.NewGuid().
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        Ok(Self(bytes))
    }

    /// The N-format text (32 lower-case hex digits).
    pub fn to_n(&self) -> String {
        ItemId(self.0).to_n()
    }

    /// Parses N or D format (any case). `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        ItemId::parse(text).map(|i| Self(i.0))
    }
}

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_n())
    }
}

/// The handle doing whole user and authentication operations on a [`Store`].
#[derive(Debug, Clone, Copy)]
pub struct Auth<'a> {
    store: &'a Store,
    cost: HashCost,
    tokens: Option<&'a TokenCache>,
}

/// Validated tokens kept between requests, so a request costs no database read for its token.
///
/// An entry is valid for the store's content generation it was read under: every write that can
/// revoke or change a token, a user or a policy (logout, device deletion, user changes, key
/// revocation) is a [`Store::write`] and moves the generation. Logins, which may lock a user
/// out without moving it, clear the cache. Unknown tokens are never kept.
#[derive(Debug, Default)]
pub struct TokenCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, (u64, AuthContext)>>,
}

/// At most this many validated tokens are kept.
const MAX_CACHED_TOKENS: usize = 1024;

impl TokenCache {
    fn get(&self, token: &str, generation: u64) -> Option<AuthContext> {
        let entries = self.entries.lock().ok()?;
        match entries.get(token) {
            Some((g, ctx)) if *g == generation => Some(ctx.clone()),
            _ => None,
        }
    }

    fn put(&self, generation: u64, ctx: &AuthContext) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_CACHED_TOKENS {
                entries.retain(|_, (g, _)| *g == generation);
                if entries.len() >= MAX_CACHED_TOKENS {
                    entries.clear();
                }
            }
            entries.insert(ctx.token.clone(), (generation, ctx.clone()));
        }
    }

    fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

impl<'a> Auth<'a> {
    /// A handle hashing new passwords at the default (OWASP) Argon2id cost.
    pub fn new(store: &'a Store) -> Self {
        Self {
            store,
            cost: HashCost::default(),
            tokens: None,
        }
    }

    /// The same handle keeping validated tokens in `tokens` (shared by the handles of one
    /// library).
    pub fn with_token_cache(self, tokens: &'a TokenCache) -> Self {
        Self {
            tokens: Some(tokens),
            ..self
        }
    }

    /// The same handle hashing new passwords at `cost` (existing hashes keep their own cost).
    pub fn with_hash_cost(self, cost: HashCost) -> Self {
        Self { cost, ..self }
    }

    /// The store.
    pub fn store(&self) -> &'a Store {
        self.store
    }

    /// Whether any user exists (the startup wizard runs while none does).
    pub fn has_users(&self) -> AuthResult<bool> {
        self.store.read(has_users)
    }

    /// Users matching `filter`, sorted by name ignoring case.
    pub fn list_users(&self, filter: &UserFilter) -> AuthResult<Vec<User>> {
        self.store.read(|c| list_users(c, filter))
    }

    /// The user with this id.
    pub fn user(&self, id: UserId) -> AuthResult<Option<User>> {
        self.store.read(|c| get_user(c, id))
    }

    /// The user with this name (ignoring case).
    pub fn user_by_name(&self, name: &str) -> AuthResult<Option<User>> {
        self.store.read(|c| get_user_by_name(c, name))
    }

    /// Creates a user with Jellyfin's defaults for a new user (not an administrator, hidden from
    /// the login screen, all libraries). An empty password means none, as in Jellyfin.
    pub fn create_user(&self, name: &str, password: &str) -> AuthResult<User> {
        self.create_user_with_policy(name, password, UserPolicy::default())
    }

    /// Creates a user with `policy`.
    pub fn create_user_with_policy(
        &self,
        name: &str,
        password: &str,
        policy: UserPolicy,
    ) -> AuthResult<User> {
        validate_user_name(name)?;
        let hash = self.hash_or_none(password)?;
        let now = SystemTime::now();
        self.store.write(|tx| {
            let user = insert_user(
                tx,
                name,
                hash.as_deref(),
                &policy,
                &UserConfiguration::default(),
                now,
            )?;
            activity::record(
                tx,
                &activity::events::user_created(&user.name, user.id),
                now,
            )?;
            Ok(user)
        })
    }

    /// Creates the first user as an administrator when no user exists (for `--admin-user` /
    /// `--admin-password`). Returns the new user, or `None` when users already exist. The admin
    /// gets what Jellyfin's first user gets: administrator, content deletion, remote control of
    /// other users' sessions.
    pub fn ensure_admin(&self, name: &str, password: &str) -> AuthResult<Option<User>> {
        validate_user_name(name)?;
        if self.has_users()? {
            return Ok(None);
        }
        let hash = self.hash_or_none(password)?;
        let now = SystemTime::now();
        self.store.write(|tx| {
            if has_users(tx)? {
                return Ok(None);
            }
            let policy = UserPolicy::first_admin();
            let user = insert_user(
                tx,
                name,
                hash.as_deref(),
                &policy,
                &UserConfiguration::default(),
                now,
            )?;
            activity::record(
                tx,
                &activity::events::user_created(&user.name, user.id),
                now,
            )?;
            Ok(Some(user))
        })
    }

    /// Renames a user. The same name is a no-op; a change of case only is allowed.
    pub fn rename_user(&self, id: UserId, new_name: &str) -> AuthResult<User> {
        self.store.write(|tx| rename_user(tx, id, new_name))
    }

    /// Deletes a user with their tokens and user data. The last user and the last administrator
    /// cannot be deleted.
    pub fn delete_user(&self, id: UserId) -> AuthResult<()> {
        self.store.write(|tx| {
            let name = get_user(tx, id)?.map(|u| u.name);
            delete_user(tx, id)?;
            if let Some(name) = name {
                let entry = activity::events::user_deleted(&name);
                activity::record(tx, &entry, SystemTime::now())?;
            }
            Ok(())
        })
    }

    /// Sets a user's password (empty: no password). With `current`, it must match first
    /// ([`AuthError::InvalidCredentials`] otherwise); an administrator resetting another user's
    /// password passes `None`. The user's other tokens are revoked, all but `keep_token` (the
    /// caller's own), as Jellyfin does.
    pub fn change_password(
        &self,
        id: UserId,
        current: Option<&str>,
        new: &str,
        keep_token: Option<&str>,
    ) -> AuthResult<()> {
        let user = self.user(id)?.ok_or(AuthError::UserNotFound)?;
        if let Some(current) = current {
            if !password_matches(&user, current)? {
                return Err(AuthError::InvalidCredentials);
            }
        }
        let hash = self.hash_or_none(new)?;
        self.store.write(|tx| {
            set_password_hash(tx, id, hash.as_deref())?;
            revoke_user_tokens(tx, id, keep_token)?;
            let entry = activity::events::user_password_changed(&user.name, id);
            activity::record(tx, &entry, SystemTime::now())?;
            Ok(())
        })
    }

    /// Merges a posted `UserPolicy` JSON object into the user's policy (see
    /// [`update_policy`] for the rules). Disabling a user revokes their tokens.
    pub fn update_policy(&self, id: UserId, posted: &serde_json::Value) -> AuthResult<User> {
        self.store.write(|tx| {
            let user = update_policy(tx, id, posted)?;
            let entry = activity::events::user_policy_updated(&user.name, user.id);
            activity::record(tx, &entry, SystemTime::now())?;
            Ok(user)
        })
    }

    /// Merges a posted `UserConfiguration` JSON object into the user's configuration.
    pub fn update_configuration(&self, id: UserId, posted: &serde_json::Value) -> AuthResult<User> {
        self.store.write(|tx| update_configuration(tx, id, posted))
    }

    /// Logs in by user name and password from a device. On success, returns a new session
    /// token (revoking the user's older tokens for this device id), resets the failed-login count
    /// and records the login. A wrong password counts towards the lockout.
    pub fn authenticate_by_name(
        &self,
        name: &str,
        password: &str,
        device: &DeviceInfo,
    ) -> AuthResult<Session> {
        device.check_complete()?;
        let now = SystemTime::now();
        let entered = name.trim();
        let failed = activity::events::authentication_failed(entered);
        let Some(user) = self.user_by_name(entered)? else {
            // Spend the time a real check would, so timing does not reveal the name exists.
            let _ = hash_password(password, self.cost);
            self.store
                .write_user_state(|tx| activity::record(tx, &failed, now))?;
            return Err(AuthError::InvalidCredentials);
        };
        if user.policy.is_disabled {
            return Err(AuthError::Disabled { name: user.name });
        }
        let ok = password_matches(&user, password)?;
        let token = new_token()?;
        // The activity entries commit with the login's outcome (Jellyfin's
        // AuthenticationSucceeded / AuthenticationFailed / UserLockedOut).
        let outcome = self.store.write_user_state(|tx| {
            let outcome = authenticate_session(tx, user.id, ok, device, &token, now)?;
            match &outcome {
                Ok(session) => {
                    let entry = activity::events::authentication_succeeded(
                        &session.user.name,
                        session.user.id,
                    );
                    activity::record(tx, &entry, now)?;
                }
                Err(AuthError::InvalidCredentials) => {
                    activity::record(tx, &failed, now)?;
                    if get_user(tx, user.id)?.is_some_and(|u| u.policy.is_disabled) {
                        let entry = activity::events::user_locked_out(&user.name, user.id);
                        activity::record(tx, &entry, now)?;
                    }
                }
                Err(_) => {}
            }
            Ok::<_, AuthError>(outcome)
        });
        // A failed login may have locked the user out: validated tokens are read again.
        if let Some(tokens) = self.tokens {
            tokens.clear();
        }
        outcome?
    }

    /// The identity behind a token, or `None` for an unknown or revoked token. `seen` is what
    /// the request's authorization header says about the client (empty fields: not sent); a
    /// changed device name or app version is stored, and the last activity is written at most
    /// every [`ACTIVITY_WRITE_INTERVAL`], so a burst of requests costs one indexed read each.
    pub fn validate_token(
        &self,
        token: &str,
        seen: &DeviceInfo,
    ) -> AuthResult<Option<AuthContext>> {
        let now = SystemTime::now();
        // Read before the token: a context read from newer data is filed under an older
        // generation, never the reverse.
        let generation = self.tokens.map(|_| self.store.content_generation());
        let cached = self
            .tokens
            .zip(generation)
            .and_then(|(tokens, g)| tokens.get(token, g));
        let mut ctx = match cached {
            Some(ctx) => ctx,
            None => match self.store.read(|c| token_context(c, token))? {
                Some(ctx) => ctx,
                None => return Ok(None),
            },
        };
        if ctx.needs_touch(seen, now) {
            self.store
                .write_user_state(|tx| touch_token(tx, &ctx, seen, now))?;
            // Re-read: the context now shows what was written.
            match self.store.read(|c| token_context(c, token))? {
                Some(fresh) => ctx = fresh,
                None => return Ok(None),
            }
        }
        if let (Some(tokens), Some(g)) = (self.tokens, generation) {
            tokens.put(g, &ctx);
        }
        Ok(Some(ctx))
    }

    /// Revokes a token (logout). Returns whether it existed.
    pub fn logout(&self, token: &str) -> AuthResult<bool> {
        self.store.write(|tx| logout(tx, token))
    }

    /// The devices (one per user and device id), most recently active first; only `user`'s
    /// when given.
    pub fn devices(&self, user: Option<UserId>) -> AuthResult<Vec<Device>> {
        self.store.read(|c| devices(c, user))
    }

    /// Deletes a device: revokes every token issued to this device id. Returns how many.
    pub fn delete_device(&self, device_id: &str) -> AuthResult<usize> {
        self.store.write(|tx| delete_device(tx, device_id))
    }

    /// Sets (or clears, with `None`) the custom name an administrator gave a device.
    pub fn set_device_custom_name(&self, device_id: &str, name: Option<&str>) -> AuthResult<()> {
        self.store
            .write(|tx| set_device_custom_name(tx, device_id, name))
    }

    /// Creates an API key for `app_name`.
    pub fn create_api_key(&self, app_name: &str) -> AuthResult<ApiKey> {
        let token = new_token()?;
        let now = SystemTime::now();
        self.store
            .write(|tx| create_api_key(tx, app_name, &token, now))
    }

    /// The API keys, oldest first.
    pub fn api_keys(&self) -> AuthResult<Vec<ApiKey>> {
        self.store.read(api_keys)
    }

    /// Revokes an API key by its token. Returns whether it existed.
    pub fn revoke_api_key(&self, token: &str) -> AuthResult<bool> {
        self.store.write(|tx| revoke_api_key(tx, token))
    }

    fn hash_or_none(&self, password: &str) -> AuthResult<Option<String>> {
        if password.is_empty() {
            Ok(None)
        } else {
            hash_password(password, self.cost).map(Some)
        }
    }
}

/// Whether `password` is the user's password. A user without a password accepts only the empty
/// one, as Jellyfin's default provider does.
pub fn password_matches(user: &User, password: &str) -> AuthResult<bool> {
    match &user.password_hash {
        None => Ok(password.is_empty()),
        Some(hash) => verify_password(password, hash),
    }
}

/// The library ids `user` may see: `None` means all (`EnableAllFolders`), otherwise the
/// `EnabledFolders` of the policy.
pub fn visible_library_ids(user: &User) -> Option<Vec<ItemId>> {
    if user.policy.enable_all_folders {
        None
    } else {
        Some(user.policy.enabled_folders.clone())
    }
}

/// The user's parental rating limit (`MaxParentalRating`, a rating score), `None` for no limit.
pub fn max_parental_rating(user: &User) -> Option<i32> {
    user.policy.max_parental_rating
}

/// A new access token: 128 random bits as 32 lower-case hex digits.
pub fn new_token() -> AuthResult<String> {
    let mut bytes = [0u8; 16];
    fill_random(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

pub(crate) fn fill_random(buf: &mut [u8]) -> AuthResult<()> {
    getrandom::fill(buf).map_err(AuthError::Random)
}

/// A time as Unix milliseconds (times before 1970 clamp to 0).
pub(crate) fn to_ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Unix milliseconds as a time.
pub(crate) fn from_ms(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64)
}

pub(crate) fn user_id_from_blob(bytes: &[u8]) -> Result<UserId, StoreError> {
    <[u8; 16]>::try_from(bytes)
        .map(UserId)
        .map_err(|_| StoreError::Corrupt { column: "users.id" })
}

/// Whether a user with this id exists.
pub fn user_exists(conn: &Connection, id: UserId) -> Result<bool, StoreError> {
    Ok(conn
        .query_row("SELECT 1 FROM users WHERE id = ?1", [&id.0[..]], |_| Ok(()))
        .optional()?
        .is_some())
}
