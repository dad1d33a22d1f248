#!/usr/bin/env python3
"""Scans a folder of movies with the jellyfin_core wheel, lists and searches it, and serves it
over the Jellyfin HTTP API for a moment.

    pip install target/wheels/jellyfin_core-*.whl
    python examples/python/scan.py MOVIES_DIR [SEARCH TERM]

Exits non-zero when the folder holds no movie or the search finds nothing.
"""
import json
import sys
import tempfile
import urllib.request

import jellyfin_core as jf


class Progress(jf.ScanProgress):
    def on_event(self, event: jf.ScanEvent) -> None:
        if event.is_walked():
            print(f"walked: {event.files} files in {event.units} folders")


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    movies_dir, term = sys.argv[1], " ".join(sys.argv[2:])
    with tempfile.TemporaryDirectory(prefix="jellyfin-example-") as data_dir:
        lib = jf.MediaLibrary.open(data_dir)
        lib.add_library("Movies", jf.LibraryKind.MOVIES, [movies_dir])
        summary = lib.scan("Movies", progress=Progress())
        print(f"scanned {summary.library}: {summary.added} added, {summary.probed} probed "
              f"in {summary.elapsed.total_seconds():.2f} s")

        page = lib.query(jf.ItemQuery(include_kinds=[jf.ItemKind.MOVIE], recursive=True,
                                      sort=[jf.SortKey(by=jf.SortBy.SORT_NAME)], limit=5))
        print(f"{page.total_record_count} movies; the first {len(page.items)}:")
        for movie in page.items:
            codecs = ", ".join(f"{s.kind}:{s.codec}" for s in movie.streams)
            print(f"  {movie.name} ({movie.production_year}) [{codecs}]")
        if not page.items:
            print("no movie found", file=sys.stderr)
            return 1

        term = term or page.items[0].name.split()[0]
        hits = lib.search(jf.SearchQuery(term=term, limit=5))
        names = {i.id: i.name for i in lib.items([h.id for h in hits])}
        print(f"search {term!r}: {len(hits)} hits")
        for hit in hits:
            print(f"  {hit.score:.2f}  {names.get(hit.id)}")

        url = lib.start_server("127.0.0.1:0", base_path="/jellyfin")
        with urllib.request.urlopen(url + "/System/Info/Public", timeout=10) as r:
            info = json.loads(r.read())
        print(f"serving at {url}: server id {info['Id']}")
        lib.stop_server()
        return 0 if hits else 1


if __name__ == "__main__":
    sys.exit(main())
