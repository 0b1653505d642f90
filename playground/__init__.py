"""Playground: a neural-network playground with real Keras underneath.

The library (spec, data, model, training, drawing, export) never imports Streamlit and works from a notebook:

    from playground.spec import RunSpec
    from playground.training import TrainingJob

    spec = RunSpec.from_query("dataset=spiral&layers=8,8&activation=tanh&lr=0.03&seed=7").spec
    job = TrainingJob(spec)
    job.start()
"""

import os

# Quiet TensorFlow's C++ start-up chatter and pin Keras to TensorFlow, unless the user chose otherwise.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

__version__ = "0.1.0"
