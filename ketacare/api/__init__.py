"""The JSON API under /api/v1/: authentication, RFC 7807 errors, and the routers."""
