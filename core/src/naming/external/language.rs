//! Language lookup for external-file flags: the [`LanguageLookup`] seam, Jellyfin's real ISO
//! 639-2 table ([`Iso6392`], embedded from `iso6392.txt`) and a map-based stand-in
//! ([`MapLanguageLookup`]) for tests and embedders.

use std::collections::HashMap;
use std::sync::Arc;

use super::casing::fold;

/// Finds the language a file-name token names.
pub trait LanguageLookup {
    /// The language code for `token` (`"eng"`, `"fra"`, or a regional code such as `"pt-br"`),
    /// or `None` when the token is not a known language.
    fn find(&self, token: &str) -> Option<String>;
}

impl<T: LanguageLookup + ?Sized> LanguageLookup for &T {
    fn find(&self, token: &str) -> Option<String> {
        (**self).find(token)
    }
}

impl<T: LanguageLookup + ?Sized> LanguageLookup for Arc<T> {
    fn find(&self, token: &str) -> Option<String> {
        (**self).find(token)
    }
}

/// The table Jellyfin ships (`bib|term|2-letter|English name|French name` per line).
const ISO6392_TABLE: &str = include_str!("iso6392.txt");

/// One usable row of the ISO 639-2 table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanguageRow {
    /// The 639-2/B (bibliographic) code, e.g. `fre`.
    pub bibliographic: String,
    /// The 639-2/T (terminology) code when it differs from the bibliographic one, e.g. `fra`.
    pub terminology: Option<String>,
    /// The 2-letter (639-1) code, or a regional code such as `pt-br`.
    pub two_letter: String,
    /// The English name field, as written in the table (`Spanish; Castilian`).
    pub english_name: String,
}

impl LanguageRow {
    /// The code a stream gets: the regional code for a regional row (`pt-br`), otherwise the
    /// ISO 639-2/T code (`fra`, `deu`, `eng`).
    pub fn code(&self) -> &str {
        if self.two_letter.contains('-') {
            &self.two_letter
        } else {
            self.terminology.as_deref().unwrap_or(&self.bibliographic)
        }
    }
}

/// Jellyfin's ISO 639-2 language table, parsed once.
///
/// As in Jellyfin, only rows with a 2-letter (or regional) code are languages; a token matches a
/// row when it equals, ignoring case, the row's English name field, either 3-letter code or its
/// 2-letter/regional code. The first matching row in table order wins.
#[derive(Debug, Clone)]
pub struct Iso6392 {
    rows: Vec<LanguageRow>,
    /// Folded token -> index of the first row it names.
    index: HashMap<String, usize>,
}

impl Iso6392 {
    /// Parses the embedded table.
    pub fn new() -> Self {
        Self::parse(ISO6392_TABLE)
    }

    /// Parses a table in the `bib|term|2-letter|English|French` format. Lines of another shape,
    /// and rows without an English name or a 2-letter code, are skipped (as Jellyfin does).
    pub fn parse(text: &str) -> Self {
        let mut rows = Vec::new();
        let mut index = HashMap::new();
        for line in text.lines() {
            let parts: Vec<&str> = line.split('|').collect();
            if parts.len() != 5 {
                continue;
            }
            let (bib, term, two, english) = (parts[0], parts[1], parts[2], parts[3]);
            if english.trim().is_empty() || two.trim().is_empty() {
                continue;
            }
            let row = LanguageRow {
                bibliographic: bib.to_owned(),
                terminology: (!term.trim().is_empty()).then(|| term.to_owned()),
                two_letter: two.to_owned(),
                english_name: english.to_owned(),
            };
            let at = rows.len();
            let mut keys = vec![english, bib, two];
            if let Some(t) = &row.terminology {
                keys.push(t);
            }
            for key in keys {
                if !key.is_empty() {
                    index.entry(fold(key)).or_insert(at);
                }
            }
            rows.push(row);
        }
        Self { rows, index }
    }

    /// The row `token` names, if any.
    pub fn row(&self, token: &str) -> Option<&LanguageRow> {
        if token.is_empty() {
            return None;
        }
        self.index.get(&fold(token)).and_then(|&i| self.rows.get(i))
    }

    /// Every usable row, in table order.
    pub fn rows(&self) -> &[LanguageRow] {
        &self.rows
    }
}

impl Default for Iso6392 {
    fn default() -> Self {
        Self::new()
    }
}

impl LanguageLookup for Iso6392 {
    fn find(&self, token: &str) -> Option<String> {
        self.row(token).map(|r| r.code().to_owned())
    }
}

/// A language lookup from an explicit token -> code map (exact, case-insensitive). A code that
/// is a value of the map also names itself, so `{"en": "eng"}` knows both `en` and `eng`.
#[derive(Debug, Clone, Default)]
pub struct MapLanguageLookup {
    map: HashMap<String, String>,
}

impl MapLanguageLookup {
    /// Builds the lookup from `(token, code)` pairs; the first pair for a token wins.
    pub fn new<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        let mut map = HashMap::new();
        let mut codes = Vec::new();
        for (k, v) in pairs {
            let v: String = v.into();
            codes.push(v.clone());
            map.entry(fold(k.as_ref())).or_insert(v);
        }
        for code in codes {
            map.entry(fold(&code)).or_insert(code);
        }
        Self { map }
    }
}

impl LanguageLookup for MapLanguageLookup {
    fn find(&self, token: &str) -> Option<String> {
        if token.is_empty() {
            return None;
        }
        self.map.get(&fold(token)).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_table_gives_terminology_and_regional_codes() {
        let t = Iso6392::new();
        let cases: &[(&str, Option<&str>)] = &[
            ("fr", Some("fra")),
            ("FRE", Some("fra")),
            ("fra", Some("fra")),
            ("French", Some("fra")),
            ("de", Some("deu")),
            ("ger", Some("deu")),
            ("German", Some("deu")),
            ("en", Some("eng")),
            ("ENG", Some("eng")),
            ("english", Some("eng")),
            ("hi", Some("hin")),
            ("pt-br", Some("pt-br")),
            ("PT-BR", Some("pt-br")),
            ("pob", Some("pt-br")),
            ("fr-ca", Some("fr-ca")),
            ("zh-tw", Some("zh-tw")),
            ("chi", Some("zho")),
            ("pt", Some("por")),
            // Rows without a 2-letter code are not languages for Jellyfin.
            ("ace", None),
            ("", None),
            ("title", None),
            ("Spanish", None),
        ];
        for (token, code) in cases {
            assert_eq!(t.find(token).as_deref(), *code, "{token:?}");
        }
    }

    #[test]
    fn table_parse_skips_malformed_rows() {
        let t = Iso6392::parse("x|y\neng||en|English|anglais\n|||\nace|||Achinese|aceh\n");
        assert_eq!(t.rows().len(), 1);
        assert_eq!(t.find("EN").as_deref(), Some("eng"));
    }

    #[test]
    fn map_lookup_is_exact_and_case_insensitive() {
        let m = MapLanguageLookup::new([("en", "eng"), ("fr", "fre"), ("hi", "hin")]);
        assert_eq!(m.find("EN").as_deref(), Some("eng"));
        assert_eq!(m.find("eng").as_deref(), Some("eng"));
        assert_eq!(m.find("fre").as_deref(), Some("fre"));
        assert_eq!(m.find("english"), None);
        assert_eq!(m.find(""), None);
    }
}
