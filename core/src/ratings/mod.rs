//! Parental ratings: what an item's official rating string (`PG-13`, `TV-MA`, `FSK-16`,
//! `DE-12`, `Rated R`...) scores, the list of ratings a server offers, and the parental control
//! a user's policy puts on item queries.
//!
//! This module owns:
//! - the rating systems ([`systems::SYSTEMS`]: us, gb, de, fr, ca, au, nl and Jellyfin's
//!   cross-country `0-prefer` fallbacks) and [`rating_score`], Jellyfin 10.11's
//!   `LocalizationManager.GetRatingScore`: unrated words, plain ages, `Rated ` prefixes, the
//!   asked country's system (else the server's `MetadataCountryCode`), then the US system, then
//!   every system in order, then `Country: rating` and `XX-rating` forms;
//! - [`parental_ratings`], the `/Localization/ParentalRatings` list (the server country's
//!   ratings plus Jellyfin's catch-alls, by score);
//! - [`ParentalControl`]: a user's `MaxParentalRating`/`MaxParentalSubRating` and
//!   `BlockUnratedItems`, as one SQL condition on the stored scores (for item queries) and as a
//!   test of one item (for item details).
//!
//! Scores are stored per item at write time (`items.rating_score`, `items.rating_sub_score`,
//! see [`crate::store`]); an item without a rating string takes its parent's score, as
//! Jellyfin's inherited parental rating does (an episode is rated like its series).
//!
//! Deliberate differences from Jellyfin: rating strings match ignoring case (Jellyfin's lookup
//! is case-sensitive), a `country/rating` form (`de/12`) is read like `DE-12`, and the country
//! prefix of `XX-rating` is looked up among the rating systems' country codes (`uk` meaning
//! `gb`) rather than through Jellyfin's language table.

pub mod systems;

#[cfg(test)]
mod tests;

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension};

use crate::auth::UserPolicy;
use crate::store::{ItemId, ItemKind, StoreResult};
use systems::{RatingSystem, SYSTEMS};

/// A rating's score: an age, and a finer step within it when the system has sub-scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RatingScore {
    /// The age (0: everyone; 1000: adult; 1001: banned).
    pub score: i32,
    /// The step within the age (`None` in systems without sub-scores).
    pub sub_score: Option<i32>,
}

impl RatingScore {
    /// A score with a sub-score.
    pub const fn new(score: i32, sub_score: Option<i32>) -> Self {
        Self { score, sub_score }
    }
}

/// Rating strings that mean "not rated" (no score), ignoring case.
const UNRATED: &[&str] = &["n/a", "unrated", "not rated", "nr"];

/// The rating system of a country code (ignoring case; `uk` is `gb`).
pub fn system(country: &str) -> Option<&'static RatingSystem> {
    let country = normalize_country(country);
    SYSTEMS.iter().find(|s| s.country == country)
}

/// A country code as the systems spell it: trimmed, lower case, `uk` as `gb`.
pub fn normalize_country(country: &str) -> String {
    let c = country.trim().to_ascii_lowercase();
    if c == "uk" {
        "gb".to_owned()
    } else {
        c
    }
}

fn lookup(system: &RatingSystem, rating: &str) -> Option<RatingScore> {
    system.ratings.iter().find_map(|(names, score, sub)| {
        names
            .iter()
            .any(|n| n.eq_ignore_ascii_case(rating))
            .then_some(RatingScore::new(*score, *sub))
    })
}

/// Removes every occurrence of `needle` (ASCII, ignoring case) from `text`.
fn remove_ignoring_case(text: &str, needle: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let needle = needle.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(at) = lower[i..].find(&needle) {
        out.push_str(&text[i..i + at]);
        i += at + needle.len();
    }
    out.push_str(&text[i..]);
    out
}

