"""The server's entry point (`make run` serves it with `streamlit run serve.py`): Streamlit serving app.py, plus
the live channel's websocket route beside Streamlit's own (``playground.ui.live_channel``), through Streamlit's
ASGI entry point ``st.App``, whose lifespan hands the server's event loop to the training workers' readers.
`streamlit run app.py` still serves the app, without the channel: the pages then refresh their live views with
fragment reruns.
"""

import streamlit as st

from playground.ui import live_channel, server_loop
from playground.ui.compat import poll_config_files_less_often
from playground.ui.preload import preload_page

poll_config_files_less_often()
preload_page()  # before the server listens: the first student's page then paints without ~2 s of imports
app = st.App("app.py", routes=live_channel.routes(), lifespan=server_loop.lifespan)
