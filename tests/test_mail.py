"""E-mail templates sent through SmtpMailer to a real SMTP server (aiosmtpd on 127.0.0.1)."""

import datetime as dt
import re
import socket
import ssl

import pytest
from smtp_fixture import smtp_server  # noqa: F401  (fixture)
from smtp_server import SmtpServer

from signering.errors import InputError, MailError
from signering.mail import OutgoingMail, SmtpMailer, templates

SENT_AT = dt.datetime(2025, 9, 23, 8, 30, tzinfo=dt.timezone.utc)
MEETING = dt.date(2025, 9, 22)  # a Monday
DEADLINE = dt.date(2025, 10, 6)  # the Monday two weeks later
LINK = "https://signering.kommun.example/s/Zm9vYmFyLXNlY3JldC10b2tlbg"
PROTOCOL_URL = "https://signering.kommun.example/admin/protokoll/42"
SEALED_URL = "https://signering.kommun.example/protokoll/42.pdf"
VERIFY_URL = "https://signering.kommun.example/verifiera/" + "ab" * 32


def mailer_for(server, **kw) -> SmtpMailer:
    return SmtpMailer(server.host, server.port, sender="Signering <signering@kommun.example>",
                      clock=lambda: SENT_AT, **kw)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def invite(lang="sv", role="justerare", name="Åsa Öberg", to="asa.oberg@kommun.example"):
    return templates.invitation(to, name, role, "Kommunstyrelsen", MEETING, LINK, DEADLINE, "Siv Sjödin", lang)


def test_invitation_arrives_in_utf8_with_headers(smtp_server):
    message_id = mailer_for(smtp_server).send(invite())
    got = smtp_server.wait_for(lambda m: m.to == ["asa.oberg@kommun.example"])
    msg = got.message

    assert got.mail_from == "signering@kommun.example"
    assert msg["Subject"] == "Justera och signera protokollet från Kommunstyrelsens sammanträde 22 september 2025"
    assert msg["From"] == "Signering <signering@kommun.example>"
    assert msg["To"] == "asa.oberg@kommun.example"
    assert msg["Message-ID"] == message_id
    assert re.fullmatch(r"<[^@<>\s]+@kommun\.example>", message_id)
    assert msg["Date"].datetime == SENT_AT
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["X-Signering-Template"] == "invitation"
    # Encoded for any relay: the raw message is 7-bit, the parts declare UTF-8.
    assert got.raw.isascii()
    assert msg.get_body(("plain",)).get_content_charset() == "utf-8"

    text = got.text
    assert text.startswith("Hej Åsa Öberg!\n")
    assert "Protokollet från Kommunstyrelsens sammanträde 22 september 2025 är klart för justering." in text
    assert "senast måndag 6 oktober 2025" in text
    assert "1. Öppna länken nedan." in text
    assert "sexsiffrig kod" in text
    assert LINK in text
    assert "gäller till och med måndag 6 oktober 2025" in text
    assert "kontakta sekreteraren Siv Sjödin" in text

    html = got.html
    assert '<html lang="sv">' in html
    assert f'<a href="{LINK}">' in html
    assert "Hej Åsa Öberg!" in html


def test_invitation_in_english(smtp_server):
    mailer_for(smtp_server).send(invite(lang="en"))
    got = smtp_server.wait_for()
    assert got.message["Subject"] == (
        "Please check and sign the minutes of the meeting of Kommunstyrelsen on 22 September 2025")
    assert got.text.startswith("Hello Åsa Öberg,\n")
    assert "by Monday 6 October 2025" in got.text
    assert "six-digit code" in got.text
    assert LINK in got.text
    assert "Å" not in got.text.replace("Åsa", "")  # no Swedish sentences left in
    assert '<html lang="en">' in got.html


def test_secretary_invitation_does_not_tell_them_to_ask_themself():
    mail = invite(role="sekreterare", name="Siv Sjödin")
    assert mail.subject.startswith("Signera protokollet från")
    assert "Du signerar först" in mail.body_text
    assert "kontakta sekreteraren" not in mail.body_text


