"""Run a process with its wall clock moved, by Debian's libfaketime (installed by `make test`).

Real signers sign hours or days apart; a server restarted with its clock moved is the closest a
test gets to that. The monotonic clock moves by the same offset: keeping it real
(FAKETIME_DONT_FAKE_MONOTONIC) makes libfaketime 0.9.10 break Python's sleeps and timed waits.
"""

from __future__ import annotations

import glob
import os

LIBRARY = next(iter(sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))), None)


def faked_env(env: dict, seconds: float) -> dict:
    """``env`` for a child process whose clock runs ``seconds`` ahead of the real one."""
    if LIBRARY is None:
        raise RuntimeError("libfaketime is missing: `make test` installs Debian's faketime package")
    return {**env, "LD_PRELOAD": LIBRARY, "FAKETIME": f"+{int(seconds)}"}
