//! The route table: every Jellyfin route this server answers, matched on lower-cased path
//! segments (routes are case-insensitive; captured ids and names keep their case).

pub mod admin;
pub mod auth;
pub mod environment;
pub mod hls;
pub mod items;
pub mod localization;
pub mod media;
pub mod operations;
pub mod playback;
pub mod quick_connect;
pub mod search;
mod spec;
mod system;
pub mod tasks;
mod transcoding;
pub mod user_images;
pub mod user_items;
pub mod users;

use hyper::{Method, Response};
use jellyfin_core::store::ItemKind;

use items::PlaybackStage;

use crate::error::Error;
use crate::http::{Body, Ctx, Server};

/// What a route requires of the caller, as Jellyfin's authorization policies say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone.
    Anonymous,
    /// A valid token.
    User,
    /// An administrator (or an API key).
    Admin,
    /// Anyone while no user exists (the startup wizard), an administrator afterwards.
    FirstTimeSetupOrAdmin,
    /// Anyone while no user exists, any user afterwards.
    FirstTimeSetupOrUser,
}

/// Every route of the OpenAPI spec: (method, lower-cased segments with `*` for parameters,
/// access).
pub fn spec_routes() -> &'static [(&'static str, &'static [&'static str], Access)] {
    spec::SPEC_ROUTES
}

/// The access the OpenAPI spec gives `method` on `segs` (lower-cased); the most literal match
/// wins (`users/public` over `users/{id}`). `None` for routes outside the spec (legacy ones).
pub fn spec_access(method: &Method, segs: &[&str]) -> Option<Access> {
    let method = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    spec::SPEC_ROUTES
        .iter()
        .filter(|(m, pattern, _)| {
            *m == method
                && pattern.len() == segs.len()
                && pattern.iter().zip(segs).all(|(p, s)| *p == "*" || p == s)
        })
        .max_by_key(|(_, pattern, _)| pattern.iter().filter(|p| **p != "*").count())
        .map(|(_, _, access)| *access)
}

/// Applies the route's access rule before the handler runs: 401 without a valid token, 403
/// for a non-administrator on administrator routes.
fn gate(server: &Server, ctx: &Ctx, segs: &[&str]) -> Result<(), Error> {
    let wizard_open = || -> Result<bool, Error> {
        Ok(!server
            .library()
            .auth()
            .has_users()
            .map_err(auth::core_auth_error)?)
    };
    match spec_access(&ctx.method, segs) {
        None | Some(Access::Anonymous) => Ok(()),
        Some(Access::User) => auth::require(server, ctx).map(|_| ()),
        Some(Access::Admin) => auth::require_admin(server, ctx).map(|_| ()),
        Some(Access::FirstTimeSetupOrAdmin) if !wizard_open()? => {
            auth::require_admin(server, ctx).map(|_| ())
        }
        Some(Access::FirstTimeSetupOrUser) if !wizard_open()? => {
            auth::require(server, ctx).map(|_| ())
        }
        Some(_) => Ok(()),
    }
}

