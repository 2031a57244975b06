"""A local mail catcher for the demo: a real SMTP server (aiosmtpd) that saves each mail as
an .eml file, so ``make run`` works without a mail server. Never used in production."""

from __future__ import annotations

import os
import sys
import time


def main(maildir: str, port: int) -> None:
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            name = f"{time.time_ns()}.eml"
            tmp = os.path.join(maildir, "." + name)
            with open(tmp, "wb") as fh:
                fh.write(envelope.original_content or envelope.content)
            os.replace(tmp, os.path.join(maildir, name))
            return "250 OK"

    os.makedirs(maildir, exist_ok=True)
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
