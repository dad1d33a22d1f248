// Drives the server the way jellyfin-web does, with the real @jellyfin/sdk (1.x and 0.13).
// Run by tests/acceptance/test_sdk.py with SERVER_URL, ADMIN and PASSWORD set.
import { test } from 'node:test';
import assert from 'node:assert/strict';

const url = process.env.SERVER_URL;
const admin = process.env.ADMIN;
const password = process.env.PASSWORD;

for (const [label, pkg] of [['sdk 1.x', '@jellyfin/sdk'], ['sdk 0.13', 'sdk013']]) {
  const sdk = await import(pkg);
  const apis = await import(`${pkg}/lib/utils/api/index.js`);
  const jellyfin = new sdk.Jellyfin({
    clientInfo: { name: 'Acceptance', version: '1.0.0' },
    deviceInfo: { name: 'node', id: `node-${label.replace(/\W/g, '')}` },
  });

  test(`${label}: public info, login, views, items, details, user data`, async () => {
    const api = jellyfin.createApi(url);
    const info = (await apis.getSystemApi(api).getPublicSystemInfo()).data;
    assert.equal(info.ProductName, 'Jellyfin Server');
    assert.match(info.Version, /^10\.11\.\d+$/);

    const auth = await api.authenticateUserByName(admin, password);
    assert.equal(auth.data.User.Name, admin);
    assert.equal(api.accessToken.length, 32);

    const me = (await apis.getUserApi(api).getCurrentUser()).data;
    assert.equal(me.Id, auth.data.User.Id);

    // 1.x renamed the views API helper (getUserViewApi); 0.13 has getUserViewsApi.
    const viewsApi = (apis.getUserViewsApi ?? apis.getUserViewApi)(api);
    const views = (await viewsApi.getUserViews({ userId: me.Id })).data;
    const movies = views.Items.find((v) => v.CollectionType === 'movies');
    assert.ok(movies, 'a movies view');

    // Arrays go out as repeated keys (fields=A&fields=B): the server must take both encodings.
    // 1.x (API 12) moved items, details and user data into the library and user-data APIs.
    const itemsApi = (apis.getItemsApi ?? apis.getLibraryApi)(api);
    const detailsApi = (apis.getUserLibraryApi ?? apis.getLibraryApi)(api);
    const playedApi = (apis.getPlaystateApi && apis.getPlaystateApi(api).markPlayedItem)
      ? apis.getPlaystateApi(api) : apis.getUserDataApi(api);
    const favApi = apis.getUserDataApi ? apis.getUserDataApi(api) : apis.getUserLibraryApi(api);
    const page = (await itemsApi.getItems({
      userId: me.Id, parentId: movies.Id, recursive: true, includeItemTypes: ['Movie'],
      fields: ['Overview', 'Genres', 'MediaSources'], sortBy: ['SortName'], sortOrder: ['Ascending'], limit: 4,
    })).data;
    assert.equal(page.Items.length, 4);
    assert.ok(page.TotalRecordCount >= 4);
    assert.ok(page.Items.every((i) => i.Type === 'Movie' && Array.isArray(i.MediaSources)));

    const item = (await detailsApi.getItem({ userId: me.Id, itemId: page.Items[1].Id })).data;
    assert.equal(item.Id, page.Items[1].Id);
    assert.ok(item.MediaSources[0].MediaStreams.length > 0);

    const played = (await playedApi.markPlayedItem({ userId: me.Id, itemId: item.Id })).data;
    assert.equal(played.Played, true);
    const fav = (await favApi.markFavoriteItem({ userId: me.Id, itemId: item.Id })).data;
    assert.equal(fav.IsFavorite, true);
    const again = (await detailsApi.getItem({ userId: me.Id, itemId: item.Id })).data;
    assert.equal(again.UserData.Played, true);
    assert.equal(again.UserData.IsFavorite, true);
    await playedApi.markUnplayedItem({ userId: me.Id, itemId: item.Id });
    await favApi.unmarkFavoriteItem({ userId: me.Id, itemId: item.Id });

    const info2 = (await apis.getMediaInfoApi(api).getPostedPlaybackInfo({
      itemId: item.Id, userId: me.Id,
      playbackInfoDto: { DeviceProfile: { DirectPlayProfiles: [{ Type: 'Video' }] } },
    })).data;
    assert.equal(info2.MediaSources[0].SupportsDirectPlay, true);
    assert.equal(info2.PlaySessionId.length, 32);

    await api.logout();
  });

  test(`${label}: bad credentials are rejected with 401`, async () => {
    const api = jellyfin.createApi(url);
    await assert.rejects(api.authenticateUserByName(admin, 'wrong'), (e) => e.response?.status === 401);
  });
}
