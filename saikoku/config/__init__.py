"""The service's settings (environment and .env) and its logging set-up."""
