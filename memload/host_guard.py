"""Load goes only where the user means it to: a ``--host`` that is neither loopback nor one of this
machine's own addresses needs ``--allow-remote`` (or ``MEMLOAD_ALLOW_REMOTE=1``), so that a typo does
not load a production system. Checked before memload sends anything to the host."""

from __future__ import annotations

import ipaddress
import os
import socket
from urllib.parse import urlsplit

import psutil

from memload.errors import MemloadError

ALLOW_REMOTE_ENV = "MEMLOAD_ALLOW_REMOTE"


class RemoteHostRefused(Exception):
    """A host outside this machine, without the user's explicit permission."""


def own_addresses() -> set[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Every address of this machine's interfaces."""
    found = set()
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family in (socket.AF_INET, socket.AF_INET6):
                try:
                    found.add(ipaddress.ip_address(address.address.split("%", 1)[0]))
                except ValueError:
                    continue
    return found


def resolve(hostname: str) -> set[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The addresses ``hostname`` stands for (empty when it does not resolve)."""
    try:
        infos = socket.getaddrinfo(hostname, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return set()
    return {ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos}


def remote_addresses(host_url: str) -> list[str]:
    """The addresses of ``host_url`` that are neither loopback nor this machine's own."""
    hostname = urlsplit(host_url).hostname
    if not hostname:
        return []  # not a URL: check_reachable says so
    own = own_addresses()
    return sorted(str(a) for a in resolve(hostname) if not a.is_loopback and a not in own)


def check_host_allowed(host_url: str, *, allow_remote: bool) -> None:
    """Raise RemoteHostRefused for a host outside this machine unless it is allowed."""
    if allow_remote or os.environ.get(ALLOW_REMOTE_ENV) == "1":
        return
    remote = remote_addresses(host_url)
    if remote:
        raise RemoteHostRefused(
            f"--host {urlsplit(host_url).hostname} is {', '.join(remote)}, not this machine: "
            f"memload sends load there only with --allow-remote (or {ALLOW_REMOTE_ENV}=1), "
            "so that a typo cannot load a production system"
        )


def require_allowed_host(host_url: str | None, *, allow_remote: bool) -> None:
    """check_host_allowed for a command line: a refused host is a one-line usage error (exit 2)."""
    if host_url is None:
        return
    try:
        check_host_allowed(host_url, allow_remote=allow_remote)
    except RemoteHostRefused as error:
        raise MemloadError(str(error)) from None
