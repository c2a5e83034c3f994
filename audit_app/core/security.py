"""Security headers on every response, and no caching of pages that may hold case data."""

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def set_security_headers(response, *, hsts=False, is_static=False):
    """Add the security headers to ``response``; dynamic responses are never cached.

    :param response: the Flask response.
    :param hsts: send Strict-Transport-Security (only behind TLS).
    :param is_static: the response is a static asset, which may be cached.
    :return: the response.
    """
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    if hsts:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if not is_static:
        headers["Cache-Control"] = "no-store"
    return response
