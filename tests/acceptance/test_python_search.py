"""Acceptance: search the way clients do, with jellyfin-apiclient-python against the real binary
(`/Items?searchTerm=` is the main search path of jellyfin-web, Android TV and Swiftfin)."""
import requests

from test_python_login import logged_in


def _movies(client):
    return client.jellyfin.users("/Items", params={"Recursive": "true", "IncludeItemTypes": "Movie"})["Items"]


def _typo(word):
    """One transposition in the middle of a word of 5+ letters."""
    i = len(word) // 2
    return word[:i - 1] + word[i] + word[i - 1] + word[i + 1:]


def test_typos_prefixes_and_case_find_a_movie(server):
    client, _ = logged_in(server)
    movie = next(m for m in _movies(client) if any(len(w) >= 5 and w.isalpha() for w in m["Name"].split()))
    word = next(w for w in movie["Name"].split() if len(w) >= 5 and w.isalpha())
    for term in [movie["Name"], _typo(word).lower(), word[:3].upper(), " ".join(reversed(movie["Name"].split()))]:
        found = client.jellyfin.search_media_items(term=term, media="Movie", limit=50)
        ids = [i["Id"] for i in found["Items"]]
        assert movie["Id"] in ids, (term, [i["Name"] for i in found["Items"]])
        assert all(i["Type"] == "Movie" for i in found["Items"])
    # The exact name ranks first.
    exact = client.jellyfin.search_media_items(term=movie["Name"], media="Movie", limit=5)
    assert exact["Items"][0]["Id"] == movie["Id"]
    # Nothing for nonsense; query syntax is plain text, never an error.
    assert client.jellyfin.search_media_items(term="zzqqxxvv", media="Movie")["Items"] == []
    for hostile in ['"', "title:(", "*", "x" * 10000]:
        client.jellyfin.search_media_items(term=hostile, media="Movie")


def test_series_name_finds_its_episodes_and_hints(server):
    client, _ = logged_in(server)
    all_series = client.jellyfin.users("/Items", params={"Recursive": "true", "IncludeItemTypes": "Series"})["Items"]
    # The series with the longest name: every word of it must match, so only its episodes do.
    series = max(all_series, key=lambda s: len(s["Name"].split()))
    its_episodes = client.jellyfin.users("/Items", params={
        "Recursive": "true", "IncludeItemTypes": "Episode", "ParentId": series["Id"]})["Items"]
    episodes = client.jellyfin.search_media_items(term=series["Name"], media="Episode", limit=100)["Items"]
    assert {e["Id"] for e in episodes} == {e["Id"] for e in its_episodes}
    assert all(e["SeriesId"] == series["Id"] for e in episodes)
    hints = client.jellyfin._get("Search/Hints", params={"searchTerm": series["Name"], "limit": 20})
    assert hints["TotalRecordCount"] >= 1
    first = hints["SearchHints"][0]
    assert first["Id"] == series["Id"] and first["Type"] == "Series" and first["IsFolder"] is True
    # Jellyfin answers 400 without a term.
    r = requests.get(server["url"] + "/Search/Hints", headers={"X-Emby-Token": client.config.data["auth.token"]})
    assert r.status_code == 400


def test_people_are_searchable(server):
    client, _ = logged_in(server)
    people = client.jellyfin._get("Persons", params={"limit": 50})["Items"]
    assert people, "the made library's NFOs name actors"
    person = people[0]
    last = person["Name"].split()[-1]
    found = client.jellyfin._get("Persons", params={"searchTerm": last.lower()})["Items"]
    assert person["Id"] in [p["Id"] for p in found]


def test_a_user_without_the_movies_library_finds_no_movie(server):
    from test_python_users import delete_user, login_as, new_user
    admin, _ = logged_in(server)
    views = {v["Name"]: v["Id"] for v in admin.jellyfin.get_views()["Items"]}
    movie = _movies(admin)[0]
    user = new_user(server, admin, "showsonly", {"EnableAllFolders": False, "EnabledFolders": [views["Shows"]]})
    try:
        client = login_as(server, "showsonly", "pw", "showsonly-device")
        assert client.jellyfin.search_media_items(term=movie["Name"], media="Movie")["Items"] == []
        found = client.jellyfin.users("/Items", params={"Recursive": "true", "SearchTerm": movie["Name"]})["Items"]
        assert movie["Id"] not in [i["Id"] for i in found]
        hints = client.jellyfin._get("Search/Hints", params={"searchTerm": movie["Name"]})["SearchHints"]
        assert movie["Id"] not in [h["Id"] for h in hints]
        # The admin still finds it.
        assert movie["Id"] in [i["Id"] for i in admin.jellyfin.search_media_items(term=movie["Name"], media="Movie")["Items"]]
    finally:
        delete_user(server, admin, user)
