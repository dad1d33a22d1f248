"""Acceptance: the admin parts a user needs, and per-user library access enforced in queries."""
import requests
from jellyfin_apiclient_python import JellyfinClient

from test_python_login import logged_in


def login_as(server, name, password):
    client = JellyfinClient()
    client.config.app("acceptance", "0.1.0", "device-" + name, "device-id-" + name)
    client.config.data["auth.ssl"] = False
    client.auth.connect_to_address(server["url"])
    assert client.auth.login(server["url"], name, password), "login as %s failed" % name
    return client


def test_users_policy_and_library_access(server, media):
    admin, _ = logged_in(server)
    created = admin.jellyfin.new_user("viewer", "pw")
    assert created["Name"] == "viewer" and created["Policy"]["IsAdministrator"] is False
    folders = {f["Name"]: f for f in admin.jellyfin._get("Library/VirtualFolders")}
    assert set(folders) == {"Movies", "Shows", "Music"}
    assert folders["Movies"]["CollectionType"] == "movies"
    policy = created["Policy"]
    policy["EnableAllFolders"] = False
    policy["EnabledFolders"] = [folders["Movies"]["ItemId"]]
    r = requests.post(server["url"] + "/Users/%s/Policy" % created["Id"], json=policy,
                      headers={"X-Emby-Token": admin.config.data["auth.token"]})
    assert r.status_code == 204

    viewer = login_as(server, "viewer", "pw")
    views = viewer.jellyfin.get_views()["Items"]
    assert [v["Name"] for v in views] == ["Movies"]
    episodes = viewer.jellyfin.users("/Items", params={"Recursive": "true", "IncludeItemTypes": "Episode"})
    assert episodes["TotalRecordCount"] == 0
    movies = viewer.jellyfin.users("/Items", params={"Recursive": "true", "IncludeItemTypes": "Movie"})
    assert movies["TotalRecordCount"] == media["summary"]["counts"]["movie"]
    series = admin.jellyfin.users("/Items", params={"Recursive": "true", "IncludeItemTypes": "Series"})["Items"][0]
    token = viewer.config.data["auth.token"]
    assert requests.get(server["url"] + "/Items/%s" % series["Id"], headers={"X-Emby-Token": token}).status_code == 404
    # Administrator routes are 403 for the viewer, and another user's data too.
    assert requests.get(server["url"] + "/Users", headers={"X-Emby-Token": token}).status_code == 403
    assert requests.get(server["url"] + "/Library/VirtualFolders", headers={"X-Emby-Token": token}).status_code == 403
    admin_id = admin.jellyfin.get_user()["Id"]
    assert requests.get(server["url"] + "/Users/%s/Items" % admin_id, headers={"X-Emby-Token": token}).status_code == 403
    # The viewer changes its own password; the old one stops working.
    r = requests.post(server["url"] + "/Users/%s/Password" % viewer.jellyfin.get_user()["Id"],
                      json={"CurrentPw": "pw", "NewPw": "pw2"}, headers={"X-Emby-Token": token})
    assert r.status_code == 204
    login_as(server, "viewer", "pw2")
    r = requests.delete(server["url"] + "/Users/%s" % created["Id"], headers={"X-Emby-Token": admin.config.data["auth.token"]})
    assert r.status_code == 204


def test_system_configuration_round_trips_whole(server):
    admin, _ = logged_in(server)
    token = {"X-Emby-Token": admin.config.data["auth.token"]}
    config = requests.get(server["url"] + "/System/Configuration", headers=token).json()
    assert config["MinResumePct"] == 5 and config["IsStartupWizardCompleted"] is True
    config["ServerName"] = "Den"
    config["FutureSetting"] = {"nested": [1, 2, 3]}
    assert requests.post(server["url"] + "/System/Configuration", json=config, headers=token).status_code == 204
    again = requests.get(server["url"] + "/System/Configuration", headers=token).json()
    assert again == config


def test_item_counts_and_api_keys(server, media):
    admin, _ = logged_in(server)
    token = {"X-Emby-Token": admin.config.data["auth.token"]}
    counts = requests.get(server["url"] + "/Items/Counts", headers=token).json()
    assert counts["MovieCount"] == media["summary"]["counts"]["movie"]
    assert counts["EpisodeCount"] == media["summary"]["counts"]["episode"]
    assert counts["SongCount"] == media["summary"]["counts"]["audio"]
    assert requests.post(server["url"] + "/Auth/Keys", params={"app": "script"}, headers=token).status_code == 204
    keys = requests.get(server["url"] + "/Auth/Keys", headers=token).json()["Items"]
    key = next(k for k in keys if k["AppName"] == "script")["AccessToken"]
    # An API key acts as an administrator.
    assert requests.get(server["url"] + "/Users", headers={"X-Emby-Token": key}).status_code == 200
    assert requests.delete(server["url"] + "/Auth/Keys/%s" % key, headers=token).status_code == 204
    assert requests.get(server["url"] + "/Users", headers={"X-Emby-Token": key}).status_code == 401


def test_metrics_expose_routes_sessions_scans_and_image_cache(server):
    admin, _ = logged_in(server)
    movie = next(i for i in admin.jellyfin.users("/Items", params={"Recursive": "true", "IncludeItemTypes": "Movie"})["Items"]
                 if "Primary" in i["ImageTags"])
    for _ in range(2):
        requests.get(server["url"] + "/Items/%s/Images/Primary" % movie["Id"], params={"maxWidth": 50})
    text = requests.get(server["url"] + "/metrics").text
    assert 'route="/items/{id}/images/primary"' in text
    assert 'jellyfin_http_request_duration_seconds_count{method="GET",route="/system/info/public",status="200"}' in text
    samples = {line.split(" ")[0]: float(line.split(" ")[1]) for line in text.splitlines() if line and not line.startswith("#")}
    assert samples['jellyfin_image_cache_requests_total{outcome="hit"}'] >= 1
    assert samples["jellyfin_scan_files_probed_total"] > 0
    assert samples["jellyfin_sessions_active"] >= 1
