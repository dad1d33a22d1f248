//! NFO reader tests: real files (the `make-library` fixtures), every field, Kodi quirks,
//! malformed input.

use super::*;

/// `movie.nfo` exactly as `/work/shared/tools/make-library` writes it.
const MAKE_LIBRARY_MOVIE: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<movie>
  <title>Distant Orbit</title>
  <year>1958</year>
  <plot>A story about the distant orbit.</plot>
  <rating>7.3</rating>
  <mpaa>PG-13</mpaa>
  <genre>Action</genre>
  <genre>Drama</genre>
  <actor>
    <name>Orbit Storm</name>
    <role>Glass</role>
  </actor>
  <uniqueid type="tmdb" default="true">684244</uniqueid>
</movie>
"#;

/// `tvshow.nfo` exactly as `make-library` writes it.
const MAKE_LIBRARY_SHOW: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<tvshow>
  <title>Falcon Broken</title>
  <year>1996</year>
  <plot>The series Falcon Broken.</plot>
  <genre>Drama</genre>
  <uniqueid type="tvdb" default="true">512554</uniqueid>
</tvshow>
"#;

/// A movie NFO using every element the reader knows.
const FULL_MOVIE: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!-- written by hand -->
<movie>
  <title>The Matrix</title>
  <originaltitle>The Matrix (orig)</originaltitle>
  <sorttitle>Matrix 1</sorttitle>
  <year>1999</year>
  <premiered>1999-03-31</premiered>
  <plot><![CDATA[Neo learns <the> truth & more.]]></plot>
  <outline>Short.</outline>
  <tagline>Free your mind</tagline>
  <runtime>136 min</runtime>
  <mpaa>Rated R</mpaa>
  <customrating>R16</customrating>
  <criticrating>88</criticrating>
  <ratings>
    <rating name="imdb" max="10" default="true"><value>8.7</value><votes>1900000</votes></rating>
    <rating name="themoviedb" max="10"><value>8.2</value></rating>
  </ratings>
  <rating>5.0</rating>
  <genre>Action / Sci-Fi</genre>
  <genre>action</genre>
  <tag>cyberpunk</tag>
  <tag>Cyberpunk</tag>
  <studio>Warner Bros.</studio>
  <studio>Village Roadshow</studio>
  <country>USA / Australia</country>
  <set tmdbcolid="2344"><name>The Matrix Collection</name><overview>Trilogy.</overview></set>
  <director>Lana Wachowski, Lilly Wachowski</director>
  <writer>Lana Wachowski|Lilly Wachowski</writer>
  <credits>Lana Wachowski / Someone Else</credits>
  <actor>
    <name>Keanu Reeves</name>
    <role>Neo</role>
    <order>0</order>
    <thumb>https://image.tmdb.org/t/p/original/keanu.jpg</thumb>
  </actor>
  <actor>
    <name>Laurence Fishburne</name>
    <role>Morpheus</role>
    <sortorder>1</sortorder>
    <type>GuestStar</type>
  </actor>
  <actor><name>  </name><role>Nobody</role></actor>
  <actor/>
  <uniqueid type="imdb">tt0133093</uniqueid>
  <uniqueid type="tmdb" default="true">603</uniqueid>
  <uniqueid type="tmdb"/>
  <uniqueid>no type</uniqueid>
  <tvdbid>169</tvdbid>
  <trailer>plugin://plugin.video.youtube/play/?video_id=abc</trailer>
  <thumb aspect="poster">https://example.com/poster.jpg</thumb>
  <fanart><thumb>https://example.com/fanart.jpg</thumb></fanart>
  <fileinfo><streamdetails><video><codec>h264</codec><title>not the title</title></video></streamdetails></fileinfo>
  <lockdata>true</lockdata>
  <unknownelement attr="x"><nested><title>not the title</title></nested></unknownelement>
  <season>3</season>
  <status>Ended</status>
</movie>
"#;

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

