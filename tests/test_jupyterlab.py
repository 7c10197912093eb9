"""BackwardStepper and LiveTrainingView as students meet them: in a notebook, in a real
JupyterLab, in the system Chromium. One JupyterLab server for the session, on 127.0.0.1 with a
token, its notebook folder and every Jupyter/IPython folder temporary (nothing of the user's
read or written), stopped with its kernels at the end."""
import contextlib
import inspect
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from types import SimpleNamespace

import nbformat
import pytest

from autograd import format_number
from conftest import PROJECTOR, screenshot
from nn.layers import MLP
from nn.train import fit
from test_viz_animate import RECT, assert_in_view, assert_shows, engine_views, read
from test_viz_graph import net232
import viz.live
from viz import style

XOR = ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [[0.0], [1.0], [1.0], [0.0]])
# Long enough (a second or two) for the progress bar widget to be seen while it trains.
TRAINING = dict(loss="mse", epochs=3000, batch_size=2, seed=0)


def train():
    """The notebook's training, run here too: the numbers the page must show."""
    model = MLP(2, [3, 1], "tanh", output_activation="sigmoid", seed=0)
    return fit(model, *XOR, progress=False, **TRAINING)


CELLS = [
    "from autograd import Value\n"
    "from nn.layers import MLP\n"
    "from nn.train import fit\n"
    "import viz\n\n" + inspect.getsource(net232) + "\n\nE, n = net232()",
    "stepper = viz.BackwardStepper(E)\nstepper",
    f"X, Y = {XOR}\n"
    "model = MLP(2, [3, 1], 'tanh', output_activation='sigmoid', seed=0)\n"
    "view = viz.LiveTrainingView()\n"
    f"history = fit(model, X, Y, callback=view, **{TRAINING!r})",
    # the classroom animation of the 2-3-2 worked solution, its run three updates on: the
    # page shows the first pass all the same
    "from chainrule.classroom import stepper\n"
    "from chainrule.solver import solve\n"
    "from chainrule.spec import preset\n"
    "classroom = stepper(solve(preset('bp232'), 'sequential', [3]))\n"
    "classroom",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read()


@pytest.fixture(scope="session")
def jupyter_lab(tmp_path_factory):
    """A JupyterLab server with a notebook showing the stepper and the live view."""
    home = tmp_path_factory.mktemp("jupyter")
    folder = home / "notebooks"
    folder.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, folder / "views.ipynb")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JUPYTER", "IPYTHON"))}  # none of the user's settings
    dirs = {k: home / k.lower() for k in (
        "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR",
        "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR", "MPLCONFIGDIR")}
    env.update({k: str(v) for k, v in dirs.items()})
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    # no news or update toasts over the notebook (and no requests to fetch them)
    notes = dirs["JUPYTERLAB_SETTINGS_DIR"] / "@jupyterlab" / "apputils-extension"
    notes.mkdir(parents=True)
    (notes / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    port, token = _free_port(), secrets.token_hex(16)
    log = open(home / "server.log", "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}",
         # nothing fetched from the network: no update check, no extension catalogue
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         "--LabApp.extension_manager=readonly", "--ServerApp.terminals_enabled=False",
         *(["--allow-root"] if os.geteuid() == 0 else [])],  # CI runs as root
        env=env, cwd=folder, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError):
                _get(f"{url}/api/status?token={token}")
                break
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("JupyterLab did not start:\n"
                            + (home / "server.log").read_text(errors="replace")[-3000:])
            time.sleep(0.2)
        yield SimpleNamespace(url=url, token=token, folder=folder,
                              notebook=f"{url}/lab/tree/views.ipynb?token={token}")
    finally:
        kernels = []
        with contextlib.suppress(OSError, ValueError):
            kernels = json.loads(_get(f"{url}/api/kernels?token={token}"))
        for k in kernels:  # kernels run in sessions of their own: shut them down first
            with contextlib.suppress(OSError):
                urllib.request.urlopen(urllib.request.Request(
                    f"{url}/api/kernels/{k['id']}?token={token}", method="DELETE"), timeout=10)
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


@pytest.fixture(scope="session")
def lab_page(chromium, jupyter_lab):
    """The notebook open in JupyterLab at the projector's size, every cell run once."""
    context = chromium.new_context(viewport=PROJECTOR)
    page = context.new_page()
    try:
        page.goto(jupyter_lab.notebook)
        page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=60_000)
        # the kernel is up: the status bar says so ("Python 3 (ipykernel) | Idle")
        page.get_by_text(re.compile(r"\(ipykernel\) \| Idle$")).wait_for(timeout=60_000)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        # while the third cell trains: fit's progress bar, a real ipywidgets widget
        bar = page.locator(".jp-Cell").nth(2).locator(".widget-hbox")
        bar.locator(".widget-hprogress .progress-bar").wait_for(timeout=60_000)
        label = bar.locator(".widget-html-content").last.text_content()
        page.wait_for_function(
            "() => [...document.querySelectorAll('.jp-Cell .jp-InputArea-prompt')]"
            ".map(p => p.textContent.trim()).join(' ') === '[1]: [2]: [3]: [4]:'", timeout=120_000)
        yield SimpleNamespace(page=page, progress_label=label, lab=jupyter_lab)
    finally:
        context.close()


