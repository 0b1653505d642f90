"""Reusable Streamlit pieces (the only part of the package that imports Streamlit)."""
