"""The leaf of edgecompile: manifest-facing types, graph helpers and parity metrics.

Everything else may import core; core imports nothing from frontends, passes, quant, backends,
bench, the driver or the CLI (tests/core/test_import_graph.py checks it).
"""
