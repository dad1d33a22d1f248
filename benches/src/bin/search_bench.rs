//! Search benchmark (a bench binary; prints a report, asserts nothing).
//!
//! ```text
//! cargo build --release -p jellyfin-benches && target/release/search_bench --items 100000
//! target/release/search_bench [--items 100000] [--queries 500] [--data DIR]
//! ```
//! `--data DIR` keeps the populated store in DIR and reuses it on the next run with the same
//! `--items` (a DIR holding something else is refused, never deleted).
//!
//! In one run: a store of N synthetic movies with varied names (several words from a list of
//! English words, some accented words, a few CJK titles; people, genres, studios, overviews) is
//! written through `jellyfin-core`; then
//! 1. the search index is rebuilt from it (`MediaLibrary::rebuild_search_index`): time,
//!    items/s, size on disk, and the process RSS after building;
//! 2. query sets drawn (deterministically) from the names actually written go through
//!    `MediaLibrary::search` (limit 20) and, side by side, through the plain SQL baseline
//!    `SELECT id FROM items WHERE name LIKE '%term%' LIMIT 20`:
//!    - `exact`: a whole name;
//!    - `prefix`: the first 3-4 letters of one word of a name, alone;
//!    - `typo`: a whole name with one transposition or substitution inside a word of 6+ letters;
//!    - `as-you-type`: a name typed up to one of its words, cut to its first 3-4 letters;
//!    - `typo word`: the misspelt word alone.
//!
//! For each set: p50/p99/mean latency, `hit` (share of queries whose item is among the 20
//! hits) and `found` (share with at least one hit), and the speedup (LIKE p50 / search p50).
//! A lone prefix or word matches thousands of items, so its `hit` is low for both by nature.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jellyfin_core::search::SearchQuery;
use jellyfin_core::store::{
    self, ItemId, ItemKind, ItemRecord, LibraryKind, MediaType, PersonCredit,
};
use jellyfin_core::{LibraryConfig, MediaLibrary};

type Res<T> = Result<T, Box<dyn Error>>;

/// Marks a data folder populated by this binary; holds the item count.
const MARKER: &str = "search-bench.txt";
/// Hits asked per query (search and LIKE).
const LIMIT: usize = 20;

const WORDS: &[&str] = &[
    "silent",
    "river",
    "night",
    "garden",
    "stone",
    "empire",
    "city",
    "shadow",
    "light",
    "winter",
    "summer",
    "golden",
    "iron",
    "secret",
    "lost",
    "hidden",
    "autumn",
    "spring",
    "ocean",
    "desert",
    "mountain",
    "forest",
    "island",
    "harbor",
    "bridge",
    "tower",
    "castle",
    "kingdom",
    "village",
    "valley",
    "thunder",
    "lightning",
    "storm",
    "rain",
    "snow",
    "fire",
    "ember",
    "ashes",
    "smoke",
    "crystal",
    "silver",
    "copper",
    "velvet",
    "scarlet",
    "crimson",
    "amber",
    "emerald",
    "sapphire",
    "midnight",
    "morning",
    "evening",
    "twilight",
    "dawn",
    "horizon",
    "journey",
    "voyage",
    "return",
    "escape",
    "revenge",
    "promise",
    "memory",
    "dream",
    "whisper",
    "echo",
    "silence",
    "thousand",
    "hundred",
    "broken",
    "frozen",
    "burning",
    "falling",
    "rising",
    "wild",
    "gentle",
    "brave",
    "lonely",
    "distant",
    "ancient",
    "modern",
    "last",
    "first",
    "final",
    "eternal",
    "forgotten",
    "forbidden",
    "sacred",
    "savage",
    "quiet",
    "restless",
    "endless",
    "wandering",
    "dancing",
    "singing",
    "running",
    "hunter",
    "soldier",
    "stranger",
    "traveler",
    "prisoner",
    "detective",
    "doctor",
    "captain",
    "queen",
    "king",
    "prince",
    "princess",
    "widow",
    "orphan",
    "pilgrim",
    "sailor",
    "thief",
    "witness",
    "guardian",
    "machine",
    "engine",
    "signal",
    "station",
    "circuit",
    "planet",
    "galaxy",
    "comet",
    "orbit",
    "rocket",
    "satellite",
    "moon",
    "star",
    "sun",
    "cloud",
    "wind",
    "wave",
    "tide",
    "shore",
    "lake",
    "meadow",
    "orchard",
    "harvest",
    "wolf",
    "raven",
    "falcon",
    "tiger",
    "dragon",
    "serpent",
    "horse",
    "lion",
    "fox",
    "bear",
    "spider",
    "butterfly",
    "letter",
    "diary",
    "map",
    "key",
    "door",
    "window",
    "mirror",
    "clock",
    "lantern",
    "compass",
    "crown",
    "sword",
    "shield",
    "arrow",
    "anchor",
    "canvas",
    "melody",
    "symphony",
    "ballad",
    "carnival",
    "circus",
    "theater",
    "paradise",
    "inferno",
    "heaven",
    "labyrinth",
    "paradox",
    "theory",
    "mystery",
    "legacy",
    "destiny",
    "fortune",
    "harmony",
    "chaos",
    "justice",
    "liberty",
    "glory",
    "honor",
    "courage",
    "betrayal",
    "mercy",
    "wonder",
    "miracle",
    "kingfisher",
    "nomad",
    "frontier",
    "outpost",
    "citadel",
    "sanctuary",
    "refuge",
    "highway",
    "railway",
    "airport",
    "midsummer",
    "nocturne",
    "requiem",
    "odyssey",
    "chronicle",
    "blueprint",
];