# Scroll the notebook (the element's nearest scrolling ancestor) so that the element starts at
# its top, as a teacher would before stepping; the notebook's visible rectangle.
SCROLL_TO_TOP = """e => {
  let box = e.parentElement;
  while (box && !(/(auto|scroll)/.test(getComputedStyle(box).overflowY)
                  && box.scrollHeight > box.clientHeight)) box = box.parentElement;
  box.scrollTop += e.getBoundingClientRect().top - box.getBoundingClientRect().top;
  const r = box.getBoundingClientRect();
  return [r.left, r.top, r.right, r.bottom];
}"""


def outputs(page, cell: int) -> str:
    return page.locator(".jp-Cell").nth(cell).locator(".jp-OutputArea").inner_text()


@pytest.mark.browser
def test_the_stepper_steps_inside_jupyterlab(lab_page):
    page = lab_page.page
    assert "Error" not in outputs(page, 0) + outputs(page, 1)
    stepper = page.locator(".jp-Cell").nth(1).locator(".chainrule-stepper")
    data = json.loads(stepper.locator(".cr-data").text_content())
    E, n = net232()
    views = engine_views(E)
    N = len(views) - 1
    assert len(data["steps"]) == N
    stepper.scroll_into_view_if_needed()
    assert_shows(stepper, views[0], data, 0)
    screenshot(page, "jupyterlab_stepper_step00")
    stepper.locator("[data-act=next]").click()
    assert_shows(stepper, views[1], data, 1)
    stepper.locator(".explain").click()  # keys once the stepper has the focus
    for k in range(2, 15):
        page.keyboard.press("ArrowRight")
        seen = assert_shows(stepper, views[k], data, k)
    # Full size (Jupyter shrinks every svg in an output to its width), and, with the stepper
    # scrolled to the top of the notebook, the step's text, the picture and in it the node
    # receiving the gradient all in view at once.
    assert seen["gradPx"] >= 12
    notebook = stepper.evaluate(SCROLL_TO_TOP)
    seen = read(stepper)
    explain = stepper.locator(".explain").evaluate(RECT)
    assert_in_view(stepper, data["steps"][13], seen)
    assert notebook[1] <= explain[1] and seen["pic"][3] <= notebook[3]
    assert data["steps"][13]["child_name"] == "w7"
    assert "w7.grad: 0.000000 → 0.078064" in seen["explain"]  # the slides' dE_total/dw7
    screenshot(page, "jupyterlab_stepper_step14")
    page.keyboard.press("End")
    assert_shows(stepper, views[N], data, N)
    E.backward()
    table = dict(map(tuple, read(stepper)["table"][:-1]))
    assert table["w1"] == format_number(n["w1"].grad) and table["l2"] == format_number(n["l2"].grad)
    page.keyboard.press("Home")
    assert_shows(stepper, views[0], data, 0)
    # the notebook kept its own keys: the stepper took these, no cell was added or moved
    assert page.locator(".jp-Cell").count() == len(CELLS)


@pytest.mark.browser
def test_the_live_view_trains_inside_jupyterlab(lab_page):
    page = lab_page.page
    history = train()
    last_step = len(history.step_loss)
    assert last_step == 2 * TRAINING["epochs"]
    # the progress bar was a rendered widget (not "Loading widget..." nor its text form)
    assert f"/{TRAINING['epochs']}" in lab_page.progress_label
    out = page.locator(".jp-Cell").nth(2).locator(".jp-OutputArea")
    text = out.inner_text()
    assert "Loading widget" not in text and "HBox(" not in text and "Error" not in text
    view = out.locator(".chainrule-live")
    view.scroll_into_view_if_needed()
    loss = style.number(history.step_loss[-1], 4)
    assert view.locator("div").first.inner_text() == (
        f"epoch {TRAINING['epochs']} · step {last_step} · loss {loss}")
    assert history.step_loss[-1] < 0.5 * history.step_loss[0]  # it learned: XOR's curve falls
    network = view.locator("svg")
    assert network.locator("text", has_text="h1").count() >= 1
    picture = view.locator("img")
    assert picture.evaluate("i => i.complete && i.naturalWidth") > 300  # the plots, decoded
    for element in (network, picture):  # side by side, within the window
        box = element.evaluate(RECT)
        assert 0 <= box[0] and box[2] <= PROJECTOR["width"]
    # shrunk to fit beside the network in the notebook, the plots' ticks stay readable
    shown = picture.evaluate("i => i.getBoundingClientRect().width / i.naturalWidth")
    assert viz.live.TICK_PT * viz.live.DPI / 72 * shown >= 9
    screenshot(page, "jupyterlab_live_view")


