"""What a run reuses and what it submits (runner/decide.py), from journal rows and API answers
built in memory: a completed stream is kept, an active job is waited for, the rest is
submitted, and only that; adopted jobs count once they match; the verdict's exit codes."""

from __future__ import annotations

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
    needed,
    reuse_news,
    stream_status,
    take_to_use,
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


def test_a_first_run_and_new_start_a_take_a_rerun_keeps_the_latest() -> None:
    assert take_to_use(0, new=False) == 1
    assert take_to_use(3, new=False) == 3
    assert take_to_use(3, new=True) == 4


def test_a_completed_job_is_reused_whole() -> None:
    rows = [row("j1")]
    jobs = {"j1": job("j1", "completed", stream(0), stream(1), stream(2))}
    assert needed(SCENES, rows, jobs) == ()
    found = completed(rows, jobs, 1)
    assert found is not None and found[0].job_id == "j1" and found[1].stream_id == "s1"
    news = reuse_news(SCENES, rows, jobs, ())
    assert news is not None and news.loud and news.text.startswith("unchanged since job j1: reusing it")


def test_after_some_scenes_failed_only_those_are_submitted() -> None:
    rows = [row("j1")]
    jobs = {"j1": job("j1", "completed", stream(0), stream(1, "failed", error_message="GPU lost"), stream(2))}
    assert needed(SCENES, rows, jobs) == (1,)
    news = reuse_news(SCENES, rows, jobs, (1,))
    assert news is not None
    assert news.text == "keeping what job j1 made; submitting only what did not complete: summer"
    assert failure(rows, jobs, 1) == {"job_id": "j1", "stream_id": "s1", "status": "failed",
                                      "error_message": "GPU lost"}


def test_scripts_a_scene_run_left_out_are_not_said_to_have_failed() -> None:
    rows = [row("j1", plan=SCENES[:2])]  # `ody run --scene` ran spring and summer
    jobs = {"j1": job("j1", "completed", stream(0), stream(1, "failed"))}
    assert needed(SCENES, rows, jobs) == (1, 2)
    news = reuse_news(SCENES, rows, jobs, (1, 2))
    assert news is not None
    assert news.text == ("keeping what job j1 made; submitting only what did not complete: summer"
                         " and what was not run yet: autumn")
    jobs = {"j1": job("j1", "completed", stream(0), stream(1))}
    news = reuse_news(SCENES, rows, jobs, (2,))
    assert news is not None and news.text == "keeping what job j1 made; submitting only what was not run yet: autumn"
    assert reuse_news(SCENES[2:], rows, jobs, (2,)) is None  # `--scene autumn`: j1 is not about autumn


def test_a_redo_job_covers_the_scripts_it_carries_by_their_screenplay_index() -> None:
    """The redo job carries script 1 of the screenplay as its own script 0."""
    rows = [row("j1"), row("j2", plan=(SCENES[1],), id=2)]
    jobs = {"j1": job("j1", "completed", stream(0), stream(1, "failed"), stream(2)),
            "j2": job("j2", "completed", stream(0))}
    assert needed(SCENES, rows, jobs) == ()
    found = completed(rows, jobs, 1)
    assert found is not None and found[0].job_id == "j2" and found[1].stream_id == "s0"


def test_an_active_job_is_waited_for_not_paid_again() -> None:
    rows = [row("j1")]
    jobs = {"j1": job("j1", "processing")}
    assert needed(SCENES, rows, jobs) == ()
    assert covering(rows, jobs, 0) == (rows[0], None)
    assert completed(rows, jobs, 0) is None


def test_a_status_the_api_did_not_document_counts_as_active() -> None:
    """The JavaScript SDK says `running`: anything not final may still change."""
    assert needed(SCENES, [row("j1")], {"j1": job("j1", "running")}) == ()


def test_failed_and_cancelled_jobs_are_submitted_again() -> None:
    for status in ("failed", "cancelled"):
        rows = [row("j1")]
        jobs = {"j1": job("j1", status, stream(0, status), stream(1, status), stream(2, status))}
        assert needed(SCENES, rows, jobs) == (0, 1, 2)
        news = reuse_news(SCENES, rows, jobs, (0, 1, 2))
        assert news is not None and news.text == "job j1 did not complete: submitting again" and not news.loud


def test_nothing_known_is_submitted_without_news() -> None:
    assert needed(SCENES, [], {}) == (0, 1, 2)
    assert reuse_news(SCENES, [], {}, (0, 1, 2)) is None
    assert failure([], {}, 0) == {"status": NOT_SUBMITTED}


def test_a_stream_without_its_own_status_takes_the_jobs() -> None:
    done = job("j1", "completed", stream(0, None))
    assert stream_status(done, done.streams[0]) == "completed"
    failed = job("j1", "failed", stream(0, None))
    assert stream_status(failed, failed.streams[0]) == "failed"
    assert needed(SCENES[:1], [row("j1", plan=SCENES[:1])], {"j1": failed}) == (0,)


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
