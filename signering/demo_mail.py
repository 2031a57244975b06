"""A local mail catcher for the demo: a real SMTP server (aiosmtpd) that saves each mail as
an .eml file, so ``make run`` works without a mail server. Never used in production.

It listens on the port asked for, or on a free one when that is taken (another demo may run
beside this one), and writes ``PORT <n>`` as its first line on stdout so ``run-demo`` can send
its app's mail there and nowhere else.
"""

from __future__ import annotations

import os
import sys
import time


def _controller(handler, port: int):
    from aiosmtpd.controller import Controller

    class AnyPortController(Controller):
        """Binds port 0 and learns the real port before aiosmtpd's own start-up check connects."""

        def _trigger_server(self):
            self.port = self.server.sockets[0].getsockname()[1]
            super()._trigger_server()

    try:
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        return controller
    except Exception:  # noqa: BLE001  aiosmtpd re-raises the bind error in more than one shape
        controller = AnyPortController(handler, hostname="127.0.0.1", port=0)
        controller.start()
        return controller


def main(maildir: str, port: int) -> None:
    class Handler:
        async def handle_DATA(self, server, session, envelope):
            name = f"{time.time_ns()}.eml"
            tmp = os.path.join(maildir, "." + name)
            with open(tmp, "wb") as fh:
                fh.write(envelope.original_content or envelope.content)
            os.replace(tmp, os.path.join(maildir, name))
            return "250 OK"

    os.makedirs(maildir, exist_ok=True)
    controller = _controller(Handler(), port)
    print(f"PORT {controller.port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
