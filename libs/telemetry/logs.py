"""Structured logs: JSON lines on stderr, stamped with the trace, never carrying secrets.

Theory of operation
-------------------
:func:`configure_logging` installs one handler on the root logger (calling it again
replaces that handler, it never stacks a second one; handlers installed by others, such
as pytest's capture, are left alone). Two filters sit on the handler, so they see the
records of every logger that propagates to the root:

* :class:`TraceContextFilter` adds ``trace_id``/``span_id`` (lower-case hex of the
  current span, empty strings when there is none) and ``service``. The service is, in
  order: ``extra={"service": ...}``, the ``pdo.service`` attribute of the current span,
  the ``<name>`` of a ``services.<name>...`` logger, then the configured default. So
  in embedded mode, where nine services share one process and one handler, each line
  still names the service it came from.
* :class:`RedactionFilter` masks values under secret-looking keys (``password``,
  ``token``, ``secret``, ``authorization``, ``api_key``, ``cookie``...) in ``extra``
  fields, nested dicts and lists included, and masks ``Bearer``/``Basic`` credentials,
  ``key=value`` secrets, JWTs and Vault tokens inside the message (after ``%``
  formatting, so arguments are covered) and the exception text.

Litestar's default logging config replaces the root logger's handlers (and so would
remove this one, and with it the redaction): build every app with
``logging_config=litestar_logging_config()``, which sends Litestar's own logger through
the root handler instead.

:class:`JsonFormatter` writes one object a line: ``time`` (UTC, ISO 8601, ms),
``level``, ``logger``, ``message``, ``service``, ``trace_id``, ``span_id``, then the
(redacted) extra fields and ``exception`` when there is one.
"""

from __future__ import annotations

import datetime as dt
import json as jsonlib
import logging
import re
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, TextIO

from opentelemetry import trace

if TYPE_CHECKING:
    from litestar.logging.config import LoggingConfig


__all__ = [
    "REDACTED",
    "JsonFormatter",
    "RedactionFilter",
    "TraceContextFilter",
    "configure_logging",
    "is_secret_key",
    "litestar_logging_config",
    "redact_text",
    "redact_value",
]

REDACTED: Final = "***"

_SECRET_KEY = re.compile(
    r"pass(word|wd|phrase)|secret|token|authori[sz]ation|api[_-]?key|access[_-]?key"
    r"|private[_-]?key|credential|cookie|session[_-]?id|signature",
    re.IGNORECASE,
)

_TEXT_PATTERNS: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    # Authorization schemes: "Bearer abc.def", "Basic dXNlcjpwdw=="
    (re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*", re.IGNORECASE), r"\1 " + REDACTED),
    # key=value / key: value / "key": "value" where the key looks secret
    (
        re.compile(
            r"""(?P<k>["']?[\w-]*(?:pass(?:word|wd|phrase)|secret|token|api[_-]?key"""
            r"""|access[_-]?key|private[_-]?key|credential)[\w-]*["']?\s*[=:]\s*)"""
            r"""(?P<v>"[^"]*"|'[^']*'|[^\s,;&'"}\]]+)""",
            re.IGNORECASE,
        ),
        r"\g<k>" + REDACTED,
    ),
    # JSON Web Tokens
    (re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), REDACTED),
    # Vault service/batch/recovery tokens
    (re.compile(r"\bhv[sbr]\.[A-Za-z0-9_-]{16,}"), REDACTED),
)

# Attributes every LogRecord has; anything else on a record came from ``extra``.
_STANDARD_ATTRS: Final = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}
_ADDED_ATTRS: Final = frozenset({"service", "trace_id", "span_id"})
_REDACTED_MARK: Final = "_pdo_redacted"
_MAX_DEPTH: Final = 8


def is_secret_key(key: object) -> bool:
    """Whether a field named ``key`` holds a secret and must be masked."""
    return isinstance(key, str) and _SECRET_KEY.search(key) is not None


