"""The FastAPI app: KServe v2 routes, bearer-token check, and which status code answers what.

200 answered; 400 malformed (protocol.BadRequest); 401 no or wrong token; 404 unknown model;
500 the runtime raised (the server keeps serving); 503 queue full or shutting down, with
Retry-After; 504 the request's timeout passed before it ran (it is not run).
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from edgecompile import __version__
from edgecompile.serve import protocol
from edgecompile.serve.batcher import Batcher, DeadlineExceeded, InferenceError, Pending, QueueFull, ShuttingDown
from edgecompile.serve.metrics import Metrics, ModelMetrics
from edgecompile.serve.model import ServedModel
from edgecompile.serve.options import ServeOptions


HEADER_LENGTH = "Inference-Header-Content-Length"  # Triton's binary tensor extension


@dataclass(frozen=True)
class Served:
    model: ServedModel
    batcher: Batcher
    metrics: ModelMetrics


def _error(status: int, reason: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": reason}, status, headers)  # KServe v2's error body


def _latest(versions: dict[str, Served]) -> Served:
    return versions[max(versions, key=lambda v: (v.isdigit(), int(v) if v.isdigit() else 0, v))]


def create_app(served: list[Served], metrics: Metrics, opts: ServeOptions) -> FastAPI:
    models: dict[str, dict[str, Served]] = {}
    for s in served:
        models.setdefault(s.model.name, {})[s.model.version] = s
    ready = asyncio.Event()

    @asynccontextmanager
    async def lifespan(app):
        for s in served:
            s.batcher.start()
        ready.set()
        yield
        # uvicorn has stopped accepting and every accepted request has been answered by now
        ready.clear()
        await asyncio.to_thread(lambda: [s.batcher.close() for s in served])

    app = FastAPI(title="edgecompile serve", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url=None)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request, exc):
        return _error(exc.status_code, str(exc.detail), exc.headers)

    @app.get("/v2/health/live")
    async def live():
        return {"live": True}

    @app.get("/v2/health/ready")
    async def server_ready():
        return {"ready": True} if ready.is_set() else _error(503, "not ready")

    router = APIRouter(dependencies=[Depends(_token_check(opts.token))] if opts.token else [])

    def find(name: str, version: str | None) -> Served:
        versions = models.get(name)
        if versions is None:
            raise HTTPException(404, f"no model '{name}' (serving: {', '.join(sorted(models))})")
        if version is None:
            return _latest(versions)
        if version not in versions:
            raise HTTPException(404, f"model '{name}' has no version '{version}' (it has {', '.join(sorted(versions))})")
        return versions[version]

    @router.get("/v2")
    async def server_metadata():
        return {"name": "edgecompile", "version": __version__, "extensions": []}

    @router.get("/v2/models/{name}")
    @router.get("/v2/models/{name}/versions/{version}")
    async def model_metadata(name: str, version: str | None = None):
        s = find(name, version)
        return {**protocol.metadata(s.model), "versions": sorted(models[name])}

    @router.get("/v2/models/{name}/ready")
    @router.get("/v2/models/{name}/versions/{version}/ready")
    async def model_ready(name: str, version: str | None = None):
        find(name, version)
        return {"ready": True} if ready.is_set() else _error(503, "not ready")

    @router.post("/v2/models/{name}/infer")
    @router.post("/v2/models/{name}/versions/{version}/infer")
    async def infer(request: Request, name: str, version: str | None = None):
        s = find(name, version)
        start = time.perf_counter()
        outcome, answer = await _answer(s, request, start, opts)
        s.metrics.answered(outcome, time.perf_counter() - start)
        return answer

    @router.get("/metrics")
    async def prometheus():
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.include_router(router)
    return app


async def _answer(s: Served, request: Request, start: float, opts: ServeOptions) -> tuple[str, Response]:
    """(outcome label, response) for one inference request."""
    try:
        req = protocol.parse(await _body(request, opts.max_body_bytes), s.model, opts.priority_levels,
                             _header_length(request))
    except protocol.BadRequest as e:
        return "bad_request", _error(400, str(e))
    deadline = None if req.timeout_s is None else start + req.timeout_s
    p = Pending(req.feeds, req.rows, req.priority, deadline)
    try:
        s.batcher.submit(p)
    except QueueFull as e:
        return "rejected", _error(503, str(e), {"Retry-After": str(e.retry_after)})
    except ShuttingDown:
        return "rejected", _error(503, "the server is shutting down", {"Retry-After": "1"})
    waiting = asyncio.wrap_future(p.future)
    if deadline is not None:
        done, _ = await asyncio.wait({waiting}, timeout=max(0.0, deadline - time.perf_counter()))
        if not done and s.batcher.cancel(p):
            return "timeout", _error(504, f"timeout of {req.timeout_s * 1e6:.0f} us passed while queued; not run")
    try:
        results = await waiting
    except DeadlineExceeded:
        return "timeout", _error(504, f"timeout of {req.timeout_s * 1e6:.0f} us passed while queued; not run")
    except InferenceError as e:
        return "error", _error(500, f"inference failed: {e}")
    body, header_length = protocol.response(s.model, req, results)
    if header_length is None:
        return "ok", Response(body, media_type="application/json")
    return "ok", Response(body, media_type="application/octet-stream",
                          headers={HEADER_LENGTH: str(header_length)})


def _header_length(request: Request) -> int | None:
    value = request.headers.get(HEADER_LENGTH)
    if value is None:
        return None
    if not value.isdigit():
        raise protocol.BadRequest(f"{HEADER_LENGTH} must be a number of bytes, not {value!r}")
    return int(value)


async def _body(request: Request, limit: int) -> bytes:
    """The request body, refused as soon as it is known to exceed `limit` bytes."""
    too_big = f"the body is over the limit of {limit} bytes (--max-body-mb)"
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise protocol.BadRequest(too_big)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise protocol.BadRequest(too_big)
        chunks.append(chunk)
    return b"".join(chunks)


def _token_check(token: str):
    # Compare digests so the comparison takes the same time whatever the length of the guess.
    expected = hashlib.sha256(f"Bearer {token}".encode()).digest()

    async def check(authorization: str = Header(default="")):
        if not hmac.compare_digest(hashlib.sha256(authorization.encode()).digest(), expected):
            raise HTTPException(401, "a valid 'Authorization: Bearer <token>' header is required",
                                {"WWW-Authenticate": "Bearer"})
    return check
