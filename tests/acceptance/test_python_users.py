"""Acceptance: user-facing features through jellyfin-apiclient-python against the real binary:
parental ratings, avatars, Quick Connect, likes and user data (with the WebSocket push) and
suggestions."""
import base64
import json
import os
import struct
import subprocess
import tempfile
import time
import zlib

import requests
import websocket
from jellyfin_apiclient_python import JellyfinClient

from test_python_login import logged_in


def login_as(server, name, password, device):
    client = JellyfinClient()
    client.config.app("acceptance", "0.1.0", device, device + "-id")
    client.config.data["auth.ssl"] = False
    client.auth.connect_to_address(server["url"])
    assert client.auth.login(server["url"], name, password), "login as %s failed" % name
    return client


def make_png(width, height, rgb=(200, 40, 10)):
    """A truecolor PNG, written with the standard library."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def decode_png(data):
    """Decodes an 8-bit RGB/RGBA PNG (checking CRCs, inflating and unfiltering every row);
    returns (width, height, first pixel)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:16]
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and color in (2, 6) and interlace == 0, header
    bpp = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    assert len(raw) == height * (stride + 1)
    prev, rows = bytearray(stride), []
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            else:
                assert f == 0, f
        rows.append(line)
        prev = line
    return width, height, tuple(rows[0][:3])


def probe_size(data):
    """Width and height of an image, decoded by ffprobe."""
    with tempfile.NamedTemporaryFile(suffix=".img") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=width,height", "-of", "json", f.name],
                             check=True, capture_output=True, text=True).stdout
    stream = json.loads(out)["streams"][0]
    return stream["width"], stream["height"]


def movies(client, **params):
    return client.jellyfin.users("/Items", params={"Recursive": "true", "IncludeItemTypes": "Movie", **params})["Items"]


def new_user(server, admin, name, policy_changes):
    created = admin.jellyfin.new_user(name, "pw")
    policy = created["Policy"]
    policy.update(policy_changes)
    r = requests.post(server["url"] + "/Users/%s/Policy" % created["Id"], json=policy,
                      headers={"X-Emby-Token": admin.config.data["auth.token"]})
    assert r.status_code == 204
    return created


def delete_user(server, admin, user):
    r = requests.delete(server["url"] + "/Users/%s" % user["Id"],
                        headers={"X-Emby-Token": admin.config.data["auth.token"]})
    assert r.status_code == 204


