"""The jellyfin_core wheel end to end: scan a real tree, query, search, users, user data, the
embedded HTTP server."""
import json
import os
import threading
import urllib.error
import urllib.request

import pytest

import jellyfin_core as jf

from conftest import LONG_MOVIE, Recorder

DEVICE = jf.DeviceInfo(device_id="pytest-1", device_name="pytest", client="bindings-tests", version="1.0")


def movies_query(**kw):
    return jf.ItemQuery(include_kinds=[jf.ItemKind.MOVIE], recursive=True, **kw)


def test_package_is_typed():
    package_dir = os.path.dirname(jf.__file__)
    assert os.path.exists(os.path.join(package_dir, "py.typed"))
    annotations = jf.MediaLibrary.query.__annotations__
    assert "query" in annotations and "return" in annotations


def test_scan_finds_what_the_tree_holds(media, scanned):
    counts = media["summary"]["counts"]
    movies = scanned["summaries"]["Movies"]
    assert not movies.cancelled
    # Alternate versions are items of their own (browsing shows the primary only).
    assert movies.items_by_kind.get("Movie") == counts["movie"] + counts["version"]
    assert scanned["lib"].query_ids(movies_query()).total_record_count == counts["movie"]
    assert scanned["summaries"]["Shows"].items_by_kind.get("Episode") == counts["episode"]
    assert scanned["summaries"]["Music"].items_by_kind.get("Audio") == counts["audio"]
    assert movies.probed > 0 and movies.elapsed.total_seconds() > 0
    names = {lib.name: lib for lib in scanned["lib"].libraries()}
    assert set(names) == {"Movies", "Shows", "Music"}
    assert names["Shows"].kind == jf.LibraryKind.TV_SHOWS
    # Progress: the walk comes first, every changed unit reports once.
    events = scanned["movie_events"]
    assert events and events[0].is_walked()
    walked = events[0]
    unit_done = [e for e in events if e.is_unit_done()]
    assert len(unit_done) == walked.changed_units
    assert any(e.is_probed() for e in events)


def test_rescan_of_an_unchanged_tree_changes_nothing(scanned):
    again = scanned["lib"].scan("Movies")
    assert (again.added, again.updated, again.removed, again.changed_units) == (0, 0, 0, 0)
    assert again.unchanged_units > 0


def test_cancelled_scan_stops_and_a_later_scan_completes(media, tmp_path):
    lib = jf.MediaLibrary.open(str(tmp_path))
    lib.add_library("Movies", jf.LibraryKind.MOVIES, [os.path.join(media["root"], "Movies")])
    cancel = jf.CancelHandle()

    class CancelOnWalk(jf.ScanProgress):
        def on_event(self, event):
            if event.is_walked():
                cancel.cancel()

    stopped = lib.scan("Movies", progress=CancelOnWalk(), cancel=cancel)
    assert stopped.cancelled and cancel.is_cancelled()
    assert lib.query_ids(movies_query()).total_record_count == 0
    done = lib.scan("Movies")
    assert not done.cancelled
    assert lib.query_ids(movies_query()).total_record_count == media["summary"]["counts"]["movie"]


def test_a_raising_progress_callback_does_not_break_the_scan(media, tmp_path):
    lib = jf.MediaLibrary.open(str(tmp_path))
    lib.add_library("Movies", jf.LibraryKind.MOVIES, [os.path.join(media["root"], "Movies")])
    calls = []

    class Faulty(jf.ScanProgress):
        def on_event(self, event):
            calls.append(event)
            raise RuntimeError("callback bug")

    summary = lib.scan("Movies", progress=Faulty())
    assert len(calls) > 1 and not summary.cancelled
    assert lib.query_ids(movies_query()).total_record_count == media["summary"]["counts"]["movie"]
    assert lib.scan("Movies").changed_units == 0  # the library is not left marked as scanning


def test_concurrent_scan_of_one_library_is_a_conflict(media, tmp_path):
    lib = jf.MediaLibrary.open(str(tmp_path))
    lib.add_library("Movies", jf.LibraryKind.MOVIES, [os.path.join(media["root"], "Movies")])
    inside = threading.Event()
    release = threading.Event()
    errors = []

    class Hold(jf.ScanProgress):
        def on_event(self, event):
            if event.is_walked():
                inside.set()
                release.wait(30)

    def second_scan():
        inside.wait(30)
        try:
            lib.scan("Movies")
        except jf.JellyfinError.Conflict as e:
            errors.append(e)
        finally:
            release.set()

    t = threading.Thread(target=second_scan)
    t.start()
    lib.scan("Movies", progress=Hold())
    t.join()
    assert len(errors) == 1 and "already running" in str(errors[0])