def test_reminder_says_so(smtp_server):
    mail = templates.reminder("bo@kommun.example", "Bo Ek", "ordförande", "Barn- och utbildningsnämnden",
                              MEETING, LINK, dt.datetime(2025, 10, 6, 16, 0), "Siv Sjödin")
    mailer_for(smtp_server).send(mail)
    got = smtp_server.wait_for()
    assert got.message["Subject"] == (
        "Påminnelse: Justera och signera protokollet från Barn- och utbildningsnämndens sammanträde 22 september 2025")
    assert "påminnelse" in got.text
    assert "Som ordförande ombeds du" in got.text
    assert "måndag 6 oktober 2025 kl. 16.00" in got.text
    assert LINK in got.text
    assert got.message["X-Signering-Template"] == "reminder"


def test_code_mail_carries_the_code_but_never_a_link(smtp_server):
    mailer_for(smtp_server).send(templates.code("asa.oberg@kommun.example", "Åsa Öberg", "048213", 10))
    got = smtp_server.wait_for()
    assert "Din kod är: 048213" in got.text
    assert "gäller i 10 minuter" in got.text
    assert "048213" not in got.message["Subject"]  # not on a lock screen's preview
    assert "http" not in got.raw.decode("ascii").replace("http-equiv", "")
    assert "048213" in got.html


@pytest.mark.parametrize("bad", ["12345", "1234567", "12a456", 123456, "１２３４５６"])
def test_code_must_be_six_ascii_digits(bad):
    with pytest.raises(InputError):
        templates.code("a@kommun.example", "A", bad, 10)


def test_invitation_carries_no_code():
    assert not re.search(r"\b\d{6}\b", invite().body_text)


def _all_templates(lang):
    return {
        "invitation": invite(lang),
        "reminder": templates.reminder("asa@kommun.example", "Åsa Öberg", "justerare", "Kommunstyrelsen",
                                       MEETING, LINK, DEADLINE, "Siv Sjödin", lang),
        "code": templates.code("asa@kommun.example", "Åsa Öberg", "731904", 15, lang),
        "declined": templates.declined("siv@kommun.example", "Åsa Öberg", "§ 7 saknar beslutet om höjd taxa.",
                                       "Kommunstyrelsen", MEETING, PROTOCOL_URL, lang),
        "link_locked": templates.link_locked("siv@kommun.example", "Åsa Öberg", "Kommunstyrelsen", MEETING,
                                             PROTOCOL_URL, lang),
        "sealed": templates.sealed("asa@kommun.example", "Kommunstyrelsen", MEETING, SEALED_URL, VERIFY_URL, lang),
        "replaced": templates.replaced("asa@kommun.example", "Åsa Öberg", "Kommunstyrelsen", MEETING,
                                       "Siv Sjödin", lang),
    }


# What each mail must say (Swedish, English) and the only URLs it may carry.
EXPECTED = {
    "invitation": (("klart för justering",), ("ready for checking",), {LINK}),
    "reminder": (("påminnelse", "väntar fortfarande"), ("reminder", "still waiting"), {LINK}),
    "code": (("731904", "15 minuter"), ("731904", "15 minutes"), set()),
    "declined": (("Åsa Öberg har avböjt", "§ 7 saknar beslutet om höjd taxa."),
                 ("Åsa Öberg has declined", "§ 7 saknar beslutet om höjd taxa."), {PROTOCOL_URL}),
    "link_locked": (("har låsts", "felaktiga kodförsök"), ("has been locked", "wrong codes"), {PROTOCOL_URL}),
    "sealed": (("justerat och signerat av alla",), ("checked and signed by all",), {SEALED_URL, VERIFY_URL}),
    "replaced": (("behöver inte längre", "fungerar inte längre"), ("no longer need", "no longer works"), set()),
}


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_template_arrives_says_its_thing_and_carries_only_its_own_urls(smtp_server, lang):
    mails = _all_templates(lang)
    mailer = mailer_for(smtp_server)
    for kind, mail in mails.items():
        mailer.send(mail)
    for kind, (sv, en, urls) in EXPECTED.items():
        got = smtp_server.wait_for(lambda m, kind=kind: m.message["X-Signering-Template"] == kind)
        text = got.text
        for phrase in (sv if lang == "sv" else en):
            assert phrase.lower() in text.lower(), (kind, phrase)
        assert ("22 september 2025" if lang == "sv" else "22 September 2025") in text or kind == "code"
        assert set(re.findall(r"https?://\S+", text)) == urls, kind
        assert set(re.findall(r'href="([^"]+)"', got.html)) == urls, kind
        assert f'<html lang="{lang}">' in got.html
    assert len(smtp_server.messages) == len(mails)


