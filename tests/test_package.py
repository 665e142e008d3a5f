"""The package as pip installs it, and the pages that tell how.

The wheel is built from a copy of the files it is made of, installed into a fresh venv with
its runtime dependencies only, and run there with the repository out of sight. The pages
(README, the package's long description, the notebooks) may only point at files and
headings that exist.
"""

from __future__ import annotations

import ast
import email
import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
WHEEL_SOURCES = ("pyproject.toml", "README.md", "LICENSE", "autograd", "nn")
RUNTIME_DEPENDENCIES = {"numpy", "graphviz", "tqdm", "matplotlib"}
PAGES = ("README.md", "notebooks/README.md", "benchmarks/README.md")


def source_version() -> str:
    """``autograd.__version__`` as written in the source, read without importing it."""
    tree = ast.parse((ROOT / "autograd" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == [
            "__version__"
        ]:
            return str(ast.literal_eval(node.value))
    raise AssertionError("autograd/__init__.py assigns no __version__")


def run(
    args: list[str | Path], cwd: Path, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run a command outside the repository: no PYTHONPATH, no venv of ours."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of its sources (so no stale build folder can leak in)."""
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    src.mkdir()
    for name in WHEEL_SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, src / name)
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", src, "-w", work], work)
    assert built.returncode == 0, built.stderr
    (path,) = work.glob("chainrule-*.whl")
    return path


def wheel_metadata(path: Path) -> Any:
    """The wheel's METADATA, parsed as the email-style headers plus body it is."""
    with zipfile.ZipFile(path) as z:
        (name,) = [n for n in z.namelist() if n.endswith(".dist-info/METADATA")]
        return email.message_from_string(z.read(name).decode("utf-8"))


@pytest.mark.slow
def test_wheel_holds_the_two_packages_their_types_and_the_license_only(wheel: Path) -> None:
    version = source_version()
    assert wheel.name == f"chainrule-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        license_text = z.read(f"chainrule-{version}.dist-info/licenses/LICENSE").decode()
    assert {n.split("/")[0] for n in names} == {"autograd", "nn", f"chainrule-{version}.dist-info"}
    assert {"autograd/py.typed", "nn/py.typed"} <= set(names)
    sources = {
        p.relative_to(ROOT).as_posix() for d in ("autograd", "nn") for p in (ROOT / d).glob("*.py")
    }
    assert {n for n in names if n.endswith(".py")} == sources
    assert license_text == (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Copyright (c) 2026 the chainrule developers" in license_text


@pytest.mark.slow
def test_wheel_metadata_has_one_version_runtime_dependencies_and_a_page_for_an_index(
    wheel: Path,
) -> None:
    meta = wheel_metadata(wheel)
    assert meta["Version"] == source_version()
    assert meta["License-Expression"] == "MIT"
    runtime = {
        re.split(r"[<>=!~ ;\[]", req)[0]
        for req in meta.get_all("Requires-Dist")
        if "extra ==" not in req
    }
    assert runtime == RUNTIME_DEPENDENCIES
    assert {"dev", "bench", "notebooks"} <= set(meta.get_all("Provides-Extra"))
    assert any(
        r.startswith("jupyterlab") and "notebooks" in r for r in meta.get_all("Requires-Dist")
    )
    page = meta.get_payload()
    assert page.strip() == (ROOT / "README.md").read_text(encoding="utf-8").strip()
    head = page[: page.index("## A learner's path")]
    assert "pip install" in head  # a reader who came from an index sees their install first
    for target in re.findall(r"\]\(([^)]+)\)", page):
        assert target.startswith("https://"), f"relative link {target!r} breaks on an index page"


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_venv_and_runs_there(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python, chainrule = bin_dir / "python", bin_dir / "chainrule"
    installed = run([python, "-m", "pip", "install", "-q", wheel], tmp_path)
    assert installed.returncode == 0, installed.stderr

    probe = (
        "import autograd, nn; "
        "print(autograd.__file__); print(nn.__file__); print(autograd.__version__); "
        "print(nn.__version__ is autograd.__version__)"
    )
    imported = run([python, "-c", probe], tmp_path)
    assert imported.returncode == 0, imported.stderr
    autograd_file, nn_file, version, same = imported.stdout.split("\n")[:4]
    for file in (autograd_file, nn_file):
        assert Path(file).resolve().is_relative_to(env_dir.resolve()), file
    assert version == source_version()
    assert same == "True"

    demo = run([chainrule, "demo", "--epochs", "2", "--out", tmp_path / "out"], tmp_path)
    if shutil.which("dot"):
        assert demo.returncode == 0, demo.stderr
        assert sorted(p.name for p in (tmp_path / "out").glob("*.png")) == [
            "decision_boundary.png",
            "neuron.png",
        ]
    else:  # the pictures need Graphviz's dot, which pip cannot install: the error says so
        assert "Graphviz" in demo.stderr

    if "--version" in (ROOT / "nn" / "cli.py").read_text(encoding="utf-8"):
        shown = run([chainrule, "--version"], tmp_path)
        assert shown.returncode == 0, shown.stderr
        assert source_version() in shown.stdout.split()


def test_nn_and_autograd_share_one_version_that_the_metadata_reads() -> None:
    import autograd
    import nn

    assert nn.__version__ is autograd.__version__
    assert autograd.__version__ == source_version()
    assert re.fullmatch(r"\d+\.\d+\.\d+", autograd.__version__)
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    with (ROOT / "pyproject.toml").open("rb") as f:
        pyproject = tomllib.load(f)
    assert "version" not in pyproject["project"]
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "autograd.__version__"}


PAGE_PATHS = [ROOT / name for name in PAGES] + sorted((ROOT / "notebooks").glob("*.ipynb"))


def page_text(path: Path) -> str:
    """A page's text: a Markdown file, or the prose (Markdown cells) of a notebook."""
    if path.suffix != ".ipynb":
        return path.read_text(encoding="utf-8")
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(path, as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def anchors(markdown: str) -> set[str]:
    """The anchors a Markdown page's headings get (lower case, spaces to dashes)."""
    headings = re.findall(r"^#+\s+(.+?)\s*$", markdown, re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}


@pytest.mark.parametrize("path", PAGE_PATHS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_link_and_path_on_a_page_exists(path: Path) -> None:
    text = page_text(path)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue  # a web address
        file, _, anchor = target.partition("#")
        linked = (path.parent / file).resolve() if file else path
        assert linked.exists(), f"{path.name} links to {target!r}, which does not exist"
        if anchor:
            assert anchor in anchors(linked.read_text(encoding="utf-8")), (
                f"{path.name} links to {target!r}: no such heading"
            )
    # Paths quoted as code, `tests/cases.py` or `notebooks/`: './x' names what a command writes.
    for token in re.findall(r"`([\w.-]*(?:/[\w.-]*)+|[\w-]+\.(?:py|md|ipynb|toml))`", text):
        if token.startswith("./"):
            continue
        bases = (path.parent, ROOT, ROOT / "notebooks")
        assert any((base / token).exists() for base in bases), (
            f"{path.name} mentions `{token}`, which is not in the project"
        )
