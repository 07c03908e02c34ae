"""The Simulate API over HTTP: tokens, bounded retries, and errors the user can act on.

Reads (status, lists, recordings) are retried with backoff on connection errors, 500/502/503/504
and 429 RATE_LIMITED. A submit is different, because the API has no idempotency key: it is
retried as is only when the request provably never reached the server (the connection was
never opened) or the server said it did nothing (429 RATE_LIMITED, or 401 before a fresh
token). Any other failure of a submit is `Ambiguous`, and the caller reconciles (submit.py).

Every answer is read here into the API's typed shapes (`odyssey_dsl.api`): past the client,
the runner sees a `JobDetail`, never a dict, and an answer that does not fit is one
`UnexpectedAnswer` naming the field (exit 4), never a KeyError deep in the runner.

Nothing here prints, and no message built here holds the key or a token: server texts are
cleaned of both (and of terminal control characters) before they reach an exception.
"""

from __future__ import annotations

import json
import re
import threading
import time
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import httpx

from .._support.network import is_loopback
from ..api import JobDetail, JobList, Recording, ShapeError, Token, UsageProblem, read
from ..errors import Interrupted
from .errors import ApiFailure, RunnerError, UnexpectedAnswer
from .retry import Backoff, retry_after
from .target import Target

RETRYABLE_STATUS = frozenset({500, 502, 503, 504})
TOKEN_MARGIN = 60.0  # re-exchange the key this long before the token expires (a quarter of short lives)
USER_AGENT = "odyssey-dsl"

T = TypeVar("T")


class ApiRefusal(ApiFailure):
    """The server answered, and said no: `status`, and the usage error `code` of a 429."""

    def __init__(self, message: str, hint: str | None, status: int, code: str | None = None,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message, hint)
        self.status = status
        self.code = code
        self.details = details or {}


class ConcurrentLimit(ApiRefusal):
    """429 CONCURRENT_LIMIT_REACHED: worth waiting for one of our own jobs to finish."""


class Ambiguous(RunnerError):
    """A submit that may or may not have created a job (5xx, dropped connection, timeout)."""


