"""Acceptance: HLS delivery details and progressive transcoding with jellyfin-apiclient-python.

- A client whose profile takes WebVTT subtitles in the HLS manifest (`Method: Hls`) gets the
  movie's text subtitle stream as a `SUBTITLES` rendition of the master playlist; the rendition's
  `subtitles.m3u8` lists WebVTT windows whose cues are the embedded track's.
- The master playlist's `CODECS` is the H.264 profile and level the encoder is told.
- A profile whose transcoding profile is progressive Matroska gets `/videos/{id}/stream.mkv?...`;
  streaming it gives a valid H.264 + AAC file from an HEVC 10-bit + AC-3 source, and leaves no
  ffmpeg child behind.
- `/Audio/{id}/universal` with `Container=mp3` gives an MP3 of a FLAC track; with `flac` in the
  list, the file itself; with `TranscodingProtocol=hls`, the audio master playlist.
"""
import copy
import json
import os
import subprocess
import tempfile
import urllib.parse

import requests

from test_python_hls import CHROMIUM_PROFILE, attributes, fetch, ffmpeg_children
from test_python_login import logged_in


def movies(client):
    return client.jellyfin.users("/Items", params={"Recursive": "true", "IncludeItemTypes": "Movie",
                                                   "Fields": "MediaSources"})["Items"]


