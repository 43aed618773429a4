"""HSDS 3.0/3.1 JSON: one object, an array, NDJSON, a folder of files, or an HSDS API.

Nested objects (the spec's "full" form) are flattened into rows of their own tables, each
pointing at the record it was nested in; a record nested in many places (an organization in
each of its services) becomes one row. An API base URL is read page by page (`Page`
envelopes: `contents`, `total_pages`, `page_number`) with the standard library only.
"""

from __future__ import annotations

import itertools
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from catalog.models import HSDS_MODELS
from importers.hsds_csv import TABLES_3
from importers.report import ImportFailed, ImportReport
from importers.rows import Batch, ReadOptions, Row, RowSpill

API_LISTS = ("organizations", "services", "service_at_locations", "taxonomies", "taxonomy_terms")
_KEY_TABLE = {
    "services": "service",
    "organizations": "organization",
    "service_at_locations": "service_at_location",
    "locations": "location",
    "taxonomies": "taxonomy",
    "taxonomy_terms": "taxonomy_term",
}


def guess_table(obj: dict[str, Any], name: str = "") -> str:
    """Which HSDS object this is, from the file name first and then from its fields."""
    stem = Path(urllib.parse.urlparse(name).path).stem.lower() if name else ""
    if stem.endswith("ies"):  # taxonomies.json
        stem = stem[:-3] + "y"
    for candidate in (
        "service_at_location",
        "taxonomy_term",
        "organization",
        "taxonomy",
        "location",
        "service",
    ):
        if stem.startswith(candidate) or stem.rstrip("s") == candidate:
            return candidate
    if "location" in obj and "service" in obj or "service_id" in obj and "location_id" in obj:
        return "service_at_location"
    if "status" in obj or "service_at_locations" in obj or "eligibility_description" in obj:
        return "service"
    if "location_type" in obj or "addresses" in obj or "latitude" in obj:
        return "location"
    if "code" in obj or "taxonomy_detail" in obj or "term_uri" in obj:
        return "taxonomy_term"
    if (
        "organization_identifiers" in obj
        or "year_incorporated" in obj
        or "website" in obj
        or "services" in obj
    ):
        return "organization"
    if "version" in obj and "uri" in obj:
        return "taxonomy"
    return "service"


@cache
def _relationships(table: str) -> dict[str, tuple[str, str, str, str]]:
    """key -> (direction, child table, child's fk to us, our fk to the child), once per table."""
    out = {}
    for key, prop in HSDS_MODELS[table].__mapper__.relationships.items():
        if prop.viewonly:
            continue
        fk = next(iter(prop.remote_side)).key if prop.direction.name == "ONETOMANY" else ""
        local = next(iter(prop.local_columns)).key if prop.direction.name == "MANYTOONE" else ""
        out[key] = (prop.direction.name, prop.mapper.class_.__tablename__, fk, local)
    return out


