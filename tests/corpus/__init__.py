"""A corpus of ledgers and progress files written the way offices write them (issue 9)."""
