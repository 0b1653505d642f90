import numpy as np
import pytest
from csv_samples import PIMA_COLUMNS, pima_csv

from playground.data.csv_reading import MAX_CSV_ROWS, read_csv
from playground.data.tables import BUILTIN_TABLES, TabularDataset, class_balance, load_builtin, prepare


def read_ok(data: bytes):
    table, messages = read_csv(data)
    assert table is not None, messages
    return table, messages


@pytest.mark.parametrize("name, rows, features, problem, classes", [
    ("iris", 150, 4, "multiclass", 3), ("wine", 178, 13, "multiclass", 3),
    ("breast_cancer", 569, 30, "binary", 2), ("digits", 1797, 64, "multiclass", 10),
    ("diabetes", 442, 10, "regression", 0),
])
def test_builtin_tables_load_with_their_shapes_and_problem(name, rows, features, problem, classes):
    assert name in BUILTIN_TABLES
    table = load_builtin(name)
    assert table.frame.shape == (rows, features + 1) and table.problem == problem
    assert len(table.class_names) == classes
    assert (table.images is not None) == (name == "digits")
    dataset, _ = prepare(table, table.target, seed=3)
    assert dataset.problem == problem and dataset.class_count == classes and dataset.input_count == features
    assert len(dataset.x_train) + len(dataset.x_test) == rows
    assert dataset.y_train.shape == ((len(dataset.x_train),) if problem == "multiclass" else (len(dataset.x_train), 1))


def test_digits_images_match_their_pixels():
    table = load_builtin("digits")
    assert table.images.shape == (1797, 8, 8)
    assert np.array_equal(table.images.reshape(1797, 64), table.frame.iloc[:, :64].to_numpy())


def test_breast_cancer_keeps_scikit_learn_class_order():
    dataset, _ = prepare(load_builtin("breast_cancer"), "diagnosis")
    assert dataset.class_names == ("malignant", "benign")
    assert sum(sum(counts) for counts in class_balance(dataset).values()) == 569


def test_pima_like_csv_is_binary_split_by_share_and_standardised_on_train_only():
    table, messages = read_ok(pima_csv())
    assert messages == [] and table.target == "Outcome" and table.problem == "binary"
    assert table.class_names == ("0", "1")
    dataset, messages = prepare(table, "Outcome", train_share=0.75, seed=7)
    assert isinstance(dataset, TabularDataset) and messages == []
    assert (len(dataset.x_train), len(dataset.x_test)) == (225, 75)
    assert dataset.feature_names == tuple(PIMA_COLUMNS[:-1]) and dataset.class_count == 2
    assert dataset.y_train.shape == (225, 1) and dataset.y_train.dtype == np.float32
    assert np.allclose(dataset.x_train.mean(axis=0), 0, atol=1e-5)
    assert np.allclose(dataset.x_train.std(axis=0), 1, atol=1e-4)
    # The test split reuses the training statistics, so its mean is near 0 but not forced to it.
    test_means = dataset.x_test.mean(axis=0)
    assert np.all(np.abs(test_means) < 0.6) and np.abs(test_means).max() > 1e-3
    balance = class_balance(dataset)
    assert set(balance) == {"0", "1"}
    train_share_of_ones = balance["1"][0] / 225
    assert abs(train_share_of_ones - balance["1"][1] / 75) < 0.03  # stratified


def test_same_seed_same_split_and_other_seed_other_split():
    table, _ = read_ok(pima_csv())
    first, again, other = (prepare(table, "Outcome", seed=seed)[0] for seed in (1, 1, 2))
    assert np.array_equal(first.x_train, again.x_train)
    assert not np.array_equal(first.x_train, other.x_train)


def test_semicolon_file_with_decimal_commas():
    text = pima_csv(60).decode().replace(",", ";")
    text = text.replace(".", ",")  # European spreadsheets write 1,5 for 1.5 in ;-separated files
    table, _ = read_ok(text.encode())
    assert list(table.frame.columns) == PIMA_COLUMNS
    assert table.frame["BMI"].dtype == np.float64


