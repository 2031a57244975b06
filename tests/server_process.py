"""A real Signering server process (``signering serve``: gunicorn + worker) for end-to-end tests."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time

import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    def __init__(self, tmp_path, database_url: str | None, smtp_port: int):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "SIGNERING_INSTANCE_DIR": str(tmp_path / "instance"),
            "SIGNERING_BASE_URL": self.base_url,
            "SIGNERING_SECRET_KEY": secrets.token_hex(32),
            "SIGNERING_SMTP_HOST": "127.0.0.1",
            "SIGNERING_SMTP_PORT": str(smtp_port),
            "SIGNERING_SMTP_FROM": "signering@test.example",
        }
        if database_url:
            self.env["SIGNERING_DATABASE_URL"] = database_url
        self.proc = None

    def move_clock(self, seconds: float) -> None:
        """From the next start (and CLI call) on, the server's wall clock runs ``seconds`` ahead."""
        from faketime import faked_env

        self.env = faked_env(self.env, seconds)

    def cli(self, *args, check=True, input=None):
        proc = subprocess.run([sys.executable, "-m", "signering.cli", *args], env=self.env, capture_output=True,
                              text=True, input=input, timeout=120)
        if check and proc.returncode != 0:
            raise AssertionError(f"signering {' '.join(args)} failed: {proc.stdout}\n{proc.stderr}")
        return proc

    def start(self, *extra_args: str):
        """``signering serve`` with ``extra_args`` (say ``--no-worker``); returns once /healthz answers."""
        self.log_path = self.env["SIGNERING_INSTANCE_DIR"] + ".log"
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "signering.cli", "serve", "--port", str(self.port),
                                      *extra_args],
                                     env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if requests.get(self.base_url + "/healthz", timeout=5).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        self.stop()
        raise AssertionError("server did not start: " + self.log())

    def log(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as fh:
            return fh.read()

    def kill(self):
        """SIGKILL the server, its gunicorn workers and its background worker at once."""
        import signal

        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        if getattr(self, "_log", None):
            self._log.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        if getattr(self, "_log", None):
            self._log.close()