/// The score of an official rating string, or `None` for unrated or unknown strings.
///
/// `country` is the rating system to try first; without one, the server's
/// `server_country` (`MetadataCountryCode`) is used. See the module documentation for the
/// order of the lookups.
pub fn rating_score(
    rating: &str,
    country: Option<&str>,
    server_country: &str,
) -> Option<RatingScore> {
    score_with_depth(rating, country, server_country, 0)
}

fn score_with_depth(
    rating: &str,
    country: Option<&str>,
    server_country: &str,
    depth: u8,
) -> Option<RatingScore> {
    let rating = rating.trim();
    if rating.is_empty() || depth > 4 {
        return None;
    }
    if UNRATED.iter().any(|u| u.eq_ignore_ascii_case(rating)) {
        return None;
    }
    // A plain age ("12", "+16", as .NET's int parsing reads them).
    if let Ok(age) = rating.parse::<i32>() {
        return Some(RatingScore::new(age, None));
    }
    let mut rating = rating.to_owned();
    for prefix in ["Rated :", "Rated:", "Rated "] {
        rating = remove_ignoring_case(&rating, prefix);
    }
    let rating = rating.trim();
    if rating.is_empty() {
        return None;
    }
    let first = country.unwrap_or(server_country);
    if let Some(found) = system(first).and_then(|s| lookup(s, rating)) {
        return Some(found);
    }
    if let Some(found) = system("us").and_then(|s| lookup(s, rating)) {
        return Some(found);
    }
    if let Some(found) = SYSTEMS.iter().find_map(|s| lookup(s, rating)) {
        return Some(found);
    }
    // "Germany: FSK 18": the part after the last colon, in the server's system.
    if let Some((_, right)) = rating.rsplit_once(':') {
        if !right.trim().is_empty() {
            return score_with_depth(right, None, server_country, depth + 1);
        }
    }
    // "DE-12" / "de/12": a country prefix, then the rating in that country's system.
    for separator in ['/', '-'] {
        if let Some((left, _)) = rating.split_once(separator) {
            let right = match separator {
                // Jellyfin takes the part after the last dash ("DE-FSK-16" is "16").
                '-' => rating.rsplit_once('-').map(|(_, r)| r).unwrap_or(""),
                _ => &rating[left.len() + 1..],
            };
            if right.trim().is_empty() {
                continue;
            }
            let prefix_country = system(left).map(|s| s.country);
            return score_with_depth(right, prefix_country, server_country, depth + 1);
        }
    }
    None
}

/// One entry of the ratings a server offers (`/Localization/ParentalRatings`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentalRating {
    /// The rating string shown.
    pub name: String,
    /// Its score; `None` for "Unrated".
    pub score: Option<RatingScore>,
}

/// The ratings offered for choosing a user's limit: every rating string of the server
/// country's system (none when the country has no system here), plus Jellyfin's catch-alls
/// when no rating has their score (`Unrated`, `Approved` 0, `10`, `13`, `14`, `21` when nothing
/// reaches 21, `XXX` 1000, `Banned` 1001), ordered by score then sub-score ("Unrated" first).
pub fn parental_ratings(server_country: &str) -> Vec<ParentalRating> {
    let mut out: Vec<ParentalRating> = system(server_country)
        .into_iter()
        .flat_map(|s| s.ratings.iter())
        .flat_map(|(names, score, sub)| {
            names.iter().map(move |n| ParentalRating {
                name: (*n).to_owned(),
                score: Some(RatingScore::new(*score, *sub)),
            })
        })
        .collect();
    let has = |out: &[ParentalRating], age: i32| {
        out.iter().any(|r| r.score.is_some_and(|s| s.score == age))
    };
    out.push(ParentalRating {
        name: "Unrated".into(),
        score: None,
    });
    for (name, age) in [("Approved", 0), ("10", 10), ("13", 13), ("14", 14)] {
        if !has(&out, age) {
            out.push(ParentalRating {
                name: name.into(),
                score: Some(RatingScore::new(age, None)),
            });
        }
    }
    if !out.iter().any(|r| r.score.is_some_and(|s| s.score >= 21)) {
        out.push(ParentalRating {
            name: "21".into(),
            score: Some(RatingScore::new(21, None)),
        });
    }
    for (name, age) in [("XXX", 1000), ("Banned", 1001)] {
        if !has(&out, age) {
            out.push(ParentalRating {
                name: name.into(),
                score: Some(RatingScore::new(age, None)),
            });
        }
    }
    // Stable: equal scores keep the system's order. `None` sorts first, as .NET orders nulls.
    out.sort_by_key(|r| (r.score.map(|s| s.score), r.score.and_then(|s| s.sub_score)));
    out
}

