//! Enrichment: NFO metadata, probed media facts and image facts applied to item records.

use crate::naming::artwork::NfoItemKind;
use crate::nfo::{self, NfoKind, NfoMetadata};
use crate::store::{ChapterRecord, ItemKind, ItemRecord, PersonCredit, StreamRecord};

use super::walk::FileNode;

fn nfo_kind(kind: NfoItemKind) -> NfoKind {
    match kind {
        NfoItemKind::Series => NfoKind::TvShow,
        NfoItemKind::Season => NfoKind::Season,
        NfoItemKind::Episode => NfoKind::Episode,
        NfoItemKind::MusicAlbum => NfoKind::Album,
        NfoItemKind::MusicArtist => NfoKind::Artist,
        NfoItemKind::MusicVideo => NfoKind::MusicVideo,
        _ => NfoKind::Movie,
    }
}

/// Reads the NFO file `f` into `rec`; a file that cannot be read or parsed keeps the file-name
/// data and records the error in `rec.nfo_error`.
pub fn apply_nfo_file(rec: &mut ItemRecord, f: &FileNode, kind: NfoItemKind) {
    match nfo::parse_nfo_file(std::path::Path::new(&f.path), nfo_kind(kind)) {
        Ok(meta) => apply_nfo(rec, &meta),
        Err(e) => rec.nfo_error = Some(format!("{}: {e}", f.path)),
    }
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Applies NFO metadata over what the file names gave.
pub fn apply_nfo(rec: &mut ItemRecord, m: &NfoMetadata) {
    if let Some(title) = non_empty(&m.title) {
        rec.name = title;
        rec.sort_name = crate::store::sort_name(&rec.name);
    }
    if let Some(sort) = non_empty(&m.sort_title) {
        rec.sort_name = crate::store::sort_name(&sort);
    }
    if let Some(v) = non_empty(&m.original_title) {
        rec.original_title = Some(v);
    }
    if let Some(y) = m.year {
        rec.production_year = Some(y);
    }
    if let Some(d) = m.premiered {
        rec.premiere_date = Some(format!("{:04}-{:02}-{:02}", d.year, d.month, d.day));
        if rec.production_year.is_none() {
            rec.production_year = Some(d.year);
        }
    }
    if let Some(plot) = non_empty(&m.plot).or_else(|| non_empty(&m.outline)) {
        rec.overview = Some(plot);
    }
    if let Some(v) = non_empty(&m.tagline) {
        rec.tagline = Some(v);
    }
    if let Some(r) = m.rating {
        rec.community_rating = Some(f64::from(r));
    }
    if let Some(v) = non_empty(&m.official_rating) {
        rec.official_rating = Some(v);
    }
    if rec.kind == Some(ItemKind::Episode) {
        if let Some(n) = m.episode_number {
            rec.index_number = Some(n);
        }
        if let Some(n) = m.episode_number_end {
            rec.index_number_end = Some(n);
        }
        if let Some(n) = m.season_number {
            rec.parent_index_number = Some(n);
        }
    }
    if rec.kind == Some(ItemKind::Season) {
        if let Some(n) = m.season_number {
            rec.index_number = Some(n);
        }
    }
    if let Some(mins) = m.runtime_minutes {
        rec.run_time_ticks = Some(i64::from(mins) * 60 * 10_000_000);
    }
    merge(&mut rec.genres, &m.genres);
    merge(&mut rec.tags, &m.tags);
    merge(&mut rec.studios, &m.studios);
    merge(&mut rec.artists, &m.artists);
    merge(&mut rec.album_artists, &m.album_artists);
    if let Some(album) = non_empty(&m.album) {
        rec.album = Some(album);
    }
    for p in &m.people {
        if !rec
            .people
            .iter()
            .any(|q| q.name == p.name && q.kind == p.kind.name())
        {
            rec.people.push(PersonCredit {
                name: p.name.clone(),
                role: p.role.clone(),
                kind: p.kind.name().to_owned(),
                sort_order: p.sort_order,
            });
        }
    }
    for (provider, value) in &m.provider_ids {
        match rec.provider_ids.iter_mut().find(|(p, _)| p == provider) {
            Some(existing) => existing.1 = value.clone(),
            None => rec.provider_ids.push((provider.clone(), value.clone())),
        }
    }
}

fn merge(into: &mut Vec<String>, from: &[String]) {
    for v in from {
        let v = v.trim();
        if !v.is_empty() && !into.iter().any(|x| x.eq_ignore_ascii_case(v)) {
            into.push(v.to_owned());
        }
    }
}

/// Media facts of one probed file, in the store's terms.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MediaFacts {
    /// Container as ffprobe names it.
    pub container: Option<String>,
    /// Duration in ticks.
    pub run_time_ticks: Option<i64>,
    /// Overall bit rate.
    pub bitrate: Option<i64>,
    /// Embedded streams.
    pub streams: Vec<StreamRecord>,
    /// Chapters.
    pub chapters: Vec<ChapterRecord>,
    /// Audio tags: title, artists, album artists, album, track, disc, year, genres.
    pub tags: AudioTagFacts,
}

