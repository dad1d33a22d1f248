//! What the server offers for localization settings (Jellyfin's `LocalizationManager` lists):
//! the cultures (languages) for metadata and subtitle preferences, the countries for the
//! metadata country, and the languages of the web interface. Parental ratings are
//! [`crate::ratings`].
//!
//! Cultures come from Jellyfin's ISO 639-2 table already used for file names
//! ([`crate::naming::external::Iso6392`]): one per row with a 2-letter (or regional) code.
//! Countries are a fixed list of ISO 3166 countries (the ones with rating systems here and the
//! other common metadata countries), not Jellyfin's full list.

use crate::naming::external::Iso6392;

/// A language (Jellyfin's `CultureDto`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Culture {
    /// The name: the English name, or the regional code (`pt-BR`) for regional rows.
    pub name: String,
    /// The English name.
    pub display_name: String,
    /// The ISO 639-1 code (or regional code).
    pub two_letter: String,
    /// The ISO 639-2 codes: bibliographic, then terminology when it differs.
    pub three_letter: Vec<String>,
}

/// Every culture, in table order.
pub fn cultures() -> Vec<Culture> {
    Iso6392::new()
        .rows()
        .iter()
        .map(|row| Culture {
            name: if row.two_letter.contains('-') {
                row.two_letter.clone()
            } else {
                row.english_name.clone()
            },
            display_name: row.english_name.clone(),
            two_letter: row.two_letter.clone(),
            three_letter: std::iter::once(row.bibliographic.clone())
                .chain(row.terminology.clone())
                .collect(),
        })
        .collect()
}

/// A country (Jellyfin's `CountryInfo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    /// The ISO 3166-1 alpha-2 code (Jellyfin's `Name`).
    pub two_letter: &'static str,
    /// The English name.
    pub display_name: &'static str,
    /// The ISO 3166-1 alpha-3 code.
    pub three_letter: &'static str,
}

const COUNTRIES: &[(&str, &str, &str)] = &[
    ("AR", "Argentina", "ARG"),
    ("AU", "Australia", "AUS"),
    ("AT", "Austria", "AUT"),
    ("BE", "Belgium", "BEL"),
    ("BR", "Brazil", "BRA"),
    ("BG", "Bulgaria", "BGR"),
    ("CA", "Canada", "CAN"),
    ("CL", "Chile", "CHL"),
    ("CN", "China", "CHN"),
    ("CO", "Colombia", "COL"),
    ("CZ", "Czech Republic", "CZE"),
    ("DK", "Denmark", "DNK"),
    ("FI", "Finland", "FIN"),
    ("FR", "France", "FRA"),
    ("DE", "Germany", "DEU"),
    ("GR", "Greece", "GRC"),
    ("HK", "Hong Kong", "HKG"),
    ("HU", "Hungary", "HUN"),
    ("IS", "Iceland", "ISL"),
    ("IN", "India", "IND"),
    ("ID", "Indonesia", "IDN"),
    ("IE", "Ireland", "IRL"),
    ("IL", "Israel", "ISR"),
    ("IT", "Italy", "ITA"),
    ("JP", "Japan", "JPN"),
    ("KR", "Korea", "KOR"),
    ("LT", "Lithuania", "LTU"),
    ("MX", "Mexico", "MEX"),
    ("NL", "Netherlands", "NLD"),
    ("NZ", "New Zealand", "NZL"),
    ("NO", "Norway", "NOR"),
    ("PH", "Philippines", "PHL"),
    ("PL", "Poland", "POL"),
    ("PT", "Portugal", "PRT"),
    ("RO", "Romania", "ROU"),
    ("RU", "Russia", "RUS"),
    ("SG", "Singapore", "SGP"),
    ("SK", "Slovakia", "SVK"),
    ("ZA", "South Africa", "ZAF"),
    ("ES", "Spain", "ESP"),
    ("SE", "Sweden", "SWE"),
    ("CH", "Switzerland", "CHE"),
    ("TW", "Taiwan", "TWN"),
    ("TH", "Thailand", "THA"),
    ("TR", "Turkey", "TUR"),
    ("UA", "Ukraine", "UKR"),
    ("GB", "United Kingdom", "GBR"),
    ("US", "United States", "USA"),
];

/// The countries offered, by English name.
pub fn countries() -> Vec<Country> {
    COUNTRIES
        .iter()
        .map(|(two, name, three)| Country {
            two_letter: two,
            display_name: name,
            three_letter: three,
        })
        .collect()
}

/// The languages of the web interface: (English name, culture code).
pub const UI_LANGUAGES: &[(&str, &str)] = &[
    ("Arabic", "ar"),
    ("Bulgarian (Bulgaria)", "bg-BG"),
    ("Catalan", "ca"),
    ("Chinese Simplified", "zh-CN"),
    ("Chinese Traditional", "zh-TW"),
    ("Croatian", "hr"),
    ("Czech", "cs"),
    ("Danish", "da"),
    ("Dutch", "nl"),
    ("English (United Kingdom)", "en-GB"),
    ("English (United States)", "en-US"),
    ("Finnish", "fi"),
    ("French", "fr"),
    ("French (Canada)", "fr-CA"),
    ("German", "de"),
    ("Greek", "el"),
    ("Hebrew", "he"),
    ("Hungarian", "hu"),
    ("Italian", "it"),
    ("Japanese", "ja"),
    ("Korean", "ko"),
    ("Lithuanian", "lt-LT"),
    ("Norwegian Bokmål", "nb"),
    ("Polish", "pl"),
    ("Portuguese (Brazil)", "pt-BR"),
    ("Portuguese (Portugal)", "pt-PT"),
    ("Russian", "ru"),
    ("Slovak", "sk"),
    ("Spanish", "es"),
    ("Swedish", "sv"),
    ("Turkish", "tr"),
    ("Ukrainian", "uk"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cultures_come_from_the_language_table() {
        let all = cultures();
        assert!(all.len() > 150, "{}", all.len());
        let french = all.iter().find(|c| c.two_letter == "fr").unwrap();
        assert_eq!(french.name, "French");
        assert_eq!(french.three_letter, vec!["fre", "fra"]);
        let english = all.iter().find(|c| c.two_letter == "en").unwrap();
        assert_eq!(english.three_letter, vec!["eng"]);
        // Regional rows are named by their code.
        assert!(all
            .iter()
            .any(|c| c.two_letter.contains('-') && c.name == c.two_letter));
        assert!(all
            .iter()
            .all(|c| !c.two_letter.is_empty() && !c.display_name.is_empty()));
    }

    #[test]
    fn countries_cover_every_rating_system_and_are_iso_shaped() {
        let all = countries();
        for system in crate::ratings::systems::SYSTEMS {
            if system.country.len() == 2 {
                assert!(
                    all.iter()
                        .any(|c| c.two_letter.eq_ignore_ascii_case(system.country)),
                    "{}",
                    system.country
                );
            }
        }
        for c in &all {
            assert_eq!(c.two_letter.len(), 2);
            assert_eq!(c.three_letter.len(), 3);
            assert!(c.two_letter.bytes().all(|b| b.is_ascii_uppercase()));
        }
        assert!(UI_LANGUAGES.iter().any(|(_, code)| *code == "en-US"));
    }
}
