//! The route table: every Jellyfin route this server answers, matched on lower-cased path
//! segments (routes are case-insensitive; captured ids and names keep their case).

pub mod auth;
mod system;
pub mod users;

use hyper::{Method, Response};

use crate::error::Error;
use crate::http::{Body, Ctx, Server};

/// Dispatches a request to its handler.
pub async fn dispatch(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let lower: Vec<String> = ctx
        .segments
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let segs: Vec<&str> = lower.iter().map(String::as_str).collect();
    let get = ctx.method == Method::GET || ctx.method == Method::HEAD;
    let post = ctx.method == Method::POST;
    match segs.as_slice() {
        ["system", "ping"] if get || post => system::ping(),
        ["system", "info", "public"] if get => system::info_public(server, ctx),
        ["system", "endpoint"] if get => system::endpoint(),
        ["getutctime"] if get => system::utc_time(),
        ["branding", "configuration"] if get => system::branding(),
        ["branding", "css"] | ["branding", "css.css"] if get => system::branding_css(),
        ["quickconnect", "enabled"] if get => system::quick_connect_enabled(),
        ["system", "info"] if get => users::system_info(server, ctx),
        ["users", "authenticatebyname"] if post => users::authenticate_by_name(server, ctx),
        ["users", "public"] if get => users::public_users(server),
        ["users", "me"] if get => users::me(server, ctx),
        ["users"] if get => users::list(server, ctx),
        ["users", _] if get => users::user(server, ctx, &ctx.segments[1]),
        ["sessions", "logout"] if post => users::logout(server, ctx),
        ["sessions", "capabilities"] | ["sessions", "capabilities", "full"] if post => {
            users::capabilities(server, ctx)
        }
        ["displaypreferences", _] if get => {
            users::display_preferences(server, ctx, &ctx.segments[1])
        }
        ["displaypreferences", _] if post => {
            users::save_display_preferences(server, ctx, &ctx.segments[1])
        }
        ["startup", "configuration"] if get => users::startup_configuration(server, ctx),
        ["startup", "user"] | ["startup", "firstuser"] if get => users::startup_user(server, ctx),
        ["startup", "user"] if post => users::startup_create_user(server, ctx),
        ["startup", "configuration"] | ["startup", "remoteaccess"] | ["startup", "complete"]
            if post =>
        {
            users::startup_post_ok(server, ctx)
        }
        _ => {
            if route_exists_for_other_method(&segs) {
                Err(Error::MethodNotAllowed)
            } else {
                Err(Error::NotFound)
            }
        }
    }
}

fn route_exists_for_other_method(segs: &[&str]) -> bool {
    matches!(segs, ["system", "ping"] | ["system", "info", "public"])
}
