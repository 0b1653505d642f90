"""Reading an uploaded CSV file into a Table, with one clear message for each way a file can be unusable
(empty, not CSV at all, an image, HTML, ragged rows, over the limits, ...). Never raises on user data."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

from playground.data.tables import Table, class_names, detect_problem

MAX_CSV_BYTES = 20 * 1024 * 1024
MAX_CSV_ROWS = 100_000
SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t|"
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "?", "-", "missing"})
# A text column whose values are nearly all numbers is numeric with a few typos, not a category.
MOSTLY_NUMERIC_SHARE = 0.95
# Files that people upload by mistake, by their first bytes.
MAGIC_BYTES = {
    b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image", b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive (an Excel .xlsx workbook is one)", b"\xd0\xcf\x11\xe0": "an old Excel .xls workbook",
}


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True




def _refuse_non_csv(data: bytes, max_bytes: int) -> str | None:
    if not data.strip():
        return "The file is empty."
    if len(data) > max_bytes:
        return (f"The file is {len(data) / 2**20:.1f} MB; the limit is {max_bytes / 2**20:g} MB "
                f"(MAX_CSV_BYTES). Upload a sample of the rows.")
    for magic, kind in MAGIC_BYTES.items():
        if data.startswith(magic):
            return f"This is not a CSV file: it looks like {kind}. Save the table as CSV and upload that."
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")) and b"\x00" in data[:SNIFF_BYTES]:
        return "This is not a CSV file: it holds binary data (NUL bytes). Save the table as CSV text."
    start = data[:200].lstrip().lower()
    if start.startswith((b"<!doctype html", b"<html", b"<?xml")):
        return ("This is not a CSV file: it is a web page (HTML/XML). Download the raw CSV instead of the page "
                "that shows it.")
    return None


def _decode(data: bytes) -> tuple[str, str | None]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), None
    try:
        return data.decode("utf-8-sig"), None  # also plain UTF-8; drops Excel's byte-order mark
    except UnicodeDecodeError:
        return data.decode("latin-1"), "The file is not UTF-8; it was read as Latin-1, so accents may look wrong."


def _sniff_delimiter(text: str) -> str:
    sample = text[:SNIFF_BYTES]
    if len(text) > SNIFF_BYTES and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # a cut-off last line would confuse the sniffer
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def _column_names(first_row: list[str], messages: list[str], repairs: list[str]) -> tuple[list[str], bool]:
    """The header (renamed where empty or repeated) and whether the first row is one; notes go to messages,
    renames to repairs as well."""
    if any(_is_number(cell.strip()) for cell in first_row):
        names = [f"column_{index + 1}" for index in range(len(first_row))]
        messages.append(f"The first row holds numbers, so it was read as data, not a header; the columns are "
                        f"named column_1 to column_{len(first_row)}.")
        return names, False
    names, seen = [], set()
    for index, cell in enumerate(first_row):
        name = cell.strip()
        if not name:
            name = f"column_{index + 1}"
            messages.append(f"Column {index + 1} has no name in the header; it is called '{name}'.")
            repairs.append(messages[-1])
        if name in seen:
            base, copy = name, 2
            while f"{base}_{copy}" in seen:
                copy += 1
            name = f"{base}_{copy}"
            messages.append(f"The header names '{base}' more than once; the repeat is called '{name}'.")
            repairs.append(messages[-1])
        seen.add(name)
        names.append(name)
    return names, True


def _coerce(name: str, values: list[str], decimal_comma: bool, messages: list[str]) -> pd.Series:
    raw = pd.Series(values, dtype=object).str.strip()
    raw = raw.mask(raw.str.lower().isin(MISSING_TOKENS))
    present = raw.dropna()
    if present.empty:
        return pd.Series(np.nan, index=raw.index, name=name)
    text = present.str.replace(",", ".", regex=False) if decimal_comma else present
    numbers = pd.to_numeric(text, errors="coerce")
    failed = numbers.isna()
    if failed.mean() > 1 - MOSTLY_NUMERIC_SHARE:
        return raw.rename(name)
    if failed.any():
        examples = ", ".join(repr(value) for value in present[failed].unique()[:3])
        messages.append(f"{failed.sum()} values of column '{name}' are not numbers ({examples}); "
                        f"they count as missing.")
    return numbers.reindex(raw.index).astype(np.float64).rename(name)


def read_csv(data: bytes, *, max_bytes: int = MAX_CSV_BYTES,
             max_rows: int = MAX_CSV_ROWS) -> tuple[Table | None, list[str]]:
    """A table from CSV bytes, and messages: why it was refused (table None) or what was changed."""
    refusal = _refuse_non_csv(data, max_bytes)
    if refusal:
        return None, [refusal]
    text, note = _decode(data)
    messages = [note] if note else []
    repairs = list(messages)
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    rows, ragged, names, expected = [], [], None, 0
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue  # blank lines carry nothing
            if names is None:
                names, has_header = _column_names(row, messages, repairs)
                expected = len(names)
                if len(names) < 2:
                    return None, [f"The file has only one column ('{names[0]}'). A table needs feature columns "
                                  f"and a target column, separated by commas, semicolons, tabs or '|'."]
                if has_header:
                    continue
            if len(row) != expected:
                ragged.append(f"line {reader.line_num} has {len(row)} fields")
                if len(ragged) >= 3:
                    break
                continue
            if len(rows) >= max_rows:
                return None, [f"The file has more than {max_rows:,} data rows; the limit is {max_rows:,} "
                              f"(MAX_CSV_ROWS). Upload a sample of the rows."]
            rows.append(row)
    except csv.Error as error:
        return None, [f"The file could not be read as CSV near line {reader.line_num}: {error}."]
    if ragged:
        return None, [f"Rows must all have {expected} fields like the first row, but {'; '.join(ragged)}."]
    if names is None:
        return None, ["The file is empty."]
    if not rows:
        return None, ["The file has a header but no data rows."]
    columns = {name: _coerce(name, [row[index] for row in rows], delimiter != ",", messages)
               for index, name in enumerate(names)}
    empty = [name for name, column in columns.items() if column.isna().all()]
    for name in empty:
        messages.append(f"Column '{name}' has no values (all missing), so it was left out.")
        repairs.append(messages[-1])
        del columns[name]
    if len(columns) < 2:
        return None, messages + ["Fewer than two columns have values; a table needs features and a target."]
    frame = pd.DataFrame(columns)
    target = frame.columns[-1]
    problem = detect_problem(frame[target])
    classes = () if problem == "regression" else class_names(frame[target])
    return Table(frame, target, problem, classes, repairs=tuple(repairs)), messages
