#!/usr/bin/env python3
"""Times `import jellyfin_core` + `MediaLibrary.open` + one query of a 10,000-item library, each
in a fresh Python process (what a script or a short-lived tool pays).

    python bindings/python/bench/open_query.py [--data DIR] [--movies N] [--runs R]

The first run builds the library in DIR (default target/bench-bindings): a make-library tree of
N movies (default 6,667: 10,000 items with their alternate versions and extras), scanned
through the bindings. Later runs reuse it. Then R fresh processes (default 7) each time:
import, open, the first page of 100 movies by name (with its total count), and the same query
again (warm). Prints each run and the median.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
SHARED = os.environ.get("JELLYFIN_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import jellyfin_core as jf
t1 = time.perf_counter()
lib = jf.MediaLibrary.open(sys.argv[1])
t2 = time.perf_counter()
query = jf.ItemQuery(include_kinds=[jf.ItemKind.MOVIE], recursive=True,
                     sort=[jf.SortKey(by=jf.SortBy.SORT_NAME)], limit=100)
page = lib.query(query)
t3 = time.perf_counter()
again = lib.query(query)
t4 = time.perf_counter()
assert len(page.items) == 100 and page.total_record_count == again.total_record_count
print(json.dumps({"import": t1 - t0, "open": t2 - t1, "query": t3 - t2, "warm_query": t4 - t3,
                  "total": t3 - t0, "movies": page.total_record_count}))
"""


def build(data_dir, movies):
    import jellyfin_core as jf

    media = os.path.join(data_dir, "media")
    if not os.path.isdir(media):
        print(f"building a make-library tree of {movies} movies in {media} ...", flush=True)
        subprocess.run([os.path.join(SHARED, "tools", "make-library"), media, "--movies", str(movies),
                        "--shows", "0", "--artists", "0"], check=True, stdout=subprocess.DEVNULL)
    lib = jf.MediaLibrary.open(os.path.join(data_dir, "library"))
    lib.add_library("Movies", jf.LibraryKind.MOVIES, [os.path.join(media, "Movies")])
    started = time.perf_counter()
    summary = lib.scan("Movies")
    items = sum(summary.items_by_kind.values()) + 1  # + the library's own folder item
    print(f"scanned in {time.perf_counter() - started:.1f} s: {summary.added} added; "
          f"{items} items ({dict(summary.items_by_kind)})", flush=True)
    with open(os.path.join(data_dir, "items.json"), "w") as f:
        json.dump({"items": items, "movies": movies}, f)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.path.join(ROOT, "target", "bench-bindings"))
    parser.add_argument("--movies", type=int, default=6667)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    os.makedirs(args.data, exist_ok=True)
    marker = os.path.join(args.data, "items.json")
    if not os.path.exists(marker):
        build(args.data, args.movies)
    with open(marker) as f:
        items = json.load(f)["items"]
    import jellyfin_core

    print(f"library: {items} items; wheel module {jellyfin_core.__file__}")
    runs = []
    for i in range(args.runs):
        out = subprocess.run([sys.executable, "-c", CHILD, os.path.join(args.data, "library")],
                             check=True, capture_output=True, text=True)
        r = json.loads(out.stdout)
        runs.append(r)
        print(f"run {i + 1}: import {r['import'] * 1000:.1f} ms, open {r['open'] * 1000:.1f} ms, "
              f"query {r['query'] * 1000:.1f} ms (warm {r['warm_query'] * 1000:.1f} ms), "
              f"import+open+query {r['total'] * 1000:.1f} ms ({r['movies']} movies)")
    med = {k: statistics.median(r[k] for r in runs) * 1000 for k in ("import", "open", "query", "warm_query", "total")}
    print(f"median of {len(runs)}: import {med['import']:.1f} ms, open {med['open']:.1f} ms, "
          f"query {med['query']:.1f} ms (warm {med['warm_query']:.1f} ms), "
          f"import+open+query {med['total']:.1f} ms")


if __name__ == "__main__":
    main()
