"""`make serve-replicas`: N replicas of the app behind Debian's nginx, on one loopback port, without Docker.

Each replica is served exactly as `make run` serves the app (bench.server.streamlit_server calls `make run` on a
free loopback port); nginx serves deploy/nginx.conf with the replica list and the listen address rewritten, as a
foreground process with its own pid file and logs (in a run folder) and temporary files (in a folder removed at
the end), none of the system's. Ctrl-C, SIGTERM or the end of the parent `make` stops nginx, then every replica.

    python deploy/serve_replicas.py --replicas 2 --port 8500 [--run-dir DIR]

The run folder holds nginx.conf (the main file), playground.conf (deploy/nginx.conf as served), access.log (one
JSON line per request, with the replica that answered), error.log, replica-N.log and state.json (the URL, the
replica URLs, the log paths), written once everything answers. A folder given with --run-dir is kept; the
default temporary one is removed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

from bench.server import ROOT, streamlit_server, wait_for_health

DEPLOY_CONF = ROOT / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
REPLICAS_BLOCK = re.compile(r"^([ \t]*)# replicas: begin.*?\n.*?^[ \t]*# replicas: end[^\n]*\n", re.M | re.S)
LISTEN = re.compile(r"^([ \t]*)listen [^;]*;", re.M)


def served_conf(replicas: list[str], listen: str, conf: str | None = None) -> str:
    """deploy/nginx.conf with its replica list and its listen address replaced, and nothing else changed."""
    conf = DEPLOY_CONF.read_text() if conf is None else conf

    def servers(match: re.Match) -> str:
        indent = match.group(1)
        lines = [f"{indent}server {address} max_fails=1 fail_timeout=10s;\n" for address in replicas]
        return f"{indent}# replicas: begin (make serve-replicas)\n{''.join(lines)}{indent}# replicas: end\n"

    conf, replaced = REPLICAS_BLOCK.subn(servers, conf)
    if replaced != 1:
        raise ValueError("deploy/nginx.conf must hold one '# replicas: begin' ... '# replicas: end' block")
    conf, replaced = LISTEN.subn(lambda match: f"{match.group(1)}listen {listen};", conf)
    if replaced != 1:
        raise ValueError("deploy/nginx.conf must hold one listen directive")
    return conf


def main_conf(run_dir: pathlib.Path, temp_dir: pathlib.Path) -> str:
    """The main nginx file around playground.conf: one worker, its own pid file, logs and temporary files."""
    temp = "\n".join(f"    {kind}_temp_path {temp_dir / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                               "uwsgi", "scgi"))
    return (f"daemon off;\nworker_processes 1;\npid {run_dir / 'nginx.pid'};\nerror_log {run_dir / 'error.log'};\n"
            f"events {{\n    worker_connections 1024;\n}}\nhttp {{\n{temp}\n"
            f"    include {run_dir / 'playground.conf'};\n}}\n")


def port_is_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


@contextlib.contextmanager
def nginx(run_dir: pathlib.Path, replicas: list[str], host: str, port: int) -> Iterator[subprocess.Popen]:
    """Debian's nginx in the foreground, serving deploy/nginx.conf for these replicas; stopped on exit."""
    (run_dir / "playground.conf").write_text(served_conf(replicas, f"{host}:{port}"))
    # Started as root, nginx's workers run as nobody: they buffer large uploads and responses in temporary
    # folders that nginx creates (owned by nobody) in a folder they can reach, whatever the run folder's parents.
    temp_dir = pathlib.Path(tempfile.mkdtemp(prefix="playground-nginx-"))
    temp_dir.chmod(0o755)
    (run_dir / "nginx.conf").write_text(main_conf(run_dir, temp_dir))
    access_log = open(run_dir / "access.log", "ab")  # noqa: SIM115 - closed below; the conf logs to /dev/stdout
    command = [NGINX, "-p", str(run_dir), "-e", str(run_dir / "error.log"), "-c", str(run_dir / "nginx.conf")]
    checked = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True)
    if checked.returncode != 0:
        access_log.close()
        shutil.rmtree(temp_dir, ignore_errors=True)
        raise RuntimeError(f"nginx refused the configuration:\n{checked.stderr}")
    server = subprocess.Popen(command, stdout=access_log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_health(f"http://{host}:{port}", server, 30.0, f"nginx did not answer on {host}:{port}")
        yield server
    finally:
        if server.poll() is None:
            server.terminate()  # nginx's fast shutdown: open websockets would hold a graceful one for an hour
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(5)
        access_log.close()
        shutil.rmtree(temp_dir, ignore_errors=True)


def stop_with_parent() -> None:
    """Have the kernel send SIGTERM when the parent (`make serve-replicas`) ends: make does not pass its own
    SIGTERM on to the command it runs."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def on_signal(signum, frame) -> None:
    # The first signal stops everything; a second one (Ctrl-C hits make too, which then ends) must not cut the
    # clean-up short.
    for handled in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(handled, signal.SIG_IGN)
    raise SystemExit(0)


def serve(replica_count: int, host: str, port: int, run_dir: pathlib.Path) -> None:
    if not os.path.exists(NGINX):
        raise SystemExit(f"{NGINX} is missing: `make serve-replicas` installs Debian's nginx")
    if not port_is_free(host, port):
        raise SystemExit(f"{host}:{port} is in use: choose another with PORT=")
    url = f"http://{host}:{port}"
    (run_dir / "state.json").unlink(missing_ok=True)  # a kept folder's last run is over
    with contextlib.ExitStack() as stack:
        replica_urls = []
        for number in range(1, replica_count + 1):
            replica_urls.append(stack.enter_context(streamlit_server(run_dir / f"replica-{number}.log")))
            print(f"replica {number}: {replica_urls[-1]}", flush=True)
        replicas = [replica_url.removeprefix("http://") for replica_url in replica_urls]
        proxy = stack.enter_context(nginx(run_dir, replicas, host, port))
        state = {"url": url, "replicas": replica_urls, "run_dir": str(run_dir),
                 "access_log": str(run_dir / "access.log"), "nginx_pid": proxy.pid}
        (run_dir / "state.json.part").write_text(json.dumps(state, indent=1))
        (run_dir / "state.json.part").rename(run_dir / "state.json")  # whole, for whoever waits for it
        plural = "s" if replica_count > 1 else ""
        print(f"serving {url} with {replica_count} replica{plural} behind nginx (access log: "
              f"{run_dir / 'access.log'}); Ctrl-C stops them all", flush=True)
        while proxy.poll() is None:
            time.sleep(0.5)
        raise SystemExit(f"nginx stopped (exit status {proxy.returncode}); see {run_dir / 'error.log'}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=int(os.environ.get("REPLICAS", 2)))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8500)
    parser.add_argument("--run-dir", type=pathlib.Path, help="keep nginx's files and the logs here")
    args = parser.parse_args(argv)
    if args.replicas < 1:
        parser.error("--replicas must be 1 or more")
    stop_with_parent()
    for handled in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(handled, on_signal)
    if args.run_dir:
        args.run_dir.mkdir(parents=True, exist_ok=True)
        serve(args.replicas, args.host, args.port, args.run_dir.resolve())
    else:
        run_dir = pathlib.Path(tempfile.mkdtemp(prefix="playground-replicas-"))
        try:
            serve(args.replicas, args.host, args.port, run_dir)
        finally:
            shutil.rmtree(run_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
