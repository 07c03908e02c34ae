"""The review page's HTML, from hand-made run folders (the browser tests use real runs):
whatever run.json holds, a page is written, with only the elements the page is made of;
names and prompts are text, file names are percent-encoded links that lead back to the file,
captions are inline and equal to the `.vtt` beside each video; what is missing is said.

The videos here are placeholder bytes: the page only links them (tests/test_review_browser.py
plays real ones).
"""

from __future__ import annotations

import base64
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from odyssey_dsl.captions import Caption, read_vtt, vtt
from odyssey_dsl.runner.errors import UsageError
from odyssey_dsl.runner.review import MAX_CAPTIONS_BYTES, write_page

VOID = {"meta", "track", "br", "img", "input", "link"}
#: Every element the page is made of: nothing from run.json or a file may add one.
ELEMENTS = {"html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "p", "code", "time", "section",
            "div", "article", "video", "track", "a", "ol", "li", "button", "span", "script"}
HOSTILE = "<script>alert(\"x\")</script> & 'é' \u2028 ünï <b>"


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.parts)


class Page(HTMLParser):
    """A page's elements in document order, each with its attributes and text."""

    def __init__(self, path: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(path.read_text(encoding="utf-8"))
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        self.elements.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self._open and self._open.pop().tag != tag:
            pass

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.parts.append(data)

    def all(self, tag: str, class_: str | None = None) -> list[Element]:
        return [e for e in self.elements if e.tag == tag and (class_ is None or class_ in (e.attrs.get("class") or ""))]

    def notes(self) -> list[str]:
        return [e.text for e in self.all("p", "note")]

    def one(self, tag: str) -> Element:
        (found,) = self.all(tag)
        return found


def take(number: int, video: str | None, job: str = "job-1", **extra: Any) -> dict[str, Any]:
    files = {} if video is None else {"video": {"path": video, "size": 3, "complete": True}}  # b"mp4"
    return {"take": number, "job_id": job, "stream_id": f"stream-{number}", "files": files, **extra}


def folder_with(root: Path, manifest: object, files: dict[str, bytes] | None = None) -> Path:
    """A run folder: run.json (any JSON value, or raw bytes) and the files beside it."""
    folder = root / "run"
    folder.mkdir(exist_ok=True)
    data = manifest if isinstance(manifest, bytes) else json.dumps(manifest, ensure_ascii=False).encode("utf-8")
    (folder / "run.json").write_bytes(data)
    for name, content in (files or {}).items():
        (folder / name).write_bytes(content)
    return folder


def captions(*prompts: str) -> bytes:
    return vtt([Caption(i * 1000, (i + 1) * 1000, p) for i, p in enumerate(prompts)]).encode("utf-8")


def src_name(element: Element, attribute: str = "src") -> str:
    value = element.attrs[attribute]
    assert value is not None and "/" not in value and ":" not in value, value  # relative, beside the page
    return unquote(value)


def inline(track: Element) -> bytes:
    value = track.attrs["src"] or ""
    head, _, data = value.partition(",")
    assert head == "data:text/vtt;base64", head
    return base64.b64decode(data)


def test_a_run_of_two_scenes_shows_each_take_with_its_captions_poster_cues_and_job(tmp_path: Path) -> None:
    manifest = {
        "title": "Seasons", "screenplay": "/home/me/seasons.ody", "status": "completed",
        "updated_at": "2026-12-07T01:02:53Z",
        "streams": [{"name": "spring", "scene": "spring", "status": "completed", "job_id": "job-2", "take": 2},
                    {"name": "summer", "scene": "summer", "status": "completed", "job_id": "job-1", "take": 1}],
        "latest": {"spring": "spring.take2.mp4", "summer": "summer.mp4"},
        "takes": {"spring": [take(1, "spring.mp4", created_at="2026-12-06T10:00:00Z"),
                             take(2, "spring.take2.mp4", job="job-2", created_at="2026-12-07T01:02:53Z")],
                  "summer": [take(1, "summer.mp4")]},
    }
    for record in manifest["takes"]["spring"]:  # type: ignore[index]
        record["files"]["thumbnail"] = {"path": record["files"]["video"]["path"].replace(".mp4", ".thumbnail.jpg")}
    folder = folder_with(tmp_path, manifest, {
        "spring.mp4": b"mp4", "spring.vtt": captions("Blossom", "Rain"), "spring.thumbnail.jpg": b"jpg",
        "spring.take2.mp4": b"mp4", "spring.take2.vtt": captions("Blossom in the wind"),
        "spring.take2.thumbnail.jpg": b"jpg", "summer.mp4": b"mp4", "summer.vtt": captions("Sun")})
    os.utime(folder / "summer.mp4", (1620097321, 1620097321))  # 2021-05-04T03:02:01Z: no created_at, the file's time

    assert write_page(folder) == folder / "index.html"
    page = Page(folder / "index.html")
    assert page.one("title").text == "Seasons — review" and page.one("h1").text == "Seasons"
    assert [h.text for h in page.all("h2")] == ["spring", "summer"]
    assert [h.text for h in page.all("h3")] == ["Take 2 (current)", "Take 1", "Take 1 (current)"]
    videos = page.all("video")
    assert [src_name(v) for v in videos] == ["spring.take2.mp4", "spring.mp4", "summer.mp4"]
    assert [v.attrs["aria-label"] for v in videos] == ["spring, take 2", "spring, take 1", "summer, take 1"]
    assert all("controls" in v.attrs and v.attrs["preload"] == "metadata" for v in videos)
    assert [src_name(v, "poster") for v in videos[:2]] == ["spring.take2.thumbnail.jpg", "spring.thumbnail.jpg"]
    assert "poster" not in videos[2].attrs  # summer has no thumbnail
    tracks = page.all("track")
    assert [inline(t) for t in tracks] == [(folder / n).read_bytes() for n in ("spring.take2.vtt", "spring.vtt", "summer.vtt")]
    assert all(t.attrs["kind"] == "captions" and "default" in t.attrs for t in tracks)
    lists = page.all("ol", "cues")
    assert [ol.attrs["aria-label"] for ol in lists] == ["Cues of spring, take 2", "Cues of spring, take 1",
                                                        "Cues of summer, take 1"]
    buttons = page.all("button")
    assert [(b.attrs["data-start"], b.attrs["data-end"], b.text) for b in buttons] == [
        ("0.000", "1.000", "0:00.000 Blossom in the wind"), ("0.000", "1.000", "0:00.000 Blossom"),
        ("1.000", "2.000", "0:01.000 Rain"), ("0.000", "1.000", "0:00.000 Sun")]
    assert [b.attrs["aria-controls"] for b in buttons] == [videos[i].attrs["id"] for i in (0, 1, 1, 2)]
    assert [t.attrs["datetime"] for t in page.all("time") if t.attrs.get("datetime")] == [
        "2026-12-07T01:02:53Z", "2026-12-07T01:02:53Z", "2026-12-06T10:00:00Z", "2021-05-04T03:02:01Z"]
    metas = [p.text for p in page.all("p", "meta")]
    assert "job job-2 · 2026-12-07 01:02 UTC" in metas and "job job-1 · 2021-05-04 03:02 UTC" in metas
    assert metas[0] == "screenplay /home/me/seasons.ody · run completed · updated 2026-12-07 01:02 UTC"
    assert page.notes() == []


def test_the_page_is_self_contained_readable_on_a_phone_and_lets_nothing_else_run(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, {"takes": {"cat": [take(1, "cat.mp4")]}}, {"cat.mp4": b"mp4", "cat.vtt": captions("A cat")})
    page = Page(write_page(folder))
    metas = {m.attrs.get("name") or m.attrs.get("http-equiv"): m.attrs.get("content") for m in page.all("meta")}
    assert metas["viewport"] == "width=device-width, initial-scale=1"
    policy = metas["Content-Security-Policy"] or ""
    assert policy.startswith("default-src 'none';") and "script-src 'sha256-" in policy and "http" not in policy
    assert len(page.all("script")) == len(page.all("style")) == 1
    assert not any(name in e.attrs for e in page.elements for name in ("style", "onclick", "onload"))
    assert page.one("html").attrs["lang"] == "en"


@pytest.mark.parametrize("manifest", [
    b"{not json", b"\xff\xfe\x00binary", [], "a string", None,
    {"title": 7, "screenplay": ["x"], "status": {}, "updated_at": "yesterday", "streams": "x", "latest": [], "takes": 5},
    {"streams": [None, 1, {"name": 5}, {"name": "a", "status": ["x"], "variant": True, "choices": "ab"}],
     "takes": {"a": [{"take": "1"}, {"take": 0}, {"take": True}, None, {"take": 2, "files": ["x"]}]}},
    {"streams": 1},
    {"takes": {"cat": [{"take": 1, "files": {"video": {"path": "../secret.mp4"}, "thumbnail": {"path": "/etc/passwd"},
                                             "captions": {"path": "a\\b.vtt"}}}]}},
], ids=["not-json", "binary", "list", "string", "null", "wrong-types", "malformed-records", "streams-a-number",
       "paths-out"])
def test_a_malformed_run_json_still_gives_a_page_showing_what_it_can(tmp_path: Path, manifest: object) -> None:
    (tmp_path / "secret.mp4").write_bytes(b"outside")
    folder = folder_with(tmp_path, manifest, {"secret.mp4": b"not this one either"})
    page = Page(write_page(folder))
    assert page.one("h1").text == "run"  # no usable title: the folder's name
    # With no take of its own to show, what the folder holds is, found by its file names (the
    # file beside the page only); takes run.json names without a usable video are notes instead.
    named = isinstance(manifest, dict) and isinstance(manifest.get("takes"), dict)
    assert [src_name(v) for v in page.all("video")] == ([] if named else ["secret.mp4"]) and page.all("track") == []
    assert len(page.all("script")) == 1


def test_a_run_json_whose_streams_is_not_a_list_still_gives_its_title(tmp_path: Path) -> None:
    """Reading its takes raised TypeError (`takes` iterates an older run.json's `streams`)."""
    page = Page(write_page(folder_with(tmp_path, {"title": "Kept", "streams": 1})))
    assert page.one("h1").text == "Kept" and page.notes() == []


def test_file_names_too_long_for_the_file_system_are_as_if_absent(tmp_path: Path) -> None:
    """Asking the disk about them raised OSError (ENAMETOOLONG) out of write_page."""
    long = "x" * 300
    record = take(1, "cat.mp4")
    record["files"] |= {"thumbnail": {"path": f"{long}.jpg"}, "captions": {"path": f"{long}.vtt"}}
    takes = {"cat": [record, take(2, f"{long}.mp4")]}
    page = Page(write_page(folder_with(tmp_path, {"takes": takes}, {"cat.mp4": b"mp4"})))
    (video,) = page.all("video")
    assert "poster" not in video.attrs and page.all("track") == []
    assert page.notes() == [f"no captions: {long}.vtt is not beside the video", "take 2: the video is not on disk"]


def test_an_empty_folder_gets_a_page_that_says_there_is_nothing_yet(tmp_path: Path) -> None:
    page = Page(write_page(tmp_path))
    assert page.notes() == ["run.json is missing or unreadable: there is nothing to show yet."]


def test_a_run_json_linked_from_outside_the_folder_is_not_read(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps({"title": "Not mine", "takes": {"cat": [take(1, "cat.mp4")]}}), encoding="utf-8")
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "cat.mp4").write_bytes(b"mp4")
    (folder / "run.json").symlink_to(elsewhere)
    page = Page(write_page(folder))
    assert page.one("h1").text == "run" and [src_name(v) for v in page.all("video")] == ["cat.mp4"]  # found beside it


