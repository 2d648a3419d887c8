"""The floors hold: every import in src/labelwise points down (or across one floor), never up.

The package reads data -> scores -> decisions -> evaluation, and each room of it sits on a floor
(see ``FLOORS``, drawn from the code as it is). A module may import from its own floor and the
floors below it; an import that climbs is named with its file and line. Imports are read with
``ast`` from every module, including the ones inside functions (a lazy import climbs as surely as
a top-level one). ``UPWARD_EXCEPTIONS`` lists the arrows that still climb, each with its reason;
keep it tiny.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "labelwise"

#: Floors from the ground up; a room is a top-level module or subpackage of labelwise
#: ("labelwise" is the package's own __init__, which imports only data/ eagerly).
FLOORS: list[tuple[str, set[str]]] = [
    ("ground", {"labelwise", "errors", "_validation", "_inputs", "_math", "_warnings", "_files",
                "_progress", "data", "datasets"}),
    ("what the targets pose", {"problem", "split", "diagnostics"}),
    ("metrics", {"metrics"}),
    ("decisions", {"decision"}),
    ("scores", {"models", "text"}),
    # evaluating a fitted model, writing it to a file, running it on a cluster: the main job
    # uses all three, so they sit below it
    ("fitted models", {"evaluation", "persist", "scale_out", "dask"}),
    ("the main job", {"auto", "pipeline"}),
    ("surfaces", {"report", "serve", "cli", "__main__"}),
]  # fmt: skip
FLOOR = {room: level for level, (_, rooms) in enumerate(FLOORS) for room in rooms}

#: (importing file relative to src/labelwise, imported module) -> why it may still climb.
UPWARD_EXCEPTIONS: dict[tuple[str, str], str] = {
    # rule_thresholds reads a rule, so it moved to labelwise.decision.thresholds (issue 20);
    # labelwise.report still re-exports it. evaluation.py belongs to another change in flight
    # and switches its import to labelwise.decision.thresholds there.
    ("evaluation.py", "labelwise.report.page"): "rule_thresholds, moved to decision/",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(dotted: str) -> bool:
    path = SRC.parent.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports_in(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """``(line, module)`` for every labelwise module ``source`` imports, at any depth.

    ``module`` is the dotted name of the module the source is (for relative imports).
    ``from labelwise import metrics`` imports the module labelwise.metrics; ``from labelwise
    import __version__`` imports the package itself.
    """
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.append((node.lineno, sub if _is_module(sub) else target))
    return [(line, m) for line, m in found if m.split(".")[0] == "labelwise"]


def imports_of(path: Path) -> list[tuple[int, str]]:
    """The labelwise imports of a file of src/labelwise (see :func:`imports_in`)."""
    source = path.read_text(encoding="utf-8")
    return imports_in(source, _module_name(path), path.name == "__init__.py")


def room_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "labelwise"


def _sources() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_every_room_has_a_floor():
    rooms = {room_of(_module_name(p)) for p in _sources()}
    missing = sorted(rooms - set(FLOOR))
    assert not missing, f"put these modules on a floor of FLOORS in {__file__}: {missing}"


def upward_imports() -> list[tuple[str, int, str, str]]:
    """Every import that climbs: (file, line, imported module, 'floor -> floor')."""
    climbs = []
    for path in _sources():
        here = room_of(_module_name(path))
        for line, module in imports_of(path):
            there = room_of(module)
            if there in FLOOR and FLOOR[there] > FLOOR.get(here, len(FLOORS)):
                what = f"{FLOORS[FLOOR[here]][0]} -> {FLOORS[FLOOR[there]][0]}"
                climbs.append((str(path.relative_to(SRC)), line, module, what))
    return climbs


def test_no_import_climbs_a_floor():
    climbs = [c for c in upward_imports() if (c[0], c[2]) not in UPWARD_EXCEPTIONS]
    shown = "\n".join(
        f"  src/labelwise/{file}, line {line}: imports {module} ({what})"
        for file, line, module, what in climbs
    )
    assert not climbs, f"imports that climb a floor:\n{shown}"


def test_the_exceptions_are_still_needed():
    # an exception whose import is gone must leave the list, so the list stays honest
    current = {(c[0], c[2]) for c in upward_imports()}
    stale = sorted(set(UPWARD_EXCEPTIONS) - current)
    assert not stale, f"remove these from UPWARD_EXCEPTIONS, they no longer climb: {stale}"


@pytest.mark.parametrize(
    ("room", "forbidden"),
    [("metrics", "decision"), ("problem", "metrics"), ("metrics", "models")],
)
def test_the_floors_the_issue_names(room, forbidden):
    # issue 20: metrics/ imports nothing from decision/, problem.py nothing from metrics/
    offending = [
        f"src/labelwise/{path.relative_to(SRC)}, line {line}: {module}"
        for path in _sources()
        if room_of(_module_name(path)) == room
        for line, module in imports_of(path)
        if room_of(module) == forbidden
    ]
    assert not offending, offending


def _cycles(modules: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in modules.get(v, []):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(modules):
        if v not in index:
            visit(v)
    return found


@pytest.mark.parametrize("room", ["metrics", "decision", "report"])
def test_no_import_circle_inside(room):
    # the modules of a room import each other one way (average_precision <-> roc_auc was a
    # circle); imports of the room's own package __init__ are not counted, it imports them all
    graph = {}
    for path in (SRC / room).rglob("*.py"):
        if path.name == "__init__.py":
            continue
        here = _module_name(path)
        graph[here] = [
            m for _, m in imports_of(path) if room_of(m) == room and m != f"labelwise.{room}"
        ]
    assert _cycles(graph) == []


def test_the_reader_sees_every_kind_of_import():
    source = (
        "import numpy\n"
        "from labelwise.errors import TargetError\n"
        "from labelwise import metrics, __version__\n"
        "from . import _inputs\n"
        "from ..decision import thresholds\n"
        "def f():\n"
        "    from labelwise.models import BinaryRelevance\n"
        "    import labelwise.report.page\n"
    )
    assert imports_in(source, "labelwise.metrics.streaming") == [
        (2, "labelwise.errors"),
        (3, "labelwise.metrics"),
        (3, "labelwise"),
        (4, "labelwise.metrics._inputs"),
        (5, "labelwise.decision.thresholds"),
        (7, "labelwise.models"),
        (8, "labelwise.report.page"),
    ]


def test_a_climbing_import_is_named_with_its_floors():
    source = "def f():\n    from labelwise.decision import FixedThreshold\n"
    ((line, module),) = imports_in(source, "labelwise.metrics.streaming")
    assert (line, room_of(module)) == (2, "decision")
    assert FLOOR["decision"] > FLOOR["metrics"]
