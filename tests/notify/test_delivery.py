"""Reminders and notifications are delivered exactly once, retried, never lost."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from icalendar import Calendar

from crm_tui.db.models import utcnow
from crm_tui.domain.errors import ValidationError
from crm_tui.domain.records import Actor, OrderInput
from crm_tui.services import bookings, notifications, orders, outbox, settings
from crm_tui.services.timezone import to_local
from crm_tui.worker.run import WorkerOptions, run_once
from tests.conftest import make_user
from tests.notify.conftest import Gateway, SmtpServer


def configure(admin: Actor, smtp: SmtpServer | None, gateway: Gateway | None) -> None:
    """Turn on the channels that have a server."""
    if smtp is not None:
        settings.set_value(admin, "channels.email", "on")
        settings.set_value(admin, "smtp.host", "127.0.0.1")
        settings.set_value(admin, "smtp.port", str(smtp.port))
        settings.set_value(admin, "smtp.from", "crm@example.test")
    if gateway is not None:
        settings.set_value(admin, "channels.sms", "on")
        settings.set_value(admin, "sms.url", gateway.url)
        settings.set_value(admin, "sms.headers", '{"Authorization": "Bearer t0k"}')


def due_reminders(admin: Actor, count: int) -> tuple[Actor, list[int]]:
    """anna with e-mail and phone, and ``count`` bookings whose reminders are due now."""
    anna = make_user(admin, "anna", "view", "edit", "create", "assign",
                     email="anna@example.test", phone="+46 70 123 45 67")
    soon = (to_local(utcnow()) + dt.timedelta(minutes=10)).replace(tzinfo=None)
    ids = []
    for i in range(count):
        serial = orders.create_order(anna, OrderInput(subject=f"Heat pump quote {i}",
                                                      customer="Bergström Värme AB")).serial
        ids.append(bookings.add_booking(anna, serial, soon, "phone", remind_before=15).id)
    return anna, ids


def worker_cmd(db_url: str, *args: str) -> list[str]:
    """A real `crm-tui worker` process."""
    return [sys.executable, "-m", "crm_tui", "--db", db_url, "worker", *args]


def wait_until(check: Callable[[], bool], timeout: float = 20) -> bool:
    """Poll a condition until it holds or the timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        threading.Event().wait(0.05)
    return check()


def start_worker(db_url: str, log: Path, *args: str) -> subprocess.Popen[bytes]:
    """A worker process whose stderr (its log, and stacks on SIGUSR1) goes to ``log``."""
    with log.open("ab") as sink:
        return subprocess.Popen(worker_cmd(db_url, *args), stdout=subprocess.DEVNULL,
                                stderr=sink)


def stop_worker(worker: subprocess.Popen[bytes], log: Path) -> None:
    """SIGTERM stops the worker, cleanly; if it hangs, its stacks and log say where."""
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.send_signal(signal.SIGUSR1)
        wait_until(lambda: "Stack of thread passes" in log.read_text(errors="replace"), 10)
        worker.kill()
        worker.wait(timeout=30)
        pytest.fail("the worker did not stop on SIGTERM; its log and stacks:\n"
                    + log.read_text(errors="replace")[-6000:])
    assert worker.returncode == 0, log.read_text(errors="replace")[-2000:]


def test_sigterm_stops_the_worker_and_sigusr1_shows_its_stacks(
        db_url: str, admin: Actor, tmp_path: Path) -> None:
    """SIGUSR1 prints every thread's stack to stderr and the worker goes on; SIGTERM
    stops it with exit status 0. (The passes run in their own thread, so the handler
    never waits for a lock the main thread holds: that hang needs a signal within
    microseconds of a wait starting, too narrow a window to provoke here.)"""
    log = tmp_path / "worker.log"
    worker = start_worker(db_url, log, "--interval", "0.1")
    try:
        assert wait_until(lambda: "worker running every" in log.read_text(errors="replace"))

        def stacks_show_the_passes() -> bool:  # the thread may not be in them yet
            worker.send_signal(signal.SIGUSR1)
            return wait_until(lambda: "in run_forever" in log.read_text(errors="replace"), 1)

        assert wait_until(stacks_show_the_passes)
        assert worker.poll() is None  # still delivering
    finally:
        stop_worker(worker, log)
    text = log.read_text(errors="replace")
    assert "Stack of thread passes" in text and "Stack of thread MainThread" in text
    assert "Traceback" not in text


