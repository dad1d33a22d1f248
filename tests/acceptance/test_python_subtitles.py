"""Acceptance: an embedded SubRip track (muxed into a movie of the media tree by the conftest)
is delivered through PlaybackInfo with a DeliveryUrl, and the server extracts and converts it
from the media file (WebVTT, SubRip, ASS, with start offsets), without credentials."""
import re
import subprocess

import requests

from test_python_login import logged_in

# jellyfin-web's subtitle profile (no libass): text as external WebVTT.
WEB_PROFILE = {
    "DirectPlayProfiles": [{"Type": "Video"}],
    "TranscodingProfiles": [],
    "SubtitleProfiles": [{"Format": "vtt", "Method": "External"}],
}
# A player that reads SubRip from the container (Kodi, mpv, ExoPlayer) keeps it embedded.
EMBED_PROFILE = {
    "DirectPlayProfiles": [{"Type": "Video"}],
    "SubtitleProfiles": [{"Format": "subrip", "Method": "Embed"}, {"Format": "vtt", "Method": "External"}],
}

TIMING = re.compile(r"(\d\d):(\d\d):(\d\d)[.,](\d\d\d) --> (\d\d):(\d\d):(\d\d)[.,](\d\d\d)")


def cues(text):
    """(start ms, end ms, text) of every cue of SubRip or WebVTT text."""
    out = []
    lines = text.replace("\r\n", "\n").split("\n")
    for i, line in enumerate(lines):
        m = TIMING.search(line)
        if not m:
            continue
        g = [int(x) for x in m.groups()]
        start = ((g[0] * 60 + g[1]) * 60 + g[2]) * 1000 + g[3]
        end = ((g[4] * 60 + g[5]) * 60 + g[6]) * 1000 + g[7]
        body = []
        for b in lines[i + 1:]:
            if not b.strip():
                break
            body.append(b)
        out.append((start, end, "\n".join(body)))
    return out


def subtitled_movie(client, media):
    items = client.jellyfin.users("/Items", params={"Recursive": "true", "IncludeItemTypes": "Movie",
                                                   "Fields": "MediaSources,Path"})["Items"]
    return next(i for i in items if i["Name"] == media["embedded_subtitles"]["movie"])


def reference_cues(movie, media):
    """The track as the real ffmpeg extracts it. Its times are the file's: the muxer shifted every
    stream by the AAC encoder delay, so they are not the source file's. Its texts are the source's."""
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", movie["Path"], "-map", "0:s:0", "-f", "srt", "-"],
                         check=True, capture_output=True, text=True).stdout
    expected = cues(out)
    assert [t for (_, _, t) in expected] == [t for (_, _, t) in cues(media["embedded_subtitles"]["srt"])]
    return expected


def ass_clock(ms):
    cs = (ms + 5) // 10
    return "%d:%02d:%02d.%02d" % (cs // 360000, cs // 6000 % 60, cs // 100 % 60, cs % 100)


def embedded_subtitle(info):
    subs = [s for s in info["MediaSources"][0]["MediaStreams"] if s["Type"] == "Subtitle"]
    assert len(subs) == 1, subs
    return subs[0]


def test_playback_info_delivers_the_embedded_track_as_webvtt(server, media):
    client, _ = logged_in(server)
    movie = subtitled_movie(client, media)
    source = reference_cues(movie, media)
    for profile in (None, WEB_PROFILE):
        info = client.jellyfin.get_play_info(movie["Id"], profile)
        sub = embedded_subtitle(info)
        assert sub["IsExternal"] is False and sub["Codec"] == "subrip" and sub["Language"] == "eng"
        assert sub["IsTextSubtitleStream"] is True and sub["SupportsExternalStream"] is True
        assert sub["DeliveryMethod"] == "External"
        assert "/%s/Subtitles/%d/0/Stream.vtt?ApiKey=" % (movie["Id"], sub["Index"]) in sub["DeliveryUrl"]
        # The browser fetches it as a text track, with the token in the URL only.
        r = requests.get(server["url"] + sub["DeliveryUrl"])
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"].startswith("text/vtt")
        assert r.text.startswith("WEBVTT")
        assert cues(r.text) == source
    # The stream route is anonymous in Jellyfin's spec: no token at all works too.
    bare = requests.get(server["url"] + sub["DeliveryUrl"].split("?")[0])
    assert bare.status_code == 200 and cues(bare.text) == source


def test_a_player_reading_the_container_keeps_it_embedded(server, media):
    client, _ = logged_in(server)
    movie = subtitled_movie(client, media)
    sub = embedded_subtitle(client.jellyfin.get_play_info(movie["Id"], EMBED_PROFILE))
    assert sub["DeliveryMethod"] == "Embed" and "DeliveryUrl" not in sub


def test_formats_offsets_and_errors(server, media):
    client, _ = logged_in(server)
    movie = subtitled_movie(client, media)
    index = embedded_subtitle(client.jellyfin.get_play_info(movie["Id"], WEB_PROFILE))["Index"]
    source = reference_cues(movie, media)
    # The client's own URL builder (api_key in the query).
    srt = requests.get(client.jellyfin.subtitle_url(movie["Id"], movie["Id"], index, "srt"))
    assert srt.status_code == 200 and srt.headers["Content-Type"] == "application/x-subrip"
    assert cues(srt.text) == source
    ass = requests.get(client.jellyfin.subtitle_url(movie["Id"], movie["Id"], index, "ass"))
    assert ass.status_code == 200 and ass.headers["Content-Type"] == "text/x-ssa"
    assert "[Script Info]" in ass.text
    first = "Dialogue: 0,%s,%s,Default,,0,0,0,,Hello from {\\i1}inside{\\i0} the file." % (
        ass_clock(source[0][0]), ass_clock(source[0][1]))
    assert first in ass.text, ass.text
    # From 1.9 s on: the first cue is dropped, the others shifted (route and query forms).
    assert source[0][0] < 1900 <= source[1][0]
    shifted = [(s - 1900, e - 1900, t) for (s, e, t) in source[1:]]
    base = server["url"] + "/Videos/%s/%s/Subtitles/%d" % (movie["Id"], movie["Id"], index)
    assert cues(requests.get(base + "/19000000/Stream.vtt").text) == shifted
    assert cues(requests.get(base + "/Stream.vtt", params={"startPositionTicks": 19000000}).text) == shifted
    kept = requests.get(base + "/19000000/Stream.vtt", params={"copyTimestamps": "true"}).text
    assert cues(kept) == source[1:]
    mapped = requests.get(base + "/0/Stream.vtt", params={"addVttTimeMap": "true"}).text
    assert mapped.startswith("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\n")
    # Jellyfin's statuses: no such stream 404, a format it cannot write 400, a bad index 400.
    assert requests.get(server["url"] + "/Videos/%s/%s/Subtitles/0/0/Stream.vtt" % (movie["Id"], movie["Id"])).status_code == 404
    assert requests.get(base + "/0/Stream.xyz").status_code == 400
    assert requests.get(server["url"] + "/Videos/%s/%s/Subtitles/x/0/Stream.vtt" % (movie["Id"], movie["Id"])).status_code == 400