fn ids(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn person(name: &str, kind: PersonKind) -> NfoPerson {
    NfoPerson {
        name: name.to_string(),
        kind,
        role: None,
        sort_order: None,
        thumb: None,
    }
}

fn date(year: i32, month: u32, day: u32) -> Option<NfoDate> {
    Some(NfoDate { year, month, day })
}

#[test]
fn make_library_movie() {
    let m = parse_nfo(MAKE_LIBRARY_MOVIE, NfoKind::Movie).unwrap();
    let want = NfoMetadata {
        root: s("movie"),
        title: s("Distant Orbit"),
        year: Some(1958),
        plot: s("A story about the distant orbit."),
        rating: Some(7.3),
        official_rating: s("PG-13"),
        genres: strings(&["Action", "Drama"]),
        people: vec![NfoPerson {
            role: s("Glass"),
            ..person("Orbit Storm", PersonKind::Actor)
        }],
        provider_ids: ids(&[("Tmdb", "684244")]),
        default_provider: s("Tmdb"),
        ..NfoMetadata::default()
    };
    assert_eq!(m, want);
}

#[test]
fn make_library_show() {
    let m = parse_nfo(MAKE_LIBRARY_SHOW, NfoKind::TvShow).unwrap();
    let want = NfoMetadata {
        root: s("tvshow"),
        title: s("Falcon Broken"),
        year: Some(1996),
        plot: s("The series Falcon Broken."),
        genres: strings(&["Drama"]),
        provider_ids: ids(&[("Tvdb", "512554")]),
        default_provider: s("Tvdb"),
        ..NfoMetadata::default()
    };
    assert_eq!(m, want);
}

#[test]
fn full_movie_every_field() {
    let m = parse_nfo(FULL_MOVIE, NfoKind::Movie).unwrap();
    assert_eq!(m.root.as_deref(), Some("movie"));
    assert_eq!(m.title.as_deref(), Some("The Matrix"));
    assert_eq!(m.original_title.as_deref(), Some("The Matrix (orig)"));
    assert_eq!(m.sort_title.as_deref(), Some("Matrix 1"));
    assert_eq!(m.year, Some(1999));
    assert_eq!(m.premiered, date(1999, 3, 31));
    assert_eq!(m.plot.as_deref(), Some("Neo learns <the> truth & more."));
    assert_eq!(m.outline.as_deref(), Some("Short."));
    assert_eq!(m.tagline.as_deref(), Some("Free your mind"));
    assert_eq!(m.runtime_minutes, Some(136));
    assert_eq!(m.official_rating.as_deref(), Some("Rated R"));
    assert_eq!(m.custom_rating.as_deref(), Some("R16"));
    assert_eq!(m.critic_rating, Some(88.0));
    // The default <ratings> entry wins over <rating>.
    assert_eq!(m.rating, Some(8.7));
    assert_eq!(m.genres, strings(&["Action", "Sci-Fi"]));
    assert_eq!(m.tags, strings(&["cyberpunk"]));
    assert_eq!(m.studios, strings(&["Warner Bros.", "Village Roadshow"]));
    assert_eq!(m.countries, strings(&["USA", "Australia"]));
    assert_eq!(m.collection.as_deref(), Some("The Matrix Collection"));
    assert_eq!(
        m.provider_ids,
        ids(&[
            ("TmdbCollection", "2344"),
            ("Imdb", "tt0133093"),
            ("Tmdb", "603"),
            ("Tvdb", "169"),
        ])
    );
    assert_eq!(m.default_provider.as_deref(), Some("Tmdb"));
    assert_eq!(m.provider_id("IMDB"), Some("tt0133093"));
    assert!(m.locked);
    // Not an episode, not a series: <season> and <status> are not read.
    assert_eq!(m.season_number, None);
    assert_eq!(m.status, None);
    let want_people = vec![
        person("Lana Wachowski", PersonKind::Director),
        person("Lilly Wachowski", PersonKind::Director),
        person("Lana Wachowski", PersonKind::Writer),
        person("Lilly Wachowski", PersonKind::Writer),
        person("Someone Else", PersonKind::Writer),
        NfoPerson {
            role: s("Neo"),
            sort_order: Some(0),
            thumb: s("https://image.tmdb.org/t/p/original/keanu.jpg"),
            ..person("Keanu Reeves", PersonKind::Actor)
        },
        NfoPerson {
            role: s("Morpheus"),
            sort_order: Some(1),
            ..person("Laurence Fishburne", PersonKind::GuestStar)
        },
    ];
    assert_eq!(m.people, want_people);
}

/// One element in a `<movie>` (or the given root) and what it sets.
#[test]
fn single_fields() {
    type Check = fn(&NfoMetadata) -> bool;
    let cases: &[(NfoKind, &str, Check)] = &[
        (NfoKind::Movie, "<name>Alt</name>", |m| {
            m.title.as_deref() == Some("Alt")
        }),
        (NfoKind::Movie, "<localtitle>Loc</localtitle>", |m| {
            m.title.as_deref() == Some("Loc")
        }),
        (NfoKind::Movie, "<title>A</title><title>B</title>", |m| {
            m.title.as_deref() == Some("B")
        }),
        (NfoKind::Movie, "<title>  </title>", |m| m.title.is_none()),
        (NfoKind::Movie, "<sortname>S</sortname>", |m| {
            m.sort_title.as_deref() == Some("S")
        }),
        (NfoKind::Movie, "<year>1850</year>", |m| m.year.is_none()),
        (NfoKind::Movie, "<year>abc</year>", |m| m.year.is_none()),
        (NfoKind::Movie, "<year> 2001 </year>", |m| {
            m.year == Some(2001)
        }),
        (NfoKind::Movie, "<premiered>2010-07-16</premiered>", |m| {
            m.year == Some(2010) && m.premiered == date(2010, 7, 16)
        }),
        (
            NfoKind::Movie,
            "<year>2009</year><premiered>2010-07-16</premiered>",
            |m| m.year == Some(2009),
        ),
        (
            NfoKind::Movie,
            "<releasedate>2010-07-16 00:00:00</releasedate>",
            |m| m.premiered == date(2010, 7, 16),
        ),
        (NfoKind::Movie, "<premiered>2010-02-30</premiered>", |m| {
            m.premiered.is_none()
        }),
        (NfoKind::Movie, "<premiered>16.07.2010</premiered>", |m| {
            m.premiered.is_none()
        }),
        (NfoKind::Movie, "<enddate>2012-12-31</enddate>", |m| {
            m.end_date == date(2012, 12, 31)
        }),
        (NfoKind::Movie, "<outline>Only outline</outline>", |m| {
            m.plot.as_deref() == Some("Only outline")
                && m.outline.as_deref() == Some("Only outline")
        }),
        (NfoKind::Movie, "<review>Rev</review>", |m| {
            m.plot.as_deref() == Some("Rev")
        }),
        (NfoKind::Movie, "<rating>7,5</rating>", |m| {
            m.rating == Some(7.5)
        }),
        (NfoKind::Movie, "<rating>NaN</rating>", |m| {
            m.rating.is_none()
        }),
        (NfoKind::Movie, "<rating>high</rating>", |m| {
            m.rating.is_none()
        }),
        (
            NfoKind::Movie,
            r#"<ratings><rating name="a"><value>6</value></rating><rating name="b"><value>7</value></rating></ratings>"#,
            |m| m.rating == Some(7.0),
        ),
        (
            NfoKind::Movie,
            r#"<ratings><rating name="trakt" max="100" default="true"><value>85</value></rating></ratings>"#,
            |m| m.rating == Some(8.5),
        ),
        (
            NfoKind::Movie,
            r#"<ratings><rating name="tomatometerallcritics" max="100"><value>91</value></rating>
               <rating name="tomatometerallaudience" max="100"><value>80</value></rating></ratings>"#,
            |m| m.critic_rating == Some(91.0) && m.rating == Some(8.0),
        ),
        (
            NfoKind::Movie,
            r#"<ratings><rating name="tomatometeravgcritics" max="10"><value>7.9</value></rating></ratings>"#,
            |m| m.critic_rating.is_none() && m.rating.is_none(),
        ),
        (NfoKind::Movie, "<ratings/><ratings></ratings>", |m| {
            m.rating.is_none()
        }),
        (NfoKind::Movie, "<runtime>95</runtime>", |m| {
            m.runtime_minutes == Some(95)
        }),
        (NfoKind::Movie, "<runtime>1h 35m</runtime>", |m| {
            m.runtime_minutes.is_none()
        }),
        (NfoKind::Movie, "<genre> / Drama //Horror / </genre>", |m| {
            m.genres == ["Drama", "Horror"]
        }),
        (NfoKind::Movie, "<style>Jazz</style>", |m| {
            m.tags == ["Jazz"]
        }),
        (NfoKind::Movie, "<set>Alien Collection</set>", |m| {
            m.collection.as_deref() == Some("Alien Collection")
        }),
        (
            NfoKind::Movie,
            "<set><name> Alien Collection </name></set>",
            |m| m.collection.as_deref() == Some("Alien Collection"),
        ),
        (NfoKind::Movie, "<set/>", |m| m.collection.is_none()),
        (NfoKind::Movie, "<director>Doe, Jr.|Roe</director>", |m| {
            m.people
                .iter()
                .map(|p| p.name.as_str())
                .eq(["Doe, Jr.", "Roe"])
        }),
        (NfoKind::Movie, "<writer>A; B</writer>", |m| {
            m.people.iter().map(|p| p.name.as_str()).eq(["A", "B"])
        }),
        (NfoKind::Movie, "<actor>Bare Name</actor>", |m| {
            m.people == [person("Bare Name", PersonKind::Actor)]
        }),
        (
            NfoKind::Movie,
            "<actor><name>A</name></actor><actor><name>a</name><role>R</role></actor>",
            |m| m.people.len() == 1 && m.people[0].role.as_deref() == Some("R"),
        ),
        (
            NfoKind::Movie,
            "<actor><name>A</name><type>Director</type></actor>",
            |m| m.people[0].kind == PersonKind::Director,
        ),
        (
            NfoKind::Movie,
            "<actor><name>A</name><type>Stuntman</type></actor>",
            |m| m.people[0].kind == PersonKind::Actor,
        ),
        (
            NfoKind::Movie,
            "<actor><Name>A</Name><Role>B</Role></actor>",
            |m| m.people[0].name == "A" && m.people[0].role.as_deref() == Some("B"),
        ),
        // Legacy ids.
        (NfoKind::Movie, "<id>tt0111161</id>", |m| {
            m.provider_ids == ids(&[("Imdb", "tt0111161")])
        }),
        (NfoKind::Movie, "<id>278</id>", |m| {
            m.provider_ids == ids(&[("Tmdb", "278")])
        }),
        (NfoKind::TvShow, "<id>81189</id>", |m| {
            m.provider_ids == ids(&[("Tvdb", "81189")])
        }),
        (NfoKind::Episode, "<id>81189</id>", |m| {
            m.provider_ids.is_empty()
        }),
        (NfoKind::Movie, "<id>some-slug</id>", |m| {
            m.provider_ids.is_empty()
        }),
        (
            NfoKind::Movie,
            r#"<id IMDB="tt0111161" TMDB="278">tt9999999</id>"#,
            |m| m.provider_ids == ids(&[("Imdb", "tt0111161"), ("Tmdb", "278")]),
        ),
        (NfoKind::TvShow, r#"<id TVDB="81189">tt0903747</id>"#, |m| {
            m.provider_ids == ids(&[("Tvdb", "81189"), ("Imdb", "tt0903747")])
        }),
        (
            NfoKind::Movie,
            "<imdbid>tt0111161</imdbid><tmdbid>278</tmdbid>",
            |m| m.provider_ids == ids(&[("Imdb", "tt0111161"), ("Tmdb", "278")]),
        ),
        (NfoKind::Movie, "<imdb_id>tt0111161</imdb_id>", |m| {
            m.provider_id("imdb") == Some("tt0111161")
        }),
        (
            NfoKind::TvShow,
            "<tvdbid>81189</tvdbid><tvmazeid>169</tvmazeid>",
            |m| m.provider_ids == ids(&[("Tvdb", "81189"), ("TvMaze", "169")]),
        ),
        (
            NfoKind::Movie,
            r#"<uniqueid type="TMDB">1</uniqueid><uniqueid type="tmdb">2</uniqueid>"#,
            |m| m.provider_ids == ids(&[("Tmdb", "2")]) && m.default_provider.is_none(),
        ),
        (
            NfoKind::Movie,
            r#"<uniqueid type="custom" default="true">x1</uniqueid>"#,
            |m| {
                m.provider_ids == ids(&[("custom", "x1")])
                    && m.default_provider.as_deref() == Some("custom")
            },
        ),
        (
            NfoKind::Movie,
            r#"<uniqueid type="tmdb">  </uniqueid>"#,
            |m| m.provider_ids.is_empty(),
        ),
        // Music.
        (
            NfoKind::MusicVideo,
            "<artist>A</artist><artist>B</artist><album>Al</album>",
            |m| m.artists == ["A", "B"] && m.album.as_deref() == Some("Al"),
        ),
        (NfoKind::Album, "<albumartist>AA</albumartist>", |m| {
            m.album_artists == ["AA"]
        }),
        (NfoKind::Movie, "<lockdata>false</lockdata>", |m| !m.locked),
    ];
    for (kind, inner, check) in cases {
        let text = format!("<root>{inner}</root>");
        let m = parse_nfo(&text, *kind).unwrap_or_else(|e| panic!("{inner}: {e}"));
        assert!(check(&m), "{kind:?} {inner}: got {m:#?}");
    }
}

