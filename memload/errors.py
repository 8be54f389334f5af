"""User-facing errors: one line, no traceback, exit code 2."""

from __future__ import annotations

import click


class MemloadError(click.ClickException):
    """A usage or harness error: printed as ``Error: <message>``, exit code 2."""

    exit_code = 2
