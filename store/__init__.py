"""The database layer: connection pool, retries and ordered SQL migrations."""
