"""The dev server's GraphQL API (``POST /v0/gql``): the queries SDK test suites use.

A small schema-first subset of the Inngest dev server's schema, with its field names,
nullability and scalars: ``run``, ``runTrigger``, ``runTraceSpanOutputByID`` and
``event``. graphql-core parses, validates and executes; a query outside this subset
fails validation with graphql-core's own message (which names the field and suggests
the nearest one) plus the list of what is supported. A run or an output that is not
there (yet) is a GraphQL *error*, never a null: clients poll on errors.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graphql import GraphQLSchema

    from inngest_sim._dev.views import Views

__all__ = ["MAX_TOKENS", "SCHEMA_SDL", "SUPPORTED", "run_query"]

#: The most tokens a query may have (names, punctuation, values).
MAX_TOKENS = 2000

SUPPORTED = (
    "run(runID){id status output trace{childrenSpans{name outputID}}}, "
    "runTrigger(runID){payloads}, runTraceSpanOutputByID(outputID){data error{name message "
    "stack}}, event(query:{eventId}){functionRuns{id}}"
)

SCHEMA_SDL = """
scalar Bytes
scalar Time
scalar ULID
scalar Unknown

enum FunctionRunStatus { COMPLETED FAILED CANCELLED RUNNING QUEUED SKIPPED }
enum RunTraceSpanStatus { COMPLETED FAILED CANCELLED RUNNING QUEUED WAITING SKIPPED }

input EventQuery {
  workspaceId: ID! = "local"
  eventId: ID!
}

type Query {
  run(runID: String!): FunctionRunV2
  runTrigger(runID: String!): RunTraceTrigger!
  runTraceSpanOutputByID(outputID: String!): RunTraceSpanOutput!
  event(query: EventQuery!): Event
}

type FunctionRunV2 {
  id: ULID!
  functionID: String!
  status: FunctionRunStatus!
  output: Bytes
  queuedAt: Time!
  startedAt: Time
  endedAt: Time
  eventName: String
  trace(preview: Boolean): RunTraceSpan
}

type RunTraceSpan {
  name: String!
  status: RunTraceSpanStatus!
  outputID: String
  stepID: String
  attempts: Int
  childrenSpans: [RunTraceSpan!]!
}

type RunTraceSpanOutput {
  input: Bytes
  data: Bytes
  error: StepError
}

type StepError {
  message: String!
  name: String
  stack: String
  cause: Unknown
}

type RunTraceTrigger {
  payloads: [Bytes!]!
  IDs: [ULID!]!
  eventName: String
  timestamp: Time!
  isBatch: Boolean!
}

type Event {
  id: ULID!
  name: String
  functionRuns: [FunctionRun!]
}

type FunctionRun {
  id: ID!
  functionID: String
  status: FunctionRunStatus
  output: Bytes
}
"""


@functools.cache
def _schema() -> GraphQLSchema:
    # graphql-core is imported with the first query, not at start: `inngest-sim dev`
    # must answer within a second of starting.
    from graphql import build_schema

    return build_schema(SCHEMA_SDL)


class _Root:
    """The ``Query`` fields; graphql-core calls these with ``(info, **arguments)``."""

    def __init__(self, views: Views) -> None:
        self.views = views

    def run(self, _info: Any, runID: str) -> dict[str, Any]:
        views = self.views
        run = views.run(runID)
        run["trace"] = lambda _info, preview=None: views.trace_span(runID)
        return run

    def runTrigger(self, _info: Any, runID: str) -> dict[str, Any]:
        return self.views.trigger(runID)

    def runTraceSpanOutputByID(self, _info: Any, outputID: str) -> dict[str, Any]:
        return self.views.span_output(outputID)

    def event(self, _info: Any, query: dict[str, Any]) -> dict[str, Any]:
        event_id = str(query["eventId"])
        runs = [self.views.run(run_id) for run_id in self.views.event_runs(event_id)]
        name = next((e["name"] for e in self.views.events() if e["internal_id"] == event_id), None)
        return {"id": event_id, "name": name, "functionRuns": runs}


def run_query(views: Views, body: Any) -> dict[str, Any]:
    """One GraphQL request body (``{"query", "variables", "operationName"}``) answered."""
    from graphql import ExecutionResult, GraphQLError, execute, parse, validate

    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return _errors(['a GraphQL request is a JSON object with a "query" string'])
    variables = body.get("variables")
    if variables is not None and not isinstance(variables, dict):
        return _errors(['"variables" must be a JSON object'])
    try:
        # Bounded: validating aliases of one field costs the square of their number, and
        # the whole query runs on the server's loop. SDK queries take under 100 tokens.
        document = parse(body["query"], max_tokens=MAX_TOKENS)
    except GraphQLError as exc:
        error = exc.formatted
        if "more than" in exc.message and "tokens" in exc.message:
            error = {**error, "message": f"{exc.message} Ask for fewer fields or aliases."}
        return {"data": None, "errors": [error]}
    problems = validate(_schema(), document)
    if problems:
        errors = [p.formatted for p in problems]
        errors[0] = {
            **errors[0],
            "message": f"{errors[0]['message']} inngest-sim dev answers {SUPPORTED}.",
        }
        return {"data": None, "errors": errors}
    result = execute(
        _schema(),
        document,
        root_value=_Root(views),
        variable_values=variables,
        operation_name=body.get("operationName"),
    )
    assert isinstance(result, ExecutionResult)  # every resolver is synchronous
    return dict(result.formatted)


def _errors(messages: list[str]) -> dict[str, Any]:
    return {"data": None, "errors": [{"message": m} for m in messages]}
