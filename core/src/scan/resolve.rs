//! Resolution: a walked folder tree becomes item records, following the order of checks in
//! conventions section 13 (ignored paths are already gone): DVD/Blu-ray folder rips, extras
//! folders, then per folder: videos resolved, extras set aside, stacks, versions, and what
//! remains as items; series/season/episode hierarchies; music artist/album/track; audiobooks and
//! books. Each record gets its local images, external streams, NFO and provider ids here; media
//! facts (streams, tags) are added after probing.

use std::collections::HashMap;

use crate::naming::artwork::{
    self, episode_image_names, local_image_names, select_backdrops, ArtworkItemKind, ImageType,
    NfoItemKind, NfoQuery,
};
use crate::naming::external::ExternalKind;
use crate::naming::extras::{self, ExtraType};
use crate::naming::stack::StackEntry;
use crate::naming::tv::{self, ExpressionFilter};
use crate::naming::video::{self, ResolveOptions};
use crate::naming::video_list::{self, VersionGrouping, VideoItem};
use crate::naming::{path as npath, provider_ids, NamingOptions};
use crate::store::{
    ImageRecord, ItemId, ItemKind, ItemRecord, LibraryKind, MediaType, StreamRecord,
};

use super::enrich;
use super::walk::{DirNode, FileNode};

/// An item to store, with the media file whose facts it still needs.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The record (media facts still empty).
    pub rec: ItemRecord,
    /// The media file to probe, for playable items.
    pub media: Option<FileNode>,
    /// Image files whose facts (size, blurhash) are needed, in `rec.images` order.
    pub image_files: Vec<FileNode>,
}

/// What resolution needs to know about the library.
pub struct ResolveCtx<'a> {
    /// Naming rules.
    pub naming: &'a NamingOptions,
    /// The library's id.
    pub library_id: ItemId,
    /// The library's content type.
    pub kind: LibraryKind,
    /// The library folder being scanned.
    pub root: &'a DirNode,
}

/// Book file extensions.
const BOOK_EXTENSIONS: &[&str] = &[
    ".azw", ".azw3", ".cb7", ".cbr", ".cbt", ".cbz", ".epub", ".mobi", ".pdf",
];

fn is_book(path: &str) -> bool {
    let ext = npath::extension(path);
    BOOK_EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(ext))
}

fn is_extras_folder(naming: &NamingOptions, name: &str) -> bool {
    naming.video.extra_rules.iter().any(|r| {
        r.kind == extras::ExtraRuleKind::DirectoryName && r.token.eq_ignore_ascii_case(name)
    })
}

fn is_video_like(naming: &NamingOptions, path: &str) -> bool {
    naming.extensions.is_video(path) || naming.extensions.is_stub(path)
}

