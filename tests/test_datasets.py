"""The shipped tables of the 2-1-1 deck's projects (chainrule/data/, sources in
its README.md): the exact files, their shape and figures, and the two helpers
the notebooks prepare them with (get_dummies as pandas does it, the test days)."""
import gzip
import hashlib
from importlib import resources

import numpy as np
import pytest

from chainrule.datasets import (BIKE_COLUMNS, GRE_COLUMNS, data_file, get_dummies, last_days,
                                load_bike_hourly, load_gre)
from chainrule.errors import ArgumentError

# data/README.md gives the same sums; the bike CSV's is the one recorded for UCI's hour.csv
SHA256 = {
    "gre_admissions.csv.gz": "6254f79fef5f6cb31eabad0d6715582b4103483cc8dc2b67609ffb82644d96cb",
    "bike_sharing_hour.csv.gz": "e2b01cdf412dbe19f34b3024c576b8102fd72f87462b063d674a3b194df2fc01",
    "bike_sharing_Readme.txt": "6f5ca84b8e9495c6c1f4ce48c31a99f96bba9d952c7f694cbbce3cd82332d471",
}
CSV_SHA256 = {
    "gre_admissions.csv.gz": "23ece4a1ae3a274dec9cbc545cceb623ac5a47c9bd251f4adc613a9025441fa0",
    "bike_sharing_hour.csv.gz": "e03de4ee4ef4dc376ac6e04bf829673c6269e8eba5c60fa121640fa2f829504f",
}


@pytest.fixture(scope="module")
def bike():
    return load_bike_hourly()


@pytest.mark.parametrize("name", sorted(SHA256))
def test_the_shipped_files_are_the_sourced_ones(name):
    assert hashlib.sha256(data_file(name)).hexdigest() == SHA256[name]
    if name in CSV_SHA256:
        csv = gzip.decompress(data_file(name))
        assert hashlib.sha256(csv).hexdigest() == CSV_SHA256[name]


def test_every_shipped_file_is_in_the_notice():
    """A file in data/ without its source and sha256 in data/README.md is not shipped."""
    folder = resources.files("chainrule").joinpath("data")
    notice = folder.joinpath("README.md").read_text(encoding="utf-8")
    for name, digest in SHA256.items():
        assert name in notice and digest in notice, name
    for name, digest in CSV_SHA256.items():
        assert digest in notice, name
    assert "CC BY 4.0" in notice and "doi:10.1007/s13748-013-0040-3" in notice
    assert "NCSA" in notice and folder.joinpath("gre_admissions_LICENSE-NCSA.md").is_file()


def test_gre_table():
    gre = load_gre()
    assert tuple(gre) == GRE_COLUMNS
    assert all(len(v) == 400 for v in gre.values())
    # the figures of UCLA's logit example: 127 admitted, mean GRE 587.7, mean GPA 3.3899
    assert gre["admit"].dtype == np.int64 and gre["admit"].sum() == 127
    assert gre["gre"].mean() == pytest.approx(587.7, abs=1e-9)
    assert gre["gpa"].mean() == pytest.approx(3.3899, abs=1e-9)
    assert sorted(set(gre["rank"].tolist())) == [1, 2, 3, 4]
    assert np.bincount(gre["rank"]).tolist() == [0, 61, 151, 121, 67]
    assert (gre["admit"][:3].tolist(), gre["gre"][0], gre["gpa"][0]) == ([0, 1, 1], 380.0, 3.61)


def test_bike_table(bike):
    assert tuple(bike) == BIKE_COLUMNS
    assert all(len(v) == 17_379 for v in bike.values())
    assert bike["instant"].tolist() == list(range(1, 17_380))
    assert str(bike["dteday"][0]) == "2011-01-01" and str(bike["dteday"][-1]) == "2012-12-31"
    assert len(np.unique(bike["dteday"])) == 731
    # cnt is casual + registered, hour by hour
    assert np.array_equal(bike["cnt"], bike["casual"] + bike["registered"])
    assert bike["cnt"].sum() == 3_292_679
    assert bike["temp"].dtype == np.float64 and bike["temp"][0] == 0.24
    assert np.bincount(bike["weathersit"]).tolist() == [0, 11413, 4544, 1419, 3]


