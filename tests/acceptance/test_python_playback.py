"""Acceptance: PlaybackInfo with real device profiles, and playback reporting into resume points."""
import json
import os
import time
import urllib.parse

from test_python_login import logged_in

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# What jellyfin-web sends from Chromium on Linux (derived from its profile builder; see the README
# next to it).
with open(os.path.join(ROOT, "core", "tests", "fixtures", "profiles", "chromium.json")) as f:
    CHROMIUM_PROFILE = json.load(f)

# What jellyfin-web in a browser without HEVC declares (abridged from its profile builder).
BROWSER_PROFILE = {
    "MaxStreamingBitrate": 120000000,
    "DirectPlayProfiles": [
        {"Container": "webm", "Type": "Video", "VideoCodec": "vp8,vp9,av1", "AudioCodec": "vorbis,opus"},
        {"Container": "mp4,m4v", "Type": "Video", "VideoCodec": "h264,vp9,av1", "AudioCodec": "aac,mp3,opus,flac"},
        {"Container": "flac", "Type": "Audio"},
    ],
    "TranscodingProfiles": [],
}
# mpv (jellyfin-mpv-shim) plays everything.
MPV_PROFILE = {"DirectPlayProfiles": [{"Type": "Video"}, {"Type": "Audio"}], "TranscodingProfiles": []}


def movies(client, fields="Path,MediaSources"):
    return client.jellyfin.users("/Items", params={"Recursive": "true", "IncludeItemTypes": "Movie", "Fields": fields})["Items"]


def test_playback_info_follows_the_device_profile(server):
    client, _ = logged_in(server)
    items = movies(client)
    mp4 = next(i for i in items if i["Path"].endswith(".mp4") and i["MediaSources"][0]["MediaStreams"][0]["Codec"] == "h264")
    hevc = next(i for i in items if i["MediaSources"][0]["MediaStreams"][0]["Codec"] == "hevc")
    for item, expected in ((mp4, True), (hevc, False)):
        info = client.jellyfin.get_play_info(item["Id"], BROWSER_PROFILE)
        source = info["MediaSources"][0]
        assert len(info["PlaySessionId"]) == 32
        assert source["SupportsDirectPlay"] is expected, (item["Path"], source["Container"])
        assert source["SupportsDirectStream"] is expected
        assert source["Id"] == item["Id"] and source["Protocol"] == "File"
        assert ("ErrorCode" in info) is (not expected)
    info = client.jellyfin.get_play_info(hevc["Id"], MPV_PROFILE)
    assert info["MediaSources"][0]["SupportsDirectPlay"] is True
    streams = info["MediaSources"][0]["MediaStreams"]
    assert [s["Type"] for s in streams][:2] == ["Video", "Audio"]
    assert streams[0]["VideoRange"] and streams[0]["DisplayTitle"]
    # Two PlaybackInfo calls get two play sessions.
    assert client.jellyfin.get_play_info(hevc["Id"], MPV_PROFILE)["PlaySessionId"] != info["PlaySessionId"]