impl ResolveCtx<'_> {
    /// Resolves the files directly in the library folder (one scan unit).
    pub fn resolve_root_files(&self) -> Vec<Planned> {
        let root = self.root;
        let mut out = Vec::new();
        match self.kind {
            LibraryKind::Movies | LibraryKind::Mixed => {
                self.movies_in(root, self.library_id, false, &mut out)
            }
            LibraryKind::TvShows => {
                // Loose episodes in a TV library root: each file its own item.
                for f in root
                    .files
                    .iter()
                    .filter(|f| is_video_like(self.naming, &f.path))
                {
                    out.push(self.plain_video(f, root, self.library_id, ItemKind::Video));
                }
            }
            LibraryKind::Music => self.album(root, self.library_id, &mut out, true),
            LibraryKind::Books => self.books(root, self.library_id, &mut out, true),
            LibraryKind::HomeVideos | LibraryKind::MusicVideos => {
                self.videos_flat(root, self.library_id, &mut out, true)
            }
        }
        out
    }

    /// Resolves one folder directly inside the library folder (one scan unit).
    pub fn resolve_unit_dir(&self, dir: &DirNode) -> Vec<Planned> {
        let mut out = Vec::new();
        let parent = self.library_id;
        match self.kind {
            LibraryKind::Movies => self.movie_folder(dir, parent, &mut out),
            LibraryKind::TvShows => self.series(dir, parent, &mut out),
            LibraryKind::Music => self.music_folder(dir, parent, &mut out),
            LibraryKind::Books => self.books_folder(dir, parent, &mut out),
            LibraryKind::HomeVideos | LibraryKind::MusicVideos => {
                self.videos_folder(dir, parent, &mut out)
            }
            LibraryKind::Mixed => {
                if looks_like_series(self.naming, dir) {
                    self.series(dir, parent, &mut out)
                } else {
                    self.movie_folder(dir, parent, &mut out)
                }
            }
        }
        out
    }

    fn base(&self, kind: ItemKind, path: &str, name: &str, parent: ItemId) -> ItemRecord {
        let mut rec = ItemRecord::new(kind, path, name);
        rec.library_id = Some(self.library_id);
        rec.parent_id = Some(parent);
        rec.path = Some(path.to_owned());
        rec
    }

    fn folder(&self, dir: &DirNode, parent: ItemId, kind: ItemKind, name: &str) -> Planned {
        let rec = self.base(kind, &dir.path, name, parent);
        Planned {
            rec,
            media: None,
            image_files: Vec::new(),
        }
    }

    // ---------------------------------------------------------------- movies

    /// A folder in a movie library: a DVD/Blu-ray rip, a movie folder, a folder of several
    /// movies, or a plain folder whose sub-folders hold movies.
    fn movie_folder(&self, dir: &DirNode, parent: ItemId, out: &mut Vec<Planned>) {
        if let Some(video_type) = disc_rip(dir) {
            let info = video::resolve(self.naming, &dir.path, true, ResolveOptions::default());
            let (name, year) = info.map(|v| (v.name, v.year)).unwrap_or_default();
            let mut p = self.folder(dir, parent, ItemKind::Movie, &name);
            p.rec.production_year = year;
            p.rec.video_type = Some(video_type.into());
            p.rec.media_type = Some(MediaType::Video);
            self.attach_images(&mut p, dir, ArtworkItemKind::Movie, &dir.name, true);
            self.attach_nfo(&mut p.rec, dir, NfoItemKind::Movie, true, Some(video_type));
            self.attach_name_ids(&mut p.rec, &dir.name, provider_ids::MOVIE_FOLDER_KEYS);
            let owner = p.rec.id;
            out.push(p);
            if let Some(owner) = owner {
                self.extras_folders(dir, owner, out);
            }
            return;
        }
        let before = out.len();
        self.movies_in(dir, parent, true, out);
        if out.len() == before {
            // No movie here: a plain folder; its sub-folders may hold movies.
            let folder = self.folder(dir, parent, ItemKind::Folder, &dir.name);
            let id = folder.rec.id.unwrap_or(parent);
            out.push(folder);
            for sub in &dir.dirs {
                if !is_extras_folder(self.naming, &sub.name) {
                    self.movie_folder(sub, id, out);
                }
            }
        }
    }

    /// The movies among the files of `dir` (not its sub-folders), with their versions, parts
    /// and extras. `own_folder`: `dir` is not the library root, so a single movie owns it.
    fn movies_in(&self, dir: &DirNode, parent: ItemId, own_folder: bool, out: &mut Vec<Planned>) {
        // The movie resolver also skips files whose name has the whole word "sample".
        let entries = video_entries(
            self.naming,
            dir.files.iter().filter(|f| {
                !npath::file_stem(&f.name)
                    .to_lowercase()
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|w| w == "sample")
            }),
        );
        if entries.is_empty() {
            return;
        }
        let items = video_list::resolve_paths(self.naming, &entries, VersionGrouping::Movies);
        let movies: Vec<&VideoItem> = items.iter().filter(|i| i.extra_type.is_none()).collect();
        let extras: Vec<&VideoItem> = items.iter().filter(|i| i.extra_type.is_some()).collect();
        let single = own_folder && movies.len() == 1;
        let mut owners: Vec<(ItemId, String)> = Vec::new();
        for m in &movies {
            let mut planned = self.movie(m, dir, parent, single);
            let id = planned[0].rec.id;
            if let Some(id) = id {
                owners.push((id, npath::file_stem(&m.files[0].path).to_lowercase()));
            }
            out.append(&mut planned);
        }
        for e in extras {
            // In a folder of its own, every extra belongs to the movie; in a mixed folder only
            // those named after a movie.
            let stem = npath::file_stem(&e.files[0].path).to_lowercase();
            let owner = if single {
                owners.first().map(|(id, _)| *id)
            } else {
                owners
                    .iter()
                    .filter(|(_, s)| !s.is_empty() && stem.starts_with(s.as_str()))
                    .max_by_key(|(_, s)| s.len())
                    .map(|(id, _)| *id)
            };
            if let Some(owner) = owner {
                let f = dir.files.iter().find(|f| f.path == e.files[0].path);
                if let (Some(f), Some(t)) = (f, e.extra_type) {
                    out.push(self.extra(f, dir, owner, t));
                }
            }
        }
        if single {
            if let Some((owner, _)) = owners.first() {
                self.extras_folders(dir, *owner, out);
            }
        }
    }

    /// One movie (with its alternate versions as separate records pointing at it).
    fn movie(
        &self,
        item: &VideoItem,
        dir: &DirNode,
        parent: ItemId,
        own_folder: bool,
    ) -> Vec<Planned> {
        let kind = match self.kind {
            LibraryKind::Movies => ItemKind::Movie,
            LibraryKind::MusicVideos => ItemKind::MusicVideo,
            _ => ItemKind::Movie,
        };
        let mut out = Vec::new();
        let primary = self.video_record(item, dir, parent, kind, own_folder);
        let primary_id = primary.rec.id;
        out.push(primary);
        for alt in &item.alternate_versions {
            let mut p = self.video_record(alt, dir, parent, kind, own_folder);
            p.rec.primary_version_id = primary_id;
            // Versions share the movie's name.
            p.rec.name = out[0].rec.name.clone();
            p.rec.sort_name = out[0].rec.sort_name.clone();
            out.push(p);
        }
        out
    }

    fn video_record(
        &self,
        item: &VideoItem,
        dir: &DirNode,
        parent: ItemId,
        kind: ItemKind,
        own_folder: bool,
    ) -> Planned {
        let first = &item.files[0];
        // A movie alone in its folder is named after the folder (cleaned the same way).
        let (name, year) = if own_folder {
            video::resolve(self.naming, &dir.path, true, ResolveOptions::default())
                .map(|v| (v.name, v.year.or(first.year)))
                .unwrap_or((item.name.clone(), item.year))
        } else {
            (first.name.clone(), first.year)
        };
        let mut rec = self.base(kind, &first.path, &name, parent);
        rec.production_year = year;
        rec.media_type = Some(MediaType::Video);
        rec.video_3d_format = first.format_3d.video_3d_format().map(str::to_owned);
        rec.is_placeholder = first.is_stub;
        rec.video_type = Some(video_type_of(first).into());
        rec.additional_parts = item.files.iter().skip(1).map(|f| f.path.clone()).collect();
        let media = dir.files.iter().find(|f| f.path == first.path).cloned();
        let mut p = Planned {
            rec,
            media: if first.is_stub { None } else { media },
            image_files: Vec::new(),
        };
        let art_kind = if kind == ItemKind::Movie {
            ArtworkItemKind::Movie
        } else {
            ArtworkItemKind::Video
        };
        self.attach_images(&mut p, dir, art_kind, &first.path, own_folder);
        self.attach_external_streams(&mut p.rec, dir, &first.path);
        let nfo_kind = if kind == ItemKind::Movie {
            NfoItemKind::Movie
        } else {
            NfoItemKind::Video
        };
        self.attach_nfo(&mut p.rec, dir, nfo_kind, own_folder, None);
        let id_source = if own_folder {
            dir.name.clone()
        } else {
            first.name.clone()
        };
        self.attach_name_ids(&mut p.rec, &id_source, provider_ids::MOVIE_FOLDER_KEYS);
        p
    }

    fn extra(&self, f: &FileNode, dir: &DirNode, owner: ItemId, t: ExtraType) -> Planned {
        let kind = if t == ExtraType::Trailer {
            ItemKind::Trailer
        } else {
            ItemKind::Video
        };
        let info = video::resolve(self.naming, &f.path, false, ResolveOptions::default());
        let name = info
            .as_ref()
            .map(|v| v.name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| npath::file_stem(&f.name).to_owned());
        let mut rec = self.base(kind, &f.path, &name, owner);
        rec.owner_id = Some(owner);
        rec.extra_type = Some(t.name().into());
        rec.media_type = Some(MediaType::Video);
        rec.production_year = info.and_then(|v| v.year);
        rec.video_type = Some("VideoFile".into());
        let mut p = Planned {
            rec,
            media: Some(f.clone()),
            image_files: Vec::new(),
        };
        self.attach_external_streams(&mut p.rec, dir, &f.path);
        p
    }

    /// Every video in the extras sub-folders of `dir` (`trailers/`, `featurettes/`, ...),
    /// owned by `owner`.
    fn extras_folders(&self, dir: &DirNode, owner: ItemId, out: &mut Vec<Planned>) {
        for sub in dir
            .dirs
            .iter()
            .filter(|d| is_extras_folder(self.naming, &d.name))
        {
            for f in sub.all_files() {
                if !self.naming.extensions.is_video(&f.path) {
                    continue;
                }
                let t = extras::classify(self.naming, &f.path, Some(&self.root.path))
                    .extra_type
                    .unwrap_or(ExtraType::Unknown);
                out.push(self.extra(f, sub, owner, t));
            }
        }
    }

    fn plain_video(&self, f: &FileNode, dir: &DirNode, parent: ItemId, kind: ItemKind) -> Planned {
        let info = video::resolve(self.naming, &f.path, false, ResolveOptions::default());
        let name = info
            .as_ref()
            .map(|v| v.name.clone())
            .unwrap_or_else(|| f.name.clone());
        let mut rec = self.base(kind, &f.path, &name, parent);
        rec.media_type = Some(MediaType::Video);
        rec.production_year = info.as_ref().and_then(|v| v.year);
        if let Some(v) = &info {
            rec.video_3d_format = v.format_3d.video_3d_format().map(str::to_owned);
            rec.is_placeholder = v.is_stub;
            rec.video_type = Some(video_type_of(v).into());
        }
        let mut p = Planned {
            rec,
            media: Some(f.clone()),
            image_files: Vec::new(),
        };
        self.attach_images(&mut p, dir, ArtworkItemKind::Video, &f.path, false);
        self.attach_external_streams(&mut p.rec, dir, &f.path);
        self.attach_nfo(&mut p.rec, dir, NfoItemKind::Video, false, None);
        p
    }

    // ---------------------------------------------------------------- home videos

    fn videos_folder(&self, dir: &DirNode, parent: ItemId, out: &mut Vec<Planned>) {
        let folder = self.folder(dir, parent, ItemKind::Folder, &dir.name);
        let id = folder.rec.id.unwrap_or(parent);
        out.push(folder);
        self.videos_flat(dir, id, out, false);
    }

    fn videos_flat(&self, dir: &DirNode, parent: ItemId, out: &mut Vec<Planned>, files_only: bool) {
        let kind = if self.kind == LibraryKind::MusicVideos {
            ItemKind::MusicVideo
        } else {
            ItemKind::Video
        };
        for f in dir
            .files
            .iter()
            .filter(|f| is_video_like(self.naming, &f.path))
        {
            out.push(self.plain_video(f, dir, parent, kind));
        }
        if !files_only {
            for sub in &dir.dirs {
                self.videos_folder(sub, parent, out);
            }
        }
    }

    // ---------------------------------------------------------------- TV

    fn series(&self, dir: &DirNode, parent: ItemId, out: &mut Vec<Planned>) {
        let info = tv::resolve_series(self.naming, &dir.path);
        let name = if info.name.is_empty() {
            dir.name.clone()
        } else {
            info.name.clone()
        };
        let mut series = self.folder(dir, parent, ItemKind::Series, &name);
        series.rec.production_year = info.year;
        self.attach_images(&mut series, dir, ArtworkItemKind::Series, &dir.name, true);
        self.attach_nfo(&mut series.rec, dir, NfoItemKind::Series, true, None);
        self.attach_name_ids(&mut series.rec, &dir.name, provider_ids::SERIES_KEYS);
        let series_id = series.rec.id.unwrap_or(parent);
        let series_name = series.rec.name.clone();
        out.push(series);

        // Season folders (and "specials"); unrecognised folders holding videos are seasons too.
        let mut seasons: HashMap<Option<i32>, ItemId> = HashMap::new();
        let mut season_dirs: Vec<(&DirNode, Option<i32>)> = Vec::new();
        for sub in &dir.dirs {
            if is_extras_folder(self.naming, &sub.name)
                && !sub.name.eq_ignore_ascii_case("specials")
            {
                continue;
            }
            let parsed = tv::parse_season_path(self.naming, &sub.path, Some(&dir.path), true, true);
            let number = parsed.season_number.filter(|_| parsed.success);
            if number.is_none()
                && !sub
                    .all_files()
                    .iter()
                    .any(|f| is_video_like(self.naming, &f.path))
            {
                continue;
            }
            season_dirs.push((sub, number));
        }
        for (sub, number) in &season_dirs {
            let name = season_name(*number, &sub.name);
            let mut season = self.folder(sub, series_id, ItemKind::Season, &name);
            season.rec.index_number = *number;
            season.rec.series_id = Some(series_id);
            season.rec.series_name = Some(series_name.clone());
            season.rec.production_year = None;
            self.attach_images(&mut season, sub, ArtworkItemKind::Season, &sub.name, true);
            self.attach_season_images_from_series(&mut season, dir, *number, &name);
            self.attach_nfo(&mut season.rec, sub, NfoItemKind::Season, true, None);
            if let Some(id) = season.rec.id {
                seasons.entry(*number).or_insert(id);
            }
            out.push(season);
        }
        // Episodes in season folders, then loose episodes in the series folder.
        for (sub, number) in &season_dirs {
            let season_id = seasons.get(number).copied();
            let mut files: Vec<&FileNode> = sub.files.iter().collect();
            for d in sub
                .dirs
                .iter()
                .filter(|d| !is_extras_folder(self.naming, &d.name))
            {
                files.extend(d.all_files());
            }
            self.episodes(
                &files,
                sub,
                series_id,
                &series_name,
                season_id,
                *number,
                &mut seasons,
                dir,
                out,
            );
        }
        let loose: Vec<&FileNode> = dir.files.iter().collect();
        self.episodes(
            &loose,
            dir,
            series_id,
            &series_name,
            None,
            None,
            &mut seasons,
            dir,
            out,
        );
        self.extras_folders(dir, series_id, out);
    }

    #[allow(clippy::too_many_arguments)]
    fn episodes(
        &self,
        files: &[&FileNode],
        dir: &DirNode,
        series_id: ItemId,
        series_name: &str,
        season_id: Option<ItemId>,
        season_number: Option<i32>,
        seasons: &mut HashMap<Option<i32>, ItemId>,
        series_dir: &DirNode,
        out: &mut Vec<Planned>,
    ) {
        let entries = video_entries(self.naming, files.iter().copied());
        if entries.is_empty() {
            return;
        }
        let items = video_list::resolve_paths(self.naming, &entries, VersionGrouping::Episodes);
        for item in items {
            if let Some(t) = item.extra_type {
                if let Some(f) = files.iter().find(|f| f.path == item.files[0].path) {
                    out.push(self.extra(f, dir, season_id.unwrap_or(series_id), t));
                }
                continue;
            }
            let first = &item.files[0];
            let parsed = tv::resolve_episode(
                self.naming,
                &first.path,
                false,
                ExpressionFilter::default(),
                true,
            );
            let mut number = parsed
                .as_ref()
                .and_then(|e| e.season_number)
                .or(season_number);
            let by_date = parsed.as_ref().is_some_and(|e| e.is_by_date);
            let episode = parsed.as_ref().and_then(|e| e.episode_number);
            if number.is_none() && (episode.is_some() || by_date) {
                number = Some(1);
            }
            // The season item: the folder's, or a season made for loose episodes.
            let season = match season_id {
                Some(s) if number == season_number || season_number.is_none() => Some(s),
                _ => Some(*seasons.entry(number).or_insert_with(|| {
                    let key = format!("{}#season-{}", series_dir.path, number.map_or(-1, |n| n));
                    let mut rec = ItemRecord::new(ItemKind::Season, &key, season_name(number, ""));
                    rec.library_id = Some(self.library_id);
                    rec.parent_id = Some(series_id);
                    rec.index_number = number;
                    rec.series_id = Some(series_id);
                    rec.series_name = Some(series_name.to_owned());
                    let id = rec.id.unwrap_or(series_id);
                    out.push(Planned {
                        rec,
                        media: None,
                        image_files: Vec::new(),
                    });
                    id
                })),
            };
            let mut versions = vec![(&item, None)];
            versions.extend(item.alternate_versions.iter().map(|a| (a, Some(()))));
            let mut primary_id = None;
            for (v, is_alt) in versions {
                let f0 = &v.files[0];
                let stem = npath::file_stem(&f0.path).to_owned();
                let mut rec = self.base(
                    ItemKind::Episode,
                    &f0.path,
                    &stem,
                    season.unwrap_or(series_id),
                );
                rec.media_type = Some(MediaType::Video);
                rec.series_id = Some(series_id);
                rec.season_id = season;
                rec.series_name = Some(series_name.to_owned());
                rec.parent_index_number = number;
                rec.video_3d_format = f0.format_3d.video_3d_format().map(str::to_owned);
                rec.is_placeholder = f0.is_stub;
                rec.video_type = Some(video_type_of(f0).into());
                rec.additional_parts = v.files.iter().skip(1).map(|f| f.path.clone()).collect();
                if let Some(e) = &parsed {
                    if e.is_by_date {
                        if let (Some(y), Some(m), Some(d)) = (e.year, e.month, e.day) {
                            rec.premiere_date = Some(format!("{y:04}-{m:02}-{d:02}"));
                            rec.production_year = Some(y);
                        }
                    } else {
                        rec.index_number = e.episode_number;
                        rec.index_number_end = e.ending_episode_number;
                    }
                }
                if is_alt.is_some() {
                    rec.primary_version_id = primary_id;
                }
                let media = files
                    .iter()
                    .find(|f| f.path == f0.path)
                    .map(|f| (*f).clone());
                let mut p = Planned {
                    rec,
                    media: if f0.is_stub { None } else { media },
                    image_files: Vec::new(),
                };
                let parent_dir = npath::parent(&f0.path).unwrap_or(&dir.path);
                let holder = if parent_dir == dir.path {
                    dir
                } else {
                    dir.dirs
                        .iter()
                        .find(|d| d.path == parent_dir)
                        .unwrap_or(dir)
                };
                self.attach_episode_image(&mut p, holder, &f0.path);
                self.attach_external_streams(&mut p.rec, holder, &f0.path);
                self.attach_nfo(&mut p.rec, holder, NfoItemKind::Episode, false, None);
                self.attach_name_ids(
                    &mut p.rec,
                    npath::file_name(&f0.path),
                    provider_ids::EPISODE_KEYS,
                );
                if primary_id.is_none() {
                    primary_id = p.rec.id;
                }
                out.push(p);
            }
        }
    }

    // ---------------------------------------------------------------- music

    fn music_folder(&self, dir: &DirNode, parent: ItemId, out: &mut Vec<Planned>) {
        let has_audio = dir.files.iter().any(|f| self.is_song(f));
        let disc_dirs = dir
            .dirs
            .iter()
            .filter(|d| {
                self.naming.audio.is_multi_part(&d.path) && d.files.iter().any(|f| self.is_song(f))
            })
            .count();
        if has_audio
            || (disc_dirs > 0
                && disc_dirs
                    == dir
                        .dirs
                        .iter()
                        .filter(|d| d.all_files().iter().any(|f| self.is_song(f)))
                        .count())
        {
            self.album(dir, parent, out, false);
            return;
        }
        if dir.all_files().iter().all(|f| !self.is_song(f)) {
            return;
        }
        // A folder of albums: the artist.
        let mut artist = self.folder(dir, parent, ItemKind::MusicArtist, &dir.name);
        self.attach_images(
            &mut artist,
            dir,
            ArtworkItemKind::MusicArtist,
            &dir.name,
            true,
        );
        self.attach_nfo(&mut artist.rec, dir, NfoItemKind::MusicArtist, true, None);
        let id = artist.rec.id.unwrap_or(parent);
        out.push(artist);
        for sub in &dir.dirs {
            self.music_folder(sub, id, out);
        }
    }

    fn is_song(&self, f: &FileNode) -> bool {
        self.naming.extensions.is_audio(&f.path)
            && !npath::extension(&f.path).eq_ignore_ascii_case(".cue")
            && extras::classify(self.naming, &f.path, None).extra_type != Some(ExtraType::ThemeSong)
    }

    /// An album folder (or the library root's loose songs, `files_only`).
    fn album(&self, dir: &DirNode, parent: ItemId, out: &mut Vec<Planned>, files_only: bool) {
        let mut tracks: Vec<(&FileNode, Option<i32>)> = dir
            .files
            .iter()
            .filter(|f| self.is_song(f))
            .map(|f| (f, None))
            .collect();
        if !files_only {
            for sub in dir
                .dirs
                .iter()
                .filter(|d| self.naming.audio.is_multi_part(&d.path))
            {
                let disc = disc_number(&sub.name);
                tracks.extend(
                    sub.files
                        .iter()
                        .filter(|f| self.is_song(f))
                        .map(|f| (f, disc)),
                );
            }
        }
        if tracks.is_empty() {
            return;
        }
        let album_id = if files_only {
            parent
        } else {
            let (name, year) = album_name_year(&dir.name);
            let mut album = self.folder(dir, parent, ItemKind::MusicAlbum, &name);
            album.rec.production_year = year;
            self.attach_images(
                &mut album,
                dir,
                ArtworkItemKind::MusicAlbum,
                &dir.name,
                true,
            );
            self.attach_nfo(&mut album.rec, dir, NfoItemKind::MusicAlbum, true, None);
            let id = album.rec.id.unwrap_or(parent);
            out.push(album);
            id
        };
        for (f, disc) in tracks {
            let mut rec = self.base(
                ItemKind::Audio,
                &f.path,
                npath::file_stem(&f.name),
                album_id,
            );
            rec.media_type = Some(MediaType::Audio);
            rec.parent_index_number = disc;
            rec.index_number = leading_number(npath::file_stem(&f.name));
            let holder = npath::parent(&f.path)
                .and_then(|p| {
                    if p == dir.path {
                        Some(dir)
                    } else {
                        dir.dirs.iter().find(|d| d.path == p)
                    }
                })
                .unwrap_or(dir);
            self.attach_lyrics(&mut rec, holder, &f.path);
            out.push(Planned {
                rec,
                media: Some(f.clone()),
                image_files: Vec::new(),
            });
        }
    }

    // ---------------------------------------------------------------- books

    fn books_folder(&self, dir: &DirNode, parent: ItemId, out: &mut Vec<Planned>) {
        let folder = self.folder(dir, parent, ItemKind::Folder, &dir.name);
        let id = folder.rec.id.unwrap_or(parent);
        out.push(folder);
        self.books(dir, id, out, false);
    }

    fn books(&self, dir: &DirNode, parent: ItemId, out: &mut Vec<Planned>, files_only: bool) {
        for f in &dir.files {
            if is_book(&f.path) {
                let info = crate::naming::book::parse_book_file_name(
                    self.naming,
                    npath::file_stem(&f.name),
                );
                let name = info
                    .name
                    .clone()
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| npath::file_stem(&f.name).to_owned());
                let mut rec = self.base(ItemKind::Book, &f.path, &name, parent);
                rec.media_type = Some(MediaType::Book);
                rec.production_year = info.year;
                rec.index_number = info.index;
                rec.parent_index_number = info.parent_index;
                rec.series_name = info.series_name;
                rec.container = Some(
                    npath::extension(&f.path)
                        .trim_start_matches('.')
                        .to_lowercase(),
                );
                rec.size = Some(f.size as i64);
                rec.file_mtime = Some(f.mtime_ns);
                out.push(Planned {
                    rec,
                    media: None,
                    image_files: Vec::new(),
                });
            } else if self.naming.extensions.is_audio(&f.path)
                && !npath::file_stem(&f.name).is_empty()
            {
                let book = crate::naming::audio::resolve_audiobook_file(self.naming, &f.path);
                let mut rec = self.base(
                    ItemKind::AudioBook,
                    &f.path,
                    npath::file_stem(&f.name),
                    parent,
                );
                rec.media_type = Some(MediaType::Audio);
                if let Some(b) = book {
                    rec.index_number = b.chapter_number;
                    rec.parent_index_number = b.part_number;
                }
                out.push(Planned {
                    rec,
                    media: Some(f.clone()),
                    image_files: Vec::new(),
                });
            }
        }
        if !files_only {
            for sub in &dir.dirs {
                self.books_folder(sub, parent, out);
            }
        }
    }

    // ---------------------------------------------------------------- attachments

    fn attach_images(
        &self,
        p: &mut Planned,
        dir: &DirNode,
        kind: ArtworkItemKind,
        file_name: &str,
        own_folder: bool,
    ) {
        let names = local_image_names(kind, npath::file_name(file_name), own_folder);
        let find = |base: &str| -> Option<&FileNode> { find_image(self.naming, dir, base) };
        for t in [
            ImageType::Primary,
            ImageType::Logo,
            ImageType::Art,
            ImageType::Banner,
            ImageType::Thumb,
            ImageType::Disc,
        ] {
            if let Some(f) = names.names(t).iter().find_map(|n| find(n)) {
                push_image(p, t, 0, f);
            }
        }
        let extrafanart: Vec<String> = dir
            .dir("extrafanart")
            .map(|d| {
                d.files
                    .iter()
                    .filter(|f| self.naming.extensions.is_image(&f.path))
                    .map(|f| format!("extrafanart/{}", npath::file_stem(&f.name)))
                    .collect()
            })
            .unwrap_or_default();
        let chosen = select_backdrops(&names.backdrops, |n| find(n).is_some(), &extrafanart);
        for (i, base) in chosen.iter().enumerate() {
            let f = if let Some(rest) = base.strip_prefix("extrafanart/") {
                dir.dir("extrafanart")
                    .and_then(|d| find_image(self.naming, d, rest))
            } else {
                find(base)
            };
            if let Some(f) = f {
                push_image(p, ImageType::Backdrop, i as i32, f);
            }
        }
    }

    fn attach_season_images_from_series(
        &self,
        p: &mut Planned,
        series_dir: &DirNode,
        number: Option<i32>,
        name: &str,
    ) {
        let names = artwork::season_image_names(number, name);
        for (t, candidates) in [
            (ImageType::Primary, &names.primary),
            (ImageType::Backdrop, &names.backdrop),
            (ImageType::Banner, &names.banner),
            (ImageType::Thumb, &names.thumb),
        ] {
            if p.rec.images.iter().any(|i| i.image_type == t.id()) {
                continue;
            }
            if let Some(f) = candidates
                .iter()
                .find_map(|n| find_image(self.naming, series_dir, n))
            {
                push_image(p, t, 0, f);
            }
        }
    }

    fn attach_episode_image(&self, p: &mut Planned, dir: &DirNode, video_path: &str) {
        for candidate in episode_image_names(npath::file_name(video_path)) {
            let (folder, base) = match candidate.split_once('/') {
                Some((sub, base)) => (dir.dir(sub), base.to_owned()),
                None => (Some(dir), candidate.clone()),
            };
            if let Some(f) = folder.and_then(|d| find_image(self.naming, d, &base)) {
                push_image(p, ImageType::Primary, 0, f);
                return;
            }
        }
    }

    fn attach_external_streams(&self, rec: &mut ItemRecord, dir: &DirNode, video_path: &str) {
        let names: Vec<&str> = dir.files.iter().map(|f| f.path.as_str()).collect();
        let ext = &self.naming.extensions;
        let mut streams: Vec<StreamRecord> = Vec::new();
        for (kind, label) in [
            (ExternalKind::Subtitle, "Subtitle"),
            (ExternalKind::Audio, "Audio"),
        ] {
            for found in self
                .naming
                .external
                .find_external_files(ext, kind, video_path, &names)
            {
                if found.path == video_path {
                    continue;
                }
                streams.push(StreamRecord {
                    kind: label.into(),
                    codec: Some(subtitle_codec(&found.path)),
                    language: found.language,
                    title: found.title.filter(|t| !t.is_empty()),
                    is_default: found.is_default,
                    is_forced: found.is_forced,
                    is_hearing_impaired: found.is_hearing_impaired,
                    is_external: true,
                    path: Some(found.path),
                    ..StreamRecord::default()
                });
            }
        }
        rec.streams = streams;
    }

    fn attach_lyrics(&self, rec: &mut ItemRecord, dir: &DirNode, song_path: &str) {
        let names: Vec<&str> = dir.files.iter().map(|f| f.path.as_str()).collect();
        for found in self.naming.external.find_external_files(
            &self.naming.extensions,
            ExternalKind::Lyric,
            song_path,
            &names,
        ) {
            rec.streams.push(StreamRecord {
                kind: "Lyric".into(),
                codec: Some(
                    npath::extension(&found.path)
                        .trim_start_matches('.')
                        .to_lowercase(),
                ),
                language: found.language,
                is_external: true,
                path: Some(found.path),
                ..StreamRecord::default()
            });
        }
    }

    fn attach_nfo(
        &self,
        rec: &mut ItemRecord,
        dir: &DirNode,
        kind: NfoItemKind,
        own_folder: bool,
        disc: Option<&str>,
    ) {
        let path = rec.path.clone().unwrap_or_default();
        let mut q = NfoQuery::new(kind, &path);
        q.in_mixed_folder = !own_folder;
        q.is_placeholder = rec.is_placeholder;
        q.disc = match disc {
            Some("Dvd") => artwork::DiscRip::Dvd,
            Some("BluRay") => artwork::DiscRip::BluRay,
            _ => artwork::DiscRip::None,
        };
        for candidate in artwork::nfo_file_paths(&q) {
            let (folder, name) = match npath::parent(&candidate) {
                Some(p) if p == dir.path => (Some(dir), npath::file_name(&candidate)),
                Some(p) => (find_dir(self.root, p), npath::file_name(&candidate)),
                None => (Some(dir), candidate.as_str()),
            };
            if let Some(f) = folder.and_then(|d| d.file(name)) {
                enrich::apply_nfo_file(rec, f, kind);
                return;
            }
        }
    }

    /// Provider ids written in a name (`[tmdbid-603]`), and an IMDb id anywhere in the path.
    fn attach_name_ids(&self, rec: &mut ItemRecord, name: &str, keys: &[&str]) {
        for (key, value) in provider_ids::find_provider_ids(name, keys) {
            let provider = provider_name(key);
            if !rec.provider_ids.iter().any(|(p, _)| p == provider) {
                rec.provider_ids
                    .push((provider.to_owned(), value.to_owned()));
            }
        }
        if let Some(imdb) = rec.path.as_deref().and_then(provider_ids::find_imdb_id) {
            if !rec.provider_ids.iter().any(|(p, _)| p == "Imdb") {
                rec.provider_ids.push(("Imdb".into(), imdb.to_owned()));
            }
        }
    }
}

