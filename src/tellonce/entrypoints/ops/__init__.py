"""What operators need from the running processes: readiness and metrics routes, the
workers' heartbeat, JSON log lines (issue 15, docs/operations.md)."""
