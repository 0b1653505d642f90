"""Start the app (`make run`: `streamlit run serve.py`) on 127.0.0.1 for browser tests and benchmarks, and Debian's Chromium for them."""

from __future__ import annotations

import contextlib
import os
import pathlib
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying to reach hosts this machine cannot reach.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(log_path: pathlib.Path | None = None, startup_timeout: float = 90.0, *,
                     env: dict[str, str] | None = None, poll_interval: float = 0.2) -> Iterator[str]:
    """Serve the app on a free loopback port with the README's own command (`make run`), so tests and
    benchmarks see what users get (a setting that differed once hid a file watcher burning a core); yields
    its base URL once it answers the health check (polled every ``poll_interval`` s); stops it afterwards.
    ``env``: variables added to this process's environment for the server (e.g. PLAYGROUND_LIVE_CHANNEL=off)."""
    port = free_port()
    log = open(log_path, "w") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed below
    # Its own process group: make starts Streamlit as a child, and both must stop.
    server = subprocess.Popen(["make", "--no-print-directory", "run", "HOST=127.0.0.1", f"PORT={port}"],
                              cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                              env={**os.environ, **env} if env else None)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, server, startup_timeout, f"streamlit did not start (see {log_path or 'its output'})",
                        poll_interval)
        yield url
    finally:
        _stop_group(server)
        if log_path:
            log.close()


def wait_for_health(url: str, process: subprocess.Popen, timeout: float, failure: str,
                    poll_interval: float = 0.2) -> None:
    """Wait until ``url`` answers Streamlit's health check (nginx passes it on); RuntimeError(failure) when the
    process ends or the time is up first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(failure)
        time.sleep(poll_interval)


def _stop_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


def server_pid(url: str) -> int | None:
    """The process id of the Streamlit server behind a loopback URL started by ``streamlit_server``."""
    port = url.rsplit(":", 1)[1].split("/")[0]
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in arguments and b"--server.port" in arguments and port.encode() in arguments:
            return int(entry.name)
    return None


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A headless Debian Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
