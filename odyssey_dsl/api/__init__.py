"""The Simulate API's contract, in one place: what we send (`request`), what it answers
(`responses`), and how a JSON answer becomes a typed value or one clear error (`shapes`).

Plain dataclasses, no pydantic: the compiler, `ody check`, `ody decompile`, the runner and the
emulator all read these, and the default install must not need a validation library. The
emulator derives its FastAPI models from the same classes.
"""

from .request import ACTION_KEYS, ACTIONS, ENTRY_KEYS, REQUEST_KEYS, SOURCES, TokenRequest
from .responses import (
                        ACTIVE,
                        FINAL,
                        STATUSES,
                        JobDetail,
                        JobList,
                        JobSummary,
                        Problem,
                        Recording,
                        RecordingList,
                        Stream,
                        StreamRecording,
                        Token,
                        UsageProblem,
                        is_active,
                        is_rendering,
)
from .shapes import ShapeError, read

__all__ = [
    "ACTIONS", "ACTION_KEYS", "ACTIVE", "ENTRY_KEYS", "FINAL", "REQUEST_KEYS", "SOURCES", "STATUSES", "JobDetail",
    "JobList", "JobSummary", "Problem", "Recording", "RecordingList", "ShapeError", "Stream", "StreamRecording",
    "Token", "TokenRequest", "UsageProblem", "is_active", "is_rendering", "read",
]
