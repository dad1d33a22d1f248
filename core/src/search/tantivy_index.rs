//! The tantivy search backend: schema, documents from store items, queries, facets, sync.

use std::collections::HashMap;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::params_from_iter;
use tantivy::collector::{DocSetCollector, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, RangeQuery,
    TermQuery, TermSetQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STRING,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};
use tantivy::{doc, DocAddress, Index, IndexReader, ReloadPolicy, Score, TantivyDocument, Term};

use super::{
    cjk_bigrams, typo_distance, FacetCount, Facets, SearchBackend, SearchError, SearchHit,
    SearchQuery, SearchResult, SyncSummary,
};
use crate::store::{get_items, ItemId, ItemRecord, Store, StoreError};

/// Bumped when the schema or the analysis changes: an index with another version is rebuilt.
const SCHEMA_VERSION: u32 = 3;
const VERSION_FILE: &str = "schema_version";
const ANALYZER: &str = "folded";
/// Words of a search beyond this many are ignored; longer terms are cut.
const MAX_WORDS: usize = 16;
const MAX_TERM_BYTES: usize = 1024;
/// Memory for indexing (tantivy's minimum per thread is 15 MB).
const WRITER_MEMORY: usize = 30_000_000;

fn index_error(e: impl std::fmt::Display) -> SearchError {
    SearchError::Index(e.to_string())
}

/// The fields of a document.
#[derive(Debug, Clone, Copy)]
struct Fields {
    id: Field,
    id_hi: Field,
    id_lo: Field,
    version: Field,
    name: Field,
    /// The whole name, folded, as one term: an exact name match ranks first.
    name_exact: Field,
    original_title: Field,
    sort_name: Field,
    series: Field,
    album: Field,
    artists: Field,
    people: Field,
    genres: Field,
    studios: Field,
    tags: Field,
    overview: Field,
    kind: Field,
    media_type: Field,
    library: Field,
    rating_rank: Field,
    genre: Field,
    tag: Field,
    official_rating: Field,
    year: Field,
    community_rating: Field,
    date_created: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |positions: bool| {
        let record = if positions {
            IndexRecordOption::WithFreqsAndPositions
        } else {
            IndexRecordOption::WithFreqs
        };
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(record),
        )
    };
    let fields = Fields {
        id: b.add_text_field("id", STRING),
        id_hi: b.add_u64_field("id_hi", FAST),
        id_lo: b.add_u64_field("id_lo", FAST),
        version: b.add_u64_field("version", FAST),
        name: b.add_text_field("name", text(true)),
        name_exact: b.add_text_field("name_exact", STRING),
        original_title: b.add_text_field("original_title", text(false)),
        sort_name: b.add_text_field("sort_name", text(false)),
        series: b.add_text_field("series", text(false)),
        album: b.add_text_field("album", text(false)),
        artists: b.add_text_field("artists", text(false)),
        people: b.add_text_field("people", text(false)),
        genres: b.add_text_field("genres", text(false)),
        studios: b.add_text_field("studios", text(false)),
        tags: b.add_text_field("tags", text(false)),
        overview: b.add_text_field("overview", text(false)),
        kind: b.add_text_field("kind", STRING | FAST),
        media_type: b.add_text_field("media_type", STRING),
        library: b.add_text_field("library", STRING),
        rating_rank: b.add_i64_field("rating_rank", INDEXED | FAST),
        genre: b.add_text_field("genre", STRING | FAST),
        tag: b.add_text_field("tag", STRING | FAST),
        official_rating: b.add_text_field("official_rating", STRING | FAST),
        year: b.add_u64_field("year", INDEXED | FAST),
        community_rating: b.add_f64_field("community_rating", FAST),
        date_created: b.add_i64_field("date_created", FAST),
    };
    (b.build(), fields)
}

fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(64))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The library value of items outside any library (people, genres...): always visible.
const NO_LIBRARY: &str = "-";
/// `rating_rank` of an item without a rating score.
const UNRATED: i64 = -1;

fn rank(score: i32, sub: i32) -> i64 {
    i64::from(score) * 1000 + i64::from(sub)
}

/// What the store says of an item, beyond its record, for the index.
#[derive(Debug, Clone, Copy)]
struct Indexed {
    version: u64,
    rating_rank: i64,
}

