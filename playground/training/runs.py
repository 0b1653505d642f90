"""Runs a session has trained, kept for comparison: spec, history and final results, the settings that differ."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from playground.options import OPTIONS
from playground.spec import RunSpec
from playground.training.snapshot import Snapshot

MAX_RUNS = 5  # past runs a session keeps (the current one comes on top)


@dataclass(frozen=True)
class RunRecord:
    """One run as it ended (or as it is now, for the current run)."""

    label: str
    spec: RunSpec
    history: tuple[dict[str, float], ...]
    metric: str  # "accuracy" or "r2"
    status: str
    job_id: str = ""

    @property
    def final(self) -> dict[str, float]:
        return self.history[-1] if self.history else {}

    @property
    def epochs(self) -> int:
        return len(self.history) - 1 if self.history else 0


def record_of(label: str, spec: RunSpec, snapshot: Snapshot) -> RunRecord | None:
    """A record of a job's snapshot; None when it never trained an epoch (nothing to compare)."""
    if snapshot.epoch < 1:
        return None
    return RunRecord(label, spec, snapshot.history, snapshot.metric, str(snapshot.status), snapshot.job_id)


def kept(runs: Sequence[RunRecord], record: RunRecord | None, limit: int = MAX_RUNS) -> list[RunRecord]:
    """The runs with ``record`` added (replacing an older record of the same job), the last ``limit`` of them."""
    if record is None:
        return list(runs)
    runs = [run for run in runs if not (record.job_id and run.job_id == record.job_id)]
    return (runs + [record])[-limit:]


def _format(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def settings_table(runs: Sequence[RunRecord], all_settings: bool = False) -> list[dict[str, str]]:
    """Rows for a table with one column per run: the settings that differ between the runs (all of them with
    ``all_settings``), then the epochs and final losses and metric."""
    rows = []
    for option in OPTIONS:
        values = [option.format_text(getattr(run.spec, option.name)) for run in runs]
        if all_settings or len(set(values)) > 1:
            rows.append({"": option.label, **{run.label: value for run, value in zip(runs, values, strict=True)}})
    results = [("Epochs", lambda run: run.epochs, _format), ("Status", lambda run: run.status, _format),
               ("Train loss", lambda run: run.final.get("loss"), _format),
               ("Test loss", lambda run: run.final.get("test_loss"), _format)]
    for name in dict.fromkeys(run.metric for run in runs):
        # Accuracy in percent, as the page shows it.
        label, as_text = ("accuracy", lambda number: f"{number:.1%}") if name == "accuracy" else ("R²", _format)
        results.append((f"Test {label}", lambda run, name=name: run.final.get(f"test_{name}"), as_text))
    for title, value, as_text in results:
        rows.append({"": title, **{run.label: as_text(value(run)) if value(run) is not None else "–"
                                   for run in runs}})
    return rows


def shared_metric(runs: list[RunRecord]) -> str | None:
    """The metric every run has (their curves can be overlaid), or None when classification and regression
    runs are mixed."""
    metrics = {run.metric for run in runs}
    return metrics.pop() if len(metrics) == 1 else None
