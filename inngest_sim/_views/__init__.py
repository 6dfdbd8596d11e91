"""Read-only views of a trace: run results, span overlaps and the assertions' helpers."""
