"""Every notebook runs top to bottom in a fresh kernel and prints what it is stored with.

The notebooks are stored with their outputs, pictures included, so that a reader sees them
without running anything. Each test here runs one notebook again and compares its text
outputs (printed streams and the text of results) with the stored ones, so that the stored
outputs never rot. Pictures are compared by kind only (a PNG is still a PNG), and a cell
tagged ``measurement`` (a time, a speedup) is run but left out of the comparison.

After changing a notebook, run it and store its outputs (all notebooks, or those named)::

    .venv/bin/python tests/test_notebooks.py [notebooks/NAME.ipynb ...]
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MEASUREMENT = "measurement"  # the cell tag for outputs that vary from run to run
ADDRESS = re.compile(r"\bat 0x[0-9a-fA-F]+")  # <object at 0x7f...>
PROGRESS_BAR = re.compile(r"^.*\d+%\|.*\| *\d+/\d+ \[.*\]\s*$")  # a tqdm line
KERNEL_ENV = {"PYTHONHASHSEED": "0"}  # the same set and dict orders in every run


def execute(path: Path) -> Any:
    """Run a notebook top to bottom in a fresh kernel and return it with its new outputs.

    The kernel starts in a temporary folder, so files a notebook writes go nowhere.
    A cell that raises stops the run with ``nbclient``'s CellExecutionError, naming it.
    """
    nb = nbformat.read(path, as_version=4)
    saved = {key: os.environ.get(key) for key in KERNEL_ENV}
    os.environ.update(KERNEL_ENV)
    try:
        with tempfile.TemporaryDirectory() as folder:
            nbclient.NotebookClient(
                nb,
                timeout=300,
                kernel_name="python3",
                record_timing=False,  # no timestamps in the stored files
                coalesce_streams=True,
                resources={"metadata": {"path": folder}},
            ).execute()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return nb


def _text(text: str | list[str]) -> str:
    """A text output with what legitimately varies taken out: addresses, progress bars."""
    joined = "".join(text)
    lines = re.split(r"(?<=\n)|\r", ADDRESS.sub("at 0x…", joined))
    return "".join(line for line in lines if not PROGRESS_BAR.match(line.rstrip("\n")))


def comparable(cell: Any) -> dict[str, Any]:
    """What of a code cell's outputs must not change: its text, and the kinds of its pictures.

    Streams are joined per name, since the kernel may split printed text into chunks
    differently from run to run.
    """
    streams: dict[str, str] = {}
    shown: list[tuple[str, list[str], str]] = []
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream":
            streams[out["name"]] = streams.get(out["name"], "") + _text(out["text"])
        elif out["output_type"] in ("display_data", "execute_result"):
            data = out.get("data", {})
            kinds = sorted(data)
            shown.append((out["output_type"], kinds, _text(data.get("text/plain", ""))))
        else:
            shown.append((out["output_type"], [], _text(out.get("evalue", ""))))
    return {"streams": {name: text for name, text in streams.items() if text}, "shown": shown}


def code_cells(nb: Any) -> list[Any]:
    """The code cells of a notebook, in order."""
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def store(paths: list[Path]) -> None:
    """Run each notebook and write it back with its outputs, addresses taken out of reprs.

    Without the addresses, storing an unchanged notebook again changes only its measurements.
    """
    for path in paths:
        print(f"running {path.name} ...", flush=True)
        nb = execute(path)
        for cell in code_cells(nb):
            for out in cell.outputs:
                if "text/plain" in out.get("data", {}):
                    out.data["text/plain"] = ADDRESS.sub("at 0x…", out.data["text/plain"])
        nbformat.write(nb, path)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_and_prints_what_it_is_stored_with(path: Path) -> None:
    stored = code_cells(nbformat.read(path, as_version=4))
    counts = [cell.get("execution_count") for cell in stored]
    assert counts == list(range(1, len(stored) + 1)), (
        f"{path.name} is not stored from one run top to bottom (execution counts {counts}); "
        "store it with: .venv/bin/python tests/test_notebooks.py " + f"notebooks/{path.name}"
    )
    fresh = code_cells(execute(path))
    assert [c.get("id") for c in fresh] == [c.get("id") for c in stored]
    for old, new in zip(stored, fresh, strict=True):
        if MEASUREMENT in old.metadata.get("tags", []):
            continue
        assert comparable(new) == comparable(old), (
            f"{path.name}, cell {old.get('id')}: the outputs differ from the stored ones. If "
            "the change is intended, store them again: .venv/bin/python tests/test_notebooks.py "
            f"notebooks/{path.name} (a cell that prints a time or a speedup is tagged "
            f"{MEASUREMENT!r})"
        )


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 6


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<graphviz.graphs.Digraph at 0x7f3a2b1c>\n", "<graphviz.graphs.Digraph at 0x…>\n"),
        (
            "fit:  40%|████      | 2/5 [00:00<00:00, 9.10epoch/s]\rfit: 100%|██████████| "
            "5/5 [00:00<00:00, 9.12epoch/s, loss=0.1]\nafter\n",
            "after\n",
        ),
        (["loss 0.5\n", "accuracy 100%\n"], "loss 0.5\naccuracy 100%\n"),
        ("50% of 4 | 2/4 points\n", "50% of 4 | 2/4 points\n"),  # not a progress bar
    ],
)
def test_text_outputs_lose_only_what_varies(raw: str | list[str], expected: str) -> None:
    assert _text(raw) == expected


def test_streams_compare_whole_however_they_were_split() -> None:
    one = {"outputs": [{"output_type": "stream", "name": "stdout", "text": "a\nb\n"}]}
    two = {
        "outputs": [
            {"output_type": "stream", "name": "stdout", "text": "a\n"},
            {"output_type": "stream", "name": "stdout", "text": "b\n"},
        ]
    }
    changed = {"outputs": [{"output_type": "stream", "name": "stdout", "text": "a\nc\n"}]}
    assert comparable(one) == comparable(two)
    assert comparable(one) != comparable(changed)


def test_a_picture_compares_by_kind_and_its_text() -> None:
    def shown(kind: str, picture: str) -> dict[str, Any]:
        data = {kind: picture, "text/plain": "<Figure size 640x480 with 1 Axes>"}
        return {"outputs": [{"output_type": "display_data", "data": data}]}

    assert comparable(shown("image/png", "iVBOR1")) == comparable(shown("image/png", "iVBOR2"))
    assert comparable(shown("image/png", "iVBOR1")) != comparable(shown("image/svg+xml", "<svg"))


if __name__ == "__main__":
    store([Path(arg).resolve() for arg in sys.argv[1:]] or NOTEBOOKS)
