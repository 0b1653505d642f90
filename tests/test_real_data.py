"""Real data end to end: the issue's acceptance runs (breast cancer, digits, diabetes) through the training
job, and the command line on CSV files, good and bad."""

import json

import pytest
from csv_samples import BAD_CSV, pima_csv

from playground.cli import main
from playground.data.csv_reading import read_csv
from playground.data.sources import NO_CSV_MESSAGE, load_data
from playground.data.tables import prepare
from playground.spec import RunSpec
from playground.training.evaluation import evaluate, mean_baseline_r2
from playground.training.job import run_to_end


def train(query: str):
    spec = RunSpec.from_query(query).spec
    loaded = load_data(spec)
    job, snapshot = run_to_end(spec, dataset=loaded.dataset, timeout=300)
    assert snapshot.status == "finished", snapshot.message
    return loaded.dataset, snapshot, evaluate(loaded.dataset, snapshot.test_outputs)


def test_breast_cancer_16_8_relu_adam_reaches_95_percent():
    dataset, snapshot, evaluation = train(
        "dataset=breast_cancer&layers=16,8&activation=relu&optimizer=adam&lr=0.001&batch=32&epochs=100")
    assert dataset.input_count == 30 and dataset.problem == "binary"
    assert evaluation.metrics["accuracy"] >= 0.95
    assert evaluation.metrics["accuracy"] == pytest.approx(snapshot.last["test_accuracy"], abs=1e-6)
    assert evaluation.metrics["roc_auc"] > 0.95


def test_digits_mnist_recipe_reaches_95_percent():
    dataset, snapshot, evaluation = train(
        "dataset=digits&layers=128&activation=relu&dropout=0.2&optimizer=adam&lr=0.001&batch=32&epochs=30")
    assert dataset.input_count == 64 and dataset.output_units == 10
    assert evaluation.metrics["accuracy"] >= 0.95
    assert evaluation.confusion.shape == (10, 10) and evaluation.confusion.sum() == len(dataset.x_test)


def test_diabetes_regression_beats_predicting_the_mean():
    dataset, snapshot, evaluation = train(
        "dataset=diabetes&layers=16&activation=relu&optimizer=adam&lr=0.01&batch=32&epochs=300&patience=20")
    assert dataset.problem == "regression" and snapshot.metric == "r2"
    baseline = mean_baseline_r2(dataset)
    assert evaluation.metrics["r2"] > baseline + 0.2
    assert evaluation.metrics["r2"] == pytest.approx(snapshot.last["test_r2"], abs=1e-4)


def test_a_spec_reads_a_csv_table_and_says_when_there_is_none():
    spec = RunSpec.from_query("dataset=csv&problem=binary&target=Outcome&columns=Glucose,BMI").spec
    assert load_data(spec).dataset is None and load_data(spec).messages == (NO_CSV_MESSAGE,)
    table, _ = read_csv(pima_csv())
    loaded = load_data(spec, table)
    assert loaded.dataset.feature_names == ("Glucose", "BMI") and loaded.table is table


@pytest.mark.parametrize("bad", BAD_CSV, ids=[bad.name for bad in BAD_CSV])
def test_each_bad_csv_gives_the_loaders_message(bad):
    table, messages = read_csv(bad.data)
    if bad.stage == "read":
        assert table is None and bad.message in " ".join(messages)
    elif bad.stage == "repair":
        assert table is not None and bad.message in " ".join(table.repairs)
    else:
        dataset, messages = prepare(table, table.target)
        assert dataset is None and bad.message in " ".join(messages)


@pytest.mark.parametrize("bad", BAD_CSV, ids=[bad.name for bad in BAD_CSV])
def test_cli_exits_2_with_one_line_for_each_bad_csv(bad, tmp_path, capsys):
    path = tmp_path / "data.csv"
    path.write_bytes(bad.data)
    assert main(["train", "--csv", str(path), "--epochs", "2"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("playground: ") and bad.message in lines[0]


@pytest.mark.parametrize(("args", "message"), [
    (["--csv", "/no/such/file.csv"], "cannot read /no/such/file.csv"),
    (["--target", "Outcome"], "--target needs --csv"),
    (["dataset=csv"], "none is loaded"),
])
def test_cli_other_bad_data_arguments(args, message, capsys):
    assert main(["train", *args, "--epochs", "2"]) == 2
    assert message in capsys.readouterr().err


def test_cli_trains_on_a_csv_file_and_reports_test_metrics(tmp_path, capsys):
    path = tmp_path / "pima.csv"
    path.write_bytes(pima_csv(300))
    code = main(["train", "--csv", str(path), "--target", "Outcome",
                 "layers=8&activation=relu&optimizer=adam&lr=0.01&batch=16&train=80&seed=2", "--epochs", "20",
                 "--json"])
    output = json.loads(capsys.readouterr().out)
    assert code == 0 and output["status"] == "finished"
    assert output["spec"]["dataset"] == "csv" and output["spec"]["problem"] == "binary"  # detected
    assert output["data"]["train_rows"] == 240 and len(output["data"]["features"]) == 8
    assert set(output["test_metrics"]) == {"accuracy", "precision", "recall", "f1", "roc_auc"}
    assert output["test_metrics"]["accuracy"] > 0.75


def test_cli_repaired_file_is_refused_unless_accepted(tmp_path, capsys):
    path = tmp_path / "dup.csv"
    path.write_bytes(b"x,x,label\n" + b"".join(f"{i},{i % 3},{i % 2}\n".encode() for i in range(40)))
    assert main(["train", "--csv", str(path), "--epochs", "1"]) == 2
    assert "--accept-repairs" in capsys.readouterr().err
    assert main(["train", "--csv", str(path), "--accept-repairs", "--epochs", "1"]) == 0


def test_a_target_column_is_for_csv_files_only():
    parsed = RunSpec.from_query("dataset=iris&target=petal width (cm)")
    assert parsed.spec.target == "" and "CSV files only" in parsed.messages[0]
    assert RunSpec.from_query("dataset=csv&target=petal width (cm)").ok


def test_cli_refuses_a_target_the_spec_cannot_hold(tmp_path, capsys):
    name = "x" * 201
    path = tmp_path / "long.csv"
    path.write_bytes(f"a,{name}\n".encode() + b"".join(f"{i},{i % 2}\n".encode() for i in range(30)))
    assert main(["train", "--csv", str(path), "--target", name, "--epochs", "1"]) == 2
    assert "at most 200 characters" in capsys.readouterr().err


def test_cli_prints_the_readers_notes(tmp_path, capsys):
    path = tmp_path / "headerless.csv"
    path.write_bytes(pima_csv(60, header=False))
    assert main(["train", "--csv", str(path), "--epochs", "1"]) == 0
    assert "note: The first row holds numbers" in capsys.readouterr().err
