"""Acceptance: subtitles burned into the video by the real server for a client that cannot show
them. A browser profile without subtitle profiles asks for a movie with an embedded SubRip track
and one with an embedded PGS track: PlaybackInfo answers `DeliveryMethod` Encode and a
TranscodingUrl with `SubtitleStreamIndex` and `SubtitleMethod=Encode`; the HLS segments (asked
out of order: each a seek restarting the job) show the cue on the frames of its time and on no
others. The diagnostics route reports the detected transcoding capabilities."""
import json
import os
import shutil
import struct
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import pytest

from conftest import ADMIN, PASSWORD, start_server
from test_python_hls import CHROMIUM_PROFILE, attributes, fetch
from test_python_login import logged_in

W, H = 320, 240
SRT = """1
00:00:02,000 --> 00:00:04,000
XXXXXXXXXXXX

2
00:00:08,000 --> 00:00:09,000
XXXXXXXXXXXX
"""
CUES = [(2.0, 4.0), (8.0, 9.0)]


def pgs(cues):
    """A PGS (.sup) stream: an opaque white 200x40 box at (60, 180) during each cue."""
    def segment(pts, kind, data):
        return b"PG" + struct.pack(">IIBH", pts, 0, kind, len(data)) + data

    window = struct.pack(">BBHHHH", 1, 0, 60, 180, 200, 40)
    rle = b"".join(bytes([0, 0xC0 | (200 >> 8), 200 & 0xFF, 1, 0, 0]) for _ in range(40))
    obj = struct.pack(">HH", 200, 40) + rle
    out = b""
    for n, (start, end) in enumerate(cues):
        on, off = int(start * 90000), int(end * 90000)
        pcs = struct.pack(">HHBHBBBB", W, H, 0x10, 2 * n, 0x80, 0, 0, 1) + struct.pack(">HBBHH", 0, 0, 0, 60, 180)
        ods = struct.pack(">HBB", 0, 0, 0xC0) + len(obj).to_bytes(3, "big") + obj
        out += (segment(on, 0x16, pcs) + segment(on, 0x17, window)
                + segment(on, 0x14, bytes([0, 0, 1, 235, 128, 128, 255])) + segment(on, 0x15, ods)
                + segment(on, 0x80, b""))
        clear = struct.pack(">HHBHBBBB", W, H, 0x10, 2 * n + 1, 0x00, 0, 0, 0)
        out += segment(off, 0x16, clear) + segment(off, 0x17, window) + segment(off, 0x80, b"")
    return out


def make_movie(root, name, subtitle_args):
    folder = os.path.join(root, "Movies", name)
    os.makedirs(folder)
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", f"color=c=black:s={W}x{H}:r=10:d=12", "-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono",
         *subtitle_args, "-map", "0", "-map", "1", "-map", "2", "-t", "12", "-c:v", "libx264",
         "-preset", "ultrafast", "-c:a", "aac", "-b:a", "32k", "-c:s", "copy", "-copyts",
         os.path.join(folder, name + ".mkv")],
        check=True,
    )


@pytest.fixture(scope="module")
def burn_server():
    root = tempfile.mkdtemp(prefix="jellyfin-burn-")
    srt = os.path.join(root, "cues.srt")
    with open(srt, "w") as f:
        f.write(SRT)
    sup = os.path.join(root, "cues.sup")
    with open(sup, "wb") as f:
        f.write(pgs(CUES))
    make_movie(root, "Texted Movie (2004)", ["-i", srt])
    make_movie(root, "Pictured Movie (2005)", ["-i", sup])
    data_dir = tempfile.mkdtemp(prefix="jellyfin-burn-data-")
    proc, url = start_server(data_dir, ["--library", "Movies:movies:" + os.path.join(root, "Movies")])
    server = {"url": url, "admin": ADMIN, "password": PASSWORD, "proc": proc}
    client, _ = logged_in(server)
    deadline = time.time() + 60
    while True:
        items = client.jellyfin.users("/Items", params={"Recursive": "true", "IncludeItemTypes": "Movie",
                                                        "Fields": "MediaSources"})["Items"]
        if len(items) == 2 and all(i.get("MediaSources") for i in items):
            break
        assert time.time() < deadline, "the library was not scanned"
        time.sleep(0.2)
    server["items"] = {i["Name"]: i for i in items}
    yield server
    proc.terminate()
    proc.wait(timeout=30)
    shutil.rmtree(root, ignore_errors=True)
    shutil.rmtree(data_dir, ignore_errors=True)


