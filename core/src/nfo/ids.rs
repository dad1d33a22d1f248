//! Provider ids in NFO files: the names Jellyfin stores them under, the legacy id elements, and
//! ids found in provider URLs (Kodi's "URL NFO": a file that is only a link, or a link after the
//! closing root tag).

use super::NfoKind;
use crate::naming::provider_ids::find_imdb_id;

/// Provider names as Jellyfin spells them (`MetadataProvider` and the common plugins), keyed by
/// lower-case name. `<uniqueid type="...">` values and legacy `<...id>` elements map through it.
const PROVIDERS: &[(&str, &str)] = &[
    ("imdb", "Imdb"),
    ("tmdb", "Tmdb"),
    ("themoviedb", "Tmdb"),
    ("tvdb", "Tvdb"),
    ("thetvdb", "Tvdb"),
    ("tvmaze", "TvMaze"),
    ("tvrage", "TvRage"),
    ("tvcom", "Tvcom"),
    ("zap2it", "Zap2It"),
    ("tmdbcollection", "TmdbCollection"),
    ("musicbrainzalbum", "MusicBrainzAlbum"),
    ("musicbrainzalbumartist", "MusicBrainzAlbumArtist"),
    ("musicbrainzartist", "MusicBrainzArtist"),
    ("musicbrainzreleasegroup", "MusicBrainzReleaseGroup"),
    ("musicbrainztrack", "MusicBrainzTrack"),
    ("audiodbalbum", "AudioDbAlbum"),
    ("audiodbartist", "AudioDbArtist"),
    ("anidb", "AniDB"),
    ("anilist", "AniList"),
    ("anisearch", "AniSearch"),
];

/// The stored name for a provider named `name` in an NFO (`tmdb` → `Tmdb`), ignoring case;
/// an unknown provider keeps the name as written (trimmed).
pub(crate) fn canonical_provider(name: &str) -> String {
    let name = name.trim();
    PROVIDERS
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map_or_else(|| name.to_string(), |(_, v)| (*v).to_string())
}

/// The provider a legacy id element (lower-case name, `imdbid`, `tmdbcolid`, ...) holds, if
/// it is one: `<provider>id` for every known provider, plus Jellyfin's extra mappings
/// (`imdb_id`, `tmdbcolid`, `collectionnumber`).
pub(crate) fn legacy_id_element(element: &str) -> Option<&'static str> {
    match element {
        "imdb_id" => return Some("Imdb"),
        "tmdbcolid" | "collectionnumber" => return Some("TmdbCollection"),
        _ => {}
    }
    let provider = element.strip_suffix("id")?;
    PROVIDERS
        .iter()
        .find(|(k, _)| *k == provider)
        .map(|(_, v)| *v)
}

/// Sets provider id `key` to `value` (trimmed) in `ids`, replacing an existing value of the
/// same key (ignoring case). Empty values are ignored.
pub(crate) fn set_id(ids: &mut Vec<(String, String)>, key: &str, value: &str) {
    let value = value.trim();
    if key.is_empty() || value.is_empty() {
        return;
    }
    match ids.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
        Some(slot) => slot.1 = value.to_string(),
        None => ids.push((key.to_string(), value.to_string())),
    }
}

/// The digits right after the first `marker` in `text`, if there is at least one.
fn digits_after<'a>(text: &'a str, marker: &str) -> Option<&'a str> {
    let start = text.find(marker)? + marker.len();
    let rest = &text[start..];
    let len = rest.bytes().take_while(u8::is_ascii_digit).count();
    (len > 0).then(|| &rest[..len])
}

