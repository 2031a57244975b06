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
