"""`linkage` is the Flask CLI of this app; `flask --app wsgi` offers the same commands."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _commands(argv: list[str], env: dict[str, str]) -> set[str]:
    out = subprocess.run(argv + ["--help"], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    section = out.stdout.split("Commands:", 1)[1]
    return {m.group(1) for m in re.finditer(r"^\s{2}(\S+)", section, re.M)}


@pytest.fixture
def env(tmp_path):
    e = dict(os.environ)
    e["LINKAGE_DATA_DIR"] = str(tmp_path)
    e["DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.db'}"
    return e


def test_linkage_and_flask_offer_the_same_commands(env):
    bindir = Path(sys.executable).parent
    linkage = shutil.which("linkage", path=str(bindir))
    assert linkage, "the linkage console script is installed with the package"
    ours = _commands([linkage], env)
    flask = _commands([str(bindir / "flask"), "--app", "wsgi"], env)
    assert ours == flask
    assert {"init", "demo", "run"} <= ours


def test_init_creates_then_upgrades(env, tmp_path):
    bindir = Path(sys.executable).parent
    for _ in range(2):  # the second run is an upgrade with nothing to do
        out = subprocess.run(
            [str(bindir / "linkage"), "init"], capture_output=True, text=True, env=env, cwd=ROOT
        )
        assert out.returncode == 0, out.stderr
        assert "newest schema" in out.stdout
    assert (tmp_path / "cli.db").exists()


def test_a_bad_setting_is_one_sentence_not_a_traceback(env):
    env["LINKAGE_TIMEZONE"] = "Mars/Olympus_Mons"
    out = subprocess.run(
        [str(Path(sys.executable).parent / "linkage"), "init"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert out.returncode == 1
    assert out.stderr.strip() == (
        "Error: configuration: LINKAGE_TIMEZONE must be an IANA time zone such as America/New_York, "
        "not 'Mars/Olympus_Mons'"
    )
