//! Local artwork file names (conventions section 11) and NFO / local metadata file names
//! (section 12).
//!
//! Everything here is a pure function of the item: which base names (without image extension)
//! to look for, in priority order, per image type; and which NFO paths to try. The caller checks
//! which candidates exist (non-empty files with an image extension; among files with the same
//! base name, the first extension in [`MediaExtensions::image`](super::MediaExtensions) order).

use super::path;

/// Image types, with the numbers Jellyfin stores in its database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageType {
    /// Poster / cover (0).
    Primary,
    /// Clear art (1).
    Art,
    /// Backdrop / fanart (2).
    Backdrop,
    /// Banner (3).
    Banner,
    /// Logo (4).
    Logo,
    /// Thumb / landscape (5).
    Thumb,
    /// Disc art (6).
    Disc,
    /// Box (7).
    Box,
    /// Screenshot (8).
    Screenshot,
    /// Menu (9).
    Menu,
    /// Chapter image (10).
    Chapter,
    /// Back of the box (11).
    BoxRear,
    /// Person profile (12).
    Profile,
}

impl ImageType {
    /// The number Jellyfin stores for this type.
    pub fn id(self) -> i32 {
        match self {
            ImageType::Primary => 0,
            ImageType::Art => 1,
            ImageType::Backdrop => 2,
            ImageType::Banner => 3,
            ImageType::Logo => 4,
            ImageType::Thumb => 5,
            ImageType::Disc => 6,
            ImageType::Box => 7,
            ImageType::Screenshot => 8,
            ImageType::Menu => 9,
            ImageType::Chapter => 10,
            ImageType::BoxRear => 11,
            ImageType::Profile => 12,
        }
    }

    /// The type stored as `id`, if any.
    pub fn from_id(id: i32) -> Option<Self> {
        const ALL: [ImageType; 13] = [
            ImageType::Primary,
            ImageType::Art,
            ImageType::Backdrop,
            ImageType::Banner,
            ImageType::Logo,
            ImageType::Thumb,
            ImageType::Disc,
            ImageType::Box,
            ImageType::Screenshot,
            ImageType::Menu,
            ImageType::Chapter,
            ImageType::BoxRear,
            ImageType::Profile,
        ];
        usize::try_from(id).ok().and_then(|i| ALL.get(i)).copied()
    }
}

/// The kind of item whose artwork is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArtworkItemKind {
    /// A movie.
    Movie,
    /// Any other non-episode video (music video, trailer, home video).
    Video,
    /// A TV series (its folder).
    Series,
    /// A TV season (its folder).
    Season,
    /// A TV episode; see [`episode_image_names`].
    Episode,
    /// A music album (its folder).
    MusicAlbum,
    /// A music artist (its folder).
    MusicArtist,
    /// A photo album (its folder).
    PhotoAlbum,
    /// A person.
    Person,
    /// A song.
    Song,
    /// A box set (collection).
    BoxSet,
    /// Anything else: library folders, plain folders.
    Other,
}

impl ArtworkItemKind {
    /// Episodes, songs and people get a primary image only.
    fn primary_only(self) -> bool {
        matches!(
            self,
            ArtworkItemKind::Episode | ArtworkItemKind::Song | ArtworkItemKind::Person
        )
    }

    /// The primary-image names of this kind, in order.
    fn primary_names(self) -> &'static [&'static str] {
        match self {
            ArtworkItemKind::Movie | ArtworkItemKind::Video => {
                &["poster", "folder", "cover", "default", "movie"]
            }
            ArtworkItemKind::Series => &["poster", "folder", "cover", "default", "show"],
            ArtworkItemKind::MusicAlbum
            | ArtworkItemKind::MusicArtist
            | ArtworkItemKind::PhotoAlbum => {
                &["folder", "poster", "cover", "jacket", "default", "albumart"]
            }
            ArtworkItemKind::Person => &["folder", "poster"],
            _ => &["poster", "folder", "cover", "default"],
        }
    }

    /// The disc-art names of this kind, in order (none for kinds without disc art).
    fn disc_names(self) -> &'static [&'static str] {
        match self {
            ArtworkItemKind::MusicAlbum => &["cdart", "disc"],
            ArtworkItemKind::Movie | ArtworkItemKind::Video | ArtworkItemKind::BoxSet => {
                &["disc", "cdart", "discart"]
            }
            _ => &[],
        }
    }
}

