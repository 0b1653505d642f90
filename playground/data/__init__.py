"""The data of a run: TensorFlow Playground's 2-D generators and input features (``points``), scikit-learn's
tables and their preparation (``tables``), reading uploaded CSV files (``csv_reading``), the data of any spec
(``sources``), and 2-D planes through many inputs for the output view (``planes``). No Keras here."""
