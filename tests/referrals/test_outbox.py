"""The outbox and `linkage worker`: queued in the caller's transaction, delivered to a real
SMTP server (aiosmtpd on loopback), kept and retried with backoff while the server is down,
sent once however many workers share the database."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from kernel import outbox
from kernel.config import ConfigError, load_config
from kernel.db import catalog_sessions, make_engine, utcnow
from kernel.errors import Problem
from kernel.outbox import BACKOFF, LEASE, MessageStatus, OutboxMessage, enqueue
from referrals import mail, worker
from referrals.mail import MailSettings, SmtpTransport

from .mailserver import MailServer, committed_database, free_port

ROOT = Path(__file__).resolve().parents[2]
SENDER = "Linkage <linkage@example.org>"


def plain(port: int, **kw: object) -> SmtpTransport:
    return SmtpTransport(MailSettings(host="127.0.0.1", port=port, sender=SENDER, starttls=False, **kw))  # type: ignore[arg-type]


@pytest.fixture
def smtp():
    server = MailServer().start()
    yield server
    server.stop()


class Clock:
    """The worker's idea of now, moved by the test instead of waiting."""

    def __init__(self) -> None:
        self.at = utcnow()

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, delta: dt.timedelta) -> None:
        self.at += delta


def _reminder(session: Session, n: int = 1, **kw: object) -> OutboxMessage:
    values: dict[str, object] = {
        "recipient": f"worker{n}@example.org",
        "subject": f"A referral is waiting for an answer ({n})",
        "body_text": "Sign in to Linkage to see it: https://linkage.example.org/referrals",
    }
    values.update(kw)
    return enqueue(session, **values)  # type: ignore[arg-type]


def _row(session: Session, message: OutboxMessage) -> OutboxMessage:
    session.expire_all()
    return session.get_one(OutboxMessage, message.id)


# ---------------------------------------------------------------- enqueue


def test_a_message_is_written_in_the_callers_transaction_and_goes_with_its_rollback(db) -> None:
    nested = db.begin_nested()
    message = _reminder(db)
    assert message.status is MessageStatus.pending
    assert message.attempts == 0
    assert message.due_at <= utcnow()
    nested.rollback()
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_the_same_dedupe_key_twice_is_one_row_and_the_callers_transaction_goes_on(db) -> None:
    first = _reminder(db, dedupe_key="overdue:referral-1:2026-12-03T08:00")
    again = _reminder(db, dedupe_key="overdue:referral-1:2026-12-03T08:00", subject="Changed")
    other = _reminder(db, dedupe_key="overdue:referral-2:2026-12-03T08:00")
    plain_one = _reminder(db)
    plain_two = _reminder(db)
    assert again.id == first.id
    assert again.subject == "A referral is waiting for an answer (1)"
    assert len({first.id, other.id, plain_one.id, plain_two.id}) == 4
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 4
    db.flush()  # the transaction is still usable


def test_the_database_refuses_a_second_row_with_the_same_dedupe_key(db) -> None:
    _reminder(db, dedupe_key="once")
    nested = db.begin_nested()
    db.add(OutboxMessage(recipient="a@example.org", subject="s", body_text="b", dedupe_key="once"))
    with pytest.raises(IntegrityError):
        db.flush()
    nested.rollback()


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("recipient", "not an address", "is not an e-mail address"),
        ("recipient", "a@example.org\nBcc: everyone@example.org", "must be one line"),
        ("subject", "Hello\r\nBcc: x@example.org", "must be one line"),
        ("subject", "  ", "cannot be empty"),
        ("dedupe_key", " ", "cannot be empty"),
    ],
)
def test_a_message_that_cannot_be_sent_is_refused_naming_the_field(db, field, value, says) -> None:
    with pytest.raises(Problem) as caught:
        _reminder(db, **{field: value})
    assert caught.value.status == 422
    assert caught.value.param == field
    assert says in caught.value.detail
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_backoff_is_1_5_15_then_60_minutes() -> None:
    minutes = [outbox.backoff(n).total_seconds() / 60 for n in range(1, 8)]
    assert minutes == [1, 5, 15, 60, 60, 60, 60]
    assert BACKOFF[-1] == dt.timedelta(hours=1)


