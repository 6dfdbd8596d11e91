"""Groundwork for `inngest-sim dev`: the TypeScript SDK v4 app and its wire captures."""
