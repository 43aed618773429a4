"""Docs checked by tests: every CLI command and setting appears in the README."""

from __future__ import annotations

import re
from pathlib import Path

import click
from flask import Flask

from kernel.config import SETTINGS, SPECIAL, load_config

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


def _readme_settings() -> set[str]:
    """The variables of the README's configuration table."""
    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z_]+)` \|", section, re.M))


def test_the_readme_table_lists_exactly_the_settings():
    declared = {s.env for s in SETTINGS} | set(SPECIAL)
    assert _readme_settings() == declared


def _project_sources() -> list[Path]:
    packages = [d for d in ROOT.iterdir() if (d / "__init__.py").exists() and d.name != "tests"]
    return [p for d in packages for p in d.rglob("*.py")] + [ROOT / "wsgi.py", ROOT / "migrations" / "env.py"]


ENV_READ = re.compile(r"""(?:environ\.get|environ\[|getenv)\(?\s*["']([A-Z][A-Z0-9_]*)["']""")
CONFIG_READ = re.compile(r"""config(?:\.get\(|\[)\s*["']([A-Z][A-Z0-9_]*)["']""")


def test_the_app_reads_no_variable_the_readme_does_not_list():
    read = {(m.group(1), p.name) for p in _project_sources() for m in ENV_READ.finditer(p.read_text())}
    assert {name for name, _ in read} >= {"LINKAGE_DATA_DIR", "DATABASE_URL", "SECRET_KEY"}
    aliases = {s.alias for s in SETTINGS if s.alias}
    missing = sorted((n, f) for n, f in read if n not in _readme_settings() | aliases)
    assert not missing, f"read from the environment but not in the README: {missing}"


def test_every_configuration_key_the_code_reads_is_a_setting(tmp_path):
    """A key read from app.config that no setting fills could not be changed by a deployment."""
    known = set(load_config({"DATA_DIR": str(tmp_path), "SECRET_KEY": "x"})) | set(Flask.default_config)
    read = {(m.group(1), p.name) for p in _project_sources() for m in CONFIG_READ.finditer(p.read_text())}
    assert {name for name, _ in read} >= {"TIMEZONE", "MATCH_WEIGHTS", "CAPACITY_STALE_HOURS"}
    unknown = sorted((n, f) for n, f in read if n not in known)
    assert not unknown, f"read from app.config but set by no setting: {unknown}"


def test_readme_has_the_two_commands():
    assert "make run" in README
    assert "make test" in README
