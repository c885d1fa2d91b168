"""Notifications go through the outbox: delivered by SMTP to a local debug server, kept when it is down,
and sent by SMS through the pluggable gateway."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from ressursbank.db.engine import create_engine_for, session_factory
from ressursbank.db.repo_app import create_app_tables, list_notifications, utcnow
from ressursbank.services import notifications
from ressursbank.services.notifications import RecordingSmsGateway, SmtpSettings


class _Inbox(Message):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[object] = []

    def handle_message(self, message: object) -> None:
        self.messages.append(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[_Inbox, int]]:
    """An SMTP debug server on loopback collecting messages."""
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def factory(tmp_path: Path) -> object:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'outbox.sqlite'}")
    create_app_tables(engine)
    return session_factory(engine)


def test_email_delivered_to_local_smtp_with_offer_link(smtp_server: tuple[_Inbox, int], factory: object) -> None:
    """A queued offer notification reaches the SMTP server with the link to the offer page, and is marked sent."""
    inbox, port = smtp_server
    with factory() as session, session.begin():  # type: ignore[operator]
        subject, body = notifications.offer_text(
            lang="nb",
            name="Kari",
            unit_name="Koronapoliklinikken",
            start=dt.date(2026, 12, 7),
            end=dt.date(2026, 12, 20),
            reasons=["Har kvalifikasjonen: Sykepleier"],
            link="/offers/abc",
        )
        notifications.enqueue(
            session,
            recipient="employee:A00007",
            subject=subject,
            body=body,
            link="/offers/abc",
            employee_id="A00007",
            offer_id="abc",
        )
    with factory() as session, session.begin():  # type: ignore[operator]
        report = notifications.deliver_due(session, smtp=SmtpSettings(host="127.0.0.1", port=port))
    assert report.sent == 1 and report.failed == 0
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "a00007@ansatt.example.no"  # type: ignore[index]
    assert "Tilbud: Koronapoliklinikken" in message["Subject"]  # type: ignore[index]
    assert "/offers/abc" in message.get_payload()  # type: ignore[attr-defined]
    with factory() as session:  # type: ignore[operator]
        assert [n.status for n in list_notifications(session)] == ["sent"]


def test_mail_server_down_keeps_message_pending_then_delivers(smtp_server: tuple[_Inbox, int], factory: object) -> None:
    """With the mail server down nothing is lost: the message stays pending, is retried later and then sent."""
    inbox, port = smtp_server
    with factory() as session, session.begin():  # type: ignore[operator]
        notifications.enqueue(session, recipient="kari@example.no", subject="Endring", body="Vakten er flyttet.")
    dead = SmtpSettings(host="127.0.0.1", port=_free_port(), timeout=2)
    with factory() as session, session.begin():  # type: ignore[operator]
        report = notifications.deliver_due(session, smtp=dead)
    assert report.failed == 1 and report.sent == 0
    with factory() as session:  # type: ignore[operator]
        [pending] = list_notifications(session)
    assert pending.status == "pending" and pending.attempts == 1 and pending.last_error
    with factory() as session, session.begin():  # type: ignore[operator]
        assert notifications.deliver_due(session, smtp=SmtpSettings(host="127.0.0.1", port=port)).sent == 0
    later = utcnow() + dt.timedelta(hours=2)
    with factory() as session, session.begin():  # type: ignore[operator]
        assert notifications.deliver_due(session, smtp=SmtpSettings(host="127.0.0.1", port=port), now=later).sent == 1
    assert len(inbox.messages) == 1


def test_sms_gateway_and_unconfigured_channels(factory: object) -> None:
    """SMS goes through the gateway; without e-mail settings e-mails wait instead of failing."""
    gateway = RecordingSmsGateway()
    with factory() as session, session.begin():  # type: ignore[operator]
        notifications.enqueue(
            session, channel="sms", recipient="+4790000000", subject="Tilbud", body="Nytt tilbud", link="/offers/x"
        )
        notifications.enqueue(session, recipient="a@example.no", subject="Tilbud", body="Nytt tilbud")
    with factory() as session, session.begin():  # type: ignore[operator]
        report = notifications.deliver_due(session, smtp=None, sms=gateway)
    assert report.sent == 1 and report.waiting == 1
    assert gateway.sent[0][0] == "+4790000000" and "/offers/x" in gateway.sent[0][1]
    with pytest.raises(ValueError, match="channel"), factory() as session, session.begin():  # type: ignore[operator]
        notifications.enqueue(session, channel="pigeon", recipient="x", subject="x", body="x")


def test_smtp_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """SMTP is configured by RESSURSBANK_SMTP_*; no host means no e-mail; a bad port fails fast."""
    monkeypatch.delenv("RESSURSBANK_SMTP_HOST", raising=False)
    assert SmtpSettings.from_env() is None
    monkeypatch.setenv("RESSURSBANK_SMTP_HOST", "mail.kommune.no")
    monkeypatch.setenv("RESSURSBANK_SMTP_PORT", "587")
    monkeypatch.setenv("RESSURSBANK_SMTP_STARTTLS", "1")
    settings = SmtpSettings.from_env()
    assert settings is not None and settings.port == 587 and settings.starttls
    monkeypatch.setenv("RESSURSBANK_SMTP_PORT", "lots")
    with pytest.raises(ValueError, match="port"):
        SmtpSettings.from_env()
