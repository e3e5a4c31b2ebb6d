"""matrix, cooccur, search, gaps (filled in by the analysis work)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
