"""Command line: ``python -m playground train "<query string>" --epochs N --json``.

Trains a spec without a browser. Bad input exits with status 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence

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
    train.add_argument("--epochs", type=int, help="epochs to train (overrides the spec's epoch limit)")
    train.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    train.add_argument("--timeout", type=float, default=None, help="give up after this many seconds")
    return parser


def _finite(value):
    # JSON has no NaN/Infinity: a diverged run reports them as null.
    return value if not isinstance(value, float) or math.isfinite(value) else None


def train_command(args: argparse.Namespace) -> int:
    parsed = RunSpec.from_query(args.query)
    if parsed.messages:
        print("playground: bad run spec: " + "; ".join(parsed.problems), file=sys.stderr)
        return EXIT_BAD_INPUT
    spec = parsed.spec
    if args.epochs is not None:
        if not 1 <= args.epochs <= 100_000:
            print(f"playground: --epochs {args.epochs} is outside 1..100000", file=sys.stderr)
            return EXIT_BAD_INPUT
        spec = spec.replace(epochs=args.epochs)

    from playground.training import run_to_end  # TensorFlow loads only once the input is known to be good

    job, snapshot = run_to_end(spec, timeout=args.timeout)
    history = [{key: _finite(value) for key, value in record.items()} for record in snapshot.history]
    if args.json:
        print(json.dumps({"spec": spec.to_values(), "query": spec.to_query(), "status": str(snapshot.status),
                          "message": snapshot.message, "epochs": snapshot.epoch, "history": history}))
    else:
        metric = snapshot.metric
        print(f"{spec.describe()}\n{'epoch':>7} {'loss':>10} {'test_loss':>10} {metric:>9} {'test_' + metric:>11}")
        step = max(1, len(history) // 20)
        for record in history[::step] + ([history[-1]] if (len(history) - 1) % step else []):
            values = [record.get(key) for key in ("loss", "test_loss", metric, "test_" + metric)]
            print(f"{record['epoch']:>7} " + " ".join(f"{v:>10.4f}" if v is not None else f"{'nan':>10}"
                                                       for v in values))
        print(f"{snapshot.status}: {snapshot.message}")
    return 0 if snapshot.status in ("finished", "diverged") else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "train":
        return train_command(args)
    return EXIT_BAD_INPUT
