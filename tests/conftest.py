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


# --- the browser the `browser` tests drive --------------------------------------------------
# The system Chromium, driven by Playwright (no browser download: executable_path). The hook
# above skips a `browser` test before these fixtures run, so they can assume it is there.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PROJECTOR = {"width": 1366, "height": 768}  # the classroom projector the pages must suit


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the session (Playwright gives it a fresh profile)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_executable(),
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium):
    """A new page in its own context, at the projector's size."""
    context = chromium.new_context(viewport=PROJECTOR)
    try:
        yield context.new_page()
    finally:
        context.close()


def screenshot(page, name: str, **options) -> None:
    """Where $CHAINRULE_SCREENSHOTS names a folder, save the page there as name.png, to be
    looked at as a teacher would (the tests assert on the page; this is for human eyes)."""
    folder = os.environ.get("CHAINRULE_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"{name}.png"), **options)
