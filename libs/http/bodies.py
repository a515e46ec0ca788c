"""The one path every JSON request body takes: media type, depth, strict types, strings.

Litestar decodes a body into ``Any`` and then converts it to the handler's ``data`` type
with msgspec in lax mode, which turns ``"100"`` and ``1.0`` into ``100`` and ``"false"``
into ``False``, and recurses without bound into a deeply nested body. ``StrictRequest``
(the request class of every service app) replaces that step:

1. the body must be declared JSON (``application/json`` or ``application/*+json``),
   otherwise 415;
2. it is decoded straight into the handler's ``data`` type with ``strict=True``: money,
   counts and flags must be exactly the JSON type the schema says;
3. nesting is bounded: deeper than ``MAX_DEPTH`` levels (or deep enough to exhaust the
   decoder's recursion guard) is refused with 400 before anything else runs;
4. every string is checked and NFC-normalized by its kind (``contracts.text``): ids,
   names and free text (a mapping's keys as non-empty names, its values as text).

Litestar then converts the already typed value, which passes through unchanged.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import ClientException, ValidationException
from litestar.serialization import default_deserializer
from litestar.types import Empty

from contracts import text

MAX_DEPTH = 32
"""Deepest nesting of arrays and objects a request body may have."""

_JSON_TYPES = ("application/json",)


class StrictRequest(Request[Any, Any, Any]):
    """A request whose JSON body is decoded by the rules of the module docstring."""

    async def json(self) -> Any:
        if self._json is Empty:
            if (cached := self._connection_state.json) is not Empty:
                self._json = cached
            else:
                body = await self.body()
                _check_media_type(self.headers.get("content-type"), body)
                value = decode_body(body or b"null", _data_type(self))
                self._json = self._connection_state.json = value
        return self._json


def _check_media_type(content_type: str | None, body: bytes) -> None:
    if not body:
        return
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in _JSON_TYPES or (media.startswith("application/") and media.endswith("+json")):
        return
    raise ClientException(
        status_code=415,
        detail=f"the body must be sent as application/json, not {media or 'an undeclared type'}",
    )


def _data_type(request: Request[Any, Any, Any]) -> Any:
    field = request.route_handler.parsed_data_field
    return Any if field is None else field.annotation


def _invalid(path: str, message: str) -> ValidationException:
    """A 400 naming ``path`` (the problem's ``errors[].field``), or the body when empty."""
    located = f"{message} - at `$.{path}`" if path else message
    return ValidationException(detail="Invalid input", extra=[{"key": "", "message": located}])


def decode_body(body: bytes, target: Any) -> Any:
    """``body`` decoded strictly into ``target``, with its strings checked; 400 otherwise."""
    try:
        value = msgspec.json.decode(body, type=target, strict=True, dec_hook=default_deserializer)
    except RecursionError:
        raise _invalid("", f"the body is nested deeper than {MAX_DEPTH} levels") from None
    except msgspec.ValidationError as exc:
        raise ValidationException(
            detail="Invalid input", extra=[{"key": "", "message": str(exc)}]
        ) from None
    except msgspec.DecodeError as exc:
        raise _invalid("", f"the body is not valid JSON: {exc}") from None
    return _clean(value, "", "text", 0)


def _clean(value: Any, path: str, kind: text.Kind, depth: int) -> Any:
    """``value`` with every string checked and normalized; refuses nesting too deep."""
    if depth > MAX_DEPTH:
        raise _invalid("", f"the body is nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        wrong = text.problem_with(kind, value)
        if wrong is not None:
            raise _invalid(path, wrong)
        return text.normalized(value)
    if isinstance(value, msgspec.Struct):
        changes: dict[str, Any] = {}
        for name in value.__struct_fields__:
            before = getattr(value, name)
            after = _clean(before, _join(path, name), text.kind_of(name), depth + 1)
            if after is not before:
                changes[name] = after
        return msgspec.structs.replace(value, **changes) if changes else value
    if isinstance(value, list | tuple):
        cleaned = [_clean(v, f"{path}[{i}]", kind, depth + 1) for i, v in enumerate(value)]
        if all(a is b for a, b in zip(cleaned, value, strict=True)):
            return value
        return type(value)(cleaned)
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        changed = False
        for key, item in value.items():
            name = str(key)
            if name == "":
                raise _invalid(path, "a key of this mapping is empty")
            new_key = _clean(key, _join(path, name), "name", depth + 1)
            new_item = _clean(item, _join(path, name), "text", depth + 1)
            changed = changed or new_key is not key or new_item is not item
            out[new_key] = new_item
        return out if changed else value
    return value


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


__all__ = ["MAX_DEPTH", "StrictRequest", "decode_body"]