def test_names_and_prompts_are_text_and_file_names_are_links_that_lead_back_to_the_file(tmp_path: Path) -> None:
    name = "a \"b\" <c> & d #1 %20 ?x=é'"
    manifest = {"title": HOSTILE, "screenplay": HOSTILE,
                "streams": [{"name": name, "scene": HOSTILE, "variant": 2, "choices": [HOSTILE], "after": HOSTILE,
                             "status": "completed"}],
                "takes": {name: [take(1, f"{name}.mp4", job=HOSTILE)]}}
    manifest["takes"][name][0]["files"]["thumbnail"] = {"path": f"{name}.thumbnail.jpg"}  # type: ignore[index]
    folder = folder_with(tmp_path, manifest, {f"{name}.mp4": b"mp4", f"{name}.thumbnail.jpg": b"jpg",
                                              f"{name}.vtt": captions(HOSTILE, "line one\nline two")})
    page = Page(write_page(folder))
    assert page.one("h1").text == HOSTILE and page.one("h2").text == name
    assert {e.tag for e in page.elements} <= ELEMENTS and len(page.all("script")) == 1
    video = page.one("video")
    assert src_name(video) == f"{name}.mp4" and src_name(video, "poster") == f"{name}.thumbnail.jpg"
    assert [src_name(a, "href") for a in page.all("a")] == [f"{name}.mp4", f"{name}.mp4", f"{name}.vtt"]
    assert video.attrs["aria-label"] == f"{name}, take 1"
    # a line separator in a prompt is a line break in the captions (captions.lines)
    assert [b.text for b in page.all("button")] == [f"0:00.000 {HOSTILE.replace(chr(0x2028), chr(10))}",
                                                    "0:01.000 line one\nline two"]
    assert inline(page.one("track")) == (folder / f"{name}.vtt").read_bytes()
    assert f"scene {HOSTILE} · variant 2 ({HOSTILE}) · continues {HOSTILE}" in [p.text for p in page.all("p", "meta")]
    assert f"job {HOSTILE} · " in "".join(p.text for p in page.all("p", "meta"))


