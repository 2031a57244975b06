import subprocess
import sys

from web.gunicorn_logging import mask


def test_signing_tokens_are_masked_in_access_logs():
    assert mask("/signera/abcDEF123_-xyz") == "/signera/[token]"
    assert mask("/signera/abc/sida/2.png") == "/signera/[token]/sida/2.png"
    assert mask("POST /api/v1/sign/abc123/code HTTP/1.1") == "POST /api/v1/sign/[token]/code HTTP/1.1"
    assert mask("/anslagstavla") == "/anslagstavla"


def test_gunicorn_accepts_the_logger_class():
    code = "from gunicorn.config import Config; c = Config(); " \
           "c.set('logger_class', 'web.gunicorn_logging.MaskingLogger'); print(c.logger_class.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "MaskingLogger", out.stderr


def test_access_log_names_the_client_behind_a_trusted_proxy(tmp_path):
    """Gunicorn logs from the environ the app saw, so the access log gets the rewritten address."""
    import datetime as dt
    from types import SimpleNamespace

    from gunicorn.config import Config
    from werkzeug.test import EnvironBuilder

    from test_staff_support import make_env
    from web.gunicorn_logging import MaskingLogger

    env = make_env(tmp_path, FORWARDED_ALLOW_IPS="127.0.0.1")
    logger = MaskingLogger(Config())
    try:
        for remote, expected in (("127.0.0.1", "198.51.100.5"), ("203.0.113.8", "203.0.113.8")):
            environ = EnvironBuilder(path="/healthz", headers={"X-Forwarded-For": "192.0.2.1, 198.51.100.5"},
                                     environ_base={"REMOTE_ADDR": remote, "RAW_URI": "/healthz"}).get_environ()
            b"".join(env.app(environ, lambda status, headers, exc_info=None: None))
            atoms = logger.atoms(SimpleNamespace(status="200 OK", headers=[], sent=0), SimpleNamespace(headers=[]),
                                 environ, dt.timedelta(0))
            assert atoms["h"] == expected
    finally:
        env.svc.db.dispose()
