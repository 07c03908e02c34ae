"""The FastAPI application: the Simulate API's paths, JSON shapes, status codes and errors.

`create_app(settings)` is the one way to build it, for the command line and for tests, so
every fault and limit is set through `Settings`. Every error answer is JSON with a string
`detail` (FastAPI's own validation errors are rewritten into one), and nothing a client sends
escapes as a 500 without a JSON body.

(No `from __future__ import annotations` here: FastAPI reads the endpoints' annotations at run
time, and they name aliases local to `create_app`.)
"""

import json
import os
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, BeforeValidator, TypeAdapter
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response

from .._support.numbers import whole_number
from .._support.sizes import size_text
from ..api import (
    JobDetail,
    JobList,
    Problem,
    Recording,
    RecordingList,
    Token,
    TokenRequest,
    UsageProblem,
)
from ..models import SimulationRequest
from .auth import Auth
from .errors import ApiError, problem
from .faults import Dice, FaultLayer, RateLimiter, Receive, Scope, Send
from .files import file_response
from .lifecycle import Worker
from .service import Service
from .settings import Settings
from .store import Store
from .urls import Signer, load_secret

DATABASE = "emulator.sqlite3"
LOCK_FILE = "lock"
TOKEN_BODY_LIMIT = 64 * 1024
DRAIN_LIMIT = 256 * 1024 * 1024
_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": Problem} for code in (400, 401, 403, 404, 413, 422)}
_ERRORS[429] = {"model": UsageProblem}


class EmulatorApp(FastAPI):
    """FastAPI with the fault layer outside everything, where it can reach the connection."""

    faults: FaultLayer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.faults(scope, receive, send, super().__call__)


def create_app(settings: Settings) -> EmulatorApp:
    """The app over `settings.data_dir`, which it holds alone until the app shuts down."""
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    lock = _lock(data_dir)
    store = Store(data_dir / DATABASE)
    dice = Dice(settings.seed)
    service = Service(settings, store, Signer(load_secret(data_dir), settings.url_ttl), dice, Worker(settings, store))
    auth = Auth(settings, store)
    limiter = RateLimiter(settings.rate_limit)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        service.worker.start()
        try:
            yield
        finally:
            await run_in_threadpool(service.worker.stop)
            store.close()
            os.close(lock)

    app = EmulatorApp(title="Odyssey Simulate API (ody emulator)", version="1", lifespan=lifespan,
                      description="A local emulator of Odyssey's Simulate API: same paths, shapes and errors, "
                                  "real recordings. See docs/emulator.md.")
    app.faults = FaultLayer(settings, dice)
    app.state.service = service
    _handlers(app)

    def owner(authorization: Annotated[str | None, Header(include_in_schema=False)] = None) -> str:
        key = auth.owner(authorization)
        limiter.check(key)
        return key

    Owner = Annotated[str, Depends(owner)]
    Limit = Annotated[int, BeforeValidator(_whole), Query(ge=1, le=100)]
    Offset = Annotated[int, BeforeValidator(_whole), Query(ge=0, le=2**62)]

    @app.get("/", include_in_schema=False)
    def index() -> dict[str, str]:
        return {"service": "ody emulator of the Odyssey Simulate API", "openapi": "/openapi.json", "docs": "/docs"}

    @app.post("/telemetry", status_code=204, include_in_schema=False)
    def telemetry() -> Response:
        """The official SDK posts usage telemetry here; the emulator keeps none of it."""
        return Response(status_code=204)

    @app.post("/auth/token", response_model=Token, responses=_ERRORS, tags=["auth"],
              openapi_extra=_body_schema(TypeAdapter(TokenRequest).json_schema()))
    async def token(request: Request) -> Token:
        body = await _read_body(request, TOKEN_BODY_LIMIT)
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            raise ApiError(422, "the body must be JSON like {\"api_key\": \"ody_...\"}") from None
        key = data.get("api_key") if isinstance(data, dict) else None
        access_token, expires_in = await run_in_threadpool(auth.exchange, key)
        return Token(access_token=access_token, expires_in=expires_in, token_type="bearer")

    @app.post("/simulation-jobs", response_model=JobDetail, responses=_ERRORS, tags=["simulation jobs"],
              openapi_extra=_body_schema(SimulationRequest.model_json_schema(ref_template="#/components/schemas/{model}")))
    async def submit(request: Request, key: Owner) -> JobDetail:
        body = await _read_body(request, settings.max_body_bytes)
        return await run_in_threadpool(service.submit, key, body, str(request.base_url))

    @app.get("/simulation-jobs", response_model=JobList, responses=_ERRORS, tags=["simulation jobs"])
    def list_jobs(key: Owner, status: str | None = None, active: bool | None = None, limit: Limit = 20,
                  offset: Offset = 0) -> JobList:
        return service.jobs(key, status, active, limit, offset)

    @app.get("/simulation-jobs/{job_id}", response_model=JobDetail, responses=_ERRORS, tags=["simulation jobs"])
    def job(job_id: str, key: Owner, request: Request) -> JobDetail:
        return service.job(key, job_id, str(request.base_url))

    @app.delete("/simulation-jobs/{job_id}", response_model=JobDetail, responses=_ERRORS,
                tags=["simulation jobs"])
    def cancel(job_id: str, key: Owner, request: Request) -> JobDetail:
        return service.cancel(key, job_id, str(request.base_url))

    @app.get("/recordings/{stream_id}", response_model=Recording, responses=_ERRORS, tags=["recordings"])
    def recording(stream_id: str, key: Owner, request: Request) -> Recording:
        return service.recording(key, stream_id, str(request.base_url))

    @app.get("/stream-recordings", response_model=RecordingList, responses=_ERRORS, tags=["recordings"])
    def recordings(key: Owner, limit: Limit = 20, offset: Offset = 0) -> RecordingList:
        return service.recordings(key, limit, offset)

    @app.get("/files/{stream_id}/{name}", tags=["files"], response_class=Response,
             responses={206: {"description": "Part of the file"}, 403: {"model": Problem},
                        404: {"model": Problem}, 416: {"model": Problem}},
             summary="A recording file at a signed, expiring URL (no Authorization header)")
    def download(stream_id: str, name: str, request: Request, expires: str | None = None,
                 signature: str | None = None) -> Response:
        path = service.file(stream_id, name, expires, signature)
        return file_response(path, request.headers.get("range"), head=False)

    @app.head("/files/{stream_id}/{name}", include_in_schema=False)
    def download_head(stream_id: str, name: str, request: Request, expires: str | None = None,
                      signature: str | None = None) -> Response:
        path = service.file(stream_id, name, expires, signature)
        return file_response(path, request.headers.get("range"), head=True)

    _add_schemas(app, SimulationRequest)
    return app