@given(st.text(st.characters(exclude_characters="/\\\0", exclude_categories=["Cs"]), min_size=1, max_size=40)
       .filter(lambda s: s.strip(" .") != "" and len(s.encode("utf-8")) < 200))
def test_any_file_name_is_a_link_that_percent_decodes_to_that_name(name: str) -> None:
    with tempfile.TemporaryDirectory() as root:
        video = f"{name}.mp4"
        folder = folder_with(Path(root), {"takes": {name: [take(1, video)]}}, {video: b"mp4"})
        page = Page(write_page(folder))
        assert src_name(page.one("video")) == video
        assert page.one("h2").text == re.sub(r"\r\n?", "\n", name)  # HTML reads every line break as \n


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(HOSTILE + "abc.mp4")
    | st.sampled_from(["abc.mp4", "abc.vtt", "x" * 300]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["title", "streams", "takes", "latest", "name", "take", "files", "video", "path", "status", "scene",
                         "variant", "choices", "job_id", "created_at", "captions", "thumbnail", "cat"])
        | st.text(max_size=5),
        inner, max_size=6),
    max_leaves=30)


@given(JSON)
def test_whatever_run_json_holds_the_page_has_only_its_own_elements(manifest: object) -> None:
    with tempfile.TemporaryDirectory() as root:
        folder = folder_with(Path(root), manifest, {"abc.mp4": b"mp4", "abc.vtt": captions(HOSTILE)})
        page = Page(write_page(folder))
        assert {e.tag for e in page.elements} <= ELEMENTS
        assert len(page.all("script")) == 1 and len(page.all("h1")) == 1