/// The kinds of unrated items a policy can block (Jellyfin's `UnratedItem`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnratedItem {
    /// Movies and collections.
    Movie,
    /// Trailers.
    Trailer,
    /// Series, seasons and episodes.
    Series,
    /// Artists, albums, songs and music videos.
    Music,
    /// Books and audiobooks.
    Book,
    /// Live TV channels (none in this build's store).
    LiveTvChannel,
    /// Live TV programs (none in this build's store).
    LiveTvProgram,
    /// Channel content (none in this build's store).
    ChannelContent,
    /// Other videos.
    Other,
}

impl UnratedItem {
    /// Every value, in Jellyfin's order.
    pub const ALL: &'static [UnratedItem] = &[
        UnratedItem::Movie,
        UnratedItem::Trailer,
        UnratedItem::Series,
        UnratedItem::Music,
        UnratedItem::Book,
        UnratedItem::LiveTvChannel,
        UnratedItem::LiveTvProgram,
        UnratedItem::ChannelContent,
        UnratedItem::Other,
    ];

    /// Jellyfin's name.
    pub fn name(self) -> &'static str {
        match self {
            UnratedItem::Movie => "Movie",
            UnratedItem::Trailer => "Trailer",
            UnratedItem::Series => "Series",
            UnratedItem::Music => "Music",
            UnratedItem::Book => "Book",
            UnratedItem::LiveTvChannel => "LiveTvChannel",
            UnratedItem::LiveTvProgram => "LiveTvProgram",
            UnratedItem::ChannelContent => "ChannelContent",
            UnratedItem::Other => "Other",
        }
    }

    /// Parses a name, ignoring case.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|u| u.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The item kinds this value blocks when they are unrated.
    pub fn kinds(self) -> &'static [ItemKind] {
        match self {
            UnratedItem::Movie => &[ItemKind::Movie, ItemKind::BoxSet],
            UnratedItem::Trailer => &[ItemKind::Trailer],
            UnratedItem::Series => &[ItemKind::Series, ItemKind::Season, ItemKind::Episode],
            UnratedItem::Music => &[
                ItemKind::MusicArtist,
                ItemKind::MusicAlbum,
                ItemKind::Audio,
                ItemKind::MusicVideo,
            ],
            UnratedItem::Book => &[ItemKind::Book, ItemKind::AudioBook],
            UnratedItem::LiveTvChannel
            | UnratedItem::LiveTvProgram
            | UnratedItem::ChannelContent => &[],
            UnratedItem::Other => &[ItemKind::Video],
        }
    }
}

/// Which [`UnratedItem`] an item kind falls under; `None` for kinds never blocked when unrated
/// (plain folders, libraries and by-name items: Jellyfin lets the media under them decide).
pub fn unrated_item_of(kind: ItemKind) -> Option<UnratedItem> {
    UnratedItem::ALL
        .iter()
        .copied()
        .find(|u| u.kinds().contains(&kind))
}

/// A user's parental control over item queries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParentalControl {
    /// The highest score allowed (`MaxParentalRating`) and the highest sub-score at that score
    /// (`MaxParentalSubRating`, 0 when not set); `None`: no limit.
    pub max: Option<(i32, i32)>,
    /// The kinds of items hidden when they have no score (`BlockUnratedItems`).
    pub block_unrated: Vec<UnratedItem>,
}

