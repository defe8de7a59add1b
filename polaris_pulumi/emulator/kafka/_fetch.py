"""Apache Kafka's jars for the local broker, fetched by the package itself: from Maven
Central over HTTPS, each checked against its pinned SHA-256 (`_jars`), into a per-user cache
(`~/.cache/polaris-pulumi/kafka-<version>-<pins>/lib`), once. No Maven is needed: an installed
wheel and Java are enough to run a broker."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from polaris_pulumi.emulator.kafka._jars import JARS, KAFKA_VERSION

MAVEN = "https://repo1.maven.org/maven2"


class FetchError(RuntimeError):
    """A jar could not be fetched, or was not the one pinned."""


def cache_root() -> Path:
    """POLARIS_PULUMI_CACHE, else $XDG_CACHE_HOME/polaris-pulumi, else ~/.cache/polaris-pulumi."""
    if explicit := os.environ.get("POLARIS_PULUMI_CACHE"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "polaris-pulumi"


def kafka_lib(say: Callable[[str], None] = lambda _: None) -> Path:
    """The directory of the jars, fetched the first time."""
    pins = hashlib.sha256(repr(JARS).encode()).hexdigest()[:12]
    dest = cache_root() / f"kafka-{KAFKA_VERSION}-{pins}" / "lib"
    if (dest / ".complete").exists():
        return dest
    base = os.environ.get("POLARIS_MAVEN_URL", MAVEN).rstrip("/")
    say(f"fetching Apache Kafka {KAFKA_VERSION}'s jars ({len(JARS)}) from {base} into {dest}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".kafka-", dir=dest.parent.parent))
    try:
        for path, sha256 in JARS:
            _download(f"{base}/{path}", tmp / path.rsplit("/", 1)[1], sha256)
        (tmp / ".complete").touch()
        shutil.rmtree(dest, ignore_errors=True)
        tmp.rename(dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _download(url: str, target: Path, sha256: str) -> None:
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=60) as answer, target.open("wb") as out:
            while chunk := answer.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError(f"could not fetch {url}: {exc}") from None
    if digest.hexdigest() != sha256:
        raise FetchError(f"{url} is not the jar pinned (SHA-256 {digest.hexdigest()})")