const ACCENTED: &[&str] = &[
    "café",
    "über",
    "señor",
    "élan",
    "müde",
    "niño",
    "mañana",
    "fiancée",
    "résumé",
    "crème",
    "brûlée",
    "Zürich",
    "São",
    "jalapeño",
    "Brücke",
    "Förster",
    "été",
    "mélodie",
    "piñata",
    "doña",
    "Málaga",
    "Köln",
    "naïve",
    "Ångström",
    "Škoda",
    "désir",
    "fräulein",
    "años",
    "corazón",
    "Gödel",
];

const CJK: &[&str] = &[
    "東京",
    "物語",
    "千尋",
    "神隠し",
    "七人",
    "侍",
    "花様",
    "年華",
    "天空",
    "城",
    "少年",
    "大地",
    "秋刀魚",
    "夜",
    "海",
    "山",
    "風",
    "雨",
    "月",
    "星",
    "夢",
    "京都",
    "恋",
    "剣",
    "기생충",
    "봄",
    "여름",
    "霸王",
    "别姬",
    "卧虎",
    "藏龙",
    "君の名は",
    "もののけ",
    "姫",
];

const FIRST: &[&str] = &[
    "James",
    "Mary",
    "John",
    "Linda",
    "Robert",
    "Susan",
    "Michael",
    "Karen",
    "David",
    "Nancy",
    "William",
    "Lisa",
    "Richard",
    "Emma",
    "Thomas",
    "Olivia",
    "Charles",
    "Sophia",
    "Daniel",
    "Isabella",
    "José",
    "Zoë",
    "François",
    "Björn",
    "Renée",
    "Søren",
    "Inés",
    "Jürgen",
    "Chloé",
    "Agnès",
    "Hiroshi",
    "Yuki",
    "Wei",
    "Min-jun",
    "Aiko",
    "Mateo",
    "Lucía",
    "Pedro",
    "Anaïs",
    "Noël",
];

const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Garcia",
    "Rodriguez",
    "Wilson",
    "Martinez",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Müller",
    "Núñez",
    "Dubois",
    "Lefèvre",
    "Østergaard",
    "Kowalski",
    "Šimek",
    "Yamamoto",
    "Tanaka",
    "Nakamura",
    "Kim",
    "Park",
    "Chen",
    "Wang",
    "Rossi",
    "Bianchi",
    "Ferrari",
    "Gonçalves",
    "Peña",
    "Ibáñez",
    "Andersson",
    "Nyström",
    "Brontë",
    "Kovač",
    "O'Brien",
    "McAllister",
    "Fitzgerald",
    "Delacroix",
    "Villeneuve",
    "Takahashi",
];

