"""The client against a server that answers anything: garbage, the wrong shape, a body too
deep or too big, an answer that drips; and names a URL would misread. Each is a `PolarisError`
that says what came back, within the client's timeout (httpx.MockTransport: no network)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from urllib.parse import unquote

import httpx
import pytest

from polaris_pulumi.api import (
    MalformedResponseError,
    PolarisClient,
    PolarisError,
    ResponseTooLargeError,
    RetryPolicy,
    TransportError,
)

ONCE = RetryPolicy(max_attempts=1)


def client(handler: Callable[[httpx.Request], httpx.Response], **kwargs: object) -> PolarisClient:
    return PolarisClient(
        api_key="pok_bounds",
        url="http://127.0.0.1:9",
        project_id="p",
        retry=ONCE,
        transport=httpx.MockTransport(handler),
        **kwargs,  # type: ignore[arg-type]
    )


def answering(body: bytes, status: int = 200) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(status, content=body)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"<html>502 Bad Gateway</html>", "not JSON: '<html>502 Bad Gateway</html>'"),
        (b'{"values": 5}', "not a ListResponse: values"),
        (b"[" * 100_000 + b"]" * 100_000, "not JSON"),
        (b'{"name": 7}', "not a"),
    ],
    ids=["garbage", "wrong-shape", "too-deep", "wrong-type"],
)
def test_an_answer_that_is_not_the_contracts_is_a_polaris_error(body: bytes, says: str) -> None:
    with pytest.raises(MalformedResponseError) as raised:
        c = client(answering(body))
        if b'"name"' in body:
            c.get_connection("c")
        else:
            c.list_connections()
    assert says in str(raised.value) and isinstance(raised.value, PolarisError)


def test_a_query_answer_that_is_not_rows_is_a_polaris_error() -> None:
    with pytest.raises(MalformedResponseError, match="not a list of rows"):
        client(answering(b'{"rows": []}')).query_sql("SELECT 1")


def test_an_answer_that_drips_is_cut_at_the_timeout() -> None:
    """One byte every 0.1 s for 10 s, against a 0.5 s timeout per attempt (a per-read timeout
    never fires on it)."""

    def drip() -> Iterator[bytes]:
        yield b'{"values": ['
        for _ in range(100):
            time.sleep(0.1)
            yield b" "
        yield b"]}"

    handler = lambda request: httpx.Response(200, content=drip())  # noqa: E731
    started = time.monotonic()
    with pytest.raises(TransportError, match="did not arrive within"):
        client(handler, timeout=0.5).list_connections()
    assert time.monotonic() - started < 5  # it gave up, not the server


def test_an_answer_too_big_is_refused_by_name() -> None:
    big = b'{"values": [' + b'"x",' * 100_000 + b'"x"]}'
    with pytest.raises(ResponseTooLargeError, match="max_response_bytes"):
        client(answering(big), max_response_bytes=64 * 1024).list_connections()


@pytest.mark.parametrize("name", [".", "..", "a/b", "名"])
def test_a_name_is_one_path_segment_whatever_it_is(name: str) -> None:
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path)
        return httpx.Response(404, json={"code": "NotFound", "message": "no"})

    with pytest.raises(PolarisError):
        client(handler).get_connection(name)
    [path] = seen
    parent, last = path.decode().rsplit("/", 1)
    assert parent == "/v1/projects/p/connections" and last not in (".", "..")
    assert unquote(last) == name
