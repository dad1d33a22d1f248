//! `SearchHintResult` and `SearchHint` (`GET /Search/Hints`).

use jellyfin_core::store::{ItemKind, ItemRecord};
use serde::Serialize;

use super::item::{aspect_ratio, first_image, image_tag, PRIMARY};

/// `SearchHintResult`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SearchHintResult {
    /// The hints of the page.
    pub search_hints: Vec<SearchHint>,
    /// Hints in all.
    pub total_record_count: usize,
}

/// `SearchHint`: one found item, with what a result list shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SearchHint {
    /// The item id (N format).
    pub item_id: String,
    /// The item id again (10.11 sends both).
    pub id: String,
    /// Display name.
    pub name: String,
    /// The name that matched.
    pub matched_term: String,
    /// `Movie`, `Episode`, `Person`...
    #[serde(rename = "Type")]
    pub kind: &'static str,
    /// Folders (series, albums) are.
    pub is_folder: bool,
    /// `Video`, `Audio`... (`Unknown` for folders and by-name items).
    pub media_type: &'static str,
    /// Episode number, track number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_number: Option<i32>,
    /// Season number, disc number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_index_number: Option<i32>,
    /// Year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub production_year: Option<i32>,
    /// Runtime, ticks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_time_ticks: Option<i64>,
    /// Primary image tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_image_tag: Option<String>,
    /// Primary image width / height.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_image_aspect_ratio: Option<f64>,
    /// An episode's series name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series: Option<String>,
    /// A track's album.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub album: Option<String>,
    /// A track's or album's album artist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub album_artist: Option<String>,
    /// A track's artists.
    pub artists: Vec<String>,
}

impl SearchHint {
    /// The hint of an item.
    pub fn of(item: &ItemRecord) -> Option<Self> {
        let id = item.id?.to_n();
        let kind = item.kind.unwrap_or(ItemKind::Folder);
        let primary = first_image(item, PRIMARY);
        Some(Self {
            item_id: id.clone(),
            id,
            name: item.name.clone(),
            matched_term: item.name.clone(),
            kind: kind.name(),
            is_folder: kind.is_folder(),
            media_type: item.media_type.map(|m| m.name()).unwrap_or("Unknown"),
            index_number: item.index_number,
            parent_index_number: item.parent_index_number,
            production_year: item.production_year,
            run_time_ticks: item.run_time_ticks,
            primary_image_tag: primary.map(image_tag),
            primary_image_aspect_ratio: primary.and_then(aspect_ratio),
            series: item.series_name.clone(),
            album: item.album.clone(),
            album_artist: item.album_artists.first().cloned(),
            artists: item.artists.clone(),
        })
    }
}