const GENRES: &[&str] = &[
    "Drama",
    "Comedy",
    "Action",
    "Sci-Fi",
    "Horror",
    "Documentary",
    "Thriller",
    "Romance",
    "Animation",
    "Adventure",
    "Fantasy",
    "Crime",
    "Mystery",
    "Family",
    "War",
    "Western",
    "Music",
    "History",
    "Biography",
    "Film-Noir",
];

const STUDIOS: &[&str] = &[
    "Northwind Pictures",
    "Blue Harbor Films",
    "Studio Ghibli",
    "Lumière Frères",
    "Crescent Moon",
    "Red Lantern",
    "Paramount",
    "Toho",
    "Gaumont",
    "Pathé",
    "Constantin Film",
    "A24",
];

const RATINGS: &[&str] = &["G", "PG", "PG-13", "R", "NC-17"];

/// A deterministic pseudo-random sequence (Knuth's MMIX LCG, upper bits).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len())]
    }

    /// True with probability `percent`%.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A word of a title: mostly English, sometimes accented.
fn title_word(rng: &mut Lcg) -> String {
    if rng.chance(7) {
        capitalized(rng.pick(ACCENTED))
    } else {
        capitalized(rng.pick(WORDS))
    }
}

fn movie_name(rng: &mut Lcg) -> String {
    if rng.chance(3) {
        let mut name: String = (0..2 + rng.below(2)).map(|_| rng.pick(CJK)).collect();
        if rng.chance(30) {
            name.push_str(&format!(" {}", 2 + rng.below(3)));
        }
        return name;
    }
    let mut name = match rng.below(10) {
        0..=3 => format!("{} {}", title_word(rng), title_word(rng)),
        4..=5 => format!("The {} {}", title_word(rng), title_word(rng)),
        6 => format!("{} of the {}", title_word(rng), title_word(rng)),
        7 => format!(
            "{} {} {}",
            title_word(rng),
            title_word(rng),
            title_word(rng)
        ),
        8 => format!(
            "The {} and the {} {}",
            title_word(rng),
            title_word(rng),
            title_word(rng)
        ),
        _ => format!(
            "{} {} {} {}",
            title_word(rng),
            title_word(rng),
            title_word(rng),
            title_word(rng)
        ),
    };
    match rng.below(20) {
        0 => name.push_str(" II"),
        1 => name.push_str(" Returns"),
        2 => name.push_str(&format!(" {}", 2 + rng.below(4))),
        _ => {}
    }
    name
}

fn person(rng: &mut Lcg) -> String {
    format!("{} {}", rng.pick(FIRST), rng.pick(LAST))
}

