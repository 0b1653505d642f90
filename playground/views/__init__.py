"""Figures built from snapshots (Plotly and Matplotlib); no Streamlit here, so notebooks can use them too."""
