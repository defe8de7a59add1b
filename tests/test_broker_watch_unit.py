"""A broker started for an owner (a test run, a benchmark) stops when the owner is gone, even
killed: its watcher, run for real here, against stand-in processes (no JVM)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from polaris_pulumi.emulator.kafka.broker import BrokerInfo
from polaris_pulumi.emulator.state._owned import started


def test_the_broker_stops_when_its_owner_is_killed(tmp_path: Path) -> None:
    owner = subprocess.Popen(["sleep", "600"])
    # A stand-in for the JVM: in a session of its own, its command line naming Kafka's main
    # class, its start time recorded, as `broker.start` records the broker's.
    stand_in = [sys.executable, "-c", "import time; time.sleep(600)", "kafka.Kafka"]
    broker = subprocess.Popen(stand_in, start_new_session=True)
    BrokerInfo(
        bootstrap="127.0.0.1:1", admin_password="-", pid=broker.pid, started=started(broker.pid)
    ).save(tmp_path)
    watcher = subprocess.Popen(
        [sys.executable, "-m", "polaris_pulumi.emulator.kafka._watch", "--dir", str(tmp_path)]
        + ["--owner", str(owner.pid), "--broker", str(broker.pid)]
    )
    try:
        assert watcher.poll() is None  # the owner lives: it watches
        owner.kill()
        owner.wait()
        assert broker.wait(timeout=30) == -signal.SIGTERM  # stopped, as `broker stop` does
        assert watcher.wait(timeout=30) == 0
        assert not (tmp_path / "broker.json").exists()
    finally:
        for proc in (owner, broker, watcher):
            proc.kill()
            proc.wait()


def test_the_watcher_ends_with_its_broker(tmp_path: Path) -> None:
    owner = subprocess.Popen(["sleep", "600"])
    broker = subprocess.Popen(["sleep", "600"], start_new_session=True)
    watcher = subprocess.Popen(
        [sys.executable, "-m", "polaris_pulumi.emulator.kafka._watch", "--dir", str(tmp_path)]
        + ["--owner", str(owner.pid), "--broker", str(broker.pid)]
    )
    try:
        broker.terminate()
        broker.wait()
        assert watcher.wait(timeout=30) == 0  # stopped normally: nothing left to watch
        assert owner.poll() is None
    finally:
        for proc in (owner, broker, watcher):
            proc.kill()
            proc.wait()
