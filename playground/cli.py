"""Command line: ``python -m playground train "<query string>" --epochs N --json`` and, on your own data,
``python -m playground train --csv FILE --target COLUMN "<query string>"``.

Trains a spec without a browser. Bad input (a bad spec, an unreadable or unusable CSV file) exits with status 2
and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

from playground.spec import RunSpec

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, status 2 (argparse's own convention, without the usage)
        print(f"playground: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m playground", description="Neural-network playground, headless.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    train = commands.add_parser("train", help="train a run spec and print its history")
    train.add_argument("query", nargs="?", default="",
                       help='the run spec as a URL query string, e.g. "dataset=spiral&layers=8,8&lr=0.03&seed=7"')
    train.add_argument("--csv", metavar="FILE", help="train on this CSV file (sets dataset=csv)")
    train.add_argument("--target", metavar="COLUMN", help="the CSV column to predict (default: the last one)")
    train.add_argument("--accept-repairs", action="store_true",
                       help="train even when the CSV file needed repairs (not UTF-8, empty or repeated header "
                            "names, all-missing columns); without it such a file is refused")
    train.add_argument("--epochs", type=int, help="epochs to train (overrides the spec's epoch limit)")
    train.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    train.add_argument("--timeout", type=float, default=None, help="give up after this many seconds")
    return parser


def _finite(value):
    # JSON has no NaN/Infinity: a diverged run reports them as null.
    return value if not isinstance(value, float) or math.isfinite(value) else None


class BadInput(Exception):
    """Input the command cannot use; its text is the one line the user sees."""


def _fail(message: str) -> int:
    print(f"playground: {' '.join(message.split())}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _csv_table(path: str, accept_repairs: bool):
    from playground.data.csv_reading import read_csv

    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise BadInput(f"cannot read {path}: {error.strerror or error}") from None
    table, messages = read_csv(data)
    if table is None:
        raise BadInput(f"{path}: " + " ".join(messages))
    if table.repairs and not accept_repairs:
        raise BadInput(f"{path}: " + " ".join(table.repairs) + " Fix the file, or pass --accept-repairs.")
    for note in messages:
        if note not in table.repairs:
            print(f"playground: note: {note}", file=sys.stderr)
    return table


def _spec_and_table(args: argparse.Namespace):
    """The spec to train and the CSV table it reads (None for other data); BadInput when either is unusable."""
    parsed = RunSpec.from_query(args.query)
    if parsed.messages:
        raise BadInput("bad run spec: " + "; ".join(parsed.problems))
    spec, table = parsed.spec, None
    if args.epochs is not None:
        if not 1 <= args.epochs <= 100_000:
            raise BadInput(f"--epochs {args.epochs} is outside 1..100000")
        spec = spec.replace(epochs=args.epochs)
    if args.target is not None and args.csv is None and not spec.is_table:
        raise BadInput("--target needs --csv FILE (or a table data set such as dataset=iris)")
    if args.csv is not None:
        table = _csv_table(args.csv, args.accept_repairs)
        target = args.target if args.target is not None else spec.target
        spec = spec.replace(dataset="csv", target=target)
        if "problem" not in urllib.parse.parse_qs(args.query):
            from playground.data.tables import detect_problem

            column = spec.target or table.target
            if column in table.frame.columns:  # otherwise load_data says the column is missing
                spec = spec.replace(problem=detect_problem(table.frame[column]))
    elif args.target is not None:
        spec = spec.replace(target=args.target)
    problems = spec.validate()
    if problems:
        raise BadInput("bad run spec: " + "; ".join(problems))
    return spec, table


def train_command(args: argparse.Namespace) -> int:
    try:
        spec, table = _spec_and_table(args)
    except BadInput as error:
        return _fail(str(error))
    from playground.data.sources import load_data

    loaded = load_data(spec, table)
    if loaded.dataset is None:
        return _fail(" ".join(loaded.messages))
    for note in loaded.messages:
        print(f"playground: note: {note}", file=sys.stderr)

    from playground.training.job import run_to_end  # TensorFlow loads only once the input is known to be good

    job, snapshot = run_to_end(spec, dataset=loaded.dataset, timeout=args.timeout)
    history = [{key: _finite(value) for key, value in record.items()} for record in snapshot.history]
    metrics = _test_metrics(loaded.dataset, snapshot)
    if args.json:
        print(json.dumps({"spec": spec.to_values(), "query": spec.to_query(), "status": str(snapshot.status),
                          "message": snapshot.message, "epochs": snapshot.epoch, "history": history,
                          "test_metrics": metrics, "data": {"train_rows": len(loaded.dataset.x_train),
                                                            "test_rows": len(loaded.dataset.x_test),
                                                            "features": list(loaded.dataset.feature_names),
                                                            "notes": list(loaded.messages)}}))
    else:
        metric = snapshot.metric
        print(f"{spec.describe()}\n{'epoch':>7} {'loss':>10} {'test_loss':>10} {metric:>9} {'test_' + metric:>11}")
        step = max(1, len(history) // 20)
        for record in history[::step] + ([history[-1]] if (len(history) - 1) % step else []):
            values = [record.get(key) for key in ("loss", "test_loss", metric, "test_" + metric)]
            print(f"{record['epoch']:>7} " + " ".join(f"{v:>10.4f}" if v is not None else f"{'nan':>10}"
                                                       for v in values))
        print(f"{snapshot.status}: {snapshot.message}")
        if metrics:
            print("test split: " + ", ".join(f"{name} {value:.4f}" for name, value in metrics.items()
                                             if value is not None))
    return 0 if snapshot.status in ("finished", "diverged") else 1


def _test_metrics(dataset, snapshot) -> dict[str, float | None]:
    """Accuracy, precision, recall, F1 (ROC AUC) or MAE, RMSE, R² of the final model on the test split."""
    if snapshot.test_outputs is None:
        return {}
    from playground.training.evaluation import evaluate

    return {name: _finite(float(value)) for name, value in evaluate(dataset, snapshot.test_outputs).metrics.items()}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "train":
        return train_command(args)
    return EXIT_BAD_INPUT