def test_the_current_take_is_the_one_latest_names_and_the_others_follow_newest_first(tmp_path: Path) -> None:
    takes = [take(n, f"cat{'' if n == 1 else f'.take{n}'}.mp4") for n in (1, 2, 3)]
    files = {"cat.mp4": b"mp4", "cat.take2.mp4": b"mp4", "cat.take3.mp4": b"mp4"}
    folder = folder_with(tmp_path, {"latest": {"cat": "cat.take2.mp4"}, "takes": {"cat": takes}}, files)
    assert [h.text for h in Page(write_page(folder)).all("h3")] == ["Take 2 (current)", "Take 3", "Take 1"]
    folder = folder_with(tmp_path, {"takes": {"cat": takes}}, files)  # no `latest`: the newest
    assert [h.text for h in Page(write_page(folder)).all("h3")] == ["Take 3 (newest on disk)", "Take 2", "Take 1"]
    (folder / "cat.take3.mp4").unlink()  # `latest` names a take no longer on disk: not called current
    folder = folder_with(tmp_path, {"latest": {"cat": "cat.take3.mp4"}, "takes": {"cat": takes}})
    page = Page(write_page(folder))
    assert [h.text for h in page.all("h3")] == ["Take 2 (newest on disk)", "Take 1"]
    assert page.notes()[-1] == "take 3: the video is not on disk"