def redact_text(text: str) -> str:
    """``text`` with credentials (bearer tokens, ``password=...``, JWTs...) masked."""
    for pattern, replacement in _TEXT_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_value(value: Any, _depth: int = 0) -> Any:
    """A copy of ``value`` with secret-keyed entries masked, recursively; strings are
    passed through :func:`redact_text`."""
    if _depth > _MAX_DEPTH:
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {
            k: REDACTED if is_secret_key(k) else redact_value(v, _depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value(v, _depth + 1) for v in value]
    return value


def _extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {
        k: v
        for k, v in record.__dict__.items()
        if k not in _STANDARD_ATTRS and k not in _ADDED_ATTRS and not k.startswith("_")
    }


class RedactionFilter(logging.Filter):
    """Masks secrets in a record's message, arguments, extra fields and exception text.

    Never drops a record. The message is formatted once here and the arguments
    dropped, so a secret passed as a ``%s`` argument is masked too."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, _REDACTED_MARK, False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what we can, masked
            message = f"{record.msg!s} {record.args!r}"
        record.msg = redact_text(message)
        record.args = None
        for key, value in _extra_fields(record).items():
            setattr(record, key, REDACTED if is_secret_key(key) else redact_value(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        setattr(record, _REDACTED_MARK, True)
        return True


class TraceContextFilter(logging.Filter):
    """Adds ``trace_id``, ``span_id`` (hex of the current span, ``""`` without one) and
    ``service`` to every record."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        span = trace.get_current_span()
        context = span.get_span_context()
        if context.is_valid:
            record.trace_id = format(context.trace_id, "032x")
            record.span_id = format(context.span_id, "016x")
        else:
            record.trace_id = ""
            record.span_id = ""
        if not getattr(record, "service", None):
            record.service = self._service_for(record, span)
        return True

    def _service_for(self, record: logging.LogRecord, span: trace.Span) -> str:
        attributes = getattr(span, "attributes", None)
        if isinstance(attributes, Mapping):
            from_span = attributes.get("pdo.service")
            if isinstance(from_span, str) and from_span:
                return from_span
        parts = record.name.split(".")
        if len(parts) >= 2 and parts[0] == "services" and parts[1]:
            return parts[1]
        return self.service


class JsonFormatter(logging.Formatter):
    """One JSON object a line; non-ASCII (Chinese) text is kept as is."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "service": getattr(record, "service", ""),
            "trace_id": getattr(record, "trace_id", ""),
            "span_id": getattr(record, "span_id", ""),
        }
        for key, value in _extra_fields(record).items():
            payload.setdefault(key, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            payload["exception"] = record.exc_text
        if record.stack_info:
            payload["stack"] = record.stack_info
        return jsonlib.dumps(payload, ensure_ascii=False, default=str)


_TEXT_FORMAT: Final = (
    "%(asctime)s %(levelname)-7s [%(service)s] %(name)s: %(message)s "
    "trace_id=%(trace_id)s span_id=%(span_id)s"
)


class _PdoHandler(logging.StreamHandler[TextIO]):
    """The handler :func:`configure_logging` owns (so a second call can find and replace it)."""


def configure_logging(
    service: str,
    level: str = "INFO",
    json: bool = True,
    *,
    stream: TextIO | None = None,
) -> logging.Handler:
    """Send every log record to ``stream`` (stderr) as JSON lines (or text with
    ``json=False``), with trace ids and secrets masked; returns the installed handler.

    ``level`` applies to the root logger (names as in :mod:`logging`, any case). Safe to
    call again: the previous handler installed here is removed first."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _PdoHandler)]:
        root.removeHandler(old)
        old.close()
    handler = _PdoHandler(stream if stream is not None else sys.stderr)
    handler.addFilter(TraceContextFilter(service))
    handler.addFilter(RedactionFilter())
    handler.setFormatter(JsonFormatter() if json else logging.Formatter(_TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(level.upper())
    return handler


def _subclasses(cls: type[Exception]) -> set[type[Exception]]:
    found = {cls}
    for sub in cls.__subclasses__():
        found |= _subclasses(sub)
    return found


def litestar_logging_config() -> LoggingConfig:
    """A Litestar ``logging_config`` that leaves the root logger to :func:`configure_logging`.

    Litestar's ``litestar`` logger propagates to the root handler (so its lines are JSON,
    traced and redacted too), its own console/queue handlers are disabled, and uncaught
    exceptions (5xx) are logged with their traceback while 4xx answers are not."""
    from litestar.logging.config import LoggingConfig

    from contracts.errors import DomainError
    from libs.store.port import VersionConflict

    return LoggingConfig(
        configure_root_logger=False,
        handlers={
            "console": {"class": "logging.NullHandler"},
            "queue_listener": {"class": "logging.NullHandler"},
        },
        loggers={"litestar": {"level": "INFO", "handlers": [], "propagate": True}},
        log_exceptions="always",
        # Refusals are answers, not faults: no traceback for 4xx or a domain rule.
        # Litestar matches the exact class, so every known rule error is listed.
        disable_stack_trace={*range(400, 500), VersionConflict, *_subclasses(DomainError)},
    )