def ffprobe(path, *entries):
    out = subprocess.run(["ffprobe", "-v", "error", "-of", "json", "-show_entries", ",".join(entries), path],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def test_hls_subtitle_rendition_and_codecs(server, media):
    client, result = logged_in(server)
    movie = next(m for m in movies(client) if m["Name"] == media["embedded_subtitles"]["movie"])
    sub = next(s for s in movie["MediaSources"][0]["MediaStreams"] if s["Type"] == "Subtitle")
    profile = copy.deepcopy(CHROMIUM_PROFILE)
    profile["SubtitleProfiles"] = [{"Format": "vtt", "Method": "Hls"}]
    info = client.jellyfin._post(f"Items/{movie['Id']}/PlaybackInfo", json={
        "DeviceProfile": profile, "SubtitleStreamIndex": sub["Index"], "MediaSourceId": movie["Id"],
        "UserId": result["User"]["Id"]})
    source = info["MediaSources"][0]
    delivered = next(s for s in source["MediaStreams"] if s["Index"] == sub["Index"])
    assert delivered["DeliveryMethod"] == "Hls"
    url = source["TranscodingUrl"]
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    assert query["SubtitleMethod"] == "Hls" and query["SubtitleStreamIndex"] == str(sub["Index"])

    master_url = server["url"] + url
    _, body = fetch(master_url)
    lines = body.decode().splitlines()
    renditions = [attributes(l) for l in lines if l.startswith("#EXT-X-MEDIA:TYPE=SUBTITLES")]
    assert len(renditions) == 1, lines
    r = renditions[0]
    assert r["GROUP-ID"] == '"subs"' and r["DEFAULT"] == "YES" and r["LANGUAGE"] == '"eng"'
    assert r["NAME"].strip('"') == sub["DisplayTitle"]
    variant = attributes(next(l for l in lines if l.startswith("#EXT-X-STREAM-INF:")))
    assert variant["SUBTITLES"] == '"subs"'
    # What the encoder is told: the profile's first H.264 profile and its level.
    h264_profile = query.get("h264-profile", "high").split(",")[0]
    level = min(int(query.get("h264-level", "41")), 51)
    prefix = {"high": "6400", "main": "4D40", "baseline": "42E0"}.get(h264_profile, "4240")
    assert variant["CODECS"].strip('"').split(",")[0] == f"avc1.{prefix}{level:02X}", variant

    playlist_url = urllib.parse.urljoin(master_url, r["URI"].strip('"'))
    path = urllib.parse.urlsplit(playlist_url).path
    # Next to the master playlist: /videos/{id}/{mediaSourceId}/Subtitles/{index}/subtitles.m3u8.
    assert path.lower().startswith("/videos/")
    assert path.endswith(f"/{movie['Id']}/Subtitles/{sub['Index']}/subtitles.m3u8"), path
    content_type, body = fetch(playlist_url)
    assert content_type.startswith("application/vnd.apple.mpegurl")
    lines = body.decode().splitlines()
    assert lines[0] == "#EXTM3U" and "#EXT-X-PLAYLIST-TYPE:VOD" in lines and lines[-1] == "#EXT-X-ENDLIST"
    windows = [urllib.parse.urljoin(playlist_url, lines[i + 1])
               for i, l in enumerate(lines) if l.startswith("#EXTINF:")]
    runtime = movie["RunTimeTicks"] / 1e7
    assert len(windows) == -(-int(runtime * 1000) // 30000)
    cues = []
    for w in windows:
        content_type, vtt = fetch(w)
        assert content_type.startswith("text/vtt")
        text = vtt.decode()
        assert text.startswith("WEBVTT") and "X-TIMESTAMP-MAP=" in text
        cues += [l for l in text.splitlines() if "-->" in l]
        assert "inside" in text and "Last one." in text
    # The windows hold the whole track's cues at their media times (the embedded track's first
    # cue is 0.5 s after the file's first packet).
    _, whole = fetch(f"{server['url']}/Videos/{movie['Id']}/{movie['Id']}/Subtitles/{sub['Index']}/0/"
                     f"Stream.vtt?CopyTimestamps=true&ApiKey={result['AccessToken']}")
    assert cues == [l for l in whole.decode().splitlines() if "-->" in l]
    assert len(cues) == 3

    # A missing SegmentLength is a bad request; a token is needed.
    bare = playlist_url.split("?")[0]
    assert requests.get(bare, headers={"X-Emby-Token": result["AccessToken"]}).status_code == 400
    assert requests.get(bare + "?SegmentLength=30").status_code == 401


PROGRESSIVE_PROFILE = {
    "Name": "progressive-mkv",
    "MaxStreamingBitrate": 20000000,
    "DirectPlayProfiles": [{"Container": "mp4", "Type": "Video", "VideoCodec": "h264", "AudioCodec": "aac"}],
    "TranscodingProfiles": [{"Container": "mkv", "Type": "Video", "VideoCodec": "h264", "AudioCodec": "aac",
                             "Protocol": "http", "Context": "Streaming"}],
    "SubtitleProfiles": [{"Format": "vtt", "Method": "External"}],
    "CodecProfiles": [],
    "ContainerProfiles": [],
}


def test_progressive_transcode_of_hevc_ac3(server):
    client, result = logged_in(server)
    movie = next(m for m in movies(client) if m["Name"] == "Zulu Seek Test")
    assert [s["Codec"] for s in movie["MediaSources"][0]["MediaStreams"]] == ["hevc", "ac3"]
    info = client.jellyfin.get_play_info(movie["Id"], PROGRESSIVE_PROFILE)
    source = info["MediaSources"][0]
    assert source["TranscodingSubProtocol"] == "http" and source["TranscodingContainer"] == "mkv"
    split = urllib.parse.urlsplit(source["TranscodingUrl"])
    assert split.path.lower().replace("-", "") == f"/videos/{movie['Id']}/stream.mkv"
    params = dict(urllib.parse.parse_qsl(split.query))
    # The last minute of the ten: a seek, and a short file.
    params["StartTimeTicks"] = str(540 * 10**7)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.mkv")
        with open(out, "wb") as f:
            client.jellyfin._get_stream(split.path.lstrip("/"), f, params)
        streams = ffprobe(out, "stream=codec_name,width,height")["streams"]
        assert [s["codec_name"] for s in streams] == ["h264", "aac"]
        assert (streams[0]["width"], streams[0]["height"]) == (128, 72)
        packets = ffprobe(out, "packet=pts_time,duration_time")["packets"]
        starts = [float(p["pts_time"]) for p in packets]
        length = max(float(p["pts_time"]) + float(p.get("duration_time", 0)) for p in packets) - min(starts)
        assert abs(length - 60) < 2, length
    # The job ended with the stream.
    assert ffmpeg_children(server["proc"].pid) == []
    # A player that goes away mid-stream (the whole ten minutes asked, a little read, the
    # connection closed): its ffmpeg goes with it.
    params.pop("StartTimeTicks")
    r = requests.get(server["url"] + split.path, params=params, stream=True, timeout=60)
    assert r.status_code == 200
    assert len(next(r.iter_content(64 * 1024))) > 0
    assert len(ffmpeg_children(server["proc"].pid)) == 1
    r.close()
    wait_until("the ffmpeg of a closed stream ends", lambda: ffmpeg_children(server["proc"].pid) == [], 30)
    # HEAD answers the type without starting a job.
    r = requests.head(server["url"] + source["TranscodingUrl"])
    assert r.status_code == 200 and r.headers["Content-Type"] == "video/x-matroska"
    assert ffmpeg_children(server["proc"].pid) == []


def test_universal_audio(server):
    client, result = logged_in(server)
    track = client.jellyfin.users("/Items", params={"Recursive": "true", "IncludeItemTypes": "Audio",
                                                    "Fields": "MediaSources"})["Items"][0]
    assert track["MediaSources"][0]["Container"] == "flac"
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.mp3")
        with open(out, "wb") as f:
            client.jellyfin.get_audio_stream(f, track["Id"], "universal-play", "mp3", audio_codec="mp3")
        streams = ffprobe(out, "stream=codec_name")["streams"]
        assert [s["codec_name"] for s in streams] == ["mp3"]
        packets = ffprobe(out, "packet=pts_time")["packets"]
        assert abs(float(packets[-1]["pts_time"]) - track["RunTimeTicks"] / 1e7) < 0.5
        # FLAC in the list: the file as it is.
        same = os.path.join(tmp, "same.flac")
        with open(same, "wb") as f:
            client.jellyfin.get_audio_stream(f, track["Id"], "universal-play", "mp3,flac")
        assert open(same, "rb").read(4) == b"fLaC"
    assert ffmpeg_children(server["proc"].pid) == []
    # Asked over HLS: the audio master playlist itself (as Jellyfin answers), which plays.
    url = client.jellyfin.audio_url(track["Id"], container="mp3")
    r = requests.get(url + "&TranscodingProtocol=hls&TranscodingContainer=ts&AudioCodec=aac",
                     allow_redirects=False)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/vnd.apple.mpegurl")
    lines = r.text.splitlines()
    assert lines[0] == "#EXTM3U"
    assert attributes(next(l for l in lines if l.startswith("#EXT-X-STREAM-INF:")))["CODECS"] == '"mp4a.40.2"'
    variant = urllib.parse.urljoin(r.url, next(l for l in lines if l and not l.startswith("#")))
    assert urllib.parse.urlsplit(variant).path == f"/Audio/{track['Id']}/main.m3u8"
    assert "ApiKey=" in variant and "AudioCodec=aac" in variant
    _, body = fetch(variant)
    segment = next(l for l in body.decode().splitlines() if l and not l.startswith("#"))
    _, data = fetch(urllib.parse.urljoin(variant, segment))
    assert data[:1] == b"\x47"  # an MPEG-TS segment (TranscodingContainer=ts)


def child_state(pid):
    """The state letter of a process (`T`: stopped), `None` once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return None


def wait_until(what, done, seconds=60):
    import time
    deadline = time.time() + seconds
    while not done():
        assert time.time() < deadline, f"timed out: {what}"
        time.sleep(0.1)


def test_throttling_follows_the_encoding_configuration(server):
    client, result = logged_in(server)
    movie = next(m for m in movies(client) if m["Name"] == "Zulu Seek Test")
    encoding = client.jellyfin._get("System/Configuration/encoding")
    try:
        client.jellyfin._post("System/Configuration/encoding",
                              json=dict(encoding, EnableThrottling=True, ThrottleDelaySeconds=6))
        info = client.jellyfin.get_play_info(movie["Id"], CHROMIUM_PROFILE)
        master_url = server["url"] + info["MediaSources"][0]["TranscodingUrl"]
        _, body = fetch(master_url)
        main_url = urllib.parse.urljoin(master_url, [l for l in body.decode().splitlines()
                                                     if l and not l.startswith("#")][0])
        _, body = fetch(main_url)
        segments = [urllib.parse.urljoin(main_url, l) for l in body.decode().splitlines()
                    if l.startswith("hls1/")]
        fetch(segments[0])
        [pid] = ffmpeg_children(server["proc"].pid)
        # Far ahead of segment 0 (the 600 s movie encodes much faster than real time): stopped.
        wait_until("the encoder is paused", lambda: child_state(pid) == "T")
        # Throttling turned off: the next request resumes the encoder (or it has finished).
        client.jellyfin._post("System/Configuration/encoding", json=dict(encoding, EnableThrottling=False))
        fetch(segments[1])
        assert child_state(pid) != "T"
        # Paused again, then stopped: the stopped child is continued and ends.
        client.jellyfin._post("System/Configuration/encoding",
                              json=dict(encoding, EnableThrottling=True, ThrottleDelaySeconds=6))
        fetch(segments[1])
        if ffmpeg_children(server["proc"].pid):
            wait_until("paused again", lambda: child_state(pid) in ("T", None))
        client.jellyfin.close_transcode("acceptance-device-id", info["PlaySessionId"])
        assert ffmpeg_children(server["proc"].pid) == []
        assert child_state(pid) is None
    finally:
        client.jellyfin._post("System/Configuration/encoding", json=encoding)