/// How many numbered backdrops a series goes up to (`fanart-1` ... `fanart-20`).
pub const MAX_NUMBERED_BACKDROPS: u32 = 20;
/// A numbered series stops after this many consecutive missing numbers.
pub const MISSING_NUMBERS_BEFORE_STOP: u32 = 3;

/// One source of backdrops, in the order they are added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackdropSource {
    /// One base name (`Movie-fanart`, `fanart`).
    Name(String),
    /// A numbered series: `<prefix>1` ... `<prefix>20` (`fanart-1`, `backdrop1`), read until
    /// [`MISSING_NUMBERS_BEFORE_STOP`] consecutive numbers are missing.
    Numbered {
        /// The text before the number.
        prefix: String,
    },
    /// Every image in the item folder's `extrafanart/` sub-folder.
    ExtraFanartFolder,
}

/// Candidate base names (no extension) of an item's local images, per image type. For single
/// images the first candidate that exists wins; every backdrop source adds what it finds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LocalImageNames {
    /// Primary (poster).
    pub primary: Vec<String>,
    /// Logo.
    pub logo: Vec<String>,
    /// Clear art.
    pub art: Vec<String>,
    /// Banner.
    pub banner: Vec<String>,
    /// Thumb.
    pub thumb: Vec<String>,
    /// Disc art.
    pub disc: Vec<String>,
    /// Backdrops, every source in order.
    pub backdrops: Vec<BackdropSource>,
}

impl LocalImageNames {
    /// The single-image candidates for `image_type` (empty for backdrops and unused types).
    pub fn names(&self, image_type: ImageType) -> &[String] {
        match image_type {
            ImageType::Primary => &self.primary,
            ImageType::Logo => &self.logo,
            ImageType::Art => &self.art,
            ImageType::Banner => &self.banner,
            ImageType::Thumb => &self.thumb,
            ImageType::Disc => &self.disc,
            _ => &[],
        }
    }
}

/// `<file>-<name>` (always allowed), then the bare `<name>` when the item has its own folder.
fn prefixed_then_bare(out: &mut Vec<String>, file: &str, name: &str, has_own_folder: bool) {
    if !file.is_empty() {
        out.push(format!("{file}-{name}"));
    }
    if has_own_folder {
        out.push(name.to_owned());
    }
}

/// The local image candidates of an item.
///
/// `item_file_name` is the item's file (or folder) name, with or without extension;
/// `has_own_folder` is false for an item in a mixed folder, where only `<file>`-prefixed names
/// are its own.
pub fn local_image_names(
    kind: ArtworkItemKind,
    item_file_name: &str,
    has_own_folder: bool,
) -> LocalImageNames {
    let file = path::file_stem(item_file_name);
    let mut names = LocalImageNames::default();

    // Primary: <file>, then every name prefixed, then every name bare.
    if !file.is_empty() {
        names.primary.push(file.to_owned());
    }
    let primary = kind.primary_names();
    if !file.is_empty() {
        names
            .primary
            .extend(primary.iter().map(|n| format!("{file}-{n}")));
    }
    if has_own_folder {
        names
            .primary
            .extend(primary.iter().map(|n| (*n).to_owned()));
    }

    if !kind.primary_only() {
        for n in ["logo", "clearlogo"] {
            prefixed_then_bare(&mut names.logo, file, n, has_own_folder);
        }
        prefixed_then_bare(&mut names.art, file, "clearart", has_own_folder);
        prefixed_then_bare(&mut names.banner, file, "banner", has_own_folder);
        for n in ["landscape", "thumb"] {
            prefixed_then_bare(&mut names.thumb, file, n, has_own_folder);
        }
        for n in kind.disc_names() {
            prefixed_then_bare(&mut names.disc, file, n, has_own_folder);
        }
        names.backdrops = backdrop_sources(file, has_own_folder);
    }
    names
}

