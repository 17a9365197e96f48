"""Use cases: each takes a Session, flushes, and never commits (the caller does, once)."""