# ---------------------------------------------------------------- delivery


def test_the_worker_delivers_a_due_message_to_the_smtp_server(db, session_factory, smtp) -> None:
    message = _reminder(db, body_html="<p>Sign in to Linkage to see it.</p>")
    later = _reminder(db, 2, due_at=utcnow() + dt.timedelta(hours=1))
    db.commit()
    report = worker.deliver_due(session_factory, plain(smtp.port), SENDER)
    assert (report.sent, report.retrying, report.failed) == ([message.id], [], [])
    assert report.line() == "sent 1, to retry 0, failed 0"
    [got] = smtp.messages
    assert got.rcpt_tos == ["worker1@example.org"]
    assert got.mail_from == "linkage@example.org"
    assert got.message["Subject"] == "A referral is waiting for an answer (1)"
    assert got.message["Auto-Submitted"] == "auto-generated"
    assert got.message["Message-ID"].endswith("@example.org>")
    assert got.message.get_body(("plain",)).get_content().startswith("Sign in to Linkage")
    assert got.message.get_body(("html",)).get_content().strip() == "<p>Sign in to Linkage to see it.</p>"
    row = _row(db, message)
    assert (row.status, row.attempts, row.last_error) == (MessageStatus.sent, 1, None)
    assert row.sent_at is not None
    assert _row(db, later).status is MessageStatus.pending  # not due yet
    # a second pass sends nothing again
    assert (
        worker.deliver_due(session_factory, plain(smtp.port), SENDER).line() == "sent 0, to retry 0, failed 0"
    )
    assert len(smtp.messages) == 1


def test_the_outbox_survives_a_server_that_is_down_and_delivers_when_it_is_up(db, session_factory) -> None:
    server = MailServer()  # its port is chosen, nothing listens on it yet
    transport = plain(server.port)
    message = _reminder(db)
    db.commit()
    clock = Clock()
    report = worker.deliver_due(session_factory, transport, SENDER, now=clock)
    assert report.retrying == [message.id]
    row = _row(db, message)
    assert (row.status, row.attempts) == (MessageStatus.pending, 1)
    assert "ConnectionRefusedError" in (row.last_error or "")
    assert row.due_at == clock.at + dt.timedelta(minutes=1)
    assert row.last_attempt_at == clock.at
    # before the backoff has passed nothing is attempted
    clock.advance(dt.timedelta(seconds=30))
    assert (
        worker.deliver_due(session_factory, transport, SENDER, now=clock)
        .line()
        .startswith("sent 0, to retry 0")
    )
    assert _row(db, message).attempts == 1
    # still down at the second attempt: the next one waits 5 minutes
    clock.advance(dt.timedelta(seconds=31))
    worker.deliver_due(session_factory, transport, SENDER, now=clock)
    row = _row(db, message)
    assert (row.attempts, row.due_at) == (2, clock.at + dt.timedelta(minutes=5))
    server.start()
    try:
        clock.advance(dt.timedelta(minutes=5))
        report = worker.deliver_due(session_factory, transport, SENDER, now=clock)
        assert report.sent == [message.id]
        [got] = server.messages
        assert got.rcpt_tos == ["worker1@example.org"]
        assert got.message["Subject"] == "A referral is waiting for an answer (1)"
    finally:
        server.stop()
    row = _row(db, message)
    assert (row.status, row.attempts, row.last_error, row.sent_at) == (MessageStatus.sent, 3, None, clock.at)


def test_after_the_last_attempt_the_message_is_failed_and_kept(db, session_factory) -> None:
    transport = plain(free_port())  # never up
    message = _reminder(db)
    db.commit()
    clock = Clock()
    assert worker.deliver_due(session_factory, transport, SENDER, now=clock, max_attempts=2).retrying
    clock.advance(dt.timedelta(minutes=1))
    report = worker.deliver_due(session_factory, transport, SENDER, now=clock, max_attempts=2)
    assert report.failed == [message.id]
    row = _row(db, message)
    assert (row.status, row.attempts) == (MessageStatus.failed, 2)
    assert "ConnectionRefusedError" in (row.last_error or "")
    assert outbox.waiting(db, MessageStatus.failed) == [row]
    clock.advance(dt.timedelta(days=1))
    assert worker.deliver_due(session_factory, transport, SENDER, now=clock, max_attempts=2).line() == (
        "sent 0, to retry 0, failed 0"
    )
    # retried by hand, it is due again with its attempts counted from zero
    assert outbox.retry(db, message.id)
    assert not outbox.retry(db, message.id)  # no longer failed
    row = _row(db, message)
    assert (row.status, row.attempts) == (MessageStatus.pending, 0)


