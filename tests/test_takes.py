"""A folder's run.json is read defensively: whatever JSON it holds (or an older `ody`'s
run.takeN.json), the takes come back well formed and nothing raises."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odyssey_dsl.runner.outputs import inside
from odyssey_dsl.runner.takes import Takes

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["streams", "takes", "name", "stream_id", "take", "files", "path", "job_id", "video", "a"]),
        inner, max_size=4),
    max_leaves=12)


def test_an_older_run_json_whose_streams_is_not_a_list_is_read_as_no_takes(tmp_path: Path) -> None:
    (tmp_path / "run.json").write_text('{"streams": 1}', encoding="utf-8")
    (tmp_path / "run.take2.json").write_text('{"streams": [1, {"name": "day", "stream_id": "s"}]}', encoding="utf-8")
    assert Takes(tmp_path).history == {"day": [{"take": 2, "job_id": None, "stream_id": "s", "files": {}}]}


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=200)
@given(json_values, json_values)
def test_whatever_run_json_holds_the_takes_are_well_formed(tmp_path: Path, first: object, second: object) -> None:
    (tmp_path / "run.json").write_text(json.dumps(first), encoding="utf-8")
    (tmp_path / "run.take2.json").write_text(json.dumps(second), encoding="utf-8")
    history = Takes(tmp_path).history
    for name, takes in history.items():
        assert isinstance(name, str)
        for take in takes:
            assert isinstance(take["take"], int) and take["take"] >= 1
            for record in take["files"].values():
                inside(tmp_path, record["path"])  # a plain name in the folder: no error, no escape


def test_a_file_name_with_a_nul_byte_is_as_if_absent(tmp_path: Path) -> None:
    takes = {"cat": [{"take": 1, "files": {"captions": {"path": "a\u0000b.vtt", "size": 3, "complete": True},
                                            "video": {"path": "cat.mp4"}}}]}
    (tmp_path / "run.json").write_text(json.dumps({"takes": takes}), encoding="utf-8")
    assert Takes(tmp_path).history["cat"][0]["files"] == {"video": {"path": "cat.mp4"}}


def test_a_run_json_nested_deeper_than_python_s_stack_or_with_a_huge_number_is_as_if_absent(tmp_path: Path) -> None:
    """json.loads raised RecursionError (and ValueError for 5,000 digits) out of ody run and the page."""
    for text in ("[" * 100_000, '{"takes": ' + "9" * 5000 + "}"):
        (tmp_path / "run.json").write_text(text, encoding="utf-8")
        assert Takes(tmp_path).history == {}
