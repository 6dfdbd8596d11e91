"""The fake Inngest server side: the API the SDK calls, the function registry, events, CEL."""