#[test]
fn episode_fields() {
    let text = r#"<?xml version="1.0" encoding="UTF-8"?>
<episodedetails>
  <title>Pilot</title>
  <showtitle>Breaking Bad</showtitle>
  <season>1</season>
  <episode>1</episode>
  <episodenumberend>2</episodenumberend>
  <displayseason>0</displayseason>
  <displayepisode>5</displayepisode>
  <airsafter_season>1</airsafter_season>
  <airsbefore_season>2</airsbefore_season>
  <airsbefore_episode>3</airsbefore_episode>
  <aired>2008-01-20</aired>
  <plot>Walter White...</plot>
  <director>Vince Gilligan</director>
  <credits>Vince Gilligan</credits>
  <uniqueid type="tvdb" default="true">349232</uniqueid>
  <uniqueid type="imdb">tt0959621</uniqueid>
</episodedetails>
<episodedetails>
  <title>Second in the same file</title>
  <season>1</season>
  <episode>2</episode>
</episodedetails>
https://www.imdb.com/title/tt1111111/
"#;
    let m = parse_nfo(text, NfoKind::Episode).unwrap();
    assert_eq!(m.root.as_deref(), Some("episodedetails"));
    assert_eq!(m.title.as_deref(), Some("Pilot"));
    assert_eq!(m.show_title.as_deref(), Some("Breaking Bad"));
    assert_eq!(
        (m.season_number, m.episode_number, m.episode_number_end),
        (Some(1), Some(1), Some(2))
    );
    assert_eq!((m.display_season, m.display_episode), (Some(0), Some(5)));
    assert_eq!(
        (
            m.airs_after_season,
            m.airs_before_season,
            m.airs_before_episode
        ),
        (Some(1), Some(2), Some(3))
    );
    assert_eq!(m.premiered, date(2008, 1, 20));
    assert_eq!(m.year, Some(2008));
    assert_eq!(
        m.people,
        vec![
            person("Vince Gilligan", PersonKind::Director),
            person("Vince Gilligan", PersonKind::Writer),
        ]
    );
    // Only the first <episodedetails>; no URL ids after it for episodes.
    assert_eq!(
        m.provider_ids,
        ids(&[("Tvdb", "349232"), ("Imdb", "tt0959621")])
    );
}

