"""Acceptance: the admin operations jellyfin-web's dashboard uses (activity log, scheduled tasks,
log files, directory browser, shutdown), driven through jellyfin-apiclient-python's own request
helpers so authentication flows through the client."""
import datetime
import io
import json
import os
import shutil
import tempfile
import time

import requests
import websocket

from conftest import ADMIN, PASSWORD, start_server
from test_python_login import logged_in


def utc_now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def task_by_key(client, key):
    tasks = client.jellyfin._get("ScheduledTasks", params={"isHidden": "false"})
    return next(t for t in tasks if t["Key"] == key)


def wait_idle_with_result_after(client, task_id, started_after, deadline_s=120):
    """Polls the task until it is idle with a result that started at or after `started_after`;
    returns (states seen, task)."""
    seen = []
    deadline = time.time() + deadline_s
    while True:
        task = client.jellyfin._get("ScheduledTasks/%s" % task_id)
        seen.append(task["State"])
        result = task.get("LastExecutionResult")
        if task["State"] == "Idle" and result and result["StartTimeUtc"] >= started_after:
            return seen, task
        assert time.time() < deadline, "the task did not finish: %s" % task
        time.sleep(0.1)


def test_logins_show_up_in_the_activity_log(server):
    since = utc_now_iso()
    time.sleep(0.01)
    r = requests.post(server["url"] + "/Users/AuthenticateByName", json={"Username": ADMIN, "Pw": "wrong"},
                      headers={"Authorization": 'MediaBrowser Client="t", Device="t", DeviceId="ops-t", Version="1"'})
    assert r.status_code == 401
    client, result = logged_in(server)
    page = client.jellyfin._get("System/ActivityLog/Entries", params={"minDate": since, "limit": 100})
    assert page["TotalRecordCount"] == len(page["Items"]) and page["StartIndex"] == 0
    mine = [e for e in page["Items"] if e["Type"] == "AuthenticationSucceeded" and e["UserId"] == result["User"]["Id"]]
    assert mine, page
    assert mine[0]["Name"] == "%s successfully authenticated" % ADMIN
    assert mine[0]["Severity"] == "Information" and mine[0]["Date"].endswith("Z")
    failed = [e for e in page["Items"] if e["Type"] == "AuthenticationFailed"]
    assert failed and failed[0]["Name"] == "Failed login try from %s" % ADMIN
    assert failed[0]["Severity"] == "Error"
    # Newest first, and the user filter holds.
    dates = [e["Date"] for e in page["Items"]]
    assert dates == sorted(dates, reverse=True)
    anonymous = client.jellyfin._get("System/ActivityLog/Entries", params={"minDate": since, "hasUserId": "false"})
    assert anonymous["Items"] and all(e["UserId"] == "0" * 32 for e in anonymous["Items"])


def test_scan_task_runs_from_the_scheduled_tasks_api(server, media):
    client, _ = logged_in(server)
    task = task_by_key(client, "RefreshLibrary")
    assert task["Name"] == "Scan Media Library" and task["Category"] == "Library" and task["IsHidden"] is False
    started_after = utc_now_iso()
    time.sleep(0.01)
    client.jellyfin._post("ScheduledTasks/Running/%s" % task["Id"])
    seen, done = wait_idle_with_result_after(client, task["Id"], started_after)
    # Either it was seen running, or it already finished with a fresh result.
    assert "Running" in seen or done["LastExecutionResult"]["StartTimeUtc"] >= started_after, seen
    result = done["LastExecutionResult"]
    assert result["Status"] == "Completed" and result["Key"] == "RefreshLibrary"
    assert result["EndTimeUtc"] >= result["StartTimeUtc"]
    movies = client.jellyfin.users("/Items", params={"Recursive": "true", "IncludeItemTypes": "Movie", "Limit": 0})
    assert movies["TotalRecordCount"] == media["summary"]["counts"]["movie"]