/// A tantivy index in a folder.
pub struct TantivyIndex {
    dir: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    /// Serializes writers (sync, rebuild).
    writing: Mutex<()>,
    needs_rebuild: bool,
}

impl std::fmt::Debug for TantivyIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TantivyIndex")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl TantivyIndex {
    /// Opens the index in `dir`, creating it when missing; an index of another schema version
    /// is emptied ([`TantivyIndex::needs_rebuild`] then says so).
    pub fn open(dir: &Path) -> SearchResult<Self> {
        let (schema, fields) = schema();
        let version_file = dir.join(VERSION_FILE);
        let current = std::fs::read_to_string(&version_file)
            .ok()
            .and_then(|v| v.trim().parse::<u32>().ok());
        let fresh = current != Some(SCHEMA_VERSION);
        if fresh && dir.exists() {
            std::fs::remove_dir_all(dir).map_err(|source| SearchError::Io {
                path: dir.to_owned(),
                source,
            })?;
        }
        std::fs::create_dir_all(dir).map_err(|source| SearchError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let directory = tantivy::directory::MmapDirectory::open(dir).map_err(index_error)?;
        let index = Index::open_or_create(directory, schema).map_err(index_error)?;
        index.tokenizers().register(ANALYZER, analyzer());
        if fresh {
            std::fs::write(&version_file, SCHEMA_VERSION.to_string()).map_err(|source| {
                SearchError::Io {
                    path: version_file.clone(),
                    source,
                }
            })?;
        }
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(index_error)?;
        Ok(Self {
            dir: dir.to_owned(),
            index,
            reader,
            fields,
            writing: Mutex::new(()),
            needs_rebuild: fresh,
        })
    }

    /// Whether the index was created (or emptied for a new schema) on open and should be
    /// filled from the store.
    pub fn needs_rebuild(&self) -> bool {
        self.needs_rebuild
    }

    fn words(&self, term: &str) -> Vec<String> {
        let mut cut = term;
        if cut.len() > MAX_TERM_BYTES {
            let mut end = MAX_TERM_BYTES;
            while !cut.is_char_boundary(end) {
                end -= 1;
            }
            cut = &cut[..end];
        }
        let text = cjk_bigrams(cut);
        let mut analyzer = analyzer();
        let mut stream = analyzer.token_stream(&text);
        let mut words: Vec<String> = Vec::new();
        while stream.advance() {
            words.push(stream.token().text.clone());
            if words.len() >= MAX_WORDS {
                break;
            }
        }
        words
    }

    /// The filters of a query (kinds, media types, libraries, parental control).
    fn filters(&self, q: &SearchQuery) -> Vec<(Occur, Box<dyn Query>)> {
        let f = &self.fields;
        let mut out: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let set = |field: Field, values: Vec<String>| -> Box<dyn Query> {
            Box::new(TermSetQuery::new(
                values.iter().map(|v| Term::from_field_text(field, v)),
            ))
        };
        if !q.include_kinds.is_empty() {
            out.push((
                Occur::Must,
                set(
                    f.kind,
                    q.include_kinds
                        .iter()
                        .map(|k| k.name().to_owned())
                        .collect(),
                ),
            ));
        }
        if !q.exclude_kinds.is_empty() {
            out.push((
                Occur::MustNot,
                set(
                    f.kind,
                    q.exclude_kinds
                        .iter()
                        .map(|k| k.name().to_owned())
                        .collect(),
                ),
            ));
        }
        if !q.media_types.is_empty() {
            out.push((
                Occur::Must,
                set(
                    f.media_type,
                    q.media_types.iter().map(|m| m.name().to_owned()).collect(),
                ),
            ));
        }
        if let Some(libs) = &q.libraries {
            let mut values: Vec<String> = libs.iter().map(ItemId::to_n).collect();
            values.push(NO_LIBRARY.to_owned());
            out.push((Occur::Must, set(f.library, values)));
        }
        if let Some(control) = &q.parental {
            let unrated = Term::from_field_i64(f.rating_rank, UNRATED);
            // Rated items up to the limit...
            let rated: Box<dyn Query> = match control.max {
                Some((max, sub)) => Box::new(RangeQuery::new(
                    Bound::Included(Term::from_field_i64(f.rating_rank, 0)),
                    Bound::Included(Term::from_field_i64(f.rating_rank, rank(max, sub))),
                )),
                None => Box::new(RangeQuery::new(
                    Bound::Included(Term::from_field_i64(f.rating_rank, 0)),
                    Bound::Unbounded,
                )),
            };
            // ...and unrated items of kinds not blocked when unrated.
            let blocked: Vec<String> = control
                .blocked_kinds()
                .iter()
                .map(|k| k.name().to_owned())
                .collect();
            let mut unrated_clauses: Vec<(Occur, Box<dyn Query>)> = vec![(
                Occur::Must,
                Box::new(TermQuery::new(unrated, IndexRecordOption::Basic)),
            )];
            if !blocked.is_empty() {
                unrated_clauses.push((Occur::MustNot, set(f.kind, blocked)));
            }
            out.push((
                Occur::Must,
                Box::new(BooleanQuery::new(vec![
                    (Occur::Should, rated),
                    (Occur::Should, Box::new(BooleanQuery::new(unrated_clauses))),
                ])),
            ));
        }
        out
    }

    /// The full query: every word must match some field in some form; filters.
    fn query(&self, q: &SearchQuery, words: &[String]) -> Box<dyn Query> {
        let f = &self.fields;
        // (field, exact, prefix, fuzzy) boosts.
        // Typos are looked for where people type names: titles, series, people, artists.
        // (The sort name repeats the name: it is not searched.)
        let weights: [(Field, f32, f32, f32); 10] = [
            (f.name, 10.0, 6.0, 3.0),
            (f.original_title, 5.0, 3.0, 1.5),
            (f.series, 4.0, 2.0, 1.0),
            (f.album, 4.0, 2.0, 0.0),
            (f.artists, 4.0, 2.0, 1.0),
            (f.people, 4.0, 2.0, 1.0),
            (f.genres, 2.0, 1.0, 0.0),
            (f.studios, 2.0, 1.0, 0.0),
            (f.tags, 2.0, 1.0, 0.0),
            (f.overview, 0.5, 0.0, 0.0),
        ];
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        // Each distinct word must match; the phrase and the exact name keep them all, in order.
        let mut distinct: Vec<&String> = Vec::new();
        for w in words {
            if !distinct.contains(&w) {
                distinct.push(w);
            }
        }
        for w in distinct {
            let chars = w.chars().count();
            let distance = typo_distance(chars);
            let mut variants: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for (field, exact, prefix, fuzzy) in weights {
                let term = Term::from_field_text(field, w);
                if exact > 0.0 {
                    variants.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(
                            Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                            exact,
                        )),
                    ));
                }
                if prefix > 0.0 {
                    variants.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(
                            Box::new(FuzzyTermQuery::new_prefix(term.clone(), 0, true)),
                            prefix,
                        )),
                    ));
                }
                if fuzzy > 0.0 && distance > 0 {
                    variants.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(
                            Box::new(FuzzyTermQuery::new(term, distance, true)),
                            fuzzy,
                        )),
                    ));
                }
            }
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(variants))));
        }
        clauses.push((
            Occur::Should,
            Box::new(BoostQuery::new(
                Box::new(TermQuery::new(
                    Term::from_field_text(f.name_exact, &words.join(" ")),
                    IndexRecordOption::Basic,
                )),
                100.0,
            )),
        ));
        if words.len() >= 2 {
            let terms: Vec<Term> = words
                .iter()
                .map(|w| Term::from_field_text(f.name, w))
                .collect();
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(PhraseQuery::new(terms)), 10.0)),
            ));
        }
        clauses.extend(self.filters(q));
        if !clauses.iter().any(|(o, _)| *o == Occur::Must) {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    fn document(&self, item: &ItemRecord, indexed: Indexed) -> Option<TantivyDocument> {
        let f = &self.fields;
        let id = item.id?;
        let (hi, lo) = halves(id);
        let mut d = doc!(
            f.id => id.to_n(),
            f.id_hi => hi,
            f.id_lo => lo,
            f.version => indexed.version,
            f.name => cjk_bigrams(&item.name),
            f.name_exact => self.words(&item.name).join(" "),
            f.sort_name => cjk_bigrams(&item.sort_name),
            f.kind => item.kind.map(|k| k.name()).unwrap_or("Unknown"),
            f.library => item.library_id.map(|l| l.to_n()).unwrap_or_else(|| NO_LIBRARY.to_owned()),
            f.rating_rank => indexed.rating_rank,
            f.date_created => item.date_created,
        );
        // The sort name ("Matrix" for "The Matrix") is an exact name too.
        let sort_exact = self.words(&item.sort_name).join(" ");
        if !sort_exact.is_empty() {
            d.add_text(f.name_exact, sort_exact);
        }
        let texts: [(Field, Option<&String>); 4] = [
            (f.original_title, item.original_title.as_ref()),
            (f.series, item.series_name.as_ref()),
            (f.album, item.album.as_ref()),
            (f.overview, item.overview.as_ref()),
        ];
        for (field, value) in texts {
            if let Some(v) = value {
                d.add_text(field, cjk_bigrams(v));
            }
        }
        for a in item.artists.iter().chain(&item.album_artists) {
            d.add_text(f.artists, cjk_bigrams(a));
        }
        for p in &item.people {
            d.add_text(f.people, cjk_bigrams(&p.name));
        }
        for g in &item.genres {
            d.add_text(f.genres, cjk_bigrams(g));
            d.add_text(f.genre, g);
        }
        for s in &item.studios {
            d.add_text(f.studios, cjk_bigrams(s));
        }
        for t in &item.tags {
            d.add_text(f.tags, cjk_bigrams(t));
            d.add_text(f.tag, t);
        }
        if let Some(m) = item.media_type {
            d.add_text(f.media_type, m.name());
        }
        if let Some(r) = item
            .official_rating
            .as_deref()
            .filter(|r| !r.trim().is_empty())
        {
            d.add_text(f.official_rating, r);
        }
        if let Some(y) = item.production_year.filter(|y| *y > 0) {
            d.add_u64(f.year, y as u64);
        }
        if let Some(c) = item.community_rating {
            d.add_f64(f.community_rating, c);
        }
        Some(d)
    }

    /// (id → what the index has) for every live document.
    fn indexed_versions(&self) -> SearchResult<HashMap<ItemId, u64>> {
        let searcher = self.reader.searcher();
        let mut out = HashMap::new();
        for segment in searcher.segment_readers() {
            let fast = segment.fast_fields();
            let hi = fast.u64("id_hi").map_err(index_error)?;
            let lo = fast.u64("id_lo").map_err(index_error)?;
            let version = fast.u64("version").map_err(index_error)?;
            for doc in segment.doc_ids_alive() {
                if let (Some(h), Some(l), Some(v)) =
                    (hi.first(doc), lo.first(doc), version.first(doc))
                {
                    out.insert(join(h, l), v);
                }
            }
        }
        Ok(out)
    }

    /// Indexes `ids` (read from the store) and deletes `gone`, in one commit.
    fn write(
        &self,
        store: &Store,
        wanted: &HashMap<ItemId, Indexed>,
        ids: &[ItemId],
        gone: &[ItemId],
        clear: bool,
    ) -> SearchResult<SyncSummary> {
        let _guard = self.writing.lock().map_err(|_| index_error("poisoned"))?;
        let mut writer: tantivy::IndexWriter<TantivyDocument> = self
            .index
            .writer_with_num_threads(1, WRITER_MEMORY)
            .map_err(index_error)?;
        if clear {
            writer.delete_all_documents().map_err(index_error)?;
        }
        let mut summary = SyncSummary::default();
        for id in gone.iter().chain(ids) {
            writer.delete_term(Term::from_field_text(self.fields.id, &id.to_n()));
        }
        summary.deleted = gone.len();
        for chunk in ids.chunks(500) {
            let items = store.read(|c| get_items(c, chunk))?;
            for item in &items {
                let Some(indexed) = item.id.and_then(|id| wanted.get(&id)) else {
                    continue;
                };
                if let Some(d) = self.document(item, *indexed) {
                    writer.add_document(d).map_err(index_error)?;
                    summary.indexed += 1;
                }
            }
        }
        writer.commit().map_err(index_error)?;
        drop(writer);
        self.reader.reload().map_err(index_error)?;
        Ok(summary)
    }
}

