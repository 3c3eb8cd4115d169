"""The anvil engine: Foundry's anvil as a subprocess, with automine and the dev mnemonic."""

from __future__ import annotations

import asyncio
import logging
import socket
import tempfile
import time
from pathlib import Path
from typing import IO

import aiohttp

from aleph_tui.devnet.chain.engine import DEV_MNEMONIC, ChainUnavailable

logger = logging.getLogger(__name__)

STATE_FILE_NAME = "anvil-state.json"
READY_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0  # anvil writes its state file on exit; give it time
_POLL_INTERVAL_S = 0.02
_PORT_ATTEMPTS = 3
_STDERR_TAIL_BYTES = 2000


def _free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _tail(log: IO[bytes]) -> str:
    log.seek(0)
    text = log.read().decode(errors="replace").strip()
    return text[-_STDERR_TAIL_BYTES:] or "(no output)"


class AnvilChain:
    """A running anvil process. Create it with ``start_anvil``."""

    name = "anvil"

    def __init__(
        self,
        *,
        process: asyncio.subprocess.Process,
        stderr_log: IO[bytes],
        rpc_url: str,
        chain_id: int,
        state_file: Path | None,
    ) -> None:
        self._process = process
        self._stderr_log = stderr_log
        self.rpc_url = rpc_url
        self.chain_id = chain_id
        self.state_file = state_file

    @property
    def pid(self) -> int:
        return self._process.pid

    async def stop(self) -> None:
        """Terminate anvil (it dumps its state file, if any, on the way out)."""
        if self._stderr_log.closed:
            return  # already stopped
        process = self._process
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
            except TimeoutError:
                logger.warning("anvil (pid %d) ignored SIGTERM; killing it", process.pid)
                process.kill()
                await process.wait()
        if process.returncode not in (0, -15):
            logger.warning("anvil exited with %s: %s", process.returncode, _tail(self._stderr_log))
        self._stderr_log.close()
        logger.info("anvil stopped")


def _command(
    binary: Path,
    host: str,
    port: int,
    chain_id: int,
    balance_eth: int,
    state_file: Path | None,
    genesis_timestamp: int | None = None,
) -> list[str]:
    command = [
        str(binary),
        "--host",
        host,
        "--port",
        str(port),
        "--chain-id",
        str(chain_id),
        "--balance",
        str(balance_eth),
        "--mnemonic",
        DEV_MNEMONIC,
        "--silent",
    ]
    if state_file is not None:
        # --state = --load-state (if the file exists) + --dump-state on exit.
        command += ["--state", str(state_file)]
    if genesis_timestamp is not None and not (state_file is not None and state_file.exists()):
        # Only a fresh chain: a loaded state keeps its own blocks.
        command += ["--timestamp", str(genesis_timestamp)]
    return command


async def _wait_ready(
    process: asyncio.subprocess.Process, url: str, chain_id: int, deadline: float
) -> str | None:
    """None once anvil answers eth_chainId; else why not (process exit or timeout)."""
    request = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
    timeout = aiohttp.ClientTimeout(total=1)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                return f"anvil exited with code {process.returncode}"
            try:
                async with session.post(url, json=request) as response:
                    answer = await response.json()
                reported = int(answer["result"], 16)
                if reported != chain_id:
                    return f"anvil reports chain id {reported}, expected {chain_id}"
                return None
            except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError):
                await asyncio.sleep(_POLL_INTERVAL_S)
    return f"anvil did not answer within {READY_TIMEOUT_S:.0f}s"


async def _stop_process(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.kill()
        await process.wait()


async def start_anvil(
    binary: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    state_dir: Path | None = None,
    chain_id: int,
    balance_eth: int,
    genesis_timestamp: int | None = None,
) -> AnvilChain:
    """Start anvil and wait until it answers; ``port=0`` picks a free port.

    ``genesis_timestamp`` dates a fresh chain's genesis; anvil's clock runs from there.
    """
    started = time.perf_counter()
    state_file = state_dir / STATE_FILE_NAME if state_dir is not None else None
    attempts = _PORT_ATTEMPTS if port == 0 else 1
    failure = ""
    for _ in range(attempts):
        chosen_port = port or _free_port(host)
        url = _url(host, chosen_port)
        # Not a pipe, which anvil could fill up; closed by AnvilChain.stop().
        stderr_log = tempfile.TemporaryFile(prefix="anvil-stderr-")  # noqa: SIM115
        command = _command(
            binary, host, chosen_port, chain_id, balance_eth, state_file, genesis_timestamp
        )
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,  # stdout belongs to the devnet's JSON line
            stderr=stderr_log,
        )
        problem = await _wait_ready(process, url, chain_id, time.monotonic() + READY_TIMEOUT_S)
        if problem is None:
            logger.info(
                "anvil %d ready at %s in %.2fs (pid %d, state %s)",
                chain_id,
                url,
                time.perf_counter() - started,
                process.pid,
                state_file,
            )
            return AnvilChain(
                process=process,
                stderr_log=stderr_log,
                rpc_url=url,
                chain_id=chain_id,
                state_file=state_file,
            )
        await _stop_process(process)
        failure = f"{problem}; stderr: {_tail(stderr_log)}"
        stderr_log.close()
        logger.warning("anvil failed to start on port %d: %s", chosen_port, failure)
        # A port picked here may be taken by someone else before anvil binds it: retry.
        if "Address already in use" not in failure:
            break
    raise ChainUnavailable(f"anvil ({binary}) failed to start: {failure}")