def test_a_stopping_worker_claims_no_further_batch(db_url: str, admin: Actor,
                                                   smtp: SmtpServer) -> None:
    """Once told to stop, a pass still fires due reminders but claims nothing more: the
    deliveries wait, pending, for the next worker."""
    configure(admin, smtp, None)
    due_reminders(admin, 2)
    stop = threading.Event()
    stop.set()
    result = run_once(WorkerOptions(batch=1), stop)
    assert (result.reminders, result.sent) == (2, 0)
    assert [r.status for r in outbox.list_outbox(admin) if r.channel == "email"] == [
        "pending", "pending"]
    assert run_once(WorkerOptions(batch=1)).sent == 2
    assert smtp.mailbox.wait_for(2)


def test_a_stopping_worker_hands_back_the_rest_of_its_batch(db_url: str, admin: Actor,
                                                            smtp: SmtpServer) -> None:
    """Told to stop during a send (a slow mail server), the worker finishes that send
    and hands back the batch's other rows untried: it sent them all first, each up to
    its timeout, and SIGTERM waited minutes."""
    configure(admin, smtp, None)
    due_reminders(admin, 3)
    smtp.mailbox.hold = threading.Event()
    stop = threading.Event()
    results = []
    passes = threading.Thread(target=lambda: results.append(
        run_once(WorkerOptions(batch=3, timeout=20), stop)))
    passes.start()
    try:
        assert smtp.mailbox.holding.wait(30), "the worker never reached the SMTP server"
        stop.set()  # SIGTERM, as the worker's handler does
    finally:
        smtp.mailbox.hold.set()
        passes.join(timeout=60)
    assert not passes.is_alive() and results[0].sent == 1
    emails = [r for r in outbox.list_outbox(admin) if r.channel == "email"]
    assert sorted((r.status, r.attempts) for r in emails) == [
        ("pending", 0), ("pending", 0), ("sent", 1)]
    assert run_once(WorkerOptions(batch=3)).sent == 2  # the next worker sends them
    assert smtp.mailbox.wait_for(3)


