"""Acceptance: browsing with jellyfin-apiclient-python the way jellyfin-mpv-shim does."""
from test_python_login import logged_in


def test_views_are_the_libraries(server):
    client, _ = logged_in(server)
    views = client.jellyfin.get_views()
    by_name = {v["Name"]: v for v in views["Items"]}
    assert set(by_name) == {"Movies", "Shows", "Music"}
    assert by_name["Movies"]["CollectionType"] == "movies"
    assert by_name["Shows"]["CollectionType"] == "tvshows"
    assert by_name["Music"]["CollectionType"] == "music"
    assert all(v["Type"] == "CollectionFolder" and v["ServerId"] == server["id"] for v in views["Items"])
    assert views["TotalRecordCount"] == 3


def test_items_paging_sorting_and_fields(server, media):
    client, _ = logged_in(server)
    movies = media["summary"]["counts"]["movie"]
    params = {"Recursive": "true", "IncludeItemTypes": "Movie", "SortBy": "SortName", "SortOrder": "Ascending",
              "Fields": "Overview,Genres,ProviderIds,MediaSources,Path", "StartIndex": 2, "Limit": 5}
    page = client.jellyfin.users("/Items", params=params)
    assert page["TotalRecordCount"] == movies
    assert page["StartIndex"] == 2
    assert len(page["Items"]) == 5
    everything = client.jellyfin.users("/Items", params={**params, "StartIndex": 0, "Limit": 100})
    names = [i["Name"] for i in everything["Items"]]
    assert [i["Id"] for i in page["Items"]] == [i["Id"] for i in everything["Items"][2:7]]
    assert all(i["Type"] == "Movie" and len(i["Id"]) == 32 for i in everything["Items"])
    assert len(names) == movies
    with_nfo = [i for i in everything["Items"] if i.get("Overview")]
    assert with_nfo and all(len(i["Genres"]) == 2 and "Tmdb" in i["ProviderIds"] for i in with_nfo)
    assert all(i["MediaSources"][0]["Id"] == i["Id"] for i in everything["Items"])


def test_item_details_and_series_hierarchy(server):
    client, _ = logged_in(server)
    series = client.jellyfin.users("/Items", params={"Recursive": "true", "IncludeItemTypes": "Series"})["Items"]
    assert len(series) == 2
    show = client.jellyfin.get_item(series[0]["Id"])
    assert show["Type"] == "Series" and show["IsFolder"] is True
    seasons = client.jellyfin.get_seasons(show["Id"])["Items"]
    assert [s["IndexNumber"] for s in seasons] == sorted(s["IndexNumber"] for s in seasons)
    episodes = client.jellyfin.get_episodes(show["Id"], seasons[0]["Id"])["Items"]
    assert episodes and all(e["SeasonId"] == seasons[0]["Id"] and e["SeriesId"] == show["Id"] for e in episodes)
    detail = client.jellyfin.get_item(episodes[0]["Id"])
    assert detail["MediaSources"][0]["MediaStreams"], detail


def test_played_and_favorite_round_trip(server):
    client, _ = logged_in(server)
    movie = client.jellyfin.users("/Items", params={"Recursive": "true", "IncludeItemTypes": "Movie", "Limit": 1})["Items"][0]
    data = client.jellyfin.item_played(movie["Id"], True)
    assert data["Played"] is True and data["ItemId"] == movie["Id"]
    assert client.jellyfin.get_item(movie["Id"])["UserData"]["Played"] is True
    played = client.jellyfin.users("/Items", params={"Recursive": "true", "IncludeItemTypes": "Movie", "Filters": "IsPlayed"})
    assert [i["Id"] for i in played["Items"]] == [movie["Id"]]
    client.jellyfin.item_played(movie["Id"], False)
    assert client.jellyfin.get_item(movie["Id"])["UserData"]["Played"] is False
    fav = client.jellyfin.favorite(movie["Id"], True)
    assert fav["IsFavorite"] is True
    assert client.jellyfin.get_item(movie["Id"])["UserData"]["IsFavorite"] is True


