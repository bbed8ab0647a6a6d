"""The package's dependencies point one way: cli -> driver -> {frontends, passes, quant, backends} -> core."""
from import_graph import cycles, graph


def _layer(module: str) -> str:
    return module.split(".")[1] if module.count(".") else module


def test_no_import_cycles():
    assert cycles(graph()) == []


def test_core_is_a_leaf():
    bad = {(m, d) for m, deps in graph().items() if _layer(m) == "core"
           for d in deps if _layer(d) not in ("core", "errors")}
    assert not bad, f"core imports outside core: {sorted(bad)}"


def test_no_backend_imports_another():
    def backend_of(m):
        parts = m.split(".")
        return parts[2] if len(parts) > 3 and parts[1] == "backends" else None

    bad = {(m, d) for m, deps in graph().items() for d in deps
           if backend_of(m) and backend_of(d) and backend_of(m) != backend_of(d)}
    assert not bad, sorted(bad)


def test_only_cli_imports_cli():
    bad = {(m, d) for m, deps in graph().items() for d in deps
           if _layer(d) == "cli" and _layer(m) not in ("cli", "__main__")}
    assert not bad, sorted(bad)


def test_quant_never_drives_backends_or_the_driver():
    bad = {(m, d) for m, deps in graph().items() if _layer(m) == "quant"
           for d in deps if _layer(d) in ("backends", "driver", "int8_build", "bench")}
    assert not bad, sorted(bad)


def test_the_checker_sees_a_cycle_and_lazy_imports(tmp_path):
    """The checks above must be able to fail: a lazy (function-level) import closing a loop is a cycle."""
    import ast

    from import_graph import _imports

    tree = ast.parse("def f():\n    from edgecompile.cli import main\n")
    assert "edgecompile.cli" in set(_imports(tree, "edgecompile.verify", False))
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]