/// The file holding the store signature of the last complete sync.
const SYNCED_FILE: &str = "synced";

/// A summary of the searchable items (count, sums of their fingerprints, rating scores and name
/// lengths, the largest row id): equal signatures mean, in practice, nothing to sync. Computed
/// by SQLite in one pass without holding the items in memory.
fn store_signature(store: &Store) -> Result<String, StoreError> {
    store.read(|c| {
        Ok(c.query_row(
            "SELECT COUNT(*), TOTAL(fingerprint), TOTAL(rating_score), TOTAL(rating_sub_score),
                    TOTAL(length(name)), COALESCE(MAX(rowid), 0), TOTAL(length(library_id))
             FROM items
             WHERE owner_id IS NULL AND primary_version_id IS NULL AND kind != 'CollectionFolder'",
            [],
            |r| {
                Ok(format!(
                    "{SCHEMA_VERSION}|{}|{}|{}|{}|{}|{}|{}",
                    r.get::<_, i64>(0)?,
                    r.get::<_, f64>(1)?,
                    r.get::<_, f64>(2)?,
                    r.get::<_, f64>(3)?,
                    r.get::<_, f64>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, f64>(6)?,
                ))
            },
        )?)
    })
}

impl TantivyIndex {
    /// Notes that the index is in step with a store of this signature (best effort: without
    /// the note, the next open syncs again).
    fn remember(&self, signature: &str) {
        let _ = std::fs::write(self.dir.join(SYNCED_FILE), signature);
    }
}