def test_a_video_that_is_empty_or_not_the_size_run_json_recorded_is_not_offered_to_play(tmp_path: Path) -> None:
    takes = [take(1, "cat.mp4"), take(2, "cat.take2.mp4")]
    folder = folder_with(tmp_path, {"takes": {"cat": takes}}, {"cat.mp4": b"", "cat.take2.mp4": b"mp4 and more"})
    page = Page(write_page(folder))
    assert page.all("video") == []
    assert page.notes() == ["no recording on disk yet", "take 1: the video on disk is incomplete (0 bytes of 3)",
                            "take 2: the video on disk is incomplete (12 bytes of 3)"]


def test_links_out_of_the_folder_are_never_written_through_nor_read_into_the_page(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "index.html").write_text("mine", encoding="utf-8")
    (outside / "secret.vtt").write_bytes(captions("a secret"))
    folder = folder_with(tmp_path, {"takes": {"cat": [take(1, "cat.mp4")]}}, {"cat.mp4": b"mp4"})
    (folder / "cat.vtt").symlink_to(outside / "secret.vtt")
    (folder / "index.html").symlink_to(outside / "index.html")
    with pytest.raises(UsageError, match=r"refusing to write 'index\.html' outside"):
        write_page(folder)
    assert (outside / "index.html").read_text(encoding="utf-8") == "mine"
    (folder / "index.html").unlink()
    page = Page(write_page(folder))
    assert page.all("track") == [] and "a secret" not in (folder / "index.html").read_text(encoding="utf-8")
    assert page.notes() == ["no captions: cat.vtt is not beside the video"]


def test_missing_files_are_left_out_with_a_note(tmp_path: Path) -> None:
    takes = [take(1, "cat.mp4"), take(2, "cat.take2.mp4"), take(3, None)]
    takes[1]["files"]["thumbnail"] = {"path": "cat.take2.thumbnail.jpg"}
    takes[2]["files"]["video"] = {"path": "cat.take3.mp4", "size": None, "complete": False, "error": "HTTP 403"}
    folder = folder_with(tmp_path, {"takes": {"cat": takes}}, {"cat.take2.mp4": b"mp4"})
    page = Page(write_page(folder))
    (video,) = page.all("video")
    assert src_name(video) == "cat.take2.mp4" and "poster" not in video.attrs
    assert page.all("track") == [] and page.all("ol") == []
    assert page.notes() == ["no captions: cat.take2.vtt is not beside the video", "take 1: the video is not on disk",
                            "take 3: the video is not on disk (HTTP 403)"]


def test_a_scene_without_a_recording_shows_its_status(tmp_path: Path) -> None:
    manifest = {"streams": [{"name": "cat", "status": "failed", "job_id": "job-9", "error_message": "the model refused"},
                            {"name": "dog", "status": "not submitted", "after": "cat"},
                            {"name": "owl"}]}
    page = Page(write_page(folder_with(tmp_path, manifest)))
    assert [h.text for h in page.all("h2")] == ["cat", "dog", "owl"]
    assert page.notes() == ["no recording: failed (job job-9): the model refused", "no recording: not submitted",
                            "no recording on disk yet"]
    assert "continues cat" in [p.text for p in page.all("p", "meta")]


def test_a_recording_no_longer_in_the_screenplay_is_shown_after_the_others(tmp_path: Path) -> None:
    manifest = {"streams": [{"name": "cat", "status": "completed"}],
                "takes": {"old": [take(1, "old.mp4")], "cat": [take(1, "cat.mp4")]}}
    page = Page(write_page(folder_with(tmp_path, manifest, {"old.mp4": b"", "cat.mp4": b""})))
    assert [h.text for h in page.all("h2")] == ["cat", "old"]


def test_the_captions_file_run_json_names_is_used_and_one_too_large_is_not_inlined(tmp_path: Path) -> None:
    record = take(1, "cat.mp4")
    record["files"]["captions"] = {"path": "prompts.vtt", "size": 10, "complete": True}
    folder = folder_with(tmp_path, {"takes": {"cat": [record]}}, {"cat.mp4": b"mp4", "prompts.vtt": captions("Named")})
    page = Page(write_page(folder))
    assert inline(page.one("track")) == captions("Named") and [b.text for b in page.all("button")] == ["0:00.000 Named"]
    (folder / "prompts.vtt").write_bytes(captions("x" * MAX_CAPTIONS_BYTES))
    page = Page(write_page(folder))
    assert page.all("track") == [] and page.notes() == [f"no captions: prompts.vtt cannot be read or is over "
                                                        f"{MAX_CAPTIONS_BYTES // 1024} KiB"]


