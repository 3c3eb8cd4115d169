"""``aleph-tui completion bash|zsh``: the shell completion script, made by shtab from the
very parser the commands use, so it always knows every command and option."""

from __future__ import annotations

import argparse
from typing import Any

SHELLS = ("bash", "zsh")


def register(sub: Any) -> None:
    completion = sub.add_parser(
        "completion",
        help="print the shell completion script (bash or zsh)",
        description="Print the completion script for a shell. Bash: "
        'eval "$(aleph-tui completion bash)" in ~/.bashrc. Zsh: '
        "aleph-tui completion zsh > ~/.zfunc/_aleph-tui, with ~/.zfunc in $fpath.",
    )
    completion.add_argument("shell", choices=SHELLS, help="the shell to complete for")
    completion.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import shtab

    from aleph_tui.cli import build_parser

    print(shtab.complete(build_parser(), shell=args.shell), end="")
    return 0