#[test]
fn season_and_series_fields() {
    let season = r#"<season><title>Season One</title><seasonnumber>1</seasonnumber><season>9</season><plot>P</plot></season>"#;
    let m = parse_nfo(season, NfoKind::Season).unwrap();
    assert_eq!(m.title.as_deref(), Some("Season One"));
    assert_eq!(m.season_number, Some(1));

    let show = r#"<tvshow>
  <title>Lost</title>
  <season>-1</season><episode>-1</episode>
  <status>Continuing</status>
  <premiered>2004-09-22</premiered>
  <enddate>2010-05-23</enddate>
  <studio>ABC</studio>
  <namedseason number="1">Season of Crash</namedseason>
  <namedseason number="2">Hatch</namedseason>
  <namedseason number="1">Crash</namedseason>
  <namedseason number="x">Bad</namedseason>
  <actor><name>Matthew Fox</name><role>Jack Shephard</role><order>0</order></actor>
</tvshow>"#;
    let m = parse_nfo(show, NfoKind::TvShow).unwrap();
    assert_eq!(m.status, Some(SeriesStatus::Continuing));
    assert_eq!((m.season_number, m.episode_number), (None, None));
    assert_eq!(m.year, Some(2004));
    assert_eq!(m.end_date, date(2010, 5, 23));
    assert_eq!(
        m.named_seasons,
        vec![(1, "Crash".to_string()), (2, "Hatch".to_string())]
    );
    let ended = parse_nfo("<tvshow><status> ended </status></tvshow>", NfoKind::TvShow).unwrap();
    assert_eq!(ended.status, Some(SeriesStatus::Ended));
    let unknown = parse_nfo(
        "<tvshow><status>On hiatus</status></tvshow>",
        NfoKind::TvShow,
    )
    .unwrap();
    assert_eq!(unknown.status, None);
}

