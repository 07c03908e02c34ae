"""What a run reuses and what it submits (runner/decide.py), from journal rows and API answers
built in memory: a completed stream is kept, an active job is waited for, the rest is
submitted, and only that; adopted jobs count once they match; the verdict's exit codes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from odyssey_dsl.api import JobDetail, read
from odyssey_dsl.errors import EXIT_API, EXIT_JOB, EXIT_OK, EXIT_TIMEOUT, EXIT_USAGE
from odyssey_dsl.runner.decide import (
    NOT_SUBMITTED,
    adoption_problem,
    completed,
    covering,
    failure,
    from_journal,
    levels,
    needed,
    reuse_news,
    stream_status,
    verdict,
)
from odyssey_dsl.runner.journal import ADOPTED, SUBMITTED, Row, Scene

SCENES = (Scene(0, "spring", 1000), Scene(1, "summer", 1000), Scene(2, "autumn", 1000))


def row(job_id: str, plan: tuple[Scene, ...] = SCENES, state: str = SUBMITTED, id: int = 1) -> Row:
    return Row(id=id, created=0.0, api_base="http://127.0.0.1:1", key_fp="fp", group_hash="g", request_hash="r",
               take=1, screenplay="seasons.ody", folder=None, title=None, plan=plan, known=(), job_id=job_id,
               state=state, status=None)


def stream(position: int, status: str | None = "completed", **fields: Any) -> dict[str, Any]:
    return {"stream_id": f"s{position}", "script_index": position, "status": status,
            "video_url": f"http://127.0.0.1:1/v{position}.mp4", "duration_seconds": 1.0, "frame_count": 25, **fields}


def job(job_id: str, status: str, *streams: dict[str, Any], **fields: Any) -> JobDetail:
    """A job as the API answers it, read through the client's shapes."""
    return read(JobDetail, {"job_id": job_id, "status": status, "streams": list(streams), **fields})


def same(rows: list[Row]) -> Any:
    """Every script may come from any of `rows` (no `--new`)."""
    return lambda _scene: rows


KEYED = tuple(Scene(s.index, s.name, s.duration_ms, key=f"k-{s.name}") for s in SCENES)


def test_an_unchanged_script_is_reused_from_any_job_that_carries_it_whatever_its_index() -> None:
    """A screenplay edited (summer changed, a scene added first) keeps what its other scripts
    made: by their keys, not their places."""
    old = row("j1", plan=KEYED)
    edited = (Scene(0, "prologue", 1000, key="k-prologue"), Scene(1, "spring", 1000, key="k-spring"),
              Scene(2, "summer", 1000, key="k-summer-2"), Scene(3, "autumn", 1000, key="k-autumn"))
    jobs = {"j1": job("j1", "completed", stream(0), stream(1), stream(2))}
    assert needed(edited, same([old]), jobs) == (0, 2)
    found = completed([old], jobs, edited[3])
    assert found is not None and found[1].stream_id == "s2"
    twice = (*edited, Scene(4, "prologue-2", 1000, key="k-prologue"))
    assert needed(twice, same([old]), jobs) == (0, 2)  # one script twice is made once


def test_the_newest_job_of_a_script_decides_and_the_journal_alone_can_say_so() -> None:
    first, second = row("j1", plan=KEYED[:1]), row("j2", plan=KEYED[:1], id=2)
    journal = from_journal([replace(first, status="completed", streams=(("s-old", "completed"),)),
                            replace(second, status="processing")])
    assert covering([first, second], journal, KEYED[0]) == (second, None)  # waited for, not the older take
    assert needed(KEYED[:1], lambda _s: [], journal) == (0,)  # `--new`: only this run's jobs count


def test_a_chain_of_scenes_to_make_takes_one_submit_per_step() -> None:
    chain = (Scene(0, "day", 1000, key="a"), Scene(1, "dusk", 1000, key="b", after=0),
             Scene(2, "night", 1000, key="c", after=1), Scene(3, "alone", 1000, key="d"))
    assert levels(chain, (0, 1, 2, 3)) == 3
    assert levels(chain, (1, 2)) == 2  # day is reused: dusk goes first
    assert levels(chain, (3,)) == 1


def test_a_completed_job_is_reused_whole() -> None:
    rows = [row("j1")]
    jobs = {"j1": job("j1", "completed", stream(0), stream(1), stream(2))}
    assert needed(SCENES, same(rows), jobs) == ()
    found = completed(rows, jobs, SCENES[1])
    assert found is not None and found[0].job_id == "j1" and found[1].stream_id == "s1"
    news = reuse_news(SCENES, same(rows), jobs, ())
    assert news is not None and news.loud and news.text.startswith("unchanged since job j1: reusing it")


def test_after_some_scenes_failed_only_those_are_submitted() -> None:
    rows = [row("j1")]
    jobs = {"j1": job("j1", "completed", stream(0), stream(1, "failed", error_message="GPU lost"), stream(2))}
    assert needed(SCENES, same(rows), jobs) == (1,)
    news = reuse_news(SCENES, same(rows), jobs, (1,))
    assert news is not None
    assert news.text == "keeping what job j1 made; submitting only what did not complete: summer"
    assert failure(rows, jobs, SCENES[1]) == {"job_id": "j1", "stream_id": "s1", "status": "failed",
                                      "error_message": "GPU lost"}


