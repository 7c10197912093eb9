"""Running the `chainrule` command in-process, as the CLI tests do."""
from chainrule.cli import main


def run(capsys, *argv):
    """The command's exit code, stdout and stderr (argparse's --help and usage
    errors exit through SystemExit: its code)."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys, *argv):
    """Exit 2, nothing on stdout, one line on stderr naming the problem (returned)."""
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "", (code, out, err)
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err
