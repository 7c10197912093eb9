"""The `chainrule` command."""
from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence


def _demo(args: argparse.Namespace) -> int:
    from autograd import Value

    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = (a * b + a.tanh()).named("c")
    c.backward()
    for v in (a, b, c):
        print(v)
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="chainrule", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="a small engine demo").set_defaults(run=_demo)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
