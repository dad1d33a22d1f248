//! Suggestions (`/Items/Suggestions`): items of the asked kinds and media types the user may
//! see and has not played, in random order (SQLite's `random()`, so two calls differ).
//!
//! Jellyfin 10.11's `SuggestionsController` returns random items without looking at the played
//! state; this build leaves played items out, which is what a "suggestion" is for. Without
//! asked kinds, only playable items (no folders) are suggested; by-name items (people, genres,
//! studios) never are.

use crate::auth::{visible_library_ids, User};
use crate::ratings::ParentalControl;
use crate::store::{
    ItemKind, ItemQuery, ItemRecord, MediaType, QueryResult, SortBy, SortOrder, Store,
};

use super::{played_filter, UserDataResult};

/// What a client asks suggestions for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SuggestionQuery {
    /// Only these kinds (`type`); empty: any playable item.
    pub kinds: Vec<ItemKind>,
    /// Only these media types (`mediaType`); empty: any.
    pub media_types: Vec<MediaType>,
    /// Paging: how many to skip.
    pub start_index: usize,
    /// Paging: how many to return (`None`: all).
    pub limit: Option<usize>,
}

const BY_NAME: &[ItemKind] = &[
    ItemKind::Person,
    ItemKind::Genre,
    ItemKind::MusicGenre,
    ItemKind::Studio,
];

/// The item query behind [`suggestions`] for `user`: their libraries and parental control,
/// their played items left out, random order.
pub fn suggestion_query(
    store: &Store,
    user: &User,
    q: &SuggestionQuery,
) -> UserDataResult<ItemQuery> {
    let kinds: Vec<ItemKind> = q
        .kinds
        .iter()
        .copied()
        .filter(|k| !BY_NAME.contains(k))
        .collect();
    let played = store.read(|c| played_filter(c, user.id, false))?;
    Ok(ItemQuery {
        recursive: true,
        is_folder: if q.kinds.is_empty() {
            Some(false)
        } else {
            None
        },
        include_kinds: kinds,
        exclude_kinds: BY_NAME.to_vec(),
        media_types: q.media_types.clone(),
        visible_libraries: visible_library_ids(user),
        parental: ParentalControl::for_policy(&user.policy),
        played: Some(played),
        sort: vec![(SortBy::Random, SortOrder::Descending)],
        start_index: q.start_index,
        limit: q.limit,
        ..ItemQuery::default()
    })
}

/// A page of suggestions for `user`, with the total number of candidates.
pub fn suggestions(
    store: &Store,
    user: &User,
    q: &SuggestionQuery,
) -> UserDataResult<QueryResult<ItemRecord>> {
    if !q.kinds.is_empty() && q.kinds.iter().all(|k| BY_NAME.contains(k)) {
        return Ok(QueryResult {
            items: Vec::new(),
            total_record_count: 0,
            start_index: q.start_index,
        });
    }
    let query = suggestion_query(store, user, q)?;
    Ok(store.query_items(&query)?)
}