CLASSROOM = """r => {
  const pic = r.querySelector(".pic").getBoundingClientRect(), now = r.querySelector("g.cr-now");
  const card = r.querySelector(".sumrow .card"), line = r.querySelector("svg.lead line");
  const box = now.getBoundingClientRect(), rr = r.getBoundingClientRect();
  const clip = q => ({left: Math.max(q.left, pic.left), right: Math.min(q.right, pic.right),
                      top: Math.max(q.top, pic.top), bottom: Math.min(q.bottom, pic.bottom)});
  const c = card ? card.getBoundingClientRect() : null;
  const covered = c ? [...r.querySelectorAll(".pic g.node")].filter(n => n !== now).filter(n => {
    const q = clip(n.getBoundingClientRect());
    return Math.min(c.right, q.right) > Math.max(c.left, q.left)
        && Math.min(c.bottom, q.bottom) > Math.max(c.top, q.top); }).map(n => n.id) : null;
  return {count: r.querySelector(".count").textContent,
          eq: [...r.querySelectorAll(".explain .eq")].map(e => e.textContent),
          grad: [...now.querySelectorAll("text")].map(t => t.textContent)
                  .find(t => t.startsWith("grad ")),
          box: [box.left, box.top, box.right, box.bottom],
          pic: [pic.left, pic.top, pic.right, pic.bottom],
          card: c && [c.left, c.top, c.right, c.bottom], text: card && card.textContent, covered,
          line: line && [+line.getAttribute("x2") + rr.left, +line.getAttribute("y2") + rr.top],
          under: (q => [q.left, q.top, q.right, q.bottom])(
                   r.querySelector("line.cr-lead").getBoundingClientRect())};
}"""


@pytest.mark.browser
def test_the_classroom_stepper_inside_jupyterlab(lab_page):
    """chainrule.classroom.stepper shown inline: it steps with the keys, the boxes hold the
    first pass (not the run's later updates), and the sum rule's card for out_h1 covers no
    box, its line on out_h1, all within the notebook's view."""
    page = lab_page.page
    assert "Error" not in outputs(page, 3)
    root = page.locator(".jp-Cell").nth(3).locator(".chainrule-classroom")
    data = json.loads(root.locator(".cr-data").text_content())
    names = {k: b["name"] for k, b in data["boxes"].items()}
    ids = {v: k for k, v in names.items()}
    # the first pass, though the run has gone three updates on: w7 = 0.4, grad 0.078064
    assert data["boxes"][ids["w7"]]["data"] == "0.400000"
    assert data["boxes"][ids["w7"]]["grad"] == "0.078064"
    steps = data["steps"]
    k = next(i for i, s in enumerate(steps, 1) if s["at"].startswith("dE_total/dout_h1"))
    notebook = root.evaluate(SCROLL_TO_TOP)
    root.locator(".explain").click()  # keys once the stepper has the focus
    for _ in range(k):
        page.keyboard.press("ArrowRight")
    seen = root.evaluate(CLASSROOM)
    assert seen["count"] == f"step {k} / {len(steps)}" and seen["eq"] == steps[k - 1]["lines"]
    assert seen["grad"] == "grad 0.027505"  # the slides' dE_total/dout_h1
    assert seen["text"] == "dE_total/dout_h1 = 0.030866 + (-0.003360) = 0.027505"
    assert seen["covered"] == []
    box, pic, card = seen["box"], seen["pic"], seen["card"]
    assert pic[0] <= box[0] and box[2] <= pic[2] and pic[1] <= box[1] and box[3] <= pic[3]
    for rect in (box, card):  # the step's box and its card inside the notebook's view
        assert notebook[0] <= rect[0] and rect[2] <= notebook[2], (rect, notebook)
        assert notebook[1] <= rect[1] and rect[3] <= notebook[3], (rect, notebook)
    x, y = seen["line"]  # the line from the card to the picture, on beneath its boxes to out_h1
    under = seen["under"]
    assert abs(y - pic[1]) < 1 and abs(under[1] - pic[1]) < 2 and abs(under[3] - box[1]) < 2
    assert box[0] <= under[0] <= box[2] and abs(x - under[0]) < 3
    screenshot(page, "jupyterlab_classroom_sum_rule")
    page.keyboard.press("End")
    assert root.evaluate(CLASSROOM)["count"] == f"step {len(steps)} / {len(steps)}"
    texts = root.locator(f'[id="{ids["w7"]}"] text').all_text_contents()
    assert "w7+" in texts and "0.360968" in texts
    # the notebook kept its own keys: the stepper took these, no cell was added or moved
    assert page.locator(".jp-Cell").count() == len(CELLS)
