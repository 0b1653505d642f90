"""Playground: the Streamlit entry point. `make run` serves it; each page is a small module in pages/."""

import streamlit as st

from playground.ui.compat import keep_keras_session

keep_keras_session()

st.set_page_config(page_title="Playground: neural networks with real Keras", page_icon=":material/hub:",
                   layout="wide", initial_sidebar_state="expanded")

navigation = st.navigation([
    st.Page("pages/playground.py", title="Playground", icon=":material/hub:", default=True),
])
navigation.run()
