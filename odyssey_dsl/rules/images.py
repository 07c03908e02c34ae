"""The image of a `start` cue: what cannot be sent (ODY107), and what will be cropped (ODY207).
Cheap checks only (existence, size, the header), since editors run them on every change."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from .. import images
from ..diagnostics import IMAGE_CROPPED, IMAGE_PROBLEM, Diagnostic, Fix, Span
from .registry import ImageUse, Timed, on_image

#: ODY207: an image is of the other orientation when one side is longer than this times the other.
CROP_RATIO = 1.2


def check_images(cues: Iterable[Timed], base_dir: Path, found: list[Diagnostic], portrait: bool | None = None) -> None:
    """Run the `on_image` rules on each cue that has an image (`portrait`: the video's
    orientation, None when unknown)."""
    for entry in cues:
        cue = entry.cue
        if cue.image is not None and cue.image.value is not None:
            on_image.run(ImageUse(cue, base_dir, portrait), found)


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


@on_image
def image_cropped(use: ImageUse) -> Iterator[Diagnostic]:
    """ODY207: a `start` image clearly of the other orientation than the video's: the API
    resizes it to fill the frame, cutting off its sides (or top and bottom)."""
    cue = use.cue
    assert cue.image is not None and cue.image.value is not None
    if use.portrait is None or cue.action != "start" or not cue.image.value.strip():
        return
    ref = cue.image.value
    size = images.data_url_size(ref) if images.is_data_url(ref) else images.size_of(images.image_path(ref, use.base_dir))
    if size is None:
        return
    width, height = size
    if use.portrait and width > CROP_RATIO * height:
        shape, video, other = "landscape", "portrait", "landscape"
    elif not use.portrait and height > CROP_RATIO * width:
        shape, video, other = "portrait", "landscape", "portrait"
    else:
        return
    yield IMAGE_CROPPED.at(
        cue.image.span, f"this {shape} image ({width}×{height}) will be cropped to fill a {video} video",
        f"use a {video} image (or a square one), or write `orientation {other}` at the top",
    )


def inspect(ref: str, base_dir: Path) -> images.ImageProblem | None:
    """What is wrong with an image reference (a data URL, or a path from `base_dir`), if anything."""
    if not ref.strip():
        return images.ImageProblem("the image path is empty", "write the path of a file, or a data: URL")
    result = images.inspect_data_url(ref) if images.is_data_url(ref) else images.inspect_file(
        images.image_path(ref, base_dir))
    return result if isinstance(result, images.ImageProblem) else None