/// Provider ids in free text (URLs), as Jellyfin's `ParseProviderLinks` finds them: an IMDb id
/// (`tt` + 7 or 8 digits) for every kind, a TMDb movie URL for movies, TMDb TV and TheTVDB
/// series URLs for series. Returned in that order, without duplicates.
pub(crate) fn ids_in_text(text: &str, kind: NfoKind) -> Vec<(String, String)> {
    let mut ids = Vec::new();
    if let Some(imdb) = find_imdb_id(text) {
        set_id(&mut ids, "Imdb", imdb);
    }
    match kind {
        NfoKind::Movie => {
            if let Some(tmdb) = digits_after(text, "themoviedb.org/movie/") {
                set_id(&mut ids, "Tmdb", tmdb);
            }
        }
        NfoKind::TvShow => {
            if let Some(tmdb) = digits_after(text, "themoviedb.org/tv/") {
                set_id(&mut ids, "Tmdb", tmdb);
            }
            let tvdb = [
                "thetvdb.com/?tab=series&id=",
                "thetvdb.com/index.php?tab=series&id=",
                "thetvdb.com/dereferrer/series/",
            ]
            .iter()
            .find_map(|m| digits_after(text, m));
            if let Some(tvdb) = tvdb {
                set_id(&mut ids, "Tvdb", tvdb);
            }
        }
        _ => {}
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_names() {
        let cases = [
            ("tmdb", "Tmdb"),
            ("TMDB", "Tmdb"),
            (" imdb ", "Imdb"),
            ("tvdb", "Tvdb"),
            ("TvMaze", "TvMaze"),
            ("anidb", "AniDB"),
            ("MusicBrainzAlbum", "MusicBrainzAlbum"),
            ("custom", "custom"),
        ];
        for (input, want) in cases {
            assert_eq!(canonical_provider(input), want, "{input}");
        }
    }

    #[test]
    fn legacy_elements() {
        let cases = [
            ("imdbid", Some("Imdb")),
            ("imdb_id", Some("Imdb")),
            ("tmdbid", Some("Tmdb")),
            ("tvdbid", Some("Tvdb")),
            ("tvmazeid", Some("TvMaze")),
            ("tmdbcolid", Some("TmdbCollection")),
            ("collectionnumber", Some("TmdbCollection")),
            ("musicbrainzalbumid", Some("MusicBrainzAlbum")),
            ("id", None),
            ("uniqueid", None),
            ("paid", None),
        ];
        for (element, want) in cases {
            assert_eq!(legacy_id_element(element), want, "{element}");
        }
    }

    #[test]
    fn urls() {
        type Case = (
            &'static str,
            NfoKind,
            &'static [(&'static str, &'static str)],
        );
        let cases: &[Case] = &[
            (
                "https://www.imdb.com/title/tt0111161/",
                NfoKind::Movie,
                &[("Imdb", "tt0111161")],
            ),
            (
                "https://www.themoviedb.org/movie/278-the-shawshank-redemption",
                NfoKind::Movie,
                &[("Tmdb", "278")],
            ),
            ("https://www.themoviedb.org/movie/278", NfoKind::TvShow, &[]),
            (
                "https://www.themoviedb.org/tv/1399",
                NfoKind::TvShow,
                &[("Tmdb", "1399")],
            ),
            (
                "http://thetvdb.com/?tab=series&id=121361",
                NfoKind::TvShow,
                &[("Tvdb", "121361")],
            ),
            (
                "https://thetvdb.com/index.php?tab=series&id=81189&lid=7",
                NfoKind::TvShow,
                &[("Tvdb", "81189")],
            ),
            (
                "tt12345678 tt0111161",
                NfoKind::Episode,
                &[("Imdb", "tt12345678")],
            ),
            ("tt123456", NfoKind::Movie, &[]),
            ("https://example.com/nothing", NfoKind::Movie, &[]),
        ];
        for (text, kind, want) in cases {
            let got = ids_in_text(text, *kind);
            let want: Vec<(String, String)> = want
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            assert_eq!(got, want, "{text} as {kind:?}");
        }
    }

    #[test]
    fn set_id_replaces_ignoring_case() {
        let mut ids = Vec::new();
        set_id(&mut ids, "Tmdb", " 1 ");
        set_id(&mut ids, "tmdb", "2");
        set_id(&mut ids, "Imdb", "  ");
        assert_eq!(ids, vec![("Tmdb".to_string(), "2".to_string())]);
    }
}