def test_query_pages_in_sort_order(media, scanned):
    lib = scanned["lib"]
    total = media["summary"]["counts"]["movie"]
    by_name = [jf.SortKey(by=jf.SortBy.SORT_NAME)]
    first = lib.query(movies_query(sort=by_name, limit=3))
    second = lib.query(movies_query(sort=by_name, start_index=3, limit=3))
    assert first.total_record_count == second.total_record_count == total
    assert len(first.items) == len(second.items) == 3
    keys = [i.sort_name for i in first.items + second.items]
    assert keys == sorted(keys)
    descending = lib.query(movies_query(sort=[jf.SortKey(by=jf.SortBy.SORT_NAME, descending=True)], limit=1))
    assert descending.items[0].sort_name == max(i.sort_name for i in lib.query(movies_query()).items)
    ids = lib.query_ids(movies_query(sort=by_name, limit=3))
    assert ids.ids == [i.id for i in first.items]
    # Every movie belongs to the Movies library; a kind filter on episodes finds none there.
    movies_lib = next(l for l in lib.libraries() if l.name == "Movies")
    assert all(i.library_id == movies_lib.id for i in first.items)
    assert lib.query_ids(jf.ItemQuery(include_kinds=[jf.ItemKind.EPISODE], recursive=True,
                                      parent_id=movies_lib.id)).total_record_count == 0


def test_item_has_its_media_streams(media, scanned):
    lib = scanned["lib"]
    page = lib.query(movies_query())
    probed = [i for i in page.items if i.streams]
    assert probed, "some movie has probed streams"
    movie = lib.item(probed[0].id)
    assert movie.id == probed[0].id and movie.kind == jf.ItemKind.MOVIE
    template_codecs = {s.split(":")[1] for t in media["summary"]["templates"].values() for s in t["streams"]}
    video = [s for s in movie.streams if s.kind == "Video"]
    assert video and video[0].codec in template_codecs and video[0].width > 0
    assert lib.item("0" * 32) is None
    with pytest.raises(jf.JellyfinError.InvalidArgument):
        lib.item("not-an-id")
    # Items by ids: unknown ids are skipped.
    got = lib.items([movie.id, "0" * 32])
    assert [i.id for i in got] == [movie.id]


def test_search_finds_an_item_despite_a_typo(scanned):
    lib = scanned["lib"]
    movies = lib.query(movies_query()).items
    # A movie with a word of 6+ letters; change one letter in the middle of it.
    target, word = next((m, w) for m in movies for w in m.name.split() if len(w) >= 6 and w.isalpha())
    mid = len(word) // 2
    typo = word[:mid] + ("x" if word[mid].lower() != "x" else "y") + word[mid + 1:]
    assert typo != word
    hits = lib.search(jf.SearchQuery(term=typo, include_kinds=[jf.ItemKind.MOVIE], limit=50))
    assert target.id in [h.id for h in hits], (typo, [m.name for m in lib.items([h.id for h in hits])])
    # The ranked query path finds it too.
    ranked = lib.query(movies_query(search_term=typo))
    assert target.id in [i.id for i in ranked.items]
    assert lib.search(jf.SearchQuery(term="qqqqzzzzxxxx")) == []


def test_users_authenticate_and_change_passwords(scanned):
    lib = scanned["lib"]
    admin = lib.ensure_admin("admin", "s3cret")
    assert admin is None or admin.is_administrator
    assert lib.ensure_admin("someone-else", "x") is None  # users exist now
    alice = lib.create_user("alice", "wonderland")
    assert not alice.is_administrator and alice.has_password
    with pytest.raises(jf.JellyfinError.Conflict):
        lib.create_user("ALICE", "again")
    session = lib.authenticate("alice", "wonderland", DEVICE)
    assert session.user.id == alice.id and len(session.token) == 32
    with pytest.raises(jf.JellyfinError.InvalidCredentials):
        lib.authenticate("alice", "wrong", DEVICE)
    with pytest.raises(jf.JellyfinError.InvalidArgument):
        lib.authenticate("alice", "wonderland", jf.DeviceInfo(device_id="", device_name="d", client="c", version="1"))
    with pytest.raises(jf.JellyfinError.InvalidCredentials):
        lib.set_password(alice.id, "new one", current="not the password")
    lib.set_password(alice.id, "looking glass", current="wonderland")
    with pytest.raises(jf.JellyfinError.InvalidCredentials):
        lib.authenticate("alice", "wonderland", DEVICE)
    assert lib.authenticate("Alice", "looking glass", DEVICE).user.name == "alice"
    assert {u.name for u in lib.users()} >= {"admin", "alice"}
    assert lib.user_by_name("ALICE").id == alice.id
    with pytest.raises(jf.JellyfinError.NotFound):
        lib.set_password("0" * 32, "x")