def test_captions_without_a_cue_give_a_track_and_say_there_are_no_cues(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, {"takes": {"cat": [take(1, "cat.mp4")]}}, {"cat.mp4": b"mp4", "cat.vtt": b"WEBVTT\n"})
    page = Page(write_page(folder))
    assert len(page.all("track")) == 1 and page.all("ol") == [] and page.notes() == ["the captions have no cues"]


def test_a_folder_an_older_ody_wrote_shows_its_takes(tmp_path: Path) -> None:
    """run.json without `takes` (and run.take2.json for the second take), read as `takes.Takes` reads it."""
    stream = {"name": "cat", "stream_id": "s1", "job_id": "job-1", "files": {"video": {"path": "cat.mp4"}}}
    folder = folder_with(tmp_path, {"title": "Old", "streams": [stream], "latest": {"cat": "cat.take2.mp4"}},
                         {"cat.mp4": b"mp4", "cat.take2.mp4": b"mp4", "cat.vtt": captions("Old cat")})
    second = {"streams": [{**stream, "stream_id": "s2", "job_id": "job-2", "files": {"video": {"path": "cat.take2.mp4"}}}]}
    (folder / "run.take2.json").write_text(json.dumps(second), encoding="utf-8")
    page = Page(write_page(folder))
    assert [h.text for h in page.all("h3")] == ["Take 2 (current)", "Take 1"]
    assert [b.text for b in page.all("button")] == ["0:00.000 Old cat"]
    assert read_vtt(inline(page.one("track")).decode()) == [Caption(0, 1000, "Old cat")]


def test_the_page_is_replaced_whole_and_a_folder_in_its_place_is_an_os_error(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, {"title": "First"})
    write_page(folder)
    (folder / "run.json").write_text(json.dumps({"title": "Second"}), encoding="utf-8")
    assert Page(write_page(folder)).one("h1").text == "Second"
    assert sorted(p.name for p in folder.iterdir()) == ["index.html", "run.json"]  # no temporary file left
    (folder / "index.html").unlink()
    (folder / "index.html").mkdir()
    with pytest.raises(IsADirectoryError):
        write_page(folder)


def test_a_link_loop_in_the_folder_is_refused_for_the_page_and_as_if_absent_for_a_take(tmp_path: Path) -> None:
    """Path.resolve raised RuntimeError for a loop, out of write_page, ody run and ody review."""
    folder = folder_with(tmp_path, {"takes": {"cat": [take(1, "cat.mp4"), take(2, "cat.take2.mp4")]}},
                         {"cat.take2.mp4": b"mp4"})
    (folder / "cat.mp4").symlink_to("cat.mp4")
    (folder / "index.html").symlink_to("index.html")
    with pytest.raises(UsageError, match=r"Symlink loop|Too many levels"):
        write_page(folder)
    (folder / "index.html").unlink()
    page = Page(write_page(folder))
    assert [src_name(v) for v in page.all("video")] == ["cat.take2.mp4"]
    assert page.notes()[-1] == "take 1: the video is not on disk"


def test_names_that_are_not_utf_8_are_linked_by_their_bytes_and_shown_with_a_mark(tmp_path: Path) -> None:
    """A folder or file name that is not UTF-8 (Python's lone surrogates) crashed the page's
    writing (UnicodeEncodeError), as did a lone surrogate in run.json."""
    manifest = {"takes": {"c\ud800t": [take(1, "c\ud800t.mp4")], "cat": [take(1, "c\udcff.mp4")]}}
    folder = folder_with(tmp_path, json.dumps(manifest).encode("ascii"), {"c\udcff.mp4": b"mp4"})
    page = Page(write_page(folder))
    (video,) = page.all("video")
    assert video.attrs["src"] == "c%FF.mp4"  # the file's own bytes: the browser finds it
    assert [h.text for h in page.all("h2")] == ["c?t", "cat"]
    other = tmp_path / "r\udcffr"
    other.mkdir()
    (other / "run.json").write_bytes(b"{garbled")
    assert Page(write_page(other)).one("h1").text == "r?r"  # no title: the folder's name