#[test]
fn album_and_artist_fields() {
    let album = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>
<album>
  <title>OK Computer</title>
  <musicbrainzalbumid>b1392450-e666-3926-a536-22c65f834433</musicbrainzalbumid>
  <musicbrainzreleasegroupid>b1392450-0000</musicbrainzreleasegroupid>
  <artistdesc>Radiohead</artistdesc>
  <artist>Radiohead</artist>
  <genre>Alternative Rock / Art Rock</genre>
  <style>Experimental</style>
  <review>A landmark.</review>
  <year>1997</year>
  <releasedate>1997-05-21</releasedate>
  <albumArtistCredits>
    <artist>Radiohead</artist>
    <musicBrainzArtistID>a74b1b7f-71a5-4011-9441-d0b5e4122711</musicBrainzArtistID>
  </albumArtistCredits>
  <track><position>1</position><title>Airbag</title><duration>4:44</duration></track>
</album>"#;
    let m = parse_nfo(album, NfoKind::Album).unwrap();
    assert_eq!(m.title.as_deref(), Some("OK Computer"));
    assert_eq!(m.artists, strings(&["Radiohead"]));
    assert_eq!(m.album_artists, strings(&["Radiohead"]));
    assert_eq!(m.genres, strings(&["Alternative Rock", "Art Rock"]));
    assert_eq!(m.tags, strings(&["Experimental"]));
    assert_eq!(m.plot.as_deref(), Some("A landmark."));
    assert_eq!(m.year, Some(1997));
    assert_eq!(m.premiered, date(1997, 5, 21));
    assert_eq!(
        m.provider_ids,
        ids(&[
            ("MusicBrainzAlbum", "b1392450-e666-3926-a536-22c65f834433"),
            ("MusicBrainzReleaseGroup", "b1392450-0000"),
            (
                "MusicBrainzAlbumArtist",
                "a74b1b7f-71a5-4011-9441-d0b5e4122711"
            ),
        ])
    );

    let artist = r#"<artist>
  <name>Radiohead</name>
  <musicBrainzArtistID>a74b1b7f-71a5-4011-9441-d0b5e4122711</musicBrainzArtistID>
  <genre>Rock</genre>
  <formed>1985-01-01</formed>
  <biography>English rock band.</biography>
  <album><title>Pablo Honey</title><year>1993</year></album>
  <album><title>The Bends</title><year>1995</year></album>
</artist>"#;
    let m = parse_nfo(artist, NfoKind::Artist).unwrap();
    assert_eq!(m.title.as_deref(), Some("Radiohead"));
    assert_eq!(m.plot.as_deref(), Some("English rock band."));
    assert_eq!(m.premiered, date(1985, 1, 1));
    assert_eq!(m.year, Some(1985));
    // Discography entries are not the artist's album.
    assert_eq!(m.album, None);
    assert_eq!(
        m.provider_ids,
        ids(&[("MusicBrainzArtist", "a74b1b7f-71a5-4011-9441-d0b5e4122711")])
    );
}

