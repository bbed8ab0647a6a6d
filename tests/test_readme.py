"""CI runs exactly the README's test command; the README's commands exist."""
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _readme_test_command() -> str:
    text = (REPO / "README.md").read_text()
    m = re.search(r"<!-- test-command -->\s*```(?:bash|sh)?\n(.+?)\n```", text, re.S)
    assert m, "README.md must mark its test command with <!-- test-command -->"
    return m.group(1).strip()


def test_ci_runs_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text()
    assert _readme_test_command() in ci.splitlines()


def test_readme_commands_are_real_subcommands():
    from edgecompile.cli.main import COMMANDS

    text = (REPO / "README.md").read_text()
    used = set(re.findall(r"^\s*(?:\$ )?edgecompile ([a-z-]+)", text, re.M))
    assert used, "README shows no edgecompile commands"
    assert used <= set(COMMANDS), used - set(COMMANDS)
