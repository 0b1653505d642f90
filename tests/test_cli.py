import json
import subprocess
import sys

import pytest

from playground.cli import main


def run_cli(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "playground", *args], capture_output=True, text=True,
                          timeout=timeout)


def test_train_prints_one_json_object_with_spec_history_and_status():
    result = run_cli("train", "dataset=xor&layers=4&activation=relu&seed=3&samples=200", "--epochs", "5", "--json")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    output = json.loads(lines[0])
    assert output["status"] == "finished"
    assert output["spec"]["dataset"] == "xor" and output["spec"]["layers"] == [4] and output["spec"]["epochs"] == 5
    assert [record["epoch"] for record in output["history"]] == [0, 1, 2, 3, 4, 5]
    assert {"loss", "test_loss", "accuracy", "test_accuracy"} <= set(output["history"][-1])


@pytest.mark.parametrize(("args", "message"), [
    (["train", "lr=50"], "learning rate 50 is above the maximum 10"),
    (["train", "dataset=spiral&colour=red"], "unknown parameter 'colour'"),
    (["train", "layers=a,b"], "hidden layers 'a' is not a number"),
    (["train", "--epochs", "0"], "--epochs 0 is outside 1..100000"),
    (["train", "--epochs", "many"], "invalid int value"),
    (["fly"], "invalid choice"),
])
def test_bad_input_exits_2_with_one_line(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        raise SystemExit(main(args))
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("playground: ") and message in lines[0]


def test_bad_query_in_a_real_process_has_no_traceback():
    result = run_cli("train", "lr=abc", "--json")
    assert result.returncode == 2
    assert result.stderr.strip() == "playground: bad run spec: learning rate 'abc' is not a number"
    assert "Traceback" not in result.stderr


def test_diverged_run_reports_nan_as_null(capsys):
    assert main(["train", "dataset=plane&lr=10&activation=linear", "--epochs", "50", "--json"]) == 0
    output = json.loads(capsys.readouterr().out)
    assert output["status"] == "diverged" and "learning rate" in output["message"]
    assert any(record["loss"] is None for record in output["history"])


def test_table_output(capsys):
    assert main(["train", "samples=100", "--epochs", "3"]) == 0
    out = capsys.readouterr().out
    assert "epoch" in out and "finished: reached the epoch limit after 3 epochs" in out
