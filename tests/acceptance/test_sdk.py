"""Acceptance: the real @jellyfin/sdk (npm; 1.x and 0.13) against the real binary, via node's test runner."""
import os
import shutil
import subprocess

import pytest

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sdk")


def test_jellyfin_sdk(server):
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("node and npm are required (scripts/install-deps.sh installs them)")
    if not os.path.isdir(os.path.join(HERE, "node_modules", "@jellyfin", "sdk")):
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE, check=True)
    env = dict(os.environ, SERVER_URL=server["url"], ADMIN=server["admin"], PASSWORD=server["password"])
    out = subprocess.run(["node", "--test", "sdk.test.mjs"], cwd=HERE, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
