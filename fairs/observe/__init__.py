"""Observability: structured logs without personal data, a request id that follows a request
into the jobs it enqueues, and Prometheus metrics (see docs/operations.md#observability).

- :mod:`fairs.observe.context`: the request id and the running job (contextvars; no imports
  beyond the standard library, so services may use it);
- :mod:`fairs.observe.logs`: the JSON/text formatters and the personal-data filter;
- :mod:`fairs.observe.metrics`: the Prometheus metrics and the scrape;
- :mod:`fairs.observe.jobs`: the wrapper the worker puts around every job;
- :mod:`fairs.observe.http`: the request-id middleware, the response hook and ``/metrics``.
"""
