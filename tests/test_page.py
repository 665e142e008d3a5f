"""step_through: the page, opened from a file in headless Chromium, against backward_steps.

The browser tests skip only on a machine without Chromium and outside CI; with CI=true a
missing browser fails them, so they cannot be skipped silently there.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pytest
from test_viz import neuron as micrograd_neuron

import nn
from autograd import Page, Tensor, Value, backward_steps, step_through, topological_order

NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:e-?\d+)?|-?inf|nan")
NAMESPACES = ("http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink")


def missing(what: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what}; CI must run the browser tests (.ci/setup installs them)")
    pytest.skip(what)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver_path is None:
        missing("chromium and chromium-driver are not installed")
    if shutil.which("dot") is None:
        missing("Graphviz dot is not installed")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing("the selenium package is not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1400,900",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    yield driver
    driver.quit()


class View:
    """The page as the browser shows it: what a test reads and does."""

    def __init__(self, driver: Any, path: Path) -> None:
        self.driver = driver
        self.url = path.resolve().as_uri()
        driver.get_log("browser")  # start each page with empty logs
        driver.get_log("performance")
        driver.get(self.url)

    @property
    def step(self) -> int:
        return int(self.driver.execute_script("return window.chainrule.step"))

    @property
    def steps(self) -> int:
        return int(self.driver.execute_script("return window.chainrule.steps"))

    @property
    def caption(self) -> str:
        return str(
            self.driver.execute_script("return document.getElementById('caption').textContent")
        )

    def press(self, key: str) -> None:
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        ActionChains(self.driver).send_keys(getattr(Keys, key)).perform()

    def button(self, name: str) -> None:
        self.driver.find_element("id", name).click()

    def goto(self, k: int) -> None:
        self.driver.execute_script("window.chainrule.goto(arguments[0])", k)

    def records(self) -> dict[str, list[str]]:
        """Each drawn record's texts, keyed by its first text (the node's name)."""
        found = self.driver.execute_script(
            "return Array.from(document.querySelectorAll('svg g.node'))"
            ".filter(g => /^n[0-9]+$/.test(g.id))"  # records; ops are n3_op, the note 'more'
            ".map(g => Array.from(g.querySelectorAll('text')).map(t => t.textContent))"
        )
        out: dict[str, list[str]] = {}
        for texts in found:
            assert texts[0] not in out, texts[0]
            out[texts[0]] = texts
        return out

    def click(self, name: str) -> None:
        """Click the record whose name is `name`, as a person would."""
        target = self.driver.execute_script(
            "return Array.from(document.querySelectorAll('svg g.node')).find("
            "g => g.querySelector('text').textContent === arguments[0]).querySelector('text')",
            name,
        )
        target.click()

    def panel(self) -> dict[str, Any]:
        return dict(
            self.driver.execute_script(
                """
                const p = document.getElementById('panel'), text = s => {
                  const e = p.querySelector(s); return e ? e.textContent : null; };
                return {name: text('.p-name'), data: text('.p-data'), grad: text('.p-grad'),
                  seed: text('.p-seed'), text: p.textContent,
                  terms: Array.from(p.querySelectorAll('.p-term')).map(li => ({
                    step: Number(li.dataset.step), applied: li.classList.contains('applied'),
                    local: li.querySelector('.local') && li.querySelector('.local').textContent,
                    upstream: li.querySelector('.upstream') &&
                      li.querySelector('.upstream').textContent,
                    added: li.querySelector('.added').textContent}))};
                """
            )
        )

    def check_clean(self) -> None:
        """No console error, and no request but the page itself."""
        errors = [e for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []
        urls = set()
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] != "Network.requestWillBeSent":
                continue
            params = message["params"]
            # Requests of this page or of a frame in it (a browser's own new-tab page is not).
            if params.get("documentURL") in (self.url, "about:srcdoc"):
                urls.add(params["request"]["url"])
        assert urls == {self.url}, urls
        resources = self.driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
        )
        assert resources == []


def open_page(browser: Any, page: Page, tmp_path: Path, name: str = "page.html") -> View:
    return View(browser, page.save(tmp_path / name))


# ------------------------------------------------------------------ the references


def label_all(root: Any, names: dict[str, Any] | None = None) -> dict[str, Any]:
    """Give every node a unique name (parameters keep theirs) and return name -> node."""
    by_id = {id(node): name for name, node in (names or {}).items()}
    out = {}
    for i, node in enumerate(topological_order(root)):
        if id(node) in by_id:
            out[by_id[id(node)]] = node
            continue
        if not node.label:
            node.label = f"u{i}"
        out[node.label] = node
    return out


def grads_after(root: Any, steps: list[Any], k: int) -> dict[int, Any]:
    """What the documented Step says each gradient is after k steps: seed plus additions."""
    totals: dict[int, Any] = {
        id(root): np.ones_like(root.data) if isinstance(root, Tensor) else 1.0
    }
    for s in steps[:k]:
        for parent, _local, added in s.contributions:
            totals[id(parent)] = totals[id(parent)] + added if id(parent) in totals else added
    return totals


def numbers(text: str) -> np.ndarray:
    return np.array([float(x) for x in NUMBER.findall(text)])


def grad_field(texts: list[str]) -> str | None:
    """The gradient field of a record: from the text starting 'grad' to the end."""
    for i, t in enumerate(texts):
        if t.startswith("grad"):
            return " ".join(texts[i:]).strip()
    return None


def check_shown(shown: str, expected: Any) -> None:
    """A record's gradient text against a number or an array (large ones show a norm)."""
    if "norm" in shown:
        assert float(shown.split()[-1]) == pytest.approx(np.linalg.norm(expected), rel=1e-3)
    else:
        np.testing.assert_allclose(numbers(shown), np.ravel(expected), rtol=1e-3, atol=1e-9)


