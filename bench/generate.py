"""Fill a database with years of synthetic registry, for measuring how the service grows (issue 15.3).

Two profiles, both through the project's own schema (the alembic migrations) and bulk inserts
(SQLAlchemy Core executemany on SQLite, COPY on PostgreSQL):

* ``municipality``: one year of a large municipality, 1,000 protocols over 20 boards.
* ``country``: ten years of the whole country, 290 municipalities and 21 regions with 12 boards
  each and 11 meetings a year: about 410,000 protocols.

Every protocol gets its versions (one in twenty has a voided first version), 3-5 signature
requests, the audit events the workflow records for it (created, sent/opened/code_sent/signed per
signer, sealed, posted, taken_down), a notice on the anslagstavla (current, or taken down after
its appeal period: most are), a sealed-file row, and its transparency-log leaf, appended in the
order the protocols were sealed, with one signed checkpoint for every tree size (as
``translog_store.append_sealed`` makes them) and the stored subtree hashes. Leaves are encoded
and hashed by ``signering.translog.leaf``; checkpoints are signed with the instance's log key.

Hashes are random 32 bytes (hex); no blob exists for a synthetic protocol, so its PDF cannot be
downloaded and backups of these databases carry rows only. Seeded: the same seed, scale and end
date give the same rows.

    .venv/bin/python bench/generate.py --profile municipality --instance /tmp/scale-muni
    .venv/bin/python bench/generate.py --profile country --scale 0.1 --db postgresql://... --instance DIR
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from sqlalchemy import inspect  # noqa: E402

from signering.db import Database  # noqa: E402
from signering.models import Base  # noqa: E402
from signering.notice_search import search_text  # noqa: E402
from signering.pki.keys import DEMO_DIR  # noqa: E402
from signering.translog.checkpoint import Checkpoint, sign_checkpoint  # noqa: E402
from signering.translog.leaf import SealedProtocolEntry, encode_leaf  # noqa: E402
from signering.translog.log_key import load_log_key  # noqa: E402
from signering.translog.merkle import EMPTY_ROOT, hash_children, hash_leaf  # noqa: E402

UTC = dt.timezone.utc
BOARD_NAMES = ["Kommunfullmäktige", "Kommunstyrelsen", "Kommunstyrelsens arbetsutskott", "Barn- och utbildningsnämnden",
               "Socialnämnden", "Miljö- och byggnadsnämnden", "Kultur- och fritidsnämnden", "Tekniska nämnden",
               "Valnämnden", "Överförmyndarnämnden", "Gymnasienämnden", "Vård- och omsorgsnämnden",
               "Arbetsmarknadsnämnden", "Servicenämnden", "Stadsbyggnadsnämnden", "Idrotts- och föreningsnämnden",
               "Revisionen", "Krisledningsnämnden", "Äldrenämnden", "Näringslivsutskottet"]
FIRST = ["Anna", "Lars", "Karin", "Erik", "Åsa", "Örjan", "Maria", "Johan", "Eva", "Per", "Ingrid", "Björn",
         "Siv", "Gunnar", "Lena", "Mats", "Birgitta", "Anders", "Elin", "Jonas"]
LAST = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson",
        "Gustafsson", "Öhman", "Åberg", "Sjödin", "Häggkvist", "Lindqvist", "Berg", "Holm", "Ek", "Strand", "Wallin"]
ROLES = ["sekreterare", "ordforande", "justerare", "justerare", "justerare"]
APPEAL_DAYS = 22  # posted the day of justering; down the day after the three weeks
STAFF_PASSWORD = "rätt häst batteri häftklammer"
#: parents before children: a table's rows go in only after every table before it is flushed
ORDER = ["organisation", "user_account", "board", "protocol", "protocol_version", "sealed_file", "signature_request",
         "event", "notice", "log_entry", "log_checkpoint", "log_node"]


@dataclasses.dataclass(frozen=True)
class Profile:
    organisations: int
    regions: int
    boards: int
    meetings_per_year: int
    years: int


PROFILES = {
    # the organisation, its boards and its secretary, no protocols: the baseline of every ratio
    "empty": Profile(organisations=1, regions=0, boards=20, meetings_per_year=0, years=1),
    # 20 boards x 50 meetings: a large municipality's nämnder, utskott and their sub-committees
    "municipality": Profile(organisations=1, regions=0, boards=20, meetings_per_year=50, years=1),
    "country": Profile(organisations=290, regions=21, boards=12, meetings_per_year=11, years=10),
}


def scaled(profile: Profile, scale: float) -> Profile:
    """A smaller (or larger) set of the same shape: fewer organisations, or fewer meetings for
    the single municipality."""
    if not profile.meetings_per_year:
        return profile
    if profile.organisations + profile.regions > 1:
        orgs = max(1, round(profile.organisations * scale))
        return dataclasses.replace(profile, organisations=orgs, regions=round(profile.regions * scale))
    return dataclasses.replace(profile, meetings_per_year=max(1, round(profile.meetings_per_year * scale)))


class Sink:
    """Buffered bulk insert per table: executemany on SQLite, COPY on PostgreSQL."""

    CHUNK = 20000

    def __init__(self, db: Database):
        self.db = db
        self.tables = Base.metadata.tables
        self.buffers: dict[str, list[dict]] = {}
        self.counts: dict[str, int] = {}
        self.conn = db.engine.connect()
        if db.is_sqlite:
            # A generated file is thrown away on failure: no need to sync every commit.
            self.conn.connection.dbapi_connection.execute("PRAGMA synchronous=OFF")
        self.tx = self.conn.begin()

    def add(self, table: str, row: dict) -> None:
        buf = self.buffers.setdefault(table, [])
        buf.append(row)
        if len(buf) >= self.CHUNK:
            for parent in ORDER[:ORDER.index(table) + 1]:
                self.flush(parent)

    def flush(self, table: str) -> None:
        rows = self.buffers.get(table)
        if not rows:
            return
        self.buffers[table] = []
        self.counts[table] = self.counts.get(table, 0) + len(rows)
        if self.db.is_sqlite:
            self.conn.execute(self.tables[table].insert(), rows)
            return
        columns = list(rows[0])
        quote = self.conn.dialect.identifier_preparer.quote
        raw = self.conn.connection.dbapi_connection
        json_cols = {c.name for c in self.tables[table].columns if c.type.__class__.__name__ == "JSON"}
        with raw.cursor() as cur:
            with cur.copy(f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([json.dumps(row[c], ensure_ascii=False) if c in json_cols else row[c]
                                    for c in columns])

    def close(self) -> None:
        for table in ORDER:
            self.flush(table)
        if not self.db.is_sqlite:
            from signering.restore import _reset_sequences

            _reset_sequences(self.conn)
        self.tx.commit()
        self.conn.close()


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _sha(rng: random.Random) -> str:
    return rng.randbytes(32).hex()


def _at(day: dt.date, rng: random.Random, hour_from: int = 7, hour_to: int = 17) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randrange(hour_from, hour_to), rng.randrange(60),
                                            rng.randrange(60), rng.randrange(1_000_000)), UTC)


def _organisations(profile: Profile) -> list[tuple[str, str, str]]:
    orgs = [(f"kommun-{i:03d}", f"Kommun {i:03d}", "kommun") for i in range(1, profile.organisations + 1)]
    orgs += [(f"region-{i:02d}", f"Region {i:02d}", "region") for i in range(1, profile.regions + 1)]
    if len(orgs) == 1:
        orgs = [("storstad", "Storstads kommun", "kommun")]
    return orgs


def _meeting_dates(rng: random.Random, start: dt.date, end: dt.date, per_year: int, years: int) -> list[dt.date]:
    """``per_year`` meetings a year on weekdays, none in July, the last ones before ``end``."""
    days = []
    for y in range(years):
        year_start = start + dt.timedelta(days=365 * y)
        step = 335 / max(1, per_year)  # the year minus July
        for m in range(per_year):
            day = year_start + dt.timedelta(days=int(m * step) + rng.randrange(0, max(1, int(step))))
            if day.month == 7:
                day += dt.timedelta(days=31)
            while day.weekday() >= 5:
                day += dt.timedelta(days=1)
            if day < end:
                days.append(day)
    return sorted(days)


def generate(url: str, instance: str, *, profile: str = "municipality", scale: float = 1.0, seed: int = 15,
             end: dt.date | None = None, origin: str = "localhost/log", log=print) -> dict:
    """Create the schema in ``url`` (empty) and fill it; the log key goes to ``instance``/log_key.pem.

    Returns what was made: row counts, seconds, an example organisation, a staff login, hashes."""
    started = time.perf_counter()
    end = end or dt.date.today()
    shape = scaled(PROFILES[profile], scale)
    rng = random.Random(seed)
    os.makedirs(instance, exist_ok=True)
    key = load_log_key(os.path.join(instance, "log_key.pem"))
    db = Database(url)
    db.upgrade()
    has_nodes = "log_node" in inspect(db.engine).get_table_names()
    sink = Sink(db)
    start = end - dt.timedelta(days=365 * shape.years)
    ids = {"protocol": 0, "version": 0, "request": 0, "event": 0, "notice": 0, "sealed": 0, "board": 0}
    sealed: list[tuple[dt.datetime, int, dict]] = []  # (sealed_at, tie-break, leaf fields)
    from argon2 import PasswordHasher

    password_hash = PasswordHasher().hash(STAFF_PASSWORD)
    orgs = _organisations(shape)
    for org_id, (slug, org_name, kind) in enumerate(orgs, start=1):
        sink.add("organisation", dict(id=org_id, slug=slug, name=org_name, kind=kind, key_dir=DEMO_DIR,
                                      seal_passphrase_env=None, created_at=dt.datetime.combine(start, dt.time(), UTC),
                                      signer_auth="code"))
        sink.add("user_account", dict(id=org_id, organisation_id=org_id, email=f"sekreterare@{slug}.example.se",
                                      name="Siv Sekreterare", role="admin", password_hash=password_hash, active=True,
                                      created_at=dt.datetime.combine(start, dt.time(), UTC)))
        for b in range(shape.boards):
            ids["board"] += 1
            board_id, board_name = ids["board"], BOARD_NAMES[b % len(BOARD_NAMES)]
            sink.add("board", dict(id=board_id, organisation_id=org_id, name=board_name, kind="namnd",
                                   forvaringsplats=f"{org_name}s kansli"))
            for meeting in _meeting_dates(rng, start, end, shape.meetings_per_year, shape.years):
                _protocol(sink, rng, ids, sealed, end, org_id=org_id, slug=slug, board_id=board_id,
                          board_name=board_name, meeting=meeting)
    log(f"rows made in {time.perf_counter() - started:.0f} s; writing the log")
    _transparency_log(sink, key, sealed, origin, has_nodes)
    sink.close()
    if db.is_sqlite:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.exec_driver_sql("ANALYZE")
    else:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    db.dispose()
    seconds = time.perf_counter() - started
    example = sealed[len(sealed) // 2][2] if sealed else None
    log(f"{profile} x{scale}: {sink.counts.get('protocol', 0)} protocols in {seconds:.0f} s")
    return {"profile": profile, "scale": scale, "seed": seed, "end": end.isoformat(), "seconds": round(seconds, 1),
            "rows": dict(sink.counts), "org": orgs[0][0], "staff_email": f"sekreterare@{orgs[0][0]}.example.se",
            "staff_password": STAFF_PASSWORD, "example_sealed_sha256": example and example["sealed_sha256"],
            "example_original_sha256": example and example["original_sha256"], "log_size": len(sealed)}


def _protocol(sink: Sink, rng: random.Random, ids: dict, sealed: list, end: dt.date, *, org_id: int, slug: str,
              board_id: int, board_name: str, meeting: dt.date) -> None:
    ids["protocol"] += 1
    pid = ids["protocol"]
    created = _at(meeting + dt.timedelta(days=1), rng)
    justering = meeting + dt.timedelta(days=rng.randrange(3, 13))
    signing = justering >= end  # not yet signed by all
    withdrawn = not signing and rng.random() < 0.01
    sealed_at = _at(justering, rng, 12, 16)
    status = "signing" if signing else "withdrawn" if withdrawn else (
        "posted" if justering + dt.timedelta(days=APPEAL_DAYS) > end else "archived")
    sink.add("protocol", dict(id=pid, organisation_id=org_id, board_id=board_id, meeting_date=meeting, status=status,
                              created_by=f"sekreterare@{slug}.example.se", created_at=created,
                              updated_at=created if signing else sealed_at, kind="protokoll", parent_id=None,
                              paragraphs=[], recipients=[]))
    event = _events(sink, ids, org_id, pid)
    event("created", created, actor=f"sekreterare@{slug}.example.se", version=1)
    signers = [(ROLES[i], _name(rng)) for i in range(rng.randrange(3, 6))]
    versions = 2 if rng.random() < 0.05 else 1
    for number in range(1, versions + 1):
        ids["version"] += 1
        vid, last = ids["version"], number == versions
        original = _sha(rng)
        sealed_sha = _sha(rng) if last and status in ("posted", "archived") else None
        sink.add("protocol_version", dict(
            id=vid, protocol_id=pid, number=number, original_sha256=original,
            original_size=rng.randrange(80_000, 3_000_000), page_count=rng.randrange(4, 80), filename="protokoll.pdf",
            working_sha256=sealed_sha or _sha(rng), sealed_sha256=sealed_sha, voided=not last or withdrawn,
            seal_pending=False, seal_blocked=None, seal_blocked_at=None, uploaded_by=f"sekreterare@{slug}.example.se",
            created_at=created, sealed_at=sealed_at if sealed_sha else None))
        for position, (role, name) in enumerate(signers):
            ids["request"] += 1
            rid = ids["request"]
            done = last and not withdrawn and (not signing or position < len(signers) // 2)
            state = "signed" if done else "voided" if (not last or withdrawn) else (
                "active" if position == len(signers) // 2 else "waiting")
            signed_at = (created + (sealed_at - created) * (position + 1) / (len(signers) + 1)) if done else None
            email = f"{name.lower().replace(' ', '.')}@{slug}.example.se"
            sink.add("signature_request", dict(
                id=rid, version_id=vid, position=position, name=name, email=email, role=role, status=state,
                token_hash=_sha(rng) if state == "active" else None, token_expires_at=None, code_hash=None,
                code_expires_at=None, code_attempts=0, sent_at=signed_at or (created if state == "active" else None),
                last_reminded_at=None, opened_at=signed_at, verified_at=signed_at, claimed_by=None,
                signed_at=signed_at, decline_reason=None, personnummer_hash=None,
                identified_by="email_code" if done else None, identity_match=None, identified_at=signed_at))
            if done:
                event("sent", signed_at - dt.timedelta(hours=20), request_id=rid, to=email)
                event("opened", signed_at - dt.timedelta(minutes=3), request_id=rid)
                event("code_sent", signed_at - dt.timedelta(minutes=2), request_id=rid, to=email)
                event("signed", signed_at, request_id=rid, actor=email, name=name, role=role)
        if not last:
            event("voided", created + dt.timedelta(hours=2), actor=f"sekreterare@{slug}.example.se", version=number)
    if withdrawn:
        event("withdrawn", sealed_at, actor=f"sekreterare@{slug}.example.se", reason="Fel protokoll")
        return
    if signing:
        return
    ids["sealed"] += 1
    sink.add("sealed_file", dict(id=ids["sealed"], version_id=vid, number=0, sha256=sealed_sha, created_at=sealed_at,
                                 tsa_expires_at=sealed_at + dt.timedelta(days=3650)))
    event("sealed", sealed_at)
    sealed.append((sealed_at, pid, dict(original_sha256=original, sealed_sha256=sealed_sha, organisation_id=slug,
                                        board=board_name, meeting_date=meeting, sealed_at=sealed_at)))
    _notice(sink, rng, ids, event, end, org_id=org_id, pid=pid, board_name=board_name, meeting=meeting,
            justering=justering, sealed_at=sealed_at, signers=signers)


def _events(sink: Sink, ids: dict, org_id: int, pid: int):
    def event(kind: str, at: dt.datetime, *, request_id: int | None = None, actor: str = "", **detail) -> None:
        ids["event"] += 1
        sink.add("event", dict(id=ids["event"], organisation_id=org_id, protocol_id=pid, request_id=request_id,
                               kind=kind, actor=actor, detail=detail, at=at))
    return event


def _notice(sink: Sink, rng: random.Random, ids: dict, event, end: dt.date, *, org_id: int, pid: int,
            board_name: str, meeting: dt.date, justering: dt.date, sealed_at: dt.datetime, signers) -> None:
    ids["notice"] += 1
    takedown = justering + dt.timedelta(days=APPEAL_DAYS)
    early = rng.random() < 0.005  # staff took it down before its date
    if early:
        takedown = justering + dt.timedelta(days=rng.randrange(1, APPEAL_DAYS))
    down = takedown <= end
    title = f"Protokoll från {board_name} {meeting.isoformat()}"
    sink.add("notice", dict(
        id=ids["notice"], organisation_id=org_id, protocol_id=pid, kind="bevis_om_justering",
        title=title, body="", board_name=board_name, search_text=search_text(title, board_name),
        meeting_date=meeting, justering_date=justering, posted_date=justering,
        appeal_last_day=justering + dt.timedelta(days=APPEAL_DAYS - 1), takedown_date=takedown,
        forvaringsplats="Kommunkansliet", signers=[] if down else [{"name": n, "role": r} for r, n in signers],
        status="archived" if down else "posted", created_at=sealed_at,
        archived_at=dt.datetime.combine(takedown, dt.time(1), UTC) if down else None,
        correction_note="", corrected_at=None, takedown_reason="Fel bilaga" if early and down else ""))
    event("posted", sealed_at)
    if down:
        event("taken_down", dt.datetime.combine(takedown, dt.time(1), UTC), notice_id=ids["notice"])


def _transparency_log(sink: Sink, key, sealed: list, origin: str, has_nodes: bool) -> None:
    """Leaves in sealing order, a signed checkpoint per size, and every complete subtree's hash."""
    sealed.sort(key=lambda item: (item[0], item[1]))
    sink.add("log_checkpoint", dict(tree_size=0, root_hash=EMPTY_ROOT.hex(), note=sign_checkpoint(
        Checkpoint(origin, 0, EMPTY_ROOT), key), cosignatures="", created_at=sealed[0][0] if sealed else
        dt.datetime.now(UTC)))
    stack: list[tuple[int, bytes]] = []  # the compact range: (level, hash), levels decreasing
    for index, (at, _pid, fields) in enumerate(sealed):
        leaf = encode_leaf(SealedProtocolEntry(**fields))
        node = (0, hash_leaf(leaf))
        sink.add("log_entry", dict(index=index, leaf=leaf, leaf_hash=node[1].hex(),
                                   original_sha256=fields["original_sha256"],
                                   sealed_sha256=fields["sealed_sha256"], created_at=at))
        position = index
        while stack and stack[-1][0] == node[0]:
            left = stack.pop()
            position >>= 1
            node = (node[0] + 1, hash_children(left[1], node[1]))
            if has_nodes:
                sink.add("log_node", dict(level=node[0], position=position, hash=node[1].hex()))
        stack.append(node)
        root = stack[-1][1]
        for _level, left_hash in reversed(stack[:-1]):
            root = hash_children(left_hash, root)
        size = index + 1
        sink.add("log_checkpoint", dict(tree_size=size, root_hash=root.hex(), cosignatures="", created_at=at,
                                        note=sign_checkpoint(Checkpoint(origin, size, root), key)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", choices=sorted(PROFILES), default="municipality")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the organisations (country) or "
                        "meetings (municipality)")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--end", type=dt.date.fromisoformat, default=None, help="the last day (default today)")
    parser.add_argument("--instance", required=True, help="instance directory: the log key is made here")
    parser.add_argument("--db", default=None, help="database URL (default: SQLite in the instance directory); "
                        "must be empty")
    args = parser.parse_args(argv)
    url = args.db or f"sqlite:///{os.path.abspath(args.instance)}/signering.sqlite3"
    made = generate(url, args.instance, profile=args.profile, scale=args.scale, seed=args.seed, end=args.end)
    print(json.dumps(made, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
