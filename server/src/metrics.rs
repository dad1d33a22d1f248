//! `/metrics` in Prometheus text format: request counts and latency histograms by route
//! (ids and names folded into `{id}`/`{name}` so labels stay few), live sessions, library scan
//! progress and the image cache's hit ratio.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds (seconds) of the latency histogram buckets.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];
/// Most distinct route labels kept; the rest count under `other`.
const MAX_ROUTES: usize = 400;

#[derive(Debug, Default, Clone)]
struct Series {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Server metrics, owned by the server.
#[derive(Debug, Default)]
pub struct Metrics {
    routes: Mutex<HashMap<(String, String, u16), Series>>,
    /// Media files probed by background scans (a progress counter).
    pub scan_files_probed: AtomicU64,
    /// Scans running now.
    pub scans_running: AtomicU64,
}

fn is_id(s: &str) -> bool {
    let hex = s.chars().filter(|c| *c != '-').count();
    (hex == 32 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-'))
        || (!s.is_empty() && s.chars().all(|c| c.is_ascii_digit()))
}

/// The route label of a path: lower-cased, ids as `{id}`, by-name segments as `{name}`,
/// `stream.ext` as `stream.{ext}`.
pub fn route_label(segments: &[String]) -> String {
    let mut out = String::new();
    let mut previous = String::new();
    for s in segments {
        let lower = s.to_ascii_lowercase();
        let part = if is_id(&lower) {
            "{id}".to_owned()
        } else if matches!(
            previous.as_str(),
            "genres" | "musicgenres" | "studios" | "persons" | "artists"
        ) && !matches!(lower.as_str(), "albumartists")
        {
            "{name}".to_owned()
        } else if let Some((stem, _)) = lower.split_once('.') {
            format!("{stem}.{{ext}}")
        } else {
            lower.clone()
        };
        out.push('/');
        out.push_str(&part);
        previous = lower;
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

impl Metrics {
    /// Records one request.
    pub fn observe(&self, method: &str, route: String, status: u16, elapsed: Duration) {
        let Ok(mut routes) = self.routes.lock() else {
            return;
        };
        let key = if routes.len() >= MAX_ROUTES
            && !routes.contains_key(&(method.to_owned(), route.clone(), status))
        {
            (method.to_owned(), "other".to_owned(), status)
        } else {
            (method.to_owned(), route, status)
        };
        let series = routes.entry(key).or_default();
        let secs = elapsed.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                series.buckets[i] += 1;
            }
        }
        series.count += 1;
        series.sum += secs;
    }

    /// The Prometheus text exposition.
    pub fn render(
        &self,
        sessions_active: usize,
        image_cache: (u64, u64),
        item_dto_cache: (u64, u64),
    ) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP jellyfin_http_request_duration_seconds Request latency by route."
        );
        let _ = writeln!(
            out,
            "# TYPE jellyfin_http_request_duration_seconds histogram"
        );
        let routes = self.routes.lock().map(|r| r.clone()).unwrap_or_default();
        let mut keys: Vec<_> = routes.keys().cloned().collect();
        keys.sort();
        for key in keys {
            let s = &routes[&key];
            let (method, route, status) = &key;
            let labels = format!(
                "method=\"{method}\",route=\"{}\",status=\"{status}\"",
                route.replace('"', "'")
            );
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "jellyfin_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}",
                    s.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "jellyfin_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "jellyfin_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum
            );
            let _ = writeln!(
                out,
                "jellyfin_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        let _ = writeln!(out, "# HELP jellyfin_sessions_active Live client sessions.");
        let _ = writeln!(out, "# TYPE jellyfin_sessions_active gauge");
        let _ = writeln!(out, "jellyfin_sessions_active {sessions_active}");
        let _ = writeln!(out, "# HELP jellyfin_scans_running Library scans running.");
        let _ = writeln!(out, "# TYPE jellyfin_scans_running gauge");
        let _ = writeln!(
            out,
            "jellyfin_scans_running {}",
            self.scans_running.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP jellyfin_scan_files_probed_total Media files probed by scans."
        );
        let _ = writeln!(out, "# TYPE jellyfin_scan_files_probed_total counter");
        let _ = writeln!(
            out,
            "jellyfin_scan_files_probed_total {}",
            self.scan_files_probed.load(Ordering::Relaxed)
        );
        cache_counters(&mut out, "image_cache", "Image requests", image_cache);
        cache_counters(
            &mut out,
            "item_dto_cache",
            "Item DTOs in pages of items",
            item_dto_cache,
        );
        out
    }
}

/// The request counter by outcome and the hit ratio of the cache `name`.
fn cache_counters(out: &mut String, name: &str, what: &str, (hits, misses): (u64, u64)) {
    let _ = writeln!(
        out,
        "# HELP jellyfin_{name}_requests_total {what} by cache outcome."
    );
    let _ = writeln!(out, "# TYPE jellyfin_{name}_requests_total counter");
    let _ = writeln!(
        out,
        "jellyfin_{name}_requests_total{{outcome=\"hit\"}} {hits}"
    );
    let _ = writeln!(
        out,
        "jellyfin_{name}_requests_total{{outcome=\"miss\"}} {misses}"
    );
    let ratio = if hits + misses > 0 {
        hits as f64 / (hits + misses) as f64
    } else {
        0.0
    };
    let _ = writeln!(
        out,
        "# HELP jellyfin_{name}_hit_ratio Share of {} served from the cache.",
        what.to_lowercase()
    );
    let _ = writeln!(out, "# TYPE jellyfin_{name}_hit_ratio gauge");
    let _ = writeln!(out, "jellyfin_{name}_hit_ratio {ratio}");
}

/// Scan options whose progress events count probed files into `metrics`.
pub fn scan_options(metrics: &std::sync::Arc<Metrics>) -> jellyfin_core::scan::ScanOptions {
    let m = metrics.clone();
    jellyfin_core::scan::ScanOptions {
        progress: Some(std::sync::Arc::new(
            move |e: &jellyfin_core::scan::ScanEvent| {
                if let jellyfin_core::scan::ScanEvent::Probed { .. } = e {
                    m.scan_files_probed.fetch_add(1, Ordering::Relaxed);
                }
            },
        )),
        ..jellyfin_core::scan::ScanOptions::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_fold_ids_and_names() {
        let seg = |p: &str| {
            p.split('/')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        let cases = [
            ("/Items/0123456789abcdef0123456789ABCDEF", "/items/{id}"),
            (
                "/Videos/01234567-89ab-cdef-0123-456789abcdef/stream.mkv",
                "/videos/{id}/stream.{ext}",
            ),
            ("/Genres/Science Fiction", "/genres/{name}"),
            ("/Items/x/Images/Primary/0", "/items/x/images/primary/{id}"),
            ("/Artists/AlbumArtists", "/artists/albumartists"),
            ("/", "/"),
        ];
        for (path, want) in cases {
            assert_eq!(route_label(&seg(path)), want, "{path}");
        }
    }

    #[test]
    fn histogram_counts_and_bounds_labels() {
        let m = Metrics::default();
        m.observe("GET", "/items".into(), 200, Duration::from_millis(3));
        m.observe("GET", "/items".into(), 200, Duration::from_millis(30));
        for i in 0..MAX_ROUTES + 10 {
            m.observe("GET", format!("/r{i}"), 200, Duration::from_millis(1));
        }
        let text = m.render(2, (3, 1), (5, 0));
        assert!(text.contains("jellyfin_http_request_duration_seconds_count{method=\"GET\",route=\"/items\",status=\"200\"} 2"));
        assert!(text.contains("route=\"/items\",status=\"200\",le=\"0.005\"} 1"));
        assert!(text.contains("route=\"/items\",status=\"200\",le=\"0.05\"} 2"));
        assert!(text.contains("route=\"other\""));
        assert!(text.contains("jellyfin_sessions_active 2"));
        assert!(text.contains("jellyfin_image_cache_hit_ratio 0.75"));
        assert!(text.contains("jellyfin_item_dto_cache_requests_total{outcome=\"hit\"} 5"));
        assert!(text.contains("jellyfin_item_dto_cache_hit_ratio 1"));
    }
}
