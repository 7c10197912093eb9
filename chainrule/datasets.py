"""The real tables of the 2-1-1 deck's two projects, shipped in the package
(``chainrule/data/``; sources, licences and checksums in ``data/README.md``),
read with numpy alone so that a notebook works offline and from any folder.

- :func:`load_gre`: graduate admissions, 400 applicants (``admit``, ``gre``,
  ``gpa``, ``rank``): the GRE project.
- :func:`load_bike_hourly`: UCI Bike Sharing ``hour.csv``, 17,379 hours of
  2011-2012 (Fanaee-T & Gama 2013, CC BY 4.0): the bike-sharing project.
- :func:`get_dummies`: categories to one-hot columns as ``pandas.get_dummies``
  names and orders them (``season_1`` ... ``season_4``, after the other columns).
- :func:`last_days`: the rows of the last ``n`` calendar days (the projects'
  test set).

A table is a dict of columns (name -> 1-D numpy array), in the file's order.
"""
from __future__ import annotations

import csv
import gzip
import io
from importlib import resources
from typing import Mapping, Sequence

import numpy as np

from .errors import ArgumentError
from .i18n import _

GRE_FILE = "gre_admissions.csv.gz"
BIKE_FILE = "bike_sharing_hour.csv.gz"
GRE_COLUMNS = ("admit", "gre", "gpa", "rank")
BIKE_COLUMNS = ("instant", "dteday", "season", "yr", "mnth", "hr", "holiday", "weekday",
                "workingday", "weathersit", "temp", "atemp", "hum", "windspeed", "casual",
                "registered", "cnt")
# Counts and category codes are read as integers; measurements as float64; dates as dates.
_INTEGER = {"admit", "rank", "instant", "season", "yr", "mnth", "hr", "holiday", "weekday",
            "workingday", "weathersit", "casual", "registered", "cnt"}
_DATES = {"dteday"}

Table = dict[str, np.ndarray]


def data_file(name: str) -> bytes:
    """The bytes of a file in ``chainrule/data/`` (as shipped, still compressed)."""
    return resources.files("chainrule").joinpath("data", name).read_bytes()


def _read_table(name: str, columns: Sequence[str]) -> Table:
    text = gzip.decompress(data_file(name)).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or tuple(rows[0]) != tuple(columns):
        raise ValueError(_("{file}: expected the columns {expected}, found {found}").format(
            file=name, expected=", ".join(columns), found=", ".join(rows[0] if rows else [])))
    cells = np.array(rows[1:], dtype=str)
    table: Table = {}
    for j, column in enumerate(columns):
        values = cells[:, j]
        if column in _DATES:
            table[column] = values.astype("datetime64[D]")
        elif column in _INTEGER:
            # the GRE file writes its codes as floats ("1.0"): read, then check they are whole
            numbers = values.astype(np.float64)
            if not np.all(numbers == np.round(numbers)):
                raise ValueError(_("{file}: column {column} holds a number that is not whole")
                                 .format(file=name, column=column))
            table[column] = numbers.astype(np.int64)
        else:
            table[column] = values.astype(np.float64)
    return table


def load_gre() -> Table:
    """The graduate admissions table: 400 applicants, columns ``admit`` (1 = admitted),
    ``gre``, ``gpa`` (float64) and ``rank`` (1 = most prestigious undergraduate
    institution .. 4), in the file's order."""
    return _read_table(GRE_FILE, GRE_COLUMNS)


def load_bike_hourly() -> Table:
    """UCI Bike Sharing ``hour.csv``: 17,379 hours, its 17 columns in the file's order.
    ``dteday`` as numpy dates; ``temp``, ``atemp``, ``hum``, ``windspeed`` as float64
    (normalised as the authors' readme says); the codes and counts as integers."""
    return _read_table(BIKE_FILE, BIKE_COLUMNS)


def _dummy_name(column: str, value: np.generic) -> str:
    # pandas writes the category as Python prints it: season_1, temp_0.5, weekday_Mon
    return f"{column}_{value.item() if isinstance(value, np.generic) else value}"


def get_dummies(table: Mapping[str, np.ndarray], columns: Sequence[str]) -> Table:
    """``pandas.get_dummies(table, columns=columns)`` with numpy: each listed column
    is replaced by one float64 0/1 column per value it takes (sorted), named
    ``<column>_<value>``; the other columns come first, in their order, then the
    dummies, column by column. A value absent from the table gets no column."""
    for column in columns:
        if column not in table:
            raise ArgumentError("get_dummies", "columns", _(
                "no column {column} in the table; it has {names}").format(
                column=repr(column), names=", ".join(table)))
    out: Table = {name: values for name, values in table.items() if name not in columns}
    for column in columns:
        values = np.asarray(table[column])
        for value in np.unique(values):
            out[_dummy_name(column, value)] = (values == value).astype(np.float64)
    return out


def last_days(dates: np.ndarray, days: int) -> np.ndarray:
    """A boolean mask of the rows whose date is one of the last ``days`` calendar
    days present in ``dates`` (the projects' test set: every hour of those days)."""
    if isinstance(days, bool) or not isinstance(days, (int, np.integer)) or days < 1:
        raise ArgumentError("last_days", "days", _("must be a whole number of days, at "
                                                    "least 1; got {value}").format(value=repr(days)))
    dates = np.asarray(dates, dtype="datetime64[D]")
    kept = np.unique(dates)[-days:]
    return np.isin(dates, kept)


__all__ = ["BIKE_COLUMNS", "GRE_COLUMNS", "get_dummies", "last_days", "load_bike_hourly",
           "load_gre"]
