"""The teaching views' engine: small modules that work a network's numbers by hand and check them against Keras.

Small enough to read in one sitting (after karpathy/micrograd). Nothing here imports Streamlit: the teaching
pages under ``app_pages/`` only read widgets, call these functions and draw the results.
"""