def test_user_data_round_trip(scanned):
    lib = scanned["lib"]
    user = lib.user_by_name("bob") or lib.create_user("bob", "pw")
    movie = lib.query(movies_query(search_term=None, name_starts_with="Long")).items[0]
    assert movie.name == LONG_MOVIE.split(" (")[0]
    fresh = lib.user_data(user.id, movie.id)
    assert (fresh.played, fresh.is_favorite, fresh.playback_position_ticks) == (False, False, 0)
    played = lib.set_played(user.id, movie.id, True)
    assert played.played and played.play_count == 1 and played.last_played is not None
    assert lib.user_data(user.id, movie.id).played
    assert not lib.set_played(user.id, movie.id, False).played
    assert lib.set_favorite(user.id, movie.id, True).is_favorite
    assert lib.user_data(user.id, movie.id).is_favorite
    # 100 s into a 400 s movie is a resume point under Jellyfin's rules; 395 s completes it.
    report = lib.report_playback_progress(user.id, movie.id, 100 * 10_000_000)
    assert not report.completed and report.data.playback_position_ticks == 100 * 10_000_000
    assert lib.user_data(user.id, movie.id).playback_position_ticks == 100 * 10_000_000
    done = lib.report_playback_progress(user.id, movie.id, 395 * 10_000_000)
    assert done.completed and done.data.played and done.data.playback_position_ticks == 0
    with pytest.raises(jf.JellyfinError.NotFound):
        lib.set_favorite(user.id, "0" * 32, True)


def test_probe_reads_a_media_file(media, scanned):
    path = os.path.join(media["root"], "Movies", LONG_MOVIE, LONG_MOVIE + ".mp4")
    info = scanned["lib"].probe(path)
    assert info.container.startswith("mov,mp4")
    assert abs(info.duration_ticks / 10_000_000 - 400) < 2
    assert {s.kind for s in info.streams} >= {"Video", "Audio"}
    assert next(s for s in info.streams if s.kind == "Video").codec == "h264"
    with pytest.raises(jf.JellyfinError.Probe):
        scanned["lib"].probe(os.path.join(media["root"], "no such file.mkv"))


def test_naming_engine():
    naming = jf.Naming()
    video = naming.video("/m/The Matrix (1999)/The Matrix (1999) - trailer.mkv")
    assert (video.name, video.year, video.extra_type) == ("The Matrix", 1999, "Trailer")
    episode = naming.episode("/tv/Show/Season 02/Show S02E05E06.mkv")
    assert (episode.season, episode.episode, episode.ending_episode) == (2, 5, 6)
    assert naming.video("/m/readme.txt") is None


def _get(url, token=None):
    headers = {"Authorization": f'MediaBrowser Token="{token}"'} if token else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
        return r.status, json.loads(r.read())


def test_embedded_server_serves_the_same_library(media, scanned):
    lib = scanned["lib"]
    lib.ensure_admin("admin", "s3cret")
    url = lib.start_server("127.0.0.1:0", base_path="/jellyfin/", server_name="bindings-test")
    try:
        assert url.startswith("http://127.0.0.1:") and url.endswith("/jellyfin")
        assert lib.server_url() == url
        status, info = _get(url + "/System/Info/Public")
        assert status == 200 and info["ServerName"] == "bindings-test"
        assert info["LocalAddress"].endswith("/jellyfin") and len(info["Id"]) == 32
        # Outside the base path: nothing.
        with pytest.raises(urllib.error.HTTPError) as outside:
            urllib.request.urlopen(url.rsplit("/jellyfin", 1)[0] + "/System/Info/Public", timeout=10)
        assert outside.value.code == 404
        # A token made through the bindings works over HTTP, on the same items.
        token = lib.authenticate("admin", "s3cret", DEVICE).token
        status, items = _get(url + "/Items?Recursive=true&IncludeItemTypes=Movie", token)
        assert items["TotalRecordCount"] == media["summary"]["counts"]["movie"]
        with pytest.raises(jf.JellyfinError.Conflict):
            lib.start_server("127.0.0.1:0")
    finally:
        assert lib.stop_server()
    assert lib.server_url() is None and not lib.stop_server()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "/System/Info/Public", timeout=5)


def test_server_bind_failure_is_a_server_error(scanned):
    with pytest.raises(jf.JellyfinError.Server):
        scanned["lib"].start_server("256.0.0.1:1")
