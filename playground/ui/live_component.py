"""The Playground page's live views as a custom component (Streamlit's components v2, not isolated: its elements
are in the page's DOM, where the page's grid places them and tests find them). The views are drawn in the browser
(``live_component/*.js``, joined into one script, and ``live.css``, shipped as package data) from a scene
(``live_scene.build_scene``) and frames (``live_frames.LiveFrames.next_message``): the first frame rides with the
scene, so the views are complete at once; the next ones come over the live channel (``live_channel``) without a
script rerun.

The component talks back through two values: the trigger ``run_ended`` (a run left the training state: the page
re-runs once, to show Play instead of Pause and Plotly's chart) and the state ``channel_failed`` (the channel
never opened: the page falls back to refreshing its fragment).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

import streamlit as st

from playground.ui.live_channel import Ticket

KEY = "live_component"
NAME = "playground.live_views"


# The script's parts, joined into one ES module (the component takes its script inline): small DOM helpers,
# the loss curve, the other views, then the state, messages, channel and entry point (the default export).
SCRIPT_PARTS = ("dom.js", "curve.js", "views.js", "live.js")


def _asset(name: str) -> str:
    return resources.files("playground.ui").joinpath("live_component", name).read_text(encoding="utf-8")


def script() -> str:
    """The component's whole script."""
    return "\n".join(_asset(name) for name in SCRIPT_PARTS)


_component = st.components.v2.component(NAME, html="<div class='pg-live pg-live-component'></div>",
                                        css=_asset("live.css"), js=script(), isolate_styles=False)


def _ignore() -> None:
    """The trigger re-runs the page by itself; nothing else to do."""


def render(scene: dict, first_frame: dict | None, ticket: Ticket | None, key: str = KEY,
           on_spec_change: Callable[[], None] | None = None) -> bool:
    """Mount (or update) the live views. Returns whether the component says its channel failed.
    ``on_spec_change`` runs before the page run that a +/- button of the diagram starts; it finds the change,
    ``{"layers": +1 or -1}`` or ``{"units": [hidden layer index, +1 or -1]}``, in ``spec_change(key)``."""
    data = {"scene": scene, "frame": first_frame,
            "ticket": None if ticket is None else {"path": ticket.path, "token": ticket.token}}
    result = _component(key=key, data=data, default={"channel_failed": False}, width="stretch",
                        on_channel_failed_change=_ignore, on_run_ended_change=_ignore,
                        on_spec_change_change=on_spec_change or _ignore)
    return bool(getattr(result, "channel_failed", False))


def spec_change(key: str = KEY) -> dict | None:
    """The change a +/- button of the diagram asked for (in its ``on_spec_change`` callback), or None."""
    found = st.session_state.get(key)
    change = found.get("spec_change") if isinstance(found, dict) else None
    return change if isinstance(change, dict) else None
