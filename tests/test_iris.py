"""Seed 004's iris classification: the shipped table, the slide's trained network,
training to the target, and the `chainrule iris` command."""
import json

import numpy as np
import pytest

from chainrule import iris
from chainrule.cli import main


@pytest.fixture(scope="module")
def data():
    return iris.load_iris()


@pytest.fixture(scope="module")
def trained():
    return iris.run()  # the defaults: full-batch gradient descent from seed 0


def test_the_table_is_fishers_150_flowers(data):
    X, y = data
    assert X.shape == (150, 4)
    assert np.bincount(y).tolist() == [50, 50, 50]
    means = np.array([X[y == c].mean(axis=0) for c in range(3)])
    np.testing.assert_allclose(means[:, 0], [5.006, 5.936, 6.588], atol=1e-9)  # sepal length
    np.testing.assert_allclose(means[:, 1], [3.428, 2.770, 2.974], atol=1e-9)  # sepal width
    np.testing.assert_allclose(means[:, 2], [1.462, 4.260, 5.552], atol=1e-9)  # petal length
    np.testing.assert_allclose(means[:, 3], [0.246, 1.326, 2.026], atol=1e-9)  # petal width
    np.testing.assert_allclose(X.std(axis=0, ddof=1), [0.828066, 0.435866, 1.765298, 0.762238],
                               atol=1e-6)
    # the slide's sample table: rows 1, 50, 51, 100, 101, 150
    np.testing.assert_array_equal(X[[0, 49, 50, 99, 100, 149]],
                                  [[5.1, 3.5, 1.4, 0.2], [5.0, 3.3, 1.4, 0.2],
                                   [7.0, 3.2, 4.7, 1.4], [5.7, 2.8, 4.1, 1.3],
                                   [6.3, 3.3, 6.0, 2.5], [5.9, 3.0, 5.1, 1.8]])


def test_split_and_the_prediction_samples(data):
    X, y = data
    X_train, y_train, X_test, y_test = iris.split(X, y)
    assert len(X_train) == 120 and len(X_test) == 30
    assert np.bincount(y_train).tolist() == [40, 40, 40]
    np.testing.assert_array_equal(X_test[:10], X[40:50])
    # the prediction slide's six flowers are test flowers 41, 42, 91, 92, 141, 142
    np.testing.assert_array_equal(iris.PREDICTION_SAMPLES, X[[40, 41, 90, 91, 140, 141]])
    np.testing.assert_array_equal(iris.PREDICTION_CLASSES, y[[40, 41, 90, 91, 140, 141]])


def test_the_slides_trained_weights_give_the_slides_probabilities():
    probs = iris.predict_proba(iris.slide_model(), iris.PREDICTION_SAMPLES)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-12)
    expected = iris.SLIDE_PROBABILITIES.copy()
    # the slide prints 9.9998450e-01 for the first entry: a dropped 9 (its row
    # would sum to 0.999986); the weights give 0.99999841
    assert expected[0].sum() == pytest.approx(0.999986, abs=1e-6)
    assert probs[0, 0] == pytest.approx(0.99999841, abs=1e-8)
    expected[0, 0] = 1.0 - expected[0, 1:].sum()
    # the weights are printed with 8 decimals: agreement to about 1e-6 relative
    np.testing.assert_allclose(probs, expected, rtol=2e-6, atol=1e-12)
    result = iris.run(use_slide_weights=True)
    assert (result.test_correct, result.train_correct) == (30, 118)


def test_training_reaches_the_target(trained):
    assert trained.test_correct >= 29 and trained.test_total == 30
    assert trained.train_correct >= 114
    np.testing.assert_array_equal(trained.predicted, iris.PREDICTION_CLASSES)
    assert trained.confusion.sum() == 30 and np.trace(trained.confusion) == trained.test_correct
    loss = trained.history.loss
    assert loss[-1] < 0.1 < 1.0 < loss[0]
    assert all(b <= a for a, b in zip(loss, loss[1:]))  # gradient descent at a stable rate


def test_report_reads_like_the_slide(trained):
    text = iris.report(trained)
    assert f"train accuracy: {trained.train_correct:3d}/120" in text
    assert f"test accuracy:   {trained.test_correct}/30" in text
    assert "setosa" in text and "Confusion matrix" in text
    rows = [line for line in text.splitlines() if line[:2].strip().isdigit()]
    assert len(rows) == 6 and all("wrong" not in row for row in rows)


def test_cli_json(capsys):
    assert main(["iris", "--json", "--epochs", "300", "--lr", "0.5", "--batch-size", "20"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["settings"]["batch_size"] == 20 and out["settings"]["epochs"] == 300
    assert out["test"]["total"] == 30 and len(out["predictions"]) == 6
    assert set(out["predictions"][0]["probabilities"]) == {"setosa", "versicolor", "virginica"}
    assert np.array(out["confusion_matrix"]).sum() == 30
    assert np.array(out["weights"]["layers.0.W"]).shape == (4, 6)


def test_cli_text_with_the_slides_weights(capsys):
    assert main(["iris", "--slide-weights"]) == 0
    out = capsys.readouterr().out
    assert "the trained network printed on the slide" in out
    assert "test accuracy:   30/30" in out and "9.999984e-01" in out


def test_cli_rejects_bad_options(capsys):
    with pytest.raises(SystemExit):
        main(["iris", "--epochs", "0"])
    assert "expected a positive whole number, got '0'" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["--seed", "-1"], "argument --seed: expected a whole number from 0 up, got '-1'"),
    (["--seed", "1.5"], "argument --seed: expected a whole number from 0 up, got '1.5'"),
    (["--lr", "inf"], "argument --lr: expected a positive number, got 'inf'"),
])
def test_cli_rejects_seeds_and_rates_numpy_would_choke_on(capsys, argv, message):
    with pytest.raises(SystemExit) as info:
        main(["iris", *argv])
    err = capsys.readouterr().err
    assert info.value.code == 2 and message in err and "Traceback" not in err


def test_a_batch_as_big_as_the_training_set_is_called_full_batch():
    assert iris.training_mode(None, 120) == "full-batch gradient descent"
    assert iris.training_mode(1000, 120) == ("full-batch gradient descent (batch size 1000 >= "
                                             "the 120 training samples)")
    assert iris.training_mode(120, 120).startswith("full-batch")
    assert iris.training_mode(119, 120) == "mini-batch gradient descent (119 per batch)"
    assert iris.training_mode(1, 120) == "stochastic gradient descent"
    # and it is full-batch: the same losses as no batch size at all
    big, full = iris.run(epochs=3, batch_size=1000), iris.run(epochs=3)
    assert big.settings["mode"].startswith("full-batch")
    np.testing.assert_allclose(big.history.loss, full.history.loss, rtol=1e-12)
