"""The Playground page: controls, transport, live loss curve. Thin: widgets in, library calls, drawing out."""

import streamlit as st

from playground.spec import RunSpec
from playground.training import Status
from playground.ui import controls, session
from playground.views.curves import loss_figure

REFRESH_SECONDS = 0.25  # live views refresh 4 times a second while training, not at all when idle

controller = session.controller()
url_messages = session.take_url_messages()
if url_messages:
    st.warning("Some settings in the link were ignored, and defaults used instead:\n\n"
               + "\n".join(f"- {message}" for message in url_messages), icon=":material/link_off:")

with st.sidebar:
    values = controls.render_controls(controller.spec, session.hidden_controls())
parsed = RunSpec.from_values(values)
for message in parsed.messages:
    st.info(message, icon=":material/info:")
notice = controller.change_spec(parsed.spec)
if notice:
    st.toast(notice, icon=":material/restart_alt:")
session.write_spec_to_url(controller.spec)

snapshot = controller.snapshot()
running = snapshot.status in (Status.STARTING, Status.RUNNING)

buttons = st.columns([1, 1, 1, 5], vertical_alignment="center")
if running:
    buttons[0].button("Pause", icon=":material/pause:", on_click=controller.pause, key="pause", type="primary",
                      width="stretch")
else:
    buttons[0].button("Play", icon=":material/play_arrow:", on_click=controller.play, key="play", type="primary",
                      width="stretch")
buttons[1].button("Step", icon=":material/skip_next:", on_click=controller.step, key="step", width="stretch",
                  help="Train exactly one epoch, then pause.")
buttons[2].button("Reset", icon=":material/restart_alt:", on_click=controller.reset, key="reset", width="stretch",
                  help="Back to epoch 0 and the initial weights.")


@st.fragment(run_every=REFRESH_SECONDS if running else None)
def live_views() -> None:
    current = controller.snapshot()
    last = current.last
    status = st.columns(4)
    status[0].metric("Epoch", f"{current.epoch:,}")
    status[1].metric("Train loss", "–" if last is None else f"{last['loss']:.4f}")
    status[2].metric("Test loss", "–" if last is None else f"{last['test_loss']:.4f}")
    status[3].metric("Status", str(current.status))
    if current.status == Status.DIVERGED:
        st.error(f"Diverged: {current.message}", icon=":material/warning:")
    elif current.status == Status.FAILED:
        st.error(f"Training failed: {current.message}", icon=":material/error:")
    elif current.message:
        st.caption(current.message)
    st.plotly_chart(loss_figure(current.history, current.metric), key="loss_curve")
    if running and current.status not in (Status.STARTING, Status.RUNNING):
        st.rerun()  # the run paused or ended: redraw the page once, which stops the refreshing


live_views()
controller.preload()