def test_socket_pushes_scheduled_tasks_and_activity(server):
    client, result = logged_in(server)
    token = result["AccessToken"]
    ws_url = server["url"].replace("http://", "ws://") + "/socket?api_key=%s&deviceId=ops-socket" % token
    ws = websocket.create_connection(ws_url, timeout=10)
    assert json.loads(ws.recv())["MessageType"] == "ForceKeepAlive"
    ws.send(json.dumps({"MessageType": "ScheduledTasksInfoStart", "Data": "0,1000"}))
    while True:
        msg = json.loads(ws.recv())
        if msg["MessageType"] == "ScheduledTasksInfo":
            break
    keys = {t["Key"]: t for t in msg["Data"]}
    assert "RefreshLibrary" in keys and keys["RefreshLibrary"]["State"] in ("Idle", "Running")
    assert all(isinstance(t["IsHidden"], bool) for t in msg["Data"])
    ws.send(json.dumps({"MessageType": "ScheduledTasksInfoStop"}))
    # New activity log entries are pushed while subscribed.
    ws.send(json.dumps({"MessageType": "ActivityLogEntryStart", "Data": "0,200"}))
    time.sleep(0.5)
    r = requests.post(server["url"] + "/Users/AuthenticateByName", json={"Username": "nobody-here", "Pw": "x"},
                      headers={"Authorization": 'MediaBrowser Client="t", Device="t", DeviceId="ops-w", Version="1"'})
    assert r.status_code == 401
    deadline = time.time() + 30
    while True:
        assert time.time() < deadline, "no ActivityLogEntry push"
        msg = json.loads(ws.recv())
        if msg["MessageType"] == "ActivityLogEntry" and any(
                e["Name"] == "Failed login try from nobody-here" for e in msg["Data"]):
            break
    ws.close()


def test_log_files_are_listed_and_readable(server):
    client, _ = logged_in(server)
    # A scan logs its outcome: today's file has a line from today.
    task = task_by_key(client, "RefreshLibrary")
    started_after = utc_now_iso()
    time.sleep(0.01)
    client.jellyfin._post("ScheduledTasks/Running/%s" % task["Id"])
    wait_idle_with_result_after(client, task["Id"], started_after)
    today = "log_%s.log" % datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d")
    files = client.jellyfin._get("System/Logs")
    entry = next((f for f in files if f["Name"] == today), None)
    assert entry is not None, files
    assert entry["Size"] > 0 and entry["DateModified"].endswith("Z")
    out = io.BytesIO()
    client.jellyfin._get_stream("System/Logs/Log", out, params={"name": today})
    text = out.getvalue().decode("utf-8")
    assert "library scanned" in text, text[-2000:]
    token = client.config.data["auth.token"]
    for name in ["../server_id", "..", "/etc/passwd", "log/../../server_id"]:
        r = requests.get(server["url"] + "/System/Logs/Log", params={"name": name}, headers={"X-Emby-Token": token})
        assert r.status_code == 404, name


def test_directory_browser_lists_the_media_folders(server, media):
    client, _ = logged_in(server)
    entries = client.jellyfin._get("Environment/DirectoryContents",
                                   params={"path": media["root"], "includeDirectories": "true"})
    names = [e["Name"] for e in entries]
    assert {"Movies", "Shows", "Music"} <= set(names) and names == sorted(names)
    assert all(e["Type"] == "Directory" and e["Path"] == os.path.join(media["root"], e["Name"]) for e in entries)
    parent = client.jellyfin._get("Environment/ParentPath", params={"path": os.path.join(media["root"], "Movies")})
    assert parent == media["root"]


def test_shutdown_stops_the_server_cleanly():
    data_dir = tempfile.mkdtemp(prefix="jellyfin-shutdown-")
    proc, url = start_server(data_dir)
    try:
        client, _ = logged_in({"url": url, "admin": ADMIN, "password": PASSWORD})
        client.jellyfin._post("System/Shutdown")
        assert proc.wait(timeout=30) == 0
        # Its own log file recorded the request.
        log_dir = os.path.join(data_dir, "log")
        text = ""
        for name in os.listdir(log_dir):
            with open(os.path.join(log_dir, name)) as f:
                text += f.read()
        assert "shutdown requested" in text
    finally:
        if proc.poll() is None:
            proc.kill()
        shutil.rmtree(data_dir, ignore_errors=True)
