"""The ``labelwise`` command group. Commands live in their own modules and hold no algorithm.

Every command runs inside the group's :meth:`_Group.invoke`, which is the one place that decides
how problems reach the user: each warning becomes one ``warning: <message>`` line on standard
error, shown once and kept for ``--json`` output (:func:`collected_warnings`), and labelwise's own
errors become one ``Error: <message>`` line instead of a traceback.
"""

from __future__ import annotations

from typing import Any

import click

from labelwise import __version__
from labelwise._warnings import WarningCollector, one_line
from labelwise.errors import LabelwiseError

_WARNINGS_KEY = "labelwise.warnings"


def _echo_err(line: str) -> None:
    click.echo(line, err=True)


class _Group(click.Group):
    """A command group that shows warnings as clean lines and labelwise's errors as one line."""

    def invoke(self, ctx: click.Context) -> Any:
        with WarningCollector(echo=_echo_err) as collector:
            ctx.meta[_WARNINGS_KEY] = collector
            try:
                return super().invoke(ctx)
            except (LabelwiseError, OSError) as err:
                raise click.ClickException(one_line(str(err))) from None


def collected_warnings() -> list[str]:
    """The distinct warning messages the running command has issued so far, in order.

    Commands with ``--json`` output put this list under ``"warnings"``; outside a command it is
    empty.
    """
    ctx = click.get_current_context(silent=True)
    collector = None if ctx is None else ctx.meta.get(_WARNINGS_KEY)
    return [] if collector is None else list(collector.messages)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="labelwise")
def main() -> None:
    """labelwise: multi-label and multi-class classification done right."""