/// Audio tags in the store's terms.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AudioTagFacts {
    /// Track title.
    pub title: Option<String>,
    /// Performing artists.
    pub artists: Vec<String>,
    /// Album artists.
    pub album_artists: Vec<String>,
    /// Album.
    pub album: Option<String>,
    /// Track number.
    pub track: Option<i32>,
    /// Disc number.
    pub disc: Option<i32>,
    /// Year.
    pub year: Option<i32>,
    /// Genres.
    pub genres: Vec<String>,
}

/// Applies probed facts: container, runtime, bit rate, streams (embedded first, the external
/// ones found beside the file renumbered after them), chapters, and for audio the tags.
pub fn apply_media(rec: &mut ItemRecord, facts: &MediaFacts, size: u64, mtime_ns: i64) {
    rec.container = facts.container.clone();
    if facts.run_time_ticks.is_some() {
        rec.run_time_ticks = facts.run_time_ticks;
    }
    rec.bitrate = facts.bitrate;
    rec.size = Some(size as i64);
    rec.file_mtime = Some(mtime_ns);
    rec.probe_error = None;
    let external: Vec<StreamRecord> = rec.streams.drain(..).filter(|s| s.is_external).collect();
    rec.streams = facts.streams.clone();
    let base = rec.streams.len() as i32;
    for (i, mut s) in external.into_iter().enumerate() {
        s.index = base + i as i32;
        rec.streams.push(s);
    }
    rec.chapters = facts.chapters.clone();
    if matches!(rec.kind, Some(ItemKind::Audio) | Some(ItemKind::AudioBook)) {
        let t = &facts.tags;
        if let Some(title) = t.title.as_ref().filter(|s| !s.trim().is_empty()) {
            rec.name = title.trim().to_owned();
            rec.sort_name = crate::store::sort_name(&rec.name);
        }
        if t.track.is_some() {
            rec.index_number = t.track;
        }
        if t.disc.is_some() {
            rec.parent_index_number = t.disc;
        }
        if t.year.is_some() {
            rec.production_year = t.year;
        }
        if let Some(album) = t.album.as_ref().filter(|s| !s.trim().is_empty()) {
            rec.album = Some(album.trim().to_owned());
        }
        merge(&mut rec.artists, &t.artists);
        merge(&mut rec.album_artists, &t.album_artists);
        merge(&mut rec.genres, &t.genres);
    }
}

/// Records a probe failure: the item stays, with the file facts and the reason.
pub fn apply_probe_error(rec: &mut ItemRecord, error: &str, size: u64, mtime_ns: i64) {
    rec.size = Some(size as i64);
    rec.file_mtime = Some(mtime_ns);
    rec.probe_error = Some(error.to_owned());
    rec.container = None;
    rec.bitrate = None;
    rec.chapters.clear();
    rec.streams.retain(|s| s.is_external);
    for (i, s) in rec.streams.iter_mut().enumerate() {
        s.index = i as i32;
    }
}

