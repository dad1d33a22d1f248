"""Acceptance: HLS on demand for a browser (Chromium profile) playing an HEVC 10-bit + AC-3 movie:
the TranscodingUrl alone (ApiKey in it, no auth header) gives the playlists and H.264 + AAC
segments, a seek gives segments at the right times, and stopping playback ends ffmpeg."""
import json
import os
import subprocess
import tempfile
import urllib.error
import urllib.parse
import urllib.request

from test_python_login import logged_in

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
with open(os.path.join(ROOT, "core", "tests", "fixtures", "profiles", "chromium.json")) as f:
    CHROMIUM_PROFILE = json.load(f)


def fetch(url):
    """GET without any authorization header."""
    with urllib.request.urlopen(url, timeout=120) as r:
        return r.headers.get("Content-Type"), r.read()


def attributes(line):
    """The attributes of an `#EXT-X-...:A=1,B="x,y"` line."""
    out, key, value, quoted = {}, "", "", False
    rest = line.split(":", 1)[1] + ","
    token = ""
    for ch in rest:
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            key, value = token.split("=", 1)
            out[key] = value
            token = ""
            continue
        token += ch
    return out


def probe(data):
    """ffprobe of a media file's bytes: codecs, and the video's start time and length (from its
    packets: a lone fMP4 fragment has no reliable container duration)."""
    with tempfile.NamedTemporaryFile(suffix=".mp4") as f:
        f.write(data)
        f.flush()
        streams = json.loads(subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "json", f.name],
            check=True, capture_output=True, text=True).stdout)["streams"]
        packets = json.loads(subprocess.run(
            ["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "packet=pts_time,duration_time",
             "-of", "json", f.name], check=True, capture_output=True, text=True).stdout)["packets"]
    starts = [float(p["pts_time"]) for p in packets]
    ends = [float(p["pts_time"]) + float(p["duration_time"]) for p in packets]
    return {s["codec_name"] for s in streams}, min(starts), max(ends) - min(starts)


def ffmpeg_children(pid):
    out = subprocess.run(["pgrep", "-P", str(pid), "ffmpeg"], capture_output=True, text=True)
    return out.stdout.split()


