"""Docs checked by tests: every CLI command and setting appears in the README."""

from __future__ import annotations

import re
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def _names(group: click.Group, prefix: str = "") -> list[str]:
    out = []
    for name, cmd in group.commands.items():
        if name in {"shell", "routes"}:  # Flask's own
            continue
        out.append(f"{prefix}{name}")
        if isinstance(cmd, click.Group):
            out.extend(_names(cmd, f"{prefix}{name} "))
    return out


def test_every_cli_command_is_in_the_readme(app):
    missing = [n for n in _names(app.cli) if f"linkage {n}" not in README]
    assert not missing, f"README lacks: {missing}"


def test_every_setting_is_in_the_readme():
    source = (ROOT / "kernel" / "config.py").read_text()
    settings = set(re.findall(r'environ\.get\("([A-Z_]+)"', source))
    assert settings >= {"LINKAGE_DATA_DIR", "DATABASE_URL", "SECRET_KEY", "LINKAGE_ENV"}
    missing = sorted(s for s in settings if f"`{s}`" not in README)
    assert not missing, f"README lacks: {missing}"


def test_readme_has_the_two_commands():
    assert "make run" in README
    assert "make test" in README
