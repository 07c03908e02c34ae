"""The image of a `start` cue (ODY107): cheap checks only (existence, size, first bytes),
since editors run them on every change."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from .. import images
from ..diagnostics import IMAGE_PROBLEM, Diagnostic, Fix, Span
from .registry import ImageUse, Timed, on_image


def check_images(cues: Iterable[Timed], base_dir: Path, found: list[Diagnostic]) -> None:
    """Run the `on_image` rules on each cue that has an image."""
    for entry in cues:
        cue = entry.cue
        if cue.image is not None and cue.image.value is not None:
            on_image.run(ImageUse(cue, base_dir), found)


@on_image
def image_problem(use: ImageUse) -> Iterator[Diagnostic]:
    """ODY107: an image on a cue other than `start`, or one that cannot be sent."""
    cue = use.cue
    assert cue.image is not None and cue.image.value is not None and cue.image_keyword is not None
    span = Span(cue.image_keyword.line, cue.image_keyword.column, cue.image.span.end_line, cue.image.span.end_column)
    if cue.action != "start":
        before = cue.prompt.span if cue.prompt is not None else cue.keyword
        yield IMAGE_PROBLEM.at(
            span, f"only `start` takes an image, not `{cue.action}`",
            "the image sets the opening frame: move it to the `start` cue",
            (Fix("Remove the image", Span(before.end_line, before.end_column, span.end_line, span.end_column), ""),),
        )
        return
    problem = inspect(cue.image.value, use.base_dir)
    if problem is not None:
        yield IMAGE_PROBLEM.at(cue.image.span, problem.message, problem.help)


def inspect(ref: str, base_dir: Path) -> images.ImageProblem | None:
    """What is wrong with an image reference (a data URL, or a path from `base_dir`), if anything."""
    if not ref.strip():
        return images.ImageProblem("the image path is empty", "write the path of a file, or a data: URL")
    result = images.inspect_data_url(ref) if images.is_data_url(ref) else images.inspect_file(base_dir / ref)
    return result if isinstance(result, images.ImageProblem) else None