/// Dispatches a request to its handler, after the route's access rule.
pub async fn dispatch(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let lower: Vec<String> = ctx
        .segments
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let segs: Vec<&str> = lower.iter().map(String::as_str).collect();
    gate(server, ctx, &segs)?;
    let get = ctx.method == Method::GET || ctx.method == Method::HEAD;
    let post = ctx.method == Method::POST;
    let del = ctx.method == Method::DELETE;
    match segs.as_slice() {
        ["system", "ping"] if get || post => system::ping(),
        ["metrics"] if get => system::metrics(server),
        ["system", "info", "public"] if get => system::info_public(server, ctx),
        ["system", "endpoint"] if get => system::endpoint(),
        ["getutctime"] if get => system::utc_time(),
        ["branding", "configuration"] if get => system::branding(server),
        ["branding", "css"] | ["branding", "css.css"] if get => system::branding_css(server),
        // Operations (SURFACE.md §5): activity log, logs, storage, restart, configuration
        // sections, directory browser, tasks, devices, stubs. Access comes from the gate.
        ["system", "activitylog", "entries"] if get => operations::activity_log(server, ctx),
        ["system", "logs"] if get => operations::logs(server),
        ["system", "logs", "log"] if get => operations::log_file(server, ctx),
        ["system", "info", "storage"] if get => operations::storage(server),
        // Not in Jellyfin's API: the transcoder's detected hardware (administrators).
        ["system", "info", "transcoding"] if get => transcoding::capabilities(server, ctx).await,
        ["system", "restart"] if post => operations::restart(server),
        ["system", "shutdown"] if post => operations::shutdown(server),
        ["system", "configuration", "metadataoptions", "default"] if get => {
            operations::default_metadata_options()
        }
        ["system", "configuration", "branding"] if post => {
            operations::save_config_section(server, ctx, "branding")
        }
        ["system", "configuration", key] if get => {
            operations::config_section(server, seg(ctx, 2, key))
        }
        ["system", "configuration", key] if post => {
            operations::save_config_section(server, ctx, seg(ctx, 2, key))
        }
        ["environment", "defaultdirectorybrowser"] if get => {
            environment::default_directory_browser()
        }
        ["environment", "drives"] if get => environment::drives(),
        ["environment", "networkshares"] if get => environment::network_shares(),
        ["environment", "directorycontents"] if get => environment::directory_contents(server, ctx),
        ["environment", "parentpath"] if get => environment::parent_path(ctx),
        ["environment", "validatepath"] if post => environment::validate_path(ctx),
        ["scheduledtasks"] if get => tasks::list(server, ctx),
        ["scheduledtasks", "running", id] if post => tasks::start(server, seg(ctx, 2, id)),
        ["scheduledtasks", "running", id] if del => tasks::stop(server, seg(ctx, 2, id)),
        ["scheduledtasks", id] if get => tasks::get(server, seg(ctx, 1, id)),
        ["scheduledtasks", id, "triggers"] if post => {
            tasks::set_triggers(server, ctx, seg(ctx, 1, id))
        }
        ["libraries", "availableoptions"] if get => admin::available_options(ctx),
        ["library", "virtualfolders", "name"] if post => admin::rename_virtual_folder(server, ctx),
        ["library", "virtualfolders", "libraryoptions"] if post => {
            admin::update_library_options(server, ctx)
        }
        ["library", "virtualfolders", "paths", "update"] if post => {
            admin::update_virtual_folder_path(server, ctx)
        }
        ["items", id, "refresh"] if post => admin::refresh_item(server, seg(ctx, 1, id)),
        ["devices", "info"] if get => admin::device_info(server, ctx),
        ["devices", "options"] if get => admin::device_options(server, ctx),
        ["devices", "options"] if post => admin::update_device_options(server, ctx),
        ["backup"] if get => operations::backups(),
        ["web", "configurationpages"] if get => operations::configuration_pages(),
        ["users", "forgotpassword"] if post => operations::forgot_password(),
        ["users", "forgotpassword", "pin"] if post => operations::forgot_password_pin(),
        ["quickconnect", "enabled"] if get => quick_connect::enabled(server),
        ["quickconnect", "initiate"] if post || get => quick_connect::initiate(server, ctx),
        ["quickconnect", "connect"] if get => quick_connect::connect(server, ctx),
        ["quickconnect", "authorize"] if post => quick_connect::authorize(server, ctx),
        ["users", "authenticatewithquickconnect"] if post => {
            quick_connect::authenticate(server, ctx)
        }
        ["users", id, "authenticate"] if post => {
            users::authenticate_user(server, ctx, seg(ctx, 1, id))
        }
        ["users", _, "easypassword"] if post => users::easy_password(server, ctx),
        ["localization", "parentalratings"] if get => localization::parental_ratings_list(server),
        ["localization", "cultures"] if get => localization::cultures_list(),
        ["localization", "countries"] if get => localization::countries_list(),
        ["localization", "options"] if get => localization::options_list(),
        ["userimage"] if get => user_images::get(server, ctx, None, "Primary", None).await,
        ["userimage"] if post => user_images::upload(server, ctx, None),
        ["userimage"] if del => user_images::delete(server, ctx, None),
        ["users", uid, "images", kind] if get => {
            user_images::get(server, ctx, Some(seg(ctx, 1, uid)), seg(ctx, 3, kind), None).await
        }
        ["users", uid, "images", kind, index] if get => {
            let (uid, kind, index) = (seg(ctx, 1, uid), seg(ctx, 3, kind), seg(ctx, 4, index));
            user_images::get(server, ctx, Some(uid), kind, Some(index)).await
        }
        ["users", uid, "images", _] | ["users", uid, "images", _, _] if post => {
            user_images::upload(server, ctx, Some(seg(ctx, 1, uid)))
        }
        ["users", uid, "images", _] | ["users", uid, "images", _, _] if del => {
            user_images::delete(server, ctx, Some(seg(ctx, 1, uid)))
        }
        ["items", "suggestions"] if get => user_items::suggestions(server, ctx, None),
        ["users", uid, "suggestions"] if get => {
            user_items::suggestions(server, ctx, Some(seg(ctx, 1, uid)))
        }
        ["useritems", id, "rating"] if post || del => {
            user_items::set_likes(server, ctx, None, seg(ctx, 1, id), del)
        }
        ["users", uid, "items", id, "rating"] if post || del => {
            let (uid, id) = (seg(ctx, 1, uid), seg(ctx, 3, id));
            user_items::set_likes(server, ctx, Some(uid), id, del)
        }
        ["useritems", id, "userdata"] if post => {
            user_items::update_user_data(server, ctx, None, seg(ctx, 1, id))
        }
        ["users", uid, "items", id, "userdata"] if post => {
            let (uid, id) = (seg(ctx, 1, uid), seg(ctx, 3, id));
            user_items::update_user_data(server, ctx, Some(uid), id)
        }
        ["users", uid, "items", id, "userdata"] if get => {
            let (uid, id) = (seg(ctx, 1, uid), seg(ctx, 3, id));
            user_items::user_data(server, ctx, Some(uid), id)
        }
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
        ["userviews"] if get => items::views(server, ctx, None),
        ["users", uid, "views"] if get => items::views(server, ctx, Some(seg(ctx, 1, uid))),
        ["items"] if get => items::items(server, ctx, None),
        ["users", uid, "items"] if get => items::items(server, ctx, Some(seg(ctx, 1, uid))),
        ["items", "root"] if get => items::root(server, ctx, None),
        ["users", uid, "items", "root"] if get => items::root(server, ctx, Some(seg(ctx, 1, uid))),
        ["items", "latest"] if get => items::latest(server, ctx, None),
        ["items", "counts"] if get => admin::item_counts(server, ctx),
        ["items", "filters"] if get => items::filters(server, ctx, false),
        ["items", "filters2"] if get => items::filters(server, ctx, true),
        ["users", uid, "items", "latest"] if get => {
            items::latest(server, ctx, Some(seg(ctx, 1, uid)))
        }
        ["useritems", "resume"] if get => items::resume(server, ctx, None),
        ["users", uid, "items", "resume"] if get => {
            items::resume(server, ctx, Some(seg(ctx, 1, uid)))
        }
        ["items", id] if get => items::item(server, ctx, None, seg(ctx, 1, id)),
        ["users", uid, "items", id] if get => {
            items::item(server, ctx, Some(seg(ctx, 1, uid)), seg(ctx, 3, id))
        }
        ["items", id, "specialfeatures"] if get => {
            items::special_features(server, ctx, None, seg(ctx, 1, id))
        }
        ["users", uid, "items", id, "specialfeatures"] if get => {
            items::special_features(server, ctx, Some(seg(ctx, 1, uid)), seg(ctx, 3, id))
        }
        ["items", id, "localtrailers"] if get => {
            items::local_trailers(server, ctx, None, seg(ctx, 1, id))
        }
        ["users", uid, "items", id, "localtrailers"] if get => {
            items::local_trailers(server, ctx, Some(seg(ctx, 1, uid)), seg(ctx, 3, id))
        }
        ["items", _, "intros"] | ["users", _, "items", _, "intros"] if get => {
            items::intros(server, ctx)
        }
        ["items", id, "thememedia"] if get => items::theme_media(server, ctx, seg(ctx, 1, id)),
        ["items", id, "similar"] if get => items::similar(server, ctx, seg(ctx, 1, id)),
        ["mediasegments", _] if get => items::media_segments(server, ctx),
        ["shows", id, "seasons"] if get => items::seasons(server, ctx, seg(ctx, 1, id)),
        ["shows", id, "episodes"] if get => items::episodes(server, ctx, seg(ctx, 1, id)),
        ["shows", "nextup"] if get => items::next_up(server, ctx),
        ["search", "hints"] if get => search::hints(server, ctx),
        ["items", id, "instantmix"]
        | ["albums", id, "instantmix"]
        | ["artists", id, "instantmix"]
        | ["songs", id, "instantmix"]
        | ["playlists", id, "instantmix"]
            if get && *id != "instantmix" =>
        {
            items::instant_mix(server, ctx, items::MixSeed::Item(seg(ctx, 1, id)))
        }
        ["musicgenres", name, "instantmix"] if get => {
            items::instant_mix(server, ctx, items::MixSeed::MusicGenre(seg(ctx, 1, name)))
        }
        ["artists", "instantmix"] | ["musicgenres", "instantmix"] if get => {
            let id = ctx.query.get("id").unwrap_or("");
            items::instant_mix(server, ctx, items::MixSeed::Item(id))
        }
        ["items", id, "criticreviews"] if get => {
            items::critic_reviews(server, ctx, seg(ctx, 1, id))
        }
        ["livetv", "recordings", "groups"] if get => {
            auth::require(server, ctx)?;
            crate::http::json(&crate::dto::item::QueryResult::<serde_json::Value>::new(
                Vec::new(),
                0,
                0,
            ))
        }
        ["genres"] if get => items::by_name(server, ctx, ItemKind::Genre),
        ["musicgenres"] if get => items::by_name(server, ctx, ItemKind::MusicGenre),
        ["studios"] if get => items::by_name(server, ctx, ItemKind::Studio),
        ["persons"] if get => items::by_name(server, ctx, ItemKind::Person),
        ["artists"] | ["artists", "albumartists"] if get => {
            items::by_name(server, ctx, ItemKind::MusicArtist)
        }
        ["genres", name] if get => {
            items::by_name_item(server, ctx, ItemKind::Genre, seg(ctx, 1, name))
        }
        ["musicgenres", name] if get => {
            items::by_name_item(server, ctx, ItemKind::MusicGenre, seg(ctx, 1, name))
        }
        ["studios", name] if get => {
            items::by_name_item(server, ctx, ItemKind::Studio, seg(ctx, 1, name))
        }
        ["persons", name] if get => {
            items::by_name_item(server, ctx, ItemKind::Person, seg(ctx, 1, name))
        }
        ["artists", name] if get => {
            items::by_name_item(server, ctx, ItemKind::MusicArtist, seg(ctx, 1, name))
        }
        ["useritems", id, "userdata"] if get => {
            user_items::user_data(server, ctx, None, seg(ctx, 1, id))
        }
        ["userplayeditems", id] if post => {
            user_items::set_played(server, ctx, None, seg(ctx, 1, id), true)
        }
        ["userplayeditems", id] if del => {
            user_items::set_played(server, ctx, None, seg(ctx, 1, id), false)
        }
        ["users", uid, "playeditems", id] if post => {
            user_items::set_played(server, ctx, Some(seg(ctx, 1, uid)), seg(ctx, 3, id), true)
        }
        ["users", uid, "playeditems", id] if del => {
            user_items::set_played(server, ctx, Some(seg(ctx, 1, uid)), seg(ctx, 3, id), false)
        }
        ["userfavoriteitems", id] if post => {
            user_items::set_favorite(server, ctx, None, seg(ctx, 1, id), true)
        }
        ["userfavoriteitems", id] if del => {
            user_items::set_favorite(server, ctx, None, seg(ctx, 1, id), false)
        }
        ["users", uid, "favoriteitems", id] if post => {
            user_items::set_favorite(server, ctx, Some(seg(ctx, 1, uid)), seg(ctx, 3, id), true)
        }
        ["users", uid, "favoriteitems", id] if del => {
            user_items::set_favorite(server, ctx, Some(seg(ctx, 1, uid)), seg(ctx, 3, id), false)
        }
        ["sessions", "playing"] if post => {
            items::playback_report(server, ctx, PlaybackStage::Start, None)
        }
        ["sessions", "playing", "progress"] if post => {
            items::playback_report(server, ctx, PlaybackStage::Progress, None)
        }
        ["sessions", "playing", "stopped"] if post => {
            items::playback_report(server, ctx, PlaybackStage::Stopped, None)
        }
        ["sessions", "playing", "ping"] if post => {
            hls::keep_alive(server, ctx);
            users::capabilities(server, ctx)
        }
        ["users", _, "playingitems", id] if post => {
            items::playback_report(server, ctx, PlaybackStage::Start, Some(seg(ctx, 3, id)))
        }
        ["users", _, "playingitems", id, "progress"] if post => {
            items::playback_report(server, ctx, PlaybackStage::Progress, Some(seg(ctx, 3, id)))
        }
        ["users", _, "playingitems", id] if del => {
            items::playback_report(server, ctx, PlaybackStage::Stopped, Some(seg(ctx, 3, id)))
        }
        ["items", id, "playbackinfo"] if get || post => {
            playback::playback_info(server, ctx, seg(ctx, 1, id))
        }
        ["videos", id, s] | ["audio", id, s]
            if get && (*s == "stream" || s.starts_with("stream.")) =>
        {
            media::stream_or_transcode(server, ctx, seg(ctx, 1, id), seg(ctx, 2, s)).await
        }
        ["audio", id, "universal"] if get => media::universal(server, ctx, seg(ctx, 1, id)).await,
        ["videos", id, source, "subtitles", index, "subtitles.m3u8"] if get => hls::subtitle_m3u8(
            server,
            ctx,
            seg(ctx, 1, id),
            seg(ctx, 2, source),
            seg(ctx, 4, index),
        ),
        ["videos", id, "master.m3u8"] | ["audio", id, "master.m3u8"] if get => {
            hls::master(server, ctx, seg(ctx, 1, id))
        }
        ["videos", id, "main.m3u8"] | ["audio", id, "main.m3u8"] if get => {
            hls::main_playlist(server, ctx, seg(ctx, 1, id))
        }
        ["videos", id, "hls1", _, file] | ["audio", id, "hls1", _, file] if get => {
            hls::segment(server, ctx, seg(ctx, 1, id), seg(ctx, 4, file)).await
        }
        ["videos", "activeencodings"] if del => hls::stop_encodings(server, ctx).await,
        ["items", id, "download"] | ["items", id, "file"] if get => {
            media::stream(server, ctx, seg(ctx, 1, id)).await
        }
        ["items", id, "images", kind] if get => {
            media::image(server, ctx, seg(ctx, 1, id), seg(ctx, 3, kind), None).await
        }
        ["items", id, "images", kind, index] if get => {
            media::image(
                server,
                ctx,
                seg(ctx, 1, id),
                seg(ctx, 3, kind),
                Some(seg(ctx, 4, index)),
            )
            .await
        }
        ["videos", id, source, "subtitles", index, file]
        | ["videos", id, source, "subtitles", index, _, file]
            if get && file.starts_with("stream") =>
        {
            let route = media::SubtitleRoute {
                item_id: seg(ctx, 1, id),
                media_source_id: seg(ctx, 2, source),
                index: seg(ctx, 4, index),
                start_ticks: (segs.len() == 7).then(|| seg(ctx, 5, "")),
                file: seg(ctx, segs.len() - 1, file),
            };
            media::subtitle(server, ctx, route).await
        }
        ["playback", "bitratetest"] if get => media::bitrate(server, ctx),
        ["sessions"] if get => users::sessions(server, ctx),
        ["sessions", id, rest @ ..]
            if post
                && !rest.is_empty()
                && *id != "playing"
                && *id != "capabilities"
                && *id != "logout"
                && *id != "viewing" =>
        {
            users::remote_control(server, ctx, seg(ctx, 1, id), rest)
        }
        ["library", "virtualfolders"] if get => admin::virtual_folders(server),
        ["library", "virtualfolders"] if post => admin::add_virtual_folder(server, ctx),
        ["library", "virtualfolders"] if del => admin::remove_virtual_folder(server, ctx),
        ["library", "virtualfolders", "paths"] if post => {
            admin::virtual_folder_paths(server, ctx, true)
        }
        ["library", "virtualfolders", "paths"] if del => {
            admin::virtual_folder_paths(server, ctx, false)
        }
        ["library", "mediafolders"] if get => admin::media_folders(server, ctx),
        ["library", "physicalpaths"] if get => admin::physical_paths(server),
        ["library", "refresh"] if post => admin::refresh(server),
        ["users", "new"] if post => admin::new_user(server, ctx),
        ["users", id] if del => admin::delete_user(server, seg(ctx, 1, id)),
        ["users", id, "policy"] if post => admin::update_policy(server, ctx, seg(ctx, 1, id)),
        ["users", "configuration"] if post => admin::update_configuration(server, ctx, None),
        ["users", id, "configuration"] if post => {
            admin::update_configuration(server, ctx, Some(seg(ctx, 1, id)))
        }
        ["users", "password"] if post => admin::update_password(server, ctx, None),
        ["users", id, "password"] if post => {
            admin::update_password(server, ctx, Some(seg(ctx, 1, id)))
        }
        ["users"] if post => admin::update_user(server, ctx, None),
        ["users", id] if post => admin::update_user(server, ctx, Some(seg(ctx, 1, id))),
        ["system", "configuration"] if get => admin::configuration(server, ctx),
        ["system", "configuration"] if post => admin::save_configuration(server, ctx),
        ["devices"] if get => admin::devices(server, ctx),
        ["devices"] if del => admin::delete_device(server, ctx),
        ["auth", "keys"] if get => admin::api_keys(server),
        ["auth", "keys"] if post => admin::create_api_key(server, ctx),
        ["auth", "keys", key] if del => admin::revoke_api_key(server, seg(ctx, 2, key)),
        ["plugins"] | ["packages"] | ["repositories"] if get => admin::empty_list(server, ctx),
        ["users", _, "groupingoptions"] | ["userviews", "groupingoptions"] if get => {
            auth::require(server, ctx)?;
            crate::http::json(&Vec::<serde_json::Value>::new())
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

/// The original-case path segment `i` (the lower-cased `_lower` was matched).
fn seg<'a>(ctx: &'a Ctx, i: usize, _lower: &str) -> &'a str {
    ctx.segments.get(i).map(String::as_str).unwrap_or("")
}

fn route_exists_for_other_method(segs: &[&str]) -> bool {
    matches!(segs, ["system", "ping"] | ["system", "info", "public"])
}
