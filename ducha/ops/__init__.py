"""Running Ducha: whether it is healthy (/healthz), what it holds and owes (/metrics)."""
