"""Senders: e-mail over SMTP and SMS through a configurable HTTP gateway."""

from __future__ import annotations

import base64
import email.utils
import http.client
import json
import smtplib
import ssl
import urllib.error
import urllib.parse
import urllib.request
from email.message import EmailMessage
from typing import Any

from crm_tui.domain.text import printable


class SendError(Exception):
    """A delivery failed; the message is kept as the outbox row's last error."""


def send_email(cfg: dict[str, Any], to: str, subject: str, text: str,
               timeout: float = 30) -> None:
    """Send one plain-text e-mail with the smtp.* settings."""
    host = cfg.get("smtp.host")
    if not host:
        raise SendError("E-mail is on but smtp.host is not set")
    message = EmailMessage()
    sender = cfg.get("smtp.from") or f"crm-tui@{host}"
    message["From"] = sender
    message["To"] = to
    # Names and subjects are stored as typed, terminal escapes too; a terminal mail
    # reader would act on them (a window title set, colours): they go made visible.
    message["Subject"] = f"[crm-tui] {printable(subject)}"
    # RFC 5322 wants a Date; spam filters count a missing Message-ID against a mail
    message["Date"] = email.utils.formatdate(localtime=True)
    domain = email.utils.parseaddr(str(sender))[1].rpartition("@")[2] or str(host)
    message["Message-ID"] = email.utils.make_msgid(domain=domain)
    message.set_content(printable(text))
    port = int(cfg.get("smtp.port") or 25)
    security = cfg.get("smtp.security") or "none"
    try:
        if security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client:
            if security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if cfg.get("smtp.username"):
                _login(client, str(cfg["smtp.username"]), str(cfg.get("smtp.password") or ""))
            client.send_message(message)
    except (OSError, smtplib.SMTPException, UnicodeError, ValueError) as exc:
        raise SendError(f"SMTP {host}:{port}: {exc}") from None


def _login(client: smtplib.SMTP, username: str, password: str) -> None:
    """Log in; a name or password with letters beyond ASCII (smtplib sends only
    ASCII, and failed on 'lösenord') goes as UTF-8 by AUTH PLAIN (RFC 4616)."""
    if (username + password).isascii():
        client.login(username, password)
        return
    client.ehlo_or_helo_if_needed()
    if "plain" not in client.esmtp_features.get("auth", "").lower().split():
        raise SendError("The SMTP server offers no AUTH PLAIN, which a user name or "
                        "password with letters beyond ASCII needs")
    token = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
    code, reply = client.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def _fill(template: str, number: str, text: str, *, as_json: bool, quote: bool) -> str:
    def enc(value: str) -> str:
        if quote:
            return urllib.parse.quote(value, safe="")
        return json.dumps(value)[1:-1] if as_json else value

    return template.replace("{number}", enc(number)).replace("{text}", enc(text))


def send_sms(cfg: dict[str, Any], number: str, text: str, timeout: float = 30) -> None:
    """Send one SMS by the sms.* settings: URL, method, headers and a body template."""
    url = cfg.get("sms.url")
    if not url:
        raise SendError("SMS is on but sms.url is not set")
    method = (cfg.get("sms.method") or "POST").upper()
    headers = json.loads(cfg.get("sms.headers") or "{}")
    template = cfg.get("sms.body") or ""
    text = printable(text)  # as in an e-mail (see send_email)
    as_json = template.lstrip().startswith(("{", "["))
    body = None
    if method != "GET" and template:
        body = _fill(template, number, text, as_json=as_json, quote=False).encode()
        if as_json:
            headers.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(_fill(url, number, text, as_json=False, quote=True),
                                     data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            if not 200 <= response.status < 300:
                raise SendError(f"SMS gateway answered {response.status}")
    except urllib.error.HTTPError as exc:
        raise SendError(f"SMS gateway answered {exc.code} {exc.reason}") from None
    except (OSError, ValueError, http.client.HTTPException) as exc:
        # HTTPException: a URL it refuses (InvalidURL), an answer that is not HTTP
        # (BadStatusLine); they ended the worker's pass with the row left "sending"
        raise SendError(f"SMS gateway {url}: {type(exc).__name__}: {exc}") from None