def test_get_dummies_as_pandas_does():
    """pandas 3.1.1's pd.get_dummies(df, columns=["weekday", "hr", "temp"]) of this
    table gives exactly these columns and values (kept columns first, then each
    listed column's sorted values, named column_value)."""
    table = {"hr": np.array([3, 1, 3, 0]), "temp": np.array([0.5, 0.25, 0.5, 0.5]),
             "weekday": np.array(["Mon", "Sun", "Mon", "Tue"]), "cnt": np.array([7, 8, 9, 10])}
    out = get_dummies(table, ["weekday", "hr", "temp"])
    assert list(out) == ["cnt", "weekday_Mon", "weekday_Sun", "weekday_Tue",
                         "hr_0", "hr_1", "hr_3", "temp_0.25", "temp_0.5"]
    assert np.array_equal(np.column_stack(list(out.values())), [
        [7, 1, 0, 0, 0, 0, 1, 0, 1],
        [8, 0, 1, 0, 0, 1, 0, 1, 0],
        [9, 1, 0, 0, 0, 0, 1, 0, 1],
        [10, 0, 0, 1, 1, 0, 0, 0, 1]])
    assert all(out[name].dtype == np.float64 for name in list(out)[1:])


def test_get_dummies_on_the_bike_table(bike):
    fields = ["season", "weathersit", "mnth", "hr", "weekday"]
    out = get_dummies(bike, fields)
    dummies = [name for name in out if name not in bike]
    assert dummies == ([f"season_{v}" for v in range(1, 5)] + [f"weathersit_{v}" for v in range(1, 5)]
                       + [f"mnth_{v}" for v in range(1, 13)] + [f"hr_{v}" for v in range(24)]
                       + [f"weekday_{v}" for v in range(7)])
    assert not set(fields) & set(out)
    # one 1 per row and field, in the column of the row's value
    for field in fields:
        block = np.column_stack([out[n] for n in dummies if n.startswith(field + "_")])
        assert np.array_equal(block.sum(axis=1), np.ones(17_379))
        assert np.array_equal(block.argmax(axis=1), bike[field] - bike[field].min())


def test_get_dummies_names_a_missing_column(bike):
    with pytest.raises(ArgumentError, match="'season '.*instant, dteday"):
        get_dummies(bike, ["season "])


def test_the_test_set_is_the_last_21_days(bike):
    test = last_days(bike["dteday"], 21)
    days = np.unique(bike["dteday"][test])
    assert len(days) == 21 and str(days[0]) == "2012-12-11" and str(days[-1]) == "2012-12-31"
    # every hour of those days and nothing before: the rows from 16,877 on (two hours missing)
    assert np.array_equal(np.nonzero(test)[0], np.arange(16_877, 17_379))
    assert test.sum() == 502 == 21 * 24 - 2
    assert (bike["dteday"][~test] < days[0]).all()


@pytest.mark.parametrize("days", [0, -3, 2.5, True])
def test_last_days_names_a_bad_count(bike, days):
    with pytest.raises(ArgumentError, match=r"last_days\(days=\.\.\.\)"):
        last_days(bike["dteday"], days)


def test_the_seasons_are_those_of_the_dates(bike):
    """data/README.md and notebook 7 say season 1 is winter (from 21 December), although the
    authors' readme calls it spring: the dates decide."""
    for season, first_day in [(1, "2011-01-01"), (2, "2011-03-21"), (3, "2011-06-21"), (4, "2011-09-23")]:
        assert str(bike["dteday"][bike["season"] == season][0]) == first_day
    december_21 = bike["dteday"] == np.datetime64("2011-12-21")
    assert set(bike["season"][december_21].tolist()) == {1}
    assert set(bike["mnth"][bike["season"] == 1].tolist()) == {1, 2, 3, 12}
