"""The one place that knows the inngest SDK's internals."""
