"""AppTest: the Playground page on tables: built-in data sets, CSV uploads (good and each bad one), the
evaluation, explanation and comparison tabs."""

import time

import pytest
from csv_samples import BAD_CSV, pima_csv
from streamlit.testing.v1 import AppTest
from test_page_playground import epoch, open_app, url_spec, wait_for_first_epoch

from playground.data.sources import NO_CSV_MESSAGE
from tests.test_page_teaching_a import formulas


def errors(app: AppTest) -> str:
    return " ".join(error.value for error in app.error)


def frame_with(app: AppTest, column: str):
    """The shown data frame that has this column (AppTest does not expose data frames' keys)."""
    return next(frame.value for frame in app.dataframe if column in frame.value.columns)


def upload(app: AppTest, data: bytes, name: str = "data.csv") -> AppTest:
    app.file_uploader(key="csv_upload").set_value((name, data, "text/csv")).run()
    assert not app.exception, [exception.value for exception in app.exception]
    return app


def step_and_wait(app: AppTest) -> None:
    app.button(key="step").click().run()
    wait_for_first_epoch(app, 90)
    assert epoch(app) == 1


def test_iris_opens_with_column_choices_balance_and_no_point_controls():
    app = open_app({"dataset": "iris", "layers": "8", "activation": "relu", "optimizer": "adam", "lr": "0.03"})
    assert not app.error and not app.warning
    assert url_spec(app).problem == "multiclass"
    assert app.multiselect(key="w_columns").options == ["sepal length (cm)", "sepal width (cm)",
                                                        "petal length (cm)", "petal width (cm)"]
    keys = {widget.key for widget in app.sidebar.selectbox} | {widget.key for widget in app.sidebar.slider}
    assert "w_noise" not in keys and "w_samples" not in keys and "w_target" not in keys
    balance = frame_with(app, "training rows")
    assert list(balance["class"]) == ["setosa", "versicolor", "virginica"]
    assert balance["training rows"].sum() == 75 and balance["test rows"].sum() == 75


def test_iris_trains_and_shows_test_metrics_confusion_and_explanation():
    app = open_app({"dataset": "iris", "layers": "8", "activation": "relu", "optimizer": "adam", "lr": "0.03"})
    step_and_wait(app)
    labels = [metric.label for metric in app.metric]
    assert {"Accuracy", "Precision (macro)", "Recall (macro)", "F1 (macro)"} <= set(labels)
    assert "ROC AUC" not in labels  # binary only
    (matrix,) = [block.value for block in app.markdown if "confusion matrix" in block.value]
    assert "true setosa, predicted" in matrix  # an SVG: no Plotly to load while a run trains
    captions = " ".join(caption.value for caption in app.caption)
    assert "On the 75 test rows" in captions and "Integrated gradients" not in captions  # the tab is closed
    assert app.session_state["controller"].plane().kind == "pca"  # 4 inputs: principal components by default
    app.session_state["result_tabs"] = "Explain a prediction"  # as a click on the tab does
    app.run()
    assert "Integrated gradients" in " ".join(caption.value for caption in app.caption)
    app.number_input(key="explain_row").set_value(5).run()
    assert not app.exception


def test_choosing_feature_columns_narrows_the_network_and_the_plane():
    app = open_app({"dataset": "iris"})
    app.multiselect(key="w_columns").set_value(["petal length (cm)", "petal width (cm)"]).run()
    assert not app.exception
    assert url_spec(app).columns == ("petal length (cm)", "petal width (cm)")
    assert app.session_state["controller"].job().dataset.input_count == 2
    plane = app.session_state["controller"].plane()
    assert plane.kind == "features" and plane.caption().startswith("A slice through 'petal length (cm)'")


def test_regression_table_shows_scatter_plots_after_a_step():
    app = open_app({"dataset": "diabetes", "layers": "8", "activation": "relu", "optimizer": "adam", "lr": "0.1"})
    assert url_spec(app).problem == "regression"
    step_and_wait(app)
    assert {"MAE", "RMSE", "R²"} <= {metric.label for metric in app.metric}


def test_csv_without_a_file_asks_for_one_and_trains_nothing():
    app = open_app({"dataset": "csv"})
    assert any(NO_CSV_MESSAGE in info.value for info in app.info)
    assert not app.error
    assert not [button for button in app.button if button.key == "play"]


def test_a_good_csv_upload_detects_the_target_and_trains():
    app = open_app({"dataset": "csv"})
    upload(app, pima_csv(200), "pima.csv")
    assert not app.error
    assert app.selectbox(key="w_target").value == ""  # the last column, Outcome
    assert url_spec(app).problem == "binary"
    step_and_wait(app)
    assert "ROC AUC" in {metric.label for metric in app.metric}
    # Another target: its problem type is detected again (Glucose is a measurement: regression).
    app.selectbox(key="w_target").set_value("Glucose").run()
    assert not app.exception
    assert url_spec(app).target == "Glucose" and url_spec(app).problem == "regression"


@pytest.mark.parametrize("bad", BAD_CSV, ids=[bad.name for bad in BAD_CSV])
def test_each_bad_csv_shows_an_error_box_and_no_exception(bad):
    app = open_app({"dataset": "csv"})
    upload(app, bad.data)
    assert bad.message in errors(app), errors(app)
    repaired = bad.stage == "repair"
    # A repaired file can be trained on (the page says what was repaired); the others stop before training.
    assert bool([button for button in app.button if button.key == "play"]) == repaired


def test_a_bad_upload_then_a_good_one_recovers():
    app = open_app({"dataset": "csv"})
    upload(app, b"\x89PNG\r\n\x1a\n" + bytes(64))
    assert "PNG image" in errors(app)
    upload(app, pima_csv(100))
    assert not app.error and [button for button in app.button if button.key == "play"]


