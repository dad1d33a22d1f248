"""Acceptance: the WebSocket and live sessions, as jellyfin-mpv-shim and jellyfin-web use them."""
import json

import requests
import websocket

from test_python_login import logged_in


def test_socket_keepalive_sessions_and_remote_play(server):
    client, result = logged_in(server)
    token = result["AccessToken"]
    ws_url = server["url"].replace("http://", "ws://") + "/socket?api_key=%s&deviceId=acceptance-device-id" % token
    ws = websocket.create_connection(ws_url, timeout=10)
    first = json.loads(ws.recv())
    assert first["MessageType"] == "ForceKeepAlive" and first["Data"] == 60
    ws.send(json.dumps({"MessageType": "KeepAlive"}))
    answer = json.loads(ws.recv())
    assert answer["MessageType"] == "KeepAlive" and answer["MessageId"] != first["MessageId"]

    # Capabilities make the session controllable; /Sessions lists it with its device.
    client.jellyfin.sessions("/Capabilities/Full", "POST", json={
        "PlayableMediaTypes": ["Video", "Audio"], "SupportedCommands": ["DisplayMessage", "Play"],
        "SupportsMediaControl": True})
    mine = [s for s in client.jellyfin.get_sessions() if s["DeviceId"] == "acceptance-device-id"]
    assert len(mine) == 1 and mine[0]["SupportsRemoteControl"] is True
    assert mine[0]["UserName"] == server["admin"]

    # Playback start shows the item as now playing.
    movie = client.jellyfin.users("/Items", params={"Recursive": "true", "IncludeItemTypes": "Movie", "Limit": 1})["Items"][0]
    client.jellyfin.session_playing({"ItemId": movie["Id"], "PositionTicks": 0, "CanSeek": True})
    now = [s for s in client.jellyfin.get_sessions() if s["DeviceId"] == "acceptance-device-id"][0]
    assert now["NowPlayingItem"]["Id"] == movie["Id"]

    # Remote control from another client reaches this socket as a Play message.
    r = requests.post(server["url"] + "/Sessions/%s/Playing" % mine[0]["Id"],
                      params={"playCommand": "PlayNow", "itemIds": movie["Id"]},
                      headers={"X-Emby-Token": token})
    assert r.status_code == 204
    while True:
        msg = json.loads(ws.recv())
        if msg["MessageType"] == "Play":
            break
    assert msg["Data"]["ItemIds"] == [movie["Id"]] and msg["Data"]["PlayCommand"] == "PlayNow"
    ws.close()


def test_socket_refuses_without_token(server):
    ws_url = server["url"].replace("http://", "ws://") + "/socket"
    try:
        websocket.create_connection(ws_url, timeout=5)
    except websocket.WebSocketBadStatusException as e:
        assert e.status_code == 401
    else:
        raise AssertionError("the socket opened without a token")
