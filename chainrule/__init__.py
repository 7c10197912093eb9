"""The course application, built on the library: worked solutions of hand
exercises and the ``chainrule`` command.

- :mod:`chainrule.spec`: the spec format (a hand exercise as TOML: reading,
  validation, presets); :mod:`chainrule.quantities`: the names of its figures
  (``out_h1``, ``dE_total/dw7``, ``w1+``, ``Δw1``, ``out_o1@100``)
- :mod:`chainrule.solver`: a spec solved by the engine under both update
  conventions, and its printed figures checked
- :mod:`chainrule.report`: the worked solution as text and as JSON
- :mod:`chainrule.cli`: the ``chainrule`` command (also ``python -m chainrule``)
- :mod:`chainrule.iris`, :mod:`chainrule.examples`: the slides' other examples
- :mod:`chainrule.datasets`: the real tables of the 2-1-1 deck's projects (GRE admissions,
  UCI bike sharing), shipped in ``chainrule/data/`` with their sources and licences

Imports run one way: autograd <- nn <- viz <- chainrule.
"""
