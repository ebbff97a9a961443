"""Retries with backoff that honour ``Retry-After`` (Scrapy's RetryMiddleware retries at once)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import deferred_to_future
from twisted.internet import reactor
from twisted.internet.task import deferLater


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds named by a ``Retry-After`` header: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Retry 5xx/429 after ``Retry-After`` or an exponential backoff, capped."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("KPU_RETRY_BACKOFF_BASE")
        self.cap = settings.getfloat("KPU_RETRY_BACKOFF_MAX")

    async def process_response(  # type: ignore[override]  # Scrapy awaits a coroutine here since 2.13
        self,
        request: Request,
        response: Response,
        spider: Spider | None = None,
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retries = request.meta.get("retry_times", 0)
        delay = retry_after_seconds(response.headers.get("Retry-After"))
        if delay is None:
            delay = self.base * (2**retries)
        delay = min(delay, self.cap)
        reason = f"{response.status} (waited {delay:.1f}s)"
        retry = self._retry(request, reason)
        if retry is None:
            return response
        if delay > 0:
            await deferred_to_future(deferLater(reactor, delay, lambda: None))
        return retry