def test_tab_separated_file():
    table, _ = read_ok(pima_csv(40, delimiter="\t"))
    assert table.frame.shape == (40, 9)


def test_headerless_file_gets_column_names_and_a_note():
    table, messages = read_ok(pima_csv(50, header=False))
    assert table.frame.shape == (50, 9) and table.target == "column_9"
    assert any("header" in message for message in messages)


def test_latin1_file_is_read_with_a_note():
    data = "größe,klasse\n1.5,café\n2.5,thé\n3.5,café\n".encode("latin-1")
    table, messages = read_ok(data)
    assert list(table.frame.columns) == ["größe", "klasse"] and set(table.class_names) == {"café", "thé"}
    assert any("Latin-1" in message for message in messages)


def test_utf8_byte_order_mark_is_not_part_of_the_first_name():
    table, messages = read_ok("\ufeffa,b\n1,2\n3,4\n".encode())
    assert list(table.frame.columns) == ["a", "b"] and messages == []


@pytest.mark.parametrize("data, expected", [
    (b"", "empty"),
    (b"  \n\n", "empty"),
    (b"\x89PNG\r\n\x1a\n" + bytes(100), "PNG image"),
    (b"\xff\xd8\xff\xe0" + bytes(100), "JPEG image"),
    (b"PK\x03\x04" + bytes(100), "xlsx"),
    (b"abc\x00\x01\x02def\x00" * 20, "binary data"),
    (b"<!DOCTYPE html><html><body><table></table></body></html>", "web page"),
    (b"value\n1\n2\n3\n", "only one column"),
    (b"a,b,c\n1,2,3\n4,5\n6,7,8\n9,10,11,12\n", "line 3 has 2 fields; line 5 has 4 fields"),
    (b"a,b,c\n", "no data rows"),
    (b"a,b\n,1\n,2\n", "Fewer than two columns"),
])
def test_bad_files_give_a_message_and_no_table(data, expected):
    table, messages = read_csv(data)
    assert table is None and len(messages) >= 1
    assert expected in " ".join(messages)


def test_limits_are_named_in_their_messages():
    table, messages = read_csv(pima_csv(50), max_bytes=1000)
    assert table is None and "limit is 0.000953674 MB" in messages[0] and "MAX_CSV_BYTES" in messages[0]
    table, messages = read_csv(pima_csv(50), max_rows=20)
    assert table is None and "more than 20 data rows" in messages[0] and "MAX_CSV_ROWS" in messages[0]
    assert MAX_CSV_ROWS == 100_000


def test_all_missing_column_is_left_out_with_a_note():
    table, messages = read_ok(b"a,empty,b\n1,,2\n3,NA,4\n5,,6\n")
    assert list(table.frame.columns) == ["a", "b"]
    assert any("'empty'" in message and "all missing" in message for message in messages)


def test_duplicate_and_empty_headers_are_renamed_with_notes():
    table, messages = read_ok(b"x,x,,y\n1,2,3,4\n5,6,7,8\n")
    assert list(table.frame.columns) == ["x", "x_2", "column_3", "y"]
    assert len(messages) == 2


def test_stray_text_in_a_numeric_column_counts_as_missing():
    rows = "\n".join(f"{value},{value % 2}" for value in range(40))
    table, messages = read_ok(f"dose,label\n{rows}\noops,1\n".encode())
    assert table.frame["dose"].isna().sum() == 1 and "'oops'" in messages[0]


def missing_table():
    rows = [f"{index},{index * 2 if index % 5 else ''},{'' if index % 7 == 0 else index % 3},{index % 2}"
            for index in range(1, 61)]
    return read_ok(("a,b,c,target\n" + "\n".join(rows) + "\n").encode())[0]


