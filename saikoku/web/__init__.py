"""The HTTP side of the service: logins and sessions, the JSON API, and (later) the pages."""