def test_html_part_escapes_names_and_reasons():
    mail = templates.declined("siv@kommun.example", "<b>Eve</b>", 'Läs <script>alert("x")</script>',
                              "Kommunstyrelsen", MEETING, PROTOCOL_URL)
    assert "<script>" not in mail.body_html and "<b>Eve" not in mail.body_html
    assert "&lt;script&gt;" in mail.body_html
    # The plain-text part shows the reason as the signer wrote it.
    assert '<script>alert("x")</script>' in mail.body_text


def test_genitive_of_board_names():
    subject = lambda board: templates.sealed("a@kommun.example", board, MEETING, SEALED_URL, VERIFY_URL).subject
    assert subject("Kommunfullmäktige").startswith("Protokollet från Kommunfullmäktiges sammanträde")
    assert subject("Kommunstyrelsens allmänna utskott").startswith(
        "Protokollet från Kommunstyrelsens allmänna utskotts sammanträde")
    assert subject("Räddningsnämnden Syd Mitt Väst").startswith("Protokollet från Räddningsnämnden Syd Mitt Västs")
    assert subject("KS").startswith("Protokollet från KS:s sammanträde")
    assert subject("Miljöförbundet Jämtlands").startswith("Protokollet från Miljöförbundet Jämtlands sammanträde")


def test_line_breaks_cannot_inject_headers():
    with pytest.raises(InputError):
        templates.declined("siv@kommun.example", "Eve\r\nBcc: all@kommun.example", "", "KS", MEETING, PROTOCOL_URL)
    with pytest.raises(InputError):
        OutgoingMail("a@kommun.example\nBcc: b@kommun.example", "Ämne", "text")
    with pytest.raises(InputError):
        OutgoingMail("a@kommun.example", "Ämne", "text", headers={"X-Extra": "a\nBcc: b@kommun.example"})


def test_templates_cannot_override_the_mailers_own_headers():
    with pytest.raises(InputError):
        OutgoingMail("a@kommun.example", "Ämne", "text", headers={"message-id": "<x@y>"})


def test_outgoing_mail_is_immutable():
    mail = invite()
    with pytest.raises(AttributeError):
        mail.subject = "x"
    with pytest.raises(TypeError):
        mail.headers["X-Other"] = "x"


def test_links_must_be_http_urls():
    with pytest.raises(InputError):
        templates.sealed("a@kommun.example", "KS", MEETING, "javascript:alert(1)", VERIFY_URL)


def test_unknown_role_is_refused():
    with pytest.raises(InputError) as info:
        invite(role="vice ordförande")
    assert "Okänd roll" in info.value.message("sv")


def test_message_ids_are_unique(smtp_server):
    mailer = mailer_for(smtp_server)
    ids = {mailer.send(invite()) for _ in range(3)}
    assert len(ids) == 3
    assert len(smtp_server.messages) == 3


def test_closed_port_gives_mail_error_in_swedish():
    port = closed_port()
    mailer = SmtpMailer("127.0.0.1", port, timeout=2)
    with pytest.raises(MailError) as info:
        mailer.send(invite())
    err = info.value
    assert err.code == "mail_failed" and err.reason == "unreachable"
    assert f"e-postservern 127.0.0.1:{port} gick inte att nå" in err.message("sv")
    assert "could not be reached" in err.message("en")
    assert err.to_dict()["error"] == "mail_failed"


