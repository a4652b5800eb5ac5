"""The HTTP side of the service: the aiohttp application and its lifecycle, logins, the JSON
API, the operator's desktop socket and the pages."""
