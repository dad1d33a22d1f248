//! The NFO reader: quick-xml events folded into [`NfoMetadata`].
//!
//! Elements are matched by their lower-cased name and their place under the root (a `<title>`
//! inside `<actor>` or in an artist's discography `<album>` is not the item's title). Each open
//! element collects its own text (text, CDATA and references, not its children's); values are
//! taken when an element closes. Nothing recurses, so nesting depth costs only memory.

use quick_xml::errors::IllFormedError;
use quick_xml::events::attributes::AttrError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::entities;
use super::ids::{canonical_provider, ids_in_text, legacy_id_element, set_id};
use super::{NfoDate, NfoError, NfoKind, NfoMetadata, NfoPerson, PersonKind};
use crate::naming::tv::series::parse_series_status;

/// One open element.
struct Frame {
    /// Lower-cased name, for matching.
    name: String,
    /// The name as written, for errors.
    raw_name: String,
    /// Attributes, names lower-cased, values unescaped.
    attrs: Vec<(String, String)>,
    /// The element's own text.
    text: String,
    /// Whether a child element was seen.
    has_children: bool,
}

impl Frame {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.trim().is_empty())
    }
}

/// A `<ratings><rating>` entry.
struct Rating {
    name: Option<String>,
    value: f32,
    max: Option<f32>,
    default: bool,
}

/// Accumulated state while reading.
struct Builder {
    kind: NfoKind,
    meta: NfoMetadata,
    stack: Vec<Frame>,
    person: Option<NfoPerson>,
    rating_value: Option<f32>,
    ratings: Vec<Rating>,
    plain_rating: Option<f32>,
    year_tag: Option<i32>,
    set_name: Option<String>,
}

