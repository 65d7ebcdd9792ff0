"""Failed sends (dead outbox rows) for administrators and News Affairs."""
