"""Handing an e-mail to an SMTP server.

The mailer is a small object passed into the workflow, so tests give it a real local SMTP
server. Every failure becomes a MailError whose ``reason`` says whether retrying can help.
"""

from __future__ import annotations

import os
import smtplib
import ssl as ssl_module
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from types import MappingProxyType

from ..clock import utcnow
from ..errors import InputError, MailError

#: Headers the mailer sets itself; a template may not override them.
_OWN_HEADERS = frozenset(h.lower() for h in (
    "From", "To", "Cc", "Bcc", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type",
    "Content-Transfer-Encoding", "Auto-Submitted", "X-Auto-Response-Suppress",
))


def _single_line(value: str, what: str) -> str:
    # A line break in a header value would let a signer's name or a board name add headers
    # (or recipients) of its own.
    if not isinstance(value, str) or "\r" in value or "\n" in value:
        raise InputError(
            f"{what} i e-postmeddelandet får inte innehålla radbrytningar. Rätta texten och försök igen.",
            f"{what} of the e-mail must not contain line breaks. Correct the text and try again.",
            field=what,
        )
    return value


@dataclass(frozen=True)
class OutgoingMail:
    to: str
    subject: str
    body_text: str
    body_html: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self):
        _single_line(self.to, "Mottagaren")
        _single_line(self.subject, "Ämnesraden")
        _, addr = parseaddr(self.to)
        if "@" not in addr:
            raise InputError(
                f"E-postadressen '{self.to}' är ogiltig. Ange en adress som namn@kommun.se.",
                f"The e-mail address '{self.to}' is invalid. Give an address such as name@municipality.se.",
                field="to",
            )
        for name, value in self.headers.items():
            _single_line(name, "Rubriken")
            _single_line(value, "Rubriken")
            if name.lower() in _OWN_HEADERS:
                raise InputError(
                    f"Rubriken {name} sätts av e-posttjänsten och kan inte anges i en mall.",
                    f"The header {name} is set by the mail service and cannot be given in a template.",
                    field=name,
                )
        # Frozen all the way down: the mapping cannot change after the mail was built.
        object.__setattr__(self, "headers", MappingProxyType(dict(self.headers)))


def _flag(environ: Mapping[str, str], name: str) -> bool:
    value = environ.get(name, "").strip().lower()
    if value in ("", "0", "false", "no", "nej", "off"):
        return False
    if value in ("1", "true", "yes", "ja", "on"):
        return True
    raise MailError("config", problem_sv=f"{name} ska vara 1 eller 0, inte '{value}'",
                    problem_en=f"{name} must be 1 or 0, not '{value}'")


def _number(environ: Mapping[str, str], name: str, default: float, kind=int):
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or value <= 0:
        raise MailError("config", problem_sv=f"{name} ska vara ett positivt tal, inte '{raw}'",
                        problem_en=f"{name} must be a positive number, not '{raw}'")
    return value


