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


def has_nul_character(request):
    """Whether the query string, form fields or JSON body contain a NUL character, which no text field may hold
    (PostgreSQL refuses it). Uploaded files are binary and not checked here."""
    if "\x00" in request.query_string.decode("latin-1") or "%00" in request.query_string.decode("latin-1"):
        return True
    if any("\x00" in value for value in request.form.values()):
        return True
    if request.is_json:
        body = request.get_data(cache=True, as_text=True)
        return "\x00" in body or "\\u0000" in body
    return False