/// The videos and stubs among `files`, as stacking entries.
fn video_entries<'f>(
    naming: &NamingOptions,
    files: impl Iterator<Item = &'f FileNode>,
) -> Vec<StackEntry> {
    files
        .filter(|f| is_video_like(naming, &f.path))
        .map(|f| StackEntry {
            path: f.path.clone(),
            is_directory: false,
        })
        .collect()
}

fn provider_name(key: &str) -> &'static str {
    match key.to_ascii_lowercase().trim_end_matches("id") {
        "imdb" => "Imdb",
        "tmdb" => "Tmdb",
        "tvdb" => "Tvdb",
        "tvmaze" => "TvMaze",
        "anidb" => "AniDb",
        "anilist" => "AniList",
        "anisearch" => "AniSearch",
        _ => "Unknown",
    }
}

fn subtitle_codec(path: &str) -> String {
    match npath::extension(path)
        .trim_start_matches('.')
        .to_ascii_lowercase()
        .as_str()
    {
        "srt" => "subrip".into(),
        "ass" => "ass".into(),
        "ssa" => "ssa".into(),
        "vtt" => "webvtt".into(),
        "sub" => "microdvd".into(),
        "sup" => "pgssub".into(),
        "smi" | "sami" => "sami".into(),
        other => other.to_owned(),
    }
}