/// The backdrop sources, in order: `<file>-fanart`; `fanart`, `background` and `art` each with
/// their `-N` series; the `extrafanart/` folder; `backdrop` with its `N` series (no hyphen).
/// Each name is tried `<file>`-prefixed, then bare when the item has its own folder.
fn backdrop_sources(file: &str, has_own_folder: bool) -> Vec<BackdropSource> {
    let mut out: Vec<BackdropSource> = Vec::new();
    let mut push = |s: BackdropSource| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    if !file.is_empty() {
        push(BackdropSource::Name(format!("{file}-fanart")));
    }
    let series = |push: &mut dyn FnMut(BackdropSource), first: &str, numbered: &str| {
        if !file.is_empty() {
            push(BackdropSource::Name(format!("{file}-{first}")));
            push(BackdropSource::Numbered {
                prefix: format!("{file}-{numbered}"),
            });
        }
        if has_own_folder {
            push(BackdropSource::Name(first.to_owned()));
            push(BackdropSource::Numbered {
                prefix: numbered.to_owned(),
            });
        }
    };
    series(&mut push, "fanart", "fanart-");
    series(&mut push, "background", "background-");
    series(&mut push, "art", "art-");
    push(BackdropSource::ExtraFanartFolder);
    series(&mut push, "backdrop", "backdrop");
    out
}

/// Applies backdrop sources to what exists: `exists(base_name)` says whether an image with that
/// base name is present; `extrafanart` lists the images of the `extrafanart/` folder. Returns
/// the backdrop base names (and `extrafanart` entries) in order.
pub fn select_backdrops<F>(
    sources: &[BackdropSource],
    exists: F,
    extrafanart: &[String],
) -> Vec<String>
where
    F: Fn(&str) -> bool,
{
    let mut out = Vec::new();
    for source in sources {
        match source {
            BackdropSource::Name(n) => {
                if exists(n) {
                    out.push(n.clone());
                }
            }
            BackdropSource::Numbered { prefix } => {
                let mut missing = 0;
                for i in 1..=MAX_NUMBERED_BACKDROPS {
                    let name = format!("{prefix}{i}");
                    if exists(&name) {
                        missing = 0;
                        out.push(name);
                    } else {
                        missing += 1;
                        if missing >= MISSING_NUMBERS_BEFORE_STOP {
                            break;
                        }
                    }
                }
            }
            BackdropSource::ExtraFanartFolder => out.extend(extrafanart.iter().cloned()),
        }
    }
    out
}

/// Primary-image candidates of an episode, relative to the episode's folder: `<file>`,
/// `<file>-thumb`, then the same in the `metadata/` sub-folder.
pub fn episode_image_names(episode_file_name: &str) -> Vec<String> {
    let file = path::file_stem(episode_file_name);
    if file.is_empty() {
        return Vec::new();
    }
    vec![
        file.to_owned(),
        format!("{file}-thumb"),
        format!("metadata/{file}"),
        format!("metadata/{file}-thumb"),
    ]
}

/// Images of a season that live in its series folder.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SeasonImageNames {
    /// Primary: `season01-poster`, ...
    pub primary: Vec<String>,
    /// Backdrops: `season01-fanart`, ...
    pub backdrop: Vec<String>,
    /// Banner: `season01-banner`, ...
    pub banner: Vec<String>,
    /// Thumb: `season01-landscape`, ...
    pub thumb: Vec<String>,
}

/// Season image base names in the series folder: `season01-<suffix>` (two-digit number, or
/// `season-specials-<suffix>` for season 0), then the season's display name lower-cased without
/// spaces (`season1-<suffix>`). Without a season number only the display-name form is used.
pub fn season_image_names(season_number: Option<i32>, season_name: &str) -> SeasonImageNames {
    let mut prefixes: Vec<String> = Vec::new();
    if let Some(n) = season_number {
        prefixes.push(if n == 0 {
            "season-specials".to_owned()
        } else {
            format!("season{n:02}")
        });
    }
    let display: String = season_name
        .to_lowercase()
        .chars()
        .filter(|c| *c != ' ')
        .collect();
    if !display.is_empty() && !prefixes.contains(&display) {
        prefixes.push(display);
    }
    let with = |suffix: &str| prefixes.iter().map(|p| format!("{p}-{suffix}")).collect();
    SeasonImageNames {
        primary: with("poster"),
        backdrop: with("fanart"),
        banner: with("banner"),
        thumb: with("landscape"),
    }
}

