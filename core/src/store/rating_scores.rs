//! Stored parental rating scores (`items.rating_score`, `items.rating_sub_score`): the SQL
//! functions that score an official rating string, the scores written with every item, the
//! inheritance from parents, and re-scoring when the server's rating country changes.
//!
//! The rules are [`crate::ratings`]'; this file only keeps the stored columns equal to them:
//! - an item with a rating string scores it in the store's rating country
//!   (`rating_country.code`, the server's `MetadataCountryCode`, lower case);
//! - an item without one (empty or blank) takes its parent's stored score, so an episode is
//!   rated like its series and a trailer like its movie;
//! - when a folder's score changes, its unrated descendants take the score of their nearest
//!   rated ancestor.
//!
//! The functions `jf_rating_score(rating, country)` and `jf_rating_sub_score(rating, country)`
//! are registered on the writer connection before migrations run (the migration adding the
//! columns scores the existing items with them); `upsert_item` scores the item it writes in its
//! `INSERT` with them.

use rusqlite::functions::FunctionFlags;
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::model::{ItemId, ItemKind};
use super::StoreResult;
use crate::ratings::{normalize_country, rating_score, RatingScore};

/// Registers `jf_rating_score(rating, country)` and `jf_rating_sub_score(rating, country)`:
/// the score and sub-score of a rating string (NULL when unrated or unknown).
pub(crate) fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    for (name, sub) in [("jf_rating_score", false), ("jf_rating_sub_score", true)] {
        conn.create_scalar_function(
            name,
            2,
            FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
            move |ctx| {
                let rating: Option<String> = ctx.get(0)?;
                let country: Option<String> = ctx.get(1)?;
                let score =
                    rating.and_then(|r| rating_score(&r, None, country.as_deref().unwrap_or("us")));
                Ok(if sub {
                    score.and_then(|s| s.sub_score)
                } else {
                    score.map(|s| s.score)
                })
            },
        )?;
    }
    Ok(())
}

/// The stored score of an item (`None` when it has none or does not exist).
fn stored(conn: &Connection, id: ItemId) -> StoreResult<Option<Option<RatingScore>>> {
    Ok(conn
        .prepare_cached("SELECT rating_score, rating_sub_score FROM items WHERE id = ?1")?
        .query_row([&id.0[..]], |r| {
            let score: Option<i32> = r.get(0)?;
            let sub: Option<i32> = r.get(1)?;
            Ok(score.map(|s| RatingScore::new(s, sub)))
        })
        .optional()?)
}

/// Before an upsert: the folder's current score, to see afterwards whether its descendants
/// need re-scoring (`None` for non-folders and new items: nothing below them yet).
pub(crate) fn before_upsert(
    tx: &Transaction<'_>,
    id: ItemId,
    kind: ItemKind,
) -> StoreResult<Option<Option<RatingScore>>> {
    if kind.is_folder() {
        stored(tx, id)
    } else {
        Ok(None)
    }
}

/// After an upsert: when a folder's score changed, its unrated descendants follow.
pub(crate) fn after_upsert(
    tx: &Transaction<'_>,
    id: ItemId,
    before: Option<Option<RatingScore>>,
) -> StoreResult<()> {
    let Some(before) = before else {
        return Ok(());
    };
    if stored(tx, id)?.flatten() != before {
        rescore_inherited(tx, Some(id))?;
    }
    Ok(())
}

/// The nearest ancestor with a rating string, as a correlated sub-select on `items`.
fn nearest_rated_ancestor(column: &str) -> String {
    format!(
        "(SELECT a.{column} FROM item_ancestors ia JOIN items a ON a.id = ia.ancestor_id
          WHERE ia.item_id = items.id AND TRIM(COALESCE(a.official_rating, '')) != ''
          ORDER BY (SELECT COUNT(*) FROM item_ancestors d WHERE d.item_id = a.id) DESC
          LIMIT 1)"
    )
}

/// Re-scores the unrated items under `root` (every unrated item when `None`) from their
/// nearest rated ancestor. Returns how many rows changed.
fn rescore_inherited(tx: &Transaction<'_>, root: Option<ItemId>) -> StoreResult<usize> {
    let score = nearest_rated_ancestor("rating_score");
    let sub = nearest_rated_ancestor("rating_sub_score");
    let scope = if root.is_some() {
        "items.id IN (SELECT item_id FROM item_ancestors WHERE ancestor_id = ?1)"
    } else {
        "items.parent_id IS NOT NULL"
    };
    let sql = format!(
        "UPDATE items SET rating_score = {score}, rating_sub_score = {sub}
         WHERE {scope} AND TRIM(COALESCE(items.official_rating, '')) = ''
           AND (items.rating_score IS NOT {score} OR items.rating_sub_score IS NOT {sub})"
    );
    Ok(match root {
        Some(id) => tx.execute(&sql, [&id.0[..]])?,
        None => tx.execute(&sql, [])?,
    })
}

/// The store's rating country (lower case), as set by [`set_rating_country`].
pub fn rating_country(conn: &Connection) -> StoreResult<String> {
    Ok(conn
        .query_row("SELECT code FROM rating_country WHERE id = 1", [], |r| {
            r.get::<_, String>(0)
        })
        .optional()?
        .unwrap_or_else(|| "us".to_owned()))
}

/// Sets the country whose rating system scores unprefixed rating strings (the server's
/// `MetadataCountryCode`) and, when it changed, re-scores every item. Returns how many items'
/// scores changed.
pub fn set_rating_country(tx: &Transaction<'_>, country: &str) -> StoreResult<usize> {
    let code = normalize_country(country);
    let code = if code.is_empty() {
        "us".to_owned()
    } else {
        code
    };
    if rating_country(tx)? == code {
        return Ok(0);
    }
    tx.execute(
        "INSERT INTO rating_country (id, code) VALUES (1, ?1)
         ON CONFLICT(id) DO UPDATE SET code = excluded.code",
        params![code],
    )?;
    let own = tx.execute(
        "UPDATE items SET rating_score = jf_rating_score(official_rating, ?1),
            rating_sub_score = jf_rating_sub_score(official_rating, ?1)
         WHERE TRIM(COALESCE(official_rating, '')) != ''
           AND (rating_score IS NOT jf_rating_score(official_rating, ?1)
             OR rating_sub_score IS NOT jf_rating_sub_score(official_rating, ?1))",
        params![code],
    )?;
    Ok(own + rescore_inherited(tx, None)?)
}
