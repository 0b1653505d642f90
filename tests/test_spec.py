import json

import pytest

from playground.options import OPTIONS
from playground.spec import RunSpec


def test_defaults_are_tensorflow_playgrounds_and_valid():
    spec = RunSpec()
    assert spec.validate() == []
    assert (spec.dataset, spec.layers, spec.activations, spec.learning_rate, spec.batch_size, spec.train_share) == (
        "circle", (4, 2), ("tanh", "tanh"), 0.03, 10, 50)
    assert spec.resolved_loss == "binary_crossentropy" and spec.output_activation == "sigmoid"


@pytest.mark.parametrize(("query", "message"), [
    ("lr=50", "learning rate 50 is above the maximum 10"),
    ("lr=0.000001", "learning rate 1e-06 is below the minimum 1e-05"),
    ("lr=fast", "learning rate 'fast' is not a number"),
    ("lr=inf", "learning rate inf is not a finite number"),
    ("layers=4,300", "hidden layers 300 is above the maximum 256"),
    ("layers=1,1,1,1,1,1,1,1,1", "hidden layers has 9 values; the maximum is 8"),
    ("layers=4,0", "hidden layers 0 is below the minimum 1"),
    ("layers=4.5", "hidden layers '4.5' is not a whole number"),
    ("batch=0", "batch size 0 is below the minimum 1"),
    ("batch=2048", "batch size 2048 is above the maximum 1024"),
    ("dataset=moon", "data set 'moon' is not one of"),
    ("activation=tanh,sigmoidal", "activation 'sigmoidal' is not one of"),
    ("noise=60", "noise 60 is above the maximum 50"),
    ("train=5", "training share 5 is below the minimum 10"),
    ("dropout=0.95", "dropout rate 0.95 is above the maximum 0.9"),
    ("reg=l3", "regularisation 'l3' is not one of: none, l1, l2"),
    ("epochs=0", "epoch limit 0 is below the minimum 1"),
    ("features=x1,x3", "input features 'x3' is not one of"),
    ("features=none", "input features needs at least 1 value(s)"),
    ("optimizer=lbfgs", "optimiser 'lbfgs' is not one of"),
    ("colour=blue", "unknown parameter 'colour' ignored"),
])
def test_each_bad_value_gives_its_message_and_the_default(query, message):
    parsed = RunSpec.from_query(query)
    assert len(parsed.messages) == 1
    assert parsed.messages[0].startswith(message), parsed.messages
    assert parsed.spec.validate() == []
    assert parsed.spec == RunSpec.from_query("").spec  # the bad value fell back to the default


def test_many_bad_values_are_all_reported_and_good_ones_kept():
    parsed = RunSpec.from_query("dataset=spiral&lr=50&batch=x&layers=8,8&bogus=1")
    assert len(parsed.messages) == 3
    assert parsed.spec.dataset == "spiral" and parsed.spec.layers == (8, 8)
    assert parsed.spec.learning_rate == 0.03 and parsed.spec.batch_size == 10
    assert parsed.problems[0] == "learning rate 50 is above the maximum 10"


def test_issue_example_query():
    parsed = RunSpec.from_query("dataset=spiral&layers=8,8,4&activation=tanh&lr=0.03&seed=7")
    assert parsed.ok
    spec = parsed.spec
    assert spec.layers == (8, 8, 4) and spec.activations == ("tanh",) * 3 and spec.seed == 7


@pytest.mark.parametrize("query", [
    "",
    "dataset=spiral&layers=8,8,4&activation=tanh&lr=0.03&seed=7",
    "dataset=xor&layers=none&features=x1,x2,x1x2",
    "layers=6,3&activation=relu,sigmoid&dropout=0.2,0&reg=l2&regrate=0.003&init=he_normal",
    "problem=regression&dataset=multi_gauss&loss=huber&optimizer=adam&lr=0.001&batch=32",
    "problem=multiclass&dataset=spiral&classes=4&noise=25&train=70&dseed=99&epochs=50&patience=5",
])
def test_query_string_round_trip(query):
    spec = RunSpec.from_query(query).spec
    again = RunSpec.from_query(spec.to_query())
    assert again.ok, again.messages
    assert again.spec == spec


def test_json_round_trip():
    spec = RunSpec.from_query("layers=6,3&activation=relu,sigmoid&dropout=0.2,0&optimizer=rmsprop").spec
    data = json.loads(spec.to_json())
    assert data["layers"] == [6, 3] and data["activations"] == ["relu", "sigmoid"]
    parsed = RunSpec.from_json(spec.to_json())
    assert parsed.ok and parsed.spec == spec


