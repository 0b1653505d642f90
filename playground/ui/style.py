"""Page styling: the epoch counter, and presentation mode (larger type, no sidebar) for projectors."""

import streamlit as st

BASE_CSS = """
.pg-epoch { font-size: 1.9rem; line-height: 1.1; white-space: nowrap; padding-bottom: 0.35rem; }
.pg-epoch b { font-variant-numeric: tabular-nums; }
.block-container { padding-top: 2.2rem; padding-bottom: 1rem; }
[data-testid="stMetricValue"] { font-size: 1.45rem; font-variant-numeric: tabular-nums; }
[data-testid="stMetric"] { min-width: 6.5rem; }
.pg-status { display: flex; flex-wrap: wrap; align-items: flex-end; column-gap: 2rem; row-gap: 0.5rem; }
.pg-metric { min-width: 6.5rem; }
.pg-metric-label { font-size: 0.875rem; line-height: 1.6; min-height: 1.5rem; }
.pg-metric-value { font-size: 1.45rem; line-height: 1.2; padding-bottom: 0.25rem; font-variant-numeric: tabular-nums; }
.pg-live .pg-hit { stroke: transparent; stroke-width: 7px; fill: none; }
.pg-live .pg-points { position: absolute; inset: 0; background-repeat: no-repeat; background-size: 100% 100%;
  pointer-events: none; }
.pg-live .pg-caption { font-size: 0.875rem; line-height: 1.6; color: rgba(49, 51, 63, 0.6); margin: 0; }
.pg-live :is(.pg-network, .pg-output) .pg-caption { margin-top: 0.5rem; }
"""

# The live views: the status on top, then the network beside the output view and the loss curve, each under its
# options. The options are drawn outside the live fragment (they need not re-run 5 times a second), the views
# inside it, as one Markdown element. The fragment's block and that element's wrappers are dissolved
# (display: contents), so that each view and each option is an item of this grid, which puts every option above
# its view. Narrower: the network above the two, then one column.
LIVE_CSS = """
div:has(> .st-key-live_area) { container-type: inline-size; }
.st-key-live_area { display: grid; grid-template-columns: minmax(0, 1fr) 250px 270px; column-gap: 1rem;
  row-gap: 1rem; align-items: start; }
.st-key-live_area > div:has(> .stVerticalBlock:not([class*="st-key-"])),
.st-key-live_area > div > .stVerticalBlock:not([class*="st-key-"]),
.st-key-live_area .stElementContainer:has(.pg-live),
.st-key-live_area .stElementContainer:has(.pg-live) div:has(.pg-live), .pg-live { display: contents; }
.st-key-live_area .stVerticalBlock:not([class*="st-key-"]) > .stElementContainer { grid-column: 1 / -1; order: -1; }
.pg-live > .pg-status, .pg-live > .pg-status-line { grid-column: 1 / -1; order: -2; }
.pg-live > .pg-status-line { margin: -0.75rem 0 0; }
.pg-live > .pg-alert, .pg-live > .pg-note { grid-column: 1 / -1; order: -1; }
.pg-live > .pg-network { grid-column: 1; grid-row: span 2; order: 1; }
.st-key-live_area > div:has(> .st-key-output_options) { grid-column: 2; order: 2; }
.st-key-live_area > div:has(> .st-key-curve_options) { grid-column: 3; order: 3; }
.pg-live > .pg-output { grid-column: 2; order: 4; }
.pg-live > .pg-curve,
.st-key-live_area .stVerticalBlock:not([class*="st-key-"]) > .stElementContainer:has(.stPlotlyChart) {
  grid-column: 3; order: 5; }
/* A network too wide for its column (deep or with many inputs): it takes the room of the first two columns, the
   output view and the loss curve stack in the last one, the output view first (both under their options). */
.st-key-live_area:has(.pg-wide-network) { grid-template-columns: minmax(0, 1fr) 270px; }
.st-key-live_area:has(.pg-wide-network) .pg-live > .pg-network { grid-row: span 4; }
.st-key-live_area:has(.pg-wide-network) > div:has(> .st-key-output_options),
.st-key-live_area:has(.pg-wide-network) > div:has(> .st-key-curve_options),
.st-key-live_area:has(.pg-wide-network) .pg-live > :is(.pg-output, .pg-curve),
.st-key-live_area:has(.pg-wide-network) .stVerticalBlock:not([class*="st-key-"]) > .stElementContainer:has(.stPlotlyChart) {
  grid-column: 2; }
.st-key-live_area:has(.pg-wide-network) .pg-live > .pg-output { order: 3; }
.st-key-live_area:has(.pg-wide-network) > div:has(> .st-key-curve_options) { order: 4; }
@container (max-width: 780px) {
  .st-key-live_area { grid-template-columns: 250px minmax(270px, 1fr); }
  .pg-live > .pg-network { grid-column: 1 / -1; grid-row: auto; }
  .st-key-live_area > div:has(> .st-key-output_options), .pg-live > .pg-output { grid-column: 1; }
  .st-key-live_area > div:has(> .st-key-curve_options), .pg-live > .pg-curve,
  .st-key-live_area .stVerticalBlock:not([class*="st-key-"]) > .stElementContainer:has(.stPlotlyChart) {
    grid-column: 2; }
}
@container (max-width: 560px) {
  .st-key-live_area { grid-template-columns: minmax(0, 1fr); }
  .st-key-live_area > div:has(> .st-key-output_options), .pg-live > .pg-output,
  .st-key-live_area > div:has(> .st-key-curve_options), .pg-live > .pg-curve,
  .st-key-live_area .stVerticalBlock:not([class*="st-key-"]) > .stElementContainer:has(.stPlotlyChart) {
    grid-column: 1; }
  .st-key-live_area > div:has(> .st-key-output_options) { order: 2; }
  .pg-live > .pg-output { order: 3; }
  .st-key-live_area > div:has(> .st-key-curve_options) { order: 4; }
}
"""

PRESENTATION_CSS = """
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] { display: none; }
html, body, [data-testid="stAppViewContainer"] { font-size: 20px; }
.pg-epoch { font-size: 2.8rem; }
.st-key-live_area:has(.pg-presenting) { grid-template-columns: minmax(0, 1fr) 300px 320px; }
.st-key-live_area:has(.pg-presenting.pg-wide-network) { grid-template-columns: minmax(0, 1fr) 320px; }
[data-testid="stMetricValue"], .pg-metric-value { font-size: 2.1rem; }
[data-testid="stMetricLabel"] p, [data-testid="stCaptionContainer"] p, .pg-metric-label, .pg-live .pg-caption {
  font-size: 1.05rem; }
"""


def apply(presenting: bool) -> None:
    st.html(f"<style>{BASE_CSS}{LIVE_CSS}{PRESENTATION_CSS if presenting else ''}</style>")
