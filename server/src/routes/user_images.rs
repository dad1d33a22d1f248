//! User avatars (SURFACE.md §5, §6): `POST`/`DELETE /UserImage?userId=` and the legacy
//! `/Users/{id}/Images/{type}[/{index}]`; `GET`/`HEAD` of the same (anonymous, as in Jellyfin:
//! browsers load them from `<img>`), resized on request through the image cache. The avatar
//! files and their checks are the core's (`jellyfin_core::auth::avatar`).
//!
//! Uploads: the body is the image's base64 text (jellyfin-web, the Python client) or the raw
//! image; what does not decode as a JPEG, PNG, WebP or GIF image is 400. A user may change their
//! own avatar when their policy lets them change their preferences; another user's needs an
//! administrator (403).

use std::time::UNIX_EPOCH;

use hyper::{Response, StatusCode};
use jellyfin_core::auth::{User, UserId};
use jellyfin_core::sessions::OutboundMessage;

use super::auth::{acting_user, core_auth_error, require};
use super::users::user_dto;
use crate::error::Error;
use crate::http::{empty, Body, Ctx, Server};

/// The user whose avatar a write targets: `userId` from the path or query, else the caller; a
/// non-administrator may only change their own, and only with `EnableUserPreferenceAccess`.
fn target_for_write(server: &Server, ctx: &Ctx, path_user: Option<&str>) -> Result<User, Error> {
    let auth = require(server, ctx)?;
    let requested = path_user.or_else(|| ctx.query.get("userId"));
    let user = acting_user(server, &auth, requested)?;
    if !auth.is_admin() && !user.policy.enable_user_preference_access {
        return Err(Error::Forbidden);
    }
    Ok(user)
}

/// Tells the user's clients their `UserDto` changed (W refreshes the avatar it shows).
fn announce(server: &Server, id: UserId) {
    if let Ok(Some(user)) = server.library().auth().user(id) {
        if let Ok(dto) = serde_json::to_value(user_dto(server, &user)) {
            server
                .sessions()
                .broadcast_to_user(id, OutboundMessage::new("UserUpdated", dto));
        }
    }
}

/// `POST /UserImage`, legacy `POST /Users/{id}/Images/{type}[/{index}]`: 204.
pub fn upload(
    server: &Server,
    ctx: &Ctx,
    path_user: Option<&str>,
) -> Result<Response<Body>, Error> {
    let user = target_for_write(server, ctx, path_user)?;
    server
        .library()
        .avatars()
        .set(user.id, &ctx.body)
        .map_err(core_auth_error)?;
    announce(server, user.id);
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `DELETE /UserImage`, legacy `DELETE /Users/{id}/Images/{type}[/{index}]`: 204 (also when
/// there was none).
pub fn delete(
    server: &Server,
    ctx: &Ctx,
    path_user: Option<&str>,
) -> Result<Response<Body>, Error> {
    let user = target_for_write(server, ctx, path_user)?;
    if server
        .library()
        .avatars()
        .remove(user.id)
        .map_err(core_auth_error)?
    {
        announce(server, user.id);
    }
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `GET`/`HEAD /UserImage?userId=`, legacy `/Users/{id}/Images/{type}[/{index}]`: the avatar
/// (only `Primary`, index 0), resized as asked; 404 when the user has none. Without a user id
/// the caller's own (400 for an anonymous caller).
pub async fn get(
    server: &Server,
    ctx: &Ctx,
    path_user: Option<&str>,
    kind: &str,
    index: Option<&str>,
) -> Result<Response<Body>, Error> {
    if !kind.eq_ignore_ascii_case("primary") || index.is_some_and(|i| i.trim() != "0") {
        return Err(Error::NotFound);
    }
    let user = match path_user
        .or_else(|| ctx.query.get("userId"))
        .filter(|u| !u.is_empty())
    {
        Some(text) => UserId::parse(text).ok_or(Error::NotFound)?,
        None if ctx.auth.token.is_some() => require(server, ctx)?
            .user_id()
            .ok_or_else(|| Error::BadRequest("userId is required".into()))?,
        None => {
            return Err(Error::BadRequest(
                "userId is required if unauthenticated".into(),
            ))
        }
    };
    let avatar = server
        .library()
        .avatars()
        .get(user)
        .map_err(core_auth_error)?
        .ok_or(Error::NotFound)?;
    let modified = UNIX_EPOCH
        + std::time::Duration::from_secs(
            avatar
                .modified
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        );
    super::media::image_file(
        server,
        ctx,
        avatar.path.display().to_string(),
        &avatar.tag,
        modified,
    )
    .await
}
