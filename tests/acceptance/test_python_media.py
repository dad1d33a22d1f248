"""Acceptance: direct streams and images are served without credentials, as Jellyfin does (ATV
builds direct-play URLs without any token), with Range support and resizing."""
import os
import struct

import requests

from test_python_login import logged_in


def jpeg_size(data):
    """(width, height) from a JPEG's SOF marker."""
    i = 2
    while i < len(data):
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        i += 2 + length
    raise AssertionError("no SOF marker")


def test_direct_stream_without_credentials_with_ranges(server):
    client, _ = logged_in(server)
    movie = client.jellyfin.users("/Items", params={"Recursive": "true", "IncludeItemTypes": "Movie", "Fields": "Path", "Limit": 1})["Items"][0]
    with open(movie["Path"], "rb") as f:
        original = f.read()
    url = server["url"] + "/Videos/%s/stream.mkv?Static=true&mediaSourceId=%s" % (movie["Id"], movie["Id"])
    full = requests.get(url)
    assert full.status_code == 200 and full.content == original
    assert full.headers["Accept-Ranges"] == "bytes"
    part = requests.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == original[100:200]
    assert part.headers["Content-Range"] == "bytes 100-199/%d" % len(original)
    tail = requests.get(url, headers={"Range": "bytes=-10"})
    assert tail.content == original[-10:]
    assert requests.get(url, headers={"Range": "bytes=%d-" % (len(original) + 5)}).status_code == 416
    assert requests.head(url).headers["Content-Length"] == str(len(original))
    assert requests.get(server["url"] + "/Videos/%s/stream" % ("0" * 32)).status_code == 404


def test_images_without_credentials_resized_and_cached(server):
    client, _ = logged_in(server)
    movie = next(i for i in client.jellyfin.users("/Items", params={"Recursive": "true", "IncludeItemTypes": "Movie"})["Items"]
                 if "Primary" in i["ImageTags"])
    tag = movie["ImageTags"]["Primary"]
    url = server["url"] + "/Items/%s/Images/Primary" % movie["Id"]
    original = requests.get(url)
    assert original.status_code == 200 and original.headers["Content-Type"] == "image/jpeg"
    assert jpeg_size(original.content) == (400, 600)
    small = requests.get(url, params={"maxWidth": 100, "tag": tag, "quality": 80})
    assert small.status_code == 200
    assert jpeg_size(small.content) == (100, 150)
    assert "max-age" in small.headers.get("Cache-Control", "")
    etag = small.headers["ETag"]
    again = requests.get(url, params={"maxWidth": 100, "tag": tag, "quality": 80}, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert requests.get(server["url"] + "/Items/%s/Images/Logo" % movie["Id"]).status_code == 404
    assert requests.get(url + "/7").status_code == 404


def test_external_subtitle_delivery_url_serves_vtt(server):
    client, result = logged_in(server)
    movies = client.jellyfin.users("/Items", params={"Recursive": "true", "IncludeItemTypes": "Movie", "Fields": "MediaSources"})["Items"]
    movie = next(m for m in movies if any(s.get("IsExternal") for s in m["MediaSources"][0]["MediaStreams"]))
    info = client.jellyfin.get_play_info(movie["Id"], {"DirectPlayProfiles": [{"Type": "Video"}]})
    sub = next(s for s in info["MediaSources"][0]["MediaStreams"] if s["IsExternal"])
    srt = requests.get(server["url"] + sub["DeliveryUrl"])
    assert srt.status_code == 200 and "Hello there." in srt.text
    vtt_url = server["url"] + sub["DeliveryUrl"].replace("Stream.srt", "Stream.vtt").replace("Stream.subrip", "Stream.vtt")
    vtt = requests.get(vtt_url)
    assert vtt.status_code == 200 and vtt.text.startswith("WEBVTT") and "00:00:00.500 -->" in vtt.text


def test_a_media_source_must_be_a_version_of_the_item(server):
    client, _ = logged_in(server)
    movies = client.jellyfin.users("/Items", params={"Recursive": "true", "IncludeItemTypes": "Movie",
                                                       "Fields": "MediaSources"})["Items"]
    versioned = next(m for m in movies if len(m["MediaSources"]) > 1)
    other = next(m for m in movies if m["Id"] != versioned["Id"])
    url = server["url"] + "/Videos/%s/stream" % versioned["Id"]
    for source in versioned["MediaSources"]:
        r = requests.head(url, params={"mediaSourceId": source["Id"], "static": "true"})
        assert r.status_code == 200, source["Id"]
        assert int(r.headers["Content-Length"]) == source["Size"]
    # Another item's id is not a way to reach its file through this item.
    assert requests.head(url, params={"mediaSourceId": other["Id"], "static": "true"}).status_code == 404
