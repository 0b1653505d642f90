"""Training speed: epochs per second of the playground's training service against a naive Streamlit loop.

Usage::

    python -m bench.training            # a short table
    python -m bench.training --json     # one JSON line on stdout (TensorFlow's chatter stays on stderr)
    python -m bench.training --quick    # a few epochs only, for a smoke test

Two problems are measured, one after the other in the same process so each ratio comes from one run:

- ``default``: the playground's opening problem (circle, 2-4-2-1 tanh, SGD, batch 10, 250 train points);
- ``big``: spiral with all seven input features and six hidden layers of 8 (the largest common demo);
- ``digits``: the tutorial's MNIST recipe on scikit-learn's digits (64 inputs, 128 relu units, dropout 0.2,
  Adam, batch 32, 898 training rows): the real-data case, and one that trains without XLA (dropout).

What is timed, and why it is a fair comparison:

- *service*: a :class:`playground.training.job.TrainingJob` for N epochs, exactly as the app runs it: every epoch
  it evaluates loss and metric on the full train and test sets, publishes a history record and (throttled to
  every 0.1 s) a copy of the weights. The clock starts once the job has published epoch 1, so building the
  model and tracing/XLA-compiling its functions are left out as warm-up; it stops when the job's thread has
  ended (``join``). Rate = epochs trained in that window / seconds. The clock is read *before* the epoch
  count at the start, so an epoch finishing in between is not counted: if anything, the rate is understated.
- *naive*: what a plain Streamlit app does: a model from the same ``build_model`` / ``make_optimizer`` /
  ``make_loss``, compiled with Keras's defaults (``jit_compile="auto"``, which is no XLA on a CPU-only machine;
  one step per execution), and one ``model.fit(..., epochs=1, validation_data=...)`` call per epoch so the page
  can redraw in between. Two epochs are run untimed as warm-up (tracing), then M epochs are timed; M is smaller
  than N because the naive loop is slow, and a rate per epoch does not depend much on it.

Both see the same data (``load_data`` of the spec) and the same batch size, so they do the same training work;
the naive loop's validation pass gives loss only, the service's evaluation gives loss and metric on both sets.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

DEFAULT_QUERY = "dataset=circle&layers=4,2&activation=tanh&batch=10&optimizer=sgd&lr=0.03&train=50&samples=500"
BIG_QUERY = ("dataset=spiral&features=x1,x2,x1x2,x1sq,x2sq,sinx1,sinx2&layers=8,8,8,8,8,8&activation=tanh"
             "&batch=10&lr=0.03")
DIGITS_QUERY = "dataset=digits&layers=128&activation=relu&dropout=0.2&optimizer=adam&lr=0.001&batch=32"
DIGITS_SHARE = 10  # digits gets a tenth of the epochs: each of its epochs does ~50x the work of the default's

# Defaults keep a whole run under about 90 s on 2 cores (most of it is the naive loop and compiling).
DEFAULT_EPOCHS, DEFAULT_NAIVE_EPOCHS = 300, 60
QUICK_EPOCHS, QUICK_NAIVE_EPOCHS = 20, 4
NAIVE_WARMUP_EPOCHS = 2
# Generous: only a broken job takes this long to reach its first epoch or its end.
JOB_TIMEOUT = 600.0


@dataclass(frozen=True)
class Result:
    """The rates measured on one problem."""

    service_epochs_per_s: float
    naive_epochs_per_s: float
    service_epochs: int  # epochs in the timed window (epochs after the first)
    naive_epochs: int
    naive_jit_compile: bool  # what Keras's default resolved to for the naive model

    @property
    def ratio(self) -> float:
        return self.service_epochs_per_s / self.naive_epochs_per_s


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Send everything written to file descriptor 1 to stderr, native libraries included.

    TensorFlow, XLA and absl write from C++ as well as from Python, so swapping ``sys.stdout`` is not enough to
    keep ``--json``'s stdout down to the one JSON line.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def load_spec(query: str):
    """A run spec from a URL query; a benchmark with a silently corrected spec would measure the wrong thing."""
    from playground.spec import RunSpec

    parsed = RunSpec.from_query(query)
    if not parsed.ok:
        raise ValueError(f"benchmark spec {query!r}: " + "; ".join(parsed.messages))
    return parsed.spec


def service_rate(spec, dataset, epochs: int) -> tuple[float, int]:
    """Epochs per second of a TrainingJob after its first epoch, and the number of epochs timed."""
    from playground.training.job import Status, TrainingJob

    if epochs < 2:
        raise ValueError("the service needs at least 2 epochs: the first one is warm-up")
    job = TrainingJob(spec.replace(epochs=epochs), dataset)
    job.start()
    if not job.wait_until(lambda snapshot: snapshot.epoch >= 1 or snapshot.status.is_over, timeout=JOB_TIMEOUT):
        job.stop()
        raise RuntimeError(f"the training job did not finish its first epoch in {JOB_TIMEOUT:.0f} s")
    started = time.perf_counter()
    first_epoch = job.snapshot().epoch
    if not job.join(JOB_TIMEOUT):
        job.stop()
        raise RuntimeError(f"the training job did not end in {JOB_TIMEOUT:.0f} s")
    elapsed = time.perf_counter() - started
    snapshot = job.snapshot()
    if snapshot.status != Status.FINISHED or snapshot.epoch != epochs:
        raise RuntimeError(f"the training job ended {snapshot.status} at epoch {snapshot.epoch} of {epochs}: "
                           f"{snapshot.message}")
    timed_epochs = snapshot.epoch - first_epoch
    return timed_epochs / elapsed, timed_epochs


def naive_rate(spec, dataset, epochs: int) -> tuple[float, bool]:
    """Epochs per second of one ``model.fit(epochs=1, validation_data=...)`` call per epoch, as a page would.

    Also returns whether Keras's default compile settings turned XLA on (they do not on a CPU-only machine).
    """
    from playground.training.model import build_model, make_loss, make_optimizer

    model = build_model(spec, dataset.input_count, dataset.output_units)
    model.compile(optimizer=make_optimizer(spec), loss=make_loss(spec))

    def train_one_epoch() -> None:
        model.fit(dataset.x_train, dataset.y_train, epochs=1, batch_size=spec.batch_size,
                  validation_data=(dataset.x_test, dataset.y_test), verbose=0)

    for _ in range(NAIVE_WARMUP_EPOCHS):
        train_one_epoch()
    started = time.perf_counter()
    for _ in range(epochs):
        train_one_epoch()
    elapsed = time.perf_counter() - started
    return epochs / elapsed, bool(model.jit_compile)


def measure(query: str, epochs: int, naive_epochs: int) -> Result:
    """Service, then naive, on one problem (the same data for both)."""
    import keras

    from playground.data.sources import load_data

    spec = load_spec(query)
    dataset = load_data(spec).dataset
    service, service_epochs = service_rate(spec, dataset, epochs)
    keras.backend.clear_session()  # the naive model starts from the same clean Keras state as the job's
    naive, naive_jit_compile = naive_rate(spec, dataset, naive_epochs)
    keras.backend.clear_session()
    return Result(service, naive, service_epochs, naive_epochs, naive_jit_compile)


def cpu_count() -> int:
    """CPUs this process may run on (a container's limit, not the host's core count, where it is known)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def run(epochs: int, naive_epochs: int, big_epochs: int, big_naive_epochs: int) -> dict:
    """Measure the three problems and return the report (rates in epochs per second)."""
    started = time.perf_counter()
    import keras
    import tensorflow as tf

    default = measure(DEFAULT_QUERY, epochs, naive_epochs)
    big = measure(BIG_QUERY, big_epochs, big_naive_epochs)
    digits_epochs, digits_naive_epochs = max(2, epochs // DIGITS_SHARE), max(2, naive_epochs // DIGITS_SHARE)
    digits = measure(DIGITS_QUERY, digits_epochs, digits_naive_epochs)
    return {
        "service_epochs_per_s": round(default.service_epochs_per_s, 2),
        "naive_epochs_per_s": round(default.naive_epochs_per_s, 2),
        "ratio": round(default.ratio, 2),
        "big_service_epochs_per_s": round(big.service_epochs_per_s, 2),
        "big_naive_epochs_per_s": round(big.naive_epochs_per_s, 2),
        "big_ratio": round(big.ratio, 2),
        "digits_service_epochs_per_s": round(digits.service_epochs_per_s, 2),
        "digits_naive_epochs_per_s": round(digits.naive_epochs_per_s, 2),
        "digits_ratio": round(digits.ratio, 2),
        "digits_epochs": digits_epochs,
        "digits_naive_epochs": digits_naive_epochs,
        "epochs": epochs,
        "service_timed_epochs": default.service_epochs,
        "naive_epochs": naive_epochs,
        "big_epochs": big_epochs,
        "big_service_timed_epochs": big.service_epochs,
        "big_naive_epochs": big_naive_epochs,
        "naive_jit_compile": default.naive_jit_compile,
        "seconds": round(time.perf_counter() - started, 1),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "python": platform.python_version(),
        "cpu_count": cpu_count(),
    }


def format_table(report: dict) -> str:
    rows = [("problem", "service ep/s", "naive ep/s", "ratio", "epochs (service/naive)")]
    for label, prefix in (("default", ""), ("big", "big_"), ("digits", "digits_")):
        rows.append((label, f"{report[prefix + 'service_epochs_per_s']:.1f}",
                     f"{report[prefix + 'naive_epochs_per_s']:.1f}", f"{report[prefix + 'ratio']:.1f}x",
                     f"{report[prefix + 'epochs']}/{report[prefix + 'naive_epochs']}"))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) if column == 0 else cell.rjust(width)
                       for column, (cell, width) in enumerate(zip(row, widths, strict=True)))
             for row in rows]
    lines.append(f"TensorFlow {report['tensorflow']}, Keras {report['keras']}, {report['cpu_count']} CPU(s), "
                 f"{report['seconds']} s in all")
    return "\n".join(lines)


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.training", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON line (and nothing else) on stdout")
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_EPOCHS} service and {QUICK_NAIVE_EPOCHS} naive epochs: a smoke test")
    parser.add_argument("--epochs", type=int, default=None,
                        help=f"service epochs on the default problem (default {DEFAULT_EPOCHS}); half on the "
                             "big one")
    parser.add_argument("--naive-epochs", type=int, default=None,
                        help=f"timed naive epochs on the default problem (default {DEFAULT_NAIVE_EPOCHS}); half "
                             "on the big one")
    arguments = parser.parse_args(argv)
    if arguments.epochs is None:
        arguments.epochs = QUICK_EPOCHS if arguments.quick else DEFAULT_EPOCHS
    if arguments.naive_epochs is None:
        arguments.naive_epochs = QUICK_NAIVE_EPOCHS if arguments.quick else DEFAULT_NAIVE_EPOCHS
    if arguments.epochs < 4:
        parser.error("--epochs must be at least 4 (the big problem gets half, and the first epoch is warm-up)")
    if arguments.naive_epochs < 2:
        parser.error("--naive-epochs must be at least 2 (the big problem gets half)")
    return arguments


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    with stdout_to_stderr():
        report = run(arguments.epochs, arguments.naive_epochs, arguments.epochs // 2, arguments.naive_epochs // 2)
    print(json.dumps(report) if arguments.json else format_table(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
