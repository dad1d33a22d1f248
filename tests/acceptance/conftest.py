"""Starts the real `jellyfin-server` binary on a free loopback port for acceptance tests."""
import os
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest

ADMIN = "admin"
PASSWORD = "s3cret pass"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server():
    binary = os.environ.get("JELLYFIN_SERVER_BIN", os.path.join(ROOT, "target", "debug", "jellyfin-server"))
    data_dir = tempfile.mkdtemp(prefix="jellyfin-acceptance-")
    port = _free_port()
    proc = subprocess.Popen(
        [binary, "--data-dir", data_dir, "--bind", "127.0.0.1", "--port", str(port), "--server-name", "acceptance",
         "--admin-user", ADMIN, "--admin-password", PASSWORD],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/System/Ping", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                raise RuntimeError("jellyfin-server did not start")
            time.sleep(0.05)
    with open(os.path.join(data_dir, "server_id")) as f:
        server_id = f.read().strip()
    yield {"url": url, "id": server_id, "proc": proc, "admin": ADMIN, "password": PASSWORD}
    proc.terminate()
    assert proc.wait(timeout=30) == 0, "server did not exit cleanly on SIGTERM"
