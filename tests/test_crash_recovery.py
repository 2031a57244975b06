"""SIGKILL a process at random points of upload, signing and sealing; after each "restart"
(recovery) the data is consistent, and in the end every protocol completes.

`make test` runs a few rounds; `make soak` runs SIGNERING_CRASH_ROUNDS=50.
"""

from __future__ import annotations

import os
import random
import secrets
import signal
import subprocess
import sys
import time

from sqlalchemy import select

from signering.accounts import create_board, create_organisation
from signering.models import Protocol
from signering.pki.keys import DEMO_DIR
from signering.recovery import check, recover
from signering.runtime import services_from_env

HERE = os.path.dirname(os.path.abspath(__file__))
ROUNDS = int(os.environ.get("SIGNERING_CRASH_ROUNDS", "6"))


def test_sigkill_at_random_points_leaves_consistent_data(tmp_path):
    env = {**os.environ, "SIGNERING_INSTANCE_DIR": str(tmp_path / "instance"),
           "SIGNERING_SECRET_KEY": secrets.token_hex(32), "SIGNERING_BASE_URL": "http://localhost:8000"}
    env.pop("SIGNERING_DATABASE_URL", None)
    os.environ.update({k: env[k] for k in ("SIGNERING_INSTANCE_DIR", "SIGNERING_SECRET_KEY", "SIGNERING_BASE_URL")})
    try:
        svc = services_from_env()
        svc.db.upgrade()
        with svc.db.write() as session:
            org = create_organisation(session, slug="crash", name="Kraschkommun", key_dir=DEMO_DIR)
            create_board(session, org, name="Kommunstyrelsen")
            org_id = org.id
        env["CRASH_ORG_ID"] = str(org_id)
        rng = random.Random(int(os.environ.get("SIGNERING_CRASH_SEED", "20261123")))
        for round_no in range(ROUNDS):
            child = subprocess.Popen([sys.executable, os.path.join(HERE, "crash_child.py")], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(rng.uniform(1.5, 4.0))
            assert child.poll() is None, child.stderr.read().decode()[-3000:]
            child.send_signal(signal.SIGKILL)
            child.wait()
            # The restart: sweep orphans, redo interrupted seals (the organisation's own TSA runs
            # in this process on loopback, as it does in the server).
            recover(svc, orphan_age_seconds=0)
            problems = check(svc)
            assert problems == [], f"round {round_no}: {problems}"
        finish = subprocess.run([sys.executable, os.path.join(HERE, "crash_child.py"), "finish"], env=env,
                                capture_output=True, text=True, timeout=300)
        assert finish.returncode == 0, finish.stderr[-3000:]
        assert check(svc) == []
        with svc.db.read() as session:
            states = session.execute(select(Protocol.status)).scalars().all()
        assert states and all(s == "posted" for s in states), states
    finally:
        for k in ("SIGNERING_INSTANCE_DIR", "SIGNERING_SECRET_KEY", "SIGNERING_BASE_URL"):
            os.environ.pop(k, None)
