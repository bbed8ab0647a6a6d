"""`python -m edgecompile` runs the same CLI as the `edgecompile` script."""
from edgecompile.cli.main import cli

cli(prog_name="edgecompile")
