//! System, branding and connectivity routes (anonymous).

use hyper::Response;
use serde::Serialize;

use crate::error::Error;
use crate::http::{json, Body, Ctx, Server};
use crate::PRODUCT_NAME;

pub fn ping() -> Result<Response<Body>, Error> {
    json(&PRODUCT_NAME)
}

pub fn info_public(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    json(&server.public_info(ctx))
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct EndPointInfo {
    is_local: bool,
    is_in_network: bool,
}

pub fn endpoint() -> Result<Response<Body>, Error> {
    json(&EndPointInfo {
        is_local: true,
        is_in_network: true,
    })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct UtcTimeResponse {
    request_reception_time: String,
    response_transmission_time: String,
}

pub fn utc_time() -> Result<Response<Body>, Error> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let t = crate::dto::format_timestamp(now.as_secs() as i64, now.subsec_nanos());
    json(&UtcTimeResponse {
        request_reception_time: t.clone(),
        response_transmission_time: t,
    })
}

/// `GET /Branding/Configuration`: the stored branding (`POST /System/Configuration/Branding`).
pub fn branding(server: &Server) -> Result<Response<Body>, Error> {
    json(&super::operations::branding_options(server))
}

/// `GET /Branding/Css`: the stored custom CSS.
pub fn branding_css(server: &Server) -> Result<Response<Body>, Error> {
    let options = super::operations::branding_options(server);
    let css = super::users::field(&options, "CustomCss")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("")
        .to_owned();
    let mut r = Response::new(crate::http::full(bytes::Bytes::from(css)));
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/css"),
    );
    Ok(r)
}

/// `GET /metrics`: Prometheus text format.
pub fn metrics(server: &Server) -> Result<Response<Body>, Error> {
    let sessions = server
        .sessions()
        .list(&jellyfin_core::sessions::SessionFilter::default())
        .len();
    let text = server.metrics().render(
        sessions,
        server.images().stats(),
        server.fragments().stats(),
    );
    let mut r = Response::new(crate::http::full(bytes::Bytes::from(text)));
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    Ok(r)
}
