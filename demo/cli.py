"""Catalog commands: `linkage demo` loads the fictional demo county."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from demo import load_demo


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Only load when the catalog has no services yet.")
@click.option("--seed", default=2026, show_default=True, help="Generator seed (same seed, same directory).")
@with_appcontext
def demo_command(if_empty: bool, seed: int) -> None:
    """Load the demo directory: a deterministic, fictional county of 300+ services."""
    load_demo(if_empty=if_empty, seed=seed)