fn push_image(p: &mut Planned, t: ImageType, index: i32, f: &FileNode) {
    p.rec.images.push(ImageRecord {
        image_type: t.id(),
        index,
        path: f.path.clone(),
        width: None,
        height: None,
        blurhash: None,
        date_modified: f.mtime_ns / 1_000_000_000,
    });
    p.image_files.push(f.clone());
}

/// The image file named `base` (any image extension; the first extension in preference order
/// wins), if it exists and is not empty.
fn find_image<'d>(naming: &NamingOptions, dir: &'d DirNode, base: &str) -> Option<&'d FileNode> {
    naming.extensions.image.iter().find_map(|ext| {
        dir.files.iter().find(|f| {
            f.size > 0
                && f.name.len() == base.len() + ext.len()
                && f.name.is_char_boundary(base.len())
                && f.name[..base.len()].eq_ignore_ascii_case(base)
                && f.name[base.len()..].eq_ignore_ascii_case(ext)
        })
    })
}

fn find_dir<'d>(root: &'d DirNode, path: &str) -> Option<&'d DirNode> {
    if root.path == path {
        return Some(root);
    }
    root.dirs
        .iter()
        .filter(|d| {
            path.starts_with(&d.path)
                && path.as_bytes().get(d.path.len()).is_none_or(|b| *b == b'/')
        })
        .find_map(|d| find_dir(d, path))
}

