"""Starts the real `jellyfin-server` binary on a free loopback port for acceptance tests."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest

ADMIN = "admin"
PASSWORD = "s3cret pass"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _login(url):
    req = urllib.request.Request(
        url + "/Users/AuthenticateByName",
        data=json.dumps({"Username": ADMIN, "Pw": PASSWORD}).encode(),
        headers={"Content-Type": "application/json",
                 "Authorization": 'MediaBrowser Client="fixture", Device="fixture", DeviceId="fixture", Version="1"'},
    )
    return json.loads(urllib.request.urlopen(req, timeout=10).read())["AccessToken"]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The embedded subtitle track of "Subtitled Movie (2002)".
EMBEDDED_SRT = """1
00:00:00,500 --> 00:00:01,750
Hello from <i>inside</i> the file.

2
00:00:02,000 --> 00:00:03,250
Second cue,
two lines.

3
00:00:04,100 --> 00:00:05,000
Last one.
"""

SHARED = os.environ.get("JELLYFIN_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))


@pytest.fixture(scope="session")
def media():
    """A real make-library tree and its JSON summary."""
    root = tempfile.mkdtemp(prefix="jellyfin-media-")
    out = subprocess.run(
        [os.path.join(SHARED, "tools", "make-library"), root, "--movies", "12", "--shows", "2", "--seasons", "2",
         "--episodes", "3", "--artists", "1", "--albums", "1", "--tracks", "3"],
        check=True, capture_output=True, text=True,
    )
    summary = json.loads(out.stdout)
    # make-library's files are 6 s long, under Jellyfin's 300 s minimum for resume points: add
    # one long (tiny) movie so resume behaviour can be exercised.
    long_dir = os.path.join(root, "Movies", "Long Movie (2001)")
    os.makedirs(long_dir)
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "color=size=64x36:rate=1",
         "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "400", "-c:v", "libx264", "-preset", "ultrafast",
         "-c:a", "aac", "-b:a", "8k", "-shortest", os.path.join(long_dir, "Long Movie (2001).mp4")],
        check=True,
    )
    summary["counts"]["movie"] += 1
    # make-library's files carry no subtitle track: add one movie with an embedded SubRip track
    # (its source file stays outside the library folders, so it is not an external subtitle).
    srt = os.path.join(root, "embedded.srt")
    with open(srt, "w") as f:
        f.write(EMBEDDED_SRT)
    subs_dir = os.path.join(root, "Movies", "Subtitled Movie (2002)")
    os.makedirs(subs_dir)
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "color=size=64x36:rate=5",
         "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-i", srt, "-map", "0", "-map", "1", "-map", "2", "-t", "6",
         "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-b:a", "8k", "-c:s", "srt",
         "-metadata:s:s:0", "language=eng", os.path.join(subs_dir, "Subtitled Movie (2002).mkv")],
        check=True,
    )
    summary["counts"]["movie"] += 1
    # A long (tiny) HEVC 10-bit + AC-3 movie, for HLS seeks: browsers get it transcoded.
    seek_dir = os.path.join(root, "Movies", "Zulu Seek Test (2003)")
    os.makedirs(seek_dir)
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=128x72:rate=2",
         "-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "600", "-c:v", "libx265", "-preset", "ultrafast",
         "-pix_fmt", "yuv420p10le", "-x265-params", "log-level=error", "-c:a", "ac3", "-b:a", "32k", "-ac", "1",
         "-shortest", os.path.join(seek_dir, "Zulu Seek Test (2003).mkv")],
        check=True,
    )
    summary["counts"]["movie"] += 1
    yield {"root": root, "summary": summary,
           "embedded_subtitles": {"movie": "Subtitled Movie", "srt": EMBEDDED_SRT}}
    shutil.rmtree(root, ignore_errors=True)


BINARY = os.environ.get("JELLYFIN_SERVER_BIN", os.path.join(ROOT, "target", "debug", "jellyfin-server"))


def start_server(data_dir, extra=()):
    """Starts the binary on a free loopback port with the test administrator; returns the process
    and its URL once it answers `/System/Ping`."""
    port = _free_port()
    proc = subprocess.Popen(
        [BINARY, "--data-dir", data_dir, "--bind", "127.0.0.1", "--port", str(port),
         "--admin-user", ADMIN, "--admin-password", PASSWORD, *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/System/Ping", timeout=2).read()
            return proc, url
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                raise RuntimeError("jellyfin-server did not start")
            time.sleep(0.05)


@pytest.fixture(scope="session")
def server(media):
    data_dir = tempfile.mkdtemp(prefix="jellyfin-acceptance-")
    proc, url = start_server(data_dir, [
        "--server-name", "acceptance",
        "--library", "Movies:movies:" + os.path.join(media["root"], "Movies"),
        "--library", "Shows:tvshows:" + os.path.join(media["root"], "Shows"),
        "--library", "Music:music:" + os.path.join(media["root"], "Music")])
    deadline = time.time() + 30
    with open(os.path.join(data_dir, "server_id")) as f:
        server_id = f.read().strip()
    # Wait for the start-up scan: every movie of the tree is listed.
    token = _login(url)
    expected = media["summary"]["counts"]["movie"]
    while True:
        r = urllib.request.urlopen(urllib.request.Request(
            url + "/Items?Recursive=true&IncludeItemTypes=Movie&Limit=0",
            headers={"X-Emby-Token": token}), timeout=10)
        if json.loads(r.read())["TotalRecordCount"] >= expected:
            break
        if time.time() > deadline + 60:
            raise RuntimeError("the start-up scan did not finish")
        time.sleep(0.2)
    yield {"url": url, "id": server_id, "proc": proc, "admin": ADMIN, "password": PASSWORD}
    proc.terminate()
    assert proc.wait(timeout=30) == 0, "server did not exit cleanly on SIGTERM"
    shutil.rmtree(data_dir, ignore_errors=True)