def test_two_workers_deliver_each_reminder_once_per_channel(
        db_url: str, admin: Actor, smtp: SmtpServer, sms_gateway: Gateway) -> None:
    configure(admin, smtp, sms_gateway)
    anna, ids = due_reminders(admin, 12)
    procs = [subprocess.Popen(worker_cmd(db_url, "--once"), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    state = [(r.channel, r.status, r.attempts, r.last_error) for r in outbox.list_outbox(admin)]
    assert smtp.mailbox.wait_for(12), (len(smtp.mailbox.messages), state)
    assert sms_gateway.wait_for(12), (len(sms_gateway.requests), state)
    assert len(smtp.mailbox.messages) == 12
    assert len(sms_gateway.requests) == 12
    assert all(m["to"] == ["anna@example.test"] for m in smtp.mailbox.messages)
    assert all(r["body"]["to"] == "+46 70 123 45 67" and r["auth"] == "Bearer t0k"
               for r in sms_gateway.requests)
    texts = sorted(r["body"]["text"] for r in sms_gateway.requests)
    assert len(set(texts)) == 12  # twelve different reminders, none twice
    inbox = notifications.list_notifications(anna)
    assert sorted(n.kind for n in inbox) == ["reminder"] * 12
    rows = outbox.list_outbox(admin)
    assert {(r.channel, r.status) for r in rows} == {("inapp", "sent"), ("email", "sent"),
                                                     ("sms", "sent")}
    assert len(rows) == 36
    assert run_once().reminders == 0  # nothing fires twice


def test_worker_killed_between_claim_and_send(db_url: str, admin: Actor,
                                              smtp: SmtpServer, tmp_path: Path) -> None:
    configure(admin, smtp, None)
    due_reminders(admin, 1)
    smtp.mailbox.hold = threading.Event()
    first = start_worker(db_url, tmp_path / "first.log", "--interval", "0.2", "--lease", "1")
    try:
        assert smtp.mailbox.holding.wait(30), "the worker never reached the SMTP server"
        [row] = [r for r in outbox.list_outbox(admin) if r.channel == "email"]
        assert row.status == "sending" and row.attempts == 1  # claimed, not yet sent
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    smtp.mailbox.hold.set()  # the dead worker's session goes nowhere
    log = tmp_path / "second.log"
    second = start_worker(db_url, log, "--interval", "0.2", "--lease", "1")
    try:
        assert smtp.mailbox.wait_for(1, timeout=30)
        assert wait_until(lambda: [r.status for r in outbox.list_outbox(admin)
                                   if r.channel == "email"] == ["sent"])
    finally:
        stop_worker(second, log)
    assert len(smtp.mailbox.messages) == 1
    [row] = [r for r in outbox.list_outbox(admin) if r.channel == "email"]
    assert row.attempts == 2 and row.sent_at is not None


def test_smtp_down_retries_then_fails_then_retry_delivers(db_url: str, admin: Actor,
                                                          smtp: SmtpServer) -> None:
    configure(admin, smtp, None)
    anna, _ = due_reminders(admin, 1)
    smtp.stop()
    options = WorkerOptions(max_attempts=3, backoff_seconds=0, timeout=5)
    result = run_once(options)
    assert (result.reminders, result.sent, result.retried, result.failed) == (1, 0, 2, 1)
    [row] = outbox.list_outbox(admin, status="failed")
    assert row.channel == "email" and row.attempts == 3
    assert "SMTP 127.0.0.1" in row.last_error
    assert outbox.list_outbox(admin, status="pending") == []
    # anna is told in the app that her reminder's e-mail gave up (QA20 M6: only the
    # admin's outbox showed it), once, and that notice goes by no other channel
    told = [n for n in notifications.list_notifications(anna) if n.kind == "delivery-failed"]
    assert len(told) == 1 and told[0].text.startswith(
        "Your reminder by e-mail to anna@example.test could not be sent (SMTP 127.0.0.1")
    assert "It said: Reminder: phone contact at" in told[0].text
    assert [r.channel for r in outbox.list_outbox(admin) if r.text == told[0].text] == [
        "inapp"]
    smtp.start()
    assert run_once(options).sent == 0  # failed rows wait for a retry, never dropped
    assert outbox.retry(admin) == 1
    assert run_once(options).sent == 1
    assert smtp.mailbox.wait_for(1) and len(smtp.mailbox.messages) == 1
    mail = email.message_from_string(smtp.mailbox.messages[0]["data"], policy=email.policy.default)
    # the subject says what the reminder is of (it was "[crm-tui] Reminder" alone)
    assert mail["Subject"].startswith("[crm-tui] Reminder: phone contact at ")
    assert mail["Subject"].endswith(": Heat pump quote 0 (Bergström Värme AB)")
    assert "Heat pump quote 0 (Bergström Värme AB)" in mail.get_content()


def test_retry_sends_a_delivery_waiting_out_its_pause_now(db_url: str, admin: Actor,
                                                          smtp: SmtpServer) -> None:
    """A delivery that failed once waits before its next attempt (up to an hour): after
    the admin put the SMTP settings right, retry said "0 deliveries queued again" and
    it went on waiting (QA17 L7). Retry now brings it forward; a sent one says why
    not."""
    configure(admin, smtp, None)
    due_reminders(admin, 1)
    smtp.stop()
    options = WorkerOptions(max_attempts=5, backoff_seconds=3600, timeout=5)
    assert run_once(options).retried == 1
    [row] = outbox.list_outbox(admin, status="pending")
    assert row.attempts == 1 and row.next_attempt_at > utcnow()
    smtp.start()
    assert run_once(options).sent == 0  # still waiting out its hour
    assert outbox.retry(admin, row.id) == 1
    assert run_once(options).sent == 1
    assert smtp.mailbox.wait_for(1)
    with pytest.raises(ValidationError, match=f"Delivery {row.id} is sent: only a failed "
                                              "or waiting delivery is tried again"):
        outbox.retry(admin, row.id)
    assert outbox.retry(admin) == 0


def test_backoff_grows_and_is_capped() -> None:
    assert [outbox.backoff(n, 30, 3600) for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600,
                                                                        3600]


def test_channels_off_means_in_app_only(db_url: str, admin: Actor) -> None:
    anna, _ = due_reminders(admin, 2)
    assert run_once().reminders == 2
    assert {r.channel for r in outbox.list_outbox(admin)} == {"inapp"}
    assert len(notifications.list_notifications(anna)) == 2


def test_assignment_notifies_the_assignee(db_url: str, admin: Actor, smtp: SmtpServer) -> None:
    configure(admin, smtp, None)
    anna = make_user(admin, "anna", "view", "edit", "create", "assign")
    bob = make_user(admin, "bob", "view-assigned", email="bob@example.test")
    serial = orders.create_order(anna, OrderInput(subject="Lift check", customer="Acme")).serial
    orders.assign(anna, serial, ["bob"])
    [note] = notifications.list_notifications(bob)
    assert note.kind == "assigned" and note.order_serial == serial
    assert run_once().sent == 1
    assert smtp.mailbox.messages[0]["to"] == ["bob@example.test"]


def test_terminal_escapes_in_a_subject_go_out_made_visible(
        db_url: str, admin: Actor, smtp: SmtpServer, sms_gateway: Gateway) -> None:
    """A subject is stored as typed, escapes too, and the app shows them harmlessly;
    the e-mail carried them raw, for a terminal mail reader to act on (a window title
    set: QA17 L1). Mail and SMS now carry them made visible, line breaks kept."""
    configure(admin, smtp, sms_gateway)
    make_user(admin, "bob", "view-assigned", email="bob@example.test",
              phone="+46 70 123 45 67")
    subject = "Lift \x1b]0;PWNED\x07check \x1b[31mred\x1b[0m"
    serial = orders.create_order(admin, OrderInput(subject=subject, customer="Acme")).serial
    orders.assign(admin, serial, ["bob"])
    assert run_once().sent == 2
    message = email.message_from_string(smtp.mailbox.messages[0]["data"],
                                        policy=email.policy.default)
    body = message.get_content()
    assert "\x1b" not in str(message["subject"])
    for text in (body, sms_gateway.requests[0]["body"]["text"]):
        assert "\x1b" not in text and "\x07" not in text, text
        assert "Lift \\x1b]0;PWNED\\x07check \\x1b[31mred\\x1b[0m" in text, text
    assert body.endswith("\n")  # the body's line breaks are its own still


def test_ics_export_holds_each_booking_once_with_zone_and_alarm(db_url: str,
                                                                admin: Actor) -> None:
    settings.set_value(admin, "timezone", "Europe/Stockholm")
    anna = make_user(admin, "anna", "view", "edit", "create")
    serial = orders.create_order(anna, OrderInput(subject="Meet", customer="Acme")).serial
    first = bookings.add_booking(anna, serial, "2027-06-01 10:00", "meeting", minutes=60,
                                 remind_before=15)
    bookings.add_booking(anna, serial, "2027-01-15 09:30", "phone", remind_before=1440,
                         minutes=0)
    done = bookings.add_booking(anna, serial, "2027-02-01 08:00", "email")
    bookings.set_done(anna, done.id)
    from crm_tui.services.calendar import export_ics

    cal = Calendar.from_ical(export_ics(anna))
    events = cal.walk("VEVENT")
    assert sorted(str(e["uid"]) for e in events) == sorted(
        {f"booking-{first.id}@crm-tui", f"booking-{first.id + 1}@crm-tui"})
    summer = next(e for e in events if str(e["uid"]) == f"booking-{first.id}@crm-tui")
    start = summer.decoded("dtstart")
    assert start.utcoffset() == dt.timedelta(hours=2)  # CEST
    assert (start.hour, start.minute) == (10, 0)
    assert str(summer["dtstart"].params["TZID"]) == "Europe/Stockholm"
    assert summer.decoded("dtend") - start == dt.timedelta(minutes=60)
    [alarm] = summer.walk("VALARM")
    assert alarm.decoded("trigger") == dt.timedelta(minutes=-15)
    winter = next(e for e in events if e is not summer)
    assert winter.decoded("dtstart").utcoffset() == dt.timedelta(hours=1)
    assert winter.decoded("dtend") == winter.decoded("dtstart")  # a 0-minute call (was 30)
    assert winter.walk("VALARM")[0].decoded("trigger") == dt.timedelta(days=-1)
    assert cal.walk("VTIMEZONE")


@pytest.mark.parametrize("bad", [("smtp.port", "abc"), ("smtp.security", "tls13"),
                                 ("sms.headers", "not json"), ("channels.sms", "maybe")])
def test_bad_channel_settings_are_refused(db_url: str, admin: Actor,
                                          bad: tuple[str, str]) -> None:
    before = settings.get_all()
    with pytest.raises(Exception, match="."):
        settings.set_value(admin, *bad)
    assert settings.get_all() == before


def test_a_gateway_that_is_not_http_fails_its_row_and_the_rest_go_out(
        db_url: str, admin: Actor, smtp: SmtpServer) -> None:
    """A gateway answering something that is not HTTP (BadStatusLine) ended the whole
    pass with a traceback: the row stayed "sending" past its last attempt and the
    e-mails after it were never sent. Now it is a failed attempt like any other."""
    garbage = socket.create_server(("127.0.0.1", 0))

    def answer() -> None:
        while True:
            try:
                conn, _ = garbage.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(b"HELLO GARBAGE\r\n\r\n")

    threading.Thread(target=answer, daemon=True).start()
    try:
        configure(admin, smtp, None)
        settings.set_value(admin, "channels.sms", "on")
        settings.set_value(admin, "sms.url", f"http://127.0.0.1:{garbage.getsockname()[1]}/")
        due_reminders(admin, 2)
        options = WorkerOptions(max_attempts=2, backoff_seconds=0, timeout=5)
        result = run_once(options)  # no backoff: both attempts within the one pass
        assert (result.reminders, result.sent, result.retried, result.failed) == (2, 2, 2, 2)
        assert smtp.mailbox.wait_for(2)
        failed = outbox.list_outbox(admin, status="failed")
        assert [(r.channel, r.attempts) for r in failed] == [("sms", 2), ("sms", 2)]
        assert all("BadStatusLine" in r.last_error for r in failed)
        assert outbox.list_outbox(admin, status="sending") == []
    finally:
        garbage.close()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_an_smtp_password_beyond_ascii_logs_in(db_url: str, admin: Actor) -> None:
    """smtplib sends only ASCII: 'lösenord' failed every e-mail (and the CLI called it
    text that is not UTF-8). It goes as UTF-8 by AUTH PLAIN."""
    server = SmtpServer(login=("crm", "lösenord"))
    server.start()
    try:
        configure(admin, server, None)
        settings.set_value(admin, "smtp.username", "crm")
        settings.set_value(admin, "smtp.password", "lösenord")
        due_reminders(admin, 1)
        result = run_once(WorkerOptions(backoff_seconds=0, timeout=5))
        assert result.sent == 1 and server.mailbox.wait_for(1)
        assert server.logins == [("crm", "lösenord")]
        mail = email.message_from_string(server.mailbox.messages[0]["data"],
                                         policy=email.policy.default)
        assert mail["Date"] and mail["Message-ID"].endswith("@example.test>")
    finally:
        server.stop()


def test_no_reminder_for_a_contact_already_over(db_url: str, admin: Actor,
                                                smtp: SmtpServer) -> None:
    """A booking entered after the fact (its reminder time long past) sent a reminder
    of a contact already over at once, by every channel."""
    configure(admin, smtp, None)
    anna, _ = due_reminders(admin, 0)
    serial = orders.create_order(anna, OrderInput(subject="Met yesterday",
                                                  customer="Acme")).serial
    past = (to_local(utcnow()) - dt.timedelta(days=1)).replace(tzinfo=None)
    bookings.add_booking(anna, serial, past, "meeting", remind_before=60)
    assert run_once(WorkerOptions(timeout=5)).reminders == 0
    assert notifications.list_notifications(anna) == []


def test_a_batch_renews_its_lease_so_no_other_worker_takes_it(db_url: str,
                                                              admin: Actor) -> None:
    """A batch claimed at t with a 10 s lease: renewed before each send, another
    worker finds nothing to take at t+11 (it took the rows not yet reached, and both
    sent them); unrenewed, the rows are taken over, and the first worker then sees
    they are no longer its to send."""
    make_user(admin, "anna", "view", email="anna@example.test")
    settings.set_value(admin, "channels.email", "on")
    for i in range(3):
        orders.create_order(admin, OrderInput(subject=f"Job {i}", customer="Acme",
                                              assignees=["anna"]))
    start = utcnow()
    mine = outbox.claim("w1", limit=20, lease_seconds=10, now=start)
    assert len(mine) == 3
    token = mine[0].token
    held = outbox.renew(token, now=start + dt.timedelta(seconds=9))
    assert held == {d.id for d in mine}
    assert outbox.claim("w2", lease_seconds=10, now=start + dt.timedelta(seconds=11)) == []
    taken = outbox.claim("w2", lease_seconds=10, now=start + dt.timedelta(seconds=20))
    assert {d.id for d in taken} == held
    assert outbox.renew(token) == set()
