"""The data panel of the Playground page for tables: the CSV upload, a preview, the class balance, digit
images, and every message about the data (refusals as errors, repairs as errors, notes as notes)."""

from __future__ import annotations

import streamlit as st

from playground.controller import PlaygroundController
from playground.data.csv_reading import MAX_CSV_BYTES, MAX_CSV_ROWS, read_csv
from playground.data.sources import DataResult
from playground.data.tables import BUILTIN_TABLES
from playground.options import PROBLEM_LABELS
from playground.ui.controls import widget_key
from playground.views.tables import balance_rows, digit_thumbnails, missing_counts

UPLOAD_KEY = "csv_upload"
READ_MESSAGES = "csv_read_messages"  # what reading the last upload said: (refused, messages)
PREVIEW_ROWS = 200
DIGITS_SHOWN = 30


def _file_changed(controller: PlaygroundController) -> None:
    """Read a new upload (or forget a removed one) before the page runs, so the widgets can follow it."""
    uploaded = st.session_state.get(UPLOAD_KEY)
    if uploaded is None:
        controller.set_csv("", None)
        st.session_state.pop(READ_MESSAGES, None)
        return
    table, messages = read_csv(uploaded.getvalue())
    controller.set_csv(uploaded.name, table)
    st.session_state[READ_MESSAGES] = (table is None, tuple(messages))
    if table is not None:
        _follow_file(table, controller.spec)


def _follow_file(table, spec) -> None:
    """Point the column controls at a new file: a link's target and columns are kept when the file has them
    (with the link's problem type); otherwise the last column is the target, every other one a feature, and
    its problem type is detected."""
    target_key, columns_key, problem_key = (widget_key(name) for name in ("target", "columns", "problem"))
    names = {str(column) for column in table.frame.columns}
    target = st.session_state.setdefault(target_key, spec.target)
    if target and target not in names:
        target = ""
        st.session_state[target_key] = ""
    columns = st.session_state.setdefault(columns_key, list(spec.columns))
    if any(column not in names for column in columns):
        st.session_state[columns_key] = []
    if not target:
        st.session_state[problem_key] = table.problem
    else:
        st.session_state.setdefault(problem_key, spec.problem)


def render_upload(controller: PlaygroundController) -> None:
    st.file_uploader(
        "Your CSV file", key=UPLOAD_KEY, on_change=_file_changed, args=(controller,),
        help=(f"A table with a header row, separated by commas, semicolons, tabs or '|'; up to "
              f"{MAX_CSV_BYTES // 2**20} MB and {MAX_CSV_ROWS:,} rows. The last column is the target unless you "
              f"choose another. The file stays in this session: a shared link carries the settings, not the data."))
    refused, messages = st.session_state.get(READ_MESSAGES, (False, ()))
    if refused:
        st.error(f"**{controller.csv_name} cannot be used.** " + " ".join(messages), icon=":material/error:")
    elif controller.csv_table is not None:
        repairs = controller.csv_table.repairs
        if repairs:
            st.error(f"**{controller.csv_name} has faults, repaired as follows.** Check the preview, or fix the "
                     "file and upload it again:\n\n" + "\n".join(f"- {repair}" for repair in repairs),
                     icon=":material/build:")
        for note in messages:
            if note not in repairs:  # e.g. a header-less file, stray words in a numeric column
                st.caption(f":material/info: {note}")


def render_problems(loaded: DataResult) -> None:
    """Why there is no data set to train on (an error), or what preparing it changed (notes)."""
    if loaded.over_limit:
        notes = [message for message in loaded.messages if message != loaded.over_limit]
        st.error("**Too large for this server.** " + loaded.over_limit, icon=":material/block:")
        for message in notes:
            st.caption(f":material/info: {message}")
    elif loaded.dataset is None:
        st.error("**No data to train on.** " + " ".join(loaded.messages), icon=":material/error:")
    else:
        for message in loaded.messages:
            st.caption(f":material/info: {message}")


def render_table(controller: PlaygroundController, loaded: DataResult) -> None:
    """Preview, class balance and, for digits, the images themselves."""
    table, dataset = loaded.table, loaded.dataset
    if table is None:
        return
    spec = controller.spec
    title = BUILTIN_TABLES[spec.dataset].title if spec.dataset in BUILTIN_TABLES else controller.csv_name
    target = spec.target or table.target
    st.markdown(f"**{title}**: {len(table.frame):,} rows, {table.frame.shape[1] - 1} columns besides the target "
                f"'{target}'.")
    preview, balance = st.columns([0.6, 0.4], gap="medium")
    with preview:
        st.dataframe(table.frame.head(PREVIEW_ROWS), height=260, key="table_preview")
        if len(table.frame) > PREVIEW_ROWS:
            st.caption(f"The first {PREVIEW_ROWS} of {len(table.frame):,} rows.")
        missing = missing_counts(table.frame)
        if missing:
            listed = ", ".join(f"{column} {count:,}" for column, count in missing.items())
            st.caption(f":material/help: Missing values per column: {listed}. *Missing values* in the sidebar "
                       f"drops those rows or imputes the training median.")
    with balance:
        if dataset is not None:
            kind = PROBLEM_LABELS[dataset.problem].lower()
            st.markdown(f"**{kind}**, {len(dataset.x_train):,} training and {len(dataset.x_test):,} test rows, "
                        f"{dataset.input_count} inputs (standardised with the training split's mean and spread).")
            st.dataframe(balance_rows(dataset), hide_index=True, key="class_balance")
    if table.images is not None:
        labels = table.frame[table.target].astype(str).to_numpy()
        st.image(digit_thumbnails(table.images[:DIGITS_SHOWN], 40), width=40,
                 caption=[str(label) for label in labels[:DIGITS_SHOWN]])
        st.caption("The first digits: 8x8 pixels, each pixel one input of the network (0 white to 16 black).")
