"""Exercises: a teacher sets them, a student checks them (issue 12).

- :mod:`.generate`: per-student variants of a template (a shape, an activation,
  a loss, the figures to ask) or of a spec, with numbers a person can work with
  (:func:`~.generate.variant`, :class:`~.generate.Exercise`,
  :func:`~.generate.spec_to_toml`, :func:`~.generate.read_roster`).
- :mod:`.key`: the answer key (quantity, value, the formula it comes from).
- :mod:`.worksheet`: the worksheet to print (HTML with print styling, Markdown).
- :mod:`.moodle`: a Moodle XML quiz (Cloze questions with NUMERICAL answers, the
  misconceptions' numbers as answers with their explanations).
- :mod:`.files`: a variant's files (spec.toml, worksheet.html/.md, key.csv/.json,
  quiz.xml), written atomically.
- :mod:`.check`: a student's answer sheet marked (:func:`~.check.load_answers`,
  :func:`~.check.check_answers`, :class:`~.check.Marking`): correct, carried
  forward from an earlier slip, wrong (diagnosed) or missing.
- :mod:`.misconceptions`: the catalogue of mistakes, each a broken solver
  (:data:`~.misconceptions.MISCONCEPTIONS`, :func:`~.misconceptions.misconceived_figures`).
- :mod:`.workings`: every figure worked through the engine's graph from the
  spec's numbers or the student's own, by the right rules or a broken one.
- :mod:`.cli`: the ``chainrule exercise`` subcommands (``new`` in :mod:`.new_cli`).

Nothing below this package imports it (autograd <- nn <- viz <- chainrule).
"""
