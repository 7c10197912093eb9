import os
import shutil

import pytest

# What a test needs from the machine beyond the .venv: a marker names it, the test skips
# where it is missing, and .ci/run installs it, so under CI=true a skip is a failure.
MACHINE_NEEDS = {
    "browser": ("a Chromium browser (Debian package chromium)",
                lambda: shutil.which("chromium") or shutil.which("chromium-browser")),
    "system_graphviz": ("a system Graphviz (Debian package graphviz)", lambda: shutil.which("dot")),
}


def browser_executable() -> str | None:
    """The system Chromium that the browser tests drive, or None."""
    return MACHINE_NEEDS["browser"][1]()


def pytest_runtest_setup(item):
    for marker, (what, find) in MACHINE_NEEDS.items():
        if item.get_closest_marker(marker) is None or find():
            continue
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {what} is missing: .ci/run installs it; a skip here would "
                        f"silently switch off the {marker!r} tests", pytrace=False)
        pytest.skip(f"needs {what}; .ci/run installs it")


@pytest.fixture
def torch():
    """torch (float64) as an optional oracle: tests using it skip cleanly without it."""
    torch = pytest.importorskip("torch")
    torch.set_default_dtype(torch.float64)
    return torch
