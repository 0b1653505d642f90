"""The app is served one way: `make run`, with its settings in .streamlit/config.toml, by users, tests and
benchmarks alike. Streamlit's file watcher over the checkout (.venv included) once took half a core while idle."""

import os
import pathlib
import subprocess
import tomllib

import pytest

from bench.server import ROOT, server_pid

CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())


def inotify_watches(pid: int) -> int:
    """How many inotify watches a process holds (a file watcher holds one per folder it watches)."""
    count = 0
    for fd in pathlib.Path(f"/proc/{pid}/fd").iterdir():
        try:
            if os.readlink(fd) != "anon_inode:inotify":
                continue
            info = (pathlib.Path(f"/proc/{pid}/fdinfo") / fd.name).read_text()
        except OSError:
            continue
        count += sum(line.startswith("inotify wd:") for line in info.splitlines())
    return count


def test_the_production_settings_live_in_the_config():
    server = CONFIG["server"]
    assert server["fileWatcherType"] == "none" and server["runOnSave"] is False and server["headless"] is True
    assert CONFIG["browser"]["gatherUsageStats"] is False


def test_the_tests_serve_with_the_readmes_command():
    recipe = subprocess.run(["make", "-n", "--no-print-directory", "run", "HOST=127.0.0.1", "PORT=9999"],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip().splitlines()
    command = recipe[-1].split()
    assert command[1:4] == ["-m", "streamlit", "run"]
    # Settings on the command line would override the config for `make run` only: they all live in the config.
    assert [word for word in command if word.startswith("--")] == ["--server.address", "--server.port"]
    assert "make run" in (ROOT / "README.md").read_text()


@pytest.mark.slow
def test_the_served_app_watches_no_files(page, app_url):
    page.goto(app_url)  # the watcher starts with a session: 6,426 watches and an overflowing queue with it on
    page.get_by_text("Epoch").first.wait_for()
    pid = server_pid(app_url)
    assert pid is not None, "the test server's process was not found"
    assert inotify_watches(pid) == 0


@pytest.mark.slow
def test_the_server_runs_its_event_loop_on_uvloop(page, app_url):
    """Streamlit takes uvloop when it is installed (a dependency): the loop that serves the pages and the live
    channel in C."""
    page.goto(app_url)
    page.get_by_text("Epoch").first.wait_for()
    pid = server_pid(app_url)
    assert pid is not None, "the test server's process was not found"
    assert "uvloop/loop." in pathlib.Path(f"/proc/{pid}/maps").read_text()
