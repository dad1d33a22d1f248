"""Acceptance: the real third-party client jellyfin-apiclient-python (used by jellyfin-mpv-shim)
connects to our server the way it connects to Jellyfin."""
from jellyfin_apiclient_python import JellyfinClient
from jellyfin_apiclient_python.connection_manager import CONNECTION_STATE


def make_client():
    client = JellyfinClient()
    client.config.app("acceptance", "0.1.0", "acceptance-device", "acceptance-device-id")
    client.config.data["auth.ssl"] = False
    return client


def test_connect_to_address_reaches_server_sign_in(server):
    client = make_client()
    state = client.auth.connect_to_address(server["url"])
    assert state["State"] == CONNECTION_STATE["ServerSignIn"], state
    info = state["Servers"][0]
    assert info["Id"] == server["id"]
    assert info["Name"] == "acceptance"
    assert client.config.data["auth.server"] == server["url"]


def test_public_info_via_client_api(server):
    client = make_client()
    info = client.auth.API.get_public_info(server["url"], client.auth.session)
    assert info["ProductName"] == "Jellyfin Server"
    assert info["Id"] == server["id"]
    assert [int(p) for p in info["Version"].split(".")][:2] == [10, 11]


def test_unreachable_server_is_unavailable():
    client = make_client()
    state = client.auth.connect_to_address("http://127.0.0.1:9")
    assert state["State"] == CONNECTION_STATE["Unavailable"]
