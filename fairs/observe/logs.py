"""Log records as one JSON object per line (or plain text), with the request id and the job,
and without personal data.

- :class:`ContextFilter` puts ``request_id``, ``job_id`` and ``job`` (the function) on every
  record from the contextvars of :mod:`fairs.observe.context`;
- :class:`PersonalDataFilter` masks mainland mobile numbers and e-mail addresses in the message,
  its arguments and string extra fields (the exception text is masked by the formatters);
- :class:`JsonFormatter`: ``time, level, logger, message, request_id, job_id, job`` and the
  record's extra fields (``log.info("…", extra={"run": 3})``).

Both filters sit on the handler, so they see the records of every logger (uvicorn, arq, ours).
Request bodies are never logged: nothing here reads them, and the access line
(:mod:`fairs.observe.http`) names the route template, not the path or the query.
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
from datetime import UTC, datetime
from typing import Any

from fairs.observe import context

PHONE = re.compile(r"(?<![0-9])(?:\+?86[ -]?)?1[3-9][0-9]{9}(?![0-9])")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
PHONE_MASK = "<phone>"
EMAIL_MASK = "<email>"
FORMATS = ("json", "text")

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "taskName", "request_id", "job_id", "job", "color_message"}


def mask(text: str) -> str:
    """The text with mobile numbers and e-mail addresses replaced by ``<phone>``/``<email>``."""
    if "@" in text:
        text = EMAIL.sub(EMAIL_MASK, text)
    return PHONE.sub(PHONE_MASK, text)


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {key: value for key, value in vars(record).items() if key not in _STANDARD and not key.startswith("_")}


class ContextFilter(logging.Filter):
    """Adds ``request_id``, ``job_id`` and ``job`` (None outside a request or a job)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = context.request_id.get()
        if not hasattr(record, "job"):
            running = context.job.get()
            record.job_id, record.job = running if running else (None, None)
        return True


class PersonalDataFilter(logging.Filter):
    """Masks phones and e-mail addresses in the message, its arguments and string extras.

    The message is formatted here (``record.args`` becomes empty) so an argument of any type
    (an int that is a phone number, an object whose ``str`` holds an address) is masked too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string: let the handler report it
            return True
        record.msg, record.args = mask(message), None
        for key, value in _extras(record).items():
            if isinstance(value, str):
                setattr(record, key, mask(value))
        return True


class TextFormatter(logging.Formatter):
    """``time level logger [request_id] message``; the whole line is masked (tracebacks too)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(context)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        parts = [f"request_id={record.request_id}"] if getattr(record, "request_id", None) else []
        if getattr(record, "job", None):
            parts.append(f"job={record.job}:{record.job_id}")
        record.context = f" [{' '.join(parts)}]" if parts else ""
        try:
            return mask(super().format(record))
        finally:
            del record.context


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace(
                "+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "job_id", "job"):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        for key, value in _extras(record).items():
            if key not in entry and key != "context":
                entry[key] = value
        if record.exc_info:
            entry["exception"] = mask(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = mask(record.exc_text)
        if record.stack_info:
            entry["stack"] = mask(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(level: str = "INFO", log_format: str = "text") -> dict[str, Any]:
    """A :func:`logging.config.dictConfig` dictionary: one stderr handler on the root logger
    with both filters; uvicorn's loggers propagate to it. ``fairs serve`` hands the same
    dictionary to uvicorn, which applies it in each of its worker processes."""
    if log_format not in FORMATS:
        raise ValueError(f"log format must be one of {FORMATS}, got {log_format!r}")
    formatter = JsonFormatter if log_format == "json" else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "context": {"()": ContextFilter},
            "personal_data": {"()": PersonalDataFilter},
        },
        "formatters": {"default": {"()": formatter}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "default",
                "filters": ["context", "personal_data"],
            },
        },
        "root": {"level": level, "handlers": ["default"]},
        "loggers": {
            name: {"handlers": [], "propagate": True, "level": level}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "arq")
        },
    }


def configure(level: str = "INFO", log_format: str = "text") -> None:
    logging.config.dictConfig(logging_config(level, log_format))