def test_browser_gets_an_hls_transcode_for_hevc_and_ac3(server):
    client, result = logged_in(server)
    items = movies(client)
    hevc = next(i for i in items if i["MediaSources"][0]["MediaStreams"][0]["Codec"] == "hevc")
    info = client.jellyfin.get_play_info(hevc["Id"], CHROMIUM_PROFILE)
    assert "ErrorCode" not in info
    source = info["MediaSources"][0]
    assert source["SupportsDirectPlay"] is False and source["SupportsDirectStream"] is False
    assert source["SupportsTranscoding"] is True
    assert source["TranscodingSubProtocol"] == "hls"
    assert source["TranscodingContainer"] == "mp4"
    url = urllib.parse.urlsplit(source["TranscodingUrl"])
    dashed = str(__import__("uuid").UUID(hevc["Id"]))
    assert url.path == f"/videos/{dashed}/master.m3u8", source["TranscodingUrl"]
    query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
    assert query["PlaySessionId"] == info["PlaySessionId"]
    assert query["MediaSourceId"] == source["Id"]
    assert query["ApiKey"] == result["AccessToken"]
    assert query["SegmentContainer"] == "mp4"
    reasons = [r.strip() for r in query["TranscodeReasons"].split(",")]
    assert "VideoCodecNotSupported" in reasons and "AudioCodecNotSupported" in reasons, reasons
    # H.264 for the video the browser cannot decode, AAC for AC-3; the default (AC-3) track.
    assert "h264" in query["VideoCodec"].split(",") and "hevc" not in query["VideoCodec"].split(",")
    assert query["AudioCodec"].split(",")[0] == "aac"
    audio = [s for s in source["MediaStreams"] if s["Type"] == "Audio"]
    default_audio = next(s for s in audio if s["Index"] == source["DefaultAudioStreamIndex"])
    assert default_audio["Codec"] == "ac3" and query["AudioStreamIndex"] == str(default_audio["Index"])
    assert int(query["TranscodingMaxAudioChannels"]) == 2
    # The H.264 + AAC MP4 still plays as it is, without a transcoding URL.
    mp4 = next(i for i in items if i["Path"].endswith(".mp4") and i["MediaSources"][0]["MediaStreams"][0]["Codec"] == "h264")
    direct = client.jellyfin.get_play_info(mp4["Id"], CHROMIUM_PROFILE)["MediaSources"][0]
    assert direct["SupportsDirectPlay"] is True and "TranscodingUrl" not in direct


def test_external_subtitles_get_delivery_urls(server):
    client, result = logged_in(server)
    with_subs = [i for i in movies(client) if any(s.get("IsExternal") for s in i["MediaSources"][0]["MediaStreams"])]
    assert with_subs
    info = client.jellyfin.get_play_info(with_subs[0]["Id"], MPV_PROFILE)
    external = [s for s in info["MediaSources"][0]["MediaStreams"] if s["IsExternal"]]
    assert {s["Language"] for s in external} >= {"eng"}
    assert all(s["Type"] == "Subtitle" and s["IsTextSubtitleStream"] for s in external)


def test_short_items_are_played_not_resumed(server):
    client, _ = logged_in(server)
    item = next(i for i in movies(client) if i["Name"] != "Long Movie")
    runtime = client.jellyfin.get_item(item["Id"])["RunTimeTicks"]
    assert 0 < runtime < 300 * 10**7
    client.jellyfin.session_playing({"ItemId": item["Id"], "PositionTicks": 0})
    client.jellyfin.session_stop({"ItemId": item["Id"], "PositionTicks": runtime // 2})
    data = client.jellyfin.get_item(item["Id"])["UserData"]
    assert data["Played"] is True and data["PlaybackPositionTicks"] == 0 and data["PlayCount"] == 1


def test_progress_and_stop_make_a_resume_point(server):
    client, _ = logged_in(server)
    item = next(i for i in movies(client) if i["Name"] == "Long Movie")
    runtime = client.jellyfin.get_item(item["Id"])["RunTimeTicks"]
    assert runtime > 300 * 10**7
    client.jellyfin.session_playing({"ItemId": item["Id"], "PositionTicks": 0})
    middle = runtime // 2
    client.jellyfin.session_progress({"ItemId": item["Id"], "PositionTicks": middle})
    client.jellyfin.session_stop({"ItemId": item["Id"], "PositionTicks": middle})
    data = client.jellyfin.get_item(item["Id"])["UserData"]
    assert data["PlaybackPositionTicks"] == middle and data["Played"] is False
    resume = client.jellyfin.users("/Items/Resume", params={"MediaTypes": "Video"})
    assert item["Id"] in [i["Id"] for i in resume["Items"]]
    # Stopping near the end marks it played and clears the position.
    client.jellyfin.session_stop({"ItemId": item["Id"], "PositionTicks": runtime - 1000})
    data = client.jellyfin.get_item(item["Id"])["UserData"]
    assert data["Played"] is True and data["PlaybackPositionTicks"] == 0
