"""``aleph-tui serve`` in a real browser: Debian's headless Chromium, driven through
chromedriver by Selenium. The page's terminal is xterm.js; its screen is read from
xterm.js's own buffer API (``buffer.active.getLine(n).translateToString()``), as the
user sees it, with the balance the node reports.

Chromium and chromedriver come from the system (.ci/run installs them): without them this
test fails, it never skips.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

from bench.b2_tui_start import write_accounts
from tests.support.devnet_process import RunningDevnet
from tests.support.isolation import isolated_env

ROOT = Path(__file__).resolve().parents[2]
PATIENCE_S = 90.0
# Before the page's scripts run: keep a handle on the xterm.js Terminal that textual-serve's
# bundle creates (it is not exposed), when its wrapper stores its add-ons beside it.
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "fitAddon", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "fitAddon", {value, writable: true, configurable: true});
    if (this.terminal && !window.xtermForTests) { window.xtermForTests = this.terminal; }
  },
});
"""
READ_SCREEN = """
const term = window.xtermForTests;
if (!term) { return null; }
const buffer = term.buffer.active, lines = [];
for (let i = 0; i < term.rows; i++) {
  const line = buffer.getLine(buffer.viewportY + i);
  lines.push(line ? line.translateToString(true) : "");
}
return lines.join("\\n");
"""


def browser_binaries() -> tuple[str, str]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    assert chromium and driver, (
        "Chromium and chromedriver are needed (apt install chromium chromium-driver)"
    )
    return chromium, driver


@pytest.fixture
def served(devnet: RunningDevnet, tmp_path: Path) -> Iterator[tuple[str, int]]:
    """``aleph-tui serve`` on a free port, read-only, over the devnet; (URL, credits)."""
    address = devnet.document["accounts"][0]["address"]
    write_accounts(tmp_path / "config", address)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ALEPH", "TEXTUAL"))},
        **isolated_env(tmp_path),
        "ALEPH_DEVNET_URL": devnet.api_url,
    }
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "aleph_tui", "serve", "--port", str(port), "--network", "devnet"],
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    try:
        line = process.stdout.readline()
        found = re.search(r"http://\S+", line)
        assert found, line
        with urllib.request.urlopen(f"{devnet.api_url}/api/v0/addresses/{address}/balance") as r:
            credits = int(json.load(r)["credit_balance"])
        yield found.group(0), credits
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    chromium, driver_path = browser_binaries()
    options = Options()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,900"):
        options.add_argument(flag)
    if os.geteuid() == 0:
        options.add_argument("--disable-dev-shm-usage")
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CATCH_TERMINAL})
        yield driver
    finally:
        driver.quit()


def screen(driver: webdriver.Chrome) -> str:
    text = driver.execute_script(READ_SCREEN)
    return "" if text is None else str(text)


def wait_for(driver: webdriver.Chrome, check: Callable[[str], bool], what: str) -> str:
    deadline = time.monotonic() + PATIENCE_S
    while True:
        text = screen(driver)
        if check(text):
            return text
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} never showed; the screen:\n{text}")
        time.sleep(0.2)  # polling the page's buffer, with a deadline


def status_of(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_the_served_dashboard_shows_the_balance_and_switches_views_in_chromium(
    served: tuple[str, int], browser: webdriver.Chrome
) -> None:
    url, credits = served
    browser.get(url)
    text = wait_for(browser, lambda t: f"{credits:,}" in t, f"the balance {credits:,}")
    assert "Balance" in text
    # A key typed into the page goes to the dashboard: 5 opens Accounts.
    terminal = browser.find_element("css selector", ".xterm-helper-textarea")
    terminal.send_keys("5")
    wait_for(browser, lambda t: "shared with the aleph CLI" in t, "the Accounts view")


def test_a_request_without_the_token_gets_nothing(served: tuple[str, int]) -> None:
    url, _credits = served
    base, token = url.rstrip("/").rsplit("/", 1)
    assert status_of(url)[0] == 200
    for path in ("/", "/static/js/textual.js", "/ws", f"/{token[:-1]}/", f"/{token}x/"):
        assert status_of(base + path) == (404, b""), path
    # A token in another case, or in the query string, is not the token either.
    assert status_of(f"{base}/{token.swapcase()}/") == (404, b"")
    assert status_of(f"{base}/?token={token}") == (404, b"")


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--host", "0.0.0.0"], "--allow-remote"),
        (["--host", "192.0.2.10"], "--allow-remote"),
        (["--host", ""], "--host"),
        (["--port", "0"], "--port"),
        (["--port", "65536"], "--port"),
        (["--port", ""], "--port"),
    ],
)
def test_serve_refuses_bad_or_remote_hosts_with_exit_2(
    tmp_path: Path, args: list[str], named: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "aleph_tui", "serve", *args],
        env={**os.environ, **isolated_env(tmp_path)},
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert named in done.stderr and len(done.stderr.strip().splitlines()) == 1


def run_serve(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``aleph-tui serve ARGS`` that must stop at once with one line on stderr (the old
    code served a blank page instead: the timeout fails the test)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALEPH", "TEXTUAL"))}
    return subprocess.run(
        [sys.executable, "-m", "aleph_tui", "serve", *args],
        env={**env, **isolated_env(tmp_path)},
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "status", "said"),
    [
        (["--network", "nonet"], 2, "aleph-tui: --network: unknown network 'nonet'"),
        (
            ["--network", "devnet", "--api-url", "http://127.0.0.1:1"],
            1,
            "aleph-tui: devnet unavailable",
        ),
        (["--host", "bad host!", "--allow-remote"], 2, "--host: 'bad host!'"),
    ],
)
def test_serve_stops_at_once_when_the_dashboard_could_not_start(
    tmp_path: Path, args: list[str], status: int, said: str
) -> None:
    done = run_serve(tmp_path, "--port", str(free_port()), *args)
    assert done.returncode == status, done.stderr
    assert said in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Serving" not in done.stdout


def test_serve_on_a_port_in_use_says_so_in_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_serve(tmp_path, "--port", str(port), "--network", "mainnet")
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip() == f"aleph-tui: --port: {port} is already in use"
