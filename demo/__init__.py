"""The demo directory: Harbor County, a fictional county laid on the real map of Columbus, Ohio.

`generate(seed, now)` builds 300+ services as nested HSDS 3.0 JSON (plus 3.1 `capacities`);
`load_demo` imports them as the source "demo" through the importer (`importers.run_import`,
the HSDS JSON reader) in one transaction, so the demo gets provenance, change-log rows and
search documents from the same path as any other directory: the catalog has one writer.

Conventions the rest of Linkage reads (matching, search, the service page):

* Service types: attributes with link_type ``service_type`` and an Open Eligibility v2.0
  services term (1101 Emergency, 1180 Detox, ...); parents are loaded too, so a need for
  1178 Addiction & Recovery finds Detox and Residential Treatment.
* Who may come: link_type ``eligibility`` with an Open Eligibility human-situations term
  (20036 Women, 20010 Veterans, 20083 Domestic Violence Survivors ...) restricts the
  service to people in that situation (within one group, any listed one admits);
  link_type ``audience`` says whom it serves especially, without excluding anyone.
  Ages are `minimum_age`/`maximum_age`; documents are `required_documents`.
* Insurance accepted: link_type ``insurance``, value ``medicaid``/``medicare``/``private``,
  term ``insurance:<plan>`` in the small "Linkage" taxonomy. Free and sliding-scale
  services say so in `cost_options` and carry no insurance attribute.
* Pets: link_type ``pets``, value ``yes`` or ``no``, on shelters.
* Beds: `capacities` with unit "bed" (one shared unit row); a few programs
  do not report beds (6 of 80 in seed 2026). Update times are offsets before `now`.
* Hours: weekly rows in the location's zone (America/New_York); a Thanksgiving exception
  row (valid_from = valid_to) closes some services and gives meal sites special hours.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.models import Service
from demo.generate import generate
from demo.parts import all_terms, term_id
from importers.operations import run_import
from importers.report import ImportReport
from kernel.db import get_session

__all__ = ["generate", "import_demo", "load", "load_demo", "term_id"]

SOURCE = "demo"


def import_demo(session: Session, services: list[dict[str, Any]]) -> ImportReport:
    """Import the taxonomy and the services as the source "demo" (not committed).

    They are written as HSDS JSON files into a temporary folder and read back by the HSDS
    JSON reader, exactly as `linkage import FOLDER --source demo` would read them."""
    with tempfile.TemporaryDirectory(prefix="linkage-demo-") as tmp:
        folder = Path(tmp)
        # The file names tell the reader which HSDS object each list holds.
        (folder / "taxonomy_terms.json").write_text(json.dumps(all_terms()), encoding="utf-8")
        (folder / "services.json").write_text(json.dumps(services), encoding="utf-8")
        return run_import(session, str(folder), source=SOURCE, format="hsds-json")


def load(session: Session, services: list[dict[str, Any]]) -> int:
    """Import the demo into `session` (not committed); returns the number of services."""
    import_demo(session, services)
    session.flush()
    return len(services)


def load_demo(if_empty: bool = False, seed: int = 2026, now: dt.datetime | None = None) -> int:
    """Load the demo county into the app's database and commit once; returns services added."""
    session = get_session()
    if if_empty and session.scalar(select(func.count()).select_from(Service)):
        print("The catalog already has services; the demo was not loaded.")
        return 0
    started = time.perf_counter()
    session.info["actor"] = "demo"
    services = generate(seed, now)
    try:
        report = import_demo(session, services)
        session.commit()
    except Exception:
        session.rollback()
        raise
    print(
        f"Imported as source {SOURCE!r}: {report.total('created')} records created, "
        f"{report.total('updated')} updated, {report.total('rejected')} rejected, "
        f"{len(report.flags)} flagged."
    )
    print(
        f"Loaded {len(services)} demo services (Harbor County, seed {seed}) "
        f"in {time.perf_counter() - started:.1f} s."
    )
    return len(services)
