"""E-mail about referrals end to end: the provider's e-mail reaches a real SMTP server
(aiosmtpd on loopback) through `linkage worker --once` after the server was down, and its
links work; follow-up reminders are queued once per due time however often they are
computed; the worker's loop goes on after a database error."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update

from kernel.db import catalog_sessions, make_engine, utcnow
from kernel.outbox import MessageStatus, OutboxMessage, enqueue
from referrals import notify, services
from referrals.cli import DB_BACKOFF_MAX, backoff_after_failures
from referrals.models import Referral
from tests.accounts.test_login import csrf

from .conftest import NOW, SETTINGS, People, client_input, consent_input
from .mailserver import MailServer, committed_database, free_port

ROOT = Path(__file__).resolve().parents[2]
BASE = "https://linkage.example.org"
SENDER = "Linkage <linkage@example.org>"
LINK = re.compile(re.escape(BASE) + r"(/r/lkl_[A-Za-z0-9_-]+)")
OUT = notify.Outgoing(BASE)


def mail_on(app: Any, port: int) -> None:
    app.config.update(
        SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_STARTTLS=False, MAIL_FROM=SENDER, BASE_URL=BASE
    )


@pytest.fixture
def send(app, db, people: People, shelter) -> Any:
    shelter.email = "intake@harbor.example.org"
    # The worker reads the wall clock: the bed figure is an hour old by it, so no stale-figure
    # nudge joins the outbox on a day after the suite's fixed moment.
    shelter.capacities[0].updated = utcnow() - dt.timedelta(hours=1)
    db.flush()

    def factory(**kw: Any) -> Referral:
        now = kw.pop("now", utcnow())
        data = {"service_id": shelter.id, "client": client_input(), "consent": consent_input(), **kw}
        with app.app_context():
            settings = services.Settings.from_config(app.config)
            return services.create_referral(db, people.worker, services.ReferralInput(**data), settings, now)

    return factory


def worker_once(app) -> str:
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def body(received) -> str:
    part = received.message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def rows(db, prefix: str) -> list[OutboxMessage]:
    db.expire_all()
    return list(db.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like(prefix + "%"))))


def test_the_providers_email_reaches_the_server_after_it_was_down_and_its_links_work(
    app, db, client, send
) -> None:
    server = MailServer(free_port())  # not started: the server is down
    mail_on(app, server.port)
    referral = send(need="a bed tonight")
    db.commit()
    assert "outbox: sent 0, to retry 1, failed 0" in worker_once(app)
    (message,) = rows(db, f"referral:{referral.id}")
    assert message.status is MessageStatus.pending
    assert message.last_error is not None  # the refused connection, recorded
    server.start()
    try:
        # The backoff's minute has passed.
        db.execute(update(OutboxMessage).values(due_at=utcnow()))
        db.commit()
        assert "outbox: sent 1, to retry 0, failed 0" in worker_once(app)
        (received,) = server.messages
    finally:
        server.stop()
    assert received.rcpt_tos == ["intake@harbor.example.org"]
    assert received.message["Subject"] == "New referral for Harbor Night Shelter"
    text_body = body(received)
    assert "J. D." not in text_body
    assert "a bed tonight" not in text_body
    accept, decline = LINK.findall(text_body)
    page = client.get(accept)
    assert page.status_code == 200
    assert "J. D." in page.get_data(as_text=True)  # the consented fields, on the page only
    done = client.post(accept, data={"csrf_token": csrf(client, accept)})
    assert done.status_code == 200
    db.expire_all()
    moved = db.get_one(Referral, referral.id)
    assert (moved.status, moved.events[-1].channel) == ("accepted", "email-link")
    assert "withdrawn" in client.get(decline).get_data(as_text=True)


def test_reminders_are_queued_once_per_due_time(app, db, people, refer, shelter) -> None:
    shelter.email = "intake@harbor.example.org"
    referral = refer()  # requested at NOW, due 24 h later
    assert referral.due_at == NOW + dt.timedelta(hours=24)
    with app.app_context():
        assert notify.remind_overdue(db, OUT, NOW + dt.timedelta(hours=23)).workers == []  # not due yet
        late = NOW + dt.timedelta(hours=25)
        first = notify.remind_overdue(db, OUT, late)
        second = notify.remind_overdue(db, OUT, late + dt.timedelta(minutes=30))  # computed again
        assert (len(first.workers), len(first.providers)) == (1, 1)
        assert (second.workers, second.providers) == ([], [])
        (to_worker,) = rows(db, f"remind:{referral.id}:")
        assert to_worker.dedupe_key == f"remind:{referral.id}:{referral.due_at.isoformat()}"
        assert to_worker.recipient == "worker@a.example.org"
        assert to_worker.subject == "A referral to Harbor Night Shelter needs a follow-up"
        assert f"{BASE}/referrals/{referral.id}" in to_worker.body_text
        assert "J. D." not in to_worker.body_text
        (to_provider,) = rows(db, f"remind-provider:{referral.id}:")
        assert to_provider.recipient == "intake@harbor.example.org"
        assert len(LINK.findall(to_provider.body_text)) == 2  # fresh links
        # Accepted: a new due time (72 h), a new reminder when it passes; none to the provider.
        accepted_at = NOW + dt.timedelta(hours=26)
        services.transition(db, people.provider, referral.id, "accepted", SETTINGS, now=accepted_at)
        later = notify.remind_overdue(db, OUT, accepted_at + dt.timedelta(hours=73))
        assert (len(later.workers), later.providers) == (1, [])
        assert len(rows(db, f"remind:{referral.id}:")) == 2
        assert notify.remind_overdue(db, OUT, accepted_at + dt.timedelta(hours=80)).workers == []


def test_no_reminder_when_mail_is_off_or_the_referral_is_closed(app, db, people, bring, refer) -> None:
    open_one = refer()
    closed = bring("rejected")
    with app.app_context():
        late = NOW + dt.timedelta(days=30)
        assert notify.remind_overdue(db, None, late).workers == []
        done = notify.remind_overdue(db, OUT, late)
    keys = {k.dedupe_key for k in rows(db, "remind")}
    assert f"remind:{open_one.id}:{open_one.due_at.isoformat()}" in keys
    assert not any(str(closed.id) in k for k in keys)
    assert len(done.workers) == 1


def test_the_worker_queues_due_reminders_before_it_delivers(app, db, send) -> None:
    server = MailServer().start()
    try:
        mail_on(app, server.port)
        referral = send(now=utcnow() - dt.timedelta(hours=25))  # unanswered for a day
        db.commit()
        out = worker_once(app)
        assert "reminders: queued 2" in out
        # the new referral's e-mail and the two reminders
        assert "outbox: sent 3, to retry 0, failed 0" in out
        again = worker_once(app)
        assert "reminders" not in again
        assert "outbox: sent 0, to retry 0, failed 0" in again
        received = {m.message["Subject"]: m for m in server.messages}
    finally:
        server.stop()
    reminder = received["A referral to Harbor Night Shelter needs a follow-up"]
    assert reminder.rcpt_tos == ["worker@a.example.org"]
    assert f"{BASE}/referrals/{referral.id}" in body(reminder)
    waiting = received["A referral for Harbor Night Shelter is waiting for your answer"]
    assert waiting.rcpt_tos == ["intake@harbor.example.org"]
    assert len(LINK.findall(body(waiting))) == 2


def test_the_wait_after_database_errors_grows_and_is_capped() -> None:
    assert [backoff_after_failures(1.0, n) for n in (1, 2, 3)] == [2.0, 4.0, 8.0]
    assert backoff_after_failures(30.0, 50) == DB_BACKOFF_MAX


def test_the_worker_loop_goes_on_after_a_database_error(tmp_path) -> None:
    """The outbox table is away (a migration, a restore): each pass fails, is logged and
    retried; when it is back, the message waiting in it is sent and the worker still runs."""
    server = MailServer().start()
    with committed_database(tmp_path, "worker_db_error") as url:
        engine = make_engine(url)
        with catalog_sessions(engine).begin() as session:
            enqueue(session, recipient="worker@example.org", subject="waiting", body_text="see Linkage")
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE outbox_message RENAME TO outbox_message_away"))
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "LINKAGE_DATA_DIR": str(tmp_path / "data"),
            "LINKAGE_SMTP_HOST": "127.0.0.1",
            "LINKAGE_SMTP_PORT": str(server.port),
            "LINKAGE_SMTP_STARTTLS": "0",
            "LINKAGE_MAIL_FROM": SENDER,
        }
        proc = subprocess.Popen(
            [sys.executable, "-c", "from app.cli import main; main()", "worker", "--interval", "0.2"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        lines: list[str] = []
        failed_twice = threading.Event()

        def read() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.append(line)
                if sum("database error" in seen for seen in lines) >= 2:
                    failed_twice.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            assert failed_twice.wait(120), "the worker did not report the database error"
            assert proc.poll() is None  # still running
            with engine.begin() as conn:
                conn.execute(text("ALTER TABLE outbox_message_away RENAME TO outbox_message"))
            assert server.inbox.arrived.wait(120), "the worker sent nothing once the table was back"
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=120)
            reader.join(timeout=10)  # the reader alone reads stdout
            assert proc.stderr is not None
            err = proc.stderr.read()
            proc.stderr.close()
            if proc.stdout is not None:
                proc.stdout.close()
            server.stop()
            engine.dispose()
    assert proc.returncode == 0, err
    out = "".join(lines)
    assert re.search(r"database error \((OperationalError|ProgrammingError) \(\w+\)\); next try in", out), out
    assert "outbox: sent 1, to retry 0, failed 0" in out
    assert "worker pass failed on the database" in err
    assert [m.message["Subject"] for m in server.messages] == ["waiting"]


def test_a_providers_question_reaches_the_referring_worker_once_without_its_words(
    app, db, client, people, refer
) -> None:
    from tests.accounts.test_login import csrf, sign_in

    server = MailServer().start()
    try:
        mail_on(app, server.port)
        referral = refer()
        db.commit()
        assert sign_in(client, "intake@shelter.example.org").status_code == 302
        question = "Does the client use a wheelchair?"
        token = csrf(client, "/inbox")
        for _ in range(2):  # a second question is a second e-mail, each once
            resp = client.post(f"/inbox/{referral.id}/ask", data={"question": question, "csrf_token": token})
            assert resp.status_code == 302
        assert len(rows(db, "question:")) == 2
        assert "outbox: sent" in worker_once(app)
        assert "outbox: sent 0," in worker_once(app)  # nothing twice
        asked = [m for m in server.messages if "asked a question" in m.message["Subject"]]
    finally:
        server.stop()
    assert len(asked) == 2
    assert asked[0].rcpt_tos == ["worker@a.example.org"]
    assert asked[0].message["Subject"] == "Harbor Night Shelter asked a question about your referral"
    text_body = body(asked[0])
    assert f"{BASE}/referrals/{referral.id}" in text_body
    assert question not in text_body
    assert "J. D." not in text_body


def test_no_question_mail_when_mail_is_off(app, db, people, refer) -> None:
    referral = refer()
    with app.app_context():
        services.ask(db, people.provider, referral.id, "Any pets?", outgoing=None)
    assert rows(db, "question:") == []
