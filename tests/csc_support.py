"""A qualified signing service on loopback for tests/test_csc_signing.py: the real
``certomancer-csc`` server (PyPI's certomancer-csc-dummy, CSC API v1.0.4) over the test PKI in
tests/csc/certomancer.yml, and Certomancer's own Animator answering OCSP for its certificates
(tests/csc_ocsp.py: dated to whole seconds, which NSS requires).

Both run as their own processes; the CSC server from the command its package installs. The keys are made fresh
for each run, so no private key is kept in the repository.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = os.path.join(HERE, "csc", "certomancer.yml")
ARCH = "signering-csc"
#: the organisation's credential setting: one credential per signer, found by e-mail address
CREDENTIAL_TEMPLATE = ARCH + "/{email}"
BIN = os.path.dirname(sys.executable)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited: {process.stdout.read().decode(errors='replace')[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not start listening on port {port}")


class CscService:
    """``url`` is the CSC base URL (the part before ``/csc/v1/``); ``root_pem`` the provider's root."""

    def __init__(self, directory):
        self.directory = str(directory)
        self.port, self.ocsp_port = _free_port(), _free_port()
        # certomancer-csc listens on "localhost" (both loopback families); the URL says so too.
        self.url = f"http://localhost:{self.port}"
        self._csc = self._ocsp = None
        self._write_config()

    def _write_config(self) -> None:
        os.makedirs(self.directory, exist_ok=True)
        for label in ("root", "ocsp", "siv", "birgitta", "john"):
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            with open(os.path.join(self.directory, f"{label}.key.pem"), "wb") as fh:
                fh.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
        with open(CONFIG, encoding="utf-8") as fh:
            text = fh.read().replace("EXTERNAL_URL", f"http://127.0.0.1:{self.ocsp_port}")
        self.config = os.path.join(self.directory, "certomancer.yml")
        with open(self.config, "w", encoding="utf-8") as fh:
            fh.write(text)
        self.root_pem = os.path.join(self.directory, "provider-root.pem")
        subprocess.run([os.path.join(BIN, "certomancer"), "--config", self.config, "summon", ARCH, "root",
                        self.root_pem], check=True, capture_output=True)

    def start(self) -> "CscService":
        if self._ocsp is None:
            self._ocsp = subprocess.Popen([sys.executable, os.path.join(HERE, "csc_ocsp.py"), self.config,
                                           str(self.ocsp_port)],
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=self.directory)
            _wait_for(self.ocsp_port, self._ocsp, "the OCSP responder (csc_ocsp.py)")
        # SCAL 2: every authorisation is pinned to the hashes it may sign, as a qualified service does.
        self._csc = subprocess.Popen([os.path.join(BIN, "certomancer-csc"), self.config, str(self.port), "2"],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=self.directory)
        _wait_for(self.port, self._csc, "certomancer-csc")
        return self

    def stop_csc(self) -> None:
        """Take the signing service down (the OCSP responder stays)."""
        if self._csc is not None:
            self._csc.terminate()
            self._csc.wait(timeout=10)
            self._csc = None

    def stop(self) -> None:
        self.stop_csc()
        if self._ocsp is not None:
            self._ocsp.terminate()
            self._ocsp.wait(timeout=10)
            self._ocsp = None

    def cleanup(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)