def test_json_is_gzipped_when_accepted(server):
    import requests
    client, result = logged_in(server)
    url = server["url"] + "/Items?Recursive=true&IncludeItemTypes=Movie&Fields=Overview,MediaSources"
    token = {"X-Emby-Token": result["AccessToken"]}
    zipped = requests.get(url, headers={**token, "Accept-Encoding": "gzip"})
    assert zipped.headers.get("Content-Encoding") == "gzip"
    plain = requests.get(url, headers={**token, "Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.json() == plain.json()


def test_items_filters_list_what_the_items_have(server):
    client, _ = logged_in(server)
    movies = client.jellyfin.users("/Items", params={"Recursive": "true", "IncludeItemTypes": "Movie", "Fields": "Genres"})["Items"]
    expected = sorted({g for m in movies for g in m.get("Genres", [])})
    f = client.jellyfin._get("Items/Filters", params={"UserId": "{UserId}", "IncludeItemTypes": "Movie", "Recursive": "true"})
    assert f["Genres"] == expected and expected
    assert set(f["Years"]) == {m["ProductionYear"] for m in movies if "ProductionYear" in m}
    f2 = client.jellyfin._get("Items/Filters2", params={"UserId": "{UserId}", "IncludeItemTypes": "Movie", "Recursive": "true"})
    assert [g["Name"] for g in f2["Genres"]] == expected and all(len(g["Id"]) == 32 for g in f2["Genres"])


def test_items_filters_of_a_library_and_a_search(server):
    client, _ = logged_in(server)
    views = {v["Name"]: v["Id"] for v in client.jellyfin.get_views()["Items"]}
    base = {"UserId": "{UserId}", "Recursive": "true", "ParentId": views["Movies"]}
    movies = client.jellyfin.users("/Items", params={**base, "IncludeItemTypes": "Movie", "Fields": "Genres"})["Items"]
    f = client.jellyfin._get("Items/Filters", params={**base, "IncludeItemTypes": "Movie"})
    assert f["Genres"] == sorted({g for m in movies for g in m.get("Genres", [])})
    # The music library has no movie genres.
    music = client.jellyfin._get("Items/Filters", params={**base, "ParentId": views["Music"], "IncludeItemTypes": "Movie"})
    assert music["Genres"] == [] and music["Years"] == []
    # Filters of a search: only what the found movie has.
    movie = next(m for m in movies if m.get("Genres"))
    found = client.jellyfin._get("Items/Filters", params={**base, "IncludeItemTypes": "Movie", "SearchTerm": movie["Name"]})
    hits = client.jellyfin.search_media_items(term=movie["Name"], media="Movie", limit=100)["Items"]
    hit_genres = set()
    for h in hits:
        hit_genres.update(client.jellyfin.get_item(h["Id"]).get("Genres", []))
    assert set(found["Genres"]) == hit_genres and set(movie["Genres"]) <= hit_genres


def test_instant_mix_and_deprecated_routes(server):
    client, _ = logged_in(server)
    tracks = client.jellyfin.users("/Items", params={"Recursive": "true", "IncludeItemTypes": "Audio",
                                                       "Fields": "Genres"})["Items"]
    assert tracks
    seed = next((t for t in tracks if t.get("Genres")), None)
    assert seed is not None, "make-library tags its tracks with a genre"
    for path in ["Items/%s/InstantMix" % seed["Id"], "Songs/%s/InstantMix" % seed["Id"]]:
        mix = client.jellyfin._get(path, params={"Fields": "Genres", "Limit": 50})["Items"]
        assert mix and all(m["Type"] == "Audio" for m in mix)
        assert all(set(m["Genres"]) & set(seed["Genres"]) for m in mix)
    genre = seed["Genres"][0]
    by_genre = client.jellyfin._get("MusicGenres/%s/InstantMix" % genre, params={"Fields": "Genres"})["Items"]
    assert by_genre and all(genre in m["Genres"] for m in by_genre)
    assert client.jellyfin._get("Items/%s/CriticReviews" % seed["Id"]) == {
        "Items": [], "TotalRecordCount": 0, "StartIndex": 0}
    assert client.jellyfin._get("LiveTv/Recordings/Groups")["Items"] == []
