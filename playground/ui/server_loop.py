"""The serving process's event loop, for what runs on it besides Streamlit: the live channels
(``live_channel``) and the reading of the training workers' updates (``WorkerPool(loop=...)``). ``serve.py``
hands ``lifespan`` to ``st.App``; without it (AppTest, `streamlit run app.py`) ``server_loop()`` is None and the
workers are read by threads."""

from __future__ import annotations

import asyncio
import contextlib
import logging

log = logging.getLogger("playground.server")
_server_loop: asyncio.AbstractEventLoop | None = None
_shutdown_callbacks: list = []


@contextlib.asynccontextmanager
async def lifespan(app):
    """The server's lifespan (``st.App(..., lifespan=server_loop.lifespan)``): notes the server's event loop,
    on which the channels run and the training workers' updates are read (``server_loop``), and at the end
    calls what asked to be told (``at_shutdown``)."""
    global _server_loop
    _server_loop = asyncio.get_running_loop()
    try:
        yield None
    finally:
        _server_loop = None
        for callback in reversed(_shutdown_callbacks):
            try:
                callback()
            except Exception:  # noqa: BLE001 - the others still run
                log.exception("a shutdown callback failed")


def at_shutdown(callback) -> None:
    """Call ``callback()`` when the server stops gracefully (SIGTERM, Ctrl-C): uvicorn then ends the process by
    the same signal, so exit handlers would not run."""
    _shutdown_callbacks.append(callback)


def server_loop() -> asyncio.AbstractEventLoop | None:
    """The serving event loop, when ``lifespan`` runs in this process (``serve.py``), else None."""
    return _server_loop