fn video_type_of(v: &video::VideoFileInfo) -> &'static str {
    if v.is_stub {
        return match v.stub_type.as_deref() {
            Some("dvd") => "Dvd",
            Some("bluray") => "BluRay",
            _ => "VideoFile",
        };
    }
    match v
        .container
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("iso") | Some("img") => "Iso",
        _ => "VideoFile",
    }
}

/// `Dvd` when the folder is a DVD rip, `BluRay` for a Blu-ray rip.
fn disc_rip(dir: &DirNode) -> Option<&'static str> {
    if dir.dir("VIDEO_TS").is_some() || dir.file("VIDEO_TS.IFO").is_some() {
        Some("Dvd")
    } else if dir.dir("BDMV").is_some() {
        Some("BluRay")
    } else {
        None
    }
}

fn looks_like_series(naming: &NamingOptions, dir: &DirNode) -> bool {
    dir.file("tvshow.nfo").is_some()
        || dir.dirs.iter().any(|d| {
            let r = tv::parse_season_path(naming, &d.path, Some(&dir.path), false, false);
            r.success && r.is_season_folder
        })
}

fn season_name(number: Option<i32>, folder_name: &str) -> String {
    match number {
        Some(0) => "Specials".into(),
        Some(n) => format!("Season {n}"),
        None if !folder_name.is_empty() => folder_name.to_owned(),
        None => "Season Unknown".into(),
    }
}

fn album_name_year(name: &str) -> (String, Option<i32>) {
    if let Some(open) = name.rfind('(') {
        let inner = name[open + 1..].trim_end().trim_end_matches(')').trim();
        if inner.len() == 4 && inner.chars().all(|c| c.is_ascii_digit()) {
            let title = name[..open].trim();
            if !title.is_empty() {
                return (title.to_owned(), inner.parse().ok());
            }
        }
    }
    (name.to_owned(), None)
}

fn disc_number(folder: &str) -> Option<i32> {
    let digits: String = folder
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn leading_number(stem: &str) -> Option<i32> {
    let digits: String = stem
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    if digits.is_empty() || digits.len() > 3 {
        return None;
    }
    digits.parse().ok()
}
