"""Fixtures: a real make-library tree, and a library scanned from it through the wheel."""
import json
import os
import shutil
import subprocess
import tempfile

import pytest

import jellyfin_core as jf

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SHARED = os.environ.get("JELLYFIN_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))

# Jellyfin's resume rules need a runtime of at least 300 s; make-library's files are 6 s long.
LONG_MOVIE = "Long Movie (2001)"


@pytest.fixture(scope="session")
def media():
    """A make-library tree (movies, shows, music) plus one 400 s movie; yields its summary."""
    root = tempfile.mkdtemp(prefix="jellyfin-bindings-media-")
    out = subprocess.run(
        [os.path.join(SHARED, "tools", "make-library"), root, "--movies", "8", "--shows", "2", "--seasons", "1",
         "--episodes", "3", "--artists", "1", "--albums", "1", "--tracks", "2"],
        check=True, capture_output=True, text=True,
    )
    summary = json.loads(out.stdout)
    long_dir = os.path.join(root, "Movies", LONG_MOVIE)
    os.makedirs(long_dir)
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "color=size=64x36:rate=1",
         "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "400", "-c:v", "libx264", "-preset", "ultrafast",
         "-c:a", "aac", "-b:a", "8k", "-shortest", os.path.join(long_dir, LONG_MOVIE + ".mp4")],
        check=True,
    )
    summary["counts"]["movie"] += 1
    yield {"root": root, "summary": summary}
    shutil.rmtree(root, ignore_errors=True)


class Recorder(jf.ScanProgress):
    """Keeps every progress event (called from the scan's worker threads)."""

    def __init__(self):
        self.events = []

    def on_event(self, event):
        self.events.append(event)


@pytest.fixture(scope="session")
def scanned(media):
    """A library in a fresh data dir with Movies, Shows and Music scanned; the scan summaries and
    the progress events of the Movies scan."""
    data_dir = tempfile.mkdtemp(prefix="jellyfin-bindings-data-")
    lib = jf.MediaLibrary.open(data_dir)
    libraries = {
        "Movies": jf.LibraryKind.MOVIES,
        "Shows": jf.LibraryKind.TV_SHOWS,
        "Music": jf.LibraryKind.MUSIC,
    }
    summaries = {}
    recorder = Recorder()
    for name, kind in libraries.items():
        lib.add_library(name, kind, [os.path.join(media["root"], name)])
        summaries[name] = lib.scan(name, progress=recorder if name == "Movies" else None)
    yield {"lib": lib, "summaries": summaries, "movie_events": recorder.events, "data_dir": data_dir}
    lib.stop_server()
    del lib
    shutil.rmtree(data_dir, ignore_errors=True)
