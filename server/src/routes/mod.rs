//! The route table: every Jellyfin route this server answers, matched on lower-cased path
//! segments (routes are case-insensitive; captured ids and names keep their case).

mod system;

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
