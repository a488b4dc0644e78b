"""The house: rooms that say what they hold, one import name, no file importing one that imports it.

The import graph is read from the source (every ``import`` and ``from``,
inside functions too), so a lazy import cannot hide a cycle.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("loaders", "baselines", "benchmarks")
MAX_MODULES = 15


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return "nkworkers." + ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for folder in FOLDERS for p in sorted((ROOT / folder).rglob("*.py"))}


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules a file imports (``from pkg import module`` names the module)."""
    found: set[str] = set()
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path.parent)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the importing package
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            # ``from pkg import module`` uses the module, not pkg's __init__
            named = {f"{base}.{a.name}" for a in node.names} & modules.keys()
            found.update(named or {base})
    return {name for name in found if name in modules}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def test_no_file_in_baselines_imports_a_file_that_imports_it_back() -> None:
    graph = _graph()
    # Tarjan's strongly connected components: any component of two or more is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in graph:
        if node not in index:
            visit(node)
    assert cycles == [], f"modules that import each other: {cycles}"


def test_no_folder_holds_more_than_about_fifteen_modules() -> None:
    crowded = {}
    for folder in FOLDERS:
        for directory in [ROOT / folder, *(p for p in (ROOT / folder).rglob("*") if p.is_dir())]:
            count = len(list(directory.glob("*.py")))
            if count > MAX_MODULES:
                crowded[directory.relative_to(ROOT).as_posix()] = count
    assert crowded == {}, f"folders over {MAX_MODULES} modules: {crowded}"


def test_loaders_never_import_baselines() -> None:
    graph = _graph()
    leaks = {
        (src, dst)
        for src, dsts in graph.items()
        if src.startswith("nkworkers.loaders")
        for dst in dsts
        if dst.startswith("nkworkers.baselines")
    }
    assert leaks == set()


def test_every_import_uses_the_one_import_name() -> None:
    """``loaders.x`` beside ``nkworkers.loaders.x`` would load every module twice in a checkout."""
    bare = []
    for path in [*ROOT.glob("tests/*.py"), *_modules().values()]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            bare += [
                f"{path.relative_to(ROOT)}:{node.lineno}: {n}"
                for n in names
                if n.partition(".")[0] in FOLDERS
            ]
    assert bare == []


@pytest.mark.parametrize("name", FOLDERS)
def test_only_nkworkers_is_importable_outside_the_checkout(name: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import {name}"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 1 and "ModuleNotFoundError" in done.stderr
    done = subprocess.run(
        [sys.executable, "-c", f"import nkworkers.{name}"], cwd=tmp_path, capture_output=True
    )
    assert done.returncode == 0, done.stderr


def _readme_example() -> tuple[str, str, str, str]:
    """(system file path, its code, registry lines, catalog line) of README's "Adding a system"."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Adding a system", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    path = re.search(r"`(baselines/systems/[\w/]+\.py)`:", section)
    assert len(blocks) == 3 and path, (
        "README's Adding a system: a file, registry lines, catalog line"
    )
    return path.group(1), blocks[0], blocks[1], blocks[2]


def _insert_after(path: Path, anchor: str, lines: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert anchor in text, (path, anchor)
    path.write_text(text.replace(anchor, anchor + lines, 1), encoding="utf-8")


def test_a_system_added_as_the_readme_says_is_listed_and_runs(tmp_path: Path) -> None:
    src = tmp_path / "src" / "nkworkers"
    src.mkdir(parents=True)
    shutil.copy2(ROOT / "nkworkers" / "__init__.py", src / "__init__.py")
    for folder in FOLDERS:
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    file, code, registry_lines, catalog_line = _readme_example()
    (src / file).write_text(code, encoding="utf-8")
    imports = "".join(
        line + "\n" for line in registry_lines.splitlines() if line.startswith("from")
    )
    entries = "".join(line + "\n" for line in registry_lines.splitlines() if line.startswith(" "))
    layer_registry = src / Path(file).parent / "registry.py"
    _insert_after(layer_registry, "from __future__ import annotations\n\n", imports)
    _insert_after(layer_registry, "SYSTEMS: dict[str, Callable[[], System]] = {\n", entries)
    _insert_after(
        src / "baselines/systems/catalog.py", "CATALOG: dict[str, Entry] = {\n", catalog_line
    )
    name = re.search(r'name = "([\w-]+)"', code).group(1)  # type: ignore[union-attr]
    env = {**os.environ, "PYTHONPATH": str(src.parent), "COLUMNS": "200"}
    listed = subprocess.run(
        [sys.executable, "-m", "nkworkers.loaders.cli", "systems"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert any(line.split()[:2] == [name, "entities"] for line in listed.stdout.splitlines())
    probe = (
        "import nkworkers; from nkworkers.baselines.systems.registry import SYSTEMS\n"
        f"assert nkworkers.__file__.startswith({str(src)!r}), nkworkers.__file__\n"
        f"system = SYSTEMS[{name!r}]()\n"
        "text = 'They earn USD 4,500 a month.'\n"
        "row, = system.predict([{'doc_id': 'x', 'text': text}])\n"
        "print([text[e['start']:e['end']] for e in row['entities']])\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "['USD 4,500']"
