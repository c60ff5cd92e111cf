"""The shape of the tree (docs/architecture.md): no Rasa in kefu/, no cycles, no private names across packages.

Imports are read from the source with ``ast`` (including imports inside functions, which hide cycles
from an import-time check), and each package is also imported alone in a fresh interpreter.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[1]
KEFU = ROOT / "kefu"
RASA_SIDE = ("rasa", "rasa_sdk", "kefu_rasa", "actions")


def _modules() -> Iterator[Tuple[str, Path]]:
    for path in sorted(KEFU.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def _imports(module: str, path: Path) -> Iterator[Tuple[str, List[str], int]]:
    """(imported module, names, line) for every import in the file, at any depth."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            yield base, [a.name for a in node.names], node.lineno


def _area(module: str) -> str:
    """kefu.shop.store -> kefu.shop; kefu.settings -> kefu.settings."""
    return ".".join(module.split(".")[:2])


def _graph() -> Dict[str, Set[str]]:
    graph: Dict[str, Set[str]] = {}
    for module, path in _modules():
        for target, _, _ in _imports(module, path):
            if target.startswith("kefu.") and _area(target) != _area(module):
                graph.setdefault(_area(module), set()).add(_area(target))
    return graph


def _cycle(graph: Dict[str, Set[str]]) -> List[str]:
    """One cycle of areas, or []."""
    state: Dict[str, int] = {}
    stack: List[str] = []

    def visit(node: str) -> List[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = 2
        stack.pop()
        return []

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def test_the_library_never_imports_rasa() -> None:
    offenders = [f"{path.relative_to(ROOT)}:{line} imports {target}"
                 for module, path in _modules() for target, _, line in _imports(module, path)
                 if target.split(".")[0] in RASA_SIDE]
    assert not offenders, "\n".join(offenders)


def test_no_cycle_between_areas_not_even_inside_functions() -> None:
    cycle = _cycle(_graph())
    assert not cycle, " -> ".join(cycle)


def test_the_cycle_check_finds_a_cycle() -> None:
    """The checker itself can fail: a planted two-area loop is found."""
    assert _cycle({"kefu.a": {"kefu.b"}, "kefu.b": {"kefu.c"}, "kefu.c": {"kefu.a"}})
    assert not _cycle({"kefu.a": {"kefu.b"}, "kefu.b": {"kefu.c"}})


def test_no_private_name_crosses_an_area() -> None:
    offenders = [f"{path.relative_to(ROOT)}:{line} takes {name} from {target}"
                 for module, path in _modules() for target, names, line in _imports(module, path)
                 if target.startswith("kefu.") and _area(target) != _area(module)
                 for name in names if name.startswith("_") and not name.startswith("__")]
    assert not offenders, "\n".join(offenders)


AREAS = sorted({_area(module) for module, _ in _modules() if module.count(".") >= 1} - {"kefu.__main__"})


@pytest.mark.parametrize("area", AREAS)
def test_each_area_imports_alone_without_rasa(area: str) -> None:
    """A fresh interpreter imports the area by itself; Rasa is not pulled in and nothing heavy runs."""
    probe = (f"import sys, {area}; heavy = [m for m in ('rasa', 'rasa_sdk', 'tensorflow', 'spacy') if m in sys.modules];"
             " print(','.join(heavy))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "", f"importing {area} loaded {done.stdout.strip()}"