def test_login_required_and_checked():
    with SmtpServer(auth={"signering": "ratt-losen"}) as server:
        mailer_for(server, username="signering", password="ratt-losen").send(invite())
        assert server.wait_for().login == "signering"

        with pytest.raises(MailError) as wrong:
            mailer_for(server, username="signering", password="fel").send(invite())
        assert wrong.value.reason == "auth"
        assert "SIGNERING_SMTP_PASSWORD" in wrong.value.message("sv")
        assert "fel" not in str(wrong.value.details)

        with pytest.raises(MailError) as missing:
            mailer_for(server).send(invite())
        assert missing.value.reason == "auth"
        assert len(server.messages) == 1


def test_non_ascii_credentials_are_a_config_error():
    with pytest.raises(MailError) as info:
        SmtpMailer(password="lösenord")
    assert info.value.reason == "config"
    assert "SIGNERING_SMTP_PASSWORD" in info.value.message("sv")


def test_refused_recipient():
    with SmtpServer(refuse_recipients={"ingen@kommun.example"}) as server:
        with pytest.raises(MailError) as info:
            mailer_for(server).send(invite(to="ingen@kommun.example"))
        assert info.value.reason == "recipient_refused"
        assert "ingen@kommun.example" in info.value.message("sv")
        assert server.messages == []


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    """A throwaway self-signed certificate for 127.0.0.1."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test smtp")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    d = tmp_path_factory.mktemp("tls")
    (d / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (d / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
    return str(d / "cert.pem"), str(d / "key.pem")


def test_starttls_with_login(tls_files):
    cert, key = tls_files
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    with SmtpServer(tls_context=server_ctx, require_starttls=True, auth={"signering": "hemligt"}) as server:
        trusted = ssl.create_default_context(cafile=cert)
        mailer_for(server, starttls=True, ssl_context=trusted, username="signering", password="hemligt").send(invite())
        assert server.wait_for().login == "signering"

        # Without STARTTLS the server refuses; with an untrusted certificate the client refuses.
        with pytest.raises(MailError) as plain:
            mailer_for(server).send(invite())
        assert plain.value.reason == "tls"
        with pytest.raises(MailError) as untrusted:
            mailer_for(server, starttls=True, username="signering", password="hemligt").send(invite())
        assert untrusted.value.reason == "tls"
        assert len(server.messages) == 1


def test_from_env_defaults_and_values():
    default = SmtpMailer.from_env({})
    assert (default.host, default.port, default.sender) == ("127.0.0.1", 25, "signering@localhost")
    assert (default.username, default.password, default.starttls, default.ssl) == (None, None, False, False)

    mailer = SmtpMailer.from_env({
        "SIGNERING_SMTP_HOST": "smtp.kommun.example", "SIGNERING_SMTP_PORT": "587",
        "SIGNERING_SMTP_FROM": "Signering <noreply@kommun.example>", "SIGNERING_SMTP_USER": "svc",
        "SIGNERING_SMTP_PASSWORD": "s3cret", "SIGNERING_SMTP_STARTTLS": "1",
    })
    assert (mailer.host, mailer.port, mailer.envelope_sender) == ("smtp.kommun.example", 587, "noreply@kommun.example")
    assert (mailer.username, mailer.password, mailer.starttls) == ("svc", "s3cret", True)
    assert "s3cret" not in repr(mailer)


@pytest.mark.parametrize("env", [
    {"SIGNERING_SMTP_STARTTLS": "kanske"},
    {"SIGNERING_SMTP_PORT": "tjugofem"},
    {"SIGNERING_SMTP_PORT": "-1"},
    {"SIGNERING_SMTP_FROM": "ingen-adress"},
    {"SIGNERING_SMTP_STARTTLS": "1", "SIGNERING_SMTP_SSL": "1"},
])
def test_from_env_rejects_bad_settings_in_swedish(env):
    with pytest.raises(MailError) as info:
        SmtpMailer.from_env(env)
    assert info.value.reason == "config"
    assert info.value.message("sv").startswith("E-postinställningarna är felaktiga")
