"""Exercises: a teacher sets them, a student checks them (issue 12).

- :mod:`.generate`: per-student variants of a template (a shape, an activation,
  a loss, the figures to ask) or of a spec, with numbers a person can work with
  (:func:`~.generate.variant`, :class:`~.generate.Exercise`,
  :func:`~.generate.spec_to_toml`, :func:`~.generate.read_roster`).
- :mod:`.key`: the answer key (quantity, value, the formula it comes from).
- :mod:`.worksheet`: the worksheet to print (HTML with print styling, Markdown).
- :mod:`.moodle`: a Moodle XML quiz (Cloze questions with NUMERICAL answers).
- :mod:`.cli`: the ``chainrule exercise`` subcommands.

Nothing below this package imports it (autograd <- nn <- viz <- chainrule).
"""