impl ParentalControl {
    /// The control a policy asks for; `None` when it asks for none (no limit, nothing blocked).
    /// Unknown `BlockUnratedItems` names are ignored.
    pub fn for_policy(policy: &UserPolicy) -> Option<Self> {
        let mut block_unrated: Vec<UnratedItem> = policy
            .block_unrated_items
            .iter()
            .filter_map(|n| UnratedItem::from_name(n))
            .collect();
        block_unrated.sort_by_key(|u| UnratedItem::ALL.iter().position(|a| a == u));
        block_unrated.dedup();
        let control = Self {
            max: policy
                .max_parental_rating
                .map(|m| (m, policy.max_parental_sub_rating.unwrap_or(0))),
            block_unrated,
        };
        (control.max.is_some() || !control.block_unrated.is_empty()).then_some(control)
    }

    /// The item kinds hidden when they have no rating score.
    pub fn blocked_kinds(&self) -> Vec<ItemKind> {
        self.block_unrated
            .iter()
            .flat_map(|u| u.kinds().iter().copied())
            .collect()
    }

    /// Whether an item of `kind` with the stored `score` passes, as Jellyfin's query filter
    /// decides: no score passes the limit (but is blocked when its kind is in
    /// `block_unrated`); a lower score passes; the limit's score passes when the sub-score
    /// (0 when none) is at most the limit's.
    pub fn allows(&self, kind: Option<ItemKind>, score: Option<RatingScore>) -> bool {
        match score {
            None => !kind.is_some_and(|k| self.blocked_kinds().contains(&k)),
            Some(s) => match self.max {
                None => true,
                Some((max, max_sub)) => {
                    s.score < max || (s.score == max && s.sub_score.unwrap_or(0) <= max_sub)
                }
            },
        }
    }

    /// The SQL condition (on `items.rating_score`, `items.rating_sub_score`, `items.kind`)
    /// and its arguments, equal to [`ParentalControl::allows`].
    pub fn sql(&self) -> (String, Vec<Value>) {
        let mut clauses = Vec::new();
        let mut args = Vec::new();
        if let Some((max, max_sub)) = self.max {
            clauses.push(
                "(items.rating_score IS NULL OR items.rating_score < ? OR (items.rating_score = ? \
                 AND COALESCE(items.rating_sub_score, 0) <= ?))"
                    .to_owned(),
            );
            args.extend([
                Value::Integer(max.into()),
                Value::Integer(max.into()),
                Value::Integer(max_sub.into()),
            ]);
        }
        let kinds = self.blocked_kinds();
        if !kinds.is_empty() {
            let marks = vec!["?"; kinds.len()].join(", ");
            clauses.push(format!(
                "(items.rating_score IS NOT NULL OR items.kind NOT IN ({marks}))"
            ));
            args.extend(kinds.iter().map(|k| Value::Text(k.name().to_owned())));
        }
        if clauses.is_empty() {
            ("1".to_owned(), args)
        } else {
            (clauses.join(" AND "), args)
        }
    }
}

/// An item's stored score (`None` when it has none, or when the item does not exist).
pub fn stored_score(conn: &Connection, id: ItemId) -> StoreResult<Option<RatingScore>> {
    Ok(conn
        .prepare_cached("SELECT rating_score, rating_sub_score FROM items WHERE id = ?1")?
        .query_row([&id.0[..]], |r| {
            let score: Option<i32> = r.get(0)?;
            let sub: Option<i32> = r.get(1)?;
            Ok(score.map(|s| RatingScore::new(s, sub)))
        })
        .optional()?
        .flatten())
}

/// Whether `control` lets a user see the item `id` of `kind` (a missing item passes: the caller
/// answers "not found" anyway).
pub fn item_allowed(
    conn: &Connection,
    id: ItemId,
    kind: Option<ItemKind>,
    control: &ParentalControl,
) -> StoreResult<bool> {
    Ok(control.allows(kind, stored_score(conn, id)?))
}
