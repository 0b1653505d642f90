"""Per-session state of the Playground page: the spec (synced with the URL) and the id of its training job.

The page owns nothing but a spec and a job id in ``st.session_state``; the jobs live in one process-wide
registry, which stops jobs whose session ended (the tab closed) or whose page stopped polling.
"""

from __future__ import annotations

import hashlib
import logging
import sys

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from playground.controller import PlaygroundController
from playground.options import OPTIONS_BY_NAME
from playground.spec import HIDE_SUFFIX, RunSpec
from playground.training.registry import JobRegistry
from playground.training.workers import WorkerPool, worker_count
from playground.ui import server_loop

CONTROLLER = "controller"
URL_MESSAGES = "url_messages"
HIDDEN = "hidden_controls"
VIEW = "view_settings"
PRESENT = "present"  # the presentation-mode toggle's key, and its URL key


@st.cache_resource
def registry() -> JobRegistry:
    """One registry per server process, shared by every session; it drops the jobs of sessions that ended.
    A served app trains in worker processes (``PLAYGROUND_WORKERS``, default one per core); without a server
    (AppTest) or with ``PLAYGROUND_WORKERS=0``, in threads of this process."""
    _log_job_events()
    pool = None
    if served() and worker_count() > 0:
        pool = WorkerPool(worker_count(), loop=server_loop.server_loop())
        # A drained server (SIGTERM) ends its workers' runs before it goes, not after.
        server_loop.at_shutdown(pool.close)
    return JobRegistry(is_owner_alive=session_alive, count_sessions=open_sessions, pool=pool)


def served() -> bool:
    """Whether a real Streamlit server runs this script (AppTest runs it under a stand-in runtime: the page
    tests train in this process, as a notebook does)."""
    return Runtime.exists() and type(Runtime.instance()) is Runtime


def browser_id() -> str | None:
    """What all tabs of one browser share: Streamlit's XSRF cookie (None without it, e.g. in AppTest)."""
    try:
        token = st.context.cookies.get("_streamlit_xsrf")
    except Exception:  # noqa: BLE001 - no request context: no browser to tell apart
        return None
    # Set once per browser (Tornado sets it only when it is missing), so every tab sends the same value.
    return hashlib.sha256(token.encode()).hexdigest()[:16] if isinstance(token, str) and token else None


def open_sessions() -> int | None:
    """How many browser sessions this server has open (None without a server, or if Streamlit's session
    manager, which has no public accessor, changes)."""
    if not Runtime.exists():
        return None
    manager = getattr(Runtime.instance(), "_session_mgr", None)
    return manager.num_active_sessions() if hasattr(manager, "num_active_sessions") else None


def session_alive(session_id: str) -> bool:
    """Whether a session still has its browser connection. Streamlit keeps a disconnected session for a while
    (server.disconnectedSessionTTL) in case the browser reconnects, but it is not active meanwhile. Without a
    server (AppTest between runs) nothing says a session ended: alive."""
    if not Runtime.exists():
        return True
    return bool(Runtime.instance().is_active_session(session_id))


def session_id() -> str | None:
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else None


def _log_job_events() -> None:
    """One line per job created, started, ended, paused or dropped (with why) in the server's log, unless
    logging is configured already (then the lines go where the root logger sends them)."""
    log = logging.getLogger("playground")
    if log.level == logging.NOTSET:
        log.setLevel(logging.INFO)
    if not log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.__stderr__)  # the process's own: tests swap sys.stderr
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)


def controller() -> PlaygroundController:
    """The session's controller; on a session's first run its spec comes from the URL (bad parameters ->
    one warning, defaults used). Its jobs are owned by the session, so they end soon after it does."""
    if CONTROLLER not in st.session_state:
        parsed = RunSpec.from_query(st.query_params.to_dict())
        st.session_state[CONTROLLER] = PlaygroundController(registry(), parsed.spec, owner=session_id(),
                                                            browser=browser_id())
        st.session_state[URL_MESSAGES] = parsed.messages
        st.session_state[HIDDEN] = parsed.hidden
        st.session_state[VIEW] = dict(parsed.view)
    return st.session_state[CONTROLLER]


def view_flag(key: str) -> bool:
    """A view setting from the URL, such as present=true."""
    return st.session_state.get(VIEW, {}).get(key, "").lower() in ("true", "1", "yes")


def write_spec_to_url(spec: RunSpec) -> None:
    """Keep the address bar equal to the spec (plus the classroom's *_hide flags), so the link is shareable."""
    wanted = spec.to_query_dict()
    for name in sorted(st.session_state.get(HIDDEN, ())):
        wanted[OPTIONS_BY_NAME[name].key + HIDE_SUFFIX] = "true"
    if st.session_state.get(PRESENT):
        wanted[PRESENT] = "true"
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)


def hidden_controls() -> frozenset[str]:
    return st.session_state.get(HIDDEN, frozenset())


def take_url_messages() -> tuple[str, ...]:
    """The URL's problems, once (shown as one warning when the page opens)."""
    return st.session_state.pop(URL_MESSAGES, ())


def trained_run():
    """The Playground page's current run in this session, for the teaching pages: (spec, snapshot, dataset),
    or None when nothing has been trained yet."""
    page = st.session_state.get(CONTROLLER)
    if page is None:
        return None
    job = page.registry.get(page.job_id)
    if job is None:
        return None
    snapshot = job.snapshot()
    if snapshot.weights is None or snapshot.epoch == 0:
        return None
    return page.spec, snapshot, job.dataset