def test_parental_rating_hides_an_r_rated_movie(server, media):
    admin, _ = logged_in(server)
    # Rate the long movie R with an NFO beside it, and rescan.
    with open(os.path.join(media["root"], "Movies", "Long Movie (2001)", "movie.nfo"), "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<movie><mpaa>R</mpaa></movie>\n')
    admin.jellyfin.refresh_library()
    deadline = time.time() + 90
    while True:
        rated = [m for m in movies(admin, Fields="OfficialRating") if m.get("OfficialRating") == "R"]
        if rated:
            break
        assert time.time() < deadline, "the NFO's rating was not picked up"
        time.sleep(0.5)
    r_movie = rated[0]
    assert r_movie["Name"] == "Long Movie"
    ratings = admin.jellyfin._get("Localization/ParentalRatings")
    assert {"Name": "R", "Value": 17, "RatingScore": {"score": 17, "subScore": 0}} in ratings
    pg13 = next(r for r in ratings if r["Name"] == "PG-13")

    kid = new_user(server, admin, "kid", {"MaxParentalRating": pg13["Value"]})
    try:
        client = login_as(server, "kid", "pw", "kid-device")
        seen = {m["Id"] for m in movies(client)}
        everything = {m["Id"] for m in movies(admin)}
        assert r_movie["Id"] in everything and r_movie["Id"] not in seen
        assert seen == everything - {r_movie["Id"]}
        # PG-13 movies (make-library writes some) stay visible.
        pg13_movies = [m for m in movies(admin, Fields="OfficialRating") if m.get("OfficialRating") == "PG-13"]
        assert all(m["Id"] in seen for m in pg13_movies)
        # Details of the blocked movie are not found, for the client's own calls too.
        token = client.config.data["auth.token"]
        r = requests.get(server["url"] + "/Users/%s/Items/%s" % (kid["Id"], r_movie["Id"]), headers={"X-Emby-Token": token})
        assert r.status_code == 404
        assert client.jellyfin.get_item(next(iter(seen)))["Id"] in seen
        # Raising the limit to R shows it again.
        policy = admin.jellyfin.get_user(kid["Id"])["Policy"]
        policy["MaxParentalRating"] = 17
        assert requests.post(server["url"] + "/Users/%s/Policy" % kid["Id"], json=policy,
                             headers={"X-Emby-Token": admin.config.data["auth.token"]}).status_code == 204
        assert r_movie["Id"] in {m["Id"] for m in movies(client)}
    finally:
        delete_user(server, admin, kid)


def test_avatar_upload_serve_and_user_dto(server):
    admin, _ = logged_in(server)
    user = new_user(server, admin, "painter", {})
    try:
        client = login_as(server, "painter", "pw", "painter-device")
        assert "PrimaryImageTag" not in client.jellyfin.get_user()
        png = make_png(48, 32)
        # As jellyfin-web and this client upload it: base64 text with the image's type.
        client.jellyfin._post("Users/{UserId}/Images/Primary", data=base64.b64encode(png).decode(),
                              headers={"Content-type": "image/png"})
        me = client.jellyfin.get_user()
        tag = me["PrimaryImageTag"]
        assert len(tag) == 32
        # Anonymous GET (browsers load avatars with <img>): the same picture.
        r = requests.get(server["url"] + "/Users/%s/Images/Primary" % user["Id"], params={"tag": tag})
        assert r.status_code == 200 and r.headers["Content-Type"] == "image/png"
        assert decode_png(r.content) == (48, 32, (200, 40, 10))
        r = requests.get(server["url"] + "/UserImage", params={"userId": user["Id"], "maxWidth": 12, "format": "jpg"})
        assert r.status_code == 200 and r.headers["Content-Type"] == "image/jpeg"
        assert probe_size(r.content) == (12, 8)
        # Garbage is refused and the avatar stays.
        r = requests.post(server["url"] + "/Users/%s/Images/Primary" % user["Id"], data=b"not an image",
                          headers={"X-Emby-Token": client.config.data["auth.token"], "Content-Type": "image/png"})
        assert r.status_code == 400
        assert client.jellyfin.get_user()["PrimaryImageTag"] == tag
        # Another user's avatar is off limits.
        r = requests.post(server["url"] + "/Users/%s/Images/Primary" % admin.jellyfin.get_user()["Id"],
                          data=base64.b64encode(png), headers={"X-Emby-Token": client.config.data["auth.token"]})
        assert r.status_code == 403
        requests.delete(server["url"] + "/UserImage", params={"userId": user["Id"]},
                        headers={"X-Emby-Token": client.config.data["auth.token"]}).raise_for_status()
        assert "PrimaryImageTag" not in client.jellyfin.get_user()
        assert requests.get(server["url"] + "/Users/%s/Images/Primary" % user["Id"]).status_code == 404
    finally:
        delete_user(server, admin, user)


def test_quick_connect_flow_ends_in_a_working_token(server):
    admin, _ = logged_in(server)
    user = new_user(server, admin, "couch", {})
    try:
        phone = login_as(server, "couch", "pw", "couch-phone")
        tv = JellyfinClient()
        tv.config.app("acceptance-tv", "0.1.0", "living-room-tv", "living-room-tv-id")
        tv.config.data["auth.ssl"] = False
        tv.auth.connect_to_address(server["url"])
        api = tv.auth.API
        assert api.quick_connect_enabled(server["url"]) is True
        request = api.quick_connect_initiate(server["url"])
        assert len(request["Code"]) == 6 and request["Code"].isdigit()
        assert request["DeviceId"] == "living-room-tv-id" and request["Authenticated"] is False
        assert api.quick_connect_state(server["url"], request["Secret"])["Authenticated"] is False
        assert tv.auth.login_with_quick_connect(server["url"], request["Secret"]) == {}
        # The signed-in user approves the code shown on the TV.
        assert phone.jellyfin._post("QuickConnect/Authorize", params={"code": request["Code"], "userId": "{UserId}"}) is True
        assert api.quick_connect_state(server["url"], request["Secret"])["Authenticated"] is True
        result = tv.auth.login_with_quick_connect(server["url"], request["Secret"])
        assert result and result["User"]["Id"] == user["Id"]
        assert result["SessionInfo"]["DeviceId"] == "living-room-tv-id"
        assert tv.jellyfin.get_user()["Name"] == "couch"
        assert len(movies(tv)) > 0
        # A user cannot approve for somebody else.
        other = api.quick_connect_initiate(server["url"])
        r = requests.post(server["url"] + "/QuickConnect/Authorize",
                          params={"code": other["Code"], "userId": admin.jellyfin.get_user()["Id"]},
                          headers={"X-Emby-Token": phone.config.data["auth.token"]})
        assert r.status_code == 403
    finally:
        delete_user(server, admin, user)


def test_likes_user_data_and_the_socket_push(server):
    admin, _ = logged_in(server)
    user = new_user(server, admin, "liker", {})
    try:
        client = login_as(server, "liker", "pw", "liker-device")
        token = client.config.data["auth.token"]
        ws = websocket.create_connection(
            server["url"].replace("http://", "ws://") + "/socket?api_key=%s&deviceId=liker-device-id" % token, timeout=10)
        movie = movies(client)[0]
        liked = client.jellyfin._post("UserItems/%s/Rating" % movie["Id"], params={"likes": "true"})
        assert liked["Likes"] is True and liked["ItemId"] == movie["Id"]
        while True:
            msg = json.loads(ws.recv())
            if msg["MessageType"] == "UserDataChanged":
                break
        assert msg["Data"]["UserId"] == user["Id"]
        assert msg["Data"]["UserDataList"][0]["ItemId"] == movie["Id"]
        assert msg["Data"]["UserDataList"][0]["Likes"] is True

        def next_user_data():
            while True:
                msg = json.loads(ws.recv())
                if msg["MessageType"] == "UserDataChanged":
                    return msg["Data"]["UserDataList"][0]

        # The client's own played and favorite toggles push too (as mpv-shim and the web
        # client expect, to refresh other screens).
        client.jellyfin.item_played(movie["Id"], True)
        pushed = next_user_data()
        assert pushed["ItemId"] == movie["Id"] and pushed["Played"] is True
        client.jellyfin.favorite(movie["Id"], True)
        pushed = next_user_data()
        assert pushed["IsFavorite"] is True and pushed["Played"] is True
        client.jellyfin.item_played(movie["Id"], False)
        assert next_user_data()["Played"] is False
        ws.close()
        assert client.jellyfin.get_item(movie["Id"])["UserData"]["Likes"] is True
        client.jellyfin._delete("UserItems/%s/Rating" % movie["Id"])
        assert "Likes" not in client.jellyfin.get_item(movie["Id"])["UserData"]
        # Legacy per-user route (jellyfin-web's thumbs down).
        assert client.jellyfin.users("/Items/%s/Rating" % movie["Id"], "POST", params={"likes": "false"})["Likes"] is False
        # mpv-shim's sync: a partial update changes only what it sends.
        data = client.jellyfin.update_userdata_for_item(movie["Id"], {"PlayCount": 4, "IsFavorite": True})
        assert data["PlayCount"] == 4 and data["IsFavorite"] is True and data["Likes"] is False
        data = client.jellyfin.get_userdata_for_item(movie["Id"])
        assert (data["PlayCount"], data["IsFavorite"], data["Played"]) == (4, True, False)
    finally:
        delete_user(server, admin, user)


def test_suggestions_are_unplayed_items(server, media):
    admin, _ = logged_in(server)
    user = new_user(server, admin, "chooser", {})
    try:
        client = login_as(server, "chooser", "pw", "chooser-device")
        first = client.jellyfin.get_suggestion(media="Movie", limit=100)["Items"]
        assert first and all(i["Type"] == "Movie" for i in first)
        assert len(first) == media["summary"]["counts"]["movie"]
        assert all(i["UserData"]["Played"] is False for i in first)
        watched = first[:3]
        for item in watched:
            client.jellyfin.users("/PlayedItems/%s" % item["Id"], "POST")
        after = client.jellyfin.get_suggestion(media="Movie", limit=100)["Items"]
        assert after and {i["Id"] for i in after} == {i["Id"] for i in first} - {i["Id"] for i in watched}
        assert all(i["UserData"]["Played"] is False for i in after)
        # The spec route too, with a limit.
        page = client.jellyfin._get("Items/Suggestions", params={"type": "Movie,Episode", "limit": 2})
        assert len(page["Items"]) == 2 and page["TotalRecordCount"] == 2
        assert not {i["Id"] for i in page["Items"]} & {i["Id"] for i in watched}
    finally:
        delete_user(server, admin, user)
