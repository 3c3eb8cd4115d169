from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest
from hypothesis import settings

from aleph_tui.core.aleph.api_client import AlephApi
from aleph_tui.devnet.chain.engine import (
    ChainKind,
    DevAccount,
    anvil_missing_message,
    dev_accounts,
    find_anvil,
)
from tests.support.devnet_process import RunningDevnet, start_devnet

# The one isolation fixture, ``isolated_config``, for every test.
pytest_plugins = ["tests.support.isolation"]

CHAIN_ENGINES: tuple[ChainKind, ...] = ("embedded", "anvil")


def require_anvil() -> None:
    """Anvil is part of the suite: CI must have it, so it fails there instead of skipping."""
    if find_anvil() is not None:
        return
    if os.environ.get("CI"):
        pytest.fail(anvil_missing_message())
    pytest.skip(anvil_missing_message())


# No example may fail for taking long: CI machines are shared and loaded (a hypothesis
# deadline is a timing assertion). Too-slow generation is still reported.
settings.register_profile("loaded-machines", deadline=None)
settings.load_profile("loaded-machines")


@pytest.fixture(scope="session")
def devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDevnet]:
    """One devnet shared by the API contract tests, on the embedded chain."""
    running = start_devnet(tmp_path_factory.mktemp("devnet"), "--chain", "embedded")
    yield running
    running.stop()


@pytest.fixture(scope="session", params=CHAIN_ENGINES)
def chain_devnet(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningDevnet]:
    """A devnet on each chain engine, for the flows that touch the chain."""
    engine = str(request.param)
    if engine == "anvil":
        require_anvil()
    running = start_devnet(
        tmp_path_factory.mktemp(f"devnet-{engine}"),
        "--chain",
        engine,
        "--processing-interval",
        "1",
    )
    assert running.document["chain_engine"] == engine
    yield running
    running.stop()


@pytest.fixture(scope="session")
def fault_devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDevnet]:
    """A devnet of its own for fault injection (tests/support/faults.py), so that a rule left
    behind cannot poison the tests on the other devnets. Clear your rules after use."""
    running = start_devnet(
        tmp_path_factory.mktemp("devnet-faults"),
        "--chain",
        "embedded",
        "--processing-interval",
        "1",
    )
    yield running
    running.stop()


@pytest.fixture(scope="session", params=CHAIN_ENGINES)
def records_none_devnet(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningDevnet]:
    """A devnet on each chain engine whose Credit API keeps no record of direct
    transfers (``--credit-api-records none``, as on mainnet for payments not started
    through it), for the buy resume and crash-point tests; faults allowed, cleared after
    use."""
    engine = str(request.param)
    if engine == "anvil":
        require_anvil()
    running = start_devnet(
        tmp_path_factory.mktemp(f"devnet-records-none-{engine}"),
        "--chain",
        engine,
        "--processing-interval",
        "1",
        "--credit-api-records",
        "none",
    )
    assert running.document["credit_api_records"] == "none"
    yield running
    running.stop()


@pytest.fixture(scope="session")
async def api(devnet: RunningDevnet) -> AsyncIterator[AlephApi]:
    """The core API client, on the shared devnet."""
    client = AlephApi(devnet.api_url)
    yield client
    await client.aclose()


@pytest.fixture(scope="session")
def accounts() -> list[DevAccount]:
    return dev_accounts()