def test_hls_transcode_seek_and_stop(server):
    client, result = logged_in(server)
    items = client.jellyfin.users("/Items", params={"Recursive": "true", "IncludeItemTypes": "Movie",
                                                    "Fields": "MediaSources"})["Items"]
    movie = next(i for i in items if i["Name"] == "Zulu Seek Test")
    assert movie["MediaSources"][0]["MediaStreams"][0]["Codec"] == "hevc"
    info = client.jellyfin.get_play_info(movie["Id"], CHROMIUM_PROFILE)
    source = info["MediaSources"][0]
    assert source["TranscodingSubProtocol"] == "hls"
    master_url = server["url"] + source["TranscodingUrl"]
    assert "ApiKey=" + result["AccessToken"] in master_url

    # master.m3u8: one variant, H.264 + AAC, pointing at main.m3u8 with the same query.
    content_type, body = fetch(master_url)
    assert content_type.startswith("application/vnd.apple.mpegurl")
    lines = body.decode().splitlines()
    assert lines[0] == "#EXTM3U"
    inf = next(i for i, l in enumerate(lines) if l.startswith("#EXT-X-STREAM-INF:"))
    variant = attributes(lines[inf])
    assert int(variant["BANDWIDTH"]) > 0 and int(variant["AVERAGE-BANDWIDTH"]) > 0
    assert variant["CODECS"].strip('"').split(",")[0].startswith("avc1.")
    assert "mp4a.40.2" in variant["CODECS"]
    assert variant["RESOLUTION"] == "128x72"
    assert float(variant["FRAME-RATE"]) == 2.0
    main_url = urllib.parse.urljoin(master_url, lines[inf + 1])
    assert urllib.parse.urlsplit(main_url).path.endswith("/main.m3u8")

    # main.m3u8: VOD, the whole duration, fMP4 (the profile's SegmentContainer) with an init segment.
    _, body = fetch(main_url)
    lines = body.decode().splitlines()
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in lines and lines[-1] == "#EXT-X-ENDLIST"
    target = int(next(l for l in lines if l.startswith("#EXT-X-TARGETDURATION:")).split(":")[1])
    init_url = urllib.parse.urljoin(main_url, attributes(next(l for l in lines if l.startswith("#EXT-X-MAP:")))["URI"].strip('"'))
    segments, total = [], 0.0
    for i, line in enumerate(lines):
        if line.startswith("#EXTINF:"):
            total += float(line[len("#EXTINF:"):].split(",")[0])
            segments.append(urllib.parse.urljoin(main_url, lines[i + 1]))
    runtime = client.jellyfin.get_item(movie["Id"])["RunTimeTicks"] / 1e7
    assert abs(total - runtime) < 0.01
    assert len(segments) == -(-int(runtime * 1000) // (target * 1000))
    assert all("ApiKey=" in s for s in segments)

    content_type, init = fetch(init_url)
    assert content_type == "video/mp4"
    for n in (0, 1):
        _, data = fetch(segments[n])
        codecs, start, duration = probe(init + data)
        assert codecs == {"h264", "aac"}, codecs
        assert abs(start - n * target) < 0.5, (n, start)
        assert abs(duration - target) < 1.0, (n, duration)
    # The job is an ffmpeg child of the server.
    pid = server["proc"].pid
    assert ffmpeg_children(pid), "no ffmpeg child while transcoding"

    # A seek near the end restarts the job there: the segment carries its place in the media.
    n = len(segments) - 3
    _, data = fetch(segments[n])
    codecs, start, _ = probe(init + data)
    assert codecs == {"h264", "aac"}
    assert abs(start - n * target) < 0.5, (n, start)

    # Past the media: 404.
    beyond = segments[0].replace("/0.mp4?", f"/{len(segments)}.mp4?")
    try:
        fetch(beyond)
        raise AssertionError("a segment past the end was served")
    except urllib.error.HTTPError as e:
        assert e.code == 404

    # Stopping playback ends the job: no ffmpeg child is left.
    # (At position 0: no resume point or played mark for the other tests to see.)
    client.jellyfin.session_stop({"ItemId": movie["Id"], "PlaySessionId": info["PlaySessionId"],
                                  "PositionTicks": 0})
    assert ffmpeg_children(pid) == []


def test_active_encodings_delete_kills_the_job(server):
    client, result = logged_in(server)
    items = client.jellyfin.users("/Items", params={"Recursive": "true", "IncludeItemTypes": "Movie",
                                                    "Fields": "MediaSources"})["Items"]
    movie = next(i for i in items if i["Name"] == "Zulu Seek Test")
    info = client.jellyfin.get_play_info(movie["Id"], CHROMIUM_PROFILE)
    master_url = server["url"] + info["MediaSources"][0]["TranscodingUrl"]
    _, body = fetch(master_url)
    main_url = urllib.parse.urljoin(master_url, [l for l in body.decode().splitlines() if l and not l.startswith("#")][0])
    _, body = fetch(main_url)
    first = next(l for l in body.decode().splitlines() if l.startswith("hls1/"))
    fetch(urllib.parse.urljoin(main_url, first))
    pid = server["proc"].pid
    assert ffmpeg_children(pid)
    req = urllib.request.Request(
        server["url"] + "/Videos/ActiveEncodings?" + urllib.parse.urlencode(
            {"deviceId": "acceptance-device-id", "playSessionId": info["PlaySessionId"],
             "api_key": result["AccessToken"]}),
        method="DELETE")
    with urllib.request.urlopen(req, timeout=60) as r:
        assert r.status == 204
    assert ffmpeg_children(pid) == []


def test_audio_hls_twin(server):
    client, result = logged_in(server)
    track = client.jellyfin.users("/Items", params={"Recursive": "true", "IncludeItemTypes": "Audio"})["Items"][0]
    query = urllib.parse.urlencode({"AudioCodec": "aac", "SegmentContainer": "ts", "PlaySessionId": "audio-hls",
                                    "ApiKey": result["AccessToken"], "AllowAudioStreamCopy": "false"})
    master_url = f"{server['url']}/Audio/{track['Id']}/master.m3u8?{query}"
    _, body = fetch(master_url)
    lines = body.decode().splitlines()
    assert attributes(lines[1])["CODECS"] == '"mp4a.40.2"'
    main_url = urllib.parse.urljoin(master_url, lines[2])
    _, body = fetch(main_url)
    first = next(l for l in body.decode().splitlines() if l.startswith("hls1/"))
    content_type, data = fetch(urllib.parse.urljoin(main_url, first))
    assert content_type == "video/mp2t"
    with tempfile.NamedTemporaryFile(suffix=".ts") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "json", f.name],
                             check=True, capture_output=True, text=True).stdout
    assert [s["codec_name"] for s in json.loads(out)["streams"]] == ["aac"]
    req = urllib.request.Request(
        server["url"] + "/Videos/ActiveEncodings?" + urllib.parse.urlencode(
            {"playSessionId": "audio-hls", "api_key": result["AccessToken"]}), method="DELETE")
    with urllib.request.urlopen(req, timeout=60) as r:
        assert r.status == 204
    assert ffmpeg_children(server["proc"].pid) == []
