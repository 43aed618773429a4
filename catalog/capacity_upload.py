"""The provider's CSV upload of many services' figures: `GET/POST /provider/capacity/upload`.

Thin: read the file (or the pasted rows), `catalog.capacity_csv.upload` checks every row and
writes all or none, and the page shows the report of each row. The report is the answer to
the POST itself (no redirect): it can be thousands of rows, too much for a flash message,
and sending the same file again only confirms the same figures. A refused file answers 422,
so the edge rolls back (nothing was written anyway) and the pasted text is kept in the form.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import TextAreaField

from catalog import capacity_csv
from kernel.authz import admits
from kernel.db import begin_write, get_session, utcnow
from kernel.identity import current_identity
from wording import _

bp = Blueprint("provider_capacity", __name__)

EXAMPLE = (
    "service_id,unit,available,maximum,create\n"
    "7a2b9c4d-1e3f-4a5b-8c6d-7e8f90a1b2c3,bed,3,40,\n"
    "7a2b9c4d-1e3f-4a5b-8c6d-7e8f90a1b2c3,family room,1,6,yes\n"
)


class UploadForm(FlaskForm):
    # Labels are translated when the form is made (inside the request), not at import.
    file = FileField()
    rows = TextAreaField()


def _form(formdata: Any = None) -> UploadForm:
    form = UploadForm(formdata=formdata)
    form.file.label.text = _("CSV file")
    form.rows.label.text = _("Or paste the rows here")
    return form


def _page(form: UploadForm, report: capacity_csv.UploadReport | None = None, status: int = 200) -> Any:
    body = render_template(
        "provider_capacity/upload.html",
        form=form,
        report=report,
        example=EXAMPLE,
        columns=capacity_csv.COLUMNS,
        max_rows=capacity_csv.MAX_ROWS,
        outcomes=capacity_csv.OUTCOMES,
    )
    return body, status


@bp.get("/provider/capacity/upload")
@admits("provider", "admin")
def upload() -> Any:
    return _page(_form())


@bp.post("/provider/capacity/upload")
@admits("provider", "admin")
def upload_post() -> Any:
    current_app.extensions["csrf"].protect()
    form = _form(request.form)
    sent = request.files.get("file")
    data = sent.read(capacity_csv.MAX_BYTES + 1) if sent is not None and sent.filename else b""
    try:
        text = capacity_csv.decode(data) if data else (form.rows.data or "")
    except capacity_csv.FileRefused as exc:
        return _page(form, capacity_csv.UploadReport(file_error=str(exc)), 422)
    if not text.strip():
        report = capacity_csv.UploadReport(file_error=_("Choose a CSV file, or paste its rows."))
        return _page(form, report, 400)
    session = get_session()
    begin_write(session)
    report = capacity_csv.upload(session, current_identity(), text, utcnow())
    return _page(form, report, 200 if report.written else 422)
