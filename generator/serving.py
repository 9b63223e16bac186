"""`./dev serve`'s checks before MkDocs starts: a busy port is one line, not a traceback.

    python -m generator.serving check-port [mkdocs serve's arguments]
"""

from __future__ import annotations

import errno
import socket
import sys

DEFAULT = ("127.0.0.1", 8000)


def address(arguments: list[str]) -> tuple[str, int]:
    """The host and port `mkdocs serve` would listen on, from `-a` / `--dev-addr`."""
    value = None
    for index, argument in enumerate(arguments):
        if argument in ("-a", "--dev-addr") and index + 1 < len(arguments):
            value = arguments[index + 1]
        elif argument.startswith("--dev-addr="):
            value = argument.split("=", 1)[1]
        elif argument.startswith("-a") and len(argument) > 2:
            value = argument[2:]
    if not value:
        return DEFAULT
    host, _, port = value.rpartition(":")
    return (host or DEFAULT[0]).strip("[]"), int(port) if port.isdigit() else DEFAULT[1]


def busy(host: str, port: int) -> str:
    """Why nothing can listen at host:port, or ""."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as error:
            return "in use" if error.errno == errno.EADDRINUSE else (error.strerror or str(error))
    return ""


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "check-port":
        print("usage: python -m generator.serving check-port [mkdocs serve arguments]", file=sys.stderr)
        return 2
    host, port = address(argv[1:])
    why = busy(host, port)
    if why:
        suggestion = f"{host}:{port + 1}"
        print(f"port {port} is {why} on {host}; try `./dev serve -a {suggestion}`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
