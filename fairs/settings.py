"""One Settings object, read from the environment only.

Every variable is named ``FAIRS_*``. An invalid value raises :class:`SettingsError` whose
message is one line naming the variable; the CLI prints it and exits with status 2.
"""

from __future__ import annotations

import os
import secrets
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ENVIRONMENTS = ("development", "production", "test")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(ValueError):
    """A setting is missing or invalid; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    var_dir: Path = Path("var")
    database_url: str = "sqlite:///var/fairs.sqlite3"
    redis_url: str = ""
    secret_key: str = field(default="", repr=False)
    timezone: str = "Asia/Shanghai"
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    log_format: str = "text"
    """``FAIRS_LOG_FORMAT``: ``json`` (one object per line; the default in production) or ``text``."""
    worker_metrics_port: int = 0
    """``FAIRS_WORKER_METRICS_PORT``: the arq worker serves its job metrics there (0: not at all)."""
    db_pool_size: int = 10
    db_statement_cache_size: int = 100
    """``FAIRS_DB_STATEMENT_CACHE_SIZE``: prepared statements asyncpg keeps per connection; 0
    behind PgBouncer in transaction pooling older than 1.21 (docs/operations.md)."""
    db_timeout_seconds: float = 10.0
    """``FAIRS_DB_TIMEOUT_SECONDS``: an API process waits this long for a pooled connection and
    for each statement; then the request answers 503 with Retry-After (never a pile-up)."""
    stale_run_after_seconds: int = 120
    """``FAIRS_STALE_RUN_AFTER_SECONDS``: a matching run still queued or running after this long
    is enqueued again by the reconciler (the job id keeps a live job from running twice)."""
    outbox_lease_seconds: int = 300
    """``FAIRS_OUTBOX_LEASE_SECONDS``: a message being sent is claimed for this long; a worker
    that dies mid-send leaves it to be sent again after the lease. Longer than any one send."""
    booth_hold_minutes: int = 15
    retention_days: int = 1095
    allowed_hosts: tuple[str, ...] = ("*",)
    """Host names the API answers to (``FAIRS_ALLOWED_HOSTS``, comma-separated; ``*.example.org``
    for subdomains); ``*``: any (development). Others get 400."""
    """People idle this long are anonymised; old messages and logs deleted (data_rights)."""
    base_url: str = ""
    organizer_mailbox: str = "fairs-noreply@example.org"
    password_hash_cost: str = "standard"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    mail_from: str = ""
    sms_gateway_url: str = ""
    sms_gateway_token: str = field(default="", repr=False)

    @property
    def database_engine(self) -> str:
        return "sqlite" if self.database_url.startswith("sqlite:") else "postgres"

    @property
    def sqlite_path(self) -> Path:
        return Path(self.database_url.removeprefix("sqlite:///"))

    @property
    def public_base_url(self) -> str:
        return self.base_url or f"http://{self.host}:{self.port}"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def get(name: str, default: str) -> str:
            return env.get(f"FAIRS_{name}", default).strip()

        environment = get("ENV", "development").lower()
        if environment not in ENVIRONMENTS:
            raise SettingsError(f"FAIRS_ENV must be one of {', '.join(ENVIRONMENTS)}, got {environment!r}")
        var_dir = Path(get("VAR_DIR", "var"))

        database_url = get("DATABASE_URL", f"sqlite:///{var_dir}/fairs.sqlite3")
        scheme = urlsplit(database_url).scheme
        if scheme not in ("sqlite", "postgres", "postgresql"):
            raise SettingsError(
                f"FAIRS_DATABASE_URL must start with sqlite:/// or postgresql://, got scheme {scheme!r}"
            )
        if scheme == "sqlite" and not database_url.startswith("sqlite:///"):
            raise SettingsError("FAIRS_DATABASE_URL for SQLite must look like sqlite:///path/file.sqlite3")

        redis_url = get("REDIS_URL", "")
        if redis_url and urlsplit(redis_url).scheme not in ("redis", "rediss", "unix"):
            raise SettingsError("FAIRS_REDIS_URL must start with redis://, rediss:// or unix:// (or be empty)")

        timezone = get("TIMEZONE", "Asia/Shanghai")
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise SettingsError(f"FAIRS_TIMEZONE must be an IANA time zone, got {timezone!r}") from None

        log_level = get("LOG_LEVEL", "INFO").upper()
        if log_level not in LOG_LEVELS:
            raise SettingsError(f"FAIRS_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {log_level!r}")
        log_format = get("LOG_FORMAT", "json" if environment == "production" else "text").lower()
        if log_format not in ("json", "text"):
            raise SettingsError(f"FAIRS_LOG_FORMAT must be json or text, got {log_format!r}")

        secret_key = get("SECRET_KEY", "")
        if secret_key and len(secret_key) < 32:
            raise SettingsError("FAIRS_SECRET_KEY must be at least 32 characters long")
        if not secret_key and environment == "production":
            raise SettingsError("FAIRS_SECRET_KEY must be set when FAIRS_ENV=production")

        cost = get("PASSWORD_HASH_COST", "standard")
        if cost not in ("standard", "fast"):
            raise SettingsError("FAIRS_PASSWORD_HASH_COST must be standard or fast")
        if cost == "fast" and environment == "production":
            raise SettingsError("FAIRS_PASSWORD_HASH_COST=fast is refused when FAIRS_ENV=production")

        smtp_security = get("SMTP_SECURITY", "starttls").lower()
        if smtp_security not in ("none", "starttls", "tls"):
            raise SettingsError(f"FAIRS_SMTP_SECURITY must be none, starttls or tls, got {smtp_security!r}")
        sms_gateway_url = get("SMS_GATEWAY_URL", "")
        if sms_gateway_url and not sms_gateway_url.startswith(("http://", "https://")):
            raise SettingsError("FAIRS_SMS_GATEWAY_URL must start with http:// or https:// (or be empty)")
        organizer_mailbox = get("ORGANIZER_MAILBOX", "fairs-noreply@example.org")
        mail_from = get("MAIL_FROM", "") or organizer_mailbox
        if "@" not in mail_from:
            raise SettingsError("FAIRS_MAIL_FROM must be an e-mail address (optionally with a name)")

        return cls(
            environment=environment,
            var_dir=var_dir,
            database_url=database_url,
            redis_url=redis_url,
            secret_key=secret_key,
            timezone=timezone,
            host=get("HOST", "127.0.0.1"),
            port=_integer(get("PORT", "8000"), "FAIRS_PORT", 1, 65535),
            log_level=log_level,
            log_format=log_format,
            worker_metrics_port=_integer(get("WORKER_METRICS_PORT", "0"), "FAIRS_WORKER_METRICS_PORT", 0, 65535),
            db_pool_size=_integer(get("DB_POOL_SIZE", "10"), "FAIRS_DB_POOL_SIZE", 1, 500),
            db_statement_cache_size=_integer(get("DB_STATEMENT_CACHE_SIZE", "100"), "FAIRS_DB_STATEMENT_CACHE_SIZE",
                                             0, 10000),
            db_timeout_seconds=_number(get("DB_TIMEOUT_SECONDS", "10"), "FAIRS_DB_TIMEOUT_SECONDS", 0.1, 600),
            stale_run_after_seconds=_integer(get("STALE_RUN_AFTER_SECONDS", "120"), "FAIRS_STALE_RUN_AFTER_SECONDS",
                                             1, 86400),
            outbox_lease_seconds=_integer(get("OUTBOX_LEASE_SECONDS", "300"), "FAIRS_OUTBOX_LEASE_SECONDS", 1, 86400),
            booth_hold_minutes=_integer(get("BOOTH_HOLD_MINUTES", "15"), "FAIRS_BOOTH_HOLD_MINUTES", 1, 1440),
            retention_days=_integer(get("RETENTION_DAYS", "1095"), "FAIRS_RETENTION_DAYS", 30, 36500),
            allowed_hosts=tuple(h.strip() for h in get("ALLOWED_HOSTS", "*").split(",") if h.strip()) or ("*",),
            base_url=get("BASE_URL", "").rstrip("/"),
            organizer_mailbox=organizer_mailbox,
            password_hash_cost=cost,
            smtp_host=get("SMTP_HOST", ""),
            smtp_port=_integer(get("SMTP_PORT", "587"), "FAIRS_SMTP_PORT", 1, 65535),
            smtp_security=smtp_security,
            smtp_username=get("SMTP_USERNAME", ""),
            smtp_password=get("SMTP_PASSWORD", ""),
            mail_from=mail_from,
            sms_gateway_url=sms_gateway_url,
            sms_gateway_token=get("SMS_GATEWAY_TOKEN", ""),
        )

    def with_secret_key(self) -> Settings:
        """Return settings whose secret key is set: generated once and kept under var/."""
        if self.secret_key:
            return self
        path = self.var_dir / "secret_key"
        if not path.exists():
            self.var_dir.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # another process wrote it first; use theirs
            else:
                with os.fdopen(fd, "w") as out:
                    out.write(secrets.token_urlsafe(48))
        key = ""
        for _ in range(50):  # the writer may not have finished its one write yet
            key = path.read_text().strip()
            if key:
                break
            import time

            time.sleep(0.01)
        return _replace(self, secret_key=key)

    def configure_logging(self) -> None:
        """One stderr handler: JSON or text lines, with the request id and the job, without
        phone numbers or e-mail addresses (:mod:`fairs.observe.logs`)."""
        from fairs.observe.logs import configure

        configure(self.log_level, self.log_format)

    def logging_config(self) -> dict[str, object]:
        """The same as a ``dictConfig`` dictionary (uvicorn applies it in each worker process)."""
        from fairs.observe.logs import logging_config

        return logging_config(self.log_level, self.log_format)


def _integer(raw: str, name: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _number(raw: str, name: str, low: float, high: float) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low:g} and {high:g}, got {raw}")
    return value


def _replace(settings: Settings, **changes: object) -> Settings:
    from dataclasses import replace

    return replace(settings, **changes)  # type: ignore[arg-type]


_current: Settings | None = None


def get_settings() -> Settings:
    """The process-wide settings, read once (with the secret key resolved)."""
    global _current
    if _current is None:
        _current = Settings.from_environment().with_secret_key()
    return _current


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between runs)."""
    global _current
    _current = None