def check_records(view: View, nodes: dict[str, Any], root: Any, steps: list[Any], k: int) -> None:
    """Every drawn record shows the gradient after k steps, or that none arrived yet."""
    view.goto(k)
    assert view.step == k
    expected = grads_after(root, steps, k)
    records = view.records()
    assert records, "no record drawn"
    for name, texts in records.items():
        node = nodes[name]
        shown = grad_field(texts)
        if isinstance(node, Tensor) and not node.requires_grad:
            assert shown is None  # a constant has no gradient field
        elif id(node) in expected:
            assert shown is not None
            check_shown(shown, expected[id(node)])
        else:
            assert shown == "grad \u2026", (name, shown)


def check_panel(view: View, name: str, node: Any, steps: list[Any], k: int) -> None:
    """The clicked node's panel: its data, grad so far and each consumer's contribution."""
    view.click(name)
    panel = view.panel()
    assert panel["name"] == name
    np.testing.assert_allclose(numbers(panel["data"]), np.ravel(node.data), rtol=1e-5)
    terms = [
        (j + 1, s, local, added)
        for j, s in enumerate(steps)
        for parent, local, added in s.contributions
        if parent is node
    ]
    assert [t["step"] for t in panel["terms"]] == [j for j, *_ in terms]
    for shown, (j, s, local, added) in zip(panel["terms"], terms, strict=True):
        assert shown["applied"] == (j <= k)
        np.testing.assert_allclose(numbers(shown["added"]), np.ravel(added), rtol=1e-5, atol=1e-12)
        if isinstance(node, Value):  # a scalar's contribution is local x grad, with numbers
            assert float(shown["local"]) == pytest.approx(local, rel=1e-5, abs=1e-12)
            assert float(shown["upstream"]) == pytest.approx(s.grad, rel=1e-5, abs=1e-12)
    so_far = grads_after(steps[0].node, steps, k).get(id(node))
    if so_far is None:
        assert panel["grad"] == "not reached yet"
    else:
        np.testing.assert_allclose(numbers(panel["grad"]), np.ravel(so_far), rtol=1e-5, atol=1e-12)


# ---------------------------------------------------------------------- the graphs


def neuron() -> tuple[Value, dict[str, Value]]:
    """micrograd's neuron, every node named."""
    o, _ = micrograd_neuron()
    return o, label_all(o)