def _whole(value: object) -> object:
    """A query number by the rules of every number a client sends (`whole_number`): pydantic
    alone reads `+5`, ` 5`, `1_0` and `5.0` as numbers."""
    if not isinstance(value, str):
        return value
    number = whole_number(value, max_digits=19)  # 2**62, the largest offset, has 19
    if number is None:
        raise ValueError("must be a whole number written with the digits 0-9 only")
    return number


def _lock(data_dir: Path) -> int:
    """An exclusive lock on the data directory: two emulators over one directory would both
    render its streams. The system drops the lock when the process dies, even by SIGKILL."""
    fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here, run one emulator per directory
        return fd
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise RuntimeError("another emulator is using it") from None
    return fd


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, or 413 past `limit`; the rest is read and dropped (up to a bound) so that a
    client still uploading hears the 413 instead of a broken pipe."""
    declared = whole_number(request.headers.get("content-length"))
    chunks: list[bytes] = []
    size = 0
    too_big = declared is not None and declared > limit
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                too_big = True
            if too_big:
                chunks.clear()
                if size > DRAIN_LIMIT:
                    break
                continue
            chunks.append(chunk)
    except ClientDisconnect:
        raise ApiError(400, "the client went away before the body was read") from None
    if too_big:
        raise ApiError(413, f"the body is over the {size_text(limit)} limit")
    return b"".join(chunks)


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, error: ApiError) -> JSONResponse:
        return JSONResponse(error.body(), error.status, headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        parts = []
        for e in error.errors()[:10]:
            where = ".".join(str(p) for p in e.get("loc", ())[1:]) or "request"
            parts.append(f"{where}: {e.get('msg', 'invalid')}")
        return JSONResponse(problem("; ".join(parts) or "invalid request"), 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(problem(str(error.detail)), error.status_code, headers=error.headers)

    @app.exception_handler(Exception)
    async def crash(_: Request, error: Exception) -> JSONResponse:
        print(f"ody emulator: internal error: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
        return JSONResponse(problem("internal error in the emulator"), 500)


def _body_schema(schema: dict[str, Any]) -> dict[str, Any]:
    schema = {k: v for k, v in schema.items() if k != "$defs"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _add_schemas(app: FastAPI, model: type[BaseModel]) -> None:
    """Put the request model's sub-schemas where its `$ref`s point (components)."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            defs = model.model_json_schema(ref_template="#/components/schemas/{model}").get("$defs", {})
            schema.setdefault("components", {}).setdefault("schemas", {}).update(defs)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend its schema


__all__ = ["EmulatorApp", "create_app"]
