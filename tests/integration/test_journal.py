"""The journal on SQLite (issue 13): real database files, real processes killed with
SIGKILL while they write or hold a claim, real torn and damaged files.

- a writer killed at random moments leaves every step it committed, and nothing else;
- an old ``journal.jsonl`` (torn line with a record glued on, bytes that are not UTF-8,
  fields of the wrong types) is migrated once, the unreadable lines told in one line;
- rows of the wrong types in the database are reported and skipped, never fatal;
- a damaged database is moved aside (both paths told) and its records salvaged;
- two processes racing to claim one operation: one wins; a dead holder blocks nothing;
- ``pending --dismiss`` / ``--list --all``, and "Open operations" in the dashboard;
- a hypothesis state machine: writers in two processes, crashes inside transactions,
  dismissals, claims and readers, against a model.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from aleph_tui.core.flows.payment_scan import FoundPayment, PaymentScan, follow
from aleph_tui.core.journal.journal_records import state_json
from aleph_tui.core.journal.operation_journal import InvalidRecord, Journal, Operation
from aleph_tui.core.networks import Network, devnet_from_document
from aleph_tui.core.service import CreditService
from tests.support.credit_helpers import ROOT, cli_env, run_main, wait_until
from tests.support.devnet_process import RunningDevnet
from tests.support.isolation import isolated
from tests.support.journal_worker import STEPS
from tests.support.ui_app import SIZE, UiTestApp, make_store, until

ACCOUNT = "0x" + "ab" * 20


# --- real processes -------------------------------------------------------------------


class Worker:
    """``tests/support/journal_worker.py`` in a process of its own; its stdout read line by line."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.journal_worker", *args],
            cwd=ROOT,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.strip())
        self.lines.put(None)

    def next_line(self, timeout: float = 60) -> str:
        line = self.lines.get(timeout=timeout)
        assert line is not None, f"the worker ended (exit {self.process.wait()})"
        self.seen.append(line)
        return line

    def send(self, command: dict[str, Any]) -> str:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self.next_line()

    def kill(self, *, reap: bool = True) -> list[str]:
        """SIGKILL; every line it printed before dying."""
        self.process.send_signal(signal.SIGKILL)
        if not reap:
            return []
        self.process.wait()
        self._reader.join(timeout=30)
        while (line := self.lines.get_nowait() if not self.lines.empty() else None) is not None:
            self.seen.append(line)
        with contextlib.suppress(OSError):
            assert self.process.stdin is not None
            self.process.stdin.close()
        return self.seen

    def close(self) -> None:
        if self.process.poll() is None:
            self.kill()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


def _state(op_id: str, status: str = "submitted", **fields: Any) -> dict[str, Any]:
    """A record as the journal of old wrote it (``asdict(Operation)``)."""
    state: dict[str, Any] = {
        "kind": "transfer",
        "network": "devnet",
        "account": ACCOUNT,
        "status": status,
        "details": {"item_hash": op_id * 4, "amount": 1000, "recipient": ACCOUNT},
        "id": op_id,
        "updated_at": 1_770_000_000.5,
        "error": None,
    }
    return state | fields


def _line(state: dict[str, Any]) -> bytes:
    return json.dumps(state, separators=(",", ":")).encode()


def _integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        conn.close()


# --- kill while writing -----------------------------------------------------------------


def test_a_writer_killed_at_any_moment_keeps_every_step_it_committed(tmp_path: Path) -> None:
    """A process records steps in a loop and prints each after its commit; it is killed
    at a different moment each round. Every printed step is there, no step it did not
    reach, each operation's steps in order, and the file passes integrity_check."""
    db = tmp_path / "journal.sqlite3"
    printed: dict[str, int] = {}
    unprinted: set[str] = set()
    start = 0
    moments = random.Random(13)
    for _ in range(5):
        worker = Worker("loop", str(db), str(start))
        target = moments.randint(3, 120)
        for _ in range(target):
            worker.next_line()
        for line in worker.kill():
            index, step = map(int, line.split())
            printed[f"op{index:06d}"] = step
            start = max(start, index + 1)

        journal = Journal(db)
        stored = {op.id: op for op in journal.operations()}
        assert journal.problems == []
        for op_id, step in printed.items():
            # Committed before it was printed; at most the next step committed unprinted.
            assert stored[op_id].details["step"] in (step, min(step + 1, len(STEPS) - 1))
        # At most one new operation the kill beat printing: its first step, committed.
        new = set(stored) - set(printed) - unprinted
        assert len(new) <= 1 and all(stored[i].details["step"] == 0 for i in new)
        unprinted |= new
        for op_id, op in stored.items():
            history = [s.details["step"] for s in journal.history(op_id)]
            assert history == list(range(op.details["step"] + 1))
            assert op.status == STEPS[op.details["step"]]
        journal.close()
        start = max([start, *(int(i[2:]) + 1 for i in stored)])
        assert _integrity(db) == "ok"
    assert len(printed) >= 5


