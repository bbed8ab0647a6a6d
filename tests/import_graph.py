"""The import graph of the edgecompile package, read with ast (nothing is executed).

Every `import` counts, also those inside functions: a lazy import is still a dependency, only a
later one. Imports under `if TYPE_CHECKING:` do not count: they never run.
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "edgecompile"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def _type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, here: str, is_pkg: bool):
    """Absolute dotted names each import statement asks for (module or module.attribute)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".") if is_pkg else here.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            yield mod
            yield from (f"{mod}.{a.name}" for a in node.names)
        stack.extend(ast.iter_child_nodes(node))


def graph() -> dict[str, set[str]]:
    """module -> edgecompile modules it imports (a module's own parent packages excluded)."""
    mods = modules()
    out: dict[str, set[str]] = {}
    for name, path in mods.items():
        deps = set()
        for dotted in _imports(ast.parse(path.read_text()), name, path.name == "__init__.py"):
            if dotted.split(".")[0] != "edgecompile":
                continue
            parts = dotted.split(".")
            # the longest prefix that is a module, and the packages it runs on the way
            for i in range(len(parts), 0, -1):
                target = ".".join(parts[:i])
                if target in mods:
                    deps.add(target)
            deps.discard(name)
        ancestors = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
        out[name] = deps - ancestors
    return out


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, onstack, stack, comps, counter = {}, {}, set(), [], [], [0]
    for root in sorted(g):
        if root in index:
            continue
        work = [(root, iter(sorted(g[root])))]
        index[root] = low[root] = counter[0]; counter[0] += 1
        stack.append(root); onstack.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter[0]; counter[0] += 1
                    stack.append(w); onstack.add(w)
                    work.append((w, iter(sorted(g.get(w, ())))))
                elif w in onstack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop(); onstack.discard(w); comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    comps.append(sorted(comp))
    return comps


if __name__ == "__main__":
    for c in cycles(graph()):
        print(len(c), c)