def test_reset_keeps_the_run_for_comparison_and_restore_brings_its_settings_back():
    app = open_app({"dataset": "breast_cancer", "layers": "4", "optimizer": "adam", "lr": "0.01"})
    step_and_wait(app)
    app.selectbox(key="w_learning_rate").set_value("0.1").run()  # live: same run
    app.button(key="reset").click().run()
    app.number_input(key="w_units_0").set_value(6).run()
    step_and_wait(app)
    app.session_state["result_tabs"] = "Compare runs"  # as a click on the tab does
    app.run()
    runs = next(widget for widget in app.multiselect if widget.label == "Runs")
    assert runs.options == ["Run 1", "Current"] and runs.value == ["Run 1", "Current"]
    table = frame_with(app, "Run 1")
    assert "Hidden layers" in list(table[""]) and "Test accuracy" in list(table[""])
    app.selectbox(key="restore_pick").set_value("Run 1").run()
    app.button(key="restore").click().run()
    time.sleep(0.5)
    app.run()
    assert not app.exception
    assert url_spec(app).layers == (4,) and app.number_input(key="w_units_0").value == 4


def test_the_forward_page_follows_a_network_trained_on_a_table():
    app = open_app({"dataset": "wine", "layers": "4", "activation": "relu", "optimizer": "adam", "lr": "0.01"})
    step_and_wait(app)
    app.switch_page("app_pages/forward.py").run()
    app.segmented_control(key="forward_source").set_value("My trained network").run()
    app.number_input(key="forward_sample").set_value(3).run()
    assert not app.exception, [exception.value for exception in app.exception]
    assert any(formula.startswith(r"h = \mathrm{relu}(W^{(1)} x") for formula in formulas(app))
    assert any("same values" in caption.value for caption in app.caption)  # checked against Keras


def test_missing_values_are_counted_and_can_be_imputed():
    rows = "".join(f"{i},{'' if i % 5 == 0 else i * 2},{i % 2}\n" for i in range(60))
    app = open_app({"dataset": "csv"})
    upload(app, f"a,b,label\n{rows}".encode())
    captions = " ".join(caption.value for caption in app.caption)
    assert "Missing values per column: b 12" in captions and "Dropped 12 of 60 rows" in captions
    app.selectbox(key="w_missing").set_value("impute").run()
    assert "Filled 12 missing values" in " ".join(caption.value for caption in app.caption)
    assert app.session_state["controller"].job().dataset.x_train.shape[0] == 30


def test_a_shared_csv_link_keeps_its_columns_when_the_file_has_them():
    app = open_app({"dataset": "csv", "target": "Glucose", "columns": "BMI,Age", "problem": "regression",
                    "missing": "impute"})
    upload(app, pima_csv(120))
    spec = url_spec(app)
    assert (spec.target, spec.columns, spec.problem, spec.missing) == ("Glucose", ("BMI", "Age"), "regression",
                                                                       "impute")
    assert app.session_state["controller"].job().dataset.feature_names == ("BMI", "Age")
    upload(app, b"a,b,label\n" + b"".join(f"{i},{i % 7},{i % 2}\n".encode() for i in range(40)), "other.csv")
    spec = url_spec(app)  # another file without those columns: its last column, all others, detected problem
    assert (spec.target, spec.columns, spec.problem) == ("", (), "binary")


def test_switching_tables_resets_the_plane_choice_without_an_error():
    app = open_app({"dataset": "wine"})
    version = app.session_state["controller"].data_version
    app.toggle(key=f"plane_pca_{version}").set_value(False).run()
    app.selectbox(key=f"plane_x_{version}").set_value(12).run()
    assert app.session_state["controller"].plane().x_label == "proline"
    app.selectbox(key="w_dataset").set_value("iris").run()
    assert not app.exception, [exception.value for exception in app.exception]
    assert app.session_state["controller"].plane().kind == "pca"


def test_each_table_brings_its_own_problem_type():
    app = open_app()
    for dataset, problem in (("wine", "multiclass"), ("breast_cancer", "binary"), ("diabetes", "regression"),
                             ("circle", "binary"), ("iris", "multiclass"), ("plane", "regression")):
        app.selectbox(key="w_dataset").set_value(dataset).run()
        assert not app.exception
        assert (url_spec(app).dataset, url_spec(app).problem) == (dataset, problem)
    app.selectbox(key="w_dataset").set_value("gauss").run()
    app.selectbox(key="w_problem").set_value("multiclass").run()
    app.selectbox(key="w_dataset").set_value("spiral").run()  # between 2-D sets the chosen problem stays
    assert (url_spec(app).dataset, url_spec(app).problem) == ("spiral", "multiclass")


def test_leaving_a_csv_for_a_table_forgets_the_csv_columns():
    app = open_app({"dataset": "csv"})
    upload(app, pima_csv(100))
    app.selectbox(key="w_target").set_value("Glucose").run()
    app.multiselect(key="w_columns").set_value(["BMI", "Age"]).run()
    app.selectbox(key="w_dataset").set_value("iris").run()
    assert not app.error, errors(app)
    spec = url_spec(app)
    assert (spec.dataset, spec.target, spec.columns, spec.problem) == ("iris", "", (), "multiclass")


def test_a_multiclass_output_view_has_a_legend_of_its_classes():
    from playground.views.boundary import class_legend

    app = open_app({"dataset": "iris"})
    (legend,) = [item.value for item in app.markdown if "pg-class-legend" in item.value]
    names = ("setosa", "versicolor", "virginica")
    for name, colour in class_legend(names):
        assert f"background:{colour};" in legend and name in legend
    assert not any("pg-class-legend" in item.value for item in open_app().markdown)  # binary: no legend