class Client:
    """One key's session with one API; safe to share between threads."""

    def __init__(self, target: Target, backoff: Backoff, stop: threading.Event | None = None,
                 timeout: float = 30.0, quick: bool = False) -> None:
        """`quick`: for a person waiting on an answer (`ody jobs`, `status`, `cancel`): a
        connection this machine refuses is final at once, as nothing listens there. A run
        keeps retrying it, since an emulator being restarted refuses for a moment."""
        self.target = target
        self.backoff = backoff
        self.stop = stop or threading.Event()
        self.quick = quick and is_loopback(urlsplit(target.url).hostname or "")
        self.requests = 0  # every API request made (token exchanges included): `ody run --json` reports it
        self._http = httpx.Client(base_url=target.url, timeout=httpx.Timeout(timeout, connect=10.0),
                                  headers={"user-agent": USER_AGENT}, follow_redirects=False)
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    # --- the endpoints ----------------------------------------------------------------------

    def job(self, job_id: str) -> JobDetail:
        return shaped(JobDetail, self.read("GET", f"/simulation-jobs/{quote(job_id, safe='')}"))

    def jobs(self, active: bool | None = None, limit: int = 100, offset: int = 0) -> JobList:
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if active is not None:
            params["active"] = "true" if active else "false"
        return shaped(JobList, self.read("GET", "/simulation-jobs", params=params))

    def recording(self, stream_id: str) -> Recording:
        return shaped(Recording, self.read("GET", f"/recordings/{quote(stream_id, safe='')}"))

    def cancel(self, job_id: str) -> tuple[JobDetail, bool]:
        """Cancel the job: its detail, and whether the API refused (a 400: no longer pending or
        dispatched, then the detail is the job's own, which says why: already cancelled,
        processing, or final). DELETE is safe to repeat."""
        try:
            return shaped(JobDetail, self.read("DELETE", f"/simulation-jobs/{quote(job_id, safe='')}")), False
        except ApiRefusal as error:
            if error.status != 400:
                raise
            return self.job(job_id), True

    def submit(self, body: bytes) -> JobDetail:
        """POST the job once; retried only where no job can have been made (module doc)."""
        retry = 0
        fresh = False
        while True:
            try:
                answer = self._send("POST", "/simulation-jobs", content=body, fresh=fresh,
                                    headers={"content-type": "application/json"})
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
                retry = self._pause(retry, 0.0, f"cannot reach {self.target.url} ({_why(error)})")
                continue
            except httpx.TransportError as error:
                raise Ambiguous(f"the submit's answer was lost ({_why(error)})") from None
            if answer.status_code == 401 and not fresh:
                fresh = True
                continue
            if answer.status_code in RETRYABLE_STATUS:
                raise Ambiguous(f"the server answered {answer.status_code} to the submit")
            if answer.status_code == 429 and _usage_code(answer) == "RATE_LIMITED":
                retry = self._pause(retry, _wait_asked(answer), "rate limited (429 RATE_LIMITED)")
                continue
            return shaped(JobDetail, self._json(answer))

    # --- reads, with retries ------------------------------------------------------------------

    def read(self, method: str, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """The decoded JSON object of a read, after retries (the endpoints above shape it)."""
        retry = 0
        fresh = False
        while True:
            try:
                answer = self._send(method, path, params=params, fresh=fresh)
            except httpx.TransportError as error:
                retry = self._pause(retry, 0.0, f"cannot reach {self.target.url} ({_why(error)})", error)
                continue
            if answer.status_code == 401 and not fresh:
                fresh = True
                continue
            if answer.status_code in RETRYABLE_STATUS:
                retry = self._pause(retry, _wait_asked(answer), f"the server answered {answer.status_code}")
                continue
            if answer.status_code == 429 and _usage_code(answer) == "RATE_LIMITED":
                retry = self._pause(retry, _wait_asked(answer), "rate limited (429 RATE_LIMITED)")
                continue
            try:
                return self._json(answer)
            except _Garbled as error:
                retry = self._pause(retry, 0.0, str(error))

    def _pause(self, retry: int, asked: float, why: str, error: Exception | None = None) -> int:
        """Wait before the next try, or give up with `why` once the tries are spent (at once
        for a `quick` client refused by this machine)."""
        if self.quick and isinstance(error, httpx.ConnectError):
            raise ApiFailure(self.clean(why), "nothing listens there: start the API (or the emulator), "
                                              "or check the API URL")
        if retry + 1 >= self.backoff.attempts:
            raise ApiFailure(f"{self.clean(why)}; gave up after {self.backoff.attempts} tries",
                             "check the network and the API URL, then run the same command again")
        if self.stop.wait(self.backoff.delay(retry, asked)):
            raise Interrupted()
        return retry + 1

    def _send(self, method: str, path: str, fresh: bool, **kwargs: Any) -> httpx.Response:
        token = self.token(fresh)
        headers = {**kwargs.pop("headers", {}), "authorization": f"Bearer {token}"}
        self.requests += 1
        return self._http.request(method, path, headers=headers, **kwargs)

    # --- tokens ---------------------------------------------------------------------------------

    def token(self, fresh: bool = False) -> str:
        """A valid access token, exchanged again near its expiry or when `fresh` is asked
        (after a 401: one fresh exchange, then a 401 is final)."""
        with self._lock:
            if fresh or self._token is None or time.monotonic() > self._expires:
                self._exchange()
            assert self._token is not None
            return self._token

    def _exchange(self) -> None:
        retry = 0
        while True:
            try:
                self.requests += 1
                answer = self._http.post("/auth/token", json={"api_key": self.target.key})
            except httpx.TransportError as error:
                retry = self._pause(retry, 0.0, f"cannot reach {self.target.url} ({_why(error)})", error)
                continue
            if answer.status_code in RETRYABLE_STATUS or (answer.status_code == 429
                                                          and _usage_code(answer) == "RATE_LIMITED"):
                retry = self._pause(retry, _wait_asked(answer), f"the token exchange answered {answer.status_code}")
                continue
            if answer.status_code in (401, 403, 422):
                what = {401: "the API key was refused (401)", 403: "access denied (403)",
                        422: "the API key is malformed (422)"}[answer.status_code]
                raise ApiRefusal(f"{what}: {self.clean(_detail(answer))}",
                                 "check ODYSSEY_API_KEY or `ody config set api-key`", answer.status_code)
            token = shaped(Token, self._json(answer))
            if not token.access_token:
                raise ApiFailure("the token exchange answered something that is not a token")
            life = max(0.0, token.expires_in)
            self._token = token.access_token
            self._expires = time.monotonic() + life - min(TOKEN_MARGIN, life / 4)
            return

    # --- answers --------------------------------------------------------------------------------

    def _json(self, answer: httpx.Response) -> dict[str, Any]:
        if answer.status_code >= 400:
            raise self.refusal(answer)
        try:
            data = answer.json()
        except (ValueError, RecursionError):  # not JSON or UTF-8, a 5,000-digit number, nested too deep
            raise _Garbled(f"the server answered {answer.status_code} with something that is not JSON") from None
        if not isinstance(data, dict):
            raise _Garbled(f"the server answered {answer.status_code} with JSON that is not an object")
        return data

    def refusal(self, answer: httpx.Response) -> ApiRefusal:
        """The exception for a final error answer, with the action the server suggests."""
        status, code = answer.status_code, _usage_code(answer)
        if status == 429:
            problem = _problem(answer)
            message = self.clean(problem.message or _detail(answer))
            action = self.clean(problem.action or "") or None
            kind = ConcurrentLimit if code == "CONCURRENT_LIMIT_REACHED" else ApiRefusal
            return kind(f"{code or 'usage limit'}: {message}", action, status, code, problem.details)
        hints = {401: "check ODYSSEY_API_KEY or `ody config set api-key`",
                 403: "this key may not do that: check the job id and the key's privileges",
                 404: "check the job id (`ody jobs` lists them)"}
        return ApiRefusal(f"the API answered {status}: {self.clean(_detail(answer))}", hints.get(status), status)

    def clean(self, text: str) -> str:
        """Server text made safe to print: no key, no token, no control characters, bounded."""
        for secret in (self.target.key, self._token):
            if secret:
                text = text.replace(secret, "***")
        text = _CONTROL.sub("?", text)
        return text if len(text) <= 500 else text[:499] + "…"


def shaped(cls: type[T], data: dict[str, Any]) -> T:
    """A success answer as its typed shape, or the one error that says which field is wrong."""
    try:
        return read(cls, data)
    except ShapeError as error:
        raise UnexpectedAnswer(f"the API answered something unexpected: {error}", error.where) from None


class _Garbled(Exception):
    """A success status whose body is not the JSON object the API promises."""


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _body(answer: httpx.Response) -> dict[str, Any]:
    try:
        data = answer.json()
    except (ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def _detail(answer: httpx.Response) -> str:
    detail = _body(answer).get("detail")
    if isinstance(detail, str) and detail:
        return detail
    if isinstance(detail, (list, dict)):
        return json.dumps(detail)[:300]
    return answer.reason_phrase or "no detail"


def _problem(answer: httpx.Response) -> UsageProblem:
    """The body of a 429; a body that does not fit says nothing (the status still counts)."""
    try:
        return read(UsageProblem, _body(answer))
    except ShapeError:
        return UsageProblem()


def _usage_code(answer: httpx.Response) -> str | None:
    return _problem(answer).name if answer.status_code == 429 else None


def _wait_asked(answer: httpx.Response) -> float:
    seconds = _problem(answer).details.get("retry_after_seconds")
    return retry_after(answer.headers.get("retry-after"), seconds)


def _why(error: Exception) -> str:
    return type(error).__name__ if not str(error) else f"{type(error).__name__}: {str(error)[:200]}"

