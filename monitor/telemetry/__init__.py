"""What the process tells ops: log events with stable keys, and Prometheus metrics."""
