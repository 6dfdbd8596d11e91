"""Apps syncing with the dev server: registrations checked and taken, URLs synced."""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any

import httpx

from inngest_sim._errors import InvalidArgument
from inngest_sim._flow.policy import parse_policy
from inngest_sim._server.registry import app_id_of

if TYPE_CHECKING:
    from inngest_sim._server.registry import Registry

__all__ = ["App", "Apps"]

log = logging.getLogger("inngest_sim.dev")


@dataclasses.dataclass(frozen=True, slots=True)
class App:
    id: str
    url: str
    sdk: str
    functions: tuple[str, ...]


class Apps:
    """Every app synced so far; their functions are in ``registry``."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.apps: dict[str, App] = {}
        self.registrations = 0  # taken or refused: a sync that brings none went elsewhere

    def register(self, payload: dict[str, Any]) -> str | None:
        """A ``POST /fn/register``: None when taken, else why it is refused (a 400)."""
        self.registrations += 1
        app_id = app_id_of(payload)
        url = str(payload.get("url") or "")
        if not app_id:
            return _refused(url, "App ID required: the registration names no appname/appName")
        functions = payload.get("functions")
        if not isinstance(functions, list):
            return _refused(url, f"app {app_id!r}: 'functions' must be a list of functions")
        try:
            specs = self.registry.read(app_id, functions)
            for spec in specs:
                parse_policy(spec)  # options the server would refuse, refused at sync
                if not httpx.URL(spec.url).scheme.startswith("http"):
                    raise InvalidArgument(
                        f"function {spec.id!r} has no http(s) steps.step.runtime.url "
                        f"({spec.url!r}); the dev server calls the app there"
                    )
            self.registry.sync(app_id, functions)
        except (InvalidArgument, httpx.InvalidURL) as exc:
            return _refused(url, str(exc))
        sdk = str(payload.get("sdk") or "")
        self.apps[app_id] = App(app_id, url, sdk, tuple(s.id for s in specs))
        log.info("synced app %r (%s): %d functions from %s", app_id, sdk, len(specs), url)
        return None

    async def sync_url(
        self, http: httpx.AsyncClient, url: str, *, server_url: str = "this server"
    ) -> str | None:
        """Ask the app at ``url`` to register (a PUT, as the dev server's sync does)."""
        before = self.registrations
        try:
            response = await http.put(url, headers={"x-inngest-server-kind": "dev"}, timeout=10)
        except httpx.HTTPError as exc:
            problem = (
                f"cannot sync the app at {url}: {type(exc).__name__}: {exc or 'no answer'}; "
                "is it running, and serving Inngest at that path? Sync it later with "
                "PUT <its serve URL> or POST /sim/apps?url=..."
            )
            log.warning(problem)
            return problem
        if response.status_code >= 300:
            problem = (
                f"the app at {url} answered the sync with {response.status_code}: "
                f"{response.text[:300]}"
            )
            log.warning(problem)
            return problem
        if self.registrations == before:
            # The SDK registers with the server its client names, not with whoever asked.
            problem = (
                f"the app at {url} answered the sync but registered somewhere else: its "
                f"Inngest client points at another server, not {server_url}. Make the client "
                "after the dev server starts (INNGEST_BASE_URL is read when a client is made), "
                "or give it api_base_url and event_api_base_url"
            )
            log.warning(problem)
            return problem
        return None


def _refused(url: str, problem: str) -> str:
    log.warning("refused a registration from %s: %s", url or "(no url)", problem)
    return problem
