"""Every command is documented: help text with an example invocation (STYLE.md 5), and help
answers without loading the heavy libraries (STYLE.md 12)."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from moderator.cli import COMMAND_MODULES, main

COMMANDS = sorted(main.commands)


def _examples(help_text: str) -> list[str]:
    """The indented lines of the help's "Examples:" block."""
    lines = help_text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "Examples:")
    block = []
    for line in lines[start + 1:]:
        if not line.strip():
            break
        block.append(line.strip())
    return block


def test_every_command_module_is_registered():
    assert COMMANDS == sorted(name.removesuffix("_cmd") for name in COMMAND_MODULES)


def test_group_help_lists_every_command_with_examples():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    listed = result.output.split("Commands:", 1)[1]
    for name in COMMANDS:
        assert f"  {name}  " in listed, name
    examples = _examples(result.output)
    assert examples and all(line.startswith("moderator ") for line in examples), examples


@pytest.mark.parametrize("name", COMMANDS)
def test_command_help_has_text_and_an_example(name):
    command = main.commands[name]
    assert isinstance(command, click.Command)
    assert command.help and command.help.strip(), f"{name} has no help text"
    assert command.get_short_help_str().strip(), name

    result = CliRunner().invoke(main, [name, "--help"], prog_name="moderator")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: moderator {name} ")
    examples = _examples(result.output)
    assert any(line.startswith(f"moderator {name}") for line in examples), examples
    # every option says what it does
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help and param.help.strip(), f"{name} {param.opts[0]} has no help"


def test_help_loads_no_heavy_library():
    code = (
        "import json, sys\n"
        "from click.testing import CliRunner\n"
        "from moderator.cli import main\n"
        "for args in [['--help']] + [[name, '--help'] for name in sorted(main.commands)]:\n"
        "    assert CliRunner().invoke(main, args).exit_code == 0, args\n"
        "heavy = ('sklearn', 'numpy', 'scipy', 'joblib', 'dask', 'distributed', 'nltk',\n"
        "         'starlette', 'uvicorn', 'anyio', 'uvloop', 'httptools')\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & set(heavy))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert json.loads(done.stdout) == []


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_data_help_lists_every_corpus_name(command):
    import re

    from moderator.corpora import CORPORA

    result = CliRunner().invoke(main, [command, "--help"], terminal_width=80)
    assert result.exit_code == 0
    text = re.sub(r"-\s+", "-", " ".join(result.output.split()))  # undo click's wrapping
    assert f"NAME is one of: {', '.join(sorted(CORPORA))}." in text
