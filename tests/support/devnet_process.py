"""The devnet as a subprocess, as users run it (shared with the benchmarks)."""

from aleph_tui.devnet.process import RunningDevnet, start_devnet

__all__ = ["RunningDevnet", "start_devnet"]
