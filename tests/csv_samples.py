"""CSV files for the tests: a PIMA-diabetes-like table and one sample of each bad input the issue names."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PIMA_COLUMNS = ["Pregnancies", "Glucose", "BloodPressure", "SkinThickness", "Insulin", "BMI",
                "DiabetesPedigreeFunction", "Age", "Outcome"]


def pima_csv(rows: int = 300, delimiter: str = ",", header: bool = True, seed: int = 0) -> bytes:
    """A PIMA-diabetes-like table: 8 numeric columns on their own scales and a 0/1 Outcome."""
    rng = np.random.default_rng(seed)
    glucose = rng.normal(120, 30, rows)
    columns = [rng.integers(0, 15, rows), glucose, rng.normal(70, 12, rows), rng.normal(20, 15, rows),
               rng.normal(80, 100, rows), rng.normal(32, 7, rows), rng.uniform(0.08, 2.4, rows),
               rng.integers(21, 81, rows), (glucose + rng.normal(0, 20, rows) > 130).astype(int)]
    lines = [delimiter.join(PIMA_COLUMNS)] if header else []
    lines += [delimiter.join(f"{column[row]:g}" for column in columns) for row in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def _rows(template: str, count: int = 30) -> str:
    return "".join(template.format(i=index, odd=index % 2) + "\n" for index in range(count))


@dataclass(frozen=True)
class BadCsv:
    name: str
    data: bytes
    message: str  # a part of the message the user sees
    stage: str  # "read": the file is refused; "repair": read, but repaired; "prepare": no usable data set


BAD_CSV = (
    BadCsv("empty", b"", "The file is empty", "read"),
    BadCsv("binary junk", b"abc\x00\x01\x02def\x00" * 40, "binary data", "read"),
    BadCsv("png image", b"\x89PNG\r\n\x1a\n" + bytes(200), "PNG image", "read"),
    BadCsv("html page", b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table></body></html>",
           "web page", "read"),
    BadCsv("one column", ("value\n" + _rows("{i}")).encode(), "only one column", "read"),
    BadCsv("ragged rows", b"a,b,c\n1,2,3\n4,5\n6,7,8\n9,10,11,12\n", "must all have 3 fields", "read"),
    BadCsv("too many rows", b"x,y\n" + b"1,0\n" * 100_001, "more than 100,000 data rows", "read"),
    BadCsv("too many bytes", b"x,y\n" + b"1.000000000,0\n" * 1_700_000, "the limit is 20 MB", "read"),
    BadCsv("single-class target", ("a,b,answer\n" + _rows("{i},{odd},yes")).encode(), "single class", "prepare"),
    BadCsv("non-numeric features", ("size,name,label\n" + _rows("{i},id{i},{odd}")).encode(),
           "are text with more than 10", "prepare"),
    BadCsv("all-missing column", ("a,empty,label\n" + _rows("{i},,{odd}")).encode(), "all missing", "repair"),
    BadCsv("duplicate headers", ("x,x,label\n" + _rows("{i},{odd},{odd}")).encode(), "more than once", "repair"),
    BadCsv("empty header", ("x,,label\n" + _rows("{i},{i},{odd}")).encode(), "no name in the header", "repair"),
    BadCsv("not utf-8", ("größe,klasse\n" + _rows("{i}.5,café")[:-1] + "\n1.5,thé\n").encode("latin-1"),
           "not UTF-8", "repair"),
)
