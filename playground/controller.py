"""What the Playground page's controls do, without Streamlit: one spec, one current job, and the rules for
when a change resets the run (everything but the live options, as in TensorFlow Playground).
"""

from __future__ import annotations

from playground.data import feature_matrix, grid_points
from playground.options import OPTIONS
from playground.registry import JobRegistry
from playground.spec import LIVE_OPTIONS, RunSpec
from playground.training import Snapshot, Status, TrainingJob, preload_engine

GRID_RESOLUTION = 100  # the decision-boundary heatmap, as TensorFlow Playground's


def changed_labels(old: RunSpec, new: RunSpec) -> list[str]:
    """Labels of the options that differ between two specs, in table order."""
    return [option.noun for option in OPTIONS if getattr(old, option.name) != getattr(new, option.name)]


class PlaygroundController:
    """Holds a session's spec and the id of its job in the process-wide registry."""

    def __init__(self, registry: JobRegistry, spec: RunSpec):
        self.registry = registry
        self.spec = spec
        self.job_id: str | None = None

    # ---- the job ------------------------------------------------------------------------------------------
    def job(self) -> TrainingJob:
        """The current job; a new (idle) one when there is none or the registry reaped it."""
        job = self.registry.get(self.job_id)
        if job is None:
            probe = feature_matrix(grid_points(GRID_RESOLUTION), self.spec.features)
            job = self.registry.create(self.spec, probe_inputs=probe)
            self.job_id = job.id
        return job

    def snapshot(self) -> Snapshot:
        return self.job().snapshot()

    @staticmethod
    def preload() -> None:
        """Start importing TensorFlow in the background (after the page's first paint)."""
        preload_engine()

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
            started = job.status != Status.IDLE
            self.registry.discard(self.job_id)
            self.job_id = None
            if started:
                changed = [label for label in changed_labels(old, new_spec)
                           if label not in {o.noun for o in OPTIONS if o.name in LIVE_OPTIONS}]
                return f"The network was reset because the {', '.join(changed)} changed."
            return None
        job.apply_live_changes(new_spec)
        return None

    # ---- transport ----------------------------------------------------------------------------------------
    def play(self) -> None:
        job = self.job()
        if job.status.is_over:  # Play after the end starts a fresh run
            self.reset()
            job = self.job()
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
        job.step()

    def reset(self) -> None:
        """Back to epoch 0 with fresh initial weights (the same ones: the seed is unchanged)."""
        self.registry.discard(self.job_id)
        self.job_id = None
