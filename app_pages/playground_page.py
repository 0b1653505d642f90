"""The Playground page: controls, transport, live views, sharing and exports.

Thin: widgets in, library calls, drawing out. The training runs in the library's background thread; this page
reads snapshots of it: the live views are drawn in the browser from frames sent over the live channel, or, without
the channel, refreshed up to 5 times a second by a fragment while it trains (less often when the server is busy).
"""

import streamlit as st

from playground.data.sources import NO_CSV_MESSAGE
from playground.training.job import Status
from playground.ui import controls, data_panel, evaluation_panel, exports, live, session, style

HEARTBEAT_SECONDS = 30  # an open page polls its job at least this often, so the registry keeps it
RESULT_TABS = "result_tabs"  # the open tab of the evaluation, history, explanation and comparison
SHARE_PANEL = "share_panel"  # whether "Share and export" is open
# The evaluation tabs refresh this often while training. A refresh is a fragment rerun: about 7.5 ms of the web
# process's CPU (2.5 ms a second at every 3 s, a tenth of what the page's live channel costs while it trains;
# a class of 30 multiplies it), and its numbers move little in a few seconds of a run.
EVALUATION_SECONDS = 5


def playground_page() -> None:
    """The spec from the link and the controls, the data, Play/Pause/Step/Reset, the live views (refreshed while
    training), the evaluation tabs, sharing and exports."""
    controller = session.controller()
    presenting = st.session_state.setdefault("present", session.view_flag("present"))
    style.apply(presenting)

    url_messages = session.take_url_messages()
    if url_messages:
        st.warning("Some settings in the link were ignored, and defaults used instead:\n\n"
                   + "\n".join(f"- {message}" for message in url_messages), icon=":material/link_off:")

    with st.sidebar:
        values = controls.render_controls(controller.spec, session.hidden_controls(), controller.table_of)
    parsed = controls.read_spec(values)
    for message in parsed.messages:
        st.info(message, icon=":material/info:")
    notice = controller.change_spec(parsed.spec)
    if notice:
        st.toast(notice, icon=":material/restart_alt:")
    session.write_spec_to_url(controller.spec)

    loaded = controller.data()
    if controller.spec.is_table:
        if controller.spec.dataset == "csv":
            data_panel.render_upload(controller)
        if loaded.table is not None:
            with st.expander("Data", icon=":material/table:", expanded=loaded.dataset is None):
                data_panel.render_table(controller, loaded)
        if controller.spec.dataset == "csv" and controller.csv_table is None:
            st.info(NO_CSV_MESSAGE, icon=":material/upload_file:")
        else:
            data_panel.render_problems(loaded)
    elif loaded.dataset is None:  # 2-D points over the server's limits (the spec's rules keep a page's under them)
        data_panel.render_problems(loaded)
    if loaded.dataset is None:
        return  # nothing to train: the messages above say why and what to do

    snapshot = controller.snapshot()
    running = snapshot.status in (Status.STARTING, Status.RUNNING)

    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="transport"):
        if running:
            st.button("Pause", icon=":material/pause:", on_click=controller.pause, key="pause", type="primary")
        else:
            st.button("Play", icon=":material/play_arrow:", on_click=controller.play, key="play", type="primary",
                      help="Train until the epoch limit; the views update live.")
        st.button("Step", icon=":material/skip_next:", on_click=controller.step, key="step",
                  help="Train exactly one epoch, then pause.")
        st.button("Reset", icon=":material/restart_alt:", on_click=controller.reset, key="reset",
                  help="Back to epoch 0 and the same initial weights (the seed decides them).")
        st.space("stretch")
        st.toggle("Presentation mode", key="present", help="Larger type and no sidebar, for a projector.")
    refusal = controller.take_refusal()
    if refusal:
        st.warning(refusal, icon=":material/hourglass_top:")

    if "binary_step" in controller.spec.activations:
        st.caption(":material/info: A binary step has a zero derivative everywhere, so no gradient flows through "
                   "it: the layers before it never learn; only the layers after it do. Keras trains it anyway; "
                   "watch those weights stay put.")

    refresh = controller.refresh_seconds() if running else None

    @st.fragment(run_every=refresh)
    def live_views() -> None:
        current = controller.snapshot()
        live.render_live_views(controller, current, controller.job().dataset)
        note = controller.load_note(current)
        if note:
            st.caption(f":material/groups: {note}")
        if running and current.status not in (Status.STARTING, Status.RUNNING) and live.outputs_caught_up(current):
            st.rerun()  # paused or ended: redraw the page once, which stops the refreshing
        elif running and controller.refresh_seconds() != refresh:
            st.rerun()  # more (or fewer) runs train on the server now: refresh at the pace it can serve

    # The options above the views are drawn here, once: only the views re-run while training (style.py's grid
    # puts each option above its view). With the live channel the views are drawn in the browser and updated
    # over it (no fragment reruns); without it (AppTest, `streamlit run app.py`, a channel that never opened)
    # the fragment refreshes them.
    ticket = live.channel_ticket()
    with st.container(key="live_area"):
        if ticket is not None:
            sizes = live.sizes_for(presenting)
            live.render_view_options(controller, loaded.dataset, points=False, output_pixels=sizes.output,
                                     curve_width=sizes.curve_width)
            live.render_live_component(controller, snapshot, controller.job().dataset, ticket, running=running,
                                       presenting=presenting, editable="layers" not in session.hidden_controls())
        else:
            live.render_view_options(controller, loaded.dataset)
            live_views()

    @st.fragment(run_every=HEARTBEAT_SECONDS)
    def keep_job_alive() -> None:
        controller.job().touch()  # draws nothing: a paused run survives while its page stays open

    keep_job_alive()

    # Lazy tabs: only the open one runs. The explanation builds a Keras model: in the web process only when a
    # student asks for it (the runs themselves train in the workers).
    evaluation_tab, history_tab, explain_tab, compare_tab = st.tabs(
        ["Evaluation", "Training history", "Explain a prediction", "Compare runs"], key=RESULT_TABS,
        on_change="rerun")

    # Each fragment is called inside its tab and writes only into its own body: a fragment that opened the tab
    # itself wrote into a container outside it, which a rerun under load (after Pause or Reset) could find
    # without its reserved place (StreamlitInvalidLayoutContextError).
    evaluation_seconds = controller.evaluation_seconds(EVALUATION_SECONDS)

    @st.fragment(run_every=evaluation_seconds if running else None)
    def evaluation_views() -> None:
        evaluation_panel.render_evaluation(controller.snapshot(), controller.job().dataset,
                                           refresh_seconds=evaluation_seconds)

    with evaluation_tab:
        if evaluation_tab.open:
            evaluation_views()
    with history_tab:  # drawn when the run pauses or ends (the live loss curve shows the same numbers meanwhile)
        if history_tab.open:
            evaluation_panel.render_history(snapshot)

    @st.fragment
    def explanation_view() -> None:
        evaluation_panel.render_explanation(controller, controller.snapshot(), controller.job().dataset)

    with explain_tab:
        if explain_tab.open:
            explanation_view()
    with compare_tab:
        if compare_tab.open:
            evaluation_panel.render_comparison(controller)

    # Filled only when opened: its code block (the link, with a copy button) needs 1.5 MB of JavaScript that the
    # first paint would otherwise wait for.
    share = st.expander("Share and export", icon=":material/ios_share:", expanded=False, key=SHARE_PANEL,
                        on_change="rerun")
    with share:
        if share.open:
            exports.render_share(controller)
            exports.render_downloads(controller, controller.snapshot())
    controller.preload()


playground_page()
