"""Function configurations, read from the SDK's own registration payload."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from inngest_sim._errors import InvalidArgument, UnknownFunctionError
from inngest_sim._protocol import ProtocolError, parse_time_or_duration
from inngest_sim._retry import DEFAULT_RETRIES, MAX_RETRIES
from inngest_sim._server.cel import Expression
from inngest_sim._server.cel_policy import restricted_problems
from inngest_sim._server.cel_syntax import CelSyntaxError, parse

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["FunctionSpec", "Registry", "Trigger", "app_id_of"]

MAX_TRIGGERS = 10


@dataclasses.dataclass(frozen=True, slots=True)
class Trigger:
    event: str | None
    expression: Expression | None = None
    cron: str | None = None

    def matches(self, event: Mapping[str, Any]) -> bool:
        if self.event is None or not _name_matches(self.event, str(event.get("name", ""))):
            return False
        return self.expression is None or self.expression.matches({"event": event})


def _name_matches(pattern: str, name: str) -> bool:
    """Inngest's wildcard rule: ``*`` stands for the rest of a name only after ``/`` or ``.``.

    The server lists the patterns a name matches (``pkg/event_trigger_patterns/patterns.go``:
    ``app/user.created`` gives ``app/*`` and ``app/user.*``) and looks the trigger up
    among them, so ``app/user*`` or ``*`` match nothing but a name spelled that way.
    """
    if pattern == name:
        return True
    return pattern.endswith(("/*", ".*")) and name.startswith(pattern[:-1])


@dataclasses.dataclass(frozen=True, slots=True)
class FunctionSpec:
    """What the simulator knows of one served function."""

    id: str
    slug: str
    name: str
    triggers: tuple[Trigger, ...]
    retries: int
    url: str
    config: Mapping[str, Any]
    app_id: str = ""

    @property
    def max_attempts(self) -> int:
        return self.retries + 1

    @classmethod
    def from_config(cls, config: Mapping[str, Any], app_id: str) -> FunctionSpec:
        fn_id = str(config["id"])
        where = f"function {fn_id!r}"
        raw_triggers = config.get("triggers") or []
        if len(raw_triggers) > MAX_TRIGGERS:
            raise InvalidArgument(f"{where} has {len(raw_triggers)} triggers; at most 10")
        triggers = tuple(_trigger(t, where) for t in raw_triggers)
        for entry in config.get("cancel") or []:
            _check_cancel(entry, where)
        step = (config.get("steps") or {}).get("step") or {}
        retries = (step.get("retries") or {}).get("attempts")
        retries = DEFAULT_RETRIES if retries is None else min(int(retries), MAX_RETRIES)
        url = str((step.get("runtime") or {}).get("url", ""))
        prefix = f"{app_id}-"
        slug = fn_id[len(prefix) :] if fn_id.startswith(prefix) else fn_id
        return cls(
            id=fn_id,
            slug=slug,
            name=str(config.get("name") or slug),
            triggers=triggers,
            retries=retries,
            url=url,
            config=config,
            app_id=app_id,
        )


def _check_cancel(entry: Any, where: str) -> None:
    """A ``cancel`` entry every run can use: an event name, a CEL ``if`` and a timeout the
    server can read. Go reads the timeout only when it schedules a run, and a bad one fails
    every schedule of the function (executor.go createCancellationPauses); it is refused
    here at sync instead, saying so, rather than at each run."""
    if not isinstance(entry, dict) or not isinstance(entry.get("event"), str):
        raise InvalidArgument(f"{where} cancel entry {entry!r}: needs an event name")
    where = f"{where} cancel on {entry['event']!r}"
    if entry.get("if"):
        _check_cancel_if(entry["if"], where)
    timeout = entry.get("timeout")
    if timeout:
        try:
            parse_time_or_duration(str(timeout), 0.0)
        except ProtocolError as exc:
            raise InvalidArgument(
                f"{where}: timeout {timeout!r}: {exc}; the server reads it as a duration "
                "('1h') or an RFC 3339 instant (strtimeout.ParseTimeout) and fails every "
                "schedule of the function on anything else"
            ) from None


def _check_cancel_if(source: str, where: str) -> None:
    """Compiled, and within the server's restrictive policy (``.cel_policy``)."""
    Expression(source, where=where)
    try:
        problems = restricted_problems(parse(source))
    except (CelSyntaxError, RecursionError):
        return  # CEL the project's reader does not know: cel-rust's word stands
    if problems:
        raise InvalidArgument(
            f"{where}: the expression {source!r} is refused by the Inngest server at sync: "
            f"Cancellation expression is invalid: validation failed: {'; '.join(problems)}. "
            "A cancel `if` may only compare and combine (==, !=, <, <=, >, >=, in, &&, ||, !, "
            "?:, [], int(), uint(), double()): compare fields directly instead"
        )


def _trigger(raw: Mapping[str, Any], where: str) -> Trigger:
    expression = raw.get("expression")
    compiled = Expression(expression, where=f"{where} trigger") if expression else None
    return Trigger(event=raw.get("event"), expression=compiled, cron=raw.get("cron"))


def app_id_of(payload: Mapping[str, Any]) -> str:
    """The app id a registration names: ``appname`` (Python), ``appName`` (TypeScript)."""
    return str(payload.get("appname") or payload.get("appName") or payload.get("app_id") or "")


class Registry:
    """Served functions by full id (``<app>-<fn>``) and by local id.

    One app's (the simulator's), or several (``inngest-sim dev``: each app's
    registration replaces that app's functions with ``sync``).
    """

    def __init__(self, app_id: str, configs: Sequence[Mapping[str, Any]]) -> None:
        self.app_id = app_id
        self._by_id: dict[str, FunctionSpec] = {}
        self.apps: dict[str, tuple[FunctionSpec, ...]] = {}
        if configs:
            self.sync(app_id, configs)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, fn_id: str) -> FunctionSpec:
        spec = self._by_id.get(fn_id) or self._by_id.get(f"{self.app_id}-{fn_id}")
        if spec is None:
            by_slug = [s for s in self._by_id.values() if s.slug == fn_id]
            spec = by_slug[0] if len(by_slug) == 1 else None
        if spec is None:
            known = ", ".join(sorted(self._by_id)) or "(none)"
            raise UnknownFunctionError(
                f"no function {fn_id!r} is served; served functions: {known}"
            )
        return spec

    @staticmethod
    def read(app_id: str, configs: Sequence[Mapping[str, Any]]) -> tuple[FunctionSpec, ...]:
        """An app's functions, checked: ``InvalidArgument`` names what is wrong."""
        specs: dict[str, FunctionSpec] = {}
        for position, config in enumerate(configs):
            if not isinstance(config, dict) or not isinstance(config.get("id"), str):
                raise InvalidArgument(
                    f"app {app_id!r}: function #{position} has no string 'id'; every "
                    "function in a registration needs one"
                )
            spec = FunctionSpec.from_config(config, app_id)
            if spec.id in specs:
                raise InvalidArgument(
                    f"app {app_id!r} registers the function {spec.id!r} twice; function ids "
                    "must be unique within an app (rename one)"
                )
            specs[spec.id] = spec
        return tuple(specs.values())

    def sync(self, app_id: str, configs: Sequence[Mapping[str, Any]]) -> tuple[FunctionSpec, ...]:
        """Replace ``app_id``'s functions with ``configs`` (checked first, all or nothing)."""
        specs = self.read(app_id, configs)
        for spec in specs:
            owner = self._by_id.get(spec.id)
            if owner is not None and owner.app_id != app_id:
                raise InvalidArgument(
                    f"app {app_id!r} registers the function {spec.id!r}, which app "
                    f"{owner.app_id!r} already serves; function ids are global (rename one)"
                )
        for old in self.apps.get(app_id, ()):
            self._by_id.pop(old.id, None)
        self.apps[app_id] = specs
        self._by_id.update((spec.id, spec) for spec in specs)
        return specs

    @classmethod
    def from_registration(cls, payload: Mapping[str, Any]) -> Registry:
        """The registry an SDK's registration payload (``POST /fn/register``) describes."""
        functions = payload.get("functions") or []
        return cls(app_id_of(payload), functions)

    def triggered_by(self, event: Mapping[str, Any]) -> list[FunctionSpec]:
        return [s for s in self._by_id.values() if any(t.matches(event) for t in s.triggers)]
