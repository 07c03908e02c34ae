"""The API contract: answers become typed values, or one ShapeError that names the field."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from odyssey_dsl.api import (
    ACTIVE,
    FINAL,
    STATUSES,
    JobDetail,
    JobList,
    Problem,
    Recording,
    ShapeError,
    Token,
    TokenRequest,
    UsageProblem,
    is_active,
    read,
)

DETAIL = {
    "job_id": "j-1", "status": "completed", "priority": "normal", "created_at": "2026-01-01T00:00:00.000Z",
    "completed_at": None, "error_message": None, "dispatched_at": None, "started_at": None,
    "assigned_region": "emu", "retry_count": 0, "estimated_wait_minutes": None,
    "streams": [{"stream_id": "s-1", "script_index": 0, "status": "completed", "video_url": "http://x/v.mp4",
                 "events_url": None, "thumbnail_url": None, "preview_url": None, "frame_count": 225,
                 "duration_seconds": 9, "error_message": None}],
}


def test_a_job_detail_reads_into_typed_fields() -> None:
    job = read(JobDetail, DETAIL)
    assert job.job_id == "j-1" and job.status == "completed" and not job.active
    (stream,) = job.streams
    assert stream.stream_id == "s-1" and stream.frame_count == 225
    assert stream.duration_seconds == 9.0 and isinstance(stream.duration_seconds, float)


def test_fields_the_server_adds_are_ignored_and_missing_optional_ones_are_none() -> None:
    job = read(JobDetail, {"job_id": "j", "status": "pending", "new_field": [1, 2]})
    assert job.streams == [] and job.estimated_wait_minutes is None and job.active


@pytest.mark.parametrize(("data", "where", "said"), [
    ({"status": "pending"}, "answer.job_id", "should be a string, not missing"),
    ({"job_id": 7, "status": "pending"}, "answer.job_id", "should be a string, not a number"),
    ({"job_id": "j", "status": "pending", "streams": {}}, "answer.streams", "should be a list, not an object"),
    ({"job_id": "j", "status": "pending", "streams": [{"stream_id": "s"}, {"stream_id": "t", "script_index": True}]},
     "answer.streams[1].script_index", "should be a whole number, not a boolean"),
    ({"job_id": "j", "status": "pending", "estimated_wait_minutes": "soon"},
     "answer.estimated_wait_minutes", "should be a number or null, not a string"),
])
def test_an_answer_that_does_not_fit_is_one_error_naming_the_field(data: object, where: str, said: str) -> None:
    with pytest.raises(ShapeError) as raised:
        read(JobDetail, data)
    assert raised.value.where == where and said in str(raised.value)


def test_an_answer_that_is_not_an_object_is_a_shape_error() -> None:
    with pytest.raises(ShapeError, match="`answer` should be an object, not a list"):
        read(JobList, [])


def test_other_answers_read_too() -> None:
    assert read(Token, {"access_token": "t", "expires_in": 60}).expires_in == 60.0
    assert read(Recording, {"stream_id": "s", "video_url": "u"}).video_url == "u"
    assert read(JobList, {"jobs": [{"job_id": "a", "status": "running"}], "total": 1}).jobs[0].active
    problem = read(UsageProblem, {"error": "RATE_LIMITED", "details": {"retry_after_seconds": 3}})
    assert problem.name == "RATE_LIMITED" and problem.details == {"retry_after_seconds": 3}


@given(st.text())
def test_every_status_but_the_final_three_is_active(status: str) -> None:
    assert is_active(status) == (status not in FINAL)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=6),
                    max_leaves=30)


@given(st.dictionaries(st.sampled_from([*sorted(DETAIL), "x"]), JSON, max_size=12) | JSON)
def test_any_json_reads_or_raises_shape_error(data: object) -> None:
    try:
        job = read(JobDetail, data)
    except ShapeError:
        return
    assert isinstance(job.job_id, str) and isinstance(job.status, str)


def test_the_documented_statuses_are_the_active_ones_then_the_final_ones() -> None:
    assert STATUSES[: len(ACTIVE)] == ACTIVE and set(STATUSES[len(ACTIVE):]) == FINAL and len(set(STATUSES)) == 6
    assert all(is_active(s) for s in ACTIVE) and not any(is_active(s) for s in FINAL)


def test_additions_for_the_emulator_read_as_none_when_a_server_leaves_them_out() -> None:
    assert read(Token, {"access_token": "t"}).token_type is None
    assert read(Token, {"access_token": "t", "token_type": "bearer"}).token_type == "bearer"
    assert read(UsageProblem, {"code": "X", "detail": "why"}).detail == "why"
    assert read(UsageProblem, {"code": "X"}).detail is None
    assert read(Problem, {"detail": "not found"}).detail == "not found" and read(Problem, {}).detail is None
    with pytest.raises(ShapeError, match=r"answer\.detail"):
        read(Problem, {"detail": 4})
    assert read(TokenRequest, {"api_key": "ody_x"}).api_key == "ody_x"
