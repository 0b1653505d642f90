"""Page styling: the epoch counter, and presentation mode (larger type, no sidebar) for projectors."""

import streamlit as st

BASE_CSS = """
.pg-epoch { font-size: 1.9rem; line-height: 1.1; white-space: nowrap; padding-bottom: 0.35rem; }
.pg-epoch b { font-variant-numeric: tabular-nums; }
.block-container { padding-top: 2.2rem; padding-bottom: 1rem; }
[data-testid="stMetricValue"] { font-size: 1.45rem; font-variant-numeric: tabular-nums; }
[data-testid="stMetric"] { min-width: 6.5rem; }
"""

PRESENTATION_CSS = """
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] { display: none; }
html, body, [data-testid="stAppViewContainer"] { font-size: 20px; }
.pg-epoch { font-size: 2.8rem; }
[data-testid="stMetricValue"] { font-size: 2.1rem; }
[data-testid="stMetricLabel"] p, [data-testid="stCaptionContainer"] p { font-size: 1.05rem; }
"""


def apply(presenting: bool) -> None:
    st.html(f"<style>{BASE_CSS}{PRESENTATION_CSS if presenting else ''}</style>")