def test_bad_json_is_reported_not_raised():
    assert RunSpec.from_json("{not json").messages[0].startswith("the spec is not valid JSON")
    assert RunSpec.from_json("[1, 2]").messages == ("the spec JSON must be an object; using the defaults",)
    parsed = RunSpec.from_json('{"learning_rate": "fast", "layers": [4, 2], "colour": 1}')
    assert parsed.spec.learning_rate == 0.03
    assert any("unknown setting 'colour'" in message for message in parsed.messages)


def test_mapping_input_as_streamlit_query_params_gives_it():
    parsed = RunSpec.from_query({"dataset": "xor", "lr": ["0.1", "0.3"], "seed": 5})
    assert parsed.ok and parsed.spec.learning_rate == 0.3 and parsed.spec.seed == 5


def test_problem_follows_the_data_set_and_mismatches_are_fixed_and_reported():
    assert RunSpec.from_query("dataset=plane").spec.problem == "regression"
    parsed = RunSpec.from_query("dataset=plane&problem=binary")
    assert parsed.spec.problem == "regression" and "is for regression" in parsed.messages[0]
    parsed = RunSpec.from_query("dataset=circle&problem=regression")
    assert parsed.spec.problem == "binary" and "is for classification" in parsed.messages[0]
    parsed = RunSpec.from_query("dataset=plane&loss=binary_crossentropy")
    assert parsed.spec.loss == "auto" and "does not fit a regression problem" in parsed.messages[0]


def test_per_layer_lists_broadcast_or_are_fixed():
    spec = RunSpec.from_query("layers=3,3,3&activation=relu&dropout=0.1").spec
    assert spec.activations == ("relu",) * 3 and spec.dropout_rates == (0.1,) * 3
    parsed = RunSpec.from_query("layers=3,3,3&activation=relu,tanh")
    assert parsed.spec.activations == ("relu", "tanh", "tanh")
    assert "activation has 2 value(s) for 3 hidden layer(s)" in parsed.messages[0]


def test_hide_parameters_name_controls_to_hide():
    parsed = RunSpec.from_query("lr_hide=true&dataset_hide=1&noise_hide=false&dataset=xor")
    assert parsed.ok and parsed.hidden == frozenset({"learning_rate", "dataset"})


def test_validate_reports_problems_of_a_spec_built_directly():
    assert RunSpec(learning_rate=50).validate() == ["learning rate 50 is above the maximum 10"]
    assert RunSpec(layers=(3,)).validate() == ["activation has 2 value(s) for 1 hidden layer(s)",
                                               "dropout rate has 2 value(s) for 1 hidden layer(s)"]
    assert RunSpec(dataset="plane", problem="binary").validate() == [
        "data set 'plane' is for regression, not binary classification"]


def test_replace_keeps_per_layer_lists_in_step():
    spec = RunSpec().replace(activations=("relu", "sigmoid"))
    grown = spec.replace(layers=(4, 2, 2))
    assert grown.activations == ("relu", "sigmoid", "sigmoid") and grown.validate() == []
    assert spec.replace(layers=()).hidden_layers == []


def test_only_live_options_avoid_a_reset():
    spec = RunSpec()
    assert not spec.needs_reset(spec.replace(learning_rate=0.3, epochs=50))
    assert spec.needs_reset(spec.replace(layers=(4,)))
    assert spec.needs_reset(spec.replace(seed=2))


def test_every_option_has_a_unique_key_label_and_valid_default():
    assert len({option.key for option in OPTIONS}) == len(OPTIONS)
    for option in OPTIONS:
        assert option.label and option.help
        assert option.check(option.default)[1] is None, option.name


@pytest.mark.parametrize("fields", [
    {"dataset": "iris", "problem": "multiclass", "target": "species"},
    {"dataset": "iris", "problem": "binary"},
    {"dataset": "plane", "problem": "binary"},
    {"dataset": "circle", "problem": "regression"},
    {"dataset": "plane", "problem": "regression", "loss": "binary_crossentropy"},
    {"layers": (3, 3, 3), "activations": ("relu", "tanh"), "dropout_rates": (0.1, 0.2)},
])
def test_one_set_of_rules_repairs_and_validates(fields):
    """What validation reports of a spec built directly is what repairing the same fields says it mended."""
    reported = RunSpec(**fields).validate()
    repaired = RunSpec.from_values(fields)
    assert reported and [message.split("; ")[0] for message in repaired.messages] == reported
    assert repaired.spec.validate() == []


def test_replace_refuses_an_option_that_does_not_exist():
    with pytest.raises(TypeError, match="train_percent"):
        RunSpec().replace(train_percent=60)
