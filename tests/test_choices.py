"""Every choice of every choice option: it builds in Keras, round-trips through the URL, and the exported script
builds the same Keras object from the same row."""

import keras
import pytest

from playground.choices import OUTPUT_ACTIVATION_CHOICES
from playground.export import keras_script
from playground.options import OPTIONS, OPTIONS_BY_NAME, REGRESSION_DATASETS, TABLE_PROBLEMS
from playground.spec import RunSpec
from playground.training.model import (
    activation_function,
    build_model,
    keras_object,
    make_loss,
    make_optimizer,
)

# The problem each loss fits (the spec would repair a loss that does not fit the problem).
LOSS_PROBLEMS = {"sparse_categorical_crossentropy": {"problem": "multiclass", "dataset": "spiral"},
                 "mse": {}, "mae": {}, "huber": {}, "binary_crossentropy": {}, "auto": {}}


def companions(name: str, choice: str) -> dict:
    """The other settings a choice needs to stand in a consistent spec."""
    if name == "regularization":
        return {"regularization_rate": 0.01}
    if name == "loss":
        return LOSS_PROBLEMS[choice]
    if name == "problem":
        return {"dataset": {"regression": "plane", "multiclass": "spiral"}.get(choice, "circle")}
    if name == "dataset":
        return {"problem": TABLE_PROBLEMS.get(choice, ("regression" if choice in REGRESSION_DATASETS
                                                        else "binary",))[0]}
    return {}


def spec_with(name: str, choice: str) -> RunSpec:
    extra = companions(name, choice)
    value = (choice,) if OPTIONS_BY_NAME[name].is_list else choice
    spec = RunSpec().replace(**{name: value}, **extra)
    assert getattr(spec, name) in (value, value * len(spec.layers)), "the spec repaired the choice"
    return spec


def config(keras_object) -> dict:
    """A Keras object's settings, without the name Keras makes unique per object."""
    return {key: value for key, value in keras_object.get_config().items() if key != "name"}


CASES = [(option.name, choice) for option in OPTIONS if option.rows for choice in option.rows]


@pytest.mark.parametrize(("name", "choice"), CASES)
def test_every_choice_has_a_label_and_round_trips_through_the_url(name, choice):
    option = OPTIONS_BY_NAME[name]
    assert option.choice_label(choice) and option.choices == tuple(option.rows)
    spec = spec_with(name, choice)
    parsed = RunSpec.from_query(spec.to_query())
    assert parsed.ok and parsed.spec == spec
    assert RunSpec.from_json(spec.to_json()).spec == spec


@pytest.mark.parametrize(("name", "choice"), [(name, choice) for name, choice in CASES
                                              if OPTIONS_BY_NAME[name].rows[choice].code])
def test_every_keras_choice_builds_and_the_script_spells_it_the_same(name, choice):
    row = OPTIONS_BY_NAME[name].rows[choice]
    spec = spec_with(name, choice)
    script = keras_script(spec)
    namespace = {"keras": keras, "binary_step": activation_function("binary_step")}
    if name == "optimizer":
        ours = make_optimizer(spec)
        code = row.spelled(learning_rate="LEARNING_RATE")
        theirs = eval(code, namespace | {"LEARNING_RATE": spec.learning_rate})
        assert f"optimizer={code}," in script and config(theirs) == config(ours)
    elif name == "loss":
        ours = make_loss(spec)
        assert f"loss={row.spelled()}," in script
        assert config(eval(row.spelled(), namespace)) == config(ours)
    elif name == "initializer":
        ours = keras_object(row.code, seed=5)
        assert config(eval(row.spelled(seed="SEED"), namespace | {"SEED": 5})) == config(ours)
        assert f"kernel_initializer={row.spelled(seed='layer_seed(SEED, 1, KERNEL)')}," in script
    elif name == "regularization":
        ours = keras_object(row.code, rate=0.01)
        assert config(eval(row.spelled(rate="0.01"), namespace)) == config(ours) != {}
        assert f"regularizer = {row.spelled(rate='0.01')}" in script
    else:
        assert name == "activations"
        function = activation_function(choice)
        assert f"activation={row.spelled()}," in script
        model = build_model(spec, 2, 1)
        assert model.get_layer("hidden_1").activation is function


@pytest.mark.parametrize("choice", list(OUTPUT_ACTIVATION_CHOICES))
def test_output_activations_build(choice):
    assert activation_function(choice) is keras.activations.get(choice)