/// The kind of item whose NFO (or local XML) file is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NfoItemKind {
    /// A movie.
    Movie,
    /// A music video.
    MusicVideo,
    /// A trailer.
    Trailer,
    /// Any other video (home video, owned extra).
    Video,
    /// A series folder.
    Series,
    /// A season folder.
    Season,
    /// An episode file.
    Episode,
    /// A music album folder.
    MusicAlbum,
    /// A music artist folder.
    MusicArtist,
    /// A box set (collection) folder.
    BoxSet,
    /// A playlist (folder, or file such as `.m3u`).
    Playlist,
}

/// A video that is a disc folder rip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DiscRip {
    /// A plain video file.
    #[default]
    None,
    /// A `VIDEO_TS` (DVD) folder rip.
    Dvd,
    /// A `BDMV` (Blu-ray) folder rip.
    BluRay,
}

/// The item an NFO lookup is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NfoQuery<'a> {
    /// The item kind.
    pub kind: NfoItemKind,
    /// The item's path: the file, or the folder for folder items and disc rips.
    pub path: &'a str,
    /// The item shares its folder with other items (a mixed folder).
    pub in_mixed_folder: bool,
    /// The video is a disc folder rip.
    pub disc: DiscRip,
    /// The video is an offline placeholder (stub).
    pub is_placeholder: bool,
    /// The playlist is a file (`.m3u`), not a folder.
    pub is_file_playlist: bool,
    /// The series folder of a season (default: the season folder's parent).
    pub series_path: Option<&'a str>,
}

impl<'a> NfoQuery<'a> {
    /// A query for `kind` at `path` with every flag off.
    pub fn new(kind: NfoItemKind, path: &'a str) -> Self {
        Self {
            kind,
            path,
            in_mixed_folder: false,
            disc: DiscRip::None,
            is_placeholder: false,
            is_file_playlist: false,
            series_path: None,
        }
    }
}

/// `folder/name`, or `name` without a folder.
fn join(folder: &str, name: &str) -> String {
    if folder.is_empty() {
        name.to_owned()
    } else if folder.ends_with('/') {
        format!("{folder}{name}")
    } else {
        format!("{folder}/{name}")
    }
}

/// `Path.ChangeExtension(path, ext)`: the extension of the file name replaced (or added).
fn change_extension(p: &str, ext: &str) -> String {
    let current = path::extension(p);
    format!("{}{ext}", &p[..p.len() - current.len()])
}