class Flattener:
    """Flattens objects into rows kept in a `RowSpill` (on disk, merged by table and id when
    preparing reads them), so that a feed's size is not the import's memory."""

    def __init__(self, report: ImportReport, options: ReadOptions | None = None) -> None:
        self.report = report
        self.rows = RowSpill(options.scratch if options is not None else None)

    def add(
        self,
        table: str,
        obj: Any,
        file: str,
        row: int | None,
        parent: tuple[str, str, str] | None = None,
        position: str = "",
    ) -> str | None:
        """Flatten one object; `parent` is (fk column on this record, parent table, parent id).
        A nested record without an id is named by its parent, the list it is in and its place
        there (`position`), so that its id does not depend on the rest of the file."""
        if not isinstance(obj, dict):
            self.report.read(table)
            self.report.reject(table, file, row, "(record)", "must be a JSON object", obj)
            return None
        rels = _relationships(table)
        sid = obj.get("id")
        if sid in (None, ""):
            sid = f"{parent[2]}/{position}" if parent and position else None
        rec: dict[str, Any] = {"id": sid}
        for key, value in obj.items():
            if key in ("id", "attributes", "metadata") or key in rels:
                continue
            rec[key] = value if not isinstance(value, (dict, list)) else json.dumps(value)
        if parent is not None and parent[0]:
            rec.setdefault(parent[0], parent[2])
            if rec.get(parent[0]) in (None, ""):
                rec[parent[0]] = parent[2]
        for key, value in obj.items():
            if key not in rels or value is None:
                continue
            direction, child, fk, local = rels[key]
            if direction == "ONETOMANY":
                items = value if isinstance(value, list) else [value]
                for i, item in enumerate(items):
                    self.add(child, item, file, row, (fk, table, str(sid)), f"{key}/{i}")
            elif direction == "MANYTOONE" and isinstance(value, dict):
                cid = self.add(child, value, file, row, None)
                if cid is not None and rec.get(local) in (None, ""):
                    rec[local] = cid
        for i, attr in enumerate(obj.get("attributes") or []):
            if isinstance(attr, dict):
                attr = dict(attr)
                term = attr.pop("taxonomy_term", None)
                if isinstance(term, dict):
                    tid = self.add("taxonomy_term", term, file, row, None)
                    attr.setdefault("taxonomy_term_id", tid)
                attr.setdefault("id", f"{sid}/attribute/{i}")
                attr["link_entity"] = attr.get("link_entity") or table
                self.add("attribute", attr, file, row, ("link_id", table, str(sid)))
        for i, meta in enumerate(obj.get("metadata") or []):
            if isinstance(meta, dict):
                m = dict(meta, resource_id=sid, resource_type=table)
                m.setdefault("id", f"{sid}/metadata/{i}")
                self.rows.add(Row("metadata", m, file, row, "metadata"))
        if sid in (None, ""):
            self.report.read(table)
            self.report.reject(table, file, row, "id", "the record has no id")
            return None
        self.rows.add(Row(table, rec, file, row, table), str(sid))
        return str(sid)

    def add_top(self, obj: Any, file: str, row: int | None, table: str | None = None) -> None:
        if isinstance(obj, dict) and isinstance(obj.get("contents"), list):
            for item in obj["contents"]:
                self.add_top(item, file, row, table)
            return
        if isinstance(obj, dict) and any(k.endswith(".csv") for k in obj):
            for name, items in obj.items():
                t = TABLES_3.get(name)
                for i, item in enumerate(items or [], 1):
                    if t is None:
                        self.report.read(name)
                        self.report.reject(name, file, i, "(table)", "not an HSDS 3.0 table")
                    elif isinstance(item, dict):
                        frag = Row(t, dict(item), f"{file}#{name}", i, t)
                        self.rows.add(frag, f"{item.get('id')}", skip_empty=True)
            return
        if isinstance(obj, dict) and "version" in obj and "openapi_url" in obj:
            return  # the API root: says which version, holds no records
        t = table or (guess_table(obj, file) if isinstance(obj, dict) else "service")
        self.add(t, obj, file, row, None)

    def batch(self, version: str = "3.0") -> Batch:
        return Batch(self.rows, "hsds-json", version)


