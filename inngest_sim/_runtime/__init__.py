"""The rooms the run loop is composed from (pauses, the AI gateway, ingest, lifecycle events,
step bodies, the wall clock) and the one assembly of them that both front doors share."""
