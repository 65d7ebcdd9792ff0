"""Check a fake platform's traffic against the platform's published OpenAPI document.

A fake server builds one ``SpecChecker`` for its pinned document (``/work/shared/specs/...``) and
calls ``check_request`` on every request it receives, before touching its state, and
``check_response`` on every answer it gives. A request the document does not allow raises
``SpecViolation`` naming the operation, the part of the request and the schema's complaint, so
the fake can answer 400 and the test fails loudly instead of passing against a made-up API.

The documents are used as published, with two allowances:

- ``servers`` is replaced by ``/`` so requests to ``http://127.0.0.1:<port>`` match the paths;
- the documents' own validity is not re-checked (X's has duplicate enum values, which JSON Schema
  forbids but which change nothing for a request).

openapi-core cannot check OAuth 2.0 security schemes, so when an operation requires any security,
``check_request`` demands an ``Authorization`` header itself.
"""
from __future__ import annotations

import json
import warnings
from functools import lru_cache
from pathlib import Path

from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.templating.paths.finders import APICallPathFinder
from werkzeug.wrappers import Request, Response

__all__ = ["SpecChecker", "SpecViolation"]


class SpecViolation(AssertionError):
    """The request or response is not one the specification allows."""

    def __init__(self, message: str, operation_id: str | None = None):
        super().__init__(message)
        self.message = message
        self.operation_id = operation_id


def _explain(error: BaseException) -> str:
    """Follow openapi-core's chain of causes down to the schema errors, in plain words."""
    parts: list[str] = []
    seen: set[int] = set()
    stack: list[BaseException | None] = [error]
    while stack:
        err = stack.pop(0)
        if err is None or id(err) in seen:
            continue
        seen.add(id(err))
        schema_errors = getattr(err, "schema_errors", None) or ()
        for schema_error in schema_errors:
            path = "/".join(str(p) for p in getattr(schema_error, "absolute_path", ()) or ())
            message = getattr(schema_error, "message", str(schema_error))
            parts.append(f"at {path}: {message}" if path else message)
        if not schema_errors:
            text = str(err).strip() or type(err).__name__
            name = getattr(err, "name", None)
            location = getattr(err, "location", None)
            if name and location and name not in text:
                text = f"{location} parameter {name!r}: {text}"
            if text not in parts:
                parts.append(text)
        stack.append(err.__cause__)
        stack.append(err.__context__)
    return "; ".join(parts) or type(error).__name__


@lru_cache(maxsize=8)
def _load(path: str) -> tuple[OpenAPI, dict]:
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    document["servers"] = [{"url": "/"}]
    # ``application/problem+json`` is JSON too (RFC 9457); openapi-core only knows plain JSON.
    json_types = {media for path in document.get("paths", {}).values()
                  for op in path.values() if isinstance(op, dict)
                  for part in [op.get("requestBody") or {}, *(op.get("responses") or {}).values()]
                  for media in (part.get("content") or {})
                  if media.endswith("+json")}
    api = OpenAPI.from_dict(document, config=Config(
        spec_validator_cls=None,
        extra_media_type_deserializers={media: json.loads for media in json_types}))
    return api, document


class SpecChecker:
    """Validates werkzeug requests and responses against one OpenAPI document (loaded once)."""

    def __init__(self, path_to_openapi_json: str | Path):
        self.path = str(path_to_openapi_json)
        self.api, self.document = _load(self.path)

    def _operation(self, request: Request) -> tuple[str, dict]:
        openapi_request = WerkzeugOpenAPIRequest(request)
        try:
            found = APICallPathFinder(self.api.spec).find(
                openapi_request.method, openapi_request.host_url + openapi_request.path)
        except Exception as err:  # noqa: BLE001 - every "not found" flavour means the same here
            raise SpecViolation(
                f"{request.method} {request.path}: no such operation in {Path(self.path).name} "
                f"({_explain(err)})") from err
        operation = self.document["paths"][found.path.name][found.operation.name]
        return operation.get("operationId", f"{request.method} {request.path}"), operation

    def check_request(self, request: Request) -> str:
        """The operation's id, or ``SpecViolation`` saying what the document refuses."""
        operation_id, operation = self._operation(request)
        security = operation.get("security", self.document.get("security")) or []
        if security and not any(req == {} for req in security) \
                and not request.headers.get("Authorization", "").strip():
            raise SpecViolation(f"{operation_id}: the operation requires authorization and the "
                                "request has no Authorization header", operation_id)
        with warnings.catch_warnings():  # "Unsupported scheme type": OAuth 2.0, checked above
            warnings.simplefilter("ignore", UserWarning)
            result = self.api.unmarshal_request(WerkzeugOpenAPIRequest(request))
        real = [e for e in result.errors if not _is_security_error(e)]
        if real:
            raise SpecViolation(f"{operation_id}: request refused by the specification: "
                                + " | ".join(_explain(e) for e in real), operation_id)
        return operation_id

    def check_response(self, request: Request, response: Response) -> None:
        """Raise ``SpecViolation`` unless the document allows ``response`` to ``request``."""
        operation_id, _ = self._operation(request)
        result = self.api.unmarshal_response(WerkzeugOpenAPIRequest(request),
                                             WerkzeugOpenAPIResponse(response))
        if result.errors:
            raise SpecViolation(
                f"{operation_id}: response {response.status_code} not allowed by the "
                "specification: " + " | ".join(_explain(e) for e in result.errors), operation_id)


def _is_security_error(error: BaseException) -> bool:
    # Checked above by hand (openapi-core has no OAuth 2.0 provider).
    return "Security" in type(error).__name__