def test_a_writer_killed_inside_its_transaction_leaves_the_state_before(tmp_path: Path) -> None:
    db = tmp_path / "journal.sqlite3"
    worker = Worker("serve", str(db))
    try:
        assert worker.send({"record": _state("a", "signed")}) == "ok"
        assert worker.send({"hang": _state("a", "completed")}) == "inside"
    finally:
        worker.kill()
    journal = Journal(db)
    (op,) = journal.operations()
    assert (op.id, op.status) == ("a", "signed")
    assert [s.status for s in journal.history("a")] == ["signed"]
    journal.record(op, status="submitted")  # the file takes writes again
    assert Journal(db).operations()[0].status == "submitted"


# --- validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"details": None}, "details"),
        ({"updated_at": "yesterday"}, "updated_at"),
        ({"status": "lost"}, "status"),
        ({"error": 42}, "error"),
        ({"account": ""}, "account"),
        ({"details": {"amount": float("nan")}}, "details"),
        ({"details": {"amount": object()}}, "details"),
    ],
)
def test_a_record_with_wrong_types_is_refused_and_nothing_is_written(
    tmp_path: Path, changes: dict[str, Any], field: str
) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    op = journal.record(Operation("buy", "devnet", ACCOUNT, "signed", {"tx_hash": "0x1"}))
    if "updated_at" in changes:  # record sets the time itself: build the bad one directly
        with pytest.raises(InvalidRecord, match=field):
            state_json(replace(op, **changes))
        return
    with pytest.raises(InvalidRecord, match=field):
        journal.record(op, **changes)
    assert [s.status for s in Journal(journal.path).history(op.id)] == ["signed"]


# --- robust reading ---------------------------------------------------------------------


def _bad_rows(db: Path, good_op: str) -> None:
    """Rows no version of the journal writes, as a bug or a hand might leave them."""
    conn = sqlite3.connect(db, isolation_level=None)
    rows = [
        ("nulls", json.dumps(_state("nulls", details=None))),
        ("when", json.dumps(_state("when", updated_at="yesterday"))),
        ("kind", json.dumps(_state("kind", kind="swap"))),
        ("list", "[1, 2]"),
        (good_op, json.dumps(_state(good_op, status="bogus"))),  # its latest step, broken
    ]
    conn.executemany(
        "INSERT INTO steps (op_id, network, status, state) VALUES (?, 'devnet', 'x', ?)", rows
    )
    # Bytes that are not UTF-8, stored as text.
    bad = _line(_state("bytes")).replace(b'"error":null', b'"error":"\xff\xfe"')
    conn.execute(
        "INSERT INTO steps (op_id, network, status, state)"
        " VALUES ('bytes', 'devnet', 'x', CAST(? AS TEXT))",
        (bad,),
    )
    conn.close()


def test_rows_of_the_wrong_types_are_reported_and_skipped(tmp_path: Path) -> None:
    db = tmp_path / "journal.sqlite3"
    journal = Journal(db)
    ok = journal.record(Operation("transfer", "devnet", ACCOUNT, "signed", {"item_hash": "h"}))
    ok = journal.record(ok, status="submitted")
    other = journal.record(Operation("buy", "devnet", ACCOUNT, "signed", {"tx_hash": "0x2"}))
    _bad_rows(db, ok.id)

    reader = Journal(db)
    ops = {op.id: op for op in reader.operations()}
    # The broken latest step of `ok` does not hide it: its last readable state is used.
    assert {i: op.status for i, op in ops.items()} == {ok.id: "submitted", other.id: "signed"}
    problems = "\n".join(reader.problems)
    for op_id in ("nulls", "when", "kind", "list", "bytes", ok.id):
        assert f"operation {op_id} cannot be read" in problems, op_id
    assert "details: must be an object" in problems and "updated_at" in problems
    assert [op.id for op in reader.open_operations("devnet")] == [ok.id, other.id]


