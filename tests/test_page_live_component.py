"""AppTest of the page with a live channel (its ticket stubbed: AppTest serves no websocket route): the live views
are the component, mounted with its scene and a full first frame; the session's frames follow the run; a channel
that failed, or none, gives the refreshing fragment's views."""

import json
import time

import pytest
from streamlit.testing.v1 import AppTest

from playground.ui import live_channel
from playground.ui.live import CHANNEL_FAILED, FRAMES
from tests.test_page_playground import APP


@pytest.fixture
def channel(monkeypatch):
    monkeypatch.setattr(live_channel, "ticket", lambda source: live_channel.Ticket(live_channel.ROUTE_PATH, "token"))


def open_page(query=None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query or {}).items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, [exception.value for exception in app.exception]
    return app


def component_data(app: AppTest) -> dict | None:
    for element in app.get("bidi_component"):
        if element.proto.component_name == "playground.live_views":
            proto = element.proto
            return json.loads(proto.mixed.json if proto.WhichOneof("data") == "mixed" else proto.json)
    return None


def fragment_views(app: AppTest) -> list[str]:
    return [item.value for item in app.markdown if "class='pg-live'" in item.value]


def test_with_a_ticket_the_component_draws_the_views_from_its_scene_and_first_frame(channel):
    app = open_page()
    data = component_data(app)
    assert data is not None and not fragment_views(app)
    assert data["ticket"] == {"path": live_channel.ROUTE_PATH, "token": "token"}
    scene, frame = data["scene"], data["frame"]
    assert frame["full"] and frame["scene_id"] == scene["scene_id"]
    assert frame["status"]["epoch"] == "0" and frame["status"]["line"].startswith("Ready")
    assert frame["grids"]["output"] and not scene["training"] and scene["network"]["edit"]["units"] == [4, 2]
    assert not app.get("plotly_chart")  # the component draws the loss curve too (no Plotly on the first paint)


def test_play_mounts_a_training_scene_and_the_sessions_frames_follow_the_run(channel):
    app = open_page({"epochs": "100000"})
    app.button(key="play").click().run()
    scene = component_data(app)["scene"]
    assert scene["training"] and scene["curve"]["width"] > 0
    frames = app.session_state[FRAMES]
    cursor = {}
    assert frames.next_message(cursor)["full"]
    deadline = time.monotonic() + 60
    message = None
    while time.monotonic() < deadline and not (message and message.get("history_added")):
        time.sleep(0.2)
        message = frames.next_message(cursor)
    assert message and "full" not in message and message["history_added"]["length"], message  # new records only
    app.button(key="pause").click().run()
    if component_data(app)["scene"]["training"]:  # the page ran before the run paused: the channel says it ended
        ended, deadline = None, time.monotonic() + 30
        while ended is None and time.monotonic() < deadline:
            message = frames.next_message(cursor) or {}
            ended = message.get("status", {}).get("ended")
            time.sleep(0.05)
        snapshot = frames.context.snapshot_source()
        assert ended == f"{snapshot.job_id}:{snapshot.epoch}"
        app.run()  # what the component's run_ended trigger does
    assert not component_data(app)["scene"]["training"]


def test_presentation_mode_scales_the_scene(channel):
    plain = component_data(open_page())["scene"]
    presenting = component_data(open_page({"present": "true"}))["scene"]
    assert presenting["present"] and presenting["output"]["pixels"] > plain["output"]["pixels"]
    assert presenting["network"]["radius"] > plain["network"]["radius"]
    assert presenting["curve"]["width"] > plain["curve"]["width"]


def test_hidden_layer_controls_leave_the_diagram_without_buttons(channel):
    scene = component_data(open_page({"layers_hide": "true"}))["scene"]
    assert scene["network"]["edit"] is None


def test_a_failed_channel_or_none_gives_the_fragments_views(channel):
    app = open_page()
    app.session_state[CHANNEL_FAILED] = True
    app.run()
    assert component_data(app) is None and fragment_views(app)


def test_without_a_channel_the_page_refreshes_its_fragment():
    app = open_page()
    assert component_data(app) is None and fragment_views(app)


def test_each_snapshot_the_channel_takes_counts_as_the_page_watching_its_run(channel):
    """With no fragment re-running, the registry pauses a run nobody polls for 15 s: the source the page hands
    the channel must touch the page's job at each snapshot."""
    app = open_page()
    context = app.session_state[FRAMES].context
    job = context.changes  # the page's job, whose changes wake the channel
    job.last_polled = 0.0
    snapshot = context.snapshot_source()
    assert snapshot.job_id == job.id and job.last_polled > 0.0
