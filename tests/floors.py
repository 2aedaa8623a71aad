"""The floors of the apps (DESIGN.md, "Apps and what each owns"), read from the source.

Every import counts, at module level or inside a function: an import hidden in a function to dodge
a loop is still an arrow. Two rules:
- an app imports only apps on a lower floor (or itself);
- no loop of files: the graph of imports between the project's modules has no cycle.

`check(root)` returns the violations as sentences; `tests/test_floors.py` fails on any of them and
shows, on a planted tree, that an upward import or a loop is caught."""
from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

# Lowest first. A package inside another app's folder is an app of its own when listed here
# (the longest listed prefix of a module names its app).
FLOORS: list[str] = [
    "academy",
    "learning_records",
    "skills",
    "courses",
    "assessments",
    "courses.paths",
    "knowledge",
    "routing_bridge",
    "workspace",
]


def modules(root: Path, floors: list[str] = FLOORS) -> dict[str, Path]:
    """Every Python module of the listed apps below `root`, by dotted name (migrations left out:
    they name other apps' migrations by design)."""
    found: dict[str, Path] = {}
    for top in {name.split(".")[0] for name in floors}:
        base = root / top
        if not base.is_dir():
            continue
        for path in base.rglob("*.py"):
            if "migrations" in path.relative_to(root).parts:
                continue
            dotted = ".".join(path.relative_to(root).with_suffix("").parts)
            found[dotted.removesuffix(".__init__")] = path
    return found


def _imported_names(module: str, path: Path, tree: ast.AST) -> list[tuple[str, int]]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[:len(parts) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            # `from pkg import module` imports the module; `from module import name` the module.
            names.extend((f"{base}.{alias.name}", node.lineno) for alias in node.names)
            names.append((base, node.lineno))
    return names


def import_graph(root: Path, floors: list[str] = FLOORS) -> dict[str, dict[str, int]]:
    """{module: {imported project module: first line}}."""
    known = modules(root, floors)

    def resolve(name: str) -> str | None:
        while name:
            if name in known:
                return name
            name = name.rpartition(".")[0]
        return None

    graph: dict[str, dict[str, int]] = defaultdict(dict)
    for module, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for name, line in _imported_names(module, path, tree):
            target = resolve(name)
            if target and target != module:
                graph[module].setdefault(target, line)
        graph.setdefault(module, {})
    return graph


def app_of(module: str, floors: list[str] = FLOORS) -> str | None:
    matches = [app for app in floors if module == app or module.startswith(app + ".")]
    return max(matches, key=len) if matches else None


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, {})))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def check(root: Path, floors: list[str] = FLOORS) -> list[str]:
    """The violations under `root`, one sentence each (empty when the floors hold)."""
    graph = import_graph(root, floors)
    rank = {app: position for position, app in enumerate(floors)}
    problems = []
    for module, targets in sorted(graph.items()):
        source_app = app_of(module, floors)
        for target, line in sorted(targets.items()):
            target_app = app_of(target, floors)
            if source_app and target_app and rank[target_app] > rank[source_app]:
                problems.append(f"upward import: {module} (line {line}) imports {target} "
                                f"({source_app} is below {target_app})")
    for cycle in _cycles(graph):
        problems.append("loop of files: " + " ↔ ".join(cycle))
    return problems


if __name__ == "__main__":  # python tests/floors.py: print the violations of this checkout
    found = check(Path(__file__).resolve().parent.parent)
    print("\n".join(found) or "the floors hold")
    sys.exit(1 if found else 0)
