"""The review page in a real headless browser (Debian's Chromium), opened from `file://` as a
user opens it, with no flag that relaxes file-origin rules: it loads with no console error and
no failed request, every take's video reports its duration, each caption track loads all the
cues of the `.vtt` beside its video, a cue seeks its video (by mouse and by keyboard), the cue
playing is marked, and the page fits a phone's screen.

The run folder comes from real runs: `ody run --emulator` of a two-scene screenplay, then an
edit of one scene and a second run (so that scene has a second take), then `ody review`.
The names and prompts are hostile on purpose: spaces, `&`, non-ASCII, quotes and `<script>`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import webvtt
from browser_support import Visit, chromium, visiting
from emulator_support import renderer_available
from runner_support import Home, make_home

pytestmark = pytest.mark.skipif(not renderer_available(), reason="the emulator's renderer is not installed")

SCREENPLAY = """\
title "Naps <script>alert('title')</script> & \\"friends\\""
scene "café nap"
@0 start "A ginger cat dozes — <script>alert('x')</script> & \\"purrs\\""
@1s interact "The cat wakes & looks <outside>"
@2s end
scene "dog & bone"
@0 start "A dog runs on a beach"
@1s end
"""
EDITED = SCREENPLAY.replace("A dog runs on a beach", "A dog swims in the sea")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Home:
    """Two real runs of one screenplay (the second after an edit of one scene), and the page."""
    home = make_home(tmp_path_factory.mktemp("review"))
    path = home.screenplay("naps.ody", SCREENPLAY)
    first = home.ody("run", "naps.ody", "--emulator")
    assert first.returncode == 0, first.stderr
    path.write_text(EDITED, encoding="utf-8")
    second = home.ody("run", "naps.ody", "--emulator")
    assert second.returncode == 0, second.stderr
    folder = home.work / "recordings" / "naps"
    assert (folder / "dog & bone.take2.mp4").is_file() and (folder / "dog & bone.mp4").is_file()
    videos = sorted(folder.glob("*.mp4"))
    assert len(videos) == 3 and all(v.with_suffix(".vtt").is_file() for v in videos)  # the runner's captions
    assert "dog &amp; bone.take2.mp4" in (folder / "index.html").read_text(encoding="utf-8")  # the runner's page
    review = home.ody("review", str(folder), DISPLAY="", WAYLAND_DISPLAY="")
    assert review.returncode == 0, review.stderr
    assert review.stdout == f"{folder / 'index.html'}\n"
    return home


def _folder(home: Home) -> Path:
    return home.work / "recordings" / "naps"


@pytest.fixture
def page(run: Home) -> Iterator[Visit]:
    with chromium() as browser, visiting(browser, (_folder(run) / "index.html").as_uri()) as visit:
        visit.page.wait_for_function("() => [...document.querySelectorAll('video')].every(v => v.readyState >= 1)")
        yield visit


def test_the_page_loads_from_a_file_url_without_a_console_error_or_a_failed_request(page: Visit) -> None:
    assert page.page.title() == "Naps <script>alert('title')</script> & \"friends\" — review"
    assert page.page.locator("h1").inner_text() == "Naps <script>alert('title')</script> & \"friends\""
    assert page.page.locator("script").count() == 1  # ours: every prompt and name is text
    assert page.problems == []
    assert page.requested and all(urlsplit(url).scheme in ("file", "data") for url in page.requested)


def test_every_take_plays_the_video_beside_the_page_with_a_finite_duration(page: Visit) -> None:
    videos = page.page.evaluate("[...document.querySelectorAll('video')].map(v => [v.ariaLabel, v.duration,"
                                " decodeURIComponent(new URL(v.currentSrc).pathname.split('/').pop())])")
    assert videos == [["café nap, take 1", 2, "café nap.mp4"], ["dog & bone, take 2", 1, "dog & bone.take2.mp4"],
                      ["dog & bone, take 1", 1, "dog & bone.mp4"]]
    assert page.problems == []


def test_each_caption_track_loads_every_cue_of_the_vtt_beside_its_video(page: Visit, run: Home) -> None:
    page.page.wait_for_function("() => [...document.querySelectorAll('track')].every(t => t.readyState === 2)")
    tracks = page.page.evaluate("[...document.querySelectorAll('video')].map(v => [...v.textTracks].map(t => "
                                "[t.kind, t.mode, [...t.cues].map(c => [c.startTime, c.endTime, c.text])]))")
    expected = []
    for name in ("café nap.vtt", "dog & bone.take2.vtt", "dog & bone.vtt"):
        cues = webvtt.read(str(_folder(run) / name)).captions
        expected.append([["captions", "showing", [[c.start_in_seconds, c.end_in_seconds, c.raw_text] for c in cues]]])
    assert tracks == expected
    assert tracks[0][0][2][0][2] == "A ginger cat dozes — &lt;script&gt;alert('x')&lt;/script&gt; &amp; \"purrs\""
    assert tracks[1][0][2][0][2] == "A dog swims in the sea" and tracks[2][0][2][0][2] == "A dog runs on a beach"
    assert page.problems == []


def test_clicking_a_cue_seeks_its_video_and_marks_that_cue_current(page: Visit) -> None:
    cues = page.page.get_by_role("list", name="Cues of café nap, take 1").get_by_role("button")
    assert cues.all_inner_texts() == ["0:00.000\nA ginger cat dozes — <script>alert('x')</script> & \"purrs\"",
                                      "0:01.000\nThe cat wakes & looks <outside>"]
    cues.nth(1).click()
    expect_time(page, 0, 1.0)
    expect_current(page, "Cues of café nap, take 1", 1)
    cues.nth(0).click()
    expect_time(page, 0, 0.0)
    expect_current(page, "Cues of café nap, take 1", 0)
    # another take's cue seeks that take's video only
    cues.nth(1).click()
    page.page.evaluate("document.querySelectorAll('video')[2].currentTime = 0.5")
    expect_time(page, 2, 0.5)
    page.page.get_by_role("list", name="Cues of dog & bone, take 1").get_by_role("button").click()
    expect_time(page, 2, 0.0)
    expect_time(page, 0, 1.0)
    assert page.problems == []


def test_a_cue_is_activated_from_the_keyboard_and_shows_where_the_focus_is(page: Visit) -> None:
    cues = page.page.get_by_role("list", name="Cues of café nap, take 1").get_by_role("button")
    cues.nth(0).focus()
    page.page.keyboard.press("Tab")  # keyboard navigation from one cue to the next
    assert cues.nth(1).evaluate("b => b === document.activeElement && b.matches(':focus-visible')")
    assert cues.nth(1).evaluate("b => getComputedStyle(b).outlineStyle") == "solid"
    page.page.keyboard.press("Enter")
    expect_time(page, 0, 1.0)
    page.page.keyboard.press("Shift+Tab")
    page.page.keyboard.press("Space")
    expect_time(page, 0, 0.0)
    expect_current(page, "Cues of café nap, take 1", 0)
    assert page.problems == []


def test_the_cue_playing_is_marked_as_the_video_plays(page: Visit) -> None:
    """Played slowly from the first cue: the second is marked when its time comes."""
    page.page.evaluate("""() => {
        window.marked = [];
        new MutationObserver(() => {
            const on = document.querySelector('ol.cues button[aria-current="true"]');
            if (on) { window.marked.push(on.dataset.start); }
        }).observe(document.body, {attributes: true, subtree: true, attributeFilter: ['aria-current']});
        const video = document.querySelector('video');
        video.muted = true;
        video.playbackRate = 0.25;
        return video.play();
    }""")
    page.page.wait_for_function("() => window.marked.includes('1.000')")
    assert page.page.evaluate("window.marked[0]") == "0.000"
    assert page.problems == []


def test_the_page_fits_a_phone_screen(run: Home) -> None:
    with chromium() as browser, visiting(browser, (_folder(run) / "index.html").as_uri(), 360, 740) as visit:
        sizes = visit.page.evaluate("[document.documentElement.scrollWidth, innerWidth,"
                                    " ...[...document.querySelectorAll('video')].map(v => v.getBoundingClientRect().right)]")
        assert sizes[0] <= sizes[1] and all(right <= sizes[1] for right in sizes[2:])
        assert visit.problems == []


def test_this_browser_refuses_a_caption_file_beside_a_file_page_which_is_why_they_are_inline(run: Home) -> None:
    """The control: the same `.vtt` by reference does not load from `file://` here, so the
    browser is as strict as a user's and the inline captions are what make the tracks work."""
    control = _folder(run) / "control.html"
    control.write_text('<!DOCTYPE html><video src="dog.mp4"><track kind="captions" default src="dog%20%26%20bone.vtt">'
                       "</video>", encoding="utf-8")
    try:
        with chromium() as browser, visiting(browser, control.as_uri()) as visit:
            visit.page.wait_for_function("() => document.querySelector('track').readyState >= 2")
            assert visit.page.evaluate("document.querySelector('track').readyState") == 3  # ERROR
            assert any("file:" in problem for problem in visit.problems)
    finally:
        control.unlink()


