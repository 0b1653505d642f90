"""Playground: a neural-network playground with real Keras underneath.

The library never imports Streamlit and works from a notebook:

    from playground import RunSpec, TrainingJob

    spec = RunSpec.from_query("dataset=spiral&layers=8,8&activation=tanh&lr=0.03&seed=7").spec
    job = TrainingJob(spec)
    job.start()

The folders follow what the code does: the run spec and its option table at the top (``spec``, ``options``,
``choices``, ``rules``), ``data/``, ``training/``, ``views/`` (figures and drawings), ``teaching/`` (the
forward, backprop, activation, descent and explanation views), ``ui/`` (Streamlit widgets, the only part that
imports Streamlit), ``export`` and the command line (``cli``).
"""

import os

# Quiet TensorFlow's C++ start-up chatter and pin Keras to TensorFlow, unless the user chose otherwise.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

__version__ = "0.1.0"

# The public names, imported on first use: ``import playground`` stays light (no TensorFlow, no training code).
PUBLIC = {
    "RunSpec": "playground.spec", "Parsed": "playground.spec", "OPTIONS": "playground.options",
    "TrainingJob": "playground.training.job", "run_to_end": "playground.training.job",
    "Status": "playground.training.snapshot", "Snapshot": "playground.training.snapshot",
    "JobRegistry": "playground.training.registry", "load_data": "playground.data.sources",
    "make_dataset": "playground.data.points", "build_model": "playground.training.model",
    "keras_script": "playground.export", "evaluate": "playground.training.evaluation",
}
__all__ = sorted(PUBLIC)


def __getattr__(name: str):
    if name not in PUBLIC:
        raise AttributeError(f"module 'playground' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(PUBLIC[name]), name)