/// Parses `text` (see [`super::parse_nfo`]).
pub(super) fn parse(text: &str, kind: NfoKind) -> Result<NfoMetadata, NfoError> {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let body = &text[bom..];
    if body.trim().is_empty() {
        return Err(NfoError::Empty);
    }
    if !body.contains('<') {
        return url_only(body, kind);
    }

    let mut reader = Reader::from_str(body);
    let config = reader.config_mut();
    config.allow_dangling_amp = true;
    config.check_end_names = true;
    config.expand_empty_elements = false;

    let mut b = Builder::new(kind);
    let xml_error = |pos: u64, source: quick_xml::Error| xml_error(text, bom as u64 + pos, source);
    // An attribute error's position counts from the character after the tag's `<`.
    let attr_error = |tag_start: u64, e: quick_xml::Error| {
        let offset = match &e {
            quick_xml::Error::InvalidAttr(
                AttrError::ExpectedEq(p)
                | AttrError::ExpectedValue(p)
                | AttrError::UnquotedValue(p)
                | AttrError::ExpectedQuote(p, _)
                | AttrError::Duplicated(p, _),
            ) => *p as u64 + 1,
            _ => 0,
        };
        xml_error(tag_start + offset, e)
    };
    let trailing_from = loop {
        // Text is its own event, so a tag's event starts at its `<`.
        let event_start = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => return Err(xml_error(reader.error_position(), e)),
        };
        match event {
            Event::Start(e) => {
                let frame = b.frame(&e).map_err(|e| attr_error(event_start, e))?;
                b.open(frame);
            }
            Event::Empty(e) => {
                let frame = b.frame(&e).map_err(|e| attr_error(event_start, e))?;
                b.open(frame);
                if b.close() {
                    break reader.buffer_position() as usize;
                }
            }
            Event::End(_) => {
                if b.close() {
                    break reader.buffer_position() as usize;
                }
            }
            Event::Text(t) => {
                if let Some(frame) = b.stack.last_mut() {
                    let s = t
                        .xml_content()
                        .map_err(|e| xml_error(reader.buffer_position(), e.into()))?;
                    frame.text.push_str(&s);
                }
            }
            Event::CData(t) => {
                if let Some(frame) = b.stack.last_mut() {
                    let s = t
                        .xml_content()
                        .map_err(|e| xml_error(reader.buffer_position(), e.into()))?;
                    frame.text.push_str(&s);
                }
            }
            Event::GeneralRef(r) => {
                if let Some(frame) = b.stack.last_mut() {
                    let name = r
                        .decode()
                        .map_err(|e| xml_error(reader.buffer_position(), e.into()))?;
                    entities::push_reference(&mut frame.text, &name);
                }
            }
            Event::Eof => {
                if let Some(open) = b.stack.last() {
                    let source = quick_xml::Error::IllFormed(IllFormedError::MissingEndTag(
                        open.raw_name.clone(),
                    ));
                    return Err(xml_error(body.len() as u64, source));
                }
                // Markup, but no element at all (a comment, a declaration): read it as a URL
                // NFO.
                return url_only(body, kind);
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    };

    let mut meta = b.finish();
    if matches!(kind, NfoKind::Movie | NfoKind::MusicVideo | NfoKind::TvShow) {
        let trailing = body.get(trailing_from..).unwrap_or("");
        for (k, v) in ids_in_text(trailing, kind) {
            if meta.provider_id(&k).is_none() {
                meta.provider_ids.push((k, v));
            }
        }
    }
    Ok(meta)
}

/// A text without XML: Kodi's NFO that is only a provider URL.
fn url_only(body: &str, kind: NfoKind) -> Result<NfoMetadata, NfoError> {
    let provider_ids = ids_in_text(body, kind);
    if provider_ids.is_empty() {
        return Err(NfoError::NoContent);
    }
    Ok(NfoMetadata {
        provider_ids,
        ..NfoMetadata::default()
    })
}

/// An [`NfoError::Xml`] at byte `position` of `text`.
fn xml_error(text: &str, position: u64, source: quick_xml::Error) -> NfoError {
    let mut end = (position as usize).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    NfoError::Xml {
        position,
        line,
        column,
        source,
    }
}

/// Trimmed text, `None` when empty.
fn clean(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// Adds `value` (trimmed) to `list` unless it is empty or already there (ignoring case).
fn add_unique(list: &mut Vec<String>, value: &str) {
    let value = value.trim();
    if !value.is_empty()
        && !list
            .iter()
            .any(|v| v.to_lowercase() == value.to_lowercase())
    {
        list.push(value.to_string());
    }
}

/// Jellyfin's `GetStringArray`: split on `|` and `;` when either is present, else on `,`.
fn split_names(s: &str) -> impl Iterator<Item = &str> {
    let pipe = s.contains(['|', ';']);
    s.split(move |c: char| if pipe { c == '|' || c == ';' } else { c == ',' })
        .map(str::trim)
        .filter(|p| !p.is_empty())
}

/// An integer, allowing surrounding white space and a sign.
fn int(s: &str) -> Option<i32> {
    s.trim().parse().ok()
}

/// A decimal number written with `.` or `,`.
fn float(s: &str) -> Option<f32> {
    s.trim()
        .replace(',', ".")
        .parse::<f32>()
        .ok()
        .filter(|v| v.is_finite())
}

impl Builder {
    fn new(kind: NfoKind) -> Self {
        Builder {
            kind,
            meta: NfoMetadata::default(),
            stack: Vec::new(),
            person: None,
            rating_value: None,
            ratings: Vec::new(),
            plain_rating: None,
            year_tag: None,
            set_name: None,
        }
    }

    /// A frame for a start tag.
    fn frame(&self, e: &BytesStart<'_>) -> Result<Frame, quick_xml::Error> {
        let raw_name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
        let mut attrs = Vec::new();
        // Attributes matter only near the root; deeper ones are not even decoded.
        if self.stack.len() <= 3 {
            for attr in e.attributes() {
                let attr = attr?;
                let key = String::from_utf8_lossy(attr.key.as_ref()).to_ascii_lowercase();
                let value = entities::unescape(&String::from_utf8_lossy(&attr.value));
                attrs.push((key, value));
            }
        }
        Ok(Frame {
            name: raw_name.to_ascii_lowercase(),
            raw_name,
            attrs,
            text: String::new(),
            has_children: false,
        })
    }

    fn open(&mut self, frame: Frame) {
        if let Some(parent) = self.stack.last_mut() {
            parent.has_children = true;
        }
        if self.stack.is_empty() {
            self.meta.root = Some(frame.raw_name.clone());
        }
        self.stack.push(frame);
    }

    /// Closes the innermost element; `true` when it was the root.
    fn close(&mut self) -> bool {
        let Some(frame) = self.stack.pop() else {
            return true;
        };
        match self.stack.len() {
            0 => return true,
            1 => self.item_field(&frame),
            2 => self.child_field(&frame),
            3 if self.stack[1].name == "ratings"
                && self.stack[2].name == "rating"
                && frame.name == "value" =>
            {
                self.rating_value = float(&frame.text);
            }
            _ => {}
        }
        false
    }

    /// An element directly inside an element of the root (`<actor><name>`, `<set><name>`).
    fn child_field(&mut self, frame: &Frame) {
        let text = frame.text.as_str();
        match (self.stack[1].name.as_str(), frame.name.as_str()) {
            ("actor", field) => {
                let person = self.person.get_or_insert_with(|| NfoPerson {
                    name: String::new(),
                    kind: PersonKind::Actor,
                    role: None,
                    sort_order: None,
                    thumb: None,
                });
                match field {
                    "name" => person.name = text.trim().to_string(),
                    "role" => {
                        if let Some(role) = clean(text) {
                            person.role = Some(role);
                        }
                    }
                    "type" => {
                        person.kind = PersonKind::from_name(text).unwrap_or(PersonKind::Actor)
                    }
                    "order" | "sortorder" => {
                        if let Some(order) = int(text) {
                            person.sort_order = Some(order);
                        }
                    }
                    "thumb" => {
                        if let Some(thumb) = clean(text) {
                            person.thumb = Some(thumb);
                        }
                    }
                    _ => {}
                }
            }
            ("set", "name") => {
                if let Some(name) = clean(text) {
                    self.set_name = Some(name);
                }
            }
            ("ratings", "rating") => {
                if let Some(value) = self.rating_value.take() {
                    self.ratings.push(Rating {
                        name: frame.attr("name").map(str::to_string),
                        value,
                        max: frame.attr("max").and_then(float).filter(|m| *m > 0.0),
                        default: frame
                            .attr("default")
                            .is_some_and(|d| d.trim().eq_ignore_ascii_case("true")),
                    });
                }
            }
            ("albumartistcredits", "artist") => add_unique(&mut self.meta.album_artists, text),
            ("albumartistcredits", "musicbrainzartistid") => {
                set_id(&mut self.meta.provider_ids, "MusicBrainzAlbumArtist", text)
            }
            _ => {}
        }
    }

    /// A direct child of the root element.
    fn item_field(&mut self, frame: &Frame) {
        let text = frame.text.as_str();
        let m = &mut self.meta;
        let episode = self.kind == NfoKind::Episode;
        match frame.name.as_str() {
            "title" | "name" | "localtitle" => {
                if let Some(v) = clean(text) {
                    m.title = Some(v);
                }
            }
            "originaltitle" => m.original_title = clean(text).or(m.original_title.take()),
            "sorttitle" => m.sort_title = clean(text).or(m.sort_title.take()),
            "sortname" => {
                if m.sort_title.is_none() {
                    m.sort_title = clean(text);
                }
            }
            "showtitle" => m.show_title = clean(text).or(m.show_title.take()),
            "year" => {
                if let Some(year) = int(text).filter(|y| *y > 1850) {
                    self.year_tag = Some(year);
                }
            }
            "premiered" | "aired" | "releasedate" | "formed" => {
                if let Some(date) = NfoDate::parse(text) {
                    m.premiered = Some(date);
                }
            }
            "enddate" => m.end_date = NfoDate::parse(text).or(m.end_date),
            "plot" | "biography" | "review" => m.plot = clean(text).or(m.plot.take()),
            "outline" => m.outline = clean(text).or(m.outline.take()),
            "tagline" => m.tagline = clean(text).or(m.tagline.take()),
            "rating" => {
                if let Some(v) = float(text) {
                    self.plain_rating = Some(v);
                }
            }
            "criticrating" => m.critic_rating = float(text).or(m.critic_rating),
            "mpaa" => m.official_rating = clean(text).or(m.official_rating.take()),
            "customrating" => m.custom_rating = clean(text).or(m.custom_rating.take()),
            "genre" => text.split('/').for_each(|g| add_unique(&mut m.genres, g)),
            "tag" | "style" => add_unique(&mut m.tags, text),
            "studio" => add_unique(&mut m.studios, text),
            "country" => text
                .split('/')
                .for_each(|c| add_unique(&mut m.countries, c)),
            "actor" => {
                let person = match self.person.take() {
                    Some(person) => Some(person),
                    // `<actor>Name</actor>`: a bare name.
                    None if !frame.has_children => {
                        clean(text).map(|name| named_person(&name, PersonKind::Actor))
                    }
                    None => None,
                };
                if let Some(person) = person.filter(|p| !p.name.is_empty()) {
                    add_person(&mut m.people, person);
                }
            }
            "director" | "writer" => {
                let kind = if frame.name == "director" {
                    PersonKind::Director
                } else {
                    PersonKind::Writer
                };
                for name in split_names(text) {
                    add_person(&mut m.people, named_person(name, kind));
                }
            }
            "credits" => {
                for name in text.split('/').map(str::trim).filter(|n| !n.is_empty()) {
                    add_person(&mut m.people, named_person(name, PersonKind::Writer));
                }
            }
            "uniqueid" => {
                if let (Some(provider), Some(id)) = (frame.attr("type"), clean(text)) {
                    let key = canonical_provider(provider);
                    let default = frame
                        .attr("default")
                        .is_some_and(|d| d.trim().eq_ignore_ascii_case("true"));
                    if default && m.default_provider.is_none() {
                        m.default_provider = Some(key.clone());
                    }
                    set_id(&mut m.provider_ids, &key, &id);
                }
            }
            "id" => self.legacy_id(frame),
            "runtime" => {
                let minutes = text.trim().split(' ').next().and_then(|n| n.parse().ok());
                if let Some(minutes) = minutes.filter(|m: &u32| *m > 0) {
                    m.runtime_minutes = Some(minutes);
                }
            }
            "set" => {
                if let Some(id) = frame.attr("tmdbcolid") {
                    set_id(&mut m.provider_ids, "TmdbCollection", id);
                }
                let name = self.set_name.take();
                let name = if frame.has_children {
                    name
                } else {
                    clean(text)
                };
                if name.is_some() {
                    m.collection = name;
                }
            }
            "season" if episode => m.season_number = int(text).or(m.season_number),
            "seasonnumber" if self.kind == NfoKind::Season => {
                m.season_number = int(text).or(m.season_number)
            }
            "episode" if episode => m.episode_number = int(text).or(m.episode_number),
            "episodenumberend" if episode => {
                m.episode_number_end = int(text).or(m.episode_number_end)
            }
            "displayseason" if episode => m.display_season = int(text).or(m.display_season),
            "displayepisode" if episode => m.display_episode = int(text).or(m.display_episode),
            "airsafter_season" if episode => {
                m.airs_after_season = int(text).or(m.airs_after_season)
            }
            "airsbefore_season" if episode => {
                m.airs_before_season = int(text).or(m.airs_before_season)
            }
            "airsbefore_episode" if episode => {
                m.airs_before_episode = int(text).or(m.airs_before_episode)
            }
            "namedseason" => {
                if let (Some(number), Some(name)) =
                    (frame.attr("number").and_then(int), clean(text))
                {
                    match m.named_seasons.iter_mut().find(|(n, _)| *n == number) {
                        Some(slot) => slot.1 = name,
                        None => m.named_seasons.push((number, name)),
                    }
                }
            }
            "status" if self.kind == NfoKind::TvShow => {
                if let Some(status) = parse_series_status(text) {
                    m.status = Some(status);
                }
            }
            "artist" => add_unique(&mut m.artists, text),
            "albumartist" => add_unique(&mut m.album_artists, text),
            "album" => {
                if !frame.has_children {
                    m.album = clean(text).or(m.album.take());
                }
            }
            "lockdata" => m.locked = text.trim().eq_ignore_ascii_case("true"),
            other => {
                if let Some(provider) = legacy_id_element(other) {
                    set_id(&mut m.provider_ids, provider, text);
                }
            }
        }
    }

    /// The legacy `<id>`: `IMDB`/`TMDB`/`TVDB` attributes, and content that is an IMDb id
    /// (`tt...`), else a TMDb id for movies and a TheTVDB id for series.
    fn legacy_id(&mut self, frame: &Frame) {
        let ids = &mut self.meta.provider_ids;
        for (attr, provider) in [("imdb", "Imdb"), ("tmdb", "Tmdb"), ("tvdb", "Tvdb")] {
            if let Some(v) = frame.attr(attr) {
                set_id(ids, provider, v);
            }
        }
        let Some(content) = clean(&frame.text) else {
            return;
        };
        let provider = if content.starts_with("tt") {
            Some("Imdb")
        } else if !content.bytes().all(|b| b.is_ascii_digit()) {
            None
        } else {
            match self.kind {
                NfoKind::Movie | NfoKind::MusicVideo => Some("Tmdb"),
                NfoKind::TvShow => Some("Tvdb"),
                _ => None,
            }
        };
        if let Some(provider) = provider {
            if frame.attr(&provider.to_ascii_lowercase()).is_none() {
                set_id(ids, provider, &content);
            }
        }
    }

    fn finish(mut self) -> NfoMetadata {
        let m = &mut self.meta;
        m.year = self.year_tag.or(m.premiered.map(|d| d.year));
        if m.plot.is_none() {
            m.plot = m.outline.clone();
        }
        let is_critic = |r: &Rating| {
            r.name.as_deref().is_some_and(|n| {
                let n = n.to_ascii_lowercase();
                n.contains("tomato") && !n.contains("audience")
            })
        };
        let scaled = |r: &Rating, scale: f32| match r.max {
            Some(max) if (max - scale).abs() > f32::EPSILON => r.value * scale / max,
            _ => r.value,
        };
        let default = self.ratings.iter().find(|r| r.default && !is_critic(r));
        let last_other = self.ratings.iter().rev().find(|r| !is_critic(r));
        m.rating = default
            .map(|r| scaled(r, 10.0))
            .or(self.plain_rating)
            .or(last_other.map(|r| scaled(r, 10.0)));
        if m.critic_rating.is_none() {
            m.critic_rating = self
                .ratings
                .iter()
                .filter(|r| is_critic(r))
                .find(|r| {
                    !r.name
                        .as_deref()
                        .unwrap_or("")
                        .to_ascii_lowercase()
                        .contains("avg")
                })
                .map(|r| scaled(r, 100.0));
        }
        self.meta
    }
}

fn named_person(name: &str, kind: PersonKind) -> NfoPerson {
    NfoPerson {
        name: name.to_string(),
        kind,
        role: None,
        sort_order: None,
        thumb: None,
    }
}

/// Adds `person` unless the same name (ignoring case) is already credited with the same kind;
/// a role the earlier credit lacks is taken over.
fn add_person(people: &mut Vec<NfoPerson>, person: NfoPerson) {
    let existing = people
        .iter_mut()
        .find(|p| p.kind == person.kind && p.name.to_lowercase() == person.name.to_lowercase());
    match existing {
        Some(p) => {
            if p.role.is_none() {
                p.role = person.role;
            }
        }
        None => people.push(person),
    }
}