def mlp_loss() -> tuple[Value, nn.MLP, dict[str, Any]]:
    """nn.MLP(2, [4, 1]) with a hinge loss over three points, as micrograd's demo."""
    random.seed(3)
    model = nn.MLP(2, [4, 1])
    points = [([0.5, -1.0], 1.0), ([-0.3, 0.8], -1.0), ([1.2, 0.1], 1.0)]
    losses = [(1 + -y * model(x)).relu() for x, y in points]
    loss = sum(losses, Value(0.0)) * (1.0 / len(losses))
    loss.label = "loss"
    names = dict(model.named_parameters())
    return loss, model, label_all(loss, names)


def tensor_graph() -> tuple[Tensor, dict[str, Any]]:
    """A layer and a loss: sum((x @ W + b).tanh() ** 2) + the first column's sum."""
    rng = np.random.default_rng(0)
    w = Tensor(rng.normal(size=(3, 2)), requires_grad=True, label="W")
    b = Tensor(rng.normal(size=2), requires_grad=True, label="b")
    x = Tensor(rng.normal(size=(4, 3)), label="x")  # a constant: no gradient
    h = (x @ w + b).tanh()
    loss = (h**2).sum() + h[:, 0].sum()
    loss.label = "loss"
    return loss, label_all(loss)


# --------------------------------------------------------------------------- tests


def test_neuron_steps_with_keys_buttons_and_slider(browser: Any, tmp_path: Path) -> None:
    o, nodes = neuron()
    steps = backward_steps(o)
    view = open_page(browser, step_through(o), tmp_path)
    assert (view.step, view.steps) == (0, len(steps))
    assert view.caption.startswith(f"step 0 of {len(steps)}: nothing applied yet")
    check_records(view, nodes, o, steps, 0)
    view.goto(0)
    view.press("ARROW_RIGHT")
    assert view.step == 1
    assert view.caption.startswith(f"step 1 of {len(steps)}: o (grad 1) passes")
    view.press("ARROW_LEFT")
    view.press("ARROW_LEFT")  # stays at 0
    assert view.step == 0
    view.press("END")
    assert view.step == len(steps)
    view.press("ARROW_RIGHT")  # stays at the end
    assert view.step == len(steps)
    assert view.caption.endswith("Done: every gradient is complete.")
    view.press("HOME")
    assert view.step == 0
    view.button("next")
    view.button("next")
    assert view.step == 2
    view.button("prev")
    assert view.step == 1
    view.button("end")
    assert view.step == len(steps)
    view.button("home")
    assert view.step == 0
    browser.execute_script(
        "const s = document.getElementById('slider'); s.value = '3';"
        "s.dispatchEvent(new Event('input'))"
    )
    assert view.step == 3
    for k in range(len(steps) + 1):
        check_records(view, nodes, o, steps, k)
    o.backward()
    final = view.records()
    for name, node in nodes.items():
        assert float(grad_field(final[name]).split()[1]) == pytest.approx(node.grad, abs=5e-4)
    view.check_clean()


def test_neuron_captions_say_what_each_step_does(browser: Any, tmp_path: Path) -> None:
    o, _ = neuron()
    steps = backward_steps(o)
    view = open_page(browser, step_through(o), tmp_path)
    for k, s in enumerate(steps, start=1):
        view.goto(k)
        caption = view.caption
        assert caption.startswith(f"step {k} of {len(steps)}: {s.node.label} (grad ")
        assert float(caption.split("(grad ")[1].split(")")[0]) == pytest.approx(s.grad, rel=1e-3)
        for parent, local, added in s.contributions:  # x gets local x grad = added
            part = caption.split(f" {parent.label} gets ")[1].split(";")[0].rstrip(".")
            shown_local, shown_grad, shown_added = numbers(part)[:3]
            assert shown_local == pytest.approx(local, rel=1e-3, abs=1e-9)
            assert shown_grad == pytest.approx(s.grad, rel=1e-3)
            assert shown_added == pytest.approx(added, rel=1e-3, abs=1e-9)
    view.check_clean()


