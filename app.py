"""Playground: the Streamlit entry point. `make run` serves it; each page is a small module in app_pages/.

Not `pages/`: Streamlit treats a `pages/` folder beside the entry script as a legacy multipage app, and a deep
link such as /forward would then run that page without this file (no page config, no navigation).
"""

import streamlit as st

from playground.ui.compat import keep_keras_session


def main() -> None:
    keep_keras_session()
    st.set_page_config(page_title="Playground: neural networks with real Keras", page_icon=":material/hub:",
                       layout="wide", initial_sidebar_state="expanded")
    navigation = st.navigation({
        "Train": [
            st.Page("app_pages/playground_page.py", title="Playground", icon=":material/hub:", default=True,
                    url_path="playground"),
        ],
        "Learn the arithmetic": [
            st.Page("app_pages/forward.py", title="Forward pass", icon=":material/arrow_forward:"),
            st.Page("app_pages/backprop.py", title="Backpropagation", icon=":material/arrow_back:"),
            st.Page("app_pages/activations.py", title="Activation functions", icon=":material/show_chart:"),
            st.Page("app_pages/descent.py", title="Gradient descent", icon=":material/trending_down:"),
        ],
    })
    navigation.run()


# Streamlit runs this file as __main__. A training worker process runs it again at its start, as __mp_main__
# (multiprocessing's spawn re-runs the parent's main script, and while a page runs that is this file): there it
# must do nothing (it set up pages without a session: 16 warnings in the server's log, and time at each start).
if __name__ == "__main__":
    main()