def _load_file(f: Path, file: str) -> Iterator[tuple[Any, int | None]]:
    """The JSON values of a file with the line each starts on (None for one whole document).

    NDJSON is parsed line by line as it is read: the text of a large feed and its parsed
    objects are never all in memory at once (at 100,000 services they were about a gigabyte
    before the first row was flattened). A file whose first line is not a whole JSON value,
    or that has one line only, is one document (an object or an array), read whole."""
    try:
        with f.open(encoding="utf-8-sig") as fh:
            first = ""
            first_no = 0
            for n, line in enumerate(fh, 1):
                if line.strip():
                    first, first_no = line, n
                    break
            if not first:
                raise ImportFailed("the file is empty", file=file)
            try:
                value = json.loads(first) if first.lstrip().startswith("{") else None
            except json.JSONDecodeError:
                value = None
            second = ""
            second_no = 0
            if value is not None:
                for n, line in enumerate(fh, first_no + 1):
                    if line.strip():
                        second, second_no = line, n
                        break
            if value is None or not second:
                # One document: read the rest of the file and parse it whole.
                text = first + second + fh.read()
                try:
                    yield json.loads(text), None
                except json.JSONDecodeError as exc:
                    raise ImportFailed(
                        f"not valid JSON ({exc.msg} at line {exc.lineno + first_no - 1})", file=file
                    ) from None
                return
            yield value, first_no
            lines = itertools.chain([(second_no, second)], enumerate(fh, second_no + 1))
            for n, line in lines:
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ImportFailed(
                        f"not valid JSON or NDJSON ({exc.msg}); the file may be truncated", file=file, row=n
                    ) from None
                yield item, n
    except UnicodeDecodeError as exc:
        raise ImportFailed(f"not UTF-8 text ({exc.reason})", file=file) from None


def read_json(path: str, options: ReadOptions, report: ImportReport) -> Batch:
    if path.startswith(("http://", "https://")):
        return read_api(path, options, report)
    p = Path(path)
    if not p.exists():
        raise ImportFailed("no such file or folder", file=path)
    files = (
        sorted(f for f in p.rglob("*") if f.suffix.lower() in (".json", ".ndjson", ".jsonl"))
        if p.is_dir()
        else [p]
    )
    if not files:
        raise ImportFailed("the folder holds no .json or .ndjson files", file=path)
    flat = Flattener(report, options)
    try:
        for f in files:
            name = f.name if not p.is_dir() else str(f.relative_to(p))
            for data, line in _load_file(f, name):
                items = data if isinstance(data, list) else [data]
                for i, item in enumerate(items, 1):
                    flat.add_top(
                        item, name, line if line is not None else (i if isinstance(data, list) else None)
                    )
    except BaseException:
        flat.rows.close()
        raise
    return flat.batch()


def _get(url: str) -> Any:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:  # noqa: S310 - the user gave the URL
            return json.loads(resp.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise ImportFailed(f"the API answered {exc.code} {exc.reason}", file=url) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise ImportFailed(f"could not reach the API ({exc})", file=url) from None
    except json.JSONDecodeError as exc:
        raise ImportFailed(f"the API did not answer JSON ({exc.msg})", file=url) from None


def _with_page(url: str, page: int) -> str:
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    query["page"] = str(page)
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def read_api(url: str, options: ReadOptions, report: ImportReport) -> Batch:
    """Follow every page of the lists an HSDS API offers (only /services is required)."""
    flat = Flattener(report, options)
    base = url.rstrip("/")
    last = urllib.parse.urlsplit(base).path.rsplit("/", 1)[-1]
    lists = (
        [(base, _KEY_TABLE[last])]
        if last in _KEY_TABLE
        else [(f"{base}/{n}", _KEY_TABLE[n]) for n in API_LISTS]
    )
    try:
        found = _read_pages(flat, lists)
    except BaseException:
        flat.rows.close()
        raise
    if not found:
        flat.rows.close()
        raise ImportFailed("no HSDS list answered (tried /services and the other lists)", file=url)
    return flat.batch()


def _read_pages(flat: Flattener, lists: list[tuple[str, str]]) -> bool:
    found = False
    for list_url, table in lists:
        page = 1
        while True:
            data = _get(_with_page(list_url, page))
            if data is None:
                break
            if not isinstance(data, dict) or not isinstance(data.get("contents"), list):
                raise ImportFailed("expected a Page object with `contents`", file=list_url)
            found = True
            for i, item in enumerate(data["contents"], 1):
                flat.add_top(item, f"{list_url}?page={page}", i, table)
            total = int(data.get("total_pages") or 1)
            if data.get("last_page") is True or page >= total or not data["contents"]:
                break
            page += 1
    return found