/// Writes `n` movies into a library called Movies.
fn populate(lib: &MediaLibrary, data: &Path, n: usize) -> Res<()> {
    let root = data.join("media");
    std::fs::create_dir_all(&root)?;
    let library = lib.add_library("Movies", LibraryKind::Movies, std::slice::from_ref(&root))?;
    let mut rng = Lcg(0x5EED_0006);
    let t = Instant::now();
    let mut i = 0;
    while i < n {
        let end = (i + 5000).min(n);
        lib.store().write(|tx| {
            for i in i..end {
                let name = movie_name(&mut rng);
                let folder = format!("{}/{i:06} {name}", root.display());
                let path = format!("{folder}/{name}.mkv");
                let mut r = ItemRecord::new(ItemKind::Movie, &path, &name);
                r.library_id = Some(library.id);
                r.parent_id = Some(library.id);
                r.path = Some(path.clone());
                r.production_year = Some(1930 + rng.below(95) as i32);
                let lead = person(&mut rng);
                r.overview = Some(format!(
                    "{} {} {} and the {} {}: {lead} in a story of {} {}.",
                    capitalized(rng.pick(WORDS)),
                    rng.pick(WORDS),
                    rng.pick(WORDS),
                    rng.pick(WORDS),
                    rng.pick(WORDS),
                    rng.pick(WORDS),
                    rng.pick(WORDS),
                ));
                if rng.chance(3) {
                    r.original_title = Some(format!("{} {}", title_word(&mut rng), rng.pick(CJK)));
                }
                r.community_rating = Some(rng.below(100) as f64 / 10.0);
                r.official_rating = Some(rng.pick(RATINGS).into());
                r.run_time_ticks = Some(72_000_000_000);
                r.media_type = Some(MediaType::Video);
                r.container = Some("matroska,webm".into());
                r.size = Some(1_000_000_000);
                r.file_mtime = Some(1);
                r.date_created = 1_700_000_000 + i as i64;
                r.genres = (0..1 + rng.below(3))
                    .map(|_| rng.pick(GENRES).to_owned())
                    .collect();
                r.genres.dedup();
                r.studios = vec![rng.pick(STUDIOS).to_owned()];
                r.people = [
                    (lead, "Actor"),
                    (person(&mut rng), "Actor"),
                    (person(&mut rng), "Director"),
                ]
                .into_iter()
                .enumerate()
                .map(|(k, (name, kind))| PersonCredit {
                    name,
                    role: (kind == "Actor").then(|| "Hero".to_owned()),
                    kind: kind.into(),
                    sort_order: Some(k as i32),
                })
                .collect();
                r.provider_ids = vec![("Tmdb".into(), i.to_string())];
                store::upsert_item(tx, &r)?;
            }
            Ok::<_, store::StoreError>(())
        })?;
        i = end;
    }
    println!(
        "store: {n} movies written in {:.1}s",
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The data folder: a temporary one, or `--data DIR` (reused when it holds a store of `n`
/// items written by this binary). Returns (folder, whether it must be populated).
fn data_dir(kept: Option<PathBuf>, temp: &Path, n: usize) -> Res<(PathBuf, bool)> {
    let Some(dir) = kept else {
        return Ok((temp.to_path_buf(), true));
    };
    let marker = dir.join(MARKER);
    match std::fs::read_to_string(&marker) {
        Ok(count) if count.trim() == n.to_string() => {
            println!("store: reusing {}", dir.display());
            Ok((dir, false))
        }
        Ok(_) => {
            std::fs::remove_dir_all(&dir)?;
            Ok((dir, true))
        }
        Err(_) if dir.read_dir().map_or(true, |mut d| d.next().is_none()) => Ok((dir, true)),
        Err(_) => Err(format!(
            "{} is not empty and was not made by search_bench: refusing to use it",
            dir.display()
        )
        .into()),
    }
}

/// Waits for the search index's own start-up sync (run in the background by
/// `MediaLibrary::open`), so that it does not overlap what is measured.
fn wait_for_startup_sync(lib: &MediaLibrary) -> Res<()> {
    let deadline = Instant::now() + Duration::from_secs(600);
    while lib.facets(&SearchQuery::default())?.is_none() {
        if Instant::now() > deadline {
            println!("(the search index's start-up sync did not finish in 10 min; going on)");
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// A `/proc/self/status` value in MiB (`VmRSS`, `RssAnon`, `RssFile`); 0 when unknown.
fn status_mib(key: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.split(':').next() == Some(key))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The process RSS, with its anonymous and file-backed (mapped index, SQLite) parts.
fn rss() -> String {
    format!(
        "{:.1} MiB (anon {:.1}, file {:.1})",
        status_mib("VmRSS"),
        status_mib("RssAnon"),
        status_mib("RssFile")
    )
}

/// (bytes, segments) of the index folder.
fn index_size(dir: &Path) -> (u64, usize) {
    let mut bytes = 0;
    let mut segments = std::collections::HashSet::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if let Ok(meta) = e.metadata() {
                if meta.is_file() {
                    bytes += meta.len();
                }
            }
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(segment) = name.strip_suffix(".idx") {
                segments.insert(segment.to_owned());
            }
        }
    }
    (bytes, segments.len())
}

/// One query: the text and the item it was drawn from.
struct Probe {
    term: String,
    item: ItemId,
}

fn is_cjk_word(w: &str) -> bool {
    w.chars().any(jellyfin_core::search::is_cjk)
}

fn is_letters(w: &str) -> bool {
    w.chars().all(char::is_alphabetic) && !is_cjk_word(w)
}

/// The first 3-4 letters of `word` (2-3 characters of a CJK word).
fn cut(rng: &mut Lcg, word: &str) -> String {
    let keep = if is_cjk_word(word) { 2 } else { 3 } + rng.below(2);
    word.chars().take(keep).collect()
}

/// `word` with one transposition of two different neighbours or one substitution, never at
/// the first letter.
fn misspell(rng: &mut Lcg, word: &str) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    let len = chars.len();
    let at = 1 + rng.below(len - 2);
    if rng.chance(50) && chars[at] != chars[at + 1] {
        chars.swap(at, at + 1);
    } else {
        let old = chars[at].to_ascii_lowercase();
        let mut new = old;
        while new == old {
            new = (b'a' + rng.below(26) as u8) as char;
        }
        chars[at] = new;
    }
    chars.into_iter().collect()
}

/// The query sets: (label, queries), `count` queries each.
fn probes(names: &[(ItemId, String)], count: usize) -> Vec<(&'static str, Vec<Probe>)> {
    let mut rng = Lcg(0xC0FFEE);
    let mut sets: Vec<(&'static str, Vec<Probe>)> =
        ["exact", "prefix", "typo", "as-you-type", "typo word"]
            .into_iter()
            .map(|label| (label, Vec::with_capacity(count)))
            .collect();
    if names.is_empty() {
        return sets;
    }
    for (k, (_, set)) in sets.iter_mut().enumerate() {
        let mut attempts = 0;
        while set.len() < count && attempts < count * 100 {
            attempts += 1;
            let (id, name) = &names[rng.below(names.len())];
            let words: Vec<&str> = name.split_whitespace().collect();
            let term = match k {
                0 => Some(name.clone()),
                1 | 3 => {
                    let long: Vec<usize> = (0..words.len())
                        .filter(|&w| words[w].chars().count() >= 4 || is_cjk_word(words[w]))
                        .collect();
                    (!long.is_empty()).then(|| {
                        let w = long[rng.below(long.len())];
                        let typed = cut(&mut rng, words[w]);
                        if k == 1 {
                            typed
                        } else {
                            words[..w]
                                .iter()
                                .copied()
                                .chain(std::iter::once(typed.as_str()))
                                .collect::<Vec<_>>()
                                .join(" ")
                        }
                    })
                }
                _ => {
                    let long: Vec<usize> = (0..words.len())
                        .filter(|&w| words[w].chars().count() >= 6 && is_letters(words[w]))
                        .collect();
                    (!long.is_empty()).then(|| {
                        let w = long[rng.below(long.len())];
                        let wrong = misspell(&mut rng, words[w]);
                        if k == 4 {
                            wrong
                        } else {
                            let mut all: Vec<String> =
                                words.iter().map(|s| (*s).to_owned()).collect();
                            all[w] = wrong;
                            all.join(" ")
                        }
                    })
                }
            };
            if let Some(term) = term {
                set.push(Probe { term, item: *id });
            }
        }
    }
    sets
}

/// Latencies and outcomes of one query set through one engine.
#[derive(Default)]
struct Outcome {
    latencies: Vec<Duration>,
    hits: usize,
    found: usize,
}

impl Outcome {
    fn record(&mut self, took: Duration, wanted: ItemId, got: &[ItemId]) {
        self.latencies.push(took);
        self.hits += usize::from(got.contains(&wanted));
        self.found += usize::from(!got.is_empty());
    }

    /// (p50, p99, mean) in ms.
    fn percentiles(&mut self) -> (f64, f64, f64) {
        let v = &mut self.latencies;
        if v.is_empty() {
            return (0.0, 0.0, 0.0);
        }
        v.sort();
        let n = v.len();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let mean = v.iter().map(|d| ms(*d)).sum::<f64>() / n as f64;
        (ms(v[n / 2]), ms(v[(n * 99 / 100).min(n - 1)]), mean)
    }

    fn share(&self, count: usize) -> f64 {
        100.0 * count as f64 / self.latencies.len().max(1) as f64
    }
}

fn search_ids(lib: &MediaLibrary, term: &str) -> Res<Vec<ItemId>> {
    let hits = lib.search(&SearchQuery {
        term: term.to_owned(),
        limit: LIMIT,
        ..SearchQuery::default()
    })?;
    Ok(hits.into_iter().map(|h| h.id).collect())
}

fn like_ids(lib: &MediaLibrary, term: &str) -> Res<Vec<ItemId>> {
    let escaped = term
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let pattern = format!("%{escaped}%");
    let ids = lib.store().read(|c| {
        let mut stmt =
            c.prepare_cached("SELECT id FROM items WHERE name LIKE ?1 ESCAPE '\\' LIMIT 20")?;
        let rows = stmt.query_map([&pattern], |r| r.get::<_, Vec<u8>>(0))?;
        let mut out = Vec::new();
        for row in rows {
            if let Ok(bytes) = <[u8; 16]>::try_from(row?.as_slice()) {
                out.push(ItemId(bytes));
            }
        }
        Ok::<_, store::StoreError>(out)
    })?;
    Ok(ids)
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().collect();
    let number = |name: &str, default: usize| -> Res<usize> {
        match arg(&args, name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| format!("{name}: expected a number, got {v:?}").into()),
        }
    };
    let n = number("--items", 100_000)?;
    let count = number("--queries", 500)?;
    let temp = tempfile::tempdir()?;
    let (data, fresh) = data_dir(arg(&args, "--data").map(PathBuf::from), temp.path(), n)?;

    let lib = MediaLibrary::open(LibraryConfig::new(&data))?;
    wait_for_startup_sync(&lib)?;
    if fresh {
        populate(&lib, &data, n)?;
        std::fs::write(data.join(MARKER), n.to_string())?;
    }

    // 1. Index build.
    let t = Instant::now();
    let summary = lib.rebuild_search_index()?;
    let build = t.elapsed().as_secs_f64();
    let rss_built = rss();
    let (bytes, segments) = index_size(&data.join("search"));
    println!(
        "index build: {} documents in {build:.2}s ({:.0} items/s); on disk {:.1} MiB in {segments} segments; RSS after build {rss_built}",
        summary.indexed,
        summary.indexed as f64 / build.max(1e-9),
        bytes as f64 / (1024.0 * 1024.0),
    );
    let t = Instant::now();
    let again = lib.sync_search_index()?;
    println!(
        "sync with nothing changed (what every start does): {:.0} ms ({} indexed, {} deleted)",
        t.elapsed().as_secs_f64() * 1e3,
        again.indexed,
        again.deleted
    );

    // 2-3. Queries: search and LIKE, side by side.
    let names: Vec<(ItemId, String)> = lib.store().read(|c| {
        let mut stmt =
            c.prepare("SELECT id, name FROM items WHERE kind = 'Movie' ORDER BY rowid")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name) = row?;
            if let Ok(bytes) = <[u8; 16]>::try_from(id.as_slice()) {
                out.push((ItemId(bytes), name));
            }
        }
        Ok::<_, store::StoreError>(out)
    })?;
    let sets = probes(&names, count);
    // Warm both paths (page cache, statement cache).
    for (_, set) in &sets {
        for p in set.iter().take(20) {
            search_ids(&lib, &p.term)?;
            like_ids(&lib, &p.term)?;
        }
    }
    println!(
        "queries: {count} per set drawn from {} movie names, limit {LIMIT}; latencies in ms; hit = the query's item among the hits, found = any hit",
        names.len()
    );
    println!(
        "{:<12} | {:>7} {:>7} {:>7} {:>5} {:>6} | {:>7} {:>7} {:>7} {:>5} {:>6} | {:>7}",
        "set",
        "search50",
        "p99",
        "mean",
        "hit%",
        "found%",
        "LIKE50",
        "p99",
        "mean",
        "hit%",
        "found%",
        "speedup"
    );
    for (label, set) in &sets {
        let mut search = Outcome::default();
        let mut like = Outcome::default();
        for p in set {
            let t = Instant::now();
            let got = search_ids(&lib, &p.term)?;
            search.record(t.elapsed(), p.item, &got);
            let t = Instant::now();
            let got = like_ids(&lib, &p.term)?;
            like.record(t.elapsed(), p.item, &got);
        }
        let (s50, s99, smean) = search.percentiles();
        let (l50, l99, lmean) = like.percentiles();
        println!(
            "{label:<12} | {s50:>8.3} {s99:>7.3} {smean:>7.3} {:>5.1} {:>6.1} | {l50:>7.3} {l99:>7.3} {lmean:>7.3} {:>5.1} {:>6.1} | {:>6.1}x",
            search.share(search.hits),
            search.share(search.found),
            like.share(like.hits),
            like.share(like.found),
            l50 / s50.max(1e-9),
        );
    }
    println!("RSS at the end: {}", rss());
    Ok(())
}
