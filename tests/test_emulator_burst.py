"""`--queue-limit` holds under a burst: the count of a key's active jobs and the insert of a
new job are one SQLite transaction, so simultaneous submits cannot all see room for themselves.

The emulator runs as `ody emulator` in its own process; the requests leave together from one
event loop over loopback. Each script carries a 1 MB start image: the time the emulator spent
on it between its count and its insert is what let a second job slip in before the fix (on a
loaded 2-core machine, 2 active jobs in about 1 burst of 8: this test caught it in 1 run of 4;
with the fix, exactly 1 in every burst). The store-level test below is the deterministic one.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import data_url, png_bytes
from emulator_support import KEY, Api, Emulator, script

from odyssey_dsl.emulator.store import NewStream, Store, TooManyActive

BURST = 40
ROUNDS = 2
# Jobs stay pending for the whole test: an active job that finished early would make room.
SLOW = ("--speed", "1", "--pending-seconds", "600", "--dispatched-seconds", "600")


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    running = Emulator(tmp_path / "data", "--queue-limit", "1", *SLOW)
    running.start()
    try:
        yield running
    finally:
        running.stop()


async def _burst(url: str, token: str, body: dict[str, Any]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=BURST, max_keepalive_connections=BURST)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits, headers=headers) as client:
        # Open every connection first, so that the submits themselves start together.
        await asyncio.gather(*(client.get("/simulation-jobs", params={"limit": 1}) for _ in range(BURST)))
        return await asyncio.gather(*(client.post("/simulation-jobs", json=body) for _ in range(BURST)))


def test_a_burst_of_submits_with_limit_1_makes_exactly_one_active_job(emulator: Emulator) -> None:
    body = {"script": script()}
    body["script"][0]["start"]["image"] = data_url("image/png", png_bytes() + os.urandom(1_000_000))
    with Api(emulator.url, KEY) as api:
        api.login()
        for _ in range(ROUNDS):
            answers = asyncio.run(_burst(emulator.url, api.token, body))
            statuses = Counter(answer.status_code for answer in answers)
            assert statuses == {200: 1, 429: BURST - 1}, (statuses, [a.text[:200] for a in answers
                                                                     if a.status_code != 429][:3])
            for refused in (a for a in answers if a.status_code == 429):
                assert refused.json()["code"] == "CONCURRENT_LIMIT_REACHED", refused.text
                assert refused.json()["details"] == {"active_count": 1, "limit": 1}, refused.text
            active = api.request("GET", "/simulation-jobs", params={"active": "true", "limit": 100}).json()
            assert active["total"] == 1, active
            (accepted,) = (a.json() for a in answers if a.status_code == 200)
            assert active["jobs"][0]["job_id"] == accepted["job_id"]
            cancelled = api.request("DELETE", f"/simulation-jobs/{accepted['job_id']}")  # room for the next round
            assert cancelled.status_code == 200, cancelled.text


def test_the_limit_holds_across_connections_to_one_database(tmp_path: Path) -> None:
    """Two stores over one file, as two processes would have (each with its own in-process lock):
    only SQLite's transaction keeps the count and the insert together."""
    stores = [Store(tmp_path / "jobs.sqlite3") for _ in range(2)]
    start = threading.Barrier(16, timeout=30)
    added: list[int] = []
    refused: list[int] = []

    def submit(i: int) -> None:
        stream = NewStream(f"s-{i}", 0, 1000, 2e9, False, "[]")
        start.wait()
        try:
            stores[i % 2].add_job(f"j-{i}", "owner", True, 1e9, 2e9, 2e9, [stream], active_limit=1)
        except TooManyActive as full:
            refused.append(full.active)
        else:
            added.append(i)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(16)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads)
        assert len(added) == 1 and refused == [1] * 15, (added, refused)
        rows, total = stores[0].list_jobs("owner", 1e9, ("pending",), 100, 0)
        assert total == 1 and [row.job_id for row in rows] == [f"j-{added[0]}"]
        stores[1].add_job("other-owner-job", "other", True, 1e9, 2e9, 2e9, [], active_limit=1)  # per owner
    finally:
        for store in stores:
            store.close()
