"""Marking benchmark (issue 12): answer sheets marked per second.

Generates ``--sheets`` variants of a 2-3-2 exercise with the course's generator
(chainrule.exercise.generate: forward pass, deltas, gradients, updates: 40
figures a sheet) and an answer sheet for each, in turn: right to 6 decimals;
with every intermediate rounded to 4 significant digits; holding one
misconception of the catalogue (its figures from misconceived_figures); with
one slip (a figure 10% off). Then marks every sheet (chainrule.exercise.check,
as `chainrule exercise check` and `mark` do: exact values, error carried
forward, the diagnosis of each wrong figure) and prints the seconds per sheet
(each kind, and all), against one plain ``solve()`` of the same spec in the
same process (the worked solution `chainrule bp` prints: both conventions).
Target: under 0.1 s per sheet (a class of 500 in under a minute).

    python bench/exercise_marking.py [--sheets 500]
"""
from __future__ import annotations

import argparse
import math
import statistics
import time

from chainrule.exercise.check import check_answers
from chainrule.exercise.generate import template_from_dict, variant
from chainrule.exercise.misconceptions import MISCONCEPTIONS, misconceived_figures
from chainrule.solver import solve

KINDS = ("right", "rounded", "misconception", "slip")
TARGET = 0.1  # seconds per sheet


def text(v: float, digits: int) -> str:
    """``v`` with ``digits`` significant digits, as a student writes it."""
    if v == 0:
        return "0"
    places = digits - 1 - math.floor(math.log10(abs(v)))
    return f"{v:.{max(places, 0)}f}"


def rounded_sheet(ex) -> dict[str, str]:
    """Every figure from the figures before it rounded to 4 significant digits:
    worked figure by figure with misconceived_figures' machinery off (the right
    rules), each asked figure given back as written."""
    from chainrule.exercise.workings import Frame, Rules, read_quantity, work
    frame = Frame(ex.spec)
    keys = {q: read_quantity(q, frame) for q in ex.asked}
    given: dict = {}
    sheet = {}
    # in the order a student computes them: the forward pass, the gradients from the
    # output layer down, then the updates
    level = {name: i for i, nodes in enumerate(frame.levels) for n in nodes
             for name in frame.names_of[n]}
    kinds = {"value": 0, "local": 1, "grad": 1, "change": 2, "updated": 3}
    order = sorted(ex.asked, key=lambda q: (kinds.get(keys[q][0][0], 4), level.get(keys[q][0][-1], 0)))
    for q in order:
        key, sign = keys[q]
        value = sign * work(frame, Rules(ex.spec.convention), given, [key])[key]
        sheet[q] = text(value, 4)
        given[key] = sign * float(sheet[q])
    return sheet


def make_sheet(ex, i: int) -> tuple[str, dict[str, str], str]:
    """(kind, answers, the misconception's code or "")."""
    kind = KINDS[i % len(KINDS)]
    right = {q: text(v, 6) for q, v in ex.values.items()}
    if kind == "rounded":
        return kind, rounded_sheet(ex), ""
    if kind == "misconception":
        codes = list(MISCONCEPTIONS)
        for k in range(len(codes)):
            code = codes[(i // len(KINDS) + k) % len(codes)]
            got = misconceived_figures(ex.spec, code, ex.asked)
            if got:
                return kind, {**right, **{q: text(v, 6) for q, v in got.items()}}, code
    if kind in ("slip", "misconception"):
        q = ex.asked[(i * 7) % len(ex.asked)]
        return "slip", {**right, q: text(ex.values[q] * 1.1, 6)}, ""
    return kind, right, ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheets", type=int, default=500)
    args = parser.parse_args()
    template = template_from_dict({"name": "bench-2-3-2", "shape": [2, 3, 2],
                                   "ask": ["forward", "deltas", "gradients", "updates"]})
    t0 = time.perf_counter()
    exercises = [variant(template, i) for i in range(args.sheets)]
    sheets = [make_sheet(ex, i) for i, ex in enumerate(exercises)]
    print(f"{args.sheets} sheets of {len(exercises[0].asked)} figures generated in "
          f"{time.perf_counter() - t0:.1f} s (not timed)")

    times: dict[str, list[float]] = {k: [] for k in KINDS}
    solves, full, as_meant, cpu = [], 0, 0, 0.0
    for ex, (kind, answers, code) in zip(exercises, sheets):
        t = time.perf_counter()
        solve(ex.spec)
        solves.append(time.perf_counter() - t)
        t, c = time.perf_counter(), time.process_time()
        marking = check_answers(ex.spec, answers, asked=ex.asked)
        times[kind].append(time.perf_counter() - t)
        cpu += time.process_time() - c
        full += marking.score["points"] == marking.score["total"]
        wrong = [f for f in marking.figures if f.status == "wrong"]
        # what each kind of sheet should get: full marks; every wrong figure diagnosed with
        # the sheet's misconception; one wrong figure (the slip)
        as_meant += (not wrong if kind in ("right", "rounded") else
                     bool(wrong) and {f.diagnosis for f in wrong} == {code} if code else
                     len(wrong) == 1)
    every = [x for xs in times.values() for x in xs]
    per_sheet = sum(every) / len(every)
    per_solve = sum(solves) / len(solves)
    for kind, xs in times.items():
        if xs:
            print(f"  {kind:14} {len(xs):4} sheets  {statistics.mean(xs) * 1000:7.1f} ms per sheet "
                  f"(max {max(xs) * 1000:.1f} ms)")
    print(f"marking: {per_sheet:.4f} s per sheet, {sum(every):.1f} s for {len(every)} sheets; "
          f"{full} with full marks; {as_meant} of {len(every)} marked as meant")
    print(f"  (processor time: {cpu / len(every):.4f} s per sheet; the wall-clock figures count "
          "the other processes sharing the machine too)")
    print(f"one plain solve() of the same spec: {per_solve:.4f} s; marking / solve = "
          f"{per_sheet / per_solve:.1f}")
    print(f"target: under {TARGET} s per sheet: {'met' if per_sheet < TARGET else 'NOT met'}")


if __name__ == "__main__":
    main()