/// Kodi quirks: (kind, text, expected title, expected provider ids).
#[test]
fn kodi_quirks() {
    type Case = (
        &'static str,
        NfoKind,
        &'static str,
        Option<&'static str>,
        &'static [(&'static str, &'static str)],
    );
    let cases: &[Case] = &[
        (
            "utf-8 byte order mark",
            NfoKind::Movie,
            "\u{feff}<?xml version=\"1.0\"?>\n<movie><title>Bom</title></movie>",
            Some("Bom"),
            &[],
        ),
        (
            "url after the root",
            NfoKind::Movie,
            "<movie><title>T</title></movie>\nhttps://www.imdb.com/title/tt0111161/\n",
            Some("T"),
            &[("Imdb", "tt0111161")],
        ),
        (
            "xml id wins over trailing url",
            NfoKind::Movie,
            "<movie><imdbid>tt7654321</imdbid></movie>https://www.imdb.com/title/tt0111161/ https://www.themoviedb.org/movie/278",
            None,
            &[("Imdb", "tt7654321"), ("Tmdb", "278")],
        ),
        (
            "trailing garbage with > and </",
            NfoKind::Movie,
            "<movie><title>T</title></movie> > </ junk < tt0111161",
            Some("T"),
            &[("Imdb", "tt0111161")],
        ),
        (
            "series url after the root",
            NfoKind::TvShow,
            "<tvshow><title>S</title></tvshow>\nhttp://thetvdb.com/?tab=series&id=81189\n",
            Some("S"),
            &[("Tvdb", "81189")],
        ),
        (
            "url-only imdb",
            NfoKind::Movie,
            "https://www.imdb.com/title/tt0111161/\n",
            None,
            &[("Imdb", "tt0111161")],
        ),
        (
            "url-only tmdb movie",
            NfoKind::Movie,
            "https://www.themoviedb.org/movie/278-the-shawshank-redemption",
            None,
            &[("Tmdb", "278")],
        ),
        (
            "url-only series",
            NfoKind::TvShow,
            "\u{feff}https://www.themoviedb.org/tv/1396 http://thetvdb.com/?tab=series&id=81189",
            None,
            &[("Tmdb", "1396"), ("Tvdb", "81189")],
        ),
        (
            "html and xml entities",
            NfoKind::Movie,
            "<movie><title>Am&eacute;lie &amp; &quot;Nino&quot; &#8211; &#x263A; &nbsp;&hellip;</title></movie>",
            Some("Amélie & \"Nino\" – ☺ \u{a0}…"),
            &[],
        ),
        (
            "unknown entity kept",
            NfoKind::Movie,
            "<movie><title>A &bogus; B</title></movie>",
            Some("A &bogus; B"),
            &[],
        ),
        (
            "dangling ampersand",
            NfoKind::Movie,
            "<movie><title>Tom & Jerry</title></movie>",
            Some("Tom & Jerry"),
            &[],
        ),
        (
            "cdata",
            NfoKind::Movie,
            "<movie><title><![CDATA[<b>Bold</b> & co]]></title></movie>",
            Some("<b>Bold</b> & co"),
            &[],
        ),
        (
            "text around cdata",
            NfoKind::Movie,
            "<movie><title> A <![CDATA[B]]> C </title></movie>",
            Some("A B C"),
            &[],
        ),
        (
            "empty elements",
            NfoKind::Movie,
            "<movie><title/><plot></plot><year/><uniqueid type=\"tmdb\"/><actor/><set/><ratings/></movie>",
            None,
            &[],
        ),
        (
            "empty root",
            NfoKind::Movie,
            "<?xml version=\"1.0\"?><movie/>",
            None,
            &[],
        ),
        (
            "unknown elements and attributes",
            NfoKind::Movie,
            "<movie xmlns:x=\"urn:x\"><x:foo a='1'><bar>baz</bar></x:foo><title lang=\"en\">T</title></movie>",
            Some("T"),
            &[],
        ),
        (
            "comments, processing instructions, doctype",
            NfoKind::Movie,
            "<!DOCTYPE movie><?pi x?><movie><!-- c --><title>T<!-- inner --></title></movie>",
            Some("T"),
            &[],
        ),
        (
            "element names ignore case",
            NfoKind::Movie,
            "<Movie><Title>T</Title><UniqueID Type=\"TMDB\">5</UniqueID></Movie>",
            Some("T"),
            &[("Tmdb", "5")],
        ),
        (
            "windows line endings",
            NfoKind::Movie,
            "<movie>\r\n<title>T</title>\r\n<plot>a\r\nb</plot>\r\n</movie>\r\n",
            Some("T"),
            &[],
        ),
        (
            "text before the root",
            NfoKind::Movie,
            "garbage line\n<movie><title>T</title></movie>",
            Some("T"),
            &[],
        ),
        (
            "markup without elements",
            NfoKind::Movie,
            "<!-- https://www.imdb.com/title/tt0111161/ -->",
            None,
            &[("Imdb", "tt0111161")],
        ),
    ];
    for (name, kind, text, title, want_ids) in cases {
        let m = parse_nfo(text, *kind).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(m.title.as_deref(), *title, "{name}");
        assert_eq!(m.provider_ids, ids(want_ids), "{name}");
    }
    let crlf = parse_nfo("<movie><plot>a\r\nb</plot></movie>", NfoKind::Movie).unwrap();
    assert_eq!(crlf.plot.as_deref(), Some("a\nb"));
}

