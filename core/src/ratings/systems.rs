//! The rating systems, as data: per country, which rating strings mean which score (an age) and
//! sub-score (a finer step within one age). Values are Jellyfin 10.11's
//! (`Emby.Server.Implementations/Localization/Ratings/*.json`, the `score`/`subScore` format).
//!
//! Order matters: when a rating is not found in the asked system (nor in the US one), the
//! systems are searched in this order, which is Jellyfin's (its resource file names, sorted:
//! `0-prefer` first, then by file name — `uk.json` holds `gb`).

/// One rating system: a country's rating strings and their scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RatingSystem {
    /// The lower-case two-letter country code (`0-prefer` for the cross-country fallbacks).
    pub country: &'static str,
    /// Whether the system distinguishes sub-scores within one age.
    pub supports_sub_scores: bool,
    /// (rating strings, score, sub-score) in the file's order.
    pub ratings: &'static [(&'static [&'static str], i32, Option<i32>)],
}

/// Every rating system this build knows, in Jellyfin's lookup order.
pub const SYSTEMS: &[RatingSystem] = &[
    RatingSystem {
        country: "0-prefer",
        supports_sub_scores: false,
        ratings: &[
            (&["E", "EC"], 0, None),
            (&["T"], 7, None),
            (&["M", "AO", "UR", "RP"], 18, None),
            (&["X", "XX", "XXX", "XXXX", "P"], 1000, None),
        ],
    },
    RatingSystem {
        country: "au",
        supports_sub_scores: true,
        ratings: &[
            (&["Exempt", "G"], 0, Some(0)),
            (&["7+"], 7, Some(0)),
            (&["PG"], 15, Some(1)),
            (&["M"], 15, Some(2)),
            (&["MA", "MA 15+", "MA15+"], 15, Some(3)),
            (&["16+"], 16, Some(0)),
            (&["18+", "R", "R18+", "R 18+"], 18, Some(1)),
            (&["X", "X18", "X 18"], 1000, Some(0)),
            (&["RC"], 1001, Some(0)),
        ],
    },
    RatingSystem {
        country: "ca",
        supports_sub_scores: true,
        ratings: &[
            (&["C", "E", "G", "TV-Y", "TV-G"], 0, Some(0)),
            (&["TV-Y7"], 7, Some(0)),
            (&["TV-Y7-FV"], 7, Some(1)),
            (&["PG", "TV-PG"], 8, Some(1)),
            (&["14A"], 14, Some(0)),
            (&["14+", "TV-14"], 14, Some(1)),
            (&["16+"], 16, Some(0)),
            (&["NC-17"], 17, Some(0)),
            (&["18A"], 18, Some(0)),
            (&["18+", "TV-MA", "R"], 18, Some(1)),
            (&["A"], 1000, Some(0)),
            (&["Prohibited"], 1001, Some(0)),
        ],
    },
    RatingSystem {
        country: "de",
        supports_sub_scores: false,
        ratings: &[
            (
                &["0", "FSK 0", "FSK-0", "Educational", "Infoprogramm"],
                0,
                None,
            ),
            (&["6", "FSK 6", "FSK-6"], 6, None),
            (&["12", "FSK 12", "FSK-12"], 12, None),
            (&["16", "FSK 16", "FSK-16"], 16, None),
            (&["18", "FSK 18", "FSK-18"], 18, None),
        ],
    },
    RatingSystem {
        country: "fr",
        supports_sub_scores: false,
        ratings: &[
            (&["0+", "Public Averti", "Tous Publics", "TP", "U"], 0, None),
            (&["6+"], 6, None),
            (&["9+"], 9, None),
            (&["10"], 10, None),
            (&["12"], 12, None),
            (&["14+"], 14, None),
            (&["16"], 16, None),
            (&["18"], 18, None),
            (&["X"], 1000, None),
        ],
    },
    RatingSystem {
        country: "nl",
        supports_sub_scores: false,
        ratings: &[
            (&["AL"], 0, None),
            (&["6", "MG6"], 6, None),
            (&["9"], 9, None),
            (&["12"], 12, None),
            (&["14"], 14, None),
            (&["16"], 16, None),
            (&["18"], 18, None),
        ],
    },
    RatingSystem {
        country: "gb",
        supports_sub_scores: true,
        ratings: &[
            (&["0+", "All", "E", "G", "U"], 0, Some(0)),
            (&["6+"], 6, Some(0)),
            (&["7+"], 7, Some(0)),
            (&["PG"], 8, Some(0)),
            (&["9"], 9, Some(0)),
            (&["12A", "12PG"], 12, Some(0)),
            (&["12", "12+"], 12, Some(1)),
            (&["13+", "Teen"], 13, Some(0)),
            (&["14+"], 14, Some(0)),
            (&["15"], 15, Some(3)),
            (&["16"], 16, Some(0)),
            (&["18", "Caution"], 18, Some(1)),
            (&["Mature", "Adult", "R18"], 1000, Some(0)),
        ],
    },
    RatingSystem {
        country: "us",
        supports_sub_scores: true,
        ratings: &[
            (&["Approved", "G", "TV-G", "TV-Y"], 0, Some(0)),
            (&["TV-Y7"], 7, Some(0)),
            (&["TV-Y7-FV"], 7, Some(1)),
            (&["PG"], 10, Some(0)),
            (&["PG-13", "TV-PG"], 13, Some(0)),
            (
                &[
                    "TV-PG-D",
                    "TV-PG-L",
                    "TV-PG-S",
                    "TV-PG-V",
                    "TV-PG-DL",
                    "TV-PG-DS",
                    "TV-PG-DV",
                    "TV-PG-LS",
                    "TV-PG-LV",
                    "TV-PG-SV",
                    "TV-PG-DLS",
                    "TV-PG-DLV",
                    "TV-PG-DSV",
                    "TV-PG-LSV",
                    "TV-PG-DLSV",
                ],
                13,
                Some(1),
            ),
            (&["TV-14"], 14, Some(0)),
            (
                &[
                    "TV-14-D",
                    "TV-14-L",
                    "TV-14-S",
                    "TV-14-V",
                    "TV-14-DL",
                    "TV-14-DS",
                    "TV-14-DV",
                    "TV-14-LS",
                    "TV-14-LV",
                    "TV-14-SV",
                    "TV-14-DLS",
                    "TV-14-DLV",
                    "TV-14-DSV",
                    "TV-14-LSV",
                    "TV-14-DLSV",
                ],
                14,
                Some(1),
            ),
            (&["R"], 17, Some(0)),
            (
                &[
                    "NC-17",
                    "TV-MA",
                    "TV-MA-L",
                    "TV-MA-S",
                    "TV-MA-V",
                    "TV-MA-LS",
                    "TV-MA-LV",
                    "TV-MA-SV",
                    "TV-MA-LSV",
                ],
                17,
                Some(1),
            ),
        ],
    },
];