def frames_at(data, times):
    """The grey frames of an fMP4 init + fragment closest to each time (seconds, the media's)."""
    with tempfile.NamedTemporaryFile(suffix=".mp4") as f:
        f.write(data)
        f.flush()
        stamps = json.loads(subprocess.run(
            ["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "frame=best_effort_timestamp_time",
             "-of", "json", f.name], check=True, capture_output=True, text=True).stdout)["frames"]
        stamps = [float(s["best_effort_timestamp_time"]) for s in stamps]
        raw = subprocess.run(["ffmpeg", "-v", "error", "-i", f.name, "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                             check=True, capture_output=True).stdout
    frames = [raw[i:i + W * H] for i in range(0, len(raw), W * H)]
    assert len(frames) == len(stamps), (len(frames), len(stamps))
    out = []
    for t in times:
        nearest = min(range(len(stamps)), key=lambda i: abs(stamps[i] - t))
        assert abs(stamps[nearest] - t) < 0.15, (t, stamps)
        out.append(frames[nearest])
    return out


def shows_cue(frame):
    """Something bright in the bottom quarter of a black picture: the subtitle."""
    return sum(1 for p in frame[W * (H * 3 // 4):] if p > 128) > 50


# Subtitle profiles the track fits none of: a picture format only (for the text track; with no
# profiles at all a text track would be offered as WebVTT), none at all for the PGS track.
@pytest.mark.parametrize("movie, subtitle_profiles", [
    ("Texted Movie", [{"Format": "pgssub", "Method": "External"}]),
    ("Pictured Movie", []),
])
def test_subtitles_burned_in_after_seeks(burn_server, movie, subtitle_profiles):
    client, result = logged_in(burn_server)
    item = burn_server["items"][movie]
    streams = item["MediaSources"][0]["MediaStreams"]
    sid = next(s["Index"] for s in streams if s["Type"] == "Subtitle")
    profile = dict(CHROMIUM_PROFILE, SubtitleProfiles=subtitle_profiles)
    # The stream indexes of a request belong to the source it names.
    info = client.jellyfin.get_play_info(item["Id"], profile, sid=sid,
                                         media_source_id=item["MediaSources"][0]["Id"])
    source = info["MediaSources"][0]
    stream = next(s for s in source["MediaStreams"] if s["Index"] == sid)
    assert stream["DeliveryMethod"] == "Encode"
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(source["TranscodingUrl"]).query)
    assert query["SubtitleStreamIndex"] == [str(sid)]
    assert query["SubtitleMethod"] == ["Encode"]

    master_url = burn_server["url"] + source["TranscodingUrl"]
    _, body = fetch(master_url)
    lines = body.decode().splitlines()
    inf = next(i for i, l in enumerate(lines) if l.startswith("#EXT-X-STREAM-INF:"))
    assert attributes(lines[inf])["RESOLUTION"] == f"{W}x{H}"
    main_url = urllib.parse.urljoin(master_url, lines[inf + 1])
    _, body = fetch(main_url)
    lines = body.decode().splitlines()
    target = int(next(l for l in lines if l.startswith("#EXT-X-TARGETDURATION:")).split(":")[1])
    init_url = urllib.parse.urljoin(main_url, attributes(next(l for l in lines if l.startswith("#EXT-X-MAP:")))["URI"].strip('"'))
    segments = [urllib.parse.urljoin(main_url, lines[i + 1]) for i, l in enumerate(lines) if l.startswith("#EXTINF:")]
    _, init = fetch(init_url)

    # The second segment first (a seek), then back to the first (the job restarts there).
    assert target == 6 and len(segments) >= 2
    checks = {}
    for n in (1, 0):
        start, end = n * target, min((n + 1) * target, 12)
        times = [start + 0.5 + 0.5 * k for k in range(int((end - start) * 2) - 1)]
        _, data = fetch(segments[n])
        for t, frame in zip(times, frames_at(init + data, times)):
            checks[t] = shows_cue(frame)
    expected = {t: any(a + 0.3 <= t <= b - 0.3 for a, b in CUES) for t in checks}
    # Frames near a cue's edges are not judged (PGS pictures may lag a frame or two).
    judged = {t: v for t, v in checks.items() if all(abs(t - e) > 0.3 for cue in CUES for e in cue)}
    assert judged == {t: expected[t] for t in judged}, (judged, expected)
    assert any(judged.values()) and not all(judged.values())
    client.jellyfin.session_stop({"ItemId": item["Id"], "PlaySessionId": info["PlaySessionId"],
                                  "PositionTicks": 0})


def test_transcoding_capabilities_route(burn_server):
    client, result = logged_in(burn_server)
    req = urllib.request.Request(burn_server["url"] + "/System/Info/Transcoding",
                                 headers={"X-Emby-Token": result["AccessToken"]})
    with urllib.request.urlopen(req, timeout=60) as r:
        caps = json.loads(r.read())
    assert caps["HardwareAccelerationType"] == "none"
    assert caps["SubtitleBurnIn"] is True
    names = {m["Name"] for m in caps["Methods"]}
    assert names == {"vaapi", "qsv", "nvenc", "amf", "videotoolbox", "v4l2m2m", "rkmpp"}
    assert all(m["Usable"] or m["Reason"] for m in caps["Methods"])
