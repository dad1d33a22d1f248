//! Naming throughput on a realistic mix of 100,000 paths.
//!
//! `cargo bench -p jellyfin-benches --bench naming`. Three measurements in one run:
//! - `split_only`: the baseline, only splitting each path into file name and extension;
//! - `classify`: what a scanner does per path: the extension check, then the resolver for the
//!   path's kind (video name/year/extras/3D/stub, episode numbers, or audio checks);
//! - `video_resolve_all`: the full single-video parse on every path.
//!
//! Criterion reports elements (paths) per second for each; the ratio of `classify` to
//! `split_only` is the cost of the naming rules over the bare minimum.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use jellyfin_core::naming::tv::{resolve_episode, ExpressionFilter};
use jellyfin_core::naming::video::{self, ResolveOptions};
use jellyfin_core::naming::{path, NamingOptions};
use std::hint::black_box;

fn classify(opts: &NamingOptions, p: &str) -> usize {
    if opts.extensions.is_audio(p) {
        return path::file_stem(p).len();
    }
    if p.contains("/tv/") || p.contains("/anime/") {
        return resolve_episode(opts, p, false, ExpressionFilter::default(), false)
            .and_then(|e| e.episode_number)
            .unwrap_or(0) as usize;
    }
    video::resolve(opts, p, false, ResolveOptions::default())
        .map(|v| v.name.len())
        .unwrap_or(0)
}

fn bench(c: &mut Criterion) {
    let opts = NamingOptions::default();
    let paths = jellyfin_benches::path_mix(100_000);
    let mut group = c.benchmark_group("naming_100k");
    group.throughput(Throughput::Elements(paths.len() as u64));
    group.sample_size(10);
    group.bench_function("split_only", |b| {
        b.iter(|| {
            paths
                .iter()
                .map(|p| path::file_name(p).len() + path::extension(p).len())
                .sum::<usize>()
        })
    });
    group.bench_function("classify", |b| {
        b.iter(|| {
            paths
                .iter()
                .map(|p| classify(&opts, black_box(p)))
                .sum::<usize>()
        })
    });
    group.bench_function("video_resolve_all", |b| {
        b.iter(|| {
            paths
                .iter()
                .filter_map(|p| {
                    video::resolve(&opts, black_box(p), false, ResolveOptions::default())
                })
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
