"""The journal of aleph-tui before SQLite: ``journal.jsonl``, one JSON object a line.

It is read once, record by record, and whatever can be recovered is kept. What crashes
and hands did to such files, and what is done about it:

- a crash mid-write leaves a torn last line without its newline; the next record was then
  appended to it (``{"id":"a","sta{"id":"b",…}``): the objects glued after the torn part
  are found and kept, the torn part is reported;
- bytes that are not UTF-8: replaced (U+FFFD) and reported, the rest of the record kept;
- a valid JSON line with fields of the wrong types (``"details": null``, ``"updated_at":
  "yesterday"``): reported and skipped, with the reason naming the field.

The file itself is renamed, not deleted, so a skipped line can still be read by a person.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from aleph_tui.core.journal.journal_records import InvalidRecord, Operation, operation_from_dict

_ID = re.compile(r'"id"\s*:\s*"([^"]{1,64})"')
_DECODER = json.JSONDecoder()


@dataclass
class LegacyRead:
    operations: list[Operation] = field(default_factory=list)  # in file order
    skipped: dict[int, str] = field(default_factory=dict)  # line number → why
    repaired: dict[int, str] = field(default_factory=dict)  # line number → what was done

    def summary(self, source: Path, kept_as: Path, target: Path) -> str:
        """One line for the user: what was migrated, which lines could not be."""
        text = f"{source} was migrated to {target}: {len(self.operations)} records"
        if self.skipped:
            lines = ", ".join(str(n) for n in sorted(self.skipped))
            count = len(self.skipped)
            text += (
                f"; {count} line{'s' if count > 1 else ''} could not be read "
                f"(line{'s' if count > 1 else ''} {lines}: "
                f"{self.skipped[min(self.skipped)]}{', …' if count > 1 else ''}), "
                f"kept in {kept_as}"
            )
        if self.repaired:
            lines = ", ".join(str(n) for n in sorted(self.repaired))
            text += f"; bytes that are not UTF-8 were replaced on line(s) {lines}"
        return text


def read_legacy(path: Path) -> LegacyRead:
    """Every record of ``path`` that can be recovered, and why the others could not."""
    result = LegacyRead()
    for number, raw in enumerate(path.read_bytes().split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            line = raw.decode()
        except UnicodeDecodeError:
            line = raw.decode(errors="replace")
            result.repaired[number] = "bytes that are not UTF-8 replaced"
        _read_line(line, number, result)
    return result


def _read_line(line: str, number: int, result: LegacyRead) -> None:
    problems: list[str] = []
    position, torn_from = 0, None
    while position < len(line):
        if line[position].isspace():
            position += 1
            continue
        try:
            data, end = _DECODER.raw_decode(line, position)
        except ValueError:
            data, end = None, -1
        if end < 0 or (torn_from is not None and not _is_record(data)):
            # Not a record here: the rest of a torn one. Look for the next record start.
            if torn_from is None:
                torn_from = position
            following = line.find("{", position + 1)
            if following < 0:
                break
            position = following
            continue
        if torn_from is not None:
            problems.append(_torn(line[torn_from:position]))
            torn_from = None
        try:
            result.operations.append(operation_from_dict(data))
        except InvalidRecord as exc:
            problems.append(str(exc))
        position = end
    if torn_from is not None:
        problems.append(_torn(line[torn_from:]))
    if problems:
        result.skipped[number] = "; ".join(problems)


def _is_record(data: object) -> bool:
    """Looks like a whole record (an inner ``details`` object does not)."""
    return isinstance(data, dict) and "id" in data and "status" in data


def _torn(fragment: str) -> str:
    found = _ID.search(fragment)
    which = f" of operation {found.group(1)}" if found else ""
    return f"a record{which} cut off by a crash"