def test_pending_reads_past_bad_rows_and_says_so(devnet: RunningDevnet, tmp_path: Path) -> None:
    env = cli_env(devnet.api_url, tmp_path)
    db = tmp_path / "data" / "aleph-tui" / "journal.sqlite3"
    ok = Journal(db).record(Operation("transfer", "devnet", ACCOUNT, "submitted", {"x": 1}))
    _bad_rows(db, ok.id)
    listed = run_main(env, {"list": ["pending", "--network", "devnet", "--list", "--json"]})
    out = listed["list"]
    assert out.returncode == 0, out.stderr
    assert [op["id"] for op in json.loads(out.stdout)["operations"]] == [ok.id]
    assert "operation nulls cannot be read" in out.stderr
    assert len(json.loads(out.stdout)["notices"]) == 6


# --- migration of journal.jsonl ---------------------------------------------------------


def _damaged_jsonl(path: Path) -> dict[str, dict[str, Any]]:
    """The file of the issue; the records it holds that can be recovered, by id."""
    a1, a2 = _state("a" * 32, "signed"), _state("a" * 32, "submitted", updated_at=1_770_000_001)
    b = _state("b" * 32, "submitted")  # written after a crash tore a2: glued onto it
    c = _state("c" * 32, "submitted", error="\xe9")
    later = _state("e" * 32, "submitted")
    lines = [
        _line(a1),
        _line(a2)[:57] + _line(b),  # torn mid-record, then the next record appended
        _line(c).replace(b"\\u00e9", b"\xe9"),  # latin-1, not UTF-8
        _line(_state("d1" * 16, details=None)),
        _line(_state("d2" * 16, updated_at="yesterday")),
        b"\xff\xfe not json",
        _line(later),
        _line(_state("f" * 32))[:30],  # the last line torn, no newline
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\n".join(lines))
    return {"a" * 32: a1, "b" * 32: b, "c" * 32: c, "e" * 32: later}


def test_a_torn_and_damaged_jsonl_is_migrated_once_and_its_bad_lines_told(
    devnet: RunningDevnet, tmp_path: Path
) -> None:
    """The issue: a torn last line with a record glued onto it, a non-UTF-8 byte, fields
    of the wrong types. `pending --list` shows every recoverable operation (the glued one
    too), tells the unreadable lines in one line, and keeps the file."""
    env = cli_env(devnet.api_url, tmp_path)
    legacy = tmp_path / "data" / "aleph-tui" / "journal.jsonl"
    recoverable = _damaged_jsonl(legacy)
    original = legacy.read_bytes()

    first = run_main(env, {"list": ["pending", "--network", "devnet", "--list", "--json"]})["list"]
    assert first.returncode == 0, first.stderr
    listed = {op["id"]: op for op in json.loads(first.stdout)["operations"]}
    assert set(listed) == set(recoverable)
    assert listed["b" * 32]["status"] == "submitted"  # the record glued onto the torn one
    assert listed["a" * 32]["status"] == "signed"  # its torn "submitted" step was never whole
    (notice,) = first.stderr.splitlines()
    kept = legacy.with_name("journal.jsonl.migrated")
    assert f"{legacy} was migrated to {legacy.with_suffix('.sqlite3')}" in notice
    assert "5 lines could not be read (lines 2, 4, 5, 6, 8" in notice and str(kept) in notice
    assert "not UTF-8 were replaced on line(s) 3, 6" in notice
    assert not legacy.exists() and kept.read_bytes() == original  # every byte kept

    again = run_main(env, {"list": ["pending", "--network", "devnet", "--list", "--json"]})["list"]
    assert again.returncode == 0 and again.stderr == ""  # told once
    assert json.loads(again.stdout)["operations"] == json.loads(first.stdout)["operations"]


def test_migration_interrupted_before_the_rename_adds_nothing_twice(tmp_path: Path) -> None:
    legacy = tmp_path / "journal.jsonl"
    recoverable = _damaged_jsonl(legacy)
    journal = Journal(tmp_path / "journal.sqlite3")
    assert {op.id for op in journal.operations()} == set(recoverable)
    steps = {op_id: len(journal.history(op_id)) for op_id in recoverable}
    assert len(journal.take_notices()) == 1
    journal.close()
    # A crash between the commit and the rename: the file is still there next time.
    shutil.copyfile(tmp_path / "journal.jsonl.migrated", legacy)
    reopened = Journal(tmp_path / "journal.sqlite3")
    assert {op_id: len(reopened.history(op_id)) for op_id in recoverable} == steps
    assert reopened.take_notices() == []
    assert not legacy.exists()


def test_a_jsonl_path_names_the_old_journal_and_the_database_goes_beside_it(
    tmp_path: Path,
) -> None:
    legacy = tmp_path / "journal.jsonl"
    legacy.write_bytes(_line(_state("z" * 32)) + b"\n")
    journal = Journal(legacy)
    assert journal.path == tmp_path / "journal.sqlite3"
    assert [op.id for op in journal.operations()] == ["z" * 32]
    assert (tmp_path / "journal.jsonl.migrated").exists()


# --- a damaged database -----------------------------------------------------------------


def _filled(db: Path, count: int) -> dict[str, Operation]:
    journal = Journal(db)
    ops = {}
    for n in range(count):
        op = journal.record(
            Operation("buy", "devnet", ACCOUNT, "signed", {"tx_hash": f"0x{n:064x}", "n": n})
        )
        ops[op.id] = journal.record(op, status="submitted")
    journal.close()  # the last connection checkpoints the WAL into the file
    return ops


def test_a_damaged_database_is_moved_aside_and_its_readable_records_kept(
    tmp_path: Path,
) -> None:
    db = tmp_path / "journal.sqlite3"
    ops = _filled(db, 300)
    assert not db.with_name(db.name + "-wal").exists()
    data = bytearray(db.read_bytes())
    page = 4096
    middle = (len(data) // page // 2) * page
    data[middle : middle + 16] = b"\xee" * 16  # one b-tree page's header destroyed
    db.write_bytes(bytes(data))
    assert _integrity(db) != "ok"

    journal = Journal(db)
    recovered = {op.id: op for op in journal.operations()}
    (notice,) = journal.take_notices()
    (aside,) = tmp_path.glob("journal.sqlite3.corrupt-*")
    assert f"The journal {db} was damaged" in notice and f"moved to {aside}" in notice
    assert aside.read_bytes() == bytes(data)  # kept exactly as it was found
    assert len(recovered) >= 0.9 * len(ops), len(recovered)
    for op_id, op in recovered.items():  # what was kept is what was recorded
        assert (op.status, op.details) == (ops[op_id].status, ops[op_id].details)
    assert f"the {len(recovered)} operations that could be read" in notice
    assert _integrity(db) == "ok"
    journal.record(next(iter(recovered.values())), status="completed")


def test_a_file_that_is_no_database_is_moved_aside(tmp_path: Path) -> None:
    db = tmp_path / "journal.sqlite3"
    db.write_bytes(b"this is not a database\n" * 200)
    journal = Journal(db)
    assert journal.operations() == []
    op = journal.record(Operation("buy", "devnet", ACCOUNT, "signed", {}))
    (aside,) = tmp_path.glob("journal.sqlite3.corrupt-*")
    (notice,) = journal.take_notices()
    assert str(db) in notice and str(aside) in notice
    assert aside.read_bytes() == b"this is not a database\n" * 200
    assert [o.id for o in Journal(db).operations()] == [op.id]


# --- permissions ------------------------------------------------------------------------


def test_the_journal_files_are_private(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    db = tmp_path / "data" / "aleph-tui" / "journal.sqlite3"
    Journal(db).record(Operation("buy", "devnet", ACCOUNT, "signed", {}))
    for directory in (db.parent, db.parent.parent):
        assert directory.stat().st_mode & 0o777 == 0o700, directory
    assert tmp_path.stat().st_mode & 0o777 == 0o755  # not ours: left as it was
    files = list(db.parent.iterdir())
    assert db in files and len(files) >= 2
    for file in files:
        assert file.stat().st_mode & 0o777 == 0o600, file


def test_reading_a_journal_that_does_not_exist_creates_nothing(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "data" / "journal.sqlite3")
    assert journal.operations() == [] and journal.open_operations() == []
    assert journal.take_notices() == [] and journal.holders() == {}
    assert not (tmp_path / "data").exists()


# --- claims -----------------------------------------------------------------------------


def test_two_processes_racing_for_one_operation_only_one_wins(tmp_path: Path) -> None:
    db = tmp_path / "journal.sqlite3"
    journal = Journal(db)
    for round_ in range(4):
        op = journal.record(Operation("buy", "devnet", ACCOUNT, "submitted", {"r": round_}))
        journal.release(op.id)  # as if the process that recorded it were gone
        barrier = tmp_path / f"go-{round_}"
        workers = [Worker("claim", str(db), op.id, str(barrier)) for _ in range(2)]
        try:
            assert [w.next_line() for w in workers] == ["ready", "ready"]
            barrier.touch()
            said = [w.next_line() for w in workers]
            assert sorted(said) == ["lost", "won"], said
            winner = workers[said.index("won")]
            assert journal.claim(op.id) is False  # this process neither, while it lives
            holder = journal.holders()[op.id]
            assert holder.pid == winner.process.pid
            # Killed and not even reaped yet (a zombie): its claim holds no more.
            winner.kill(reap=False)
            wait_until(
                _freed(journal, winner.process.pid),
                timeout=30,
                what="the dead holder's claim to lapse",
            )
            assert journal.claim(op.id) is True
        finally:
            for worker in workers:
                worker.close()


def _freed(journal: Journal, pid: int) -> Callable[[], bool]:
    return lambda: pid not in {h.pid for h in journal.holders().values()}


def test_a_claim_from_another_host_holds_until_its_lease_ends(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    op = journal.record(Operation("buy", "devnet", ACCOUNT, "submitted", {}))
    conn = sqlite3.connect(journal.path, isolation_level=None)
    claim = "INSERT OR REPLACE INTO claims VALUES (?, 'them', 'elsewhere', 1, '', ?)"
    conn.execute(claim, (op.id, time.time() + 60))
    assert journal.claim(op.id) is False
    assert journal.open_operations() == []  # not this process's to follow
    assert [o.id for o in journal.open_operations(include_held=True)] == [op.id]
    conn.execute(claim, (op.id, time.time() - 1))
    conn.close()
    assert journal.claim(op.id) is True


async def test_follow_leaves_an_operation_another_process_follows(tmp_path: Path) -> None:
    """`pending` and the dashboard follow only what they could claim: an operation that
    a live process is executing (it recorded its last step) is reported "being followed
    by another process (pid N)", and not touched; once that process is killed, it is
    free again."""
    db = tmp_path / "journal.sqlite3"
    journal = Journal(db)
    state = _state("x" * 32, "submitted", kind="buy", details={"tx_hash": "0x" + "1" * 64})
    del state["updated_at"], state["error"]
    worker = Worker("serve", str(db))
    try:
        assert worker.send({"record": state}) == "ok"
        (op,) = journal.operations()
        # No chain, no node: following the buy would fail loudly here.
        network = Network("devnet", "http://127.0.0.1:9", rpc_url="http://127.0.0.1:9")
        service = CreditService(network, journal=journal)
        (reported,) = await service.follow_open_operations()
        await service.aclose()
        assert reported.id == op.id and reported.status == "submitted"
        waiting = f"being followed by another process (pid {worker.process.pid})"
        assert reported.details["waiting"] == waiting
        assert [s.status for s in journal.history(op.id)] == ["submitted"]  # untouched
        assert [o.id for o in service.open_operations()] == [op.id]  # still listed
    finally:
        worker.close()
    assert journal.holders() == {}
    assert [o.id for o in journal.open_operations("devnet")] == [op.id]


# --- dismiss ----------------------------------------------------------------------------


def test_pending_dismiss_stops_following_and_list_all_still_shows_it(
    devnet: RunningDevnet, tmp_path: Path
) -> None:
    env = cli_env(devnet.api_url, tmp_path)
    db = tmp_path / "data" / "aleph-tui" / "journal.sqlite3"
    journal = Journal(db)
    stuck = journal.record(Operation("transfer", "devnet", ACCOUNT, "submitted", {"x": 1}))
    done = journal.record(Operation("transfer", "devnet", ACCOUNT, "completed", {"x": 2}))
    journal.close()
    pending = ["pending", "--network", "devnet"]

    runs = run_main(
        env,
        {
            "list": [*pending, "--list"],
            "unknown": [*pending, "--dismiss", "f00"],
            "empty": [*pending, "--dismiss", " "],
            "all-alone": [*pending, "--all"],
            "dismiss": [*pending, "--dismiss", stuck.id[:10]],
            "again": [*pending, "--dismiss", stuck.id, "--json"],
            "settled": [*pending, "--dismiss", done.id],
            "after": [*pending, "--list"],
            "follow": [*pending, "--json"],
            "everything": [*pending, "--list", "--all", "--json"],
        },
    )
    assert runs["list"].stdout.startswith(stuck.id + "  transfer of None credits")
    for name in ("unknown", "empty", "all-alone"):
        assert runs[name].returncode == 2, name
        assert len(runs[name].stderr.splitlines()) == 1, runs[name].stderr
    assert runs["unknown"].stderr.startswith("aleph-tui: --dismiss: no operation f00 on devnet")
    # Every empty value is refused by the parser, naming the option.
    assert "argument --dismiss: must not be empty" in runs["empty"].stderr
    assert runs["all-alone"].stderr.startswith("aleph-tui: --all: only with --list")
    assert runs["dismiss"].returncode == 0
    assert runs["dismiss"].stdout.startswith(f"Dismissed {stuck.id}:")
    assert json.loads(runs["again"].stdout)["operations"][0]["dismissed"] is True
    assert runs["settled"].stdout.startswith(f"Nothing to dismiss: {done.id} is settled")
    assert runs["after"].stdout.strip() == "No open operations on devnet."
    assert json.loads(runs["follow"].stdout)["operations"] == []  # not followed any more
    everything = {op["id"]: op for op in json.loads(runs["everything"].stdout)["operations"]}
    assert everything[stuck.id]["status"] == "submitted" and everything[stuck.id]["dismissed"]
    assert everything[done.id]["status"] == "completed" and not everything[done.id]["dismissed"]
    assert [s.status for s in Journal(db).history(stuck.id)] == ["submitted"]


async def test_the_dashboard_lists_open_operations_and_dismisses_one(
    devnet: RunningDevnet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An operation another process follows is announced with that note; "Open
    operations" in the command palette lists it, and `d` dismisses it."""
    from textual.widgets import OptionList

    from aleph_tui.core.networks import devnet_from_document
    from aleph_tui.ui.screens.open_operations_modal import OpenOperationsModal

    db = tmp_path / "journal.sqlite3"
    journal = Journal(db)
    op = journal.record(Operation("transfer", "devnet", ACCOUNT, "submitted", {"x": 1}))
    journal.release(op.id)  # as if the process that recorded it were gone
    (tmp_path / "go").touch()
    worker = Worker("claim", str(db), op.id, str(tmp_path / "go"))
    try:
        assert [worker.next_line(), worker.next_line()] == ["ready", "won"]
        with isolated(tmp_path, monkeypatch):
            service = CreditService(
                devnet_from_document(devnet.document),
                journal=journal,
                accounts=make_store(tmp_path),
            )
            app = UiTestApp(service)
            async with app.run_test(size=SIZE) as pilot:
                note = f"being followed by another process (pid {worker.process.pid})"
                await until(pilot, lambda: note in "\n".join(app.notified), "the note")
                await pilot.press("ctrl+p", *"Open operations")
                await until(pilot, lambda: _palette_has(app, "Open operations"), "the hit")
                await pilot.press("enter")
                await until(pilot, lambda: isinstance(app.screen, OpenOperationsModal), "the list")
                options = app.screen.query_one("#operations", OptionList)
                assert options.option_count == 1
                assert op.id[:12] in str(options.get_option_at_index(0).prompt)
                options.highlighted = 0
                await pilot.press(app.key_for("dismiss-operation") or "d")
                await until(pilot, lambda: "Dismissed:" in "\n".join(app.notified), "done")
                assert not isinstance(app.screen, OpenOperationsModal)
    finally:
        worker.close()
    (dismissed,) = Journal(db).operations()
    assert dismissed.dismissed and dismissed.status == "submitted"
    assert Journal(db).open_operations() == []


async def test_the_dashboard_tells_what_the_migration_could_not_read(
    devnet: RunningDevnet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aleph_tui.core.networks import devnet_from_document

    legacy = tmp_path / "journal.jsonl"
    kept = _line(_state("k" * 32, network="mainnet"))
    legacy.write_bytes(kept[:50] + kept + b"\n" + _line(_state("n" * 32, details=None)))
    with isolated(tmp_path, monkeypatch):
        service = CreditService(
            devnet_from_document(devnet.document),
            journal=Journal(tmp_path / "journal.sqlite3"),
            accounts=make_store(tmp_path),
        )
        app = UiTestApp(service)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: "could not be read" in "\n".join(app.notified), "it")
    (notice,) = [n for n in app.notified if "could not be read" in n]
    assert "2 lines could not be read (lines 1, 2" in notice and "journal.jsonl.migrated" in notice
    assert [op.id for op in Journal(tmp_path / "journal.sqlite3").operations()] == ["k" * 32]


def _palette_has(app: UiTestApp, text: str) -> bool:
    from textual.command import CommandList

    lists = app.screen.query(CommandList)
    return bool(lists) and any(text in str(option.prompt) for option in lists.first().options)


# --- the state machine ------------------------------------------------------------------

STATUSES = ("signed", "submitted", "confirmed", "completed", "failed")


class JournalMachine(RuleBasedStateMachine):
    """Writers in two processes (one a real subprocess, killed inside its transactions),
    dismissals, claims and readers on one database; every reader must see the model."""

    ops = Bundle("ops")

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="journal-machine-"))
        self.db = self.dir / "journal.sqlite3"
        self.local = Journal(self.db)
        self.worker = Worker("serve", str(self.db))
        self.model: dict[str, tuple[str, dict[str, Any]]] = {}
        self.dismissed: set[str] = set()
        self.holder: dict[str, str] = {}  # op id → "local" | "worker"
        self.count = 0

    def teardown(self) -> None:
        self.worker.close()
        self.local.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _state(self, op_id: str, status: str, n: int) -> dict[str, Any]:
        return {
            "kind": "buy",
            "network": "devnet",
            "account": ACCOUNT,
            "status": status,
            "details": {"n": n},
            "id": op_id,
        }

    @initialize(target=ops)
    def first(self) -> str:
        return self._new_op(in_worker=False)

    @rule(target=ops, in_worker=st.booleans())
    def new_op(self, in_worker: bool) -> str:
        return self._new_op(in_worker)

    def _new_op(self, in_worker: bool) -> str:
        self.count += 1
        op_id = f"op{self.count}"
        self._write(op_id, "signed", in_worker)
        return op_id

    @rule(op_id=ops, status=st.sampled_from(STATUSES), in_worker=st.booleans())
    def step(self, op_id: str, status: str, in_worker: bool) -> None:
        self._write(op_id, status, in_worker)

    def _write(self, op_id: str, status: str, in_worker: bool) -> None:
        """The writer of an open step claims it, unless another process holds it; the
        writer of a final step lets its claim go."""
        self.count += 1
        state = self._state(op_id, status, self.count)
        who = "worker" if in_worker else "local"
        if in_worker:
            assert self.worker.send({"record": state}) == "ok"
        else:
            self.local.record(Operation(**state))
        self.model[op_id] = (status, state["details"])
        if status not in ("completed", "failed"):
            self.holder.setdefault(op_id, who)
        elif self.holder.get(op_id) == who:
            del self.holder[op_id]

    @rule(op_id=ops, status=st.sampled_from(STATUSES))
    def crash_inside_a_write(self, op_id: str, status: str) -> None:
        """The worker is killed inside its transaction: the step never happened, and
        the claims of the dead process hold no more."""
        self.count += 1
        assert self.worker.send({"hang": self._state(op_id, status, self.count)}) == "inside"
        self.worker.kill()
        self.worker = Worker("serve", str(self.db))
        self.holder = {k: v for k, v in self.holder.items() if v != "worker"}

    @rule(op_id=ops)
    def failure_inside_a_write(self, op_id: str) -> None:
        """An error inside the transaction (a full disk, say): rolled back, told."""

        def fail() -> None:
            raise OSError("no space left on device")

        self.local._before_commit = fail
        try:
            with pytest.raises(OSError):
                self.local.record(Operation(**self._state(op_id, "failed", -1)))
        finally:
            self.local._before_commit = None

    @rule(op_id=ops)
    def dismiss(self, op_id: str) -> None:
        if op_id in self.model:
            self.local.dismiss(op_id)
            self.dismissed.add(op_id)
            self.holder.pop(op_id, None)  # a dismissed operation is nobody's to follow

    @rule(op_id=ops, in_worker=st.booleans())
    def claim(self, op_id: str, in_worker: bool) -> None:
        who = "worker" if in_worker else "local"
        won = self.worker.send({"claim": op_id}) == "won" if in_worker else self.local.claim(op_id)
        assert won == (self.holder.get(op_id, who) == who)
        if won:
            self.holder[op_id] = who

    @rule(op_id=ops)
    def release(self, op_id: str) -> None:
        self.local.release(op_id)
        if self.holder.get(op_id) == "local":
            del self.holder[op_id]

    @invariant()
    def readers_see_the_model(self) -> None:
        reader = Journal(self.db)
        try:
            seen = {op.id: (op.status, op.details, op.dismissed) for op in reader.operations()}
            expected = {
                op_id: (status, details, op_id in self.dismissed)
                for op_id, (status, details) in self.model.items()
            }
            assert seen == expected
            open_ = {
                op_id
                for op_id, (status, _) in self.model.items()
                if status not in ("completed", "failed") and op_id not in self.dismissed
            }
            assert {op.id for op in reader.open_operations(include_held=True)} == open_
            # The reader runs in this process: what "local" holds is its own to follow.
            followable = {i for i in open_ if self.holder.get(i) != "worker"}
            assert {op.id for op in reader.open_operations()} == followable
            assert reader.problems == []
        finally:
            reader.close()


def test_journal_machine() -> None:
    run_state_machine_as_test(
        JournalMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


class OvertakenJournal(Journal):
    """A real journal whose reader is overtaken: right after it has looked at what is
    journaled, ``overtake`` runs once (another process, on its own connection)."""

    def __init__(self, path: Path, overtake: Callable[[], object]) -> None:
        super().__init__(path)
        self._overtake: Callable[[], object] | None = overtake

    def operations(self) -> list[Operation]:
        seen = super().operations()
        overtake, self._overtake = self._overtake, None
        if overtake is not None:
            overtake()
        return seen


def test_a_payment_two_watches_find_at_once_is_journaled_once(
    devnet: RunningDevnet, tmp_path: Path
) -> None:
    """Two `credit buy --qr` watches of one address saw the same payment: each looked,
    found it new, and journaled it, so `pending` listed two buys for one transaction.
    The look and the write are now one transaction."""
    network = devnet_from_document(devnet.document)
    payer = devnet.document["accounts"][1]["address"]
    payment = FoundPayment("0x" + "ab" * 32, 7, None, "USDC", 2_000_000, 6, None, None)
    scan = PaymentScan(network.name, payer, "0x" + "cd" * 20, 1, 7, (payment,))
    db = tmp_path / "journal.sqlite3"
    other: list[Operation] = []
    first = OvertakenJournal(
        db, lambda: other.extend(follow(Journal(db), network, scan, (payment,)))
    )
    (mine,) = follow(first, network, scan, (payment,))
    buys = [op for op in Journal(db).operations() if op.kind == "buy"]
    assert len(buys) == 1
    assert [op.id for op in other] == [mine.id] == [buys[0].id]
