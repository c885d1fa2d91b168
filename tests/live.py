"""A real server and a real browser for end-to-end tests: uvicorn on a free loopback port, Debian's Chromium."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

CHROMIUM = os.environ.get("RESSURSBANK_CHROMIUM") or "/usr/bin/chromium"
#: Flags for Chromium as root in a closed network (no sandbox, no background connections).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def has_chromium() -> bool:
    return Path(CHROMIUM).exists()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def live_server(database_url: str, home: Path, *, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """uvicorn serving ``create_app`` over ``database_url``; yields the base URL and kills the server after."""
    port = free_port()
    env = {**os.environ, "RESSURSBANK_DATABASE_URL": database_url, "RESSURSBANK_HOME": str(home)}
    env.pop("RESSURSBANK_PLANNER", None)
    env.update(extra_env or {})
    command = [sys.executable, "-m", "uvicorn", "ressursbank.api.app:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode() if process.stderr else "server died")
        yield base
    finally:
        process.kill()
        process.wait(timeout=10)


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