def test_a_recipient_the_server_refuses_for_good_fails_at_once(db, session_factory, smtp) -> None:
    smtp.inbox.refuse.add("gone@example.org")
    refused = _reminder(db, recipient="gone@example.org")
    fine = _reminder(db, 2)
    db.commit()
    report = worker.deliver_due(session_factory, plain(smtp.port), SENDER)
    assert (report.failed, report.sent) == ([refused.id], [fine.id])
    row = _row(db, refused)
    assert (row.status, row.attempts) == (MessageStatus.failed, 1)
    assert "550" in (row.last_error or "")
    assert [m.rcpt_tos for m in smtp.messages] == [["worker2@example.org"]]


def test_a_sender_the_server_refuses_is_the_deployments_to_fix_and_is_retried(
    db, session_factory, smtp
) -> None:
    smtp.inbox.refuse_senders.add("linkage@example.org")
    message = _reminder(db)
    db.commit()
    assert worker.deliver_due(session_factory, plain(smtp.port), SENDER).retrying == [message.id]
    row = _row(db, message)
    assert (row.status, row.attempts) == (MessageStatus.pending, 1)
    assert "SMTPSenderRefused" in (row.last_error or "")


def test_a_server_without_starttls_is_an_attempt_that_failed_not_plain_text(
    db, session_factory, smtp
) -> None:
    message = _reminder(db)
    db.commit()
    transport = SmtpTransport(MailSettings(host="127.0.0.1", port=smtp.port, sender=SENDER))
    assert worker.deliver_due(session_factory, transport, SENDER).retrying == [message.id]
    assert "STARTTLS" in (_row(db, message).last_error or "")
    assert smtp.messages == []


def test_the_worker_signs_in_to_the_server_when_a_user_is_set(db, session_factory) -> None:
    server = MailServer(auth=True).start()
    try:
        good = _reminder(db)
        db.commit()
        report = worker.deliver_due(
            session_factory, plain(server.port, user="linkage", password="wrong"), SENDER
        )
        assert report.retrying == [good.id]  # a wrong login is the deployment's to fix: retried
        assert "SMTPAuthenticationError" in (_row(db, good).last_error or "")
        db.execute(OutboxMessage.__table__.update().values(due_at=utcnow()))
        db.commit()
        transport = plain(server.port, user="linkage", password="mail-secret")
        assert worker.deliver_due(session_factory, transport, SENDER).sent == [good.id]
        assert server.inbox.logins[0] == ("linkage", "wrong")
        assert server.inbox.logins[-1] == ("linkage", "mail-secret")
        assert len(server.messages) == 1
    finally:
        server.stop()


def test_a_worker_that_died_while_sending_leaves_the_message_due_after_the_lease(
    db, session_factory, smtp
) -> None:
    message = _reminder(db)
    db.commit()
    clock = Clock()
    claimed = worker.claim(session_factory, clock(), worker.DEFAULT_MAX_ATTEMPTS)  # and then nothing
    assert claimed is not None
    assert claimed.id == message.id
    assert worker.deliver_due(session_factory, plain(smtp.port), SENDER, now=clock).sent == []
    clock.advance(LEASE)
    assert worker.deliver_due(session_factory, plain(smtp.port), SENDER, now=clock).sent == [message.id]
    assert _row(db, message).attempts == 2


def test_a_message_stranded_in_its_last_attempt_is_marked_failed(db, session_factory) -> None:
    message = _reminder(db)
    db.commit()
    clock = Clock()
    assert worker.claim(session_factory, clock(), 1) is not None
    clock.advance(LEASE)
    report = worker.deliver_due(session_factory, plain(free_port()), SENDER, now=clock, max_attempts=1)
    assert report.failed == [message.id]
    row = _row(db, message)
    assert row.status is MessageStatus.failed
    assert "worker stopped" in (row.last_error or "")