def test_scripts_a_scene_run_left_out_are_not_said_to_have_failed() -> None:
    rows = [row("j1", plan=SCENES[:2])]  # `ody run --scene` ran spring and summer
    jobs = {"j1": job("j1", "completed", stream(0), stream(1, "failed"))}
    assert needed(SCENES, same(rows), jobs) == (1, 2)
    news = reuse_news(SCENES, same(rows), jobs, (1, 2))
    assert news is not None
    assert news.text == ("keeping what job j1 made; submitting only what did not complete: summer"
                         " and what changed or was not run yet: autumn")
    jobs = {"j1": job("j1", "completed", stream(0), stream(1))}
    news = reuse_news(SCENES, same(rows), jobs, (2,))
    assert news is not None and news.text == "keeping what job j1 made; submitting only what changed or was not run yet: autumn"
    assert reuse_news(SCENES[2:], same(rows), jobs, (2,)) is None  # `--scene autumn`: j1 is not about autumn


def test_a_redo_job_covers_the_scripts_it_carries_by_their_screenplay_index() -> None:
    """The redo job carries script 1 of the screenplay as its own script 0."""
    rows = [row("j1"), row("j2", plan=(SCENES[1],), id=2)]
    jobs = {"j1": job("j1", "completed", stream(0), stream(1, "failed"), stream(2)),
            "j2": job("j2", "completed", stream(0))}
    assert needed(SCENES, same(rows), jobs) == ()
    found = completed(rows, jobs, SCENES[1])
    assert found is not None and found[0].job_id == "j2" and found[1].stream_id == "s0"


def test_an_active_job_is_waited_for_not_paid_again() -> None:
    rows = [row("j1")]
    jobs = {"j1": job("j1", "processing")}
    assert needed(SCENES, same(rows), jobs) == ()
    assert covering(rows, jobs, SCENES[0]) == (rows[0], None)
    assert completed(rows, jobs, SCENES[0]) is None


def test_a_status_the_api_did_not_document_counts_as_active() -> None:
    """The JavaScript SDK says `running`: anything not final may still change."""
    assert needed(SCENES, same([row("j1")]), {"j1": job("j1", "running")}) == ()


def test_failed_and_cancelled_jobs_are_submitted_again() -> None:
    for status in ("failed", "cancelled"):
        rows = [row("j1")]
        jobs = {"j1": job("j1", status, stream(0, status), stream(1, status), stream(2, status))}
        assert needed(SCENES, same(rows), jobs) == (0, 1, 2)
        news = reuse_news(SCENES, same(rows), jobs, (0, 1, 2))
        assert news is not None and news.text == "job j1 did not complete: submitting again" and not news.loud


def test_nothing_known_is_submitted_without_news() -> None:
    assert needed(SCENES, same([]), {}) == (0, 1, 2)
    assert reuse_news(SCENES, same([]), {}, (0, 1, 2)) is None
    assert failure([], {}, SCENES[0]) == {"status": NOT_SUBMITTED}


def test_a_stream_without_its_own_status_takes_the_jobs() -> None:
    done = job("j1", "completed", stream(0, None))
    assert stream_status(done, done.streams[0]) == "completed"
    failed = job("j1", "failed", stream(0, None))
    assert stream_status(failed, failed.streams[0]) == "failed"
    assert needed(SCENES[:1], same([row("j1", plan=SCENES[:1])]), {"j1": failed}) == (0,)


def test_an_adopted_job_counts_only_once_it_matches() -> None:
    adopted = row("j1", plan=SCENES[:1], state=ADOPTED)
    assert adoption_problem(adopted, job("j1", "processing")) is None  # too early to tell
    assert adoption_problem(adopted, job("j1", "completed", stream(0))) is None
    assert adoption_problem(adopted, job("j1", "completed", stream(0, duration_seconds=4.0))) == \
        "stream 0 lasts 4 s, its script 1 s"
    assert adoption_problem(adopted, job("j1", "completed", stream(0), stream(1))) == \
        "it has 2 stream(s), the request 1"
    assert adoption_problem(row("j1", plan=SCENES[:1]), job("j1", "completed", stream(0, duration_seconds=4.0))) \
        is None  # a job we submitted ourselves is ours whatever it made


def record(status: str, video: bool = True) -> dict[str, Any]:
    return {"status": status, "files": {"video": {"complete": video}} if status == "completed" else {}}


@pytest.mark.parametrize(("streams", "code", "status"), [
    ([record("completed"), record("completed")], EXIT_OK, "completed"),
    ([record("completed"), record("failed")], EXIT_JOB, "partial"),
    ([record("failed"), record("failed")], EXIT_JOB, "failed"),
    ([record("cancelled"), record("cancelled")], EXIT_JOB, "cancelled"),
    ([record("cancelled"), record("failed")], EXIT_JOB, "failed"),
    ([record("processing"), record("pending")], EXIT_TIMEOUT, "failed"),
    ([record("completed"), record("processing")], EXIT_TIMEOUT, "partial"),
    ([record("completed"), record(NOT_SUBMITTED)], EXIT_JOB, "partial"),
    ([record("completed", video=False)], EXIT_API, "partial"),
])
def test_the_verdict_of_a_run(streams: list[dict[str, Any]], code: int, status: str) -> None:
    assert verdict(streams) == (code, status)


def test_the_verdict_keeps_a_more_serious_code() -> None:
    assert verdict([record("completed")], EXIT_API) == (EXIT_API, "completed")
    assert verdict([record("failed")], EXIT_USAGE) == (EXIT_USAGE, "failed")


def test_a_chain_through_a_twin_counts_its_step() -> None:
    """b is a's twin (same script), so only a is made; c continues b: two submits, not one."""
    twins = (Scene(0, "a", 1000, key="same"), Scene(1, "b", 1000, key="same"),
             Scene(2, "c", 1000, key="c", after=1))
    assert needed(twins, same([]), {}) == (0, 2)
    assert levels(twins, (0, 2)) == 2
