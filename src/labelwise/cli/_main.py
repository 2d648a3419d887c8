"""The ``labelwise`` command group. Commands live in their own modules and hold no algorithm."""

from __future__ import annotations

import click

from labelwise import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="labelwise")
def main() -> None:
    """labelwise: multi-label and multi-class classification done right."""
