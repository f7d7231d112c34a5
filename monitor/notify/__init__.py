"""Mail: rendering (pure), building RFC 5322 messages (pure) and sending (I/O)."""
