"""The course application, built on the library: worked solutions of hand
exercises and the ``chainrule`` command.

- :mod:`chainrule.exercise`: the spec format and the solver (a network spec
  solved by the engine under both update conventions, figures checked)
- :mod:`chainrule.report`: the worked solution as text and as JSON
- :mod:`chainrule.cli`: the ``chainrule`` command (also ``python -m chainrule``)
- :mod:`chainrule.iris`, :mod:`chainrule.examples`: the slides' other examples

Imports run one way: autograd <- nn <- viz <- chainrule.
"""
