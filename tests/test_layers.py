"""The layers of autograd read bottom-up: no import circle, the engine knows no numpy."""

import ast
from pathlib import Path


def test_autograd_modules_import_each_other_without_a_circle() -> None:
    root = Path(__file__).resolve().parents[1] / "autograd"
    imports: dict[str, set[str]] = {}
    for path in root.glob("*.py"):
        if path.name == "__init__.py":
            continue
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):  # TYPE_CHECKING imports count too
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            found |= {n.split(".")[1] for n in names if n.startswith("autograd.")}
        imports[path.stem] = found & {p.stem for p in root.glob("*.py")}
    assert "nn" not in {m for deps in imports.values() for m in deps}

    def visit(module: str, trail: tuple[str, ...]) -> None:
        assert module not in trail, f"import circle: {' -> '.join((*trail, module))}"
        for dep in imports.get(module, ()):
            visit(dep, (*trail, module))

    for module in imports:
        visit(module, ())
    engine_deps = {
        a.name
        for n in ast.walk(ast.parse((root / "engine.py").read_text()))
        if isinstance(n, ast.Import)
        for a in n.names
    }
    assert "numpy" not in engine_deps
