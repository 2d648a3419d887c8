"""``.. lw-cli-help:: COMMAND``: the ``--help`` text of a labelwise command, produced at build time.

The CLI reference therefore always shows what the installed command prints, never a copy.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.util.docutils import SphinxDirective


class CliHelp(SphinxDirective):
    required_arguments = 0
    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        from click.testing import CliRunner

        from labelwise.cli import main

        args = [*self.arguments, "--help"] if self.arguments else ["--help"]
        result = CliRunner().invoke(main, args, prog_name="labelwise", terminal_width=100)
        if result.exit_code != 0:
            raise self.error(f"labelwise {' '.join(args)} exited {result.exit_code}")
        block = nodes.literal_block(result.output, result.output)
        block["language"] = "text"
        return [block]


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("lw-cli-help", CliHelp)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
