"""Replicas behind nginx (issue 13): the configuration deploy/ ships, the image's settings, and a class of browser
sessions served through `make serve-replicas` (2 replicas of `make run` behind Debian's nginx) in Chromium."""

from __future__ import annotations

import contextlib
import difflib
import importlib.util
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import tomllib

import pytest
from csv_samples import pima_csv

from bench.server import CHROMIUM, ROOT, free_port, server_pid
from playground.spec import RunSpec
from tests.conftest import ARTIFACTS
from tests.test_browser_playground import download, wait_for_app

# deploy/serve_replicas.py is a script (deploy/ is no package): loaded from its file, as `make serve-replicas` runs it.
_spec = importlib.util.spec_from_file_location("serve_replicas", ROOT / "deploy" / "serve_replicas.py")
launcher = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(launcher)
NGINX, REPLICAS_BLOCK, served_conf = launcher.NGINX, launcher.REPLICAS_BLOCK, launcher.served_conf

CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
DEPLOY_CONF = (ROOT / "deploy" / "nginx.conf").read_text()
DOCKERFILE = (ROOT / "Dockerfile").read_text()

SESSIONS = 4  # browser contexts, each its own browser with its own cookies: at least this many...
MAX_SESSIONS = 12  # ...and more until both replicas serve one (the affinity key is random: 1 run in 8 needs more)
AFFINITY_COOKIE = "playground_affinity"


# The configuration, read without serving anything.

def test_make_serve_replicas_serves_deploy_nginx_conf_with_only_the_replicas_and_the_address_changed():
    served = served_conf(["127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"], "127.0.0.1:9000")
    block = REPLICAS_BLOCK.search(served).group(0)
    assert re.findall(r"server (\S+) ", block) == ["127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"]
    changed = [line for line in difflib.ndiff(DEPLOY_CONF.splitlines(), served.splitlines())
               if line[:2] in ("- ", "+ ")]
    replica_lines = {line.strip() for text in (block, REPLICAS_BLOCK.search(DEPLOY_CONF).group(0))
                     for line in text.splitlines()}
    others = [line for line in changed if line[2:].strip() not in replica_lines]
    assert [line[2:].split("#")[0].strip() for line in others] == ["listen 8500;", "listen 127.0.0.1:9000;"]
    # The block compose serves: every replica of the `app` service, which Docker's DNS resolves.
    assert re.findall(r"server (\S+) ", REPLICAS_BLOCK.search(DEPLOY_CONF).group(0)) == ["app:8501"]


def test_the_proxy_lets_through_every_upload_streamlit_accepts():
    assert CONFIG["server"]["enableXsrfProtection"] is True
    body_limit = re.search(r"client_max_body_size (\d+)m;", DEPLOY_CONF)
    assert body_limit and int(body_limit.group(1)) == CONFIG["server"]["maxUploadSize"] + 1  # + the envelope
    compose = (ROOT / "deploy" / "compose.yaml").read_text()
    kubernetes = (ROOT / "deploy" / "kubernetes.yaml").read_text()
    assert "./nginx.conf:/etc/nginx/conf.d/default.conf:ro" in compose
    assert f'proxy-body-size: "{body_limit.group(1)}m"' in kubernetes
    assert kubernetes.count("path: /_stcore/health") >= 2  # readiness and liveness


