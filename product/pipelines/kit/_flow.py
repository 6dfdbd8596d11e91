"""Inngest flow control shared by the four functions.

* **Provider concurrency**: an ``env``-scoped concurrency limit keyed by provider name, so
  every function and every run that calls a provider shares one bound on the steps in
  flight against it (chunking alone bounds a single run). A function that calls two
  providers (videos: images, then renders) holds both keys; Inngest allows two.
* **One run per lecture and kind**: a ``singleton`` keyed by lecture id in ``skip`` mode:
  a request that arrives while that lecture's run of the same function is active starts
  nothing (a double-click costs once).
* **Idempotent requests**: with a ``request_id`` in the event, one run per (lecture,
  request) per 24 h, even after the first finished (a client retrying a request it is
  unsure was sent, with ``force``, still pays once). Without one the key is the event id,
  which never repeats, so only the singleton applies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import inngest

from pipelines.kit._failure import failure_handler

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pipelines.providers import Provider
    from pipelines.services import Services

__all__ = ["IDEMPOTENCY_KEY", "SINGLETON_KEY", "function_options", "provider_key"]

SINGLETON_KEY = "event.data.lecture_id"
IDEMPOTENCY_KEY = (
    'has(event.data.request_id) ? event.data.lecture_id + ":" + event.data.request_id : event.id'
)


def provider_key(provider: Provider) -> str:
    """The concurrency key (a CEL string literal) shared by every user of `provider`."""
    return f'"provider:{provider.name}"'


def function_options(
    client: inngest.Inngest,
    services: Services,
    *,
    fn_id: str,
    trigger: str,
    topic: str,
    providers: Sequence[Provider],
) -> dict[str, Any]:
    """Keyword arguments for `inngest.Inngest.create_function` of one pipeline."""
    keys = list(dict.fromkeys(provider_key(p) for p in providers))
    concurrency = [
        inngest.Concurrency(limit=services.provider_concurrency, key=key, scope="env")
        for key in keys
    ]
    return {
        "fn_id": fn_id,
        "trigger": inngest.TriggerEvent(event=trigger),
        "retries": services.retries,
        "concurrency": concurrency if services.provider_concurrency else None,
        "singleton": inngest.Singleton(key=SINGLETON_KEY, mode="skip"),
        "idempotency": IDEMPOTENCY_KEY,
        "on_failure": failure_handler(client, services, topic),
    }