def test_a_pass_stops_at_its_limit(db, session_factory, smtp) -> None:
    for n in range(3):
        _reminder(db, n)
    db.commit()
    assert len(worker.deliver_due(session_factory, plain(smtp.port), SENDER, limit=2).sent) == 2
    assert len(worker.deliver_due(session_factory, plain(smtp.port), SENDER).sent) == 1


# ---------------------------------------------------------------- several workers


@pytest.fixture
def committed_url(tmp_path):
    with committed_database(tmp_path, "outbox") as url:
        yield url


def test_two_workers_at_once_deliver_every_message_exactly_once(committed_url, smtp) -> None:
    engine = make_engine(committed_url, pool_size=4)
    try:
        sessions: sessionmaker[Session] = catalog_sessions(engine)
        with sessions.begin() as session:
            ids = {_reminder(session, n).id for n in range(40)}
        start = threading.Barrier(2)
        reports: list[worker.Report] = []
        errors: list[BaseException] = []

        def run() -> None:
            try:
                start.wait()
                reports.append(worker.deliver_due(catalog_sessions(engine), plain(smtp.port), SENDER))
            except BaseException as exc:  # pragma: no cover - shown by the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        sent = [i for r in reports for i in r.sent]
        assert sorted(sent) == sorted(ids)  # each row by one worker
        subjects = [m.message["Subject"] for m in smtp.messages]
        assert len(subjects) == 40
        assert len(set(subjects)) == 40  # no message received twice
        with sessions() as session:
            rows = session.scalars(select(OutboxMessage)).all()
            assert {(r.status, r.attempts) for r in rows} == {(MessageStatus.sent, 1)}
    finally:
        engine.dispose()


def test_the_worker_command_loops_until_it_is_stopped(committed_url, smtp, tmp_path) -> None:
    engine = make_engine(committed_url)
    with catalog_sessions(engine).begin() as session:
        _reminder(session)
    engine.dispose()
    env = {
        **os.environ,
        "DATABASE_URL": committed_url,
        "LINKAGE_DATA_DIR": str(tmp_path / "data"),
        "LINKAGE_SMTP_HOST": "127.0.0.1",
        "LINKAGE_SMTP_PORT": str(smtp.port),
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
    try:
        assert smtp.inbox.arrived.wait(120), "the worker sent nothing"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "outbox: sent 1, to retry 0, failed 0" in out
    assert [m.rcpt_tos for m in smtp.messages] == [["worker1@example.org"]]


# ---------------------------------------------------------------- the commands


def _configured(app, port: int) -> None:
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_STARTTLS=False, MAIL_FROM=SENDER)


def test_worker_once_sends_what_is_due_and_says_so(app, db, smtp) -> None:
    _reminder(db)
    db.commit()
    _configured(app, smtp.port)
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "outbox: sent 1, to retry 0, failed 0" in result.output
    assert len(smtp.messages) == 1


def test_worker_without_mail_settings_sends_nothing_and_says_why(app, db) -> None:
    message = _reminder(db)
    db.commit()
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 1
    assert "mail is not configured (set LINKAGE_SMTP_HOST and LINKAGE_MAIL_FROM)" in result.output
    assert "1 message(s) wait in the outbox" in result.output
    assert _row(db, message).attempts == 0
    app.config["SMTP_HOST"] = "127.0.0.1"
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 1
    assert "LINKAGE_MAIL_FROM must be set when LINKAGE_SMTP_HOST is" in result.output


def test_outbox_list_and_retry(app, db) -> None:
    message = _reminder(db)
    db.commit()
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["outbox", "list"])
    assert listed.exit_code == 0
    assert f"{message.id}\tpending\t0\t" in listed.output
    assert runner.invoke(args=["outbox", "list", "--status", "failed"]).output.count("\n") == 1
    refused = runner.invoke(args=["outbox", "retry", str(message.id)])
    assert refused.exit_code == 1
    assert f"There is no failed message {message.id}." in refused.output
    db.execute(
        OutboxMessage.__table__.update().values(status=MessageStatus.failed, attempts=12, last_error="x")
    )
    db.commit()
    assert f"{message.id}\tfailed\t12\t-\t" in runner.invoke(args=["outbox", "list"]).output
    retried = runner.invoke(args=["outbox", "retry", str(message.id)])
    assert retried.exit_code == 0
    assert "is due again" in retried.output
    assert _row(db, message).status is MessageStatus.pending


