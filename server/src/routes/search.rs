//! Search hints (`GET /Search/Hints`, SURFACE.md §4.3): the items a search finds, as the short
//! `SearchHint`s older clients list. The main search path (`/Items?searchTerm=`) goes through
//! the item routes; both rank with the core's search index.

use hyper::Response;
use jellyfin_core::store::ItemKind;

use super::items::{caller, item_query};
use crate::dto::search::{SearchHint, SearchHintResult};
use crate::error::Error;
use crate::http::{json, Body, Ctx, Server};

/// Kinds searched when the request names none, by the `include*` flags (all true by default).
fn default_kinds(ctx: &Ctx) -> Vec<ItemKind> {
    let flag = |key: &str| ctx.query.bool(key).unwrap_or(true);
    let mut kinds = Vec::new();
    if flag("includeMedia") {
        kinds.extend([
            ItemKind::Movie,
            ItemKind::Series,
            ItemKind::Episode,
            ItemKind::BoxSet,
            ItemKind::MusicAlbum,
            ItemKind::Audio,
            ItemKind::MusicVideo,
            ItemKind::Video,
            ItemKind::Book,
            ItemKind::AudioBook,
        ]);
    }
    if flag("includePeople") {
        kinds.push(ItemKind::Person);
    }
    if flag("includeGenres") {
        kinds.extend([ItemKind::Genre, ItemKind::MusicGenre]);
    }
    if flag("includeStudios") {
        kinds.push(ItemKind::Studio);
    }
    if flag("includeArtists") {
        kinds.push(ItemKind::MusicArtist);
    }
    kinds
}

/// `GET /Search/Hints`.
pub fn hints(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let c = caller(server, ctx, None)?;
    let mut query = item_query(server, ctx, &c.user)?;
    if query
        .search_term
        .as_deref()
        .is_none_or(|t| t.trim().is_empty())
    {
        // Jellyfin: `ArgumentException` for a missing search term.
        return Err(Error::BadRequest("searchTerm is required".into()));
    }
    query.recursive = true;
    if query.include_kinds.is_empty() {
        query.include_kinds = default_kinds(ctx);
    }
    query.limit = Some(
        ctx.query
            .int("limit")
            .and_then(|l| usize::try_from(l).ok())
            .unwrap_or(100),
    );
    let page = server.library().query_ids(&query).map_err(Error::Core)?;
    let items = server.library().items(&page.items).map_err(Error::Core)?;
    json(&SearchHintResult {
        search_hints: items.iter().filter_map(SearchHint::of).collect(),
        total_record_count: page.total_record_count,
    })
}
