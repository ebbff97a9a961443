"""Every command and option is documented: help text in the code, an example in the README
(sqlite-utils' test_docs.py is the model)."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from archive.cli import COMMANDS, main

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
CODE_BLOCKS = "\n".join(re.findall(r"```[a-z]*\n(.*?)```", README, flags=re.S))


def test_every_command_is_registered() -> None:
    assert sorted(main.commands) == sorted(c.name for c in COMMANDS if c.name)


@pytest.mark.parametrize("command", COMMANDS, ids=[c.name or "?" for c in COMMANDS])
def test_command_has_help_and_an_example(command: click.Command) -> None:
    assert command.help and len(command.help.split()) >= 5, f"{command.name}: no help text"
    assert "Example: kpu-archive " + command.name in command.help, f"{command.name}: no example in its help"
    assert re.search(rf"^kpu-archive {re.escape(command.name or '')}\b", CODE_BLOCKS, flags=re.M), (
        f"README has no example of kpu-archive {command.name}"
    )


@pytest.mark.parametrize("command", COMMANDS, ids=[c.name or "?" for c in COMMANDS])
def test_every_option_has_help(command: click.Command) -> None:
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{command.name} {param.opts[0]}: no help text"
