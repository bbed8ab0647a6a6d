from edgecompile.cli.main import cli

cli()
