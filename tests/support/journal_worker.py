"""A real process writing to or claiming in a journal, for
tests/integration/test_journal.py to kill.

    python -m tests.support.journal_worker loop DB START     record steps forever, op START on;
                                                     "I K" on stdout after each commit
    python -m tests.support.journal_worker claim DB OP BARRIER
                                                     say "ready", wait for the file
                                                     BARRIER, claim OP,
                                                     print "won" or "lost", hold until
                                                     stdin closes
    python -m tests.support.journal_worker serve DB          JSON commands on stdin, one a line:
        {"record": STATE}       record it; prints "ok"
        {"hang": STATE}         record it but stop inside the transaction: prints
                                "inside" and waits for SIGKILL (never commits)
        {"claim": OP}           prints "won" or "lost"

Every line printed is flushed: what the test reads was done before it was printed.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

from aleph_tui.core.journal.operation_journal import Journal, Operation

STEPS = ("signed", "submitted", "completed")


def loop_op(index: int) -> Operation:
    return Operation("buy", "devnet", "0x" + "ab" * 20, "signed", {"step": 0}, id=f"op{index:06d}")


def _say(text: str) -> None:
    print(text, flush=True)


def _loop(journal: Journal, start: int) -> None:
    index = start
    while True:
        op = loop_op(index)
        for step, status in enumerate(STEPS):
            op = journal.record(op, status=status, details={"step": step})
            _say(f"{index} {step}")
        index += 1


def _claim(journal: Journal, op_id: str, barrier: Path) -> None:
    journal.holders()  # the database opened before the start, so both start even
    _say("ready")
    while not barrier.exists():
        time.sleep(0.001)
    _say("won" if journal.claim(op_id) else "lost")
    sys.stdin.read()


def _serve(journal: Journal) -> None:
    stop = threading.Event()  # never set: a "hang" waits for the SIGKILL
    for line in sys.stdin:
        command = json.loads(line)
        if "claim" in command:
            _say("won" if journal.claim(command["claim"]) else "lost")
            continue
        state = command.get("record") or command["hang"]
        if "hang" in command:

            def hang() -> None:
                _say("inside")
                stop.wait()

            journal._before_commit = hang
        journal.record(Operation(**state))
        _say("ok")


def main(argv: list[str]) -> None:
    mode, db = argv[0], Path(argv[1])
    journal = Journal(db)
    if mode == "loop":
        _loop(journal, int(argv[2]))
    elif mode == "claim":
        _claim(journal, argv[2], Path(argv[3]))
    elif mode == "serve":
        _serve(journal)
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv[1:])
