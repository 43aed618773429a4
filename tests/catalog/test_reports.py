"""Anyone reports a problem with a record; the service's provider or an admin accepts it with
the corrected values (through the change log: in the history, and revertible) or rejects it
with a note; the reporter, when they left an address, hears back by e-mail, and their
address is then forgotten. Reports are throttled per address in the database."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from catalog.models import Metadata, Phone, Service, ServiceStatus
from catalog.reports import PER_HOUR_PER_SERVICE, ChangeRequest
from kernel.outbox import OutboxMessage
from tests.referrals.mailserver import MailServer

SENDER = "Linkage <linkage@example.org>"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def shelter(make_service):
    return make_service("Harbor Night Shelter", phone="614-555-0100")


def _token(client, path: str) -> str:
    match = TOKEN.search(client.get(path).text)
    assert match
    return match.group(1)


def _report(client, service, *, address: str = "203.0.113.7", **form: str):
    token = _token(client, f"/services/{service.id}")
    return client.post(
        f"/services/{service.id}/report",
        data={"csrf_token": token, **form},
        environ_base={"REMOTE_ADDR": address},
    )


def _requests(db, service) -> list[ChangeRequest]:
    db.expire_all()
    query = (
        select(ChangeRequest).where(ChangeRequest.service_id == service.id).order_by(ChangeRequest.created_at)
    )
    return list(db.scalars(query))


def test_the_service_page_carries_the_report_form_for_anyone(client, shelter):
    page = client.get(f"/services/{shelter.id}")
    assert "Report a problem" in page.text
    assert 'name="kind" value="wrong_phone"' in page.text
    assert 'name="csrf_token"' in page.text
    assert page.headers["Cache-Control"] == "private"  # the token is this visitor's


def test_a_public_report_becomes_an_accepted_change_in_the_history_and_is_reverted(
    app, client, db, signed_in, shelter
):
    sent = _report(client, shelter, kind="wrong_phone", text="It rings a pizza place; it is 614-555-0199.")
    assert sent.status_code == 303
    assert sent.headers["Location"].endswith(f"/services/{shelter.id}?reported=1#report")
    assert "your report was sent" in client.get(sent.headers["Location"]).text
    [request] = _requests(db, shelter)
    assert (request.kind, request.status, request.reporter_email) == ("wrong_phone", "open", None)
    assert request.address_digest is not None
    assert "203.0.113.7" not in request.address_digest  # a keyed digest, not the address

    provider = signed_in("provider", organizations=[str(shelter.organization_id)])
    queue = provider.get("/admin/reports").text
    assert "It rings a pizza place" in queue
    page = provider.get(f"/admin/reports/{request.id}").text
    phone = shelter.phones[0]
    key = f"value:phone:{phone.id}:number"
    assert f'name="{key}" value="614-555-0100"' in page
    token = _token(provider, f"/admin/reports/{request.id}")
    done = provider.post(
        f"/admin/reports/{request.id}/accept", data={"csrf_token": token, key: "614-555-0199"}
    )
    assert done.status_code == 303
    db.expire_all()
    assert db.get(Phone, phone.id).number == "614-555-0199"
    assert _requests(db, shelter)[0].status == "accepted"
    assert _requests(db, shelter)[0].decided_by == provider.email
    [logged] = db.scalars(
        select(Metadata).where(Metadata.resource_id == phone.id, Metadata.field_name == "number")
    ).all()
    assert (logged.previous_value, logged.replacement_value, logged.updated_by) == (
        "614-555-0100",
        "614-555-0199",
        provider.email,
    )

    admin = signed_in("admin")
    history = admin.get(f"/admin/history/service/{shelter.id}").text
    assert "614-555-0100" in history
    assert "614-555-0199" in history
    assert queue_link(admin, shelter)
    token = _token(admin, f"/admin/history/service/{shelter.id}")
    back = admin.post(f"/admin/history/revert/{logged.id}", data={"csrf_token": token})
    assert back.status_code == 303
    db.expire_all()
    assert db.get(Phone, phone.id).number == "614-555-0100"
    reverted = db.scalars(
        select(Metadata)
        .where(Metadata.resource_id == phone.id, Metadata.field_name == "number")
        .order_by(Metadata.last_action_date.desc())
    ).first()
    assert reverted.replacement_value == "614-555-0100"
    assert reverted.updated_by == f"{admin.email} (revert)"
    # The first change no longer holds its field: reverting it again is refused, nothing written.
    again = admin.post(f"/admin/history/revert/{logged.id}", data={"csrf_token": token})
    assert again.status_code == 409


def queue_link(admin, shelter) -> bool:
    """The admin's report queue links to the record's history."""
    page = admin.get("/admin/reports?status=accepted").text
    return f"/admin/history/service/{shelter.id}" in page


def test_closed_for_good_is_accepted_as_a_status(client, db, signed_in, shelter):
    _report(client, shelter, kind="closed")
    [request] = _requests(db, shelter)
    admin = signed_in("admin")
    token = _token(admin, f"/admin/reports/{request.id}")
    key = f"value:service:{shelter.id}:status"
    assert (
        admin.post(
            f"/admin/reports/{request.id}/accept", data={"csrf_token": token, key: "defunct"}
        ).status_code
        == 303
    )
    db.expire_all()
    assert db.get(Service, shelter.id).status is ServiceStatus.defunct


def test_an_accept_without_a_corrected_value_or_with_a_bad_one_changes_nothing(
    client, db, signed_in, shelter
):
    _report(client, shelter, kind="wrong_hours", text="They open at 8")
    [request] = _requests(db, shelter)
    admin = signed_in("admin")
    token = _token(admin, f"/admin/reports/{request.id}")
    nothing = admin.post(f"/admin/reports/{request.id}/accept", data={"csrf_token": token})
    assert nothing.status_code == 400
    assert "Enter the corrected value" in nothing.text
    phone = shelter.phones[0]
    bad = {
        "csrf_token": token,
        f"value:service:{shelter.id}:name": "Harbor Night Shelter (new name)",
        f"value:phone:{phone.id}:number": "call us",
    }
    refused = admin.post(f"/admin/reports/{request.id}/accept", data=bad)
    assert refused.status_code == 400
    assert "A phone number needs digits." in refused.text
    assert 'value="call us"' in refused.text  # what was typed is kept
    assert 'aria-invalid="true"' in refused.text
    db.expire_all()
    assert db.get(Service, shelter.id).name == "Harbor Night Shelter"
    assert _requests(db, shelter)[0].status == "open"


def test_a_report_rejected_with_a_note(client, db, signed_in, shelter):
    _report(client, shelter, kind="wrong_address", text="It moved")
    [request] = _requests(db, shelter)
    provider = signed_in("provider", organizations=[str(shelter.organization_id)])
    token = _token(provider, f"/admin/reports/{request.id}")
    without = provider.post(f"/admin/reports/{request.id}/reject", data={"csrf_token": token, "note": " "})
    assert without.status_code == 400
    assert "Say why the report is rejected" in without.text
    done = provider.post(
        f"/admin/reports/{request.id}/reject", data={"csrf_token": token, "note": "We have not moved."}
    )
    assert done.status_code == 303
    [decided] = _requests(db, shelter)
    assert (decided.status, decided.note) == ("rejected", "We have not moved.")
    assert "We have not moved." in provider.get("/admin/reports?status=rejected").text
    assert "It moved" not in provider.get("/admin/reports").text


def test_another_organizations_provider_neither_sees_nor_decides(client, db, signed_in, make_org, shelter):
    _report(client, shelter, kind="other", text="Closed on Sundays now")
    [request] = _requests(db, shelter)
    other = signed_in("provider", organizations=[str(make_org("Elsewhere").id)])
    assert "Closed on Sundays now" not in other.get("/admin/reports").text
    assert other.get(f"/admin/reports/{request.id}").status_code == 404
    token = _token(other, "/admin/reports")
    refused = other.post(f"/admin/reports/{request.id}/reject", data={"csrf_token": token, "note": "no"})
    assert refused.status_code == 404
    assert _requests(db, shelter)[0].status == "open"
    worker = signed_in("social_worker")
    assert worker.get("/admin/reports").status_code == 403


def test_a_refused_report_keeps_what_was_typed(client, db, shelter):
    empty = _report(client, shelter, kind="other", text="", email="me@example.org")
    assert empty.status_code == 400
    assert "Say what is wrong" in empty.text
    assert 'value="me@example.org"' in empty.text
    assert 'aria-describedby="report-text-error"' in empty.text
    bad_mail = _report(client, shelter, kind="wrong_phone", text="wrong", email="not an address")
    assert bad_mail.status_code == 400
    assert 'value="not an address"' in bad_mail.text
    assert ">wrong</textarea>" in bad_mail.text
    assert _requests(db, shelter) == []


def test_reports_without_the_csrf_token_are_refused(client, db, shelter):
    resp = client.post(f"/services/{shelter.id}/report", data={"kind": "closed"})
    assert resp.status_code == 400
    assert _requests(db, shelter) == []


def test_reports_are_throttled_per_address_and_service_with_a_clear_429(client, db, make_service, shelter):
    for _ in range(PER_HOUR_PER_SERVICE):
        assert _report(client, shelter, kind="closed").status_code == 303
    refused = _report(client, shelter, kind="other", text="third time", email="me@example.org")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many reports" in refused.text
    assert ">third time</textarea>" in refused.text
    assert 'value="me@example.org"' in refused.text
    assert len(_requests(db, shelter)) == PER_HOUR_PER_SERVICE
    # another address is not held back; this one still may report another service
    assert _report(client, shelter, kind="closed", address="198.51.100.4").status_code == 303
    others = [make_service(f"Pantry {n}") for n in range(4)]
    answers = [_report(client, s, kind="closed").status_code for s in others]
    assert answers == [303, 303, 303, 429]  # five an hour from one address in all


def test_the_reporter_hears_back_through_the_outbox_and_a_real_smtp_server(
    app, client, db, signed_in, shelter
):
    server = MailServer().start()
    try:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_STARTTLS=False, MAIL_FROM=SENDER)
        headers = {"Accept-Language": "es"}
        token = _token(client, f"/services/{shelter.id}")
        client.post(
            f"/services/{shelter.id}/report",
            data={"csrf_token": token, "kind": "closed", "email": "Vecina@Example.org"},
            headers=headers,
        )
        [request] = _requests(db, shelter)
        assert request.reporter_email == "vecina@example.org"
        assert request.reporter_language == "es"
        admin = signed_in("admin")
        token = _token(admin, f"/admin/reports/{request.id}")
        admin.post(
            f"/admin/reports/{request.id}/reject", data={"csrf_token": token, "note": "Sigue abierto."}
        )
        [decided] = _requests(db, shelter)
        assert decided.reporter_email is None  # kept only until answered
        assert decided.address_digest is None
        queued = db.scalars(
            select(OutboxMessage).where(OutboxMessage.dedupe_key == f"report:{request.id}:decided")
        )
        assert [m.recipient for m in queued] == ["vecina@example.org"]
        db.commit()
        result = app.test_cli_runner().invoke(args=["worker", "--once"])
        assert result.exit_code == 0, result.output
        [received] = server.messages
    finally:
        server.stop()
    assert received.rcpt_tos == ["vecina@example.org"]
    assert received.message["Subject"] == "Su reporte sobre Harbor Night Shelter"
    text = received.message.get_body(preferencelist=("plain",)).get_content()
    assert "Sigue abierto." in text
    assert "el registro no se cambió" in text


def test_without_smtp_no_message_is_queued_and_the_address_is_still_forgotten(client, db, signed_in, shelter):
    _report(client, shelter, kind="closed", email="me@example.org")
    [request] = _requests(db, shelter)
    admin = signed_in("admin")
    token = _token(admin, f"/admin/reports/{request.id}")
    admin.post(f"/admin/reports/{request.id}/reject", data={"csrf_token": token, "note": "Still open."})
    assert _requests(db, shelter)[0].reporter_email is None
    assert db.scalars(select(OutboxMessage)).all() == []


def test_the_report_pages_are_in_spanish(client, shelter):
    page = client.get(f"/services/{shelter.id}/report", headers={"Accept-Language": "es"}).text
    assert "Reportar un problema" in page
    assert "El número de teléfono está mal" in page
    refused = _report(client, shelter, kind="", text="")
    assert refused.status_code == 400
    es = client.post(
        f"/services/{shelter.id}/report",
        data={"csrf_token": _token(client, f"/services/{shelter.id}"), "kind": "other"},
        headers={"Accept-Language": "es"},
    )
    assert "Diga qué está mal, en pocas palabras." in es.text


def test_the_decision_page_is_in_spanish(client, db, signed_in, shelter):
    _report(client, shelter, kind="closed")
    [request] = _requests(db, shelter)
    admin = signed_in("admin")
    page = admin.get(f"/admin/reports/{request.id}", headers={"Accept-Language": "es"}).text
    assert "Cerró definitivamente: Harbor Night Shelter" in page
    assert "cerrado definitivamente (defunct)" in page
    assert "Aceptar y aplicar" in page
    token = _token(admin, f"/admin/reports/{request.id}")
    admin.post(f"/admin/reports/{request.id}/reject", data={"csrf_token": token, "note": "Abierto."})
    decided = admin.get(f"/admin/reports/{request.id}", headers={"Accept-Language": "es"}).text
    assert "Rechazado con una nota." in decided