/// Probes `path` and converts the result to store terms; the error text is what gets
/// recorded on the item (the probe error itself is logged by the caller).
///
/// A file libav opens but cannot fully describe (`ProbeError::Incomplete`) keeps what was read
/// and records the error too.
pub fn probe_facts(
    prober: &dyn crate::probe::Prober,
    path: &std::path::Path,
) -> Result<(MediaFacts, Option<String>), String> {
    match prober.probe(path) {
        Ok(info) => Ok((facts_from(&info), None)),
        Err(crate::probe::ProbeError::Incomplete { partial, .. }) => {
            let message = format!("{}: incomplete stream information", path.display());
            Ok((facts_from(&partial), Some(message)))
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Converts probe output to store terms.
pub fn facts_from(info: &crate::probe::MediaInfo) -> MediaFacts {
    use crate::probe::StreamKind;
    let streams = info
        .streams
        .iter()
        .filter(|s| s.kind != StreamKind::Attachment)
        .enumerate()
        .map(|(i, s)| StreamRecord {
            index: i as i32,
            kind: match s.kind {
                StreamKind::Video if s.is_attached_pic => "EmbeddedImage",
                StreamKind::Video => "Video",
                StreamKind::Audio => "Audio",
                StreamKind::Subtitle => "Subtitle",
                _ => "Data",
            }
            .to_owned(),
            codec: s.codec.clone(),
            profile: s.profile.clone(),
            level: s.level.map(f64::from),
            width: s.width.and_then(|w| i32::try_from(w).ok()),
            height: s.height.and_then(|h| i32::try_from(h).ok()),
            average_frame_rate: s.avg_frame_rate,
            real_frame_rate: s.real_frame_rate,
            pixel_format: s.pixel_format.clone(),
            bit_depth: s.bit_depth.and_then(|b| i32::try_from(b).ok()),
            color_transfer: s.color_transfer.clone(),
            color_primaries: s.color_primaries.clone(),
            color_space: s.color_space.clone(),
            dv_profile: s.dv_profile().map(i32::from),
            channels: s.channels.and_then(|c| i32::try_from(c).ok()),
            channel_layout: s.channel_layout.clone(),
            sample_rate: s.sample_rate.and_then(|r| i32::try_from(r).ok()),
            bit_rate: s.bit_rate,
            language: s.language.clone(),
            title: s.title.clone(),
            is_default: s.is_default,
            is_forced: s.is_forced,
            is_hearing_impaired: s.is_hearing_impaired,
            is_external: false,
            path: None,
        })
        .collect();
    let chapters = info
        .chapters
        .iter()
        .map(|c| ChapterRecord {
            start_ticks: c.start_ticks,
            name: c.title.clone(),
        })
        .collect();
    let t = &info.tags;
    let split = |v: &Option<String>| -> Vec<String> {
        v.as_deref()
            .map(|s| {
                s.split([';', '/', '|'])
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    MediaFacts {
        container: Some(info.container.clone()),
        run_time_ticks: info.duration_ticks,
        bitrate: info.bit_rate,
        streams,
        chapters,
        tags: AudioTagFacts {
            title: t.title.clone(),
            artists: split(&t.artist),
            album_artists: split(&t.album_artist),
            album: t.album.clone(),
            track: t.track_number.and_then(|n| i32::try_from(n).ok()),
            disc: t.disc_number.and_then(|n| i32::try_from(n).ok()),
            year: t.year,
            genres: t.genres.clone(),
        },
    }
}

/// After probing a music unit: albums take their name, year, album artists and genres from
/// their tracks' tags (the most common value wins), as Jellyfin does.
pub fn finish_music(planned: &mut [super::resolve::Planned]) {
    let albums: Vec<usize> = planned
        .iter()
        .enumerate()
        .filter(|(_, p)| p.rec.kind == Some(ItemKind::MusicAlbum))
        .map(|(i, _)| i)
        .collect();
    for a in albums {
        let id = planned[a].rec.id;
        let tracks: Vec<&ItemRecord> = planned
            .iter()
            .map(|p| &p.rec)
            .filter(|r| r.kind == Some(ItemKind::Audio) && r.parent_id == id)
            .collect();
        let most_common = |values: Vec<String>| -> Option<String> {
            let mut counts: Vec<(String, usize)> = Vec::new();
            for v in values {
                match counts.iter_mut().find(|(k, _)| *k == v) {
                    Some(c) => c.1 += 1,
                    None => counts.push((v, 1)),
                }
            }
            counts.into_iter().max_by_key(|(_, n)| *n).map(|(v, _)| v)
        };
        let name = most_common(tracks.iter().filter_map(|t| t.album.clone()).collect());
        let year = most_common(
            tracks
                .iter()
                .filter_map(|t| t.production_year.map(|y| y.to_string()))
                .collect(),
        );
        let mut album_artists: Vec<String> = Vec::new();
        let mut genres: Vec<String> = Vec::new();
        for t in &tracks {
            let source = if t.album_artists.is_empty() {
                &t.artists
            } else {
                &t.album_artists
            };
            merge(&mut album_artists, source);
            merge(&mut genres, &t.genres);
        }
        let rec = &mut planned[a].rec;
        if rec.overview.is_none() {
            if let Some(name) = name {
                rec.name = name;
                rec.sort_name = crate::store::sort_name(&rec.name);
            }
        }
        if let Some(y) = year.and_then(|y| y.parse().ok()) {
            rec.production_year = Some(y);
        }
        merge(&mut rec.album_artists, &album_artists);
        merge(&mut rec.genres, &genres);
    }
}
