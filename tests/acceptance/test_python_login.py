"""Acceptance: jellyfin-apiclient-python logs in and reads the user the way jellyfin-mpv-shim does."""
import requests
from jellyfin_apiclient_python import JellyfinClient
from jellyfin_apiclient_python.connection_manager import CONNECTION_STATE


def logged_in(server):
    client = JellyfinClient()
    client.config.app("acceptance", "0.1.0", "acceptance-device", "acceptance-device-id")
    client.config.data["auth.ssl"] = False
    state = client.auth.connect_to_address(server["url"])
    assert state["State"] == CONNECTION_STATE["ServerSignIn"]
    result = client.auth.login(server["url"], server["admin"], server["password"])
    assert result, "login failed"
    return client, result


def test_login_and_current_user(server):
    client, result = logged_in(server)
    assert len(result["AccessToken"]) == 32
    assert result["ServerId"] == server["id"]
    assert result["User"]["Name"] == server["admin"]
    assert result["User"]["Policy"]["IsAdministrator"] is True
    assert result["SessionInfo"]["DeviceId"] == "acceptance-device-id"
    me = client.jellyfin.get_user()
    assert me["Id"] == result["User"]["Id"]
    assert me["HasPassword"] is True
    assert me["Configuration"]["PlayDefaultAudioTrack"] in (True, False)
    # New users are hidden from the login screen by default, as in Jellyfin.
    public = client.jellyfin.get_public_users()
    assert isinstance(public, list)
    assert all(u["Name"] != server["admin"] for u in public) == me["Policy"]["IsHidden"]


def test_wrong_password_is_401_and_no_token(server):
    r = requests.post(
        server["url"] + "/Users/AuthenticateByName",
        json={"Username": server["admin"], "Pw": "nope"},
        headers={"Authorization": 'MediaBrowser Client="t", Device="t", DeviceId="t", Version="1"'},
    )
    assert r.status_code == 401


def test_display_preferences_round_trip_unchanged(server):
    client, _ = logged_in(server)
    prefs = client.jellyfin.get_user_settings()
    assert "CustomPrefs" in prefs and prefs["Id"] == "usersettings"
    prefs["CustomPrefs"]["homesection0"] = "resume"
    prefs["CustomPrefs"]["unknown"] = None
    prefs["SomethingNew"] = {"kept": [1, 2]}
    client.jellyfin._post("DisplayPreferences/usersettings", json=prefs, params={"userId": "{UserId}", "client": "emby"})
    again = client.jellyfin.get_user_settings()
    assert again == prefs


def test_logout_revokes_the_token(server):
    client, result = logged_in(server)
    token = result["AccessToken"]
    headers = {"X-Emby-Token": token}
    assert requests.get(server["url"] + "/System/Info", headers=headers).status_code == 200
    assert requests.post(server["url"] + "/Sessions/Logout", headers=headers).status_code == 204
    assert requests.get(server["url"] + "/System/Info", headers=headers).status_code == 401
    assert requests.get(server["url"] + "/Users/Me").status_code == 401
