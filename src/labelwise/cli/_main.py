"""The ``labelwise`` command group. Commands live in their own modules and hold no algorithm."""

from __future__ import annotations

from typing import Any

import click

from labelwise import __version__
from labelwise.errors import LabelwiseError


class _Group(click.Group):
    """A command group that shows labelwise's own errors as one clear line, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (LabelwiseError, FileNotFoundError, FileExistsError) as err:
            raise click.ClickException(str(err)) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="labelwise")
def main() -> None:
    """labelwise: multi-label and multi-class classification done right."""
