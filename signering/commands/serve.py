"""``signering serve`` (gunicorn + the worker), ``signering worker``, ``signering run-demo``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys


def register(sub) -> None:
    p = sub.add_parser("serve", help="Starta webbservern (gunicorn) och bakgrundsarbetaren.")
    p.add_argument("--host", default=os.environ.get("SIGNERING_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("SIGNERING_PORT", "8000")))
    p.add_argument("--workers", type=int, default=int(os.environ.get("SIGNERING_WORKERS", "2")))
    p.add_argument("--no-worker", action="store_true", help="starta inte bakgrundsarbetaren (kör den separat)")
    p.set_defaults(func=cmd_serve)
    w = sub.add_parser("worker", help="Kör bakgrundsjobben (e-post, försegling, påminnelser, nedtagning).")
    w.add_argument("--once", action="store_true")
    w.set_defaults(func=cmd_worker)
    d = sub.add_parser("run-demo", help="Sätt upp demodata och starta (används av make run).")
    d.add_argument("--host", default="127.0.0.1")
    d.add_argument("--port", type=int, default=8000)
    d.add_argument("--smtp-port", type=int, default=8025,
                   help="porten för demons e-postfångare (tas den redan används en ledig port)")
    d.set_defaults(func=cmd_run_demo)


def gunicorn_argv(host: str, port: int, workers: int) -> list[str]:
    # gthread: a signing request calls the organisation's own TSA on this same server.
    return [sys.executable, "-m", "gunicorn", "web.wsgi:app", "--bind", f"{host}:{port}", "--workers", str(workers),
            "--worker-class", "gthread", "--threads", "4", "--timeout", "60", "--graceful-timeout", "10",
            # Longer than gunicorn's 2 s, so a client (or proxy) reusing a connection after a short
            # pause does not race the server closing it ("connection reset" on a POST).
            "--keep-alive", "30",
            "--access-logfile", "-", "--access-logformat", '%(h)s "%(m)s %(U)s" %(s)s %(M)sms',
            "--logger-class", "web.gunicorn_logging.MaskingLogger",
            "--forwarded-allow-ips", os.environ.get("SIGNERING_FORWARDED_ALLOW_IPS", "127.0.0.1")]


def cmd_serve(args) -> int:
    from ..runtime import services_from_env

    svc = services_from_env()
    svc.db.upgrade()
    _startup_recovery(svc)
    procs = [subprocess.Popen(gunicorn_argv(args.host, args.port, args.workers))]
    if not args.no_worker:
        procs.append(subprocess.Popen([sys.executable, "-m", "signering.cli", "worker"]))
    print(f"Signering körs på http://{args.host}:{args.port}/  (Ctrl-C avslutar)", flush=True)

    def stop(*_):
        for p in procs:
            if p.poll() is None:
                p.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(p.poll() is None for p in procs):
            try:
                procs[0].wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for p in procs:
            p.wait(timeout=15)
    return procs[0].returncode or 0


def _startup_recovery(svc) -> None:
    from ..recovery import recover

    # Blobs younger than this are left alone: with several app servers on one blob store, another
    # server may be writing one right now. A single server can use 0.
    recover(svc, orphan_age_seconds=float(os.environ.get("SIGNERING_ORPHAN_AGE_SECONDS", "3600")))


def cmd_worker(args) -> int:
    from ..mail import SmtpMailer
    from ..runtime import services_from_env
    from ..worker import run_forever, run_once

    svc = services_from_env()
    mailer = SmtpMailer.from_env()
    if args.once:
        print(run_once(svc, mailer))
        return 0
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    try:
        run_forever(svc, mailer, stop=lambda: bool(stopping))
    except KeyboardInterrupt:
        pass
    return 0


def _start_mail_catcher(maildir: str, port: int) -> tuple[subprocess.Popen, int]:
    """The demo's SMTP catcher and the port it got: ``port``, or a free one when that is taken."""
    catcher = subprocess.Popen([sys.executable, "-m", "signering.demo_mail", maildir, str(port)],
                               stdout=subprocess.PIPE, text=True)
    first = catcher.stdout.readline().split()
    if len(first) != 2 or first[0] != "PORT":
        catcher.kill()
        raise SystemExit("Demons e-postfångare kunde inte starta (se felet ovan).")
    return catcher, int(first[1])


def cmd_run_demo(args) -> int:
    from .demo_data import demo_maildir, ensure_demo

    os.environ.setdefault("SIGNERING_BASE_URL", f"http://localhost:{args.port}")
    maildir = demo_maildir()
    catcher, smtp_port = _start_mail_catcher(maildir, args.smtp_port)
    if smtp_port != args.smtp_port:
        print(f"SMTP-porten {args.smtp_port} används redan (kanske av en annan demo); "
              f"demons e-postfångare lyssnar på 127.0.0.1:{smtp_port} i stället.", flush=True)
    # The app must send to this demo's own catcher, whatever the environment said.
    os.environ["SIGNERING_SMTP_HOST"] = "127.0.0.1"
    os.environ["SIGNERING_SMTP_PORT"] = str(smtp_port)
    try:
        info = ensure_demo()
        print("\n" + "=" * 72)
        print(f"Signering (DEMO) på {os.environ['SIGNERING_BASE_URL']}/")
        print(f"  Personal:   {os.environ['SIGNERING_BASE_URL']}/sekreterare/logga-in")
        print(f"              e-post {info['email']}  lösenord {info['password']}")
        print(f"  E-post:     alla utskick (SMTP 127.0.0.1:{smtp_port}) sparas i {info['maildir']} och visas på "
              f"{os.environ['SIGNERING_BASE_URL']}/demo/epost")
        print(f"  Anslagstavla: {os.environ['SIGNERING_BASE_URL']}/demo/anslagstavla")
        print("  Demonycklar (keys-example): demo keys, not for production.")
        print("=" * 72 + "\n", flush=True)
        os.environ["SIGNERING_DEMO_MAILDIR"] = info["maildir"]
        args.workers, args.no_worker = 2, False
        return cmd_serve(args)
    finally:
        catcher.terminate()
