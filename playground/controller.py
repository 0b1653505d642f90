"""What the Playground page's controls do, without Streamlit: one spec, its data, one current job, the runs
kept for comparison, and the rules for when a change resets the run (everything but the live options, as in
TensorFlow Playground).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from playground.data.planes import SlicePlane, feature_plane, pca_plane
from playground.data.points import feature_matrix, grid_points
from playground.data.sources import DataResult, data_key, prepared_data, table_of, within_limits
from playground.data.tables import Table
from playground.options import OPTIONS
from playground.spec import RunSpec
from playground.training.job import Snapshot, Status, TrainingJob
from playground.training.registry import JobRegistry
from playground.training.runs import RunRecord, kept, record_of

GRID_RESOLUTION = 100  # the decision-boundary heatmap, as TensorFlow Playground's
# Live refreshes the web process can draw per second for all its sessions together, with room left for
# everything else (bench/load.py, bench/refresh.py): with more runs training, each page refreshes less often.
SERVER_REFRESHES_PER_SECOND = 90
REFRESH_STEPS = (0.2, 0.25, 0.35, 0.5, 0.7, 1.0)  # seconds: a page's refresh changes in these steps only
BUSY_EVALUATION_SECONDS = 10.0
PCA = "pca"  # the plane choice for the first two principal components; otherwise a pair of input indices


def reset_notice(labels: Sequence[str]) -> str:
    """The toast after a reset, from one or more option nouns: '... because the data set changed', '... the
    problem type and the data set changed', '... the problem type, data set and noise changed'."""
    if len(labels) == 1:
        listed = labels[0]
    elif len(labels) == 2:
        listed = f"{labels[0]} and the {labels[1]}"
    else:
        listed = f"{', '.join(labels[:-1])} and {labels[-1]}"
    return f"The network was reset because the {listed} changed."


