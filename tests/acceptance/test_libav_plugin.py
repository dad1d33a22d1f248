"""Acceptance: the reference binary loads libav (the `jellyfin-libav` plugin) only when it first
probes a file, and a missing plugin leaves the server serving, with files recorded unprobed.

Runs its own servers (not the shared fixture, which scans at start): one with the plugin beside
the binary, one pointed at a plugin that does not exist."""
import os
import shutil
import tempfile
import time

import requests
from jellyfin_apiclient_python import JellyfinClient

from conftest import ADMIN, PASSWORD, start_server

def start(extra=()):
    data_dir = tempfile.mkdtemp(prefix="jellyfin-plugin-")
    proc, url = start_server(data_dir, extra)
    client = JellyfinClient()
    client.config.app("acceptance", "0.1.0", "plugin-device", "plugin-device-id")
    client.config.data["auth.ssl"] = False
    client.auth.connect_to_address(url)
    assert client.auth.login(url, ADMIN, PASSWORD)
    return proc, url, client, data_dir


def stop(proc, data_dir):
    proc.terminate()
    assert proc.wait(timeout=30) == 0
    shutil.rmtree(data_dir, ignore_errors=True)


def mapped_libraries(pid):
    with open("/proc/%d/maps" % pid) as f:
        return {os.path.basename(line.split()[-1]) for line in f if "/" in line}


def maps_libavcodec(pid):
    return any(name.startswith("libavcodec") for name in mapped_libraries(pid))


def add_movies_and_wait(url, client, media):
    token = client.config.data["auth.token"]
    r = requests.post(url + "/Library/VirtualFolders",
                      params={"name": "Movies", "collectionType": "movies",
                              "paths": os.path.join(media["root"], "Movies"), "refreshLibrary": "true"},
                      json={"LibraryOptions": {}}, headers={"X-Emby-Token": token})
    assert r.status_code == 204, r.text
    expected = media["summary"]["counts"]["movie"]
    deadline = time.time() + 90
    while True:
        items = client.jellyfin.users("/Items", params={
            "Recursive": "true", "IncludeItemTypes": "Movie", "Fields": "MediaStreams,MediaSources"})
        if items["TotalRecordCount"] >= expected:
            # The scan stores each movie with its probe result in one write.
            return items["Items"]
        assert time.time() < deadline, "the scan did not finish"
        time.sleep(0.2)


def test_libav_is_mapped_only_once_a_file_is_probed(media):
    proc, url, client, data_dir = start()
    try:
        # (Fails for a binary linking libav: build it alone, `cargo build -p jellyfin-server`.)
        assert not maps_libavcodec(proc.pid)
        # Browsing and the system API do not load it either.
        assert client.jellyfin.get_system_info_new()["Id"]
        assert client.jellyfin.get_views()["Items"] == []
        assert not maps_libavcodec(proc.pid)

        movies = add_movies_and_wait(url, client, media)
        assert maps_libavcodec(proc.pid)
        assert "libjellyfin_libav.so" in mapped_libraries(proc.pid)
        probed = [m for m in movies if m.get("MediaStreams")]
        # Every movie but the deliberately corrupt one has its streams, read through the plugin.
        assert len(probed) >= len(movies) - 1
        video = next(s for m in probed for s in m["MediaStreams"] if s["Type"] == "Video")
        assert video["Codec"] and video["Width"] > 0
    finally:
        stop(proc, data_dir)


def test_a_missing_plugin_records_files_unprobed_and_keeps_serving(media):
    missing = os.path.join(tempfile.gettempdir(), "no-such-dir", "libjellyfin_libav.so")
    proc, url, client, data_dir = start(["--libav-plugin", missing])
    try:
        movies = add_movies_and_wait(url, client, media)
        # Only sidecar subtitle files are streams: nothing was read from inside a media file.
        assert all(s["IsExternal"] for m in movies for s in m.get("MediaStreams", []))
        assert not maps_libavcodec(proc.pid)
        assert client.jellyfin.get_system_info_new()["Id"]
        assert proc.poll() is None
    finally:
        stop(proc, data_dir)