/// Malformed input: (name, text, expected line, expected column).
#[test]
fn malformed_xml_is_an_error_with_position() {
    let cases: &[(&str, &str, usize, usize)] = &[
        ("unclosed root", "<movie>\n  <title>T</title>\n", 3, 1),
        ("unclosed child", "<movie>\n  <title>T\n", 3, 1),
        (
            "mismatched end",
            "<movie>\n  <title>T</plot>\n</movie>",
            2,
            11,
        ),
        ("unclosed tag", "<movie>\n  <title", 2, 3),
        ("unclosed comment", "<movie><!-- x", 1, 8),
        (
            "unclosed cdata",
            "<movie><plot><![CDATA[x</plot></movie>",
            1,
            14,
        ),
        ("end before start", "</movie>", 1, 1),
        (
            "broken attribute",
            "<movie>\n<uniqueid type=tmdb>1</uniqueid></movie>",
            2,
            16,
        ),
        ("garbage", "<<<>>>", 1, 7),
        ("bom counts in the position", "\u{feff}<movie>", 1, 9),
    ];
    for (name, text, line, column) in cases {
        match parse_nfo(text, NfoKind::Movie) {
            Err(NfoError::Xml {
                line: l,
                column: c,
                position,
                source,
            }) => {
                assert_eq!(
                    (l, c),
                    (*line, *column),
                    "{name}: {source} at byte {position}"
                );
                assert!(position as usize <= text.len(), "{name}");
                let err = parse_nfo(text, NfoKind::Movie).unwrap_err();
                assert!(std::error::Error::source(&err).is_some(), "{name}");
                assert!(err.to_string().contains("malformed NFO XML"), "{name}");
            }
            other => panic!("{name}: expected an XML error, got {other:?}"),
        }
    }
}