class PlaygroundController:
    """Holds a session's spec, its uploaded CSV table, the id of its job in the process-wide registry and the
    runs it keeps for comparison."""

    def __init__(self, registry: JobRegistry, spec: RunSpec, owner: str | None = None, browser: str | None = None):
        self.registry = registry
        self.owner = owner  # the page's session: the registry drops its jobs soon after it ends
        self.browser = browser  # the browser the session runs in (all its tabs), for the cap on runs per browser
        self.refusal = ""  # why the last Play or Step did not start training (a cap of the server), once
        self.spec = spec
        self.job_id: str | None = None
        self.csv_table: Table | None = None  # the uploaded file, read (dataset "csv" trains on it)
        self.csv_name = ""
        self.plane_choice: str | tuple[int, int] = PCA
        self.feature_pair: tuple[int, int] = (0, 1)  # the last two features chosen, kept while PCA is shown
        self.data_version = 0  # counts data changes: widgets about the data's columns are keyed by it
        self.runs: list[RunRecord] = []  # past runs, oldest first
        self._run_count = 0
        self._data: tuple[tuple, DataResult] | None = None
        self._plane: tuple[tuple, SlicePlane | None] | None = None
        self._plane_points: tuple[SlicePlane, tuple[np.ndarray, np.ndarray]] | None = None

    # ---- data ---------------------------------------------------------------------------------------------
    def data(self) -> DataResult:
        """The spec's data set (prepared once while the data settings and the CSV table stay the same), or none
        when it, or the spec's network on it, is over the server's limits (checked on every call: the network
        changes without the data)."""
        key = (data_key(self.spec), id(self.csv_table) if self.spec.dataset == "csv" else None)
        if self._data is None or self._data[0] != key:
            self._data = (key, prepared_data(self.spec, self.csv_table))
            # Other data, other columns: a chosen pair of features may not exist any more.
            self.data_version += 1
            self._plane = None
            self.plane_choice, self.feature_pair = PCA, (0, 1)
        return within_limits(self.spec, self._data[1])

    def table_of(self, dataset: str) -> Table | None:
        """The table behind a data set name: the uploaded file for "csv", scikit-learn's for the others."""
        return table_of(dataset, self.csv_table)

    def set_csv(self, name: str, table: Table | None) -> None:
        """Take a newly uploaded (and read) CSV file; a run on the old file starts over."""
        self.csv_table, self.csv_name = table, name
        if self.spec.dataset == "csv":
            self._discard_job()

    def plane(self) -> SlicePlane | None:
        """The 2-D plane the output view draws for tabular data (None for 2-D points or a single input)."""
        dataset = self.data().dataset
        key = (id(dataset), self.plane_choice)
        if self._plane is None or self._plane[0] != key:  # a PCA of a large table is worth computing once
            self._plane = (key, None if dataset is None else self._make_plane(dataset))
        return self._plane[1]

    def plane_points(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The training and test rows placed on the plane, in the output view's square (computed once per
        plane: the view draws them 5 times a second)."""
        plane = self.plane()
        if plane is None:
            return None
        if self._plane_points is None or self._plane_points[0] is not plane:
            dataset = self.data().dataset
            self._plane_points = (plane, (plane.to_domain(dataset.x_train), plane.to_domain(dataset.x_test)))
        return self._plane_points[1]

    def _make_plane(self, dataset) -> SlicePlane | None:
        if dataset.is_2d or dataset.input_count < 2:
            return None
        if self.plane_choice != PCA:  # a pair of this data's features (a data change resets the choice)
            return feature_plane(dataset, *self.plane_choice)
        if dataset.input_count == 2:
            return feature_plane(dataset, 0, 1)
        try:
            plane = pca_plane(dataset)
        except ValueError:  # a single training row has no principal components
            return feature_plane(dataset, 0, 1)
        # Constant inputs have no variance to explain: the first two features say as much.
        return plane if all(np.isfinite(plane.explained)) else feature_plane(dataset, 0, 1)

    def set_plane(self, choice: str | tuple[int, int]) -> None:
        """Draw another plane: the job probes it from now on (at once when it is paused or over)."""
        if choice == self.plane_choice:
            return
        self.plane_choice = choice
        if choice != PCA:
            self.feature_pair = choice
        job = self.registry.get(self.job_id)
        inputs = self.probe_inputs()
        if job is not None and inputs is not None:
            job.set_probe_inputs(inputs)

    def probe_inputs(self) -> np.ndarray | None:
        """The inputs whose outputs the views draw: the 2-D grid, or the grid on the plane through a table."""
        dataset = self.data().dataset
        if dataset is None:
            return None
        if dataset.is_2d:
            return feature_matrix(grid_points(GRID_RESOLUTION), self.spec.features)
        plane = self.plane()
        return None if plane is None else plane.grid_inputs(GRID_RESOLUTION)

    # ---- the job ------------------------------------------------------------------------------------------
    def job(self) -> TrainingJob:
        """The current job; a new (idle) one when there is none or the registry reaped it. Raises ValueError
        when the spec has no usable data (the page checks ``data()`` first and says why)."""
        job = self.registry.get(self.job_id)
        if job is None:
            loaded = self.data()
            if loaded.dataset is None:
                raise ValueError(" ".join(loaded.messages))
            job = self.registry.create(self.spec, owner=self.owner, browser=self.browser,
                                       dataset=loaded.dataset, probe_inputs=self.probe_inputs())
            self.job_id = job.id
        return job

    def snapshot(self) -> Snapshot:
        return self.job().snapshot()

    def preload(self) -> None:
        """Get TensorFlow ready in the background (after the page's first paint)."""
        self.registry.preload()

    def take_refusal(self) -> str:
        refusal, self.refusal = self.refusal, ""
        return refusal

    def server_load(self) -> tuple[int, int]:
        """(runs training on this server now, how many can train at the same time)."""
        return self.registry.training_count(), self.registry.cores

    def refresh_seconds(self) -> float:
        """How often this page's live views refresh while it trains: 5 times a second, less often when so many
        runs train that the server could not draw all their pages that often (a class shares the server)."""
        wanted = self.registry.training_count() / SERVER_REFRESHES_PER_SECOND
        return next((step for step in REFRESH_STEPS if step >= wanted), REFRESH_STEPS[-1])

    def evaluation_seconds(self, fastest: float) -> float:
        """How often the evaluation tab refreshes while training: every ``fastest`` seconds, every 10 s when the
        server has slowed the live views down (its metrics and charts cost ~10 live refreshes each)."""
        return fastest if self.refresh_seconds() == REFRESH_STEPS[0] else max(fastest, BUSY_EVALUATION_SECONDS)

    def load_note(self, snapshot: Snapshot) -> str:
        """A sentence when more runs train than the server has cores for, so a slower run does not look broken."""
        training, cores = self.server_load()
        if training <= cores or snapshot.status != Status.RUNNING:
            return ""
        processes = "one training process" if cores == 1 else f"{cores} training processes"
        rate = f": yours gets about {snapshot.epochs_per_second:,.0f} epochs/s" if snapshot.epochs_per_second else ""
        return f"{training} runs are training on this server, sharing its {processes}{rate}."

    def _may_train(self, job: TrainingJob) -> bool:
        self.refusal = self.registry.refusal_to_train(job) or ""
        return not self.refusal

    def _discard_job(self) -> bool:
        """Keep the current run for comparison (if it trained), then stop and forget its job. Returns whether
        it had started."""
        job = self.registry.get(self.job_id)
        started = job is not None and job.status != Status.IDLE
        if job is not None:
            self._keep_run(job)
        self.registry.discard(self.job_id)
        self.job_id = None
        return started

    # ---- runs kept for comparison -------------------------------------------------------------------------
    def _keep_run(self, job: TrainingJob) -> None:
        known = next((run.label for run in self.runs if run.job_id == job.id), None)
        label = known or f"Run {self._run_count + 1}"
        record = record_of(label, job.spec, job.snapshot())
        if record is not None and job.status.is_active:  # it is being stopped now
            record = dataclasses.replace(record, status=str(Status.STOPPED))
        if record is not None and known is None:
            self._run_count += 1
        self.runs = kept(self.runs, record)

    def compared_runs(self) -> list[RunRecord]:
        """The kept runs and, when it has trained, the current one (labelled 'Current')."""
        job = self.registry.get(self.job_id)
        current = record_of("Current", job.spec, job.snapshot()) if job is not None else None
        return self.runs + ([current] if current is not None else [])

    def restore(self, record: RunRecord) -> str | None:
        """Go back to a kept run's settings (a new run with them: same seed, same curve)."""
        return self.change_spec(record.spec)

    # ---- spec changes -------------------------------------------------------------------------------------
    def change_spec(self, new_spec: RunSpec) -> str | None:
        """Take a new spec. Returns a notice when the change reset a run that had started."""
        old = self.spec
        if new_spec == old:
            return None
        self.spec = new_spec
        job = self.registry.get(self.job_id)
        if job is None:
            return None
        if old.needs_reset(new_spec):
            if self._discard_job():
                return reset_notice([option.noun for option in OPTIONS if not option.live
                                     and getattr(old, option.name) != getattr(new_spec, option.name)])
            return None
        job.apply_live_changes(new_spec)
        return None

    # ---- transport ----------------------------------------------------------------------------------------
    def play(self) -> None:
        job = self.job()
        if job.status.is_over:  # Play after the end starts a fresh run
            self.reset()
            job = self.job()
        if not self._may_train(job):
            return
        if job.status == Status.PAUSED:
            job.resume()
        else:
            job.start()

    def pause(self) -> None:
        self.job().pause()

    def step(self) -> None:
        job = self.job()
        if job.status.is_over:
            self.reset()
            job = self.job()
        if self._may_train(job):
            job.step()

    def reset(self) -> None:
        """Back to epoch 0 with fresh initial weights (the same ones: the seed is unchanged)."""
        self._discard_job()