def test_the_image_serves_with_make_runs_command_and_the_config():
    command = json.loads(re.search(r"^CMD (\[.*\])$", DOCKERFILE, re.M).group(1))
    recipe = subprocess.run(["make", "-n", "--no-print-directory", "run", "HOST=0.0.0.0", "PORT=8501"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1].split()
    assert command[1:] == recipe[1:]  # the same arguments; the image's python instead of .venv's
    assert re.search(r"^FROM python:3\.11-slim$", DOCKERFILE, re.M)
    assert re.search(r"^USER (?!0\b|root\b)[\w:]+$", DOCKERFILE, re.M)
    assert "http://127.0.0.1:8501/_stcore/health" in re.search(r"^HEALTHCHECK .*(\n +.*)*", DOCKERFILE, re.M).group(0)


def dockerignore_keeps(path: str, patterns: list[str]) -> bool:
    """Whether Docker sends a path in the build context: the last pattern matching it or one of its parent folders
    decides (Docker's own rule); `*` does not cross `/`, `**` does."""
    parts = path.split("/")
    candidates = ["/".join(parts[:end]) for end in range(1, len(parts) + 1)]
    kept = True
    for pattern in patterns:
        negated = pattern.startswith("!")
        body = pattern.lstrip("!").strip("/")
        regex = re.escape(body).replace(r"\*\*/", "(.*/)?").replace(r"\*", "[^/]*")
        if any(re.fullmatch(regex, candidate) for candidate in candidates):
            kept = negated
    return kept


def test_the_build_context_holds_what_the_dockerfile_copies_and_no_more():
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    copied = [source for line in re.findall(r"^COPY (.+)$", DOCKERFILE, re.M) for source in line.split()[:-1]]
    assert copied and all((ROOT / source).exists() for source in copied)
    for source in copied:
        files = [path for path in tracked if path == source or path.startswith(f"{source}/")]
        assert files and all(dockerignore_keeps(path, patterns) for path in files), source
    for left_out in (".git/config", ".venv/bin/python", "tests/conftest.py", "test-artifacts/streamlit.log",
                     "playground/__pycache__/spec.cpython-311.pyc", ".streamlit/secrets.toml", "Makefile"):
        assert not dockerignore_keeps(left_out, patterns), left_out


@pytest.mark.slow  # needs Debian's nginx, which `make test` installs (as it installs Chromium)
def test_nginx_accepts_the_served_configuration(tmp_path):
    if not os.path.exists(NGINX):
        pytest.fail(f"{NGINX} is missing: `make test` installs Debian's nginx")
    (tmp_path / "playground.conf").write_text(served_conf(["127.0.0.1:9001", "127.0.0.1:9002"], "127.0.0.1:9000"))
    (tmp_path / "nginx.conf").write_text(launcher.main_conf(tmp_path, tmp_path))
    checked = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
                              "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


# A class through the proxy, in Chromium.

def log_entries(path: pathlib.Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def replica_of(key: str, access_log: pathlib.Path) -> set[str]:
    return {entry["upstream"] for entry in log_entries(access_log) if entry["affinity"] == key}


def answers(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def exercise(page, url: str, number: int) -> dict:
    """One student's session: open the page, upload a CSV file, see the output picture, download the spec. The
    file (55 kB) is larger than nginx's in-memory body buffer: nginx passes it on through a temporary file."""
    page.goto(f"{url}/?dataset=csv&layers=6&activation=relu&optimizer=adam&lr=0.01&batch=16&train=80&seed={number}")
    page.get_by_text("none is loaded").wait_for()
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": f"class-{number}.csv", "mimeType": "text/csv", "buffer": pima_csv(1000, seed=number)}])
    wait_for_app(page)
    page.get_by_text("none is loaded").wait_for(state="detached")
    picture = page.locator(".pg-output img").first
    picture.wait_for()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=picture.element_handle())
    source = picture.get_attribute("src")
    page.get_by_text("Share and export").click()
    spec = RunSpec.from_json(pathlib.Path(download(page, "Spec JSON").path()).read_text())
    assert spec.ok and spec.spec.dataset == "csv" and spec.spec.seed == number, spec.messages
    assert page.get_by_test_id("stException").count() == 0
    return {"picture": source if not source.startswith("data:") else "inline"}


@contextlib.contextmanager
def serve_replicas(run_dir: pathlib.Path, port: int):
    """`make serve-replicas` (2 replicas) on a free port; yields its state.json and the make process."""
    log = open(run_dir / "make.log", "w")  # noqa: SIM115 - closed below
    make = subprocess.Popen(["make", "--no-print-directory", "serve-replicas", f"PORT={port}", "REPLICAS=2",
                             f"REPLICAS_DIR={run_dir}"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    state_file = run_dir / "state.json"
    state = None
    try:
        deadline = time.monotonic() + 180
        while not state_file.exists():
            if make.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"make serve-replicas did not start: {(run_dir / 'make.log').read_text()}")
            time.sleep(0.3)
        state = json.loads(state_file.read_text())
        yield state, make
    finally:
        if make.poll() is None:
            make.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                make.wait(40)
        # Whatever is left (only if the clean stop under test failed) must not outlive the test.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(make.pid, signal.SIGKILL)
        for replica in (state or {}).get("replicas", []):
            pid = server_pid(replica)
            if pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        log.close()


@pytest.mark.slow
def test_a_class_through_nginx_each_session_on_one_replica(browser):
    if not os.path.exists(NGINX):
        pytest.fail(f"{NGINX} is missing: `make test` installs Debian's nginx")
    assert os.path.exists(CHROMIUM)
    run_dir = pathlib.Path(tempfile.mkdtemp(prefix="test-replicas-"))
    port = free_port()
    started = time.monotonic()
    try:
        with serve_replicas(run_dir, port) as (state, make):
            url, access_log = state["url"], pathlib.Path(state["access_log"])
            replicas = {replica.removeprefix("http://") for replica in state["replicas"]}
            assert url == f"http://127.0.0.1:{port}" and len(replicas) == 2
            sessions = []  # (context, page, affinity key, replica, what the session saw)
            while len(sessions) < MAX_SESSIONS and (
                    len(sessions) < SESSIONS or len({session[3] for session in sessions}) < 2):
                context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
                page = context.new_page()
                page.set_default_timeout(90_000)
                seen = exercise(page, url, len(sessions) + 1)
                key = next(cookie["value"] for cookie in context.cookies() if cookie["name"] == AFFINITY_COOKIE)
                served_by = replica_of(key, access_log)
                assert len(served_by) == 1 and served_by <= replicas, served_by
                sessions.append((context, page, key, served_by.pop(), seen))
            assert {session[3] for session in sessions} == replicas, "one replica served every session"

            # Every session is still alive and on its replica after the others arrived: a second download.
            for number, (_, page, _, _, _) in enumerate(sessions, start=1):
                saved = download(page, "Spec JSON")
                assert RunSpec.from_json(pathlib.Path(saved.path()).read_text()).spec.seed == number
            for context, *_ in sessions:
                context.close()  # closes the websockets: nginx logs each when it closes
            time.sleep(1)

            # Stopping make stops everything: nginx and both replicas, ports free again.
            nginx_pid = state["nginx_pid"]
            make.send_signal(signal.SIGTERM)
            make.wait(40)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and (answers(port) or any(
                    answers(int(replica.rsplit(":", 1)[1])) for replica in replicas)):
                time.sleep(0.5)
            assert not answers(port) and not any(answers(int(replica.rsplit(":", 1)[1])) for replica in replicas)
            assert not pathlib.Path(f"/proc/{nginx_pid}").exists()
            assert all(server_pid(f"http://{replica}") is None for replica in replicas)

        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(access_log, ARTIFACTS / "replicas-access.log")
        errors = (run_dir / "error.log").read_text()
        assert not re.findall(r"\[(?:error|crit|alert|emerg)\].*", errors), errors
        entries = log_entries(access_log)
        for _, _, key, replica, seen in sessions:
            mine = [entry for entry in entries if entry["affinity"] == key]
            assert {entry["upstream"] for entry in mine} == {replica}  # the whole life on one replica
            requests = [(entry["request"].split()[0], entry["request"].split()[1].split("?")[0], entry["status"])
                        for entry in mine]
            assert [r for r in requests if r[1] == "/_stcore/stream"] == [("GET", "/_stcore/stream", 101)]
            assert any(method == "PUT" and path.startswith("/_stcore/upload_file/") and status in (200, 204)
                       for method, path, status in requests), requests
            media = [r for r in requests if r[1].startswith("/media/")]
            assert len(media) >= 2 and all(status == 200 for _, _, status in media), media  # two downloads
            if seen["picture"] != "inline":  # an st.image picture is fetched too
                assert ("GET", seen["picture"].split("?")[0], 200) in requests
            assert not [r for r in requests if r[2] >= 400], requests
        shares = sorted(sum(session[3] == replica for session in sessions) for replica in replicas)
        print(f"\n{len(sessions)} sessions ({shares[0]} and {shares[1]} per replica), {len(entries)} requests, "
              f"{time.monotonic() - started:.0f} s")
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
