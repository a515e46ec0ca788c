"""Runs chosen services in embedded mode in a child process, for crash tests.

python -m tests.support.child_platform <data_dir> <port> <service> [<service> ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

from libs.http.gateway import gateway
from libs.runtime import Platform
from tests.support.platform import keyring, settings


def main(argv: list[str]) -> None:
    data_dir, port, *services = argv
    platform = Platform(
        settings(Path(data_dir)), tuple(services), secrets=keyring(Path(data_dir))
    ).build()
    uvicorn.run(
        gateway(platform), host="127.0.0.1", port=int(port), log_config=None, access_log=False
    )


if __name__ == "__main__":
    main(sys.argv[1:])
