//! `/Localization/*` (bare arrays, spec access `FirstTimeSetupOrDefault`, applied by the
//! gate): parental ratings of the server's metadata country, cultures, countries and
//! interface languages, all from the core (`jellyfin_core::ratings`, `::localization`).

use hyper::Response;
use jellyfin_core::localization::{countries, cultures, UI_LANGUAGES};
use jellyfin_core::ratings::{parental_ratings, RatingScore};
use serde::Serialize;

use crate::error::Error;
use crate::http::{json, Body, Server};

/// `ParentalRatingScore` (camelCase keys in Jellyfin's spec).
#[derive(Serialize)]
pub struct ParentalRatingScoreDto {
    score: i32,
    #[serde(rename = "subScore", skip_serializing_if = "Option::is_none")]
    sub_score: Option<i32>,
}

/// `ParentalRating`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ParentalRatingDto {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rating_score: Option<ParentalRatingScoreDto>,
}

fn score_dto(s: RatingScore) -> ParentalRatingScoreDto {
    ParentalRatingScoreDto {
        score: s.score,
        sub_score: s.sub_score,
    }
}

/// The server's metadata country (`MetadataCountryCode`, US when unset or unreadable).
fn server_country(server: &Server) -> String {
    server
        .library()
        .settings()
        .load()
        .ok()
        .and_then(|v| v["MetadataCountryCode"].as_str().map(str::to_owned))
        .filter(|c| !c.trim().is_empty())
        .unwrap_or_else(|| "US".to_owned())
}

/// `GET /Localization/ParentalRatings`.
pub fn parental_ratings_list(server: &Server) -> Result<Response<Body>, Error> {
    let list: Vec<ParentalRatingDto> = parental_ratings(&server_country(server))
        .into_iter()
        .map(|r| ParentalRatingDto {
            name: r.name,
            value: r.score.map(|s| s.score),
            rating_score: r.score.map(score_dto),
        })
        .collect();
    json(&list)
}

/// `CultureDto`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CultureDto {
    name: String,
    display_name: String,
    #[serde(rename = "TwoLetterISOLanguageName")]
    two_letter_iso_language_name: String,
    #[serde(
        rename = "ThreeLetterISOLanguageName",
        skip_serializing_if = "Option::is_none"
    )]
    three_letter_iso_language_name: Option<String>,
    #[serde(rename = "ThreeLetterISOLanguageNames")]
    three_letter_iso_language_names: Vec<String>,
}

/// `GET /Localization/Cultures`.
pub fn cultures_list() -> Result<Response<Body>, Error> {
    let list: Vec<CultureDto> = cultures()
        .into_iter()
        .map(|c| CultureDto {
            name: c.name,
            display_name: c.display_name,
            two_letter_iso_language_name: c.two_letter,
            three_letter_iso_language_name: c.three_letter.first().cloned(),
            three_letter_iso_language_names: c.three_letter,
        })
        .collect();
    json(&list)
}

/// `CountryInfo`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CountryInfo {
    name: &'static str,
    display_name: &'static str,
    #[serde(rename = "TwoLetterISORegionName")]
    two_letter_iso_region_name: &'static str,
    #[serde(rename = "ThreeLetterISORegionName")]
    three_letter_iso_region_name: &'static str,
}

/// `GET /Localization/Countries`.
pub fn countries_list() -> Result<Response<Body>, Error> {
    let list: Vec<CountryInfo> = countries()
        .into_iter()
        .map(|c| CountryInfo {
            name: c.two_letter,
            display_name: c.display_name,
            two_letter_iso_region_name: c.two_letter,
            three_letter_iso_region_name: c.three_letter,
        })
        .collect();
    json(&list)
}

/// `LocalizationOption`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct LocalizationOption {
    name: &'static str,
    value: &'static str,
}

/// `GET /Localization/Options`.
pub fn options_list() -> Result<Response<Body>, Error> {
    let list: Vec<LocalizationOption> = UI_LANGUAGES
        .iter()
        .map(|(name, value)| LocalizationOption { name, value })
        .collect();
    json(&list)
}