class _Links(HTMLParser):
    """Every URL-bearing attribute of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls.extend(value or "" for name, value in attrs if name in ("src", "href", "poster", "action", "srcset"))


def test_the_page_names_no_external_url_and_links_only_files_beside_it(run: Home) -> None:
    folder = _folder(run)
    text = (folder / "index.html").read_text(encoding="utf-8")
    links = _Links()
    links.feed(text)
    assert links.urls
    for url in links.urls:
        parts = urlsplit(url)
        assert parts.scheme == "data" or (not parts.scheme and not parts.netloc and "/" not in url), url
    assert "http:" not in text and "https:" not in text and "url(" not in text


def test_ody_review_without_a_folder_picks_the_newest_run_folder_from_the_journal(run: Home) -> None:
    done = run.ody("review", DISPLAY="", WAYLAND_DISPLAY="")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{_folder(run) / 'index.html'}\n"
    assert f"reviewing the newest run folder: {_folder(run)}" in done.stderr
    manifest = json.loads((_folder(run) / "run.json").read_text(encoding="utf-8"))
    assert manifest["latest"]["dog & bone"] == "dog & bone.take2.mp4"


def expect_time(page: Visit, video: int, seconds: float) -> None:
    """Video number `video` of the page is (or soon is) at `seconds`, to the millisecond."""
    page.page.wait_for_function("([i, t]) => Math.abs(document.querySelectorAll('video')[i].currentTime - t) < 0.001",
                                arg=[video, seconds])


def expect_current(page: Visit, cues: str, index: int) -> None:
    """The cue `index` of the list named `cues` is marked current, alone (waited for)."""
    page.page.wait_for_function("""([name, index]) => {
        const list = [...document.querySelectorAll('ol.cues')].find(ol => ol.getAttribute('aria-label') === name);
        return [...list.querySelectorAll('button')]
            .every((b, i) => (b.getAttribute('aria-current') === 'true') === (i === index));
    }""", arg=[cues, index])
