"""Target URL checks against server-side request forgery: outside dev/test a webhook may only
reach public addresses (no loopback, private, link-local, multicast, reserved or unspecified
ones, IPv4 or IPv6), over https. Checked when subscribing and again before every send,
since DNS answers can change (rebinding)."""

import ipaddress
import socket
from urllib.parse import urlsplit

from shared.exceptions import InvalidInput


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_target(url: str, *, allow_private: bool) -> None:
    """Raise ``InvalidInput`` (422 ``webhook_target_*``) for a URL a webhook must not call."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidInput("the target must be an http(s) URL", code="webhook_target_invalid")
    if parts.username or parts.password:
        raise InvalidInput("no credentials in the target URL", code="webhook_target_invalid")
    if allow_private:
        return
    if parts.scheme != "https":
        raise InvalidInput("the target must use https", code="webhook_target_not_https")
    try:
        port = parts.port or 443
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError) as exc:
        raise InvalidInput(
            f"cannot resolve {parts.hostname}", code="webhook_target_unresolvable"
        ) from exc
    blocked = sorted({str(i[4][0]) for i in infos if not _public(str(i[4][0]))})
    if blocked:
        raise InvalidInput(
            f"{parts.hostname} resolves to a non-public address ({', '.join(blocked)})",
            code="webhook_target_forbidden",
        )