# ---------------------------------------------------------------- settings


def test_mail_settings_come_from_the_environment(tmp_path, monkeypatch) -> None:
    for name, value in {
        "LINKAGE_SMTP_HOST": "smtp.example.org",
        "LINKAGE_SMTP_PORT": "2525",
        "LINKAGE_SMTP_USER": "linkage",
        "LINKAGE_SMTP_PASSWORD": "secret",
        "LINKAGE_SMTP_STARTTLS": "0",
        "LINKAGE_MAIL_FROM": "Linkage <linkage@example.org>",
    }.items():
        monkeypatch.setenv(name, value)
    config = load_config({"DATA_DIR": str(tmp_path)})
    assert mail.mail_configured(config)
    assert MailSettings.from_config(config) == MailSettings(
        host="smtp.example.org",
        port=2525,
        sender="Linkage <linkage@example.org>",
        user="linkage",
        password="secret",
        starttls=False,
    )


def test_without_a_host_mail_is_off(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("LINKAGE_SMTP_HOST", raising=False)
    config = load_config({"DATA_DIR": str(tmp_path)})
    assert not mail.mail_configured(config)
    assert MailSettings.from_config(config) is None
    assert config["SMTP_PORT"] == 587
    assert config["SMTP_STARTTLS"] is True


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("LINKAGE_SMTP_PORT", "smtp", "must be a port number"),
        ("LINKAGE_SMTP_PORT", "70000", "from 1 to 65535"),
        ("LINKAGE_SMTP_STARTTLS", "maybe", "must be 1 or 0"),
        ("LINKAGE_MAIL_FROM", "linkage", "must be an e-mail address"),
        ("LINKAGE_BASE_URL", "linkage.example.org", "must be an address such as https://"),
        ("LINKAGE_BASE_URL", "https://linkage.example.org/?a=1", "must be an address such as https://"),
    ],
)
def test_a_mail_setting_that_cannot_be_used_names_the_variable(tmp_path, monkeypatch, variable, value, says):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_config({"DATA_DIR": str(tmp_path)})
    assert variable in str(caught.value)
    assert says in str(caught.value)


def test_links_in_mail_start_with_the_base_url_or_the_requests_address(app) -> None:
    app.config["BASE_URL"] = None
    with app.test_request_context("/", base_url="https://desk.example.org"):
        assert mail.absolute_url(app.config, "/l/lkl_x") == "https://desk.example.org/l/lkl_x"
    with app.app_context(), pytest.raises(ConfigError, match="LINKAGE_BASE_URL must be set"):
        mail.absolute_url(app.config, "/l/lkl_x")  # cron: nobody knows the address
    app.config["BASE_URL"] = "https://linkage.example.org"
    with app.app_context():
        assert mail.absolute_url(app.config, "/referrals") == "https://linkage.example.org/referrals"
    with pytest.raises(ValueError, match="starts with /"):
        mail.absolute_url(app.config, "referrals")


def test_the_base_url_comes_from_the_environment_without_its_last_slash(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("LINKAGE_BASE_URL", "https://linkage.example.org/")
    assert load_config({"DATA_DIR": str(tmp_path)})["BASE_URL"] == "https://linkage.example.org"


def test_two_transactions_enqueueing_one_reminder_at_once_make_one_row(committed_url) -> None:
    engine = make_engine(committed_url)
    try:
        sessions = catalog_sessions(engine)
        start = threading.Barrier(2)
        ids: list[object] = []

        def enqueue_and_commit() -> None:
            with sessions() as session:
                start.wait()
                ids.append(_reminder(session, dedupe_key="overdue:referral-9:2026-12-03T08:00").id)
                session.commit()

        threads = [threading.Thread(target=enqueue_and_commit) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(ids) == 2
        assert len(set(ids)) == 1
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    finally:
        engine.dispose()
