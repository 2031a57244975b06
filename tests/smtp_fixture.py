"""Pytest fixture ``smtp_server``: a fresh real SMTP server on 127.0.0.1 per test.

pytest puts tests/ on sys.path (no __init__.py here), so a conftest or test module can
``from smtp_fixture import smtp_server``.
"""

import pytest
from smtp_server import SmtpServer


@pytest.fixture
def smtp_server():
    with SmtpServer() as server:
        yield server
