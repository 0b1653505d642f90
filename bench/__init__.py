"""Benchmarks of the playground (run them as modules, e.g. ``python -m bench.training``)."""
