//! Authentication of requests: who is calling, and the 401/403 rules of SURFACE.md §1.5.

use jellyfin_core::auth::{AuthContext, AuthError, DeviceInfo, User};

use crate::error::Error;
use crate::http::{Ctx, Server};

/// What the request's header says about the client (empty fields when not sent).
pub fn seen_device(ctx: &Ctx) -> DeviceInfo {
    DeviceInfo::new(
        ctx.auth.device_id.clone().unwrap_or_default(),
        ctx.auth.device.clone().unwrap_or_default(),
        ctx.auth.client.clone().unwrap_or_default(),
        ctx.auth.version.clone().unwrap_or_default(),
    )
}

/// The caller's identity: 401 without a valid token, 403 for a disabled user.
pub fn require(server: &Server, ctx: &Ctx) -> Result<AuthContext, Error> {
    if let Some(done) = ctx.validated.get() {
        return Ok(done.clone());
    }
    let token = ctx.auth.token.as_deref().ok_or(Error::Unauthorized)?;
    let auth = server
        .library()
        .auth()
        .validate_token(token, &seen_device(ctx))
        .map_err(core_auth_error)?
        .ok_or(Error::Unauthorized)?;
    if auth.user.as_ref().is_some_and(User::is_disabled) {
        return Err(Error::Forbidden);
    }
    server.sessions().touch(&auth);
    let _ = ctx.validated.set(auth.clone());
    Ok(auth)
}

/// The caller, who must be an administrator (403 otherwise).
pub fn require_admin(server: &Server, ctx: &Ctx) -> Result<AuthContext, Error> {
    let auth = require(server, ctx)?;
    if auth.is_admin() {
        Ok(auth)
    } else {
        Err(Error::Forbidden)
    }
}

/// The user a request acts for: `userId` from the path or query, else the token's user. Another
/// user's id needs administrator rights (403).
pub fn acting_user(
    server: &Server,
    auth: &AuthContext,
    requested: Option<&str>,
) -> Result<User, Error> {
    let requested = requested
        .filter(|s| !s.is_empty())
        .map(|s| jellyfin_core::auth::UserId::parse(s).ok_or(Error::NotFound))
        .transpose()?;
    match (requested, &auth.user) {
        (Some(id), Some(me)) if me.id == id => Ok(me.clone()),
        (Some(id), _) => {
            if !auth.is_admin() {
                return Err(Error::Forbidden);
            }
            server
                .library()
                .auth()
                .user(id)
                .map_err(core_auth_error)?
                .ok_or(Error::NotFound)
        }
        (None, Some(me)) => Ok(me.clone()),
        // An API key has no user: routes that need one answer 400 as Jellyfin does.
        (None, None) => Err(Error::BadRequest(
            "userId is required with an API key".into(),
        )),
    }
}

/// Maps core authentication errors to the server's errors (statuses in `Error::status`).
pub fn core_auth_error(e: AuthError) -> Error {
    match e {
        AuthError::InvalidCredentials => Error::Unauthorized,
        AuthError::Disabled { .. } => Error::Forbidden,
        AuthError::UserNotFound | AuthError::QuickConnectUnknown => Error::NotFound,
        AuthError::QuickConnectDisabled => Error::Unauthorized,
        AuthError::QuickConnectAlreadyAuthorized | AuthError::InvalidImage(_) => {
            Error::BadRequest(e.to_string())
        }
        AuthError::MissingDeviceInfo { .. }
        | AuthError::InvalidUserName(_)
        | AuthError::DuplicateUserName(_)
        | AuthError::LastUser
        | AuthError::LastAdministrator
        | AuthError::LastEnabledUser
        | AuthError::AdministratorCannotBeDisabled
        | AuthError::InvalidJson { .. } => Error::BadRequest(e.to_string()),
        other => Error::Core(jellyfin_core::Error::Auth(other)),
    }
}