def test_neuron_click_shows_the_chain_rule_sum(browser: Any, tmp_path: Path) -> None:
    o, nodes = neuron()
    steps = backward_steps(o)
    view = open_page(browser, step_through(o), tmp_path)
    for k in (0, 2, len(steps)):
        view.goto(k)
        for name in ("x1", "w2", "b", o.parents[0].label):  # and the sum before tanh
            check_panel(view, name, nodes[name], steps, k)
    view.goto(len(steps))
    view.click("o")
    assert view.panel()["seed"].startswith("grad(o) = 1: the seed")
    o.backward()
    view.click("x1")
    assert float(view.panel()["grad"]) == pytest.approx(nodes["x1"].grad, rel=1e-5)
    view.check_clean()


def test_space_plays_and_pauses(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    o, _ = neuron()
    view = open_page(browser, step_through(o), tmp_path)
    view.press("SPACE")
    WebDriverWait(browser, 20).until(lambda _: view.step >= 2)
    view.press("SPACE")
    paused = view.step
    time.sleep(2.0)  # longer than two play intervals: a paused page does not move
    assert view.step == paused
    view.goto(view.steps - 1)
    view.button("play")
    WebDriverWait(browser, 20).until(lambda _: view.step == view.steps)
    WebDriverWait(browser, 20).until(
        lambda _: "play" in browser.find_element("id", "play").text
    )  # stopped by itself at the end
    view.check_clean()


def test_mlp_loss_page_matches_backward(browser: Any, tmp_path: Path) -> None:
    loss, model, nodes = mlp_loss()
    steps = backward_steps(loss)
    page = step_through(loss, params=model)
    assert page.nodes == len(topological_order(loss))  # small enough to draw whole
    view = open_page(browser, page, tmp_path)
    assert view.steps == len(steps)
    for k in (0, 1, len(steps) // 3, len(steps) // 2, len(steps)):
        check_records(view, nodes, loss, steps, k)
    names = [name for name, _ in model.named_parameters()]
    for k in (len(steps) // 2, len(steps)):
        view.goto(k)
        for name in names[:3] + names[-3:]:
            check_panel(view, name, nodes[name], steps, k)
    loss.backward()
    view.goto(len(steps))
    for name in names:
        view.click(name)
        assert float(view.panel()["grad"]) == pytest.approx(nodes[name].grad, rel=1e-5, abs=1e-12)
    view.check_clean()


def test_tensor_page_shows_shapes_and_small_numbers(browser: Any, tmp_path: Path) -> None:
    loss, nodes = tensor_graph()
    steps = backward_steps(loss)
    view = open_page(browser, step_through(loss), tmp_path)
    assert view.steps == len(steps)
    for k in range(len(steps) + 1):
        check_records(view, nodes, loss, steps, k)
    view.goto(len(steps))
    for name in ("W", "b"):
        check_panel(view, name, nodes[name], steps, len(steps))
    loss.backward()
    view.click("W")
    panel = view.panel()
    assert "(3, 2)  float64" in panel["text"]
    np.testing.assert_allclose(numbers(panel["grad"]), nodes["W"].grad.ravel(), rtol=1e-5)
    view.click("x")
    panel = view.panel()
    assert "(4, 3)  float64" in panel["text"]
    assert panel["grad"] == "none: a constant gets no gradient"
    np.testing.assert_allclose(numbers(panel["data"]), nodes["x"].data.ravel(), rtol=1e-5)
    view.check_clean()


def test_a_cut_graph_replays_every_step(browser: Any, tmp_path: Path) -> None:
    x = Value(0.5, label="x")
    y = x
    for _ in range(99):
        y = y + x * 1.0  # x fans out to 99 products, most of them left out
    y.label = "y"
    steps = backward_steps(y)
    page = step_through(y, max_nodes=20)
    assert page.nodes == 20
    view = open_page(browser, page, tmp_path)
    assert view.steps == len(steps)
    view.press("END")
    y.backward()
    view.click("x")
    assert float(view.panel()["grad"]) == pytest.approx(x.grad)  # 100, from every step
    assert len(view.panel()["terms"]) == 100
    drawn = browser.execute_script(
        "return Array.from(document.querySelectorAll('svg g.node'))"
        ".filter(g => /^n[0-9]+$/.test(g.id)).length"
    )
    assert drawn == 20
    view.check_clean()


def test_hostile_labels_are_shown_as_text(browser: Any, tmp_path: Path) -> None:
    labels = [
        '</script><script>document.title = "owned"</script>',
        "<b>bold</b> & \"quotes\" 'single' \\ back\\",
        "{braces} | pipes <ports>",
        "\u2202\u2113/\u2202w \U0001f642 \u4e2d\u6587",
    ]
    leaves = [Value(float(i + 1), label=text) for i, text in enumerate(labels)]
    out = leaves[0] * leaves[1] + leaves[2] * leaves[3]
    out.label = "out\nwith a newline"
    view = open_page(browser, step_through(out), tmp_path)
    assert browser.title == "Backpropagation from out\nwith a newline, step by step".replace(
        "\n", " "
    )
    view.press("END")
    for text in labels:
        view.click(text)
        assert view.panel()["name"] == text
    view.check_clean()


def test_inline_in_jupyter_runs_in_a_sandboxed_iframe(browser: Any, tmp_path: Path) -> None:
    o, _ = neuron()
    page = step_through(o)
    inline = page._repr_html_()
    assert inline.startswith("<iframe srcdoc=")
    assert 'sandbox="allow-scripts"' in inline
    host = tmp_path / "notebook.html"
    host.write_text(f"<!DOCTYPE html><html><body>{inline}</body></html>", encoding="utf-8")
    view = View(browser, host)
    browser.switch_to.frame(browser.find_element("tag name", "iframe"))
    try:
        assert view.steps == len(backward_steps(o))
        browser.find_element("id", "caption").click()  # keys go to the frame a person clicked
        view.press("ARROW_RIGHT")
        assert view.step == 1
        assert view.caption.startswith("step 1 of 5: o")
        view.click("x1")
        assert view.panel()["name"] == "x1"
    finally:
        browser.switch_to.default_content()
    view.check_clean()


def test_the_policy_forbids_every_request(browser: Any, tmp_path: Path) -> None:
    o, _ = neuron()
    page = step_through(o)
    assert "default-src 'none'" in page.html
    for url in re.findall(r"https?://[^\s\"'<>]+", page.html):
        assert url in NAMESPACES  # XML namespaces name, they never load
    view = open_page(browser, page, tmp_path)
    blocked = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1], seen = [];
        document.addEventListener('securitypolicyviolation', e => seen.push(e.effectiveDirective));
        fetch('http://127.0.0.1:9/data').catch(() => {});
        const img = new Image(); img.src = 'http://127.0.0.1:9/picture.png';
        setTimeout(() => done(seen), 500);
        """
    )
    assert sorted(blocked) == ["connect-src", "img-src"]
    browser.get_log("browser")  # the violations above are reported as errors: expected
    assert view.step == 0


# -------------------------------------------------------------- without a browser


def test_page_text_and_save(tmp_path: Path) -> None:
    if shutil.which("dot") is None:
        missing("Graphviz dot is not installed")
    o, _ = neuron()
    page = step_through(o)
    saved = page.save(tmp_path / "steps.html")
    assert saved.read_text(encoding="utf-8") == page.html
    assert page.html.startswith("<!DOCTYPE html>")
    assert "<svg" in page.html
    assert repr(page) == f"Page(steps={len(backward_steps(o))}, nodes=10)"


def test_bad_arguments() -> None:
    o, _ = neuron()
    for bad in (3.0, None, [o]):
        with pytest.raises(TypeError, match=r"^step_through: expected a Value or a Tensor"):
            step_through(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^step_through: max_nodes"):
        step_through(o, max_nodes=0)
    with pytest.raises(TypeError, match=r"^step_through: params"):
        step_through(o, params=[1, 2])
    t = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match=r"^step_through: the root must hold one number.*\.sum"):
        step_through(t * 2.0)


def test_missing_dot_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from autograd.viz import GraphvizNotFoundError

    monkeypatch.setenv("PATH", str(tmp_path))
    o, _ = neuron()
    with pytest.raises(GraphvizNotFoundError, match=r"^step_through: .*apt-get install graphviz"):
        step_through(o)
