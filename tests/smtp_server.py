"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd in a thread), collecting what it receives.

    with SmtpServer() as server:
        SmtpMailer(server.host, server.port).send(mail)
        received = server.wait_for(lambda m: m.to == ["anna@example.se"])
        received.message["Subject"], received.text, received.html

Options make it behave like servers the mailer must cope with: ``auth`` (user -> password)
requires a login, ``refuse_recipients`` answers 550 to those addresses, ``tls_context`` offers
STARTTLS (and with ``require_starttls`` insists on it).
"""

from __future__ import annotations

import email.policy
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    to: list[str]
    message: EmailMessage
    raw: bytes
    login: str | None  # the user the client logged in as, if it did

    def _body(self, subtype: str) -> str | None:
        # Line ends as Python writes them: SMTP carries CRLF, the parser keeps it.
        part = self.message.get_body(preferencelist=(subtype,))
        return None if part is None else part.get_content().replace("\r\n", "\n")

    @property
    def text(self) -> str | None:
        return self._body("plain")

    @property
    def html(self) -> str | None:
        return self._body("html")


class _Handler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        # Login is enforced here rather than with aiosmtpd's auth_required, which warns
        # whenever it is used without TLS.
        if self.server.auth_required and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.server.refuse_recipients:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = BytesParser(policy=email.policy.default).parsebytes(raw)
        login = session.auth_data.decode() if isinstance(session.auth_data, bytes) else session.auth_data
        self.server._add(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message, raw, login))
        return "250 Message accepted for delivery"


class _AnyPortController(Controller):
    """Binds port 0 and learns the real port before aiosmtpd's own start-up check connects."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpServer:
    host = "127.0.0.1"

    def __init__(self, *, auth: dict[str, str] | None = None, refuse_recipients: Iterable[str] = (),
                 tls_context=None, require_starttls: bool = False):
        self.refuse_recipients = {a.lower() for a in refuse_recipients}
        self.auth_required = auth is not None
        self._received: list[ReceivedMail] = []
        self._cond = threading.Condition()
        kwargs = {}
        if auth is not None:
            def authenticator(server, session, envelope, mechanism, auth_data):
                ok = isinstance(auth_data, LoginPassword) and auth.get(auth_data.login.decode()) == \
                    auth_data.password.decode()
                if not ok:  # handled=False: aiosmtpd then answers 535 itself
                    return AuthResult(success=False, handled=False)
                return AuthResult(success=True, auth_data=auth_data.login.decode())

            kwargs.update(authenticator=authenticator, auth_require_tls=tls_context is not None)
        if tls_context is not None:
            kwargs.update(tls_context=tls_context, require_starttls=require_starttls)
        self._controller = _AnyPortController(_Handler(self), hostname=self.host, port=0, **kwargs)

    @property
    def port(self) -> int:
        return self._controller.port

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _add(self, mail: ReceivedMail) -> None:
        with self._cond:
            self._received.append(mail)
            self._cond.notify_all()

    @property
    def messages(self) -> list[ReceivedMail]:
        """A snapshot of everything received so far, in order of arrival."""
        with self._cond:
            return list(self._received)

    def clear(self) -> None:
        with self._cond:
            self._received.clear()

    def wait_for(self, predicate: Callable[[ReceivedMail], bool] = lambda m: True,
                 timeout: float = 5) -> ReceivedMail:
        """The first received mail matching ``predicate``, waiting up to ``timeout`` seconds for it."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for mail in self._received:
                    if predicate(mail):
                        return mail
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(m.to, m.message["Subject"]) for m in self._received]
                    raise AssertionError(f"no matching mail within {timeout} s; received: {seen}")
                self._cond.wait(left)