/// The NFO (or local XML) paths to try for an item, in order; the first that exists wins.
///
/// Movies: `VIDEO_TS/VIDEO_TS.nfo` (DVD rips), `movie.nfo` (movies in their own folder),
/// then `<folder name>.nfo` for disc rips or `<video file name>.nfo`. Other videos: the same
/// without `movie.nfo`. Series `tvshow.nfo`; seasons `season.nfo`, then `tvshow.nfo` in the
/// season folder and in the series folder; episodes `<file name>.nfo`; albums `album.nfo`;
/// artists `artist.nfo`; box sets `collection.xml`; playlists `playlist.xml` or
/// `<playlist file name>.xml`.
pub fn nfo_file_paths(q: &NfoQuery<'_>) -> Vec<String> {
    let own_folder = q.path.trim_end_matches('/');
    let own_folder = if own_folder.is_empty() {
        q.path
    } else {
        own_folder
    };
    let parent = path::parent(q.path).unwrap_or("");
    match q.kind {
        NfoItemKind::Movie
        | NfoItemKind::MusicVideo
        | NfoItemKind::Trailer
        | NfoItemKind::Video => {
            let disc_rip = !q.is_placeholder && q.disc != DiscRip::None;
            let containing = if disc_rip { own_folder } else { parent };
            let mut out = Vec::new();
            if q.disc == DiscRip::Dvd && !q.is_placeholder {
                out.push(join(containing, "VIDEO_TS/VIDEO_TS.nfo"));
            }
            if q.kind == NfoItemKind::Movie && !q.in_mixed_folder {
                out.push(join(containing, "movie.nfo"));
            }
            if disc_rip {
                out.push(join(
                    containing,
                    &format!("{}.nfo", path::file_name(own_folder)),
                ));
            } else if !q.path.is_empty() {
                out.push(change_extension(q.path, ".nfo"));
            }
            out
        }
        NfoItemKind::Series => vec![join(own_folder, "tvshow.nfo")],
        NfoItemKind::Season => {
            let series = q.series_path.unwrap_or(parent);
            vec![
                join(own_folder, "season.nfo"),
                join(own_folder, "tvshow.nfo"),
                join(series, "tvshow.nfo"),
            ]
        }
        NfoItemKind::Episode => {
            if q.path.is_empty() {
                Vec::new()
            } else {
                vec![change_extension(q.path, ".nfo")]
            }
        }
        NfoItemKind::MusicAlbum => vec![join(own_folder, "album.nfo")],
        NfoItemKind::MusicArtist => vec![join(own_folder, "artist.nfo")],
        NfoItemKind::BoxSet => vec![join(own_folder, "collection.xml")],
        NfoItemKind::Playlist => {
            if q.is_file_playlist {
                vec![change_extension(q.path, ".xml")]
            } else {
                vec![join(own_folder, "playlist.xml")]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn primary_names_per_kind() {
        let cases: &[(ArtworkItemKind, &str, bool, &[&str])] = &[
            (
                ArtworkItemKind::Movie,
                "Movie.mkv",
                true,
                &[
                    "Movie",
                    "Movie-poster",
                    "Movie-folder",
                    "Movie-cover",
                    "Movie-default",
                    "Movie-movie",
                    "poster",
                    "folder",
                    "cover",
                    "default",
                    "movie",
                ],
            ),
            (
                ArtworkItemKind::Movie,
                "Movie.mkv",
                false,
                &[
                    "Movie",
                    "Movie-poster",
                    "Movie-folder",
                    "Movie-cover",
                    "Movie-default",
                    "Movie-movie",
                ],
            ),
            (
                ArtworkItemKind::Series,
                "Show",
                true,
                &[
                    "Show",
                    "Show-poster",
                    "Show-folder",
                    "Show-cover",
                    "Show-default",
                    "Show-show",
                    "poster",
                    "folder",
                    "cover",
                    "default",
                    "show",
                ],
            ),
            (
                ArtworkItemKind::MusicAlbum,
                "Album",
                true,
                &[
                    "Album",
                    "Album-folder",
                    "Album-poster",
                    "Album-cover",
                    "Album-jacket",
                    "Album-default",
                    "Album-albumart",
                    "folder",
                    "poster",
                    "cover",
                    "jacket",
                    "default",
                    "albumart",
                ],
            ),
            (
                ArtworkItemKind::Person,
                "Ann",
                true,
                &["Ann", "Ann-folder", "Ann-poster", "folder", "poster"],
            ),
            (
                ArtworkItemKind::Season,
                "Season 1",
                true,
                &[
                    "Season 1",
                    "Season 1-poster",
                    "Season 1-folder",
                    "Season 1-cover",
                    "Season 1-default",
                    "poster",
                    "folder",
                    "cover",
                    "default",
                ],
            ),
        ];
        for (kind, file, own, expected) in cases {
            assert_eq!(
                local_image_names(*kind, file, *own).primary,
                s(expected),
                "{kind:?} {file} {own}"
            );
        }
    }

    #[test]
    fn other_image_types() {
        let n = local_image_names(ArtworkItemKind::Movie, "/m/Movie (2010)/Movie.mkv", true);
        assert_eq!(
            n.logo,
            s(&["Movie-logo", "logo", "Movie-clearlogo", "clearlogo"])
        );
        assert_eq!(n.art, s(&["Movie-clearart", "clearart"]));
        assert_eq!(n.banner, s(&["Movie-banner", "banner"]));
        assert_eq!(
            n.thumb,
            s(&["Movie-landscape", "landscape", "Movie-thumb", "thumb"])
        );
        assert_eq!(
            n.disc,
            s(&[
                "Movie-disc",
                "disc",
                "Movie-cdart",
                "cdart",
                "Movie-discart",
                "discart"
            ])
        );
        assert_eq!(n.names(ImageType::Banner), n.banner.as_slice());

        let album = local_image_names(ArtworkItemKind::MusicAlbum, "Album", false);
        assert_eq!(album.disc, s(&["Album-cdart", "Album-disc"]));
        let series = local_image_names(ArtworkItemKind::Series, "Show", true);
        assert!(series.disc.is_empty());

        for kind in [
            ArtworkItemKind::Episode,
            ArtworkItemKind::Song,
            ArtworkItemKind::Person,
        ] {
            let n = local_image_names(kind, "x.mkv", true);
            assert!(n.logo.is_empty() && n.art.is_empty() && n.banner.is_empty());
            assert!(n.thumb.is_empty() && n.disc.is_empty() && n.backdrops.is_empty());
        }
        assert_eq!(ImageType::Profile.id(), 12);
        assert_eq!(ImageType::from_id(6), Some(ImageType::Disc));
        assert_eq!(ImageType::from_id(13), None);
        assert_eq!(ImageType::from_id(-1), None);
    }

    #[test]
    fn backdrop_series() {
        let n = local_image_names(ArtworkItemKind::Movie, "Movie.mkv", true);
        let name = |x: &str| BackdropSource::Name(x.to_owned());
        let numbered = |x: &str| BackdropSource::Numbered {
            prefix: x.to_owned(),
        };
        assert_eq!(
            n.backdrops,
            vec![
                name("Movie-fanart"),
                numbered("Movie-fanart-"),
                name("fanart"),
                numbered("fanart-"),
                name("Movie-background"),
                numbered("Movie-background-"),
                name("background"),
                numbered("background-"),
                name("Movie-art"),
                numbered("Movie-art-"),
                name("art"),
                numbered("art-"),
                BackdropSource::ExtraFanartFolder,
                name("Movie-backdrop"),
                numbered("Movie-backdrop"),
                name("backdrop"),
                numbered("backdrop"),
            ]
        );
        let present = [
            "fanart",
            "fanart-1",
            "fanart-2",
            "fanart-6",
            "fanart-7",
            "backdrop",
            "backdrop2",
        ];
        let found = select_backdrops(
            &n.backdrops,
            |x| present.contains(&x),
            &s(&["extrafanart/a.jpg"]),
        );
        assert_eq!(
            found,
            s(&[
                "fanart",
                "fanart-1",
                "fanart-2",
                "extrafanart/a.jpg",
                "backdrop",
                "backdrop2"
            ])
        );

        let mixed = local_image_names(ArtworkItemKind::Movie, "Movie.mkv", false);
        assert!(!mixed.backdrops.contains(&name("fanart")));
    }

    #[test]
    fn episode_and_season_names() {
        assert_eq!(
            episode_image_names("/tv/Show/Season 1/Show S01E01.mkv"),
            s(&[
                "Show S01E01",
                "Show S01E01-thumb",
                "metadata/Show S01E01",
                "metadata/Show S01E01-thumb"
            ])
        );
        assert!(episode_image_names("").is_empty());
        let season = season_image_names(Some(1), "Season 1");
        assert_eq!(season.primary, s(&["season01-poster", "season1-poster"]));
        assert_eq!(season.backdrop, s(&["season01-fanart", "season1-fanart"]));
        assert_eq!(season.banner, s(&["season01-banner", "season1-banner"]));
        assert_eq!(
            season.thumb,
            s(&["season01-landscape", "season1-landscape"])
        );
        assert_eq!(
            season_image_names(Some(0), "Specials").primary,
            s(&["season-specials-poster", "specials-poster"])
        );
        assert_eq!(
            season_image_names(Some(12), "Season 12").primary,
            s(&["season12-poster"])
        );
        assert_eq!(season_image_names(None, "").primary, Vec::<String>::new());
    }

    #[test]
    fn nfo_paths() {
        let q = |kind, p| NfoQuery::new(kind, p);
        assert_eq!(
            nfo_file_paths(&q(NfoItemKind::Movie, "/m/Movie (2010)/Movie.mkv")),
            s(&["/m/Movie (2010)/movie.nfo", "/m/Movie (2010)/Movie.nfo"])
        );
        let mixed = NfoQuery {
            in_mixed_folder: true,
            ..q(NfoItemKind::Movie, "/m/Movie.mkv")
        };
        assert_eq!(nfo_file_paths(&mixed), s(&["/m/Movie.nfo"]));
        let dvd = NfoQuery {
            disc: DiscRip::Dvd,
            ..q(NfoItemKind::Movie, "/m/Movie (2010)")
        };
        assert_eq!(
            nfo_file_paths(&dvd),
            s(&[
                "/m/Movie (2010)/VIDEO_TS/VIDEO_TS.nfo",
                "/m/Movie (2010)/movie.nfo",
                "/m/Movie (2010)/Movie (2010).nfo"
            ])
        );
        let bd = NfoQuery {
            disc: DiscRip::BluRay,
            ..q(NfoItemKind::Video, "/m/Concert/")
        };
        assert_eq!(nfo_file_paths(&bd), s(&["/m/Concert/Concert.nfo"]));
        assert_eq!(
            nfo_file_paths(&q(NfoItemKind::MusicVideo, "/mv/Song.mp4")),
            s(&["/mv/Song.nfo"])
        );
        assert_eq!(
            nfo_file_paths(&q(NfoItemKind::Series, "/tv/Show")),
            s(&["/tv/Show/tvshow.nfo"])
        );
        assert_eq!(
            nfo_file_paths(&q(NfoItemKind::Season, "/tv/Show/Season 1")),
            s(&[
                "/tv/Show/Season 1/season.nfo",
                "/tv/Show/Season 1/tvshow.nfo",
                "/tv/Show/tvshow.nfo"
            ])
        );
        assert_eq!(
            nfo_file_paths(&q(NfoItemKind::Episode, "/tv/Show/S01/e1.mkv")),
            s(&["/tv/Show/S01/e1.nfo"])
        );
        assert_eq!(
            nfo_file_paths(&q(NfoItemKind::MusicAlbum, "/mu/A/B")),
            s(&["/mu/A/B/album.nfo"])
        );
        assert_eq!(
            nfo_file_paths(&q(NfoItemKind::MusicArtist, "/mu/A")),
            s(&["/mu/A/artist.nfo"])
        );
        assert_eq!(
            nfo_file_paths(&q(NfoItemKind::BoxSet, "/c/Set")),
            s(&["/c/Set/collection.xml"])
        );
        assert_eq!(
            nfo_file_paths(&q(NfoItemKind::Playlist, "/p/List")),
            s(&["/p/List/playlist.xml"])
        );
        let file_pl = NfoQuery {
            is_file_playlist: true,
            ..q(NfoItemKind::Playlist, "/p/mix.m3u")
        };
        assert_eq!(nfo_file_paths(&file_pl), s(&["/p/mix.xml"]));
        assert_eq!(
            nfo_file_paths(&q(NfoItemKind::Episode, "")),
            Vec::<String>::new()
        );
        assert_eq!(
            nfo_file_paths(&q(NfoItemKind::Movie, "Movie")),
            s(&["movie.nfo", "Movie.nfo"])
        );
    }

    #[test]
    fn never_panics() {
        let long = "é/".repeat(5000);
        for p in ["", "/", "//", ".", "\\x\\y.mkv", &long] {
            for own in [true, false] {
                let _ = local_image_names(ArtworkItemKind::Movie, p, own);
            }
            let _ = episode_image_names(p);
            let _ = season_image_names(Some(i32::MIN), p);
            for kind in [
                NfoItemKind::Movie,
                NfoItemKind::Season,
                NfoItemKind::Playlist,
            ] {
                let _ = nfo_file_paths(&NfoQuery {
                    disc: DiscRip::Dvd,
                    is_file_playlist: true,
                    ..NfoQuery::new(kind, p)
                });
            }
        }
    }
}
