"""`crm-tui worker`: fire due reminders, then deliver the outbox, in a bounded loop."""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass

from crm_tui.services import outbox, settings
from crm_tui.worker.senders import SendError, send_email, send_sms

log = logging.getLogger("crm_tui.worker")


@dataclass
class WorkerOptions:
    """Tuning of the delivery loop."""

    interval: float = 5.0
    lease_seconds: float = 120.0
    max_attempts: int = 5
    backoff_seconds: float = 30.0
    backoff_cap_seconds: float = 3600.0
    batch: int = 20
    timeout: float = 30.0


@dataclass
class PassResult:
    """What one pass did."""

    reminders: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0


def worker_id() -> str:
    """host:pid, recorded on claimed rows."""
    return f"{socket.gethostname()}:{os.getpid()}"


def deliver(delivery: outbox.Delivery, cfg: dict[str, object], timeout: float) -> None:
    """Send one claimed row through its channel."""
    if delivery.channel == "email":
        send_email(cfg, delivery.recipient, delivery.subject, delivery.text, timeout)
    elif delivery.channel == "sms":
        send_sms(cfg, delivery.recipient, delivery.text, timeout)
    else:
        raise SendError(f"Unknown channel {delivery.channel}")


def run_once(options: WorkerOptions | None = None,
             stop: threading.Event | None = None) -> PassResult:
    """One pass: reminders due now, then every claimable outbox row, a batch at a time.
    Once ``stop`` is set no further send starts: the batch's rows not yet tried are
    handed back (each send waits up to its timeout on a hanging gateway, and sending
    the rest of a batch of 20 first held SIGTERM for minutes)."""
    options = options or WorkerOptions()
    result = PassResult(reminders=outbox.fire_due_reminders())
    me = worker_id()
    while stop is None or not stop.is_set():
        batch = outbox.claim(me, limit=options.batch, lease_seconds=options.lease_seconds)
        if not batch:
            return result
        cfg = settings.get_all(reveal=True)
        for delivery in batch:
            if stop is not None and stop.is_set():
                handed = outbox.release(delivery.token)
                log.info("stopping: %d claimed deliveries handed back", handed)
                return result
            # The batch's lease runs from its claim: slow sends let it run out, and
            # another worker then claimed and sent the rows not reached yet (twice).
            if delivery.id not in outbox.renew(delivery.token):
                log.warning("outbox %s: claimed by another worker meanwhile; skipped",
                            delivery.id)
                continue
            try:
                deliver(delivery, cfg, options.timeout)
            except Exception as exc:  # noqa: BLE001 - any failure is the row's, counted
                if not isinstance(exc, SendError):
                    log.exception("outbox %s: unexpected error", delivery.id)
                error = str(exc) if isinstance(exc, SendError) else (
                    f"{type(exc).__name__}: {exc}")
                status = outbox.mark_failed(delivery, error,
                                            max_attempts=options.max_attempts,
                                            base_seconds=options.backoff_seconds,
                                            cap_seconds=options.backoff_cap_seconds)
                log.warning("outbox %s (%s) attempt %s: %s -> %s", delivery.id,
                            delivery.channel, delivery.attempts, error, status)
                if status == "failed":
                    result.failed += 1
                else:
                    result.retried += 1
            else:
                outbox.mark_sent(delivery)
                result.sent += 1
                log.info("outbox %s sent by %s to %s", delivery.id, delivery.channel,
                         delivery.recipient)
    return result


def run_forever(options: WorkerOptions, stop: threading.Event) -> None:
    """Passes every ``interval`` seconds until ``stop`` is set."""
    while not stop.is_set():
        try:
            run_once(options, stop)
        except Exception:  # noqa: BLE001 - a bad pass is logged; the loop goes on
            log.exception("worker pass failed")
        stop.wait(options.interval)