class SmtpMailer:
    def __init__(self, host: str = "127.0.0.1", port: int = 25, sender: str = "signering@localhost",
                 username: str | None = None, password: str | None = None, starttls: bool = False,
                 ssl: bool = False, timeout: float = 10, *,
                 ssl_context: ssl_module.SSLContext | None = None,
                 clock: Callable[[], datetime] = utcnow):
        if starttls and ssl:
            raise MailError("config", problem_sv="STARTTLS och SSL kan inte användas samtidigt; välj det ena",
                            problem_en="STARTTLS and SSL cannot both be used; choose one")
        _, self.envelope_sender = parseaddr(_single_line(sender, "Avsändaren"))
        if "@" not in self.envelope_sender:
            raise MailError("config", problem_sv=f"avsändaradressen '{sender}' är ogiltig",
                            problem_en=f"the sender address '{sender}' is invalid")
        for value, what in ((username, "SIGNERING_SMTP_USER"), (password, "SIGNERING_SMTP_PASSWORD")):
            # smtplib sends AUTH credentials as ASCII and fails deep inside otherwise.
            if value is not None and not value.isascii():
                raise MailError("config", problem_sv=f"{what} får bara innehålla tecknen a–z, A–Z, 0–9 och "
                                "vanliga skiljetecken (inte å, ä, ö)",
                                problem_en=f"{what} may only contain ASCII characters (no å, ä, ö)")
        self.host, self.port, self.sender = host, int(port), sender
        self.username, self.password = username, password
        self.starttls, self.ssl, self.timeout = starttls, ssl, timeout
        self.ssl_context = ssl_context
        self.clock = clock

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> SmtpMailer:
        """Build from SIGNERING_SMTP_* variables (HOST, PORT, FROM, USER, PASSWORD, STARTTLS, SSL, TIMEOUT)."""
        env = os.environ if environ is None else environ
        settings = dict(
            host=env.get("SIGNERING_SMTP_HOST") or "127.0.0.1",
            port=_number(env, "SIGNERING_SMTP_PORT", 25),
            sender=env.get("SIGNERING_SMTP_FROM") or "signering@localhost",
            username=env.get("SIGNERING_SMTP_USER") or None,
            password=env.get("SIGNERING_SMTP_PASSWORD") or None,
            starttls=_flag(env, "SIGNERING_SMTP_STARTTLS"),
            ssl=_flag(env, "SIGNERING_SMTP_SSL"),
            timeout=_number(env, "SIGNERING_SMTP_TIMEOUT", 10, float),
        )
        settings.update(overrides)
        return cls(**settings)

    def __repr__(self) -> str:
        # Never the password: mailers end up in logs and tracebacks.
        return (f"SmtpMailer(host={self.host!r}, port={self.port}, sender={self.sender!r}, "
                f"username={self.username!r}, starttls={self.starttls}, ssl={self.ssl})")

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"

    def build(self, mail: OutgoingMail) -> EmailMessage:
        """The message exactly as it will be sent (UTF-8, with Date and a fresh Message-ID)."""
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = mail.to
        msg["Subject"] = mail.subject
        msg["Date"] = format_datetime(self.clock())
        # The domain given explicitly: without it make_msgid asks DNS for this host's name.
        msg["Message-ID"] = make_msgid(domain=self.envelope_sender.rpartition("@")[2])
        msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
        msg["X-Auto-Response-Suppress"] = "All"  # the same for Exchange, common in municipalities
        for name, value in mail.headers.items():
            msg[name] = value
        msg.set_content(mail.body_text, charset="utf-8")
        if mail.body_html is not None:
            msg.add_alternative(mail.body_html, subtype="html", charset="utf-8")
        return msg

    def send(self, mail: OutgoingMail) -> str:
        """Hand the mail to the SMTP server; return its Message-ID, or raise MailError."""
        msg = self.build(mail)
        step = "connect"
        try:
            with self._connect() as smtp:
                if self.starttls:
                    step = "starttls"
                    smtp.starttls(context=self.ssl_context or ssl_module.create_default_context())
                if self.username:
                    step = "login"
                    smtp.login(self.username, self.password or "")
                step = "send"
                smtp.send_message(msg, from_addr=self.envelope_sender, to_addrs=[parseaddr(mail.to)[1]])
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError("auth", server=self.server, smtp_code=exc.smtp_code) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise MailError("recipient_refused", to=mail.to, smtp_code=codes[0] if codes else None) from exc
        except smtplib.SMTPSenderRefused as exc:
            # 530 means the server wants STARTTLS or a login before it takes any mail; the sender
            # address itself may be fine.
            if exc.smtp_code == 530:
                reason = "tls" if b"STARTTLS" in exc.smtp_error.upper() else "auth"
            else:
                reason = "sender_refused"
            raise MailError(reason, server=self.server, smtp_code=exc.smtp_code) from exc
        except smtplib.SMTPNotSupportedError as exc:
            # The server offers no STARTTLS, or no login, whichever we were asking for.
            raise MailError("auth" if step == "login" else "tls", server=self.server) from exc
        except ssl_module.SSLError as exc:
            raise MailError("tls", server=self.server, cause=type(exc).__name__) from exc
        except smtplib.SMTPResponseException as exc:
            raise MailError("rejected", server=self.server, smtp_code=exc.smtp_code) from exc
        except OSError as exc:
            # smtplib's own errors are OSErrors too; what remains here is "could not talk to the
            # server" (refused, timed out, disconnected, name not found).
            raise MailError("unreachable", server=self.server, cause=type(exc).__name__) from exc
        return msg["Message-ID"]

    def _connect(self) -> smtplib.SMTP:
        if self.ssl:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                    context=self.ssl_context or ssl_module.create_default_context())
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)


__all__ = ["OutgoingMail", "SmtpMailer"]