fn halves(id: ItemId) -> (u64, u64) {
    let mut hi = [0u8; 8];
    let mut lo = [0u8; 8];
    hi.copy_from_slice(&id.0[..8]);
    lo.copy_from_slice(&id.0[8..]);
    (u64::from_be_bytes(hi), u64::from_be_bytes(lo))
}

fn join(hi: u64, lo: u64) -> ItemId {
    let mut id = [0u8; 16];
    id[..8].copy_from_slice(&hi.to_be_bytes());
    id[8..].copy_from_slice(&lo.to_be_bytes());
    ItemId(id)
}

/// The items a search can find (what queries show: no extras, no alternate versions, no
/// library folders) with their version and rating rank.
fn searchable(store: &Store) -> Result<HashMap<ItemId, Indexed>, StoreError> {
    store.read(|c| {
        let mut stmt = c.prepare(
            "SELECT id, fingerprint, rating_score, rating_sub_score, name, library_id FROM items
             WHERE owner_id IS NULL AND primary_version_id IS NULL AND kind != 'CollectionFolder'",
        )?;
        let rows = stmt.query_map(params_from_iter(std::iter::empty::<i64>()), |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, Option<i32>>(2)?,
                r.get::<_, Option<i32>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<Vec<u8>>>(5)?,
            ))
        })?;
        let mut out = HashMap::new();
        for row in rows {
            let (id, fingerprint, score, sub, name, library) = row?;
            let id = crate::store::blob_id(&id, "items.id")?;
            let rating_rank = score.map_or(UNRATED, |s| rank(s, sub.unwrap_or(0)));
            // Anything the index keeps from the row changes the version.
            let version = {
                use std::hash::{Hash, Hasher};
                let mut h = std::collections::hash_map::DefaultHasher::new();
                (SCHEMA_VERSION, fingerprint, rating_rank, name, library).hash(&mut h);
                h.finish()
            };
            out.insert(
                id,
                Indexed {
                    version,
                    rating_rank,
                },
            );
        }
        Ok(out)
    })
}