#[test]
fn missing_end_tag_names_the_element() {
    let err = parse_nfo("<movie><title>T", NfoKind::Movie).unwrap_err();
    match err {
        NfoError::Xml {
            source:
                quick_xml::Error::IllFormed(quick_xml::errors::IllFormedError::MissingEndTag(name)),
            ..
        } => assert_eq!(name, "title"),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn empty_and_non_nfo_text() {
    for text in ["", "  \n\t", "\u{feff}", "\u{feff}  \n"] {
        assert!(
            matches!(parse_nfo(text, NfoKind::Movie), Err(NfoError::Empty)),
            "{text:?}"
        );
    }
    for text in ["just some words", "https://example.com/", "tt123"] {
        assert!(
            matches!(parse_nfo(text, NfoKind::Movie), Err(NfoError::NoContent)),
            "{text:?}"
        );
    }
}

/// Every prefix of a real NFO either parses or errors; nothing panics.
#[test]
fn truncated_input_never_panics() {
    for kind in [NfoKind::Movie, NfoKind::Episode, NfoKind::TvShow] {
        for (end, _) in FULL_MOVIE.char_indices() {
            let _ = parse_nfo(&FULL_MOVIE[..end], kind);
        }
    }
    for junk in [
        "<",
        ">",
        "&",
        "&#",
        "&#x;",
        "<a b=\"&#0;\"/>",
        "<![CDATA[",
        "<?",
        "<!",
        "<a/><",
        "\0<a>\0</a>",
        "<a>&#xFFFFFFFF;</a>",
        "<a x='1' x='2'/>",
        "<a\n",
        "</",
        "<a></a></a>",
    ] {
        let _ = parse_nfo(junk, NfoKind::Movie);
    }
}

#[test]
fn dates() {
    type Case = (&'static str, Option<(i32, u32, u32)>);
    let cases: &[Case] = &[
        ("2010-07-16", Some((2010, 7, 16))),
        (" 2010-07-16 ", Some((2010, 7, 16))),
        ("2010-07-16T21:00:00Z", Some((2010, 7, 16))),
        ("2000-02-29", Some((2000, 2, 29))),
        ("1900-02-29", None),
        ("2010-13-01", None),
        ("2010-00-10", None),
        ("2010-04-31", None),
        ("2010-7-16", None),
        ("2010/07/16", None),
        ("20100716", None),
        ("2010-07-16x", None),
        ("+010-07-16", None),
        ("ééééééééééé", None),
        ("", None),
    ];
    for (text, want) in cases {
        let got = NfoDate::parse(text).map(|d| (d.year, d.month, d.day));
        assert_eq!(got, *want, "{text:?}");
    }
    assert_eq!(date(987, 6, 5).unwrap().to_string(), "0987-06-05");
}

#[test]
fn person_kinds() {
    for kind in PersonKind::ALL {
        assert_eq!(PersonKind::from_name(kind.name()), Some(kind));
        assert_eq!(
            PersonKind::from_name(&kind.name().to_ascii_uppercase()),
            Some(kind)
        );
    }
    assert_eq!(
        PersonKind::from_name(" gueststar "),
        Some(PersonKind::GuestStar)
    );
    assert_eq!(PersonKind::from_name("stunts"), None);
}

#[test]
fn files() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };

    let p = write("movie.nfo", MAKE_LIBRARY_MOVIE.as_bytes());
    let m = parse_nfo_file(&p, NfoKind::Movie).unwrap();
    assert_eq!(m.title.as_deref(), Some("Distant Orbit"));

    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(MAKE_LIBRARY_SHOW.as_bytes());
    let p = write("tvshow.nfo", &bom);
    let m = parse_nfo_file(&p, NfoKind::TvShow).unwrap();
    assert_eq!(m.title.as_deref(), Some("Falcon Broken"));

    // UTF-16 LE with a byte order mark.
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in "<movie><title>Café</title></movie>".encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let p = write("utf16.nfo", &utf16);
    assert_eq!(
        parse_nfo_file(&p, NfoKind::Movie).unwrap().title.as_deref(),
        Some("Café")
    );

    // Latin-1 declared and used.
    let latin1 =
        b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><movie><title>Caf\xe9</title></movie>";
    let p = write("latin1.nfo", latin1);
    assert_eq!(
        parse_nfo_file(&p, NfoKind::Movie).unwrap().title.as_deref(),
        Some("Café")
    );

    // Invalid UTF-8 without a declaration: replacement characters, as Jellyfin reads it.
    let p = write("bad.nfo", b"<movie><title>Caf\xe9</title></movie>");
    assert_eq!(
        parse_nfo_file(&p, NfoKind::Movie).unwrap().title.as_deref(),
        Some("Caf\u{fffd}")
    );

    let p = write("url.nfo", b"https://www.imdb.com/title/tt0111161/\n");
    assert_eq!(
        parse_nfo_file(&p, NfoKind::Movie).unwrap().provider_ids,
        ids(&[("Imdb", "tt0111161")])
    );

    let p = write("empty.nfo", b"");
    assert!(matches!(
        parse_nfo_file(&p, NfoKind::Movie),
        Err(NfoError::Empty)
    ));

    let p = write("broken.nfo", b"<movie><title>x</movie>");
    assert!(matches!(
        parse_nfo_file(&p, NfoKind::Movie),
        Err(NfoError::Xml { .. })
    ));

    let big = vec![b' '; MAX_NFO_BYTES as usize + 1];
    let p = write("big.nfo", &big);
    assert!(matches!(
        parse_nfo_file(&p, NfoKind::Movie),
        Err(NfoError::TooLarge { .. })
    ));

    let missing = dir.path().join("missing.nfo");
    match parse_nfo_file(&missing, NfoKind::Movie) {
        Err(NfoError::Io { path, source }) => {
            assert_eq!(path, missing);
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("expected an I/O error, got {other:?}"),
    }
}
