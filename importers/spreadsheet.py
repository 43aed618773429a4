"""Spreadsheets through a mapping file."""

from __future__ import annotations

from typing import Any

import yaml

from importers.report import ImportFailed


def load_mapping(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except OSError as exc:
        raise ImportFailed(f"cannot read the mapping file ({exc.strerror})", file=path) from None
    except yaml.YAMLError as exc:
        raise ImportFailed(f"the mapping file is not valid YAML ({exc})", file=path) from None
    if not isinstance(data, dict):
        raise ImportFailed("the mapping file must be a YAML mapping", file=path)
    return data