def test_missing_values_dropped_or_imputed_with_counts():
    table = missing_table()  # b misses every 5th row, c every 7th: 12 + 8 - 1 overlap = 19 rows
    dropped, messages = prepare(table, "target", missing="drop")
    assert len(dropped.x_train) + len(dropped.x_test) == 41
    assert "Dropped 19 of 60 rows" in messages[0]
    imputed, messages = prepare(table, "target", missing="impute")
    assert len(imputed.x_train) + len(imputed.x_test) == 60
    assert not np.isnan(imputed.x_train).any() and not np.isnan(imputed.x_test).any()
    assert "Filled 20 missing values in 19 rows" in messages[0]


def test_rows_without_a_target_are_dropped():
    rows = "\n".join(f"{value},{'' if value < 3 else value % 2}" for value in range(30))
    dataset, messages = prepare(read_ok(f"x,y\n{rows}\n".encode())[0], "y")
    assert len(dataset.x_train) + len(dataset.x_test) == 27 and "Dropped 3 rows without" in messages[0]


def test_string_target_is_encoded_to_sorted_classes():
    species = ["setosa", "versicolor", "virginica"]
    rows = "\n".join(f"{index * 0.1:.1f},{index % 4},{species[index % 3]}" for index in range(60))
    table, _ = read_ok(f"length,width,species\n{rows}\n".encode())
    assert table.problem == "multiclass" and table.class_names == tuple(species)
    dataset, _ = prepare(table, "species")
    assert dataset.class_names == tuple(species) and dataset.class_count == 3
    assert dataset.y_train.dtype == np.int32 and set(dataset.y_train) == {0, 1, 2}
    assert {name: sum(counts) for name, counts in class_balance(dataset).items()} == dict.fromkeys(species, 20)


def test_text_feature_with_few_values_is_one_hot_encoded_and_with_many_refused():
    rows = "\n".join(f"{index},{['red', 'green'][index % 2]},id{index},{index % 2}" for index in range(40))
    table, _ = read_ok(f"size,colour,name,label\n{rows}\n".encode())
    dataset, messages = prepare(table, "label", features=["size", "colour"])
    assert dataset.feature_names == ("size", "colour=green", "colour=red") and "one-hot" in messages[0]
    dataset, messages = prepare(table, "label")
    assert dataset is None and "'name'" in messages[0]


def test_single_class_target_is_refused():
    rows = "\n".join(f"{value},{value * 2},yes" for value in range(30))
    dataset, messages = prepare(read_ok(f"a,b,answer\n{rows}\n".encode())[0], "answer")
    assert dataset is None and "single class" in messages[0]


def test_problem_override_and_its_limits():
    table = load_builtin("diabetes")
    assert prepare(table, "progression", problem="binary")[0] is None
    wine_quality = read_ok(("x,quality\n" + "\n".join(f"{v},{3 + v % 5}" for v in range(50))).encode())[0]
    assert wine_quality.problem == "multiclass"
    dataset, _ = prepare(wine_quality, "quality", problem="regression")
    assert dataset.problem == "regression" and dataset.class_count == 0 and dataset.y_train.shape[1] == 1
    dataset, messages = prepare(load_builtin("iris"), "species", problem="regression")
    assert dataset is None and "not numeric" in messages[0]


@pytest.mark.parametrize("arguments, expected", [
    ({"target": "nope"}, "no column 'nope'"),
    ({"target": "Outcome", "features": ["Age", "Outcome"]}, "cannot be a feature"),
    ({"target": "Outcome", "features": ["Height"]}, "no columns 'Height'"),
    ({"target": "Outcome", "features": []}, "at least one feature"),
    ({"target": "Outcome", "missing": "guess"}, "dropped or imputed"),
    ({"target": "Outcome", "train_share": 1.0}, "between 0 and 1"),
    ({"target": "Outcome", "problem": "ranking"}, "Unknown problem type"),
])
def test_bad_choices_give_a_message(arguments, expected):
    dataset, messages = prepare(read_ok(pima_csv(40))[0], **arguments)
    assert dataset is None and expected in messages[0]