impl SearchBackend for TantivyIndex {
    fn search(&self, q: &SearchQuery) -> SearchResult<Vec<SearchHit>> {
        let words = self.words(&q.term);
        if words.is_empty() || q.limit == 0 {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        // The collector reserves room for twice its limit: a huge limit (`usize::MAX`) would
        // overflow that capacity. There are never more hits than documents.
        let limit = q
            .limit
            .min(usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX));
        if limit == 0 {
            return Ok(Vec::new());
        }
        let query = self.query(q, &words);
        let collector =
            TopDocs::with_limit(limit).tweak_score(move |segment: &tantivy::SegmentReader| {
                let fast = segment.fast_fields();
                let rating = fast.f64("community_rating").ok();
                let created = fast.i64("date_created").ok();
                move |doc: tantivy::DocId, score: Score| {
                    let rating = rating.as_ref().and_then(|c| c.first(doc)).unwrap_or(0.0);
                    let created = created.as_ref().and_then(|c| c.first(doc)).unwrap_or(0);
                    // Ties by community rating, then recency.
                    f64::from(score) * 1e3
                        + rating.clamp(0.0, 10.0) * 1e-2
                        + (created.max(0) as f64) * 1e-12
                }
            });
        let top: Vec<(f64, DocAddress)> =
            searcher.search(&*query, &collector).map_err(index_error)?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let segment = searcher.segment_reader(address.segment_ord);
            let fast = segment.fast_fields();
            let hi = fast
                .u64("id_hi")
                .map_err(index_error)?
                .first(address.doc_id);
            let lo = fast
                .u64("id_lo")
                .map_err(index_error)?
                .first(address.doc_id);
            if let (Some(h), Some(l)) = (hi, lo) {
                hits.push(SearchHit {
                    id: join(h, l),
                    score: (score / 1e3) as f32,
                });
            }
        }
        Ok(hits)
    }

    fn facets(&self, q: &SearchQuery) -> SearchResult<Facets> {
        let words = self.words(&q.term);
        let query = self.query(q, &words);
        let searcher = self.reader.searcher();
        let docs = searcher
            .search(&*query, &DocSetCollector)
            .map_err(index_error)?;
        let mut by_segment: HashMap<u32, Vec<u32>> = HashMap::new();
        for d in docs {
            by_segment.entry(d.segment_ord).or_default().push(d.doc_id);
        }
        let mut counts: [HashMap<String, u64>; 5] = Default::default();
        let mut text = String::new();
        for (segment_ord, docs) in by_segment {
            let segment = searcher.segment_reader(segment_ord);
            let fast = segment.fast_fields();
            let year = fast.u64("year").map_err(index_error)?;
            let strs = [
                (0, fast.str("genre").map_err(index_error)?),
                (2, fast.str("official_rating").map_err(index_error)?),
                (3, fast.str("tag").map_err(index_error)?),
                (4, fast.str("kind").map_err(index_error)?),
            ];
            for doc in docs {
                for (slot, column) in &strs {
                    if let Some(column) = column {
                        for ord in column.term_ords(doc) {
                            text.clear();
                            if column.ord_to_str(ord, &mut text).map_err(index_error)? {
                                *counts[*slot].entry(text.clone()).or_insert(0) += 1;
                            }
                        }
                    }
                }
                if let Some(y) = year.first(doc) {
                    *counts[1].entry(y.to_string()).or_insert(0) += 1;
                }
            }
        }
        let sorted = |m: &HashMap<String, u64>| {
            let mut v: Vec<FacetCount> = m
                .iter()
                .map(|(value, count)| FacetCount {
                    value: value.clone(),
                    count: *count,
                })
                .collect();
            v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            v
        };
        Ok(Facets {
            genres: sorted(&counts[0]),
            years: sorted(&counts[1]),
            official_ratings: sorted(&counts[2]),
            tags: sorted(&counts[3]),
            kinds: sorted(&counts[4]),
        })
    }

    fn sync(&self, store: &Store) -> SearchResult<SyncSummary> {
        // The signature first: what a later `sync_if_stale` compares with.
        let signature = store_signature(store)?;
        let wanted = searchable(store)?;
        let have = self.indexed_versions()?;
        let changed: Vec<ItemId> = wanted
            .iter()
            .filter(|(id, w)| have.get(id) != Some(&w.version))
            .map(|(id, _)| *id)
            .collect();
        let gone: Vec<ItemId> = have
            .keys()
            .filter(|id| !wanted.contains_key(id))
            .copied()
            .collect();
        let summary = if changed.is_empty() && gone.is_empty() {
            SyncSummary::default()
        } else {
            self.write(store, &wanted, &changed, &gone, false)?
        };
        self.remember(&signature);
        Ok(summary)
    }

    fn sync_if_stale(&self, store: &Store) -> SearchResult<SyncSummary> {
        let synced = std::fs::read_to_string(self.dir.join(SYNCED_FILE)).unwrap_or_default();
        if !synced.is_empty() && synced == store_signature(store)? {
            return Ok(SyncSummary::default());
        }
        self.sync(store)
    }

    fn rebuild(&self, store: &Store) -> SearchResult<SyncSummary> {
        let signature = store_signature(store)?;
        let wanted = searchable(store)?;
        let ids: Vec<ItemId> = wanted.keys().copied().collect();
        let summary = self.write(store, &wanted, &ids, &[], true)?;
        self.remember(&signature);
        Ok(summary)
    }

    fn len(&self) -> SearchResult<u64> {
        Ok(self.reader.searcher().num_docs())
    }
}
