"""Identity's subcommand of the ``pdo`` command line: ``pdo admin bootstrap`` creates the
first bureau organization (实施机构) and its administrator in an empty deployment.

``libs.cli`` finds this module by name (``services.<name>.cli``), as the runtime finds
``bootstrap``, so ``libs`` imports no service.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
from typing import Any

from contracts.errors import DomainError
from libs.config import load
from libs.runtime import Platform
from services.identity.commands import user_admin


def run_bootstrap(args: argparse.Namespace) -> int:
    """Embedded: the ``--data-dir``; distributed: the ``PDO_*`` environment. The password
    is read from ``PDO_BOOTSTRAP_PASSWORD`` or generated and printed once; refused when a
    bureau exists."""
    env = dict(os.environ)
    if args.data_dir:
        env["PDO_DATA_DIR"] = args.data_dir
    settings = dataclasses.replace(load(env, mode=args.mode), demo=False)
    platform = Platform(settings, ["identity"]).build()
    identity = platform.running["identity"]

    async def run() -> int:
        try:
            org, user, password = await user_admin.bootstrap(
                identity.ctx,
                name=args.name,
                credit_code=args.credit_code,
                username=args.username,
                password=env.get("PDO_BOOTSTRAP_PASSWORD"),
            )
        except DomainError as refused:
            print(f"pdo admin bootstrap: refused: {refused.detail}", file=sys.stderr)
            return 1
        finally:
            await identity.store.close()
        print(f"bureau organization {org.org_id} ({org.name}), region {org.region}")
        print(f"administrator {user.username}")
        if "PDO_BOOTSTRAP_PASSWORD" not in env:
            print(f"one-time password (change it at first sign-in): {password}")
        return 0

    return asyncio.run(run())


def register(sub: Any) -> None:
    """Add ``admin bootstrap`` to the ``pdo`` subcommands (``sub`` is argparse's subparsers)."""
    admin = sub.add_parser("admin", help="administration of a deployment")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    boot: argparse.ArgumentParser = admin_sub.add_parser(
        "bootstrap",
        help="create the first bureau organization and its administrator (once)",
        description="Password from PDO_BOOTSTRAP_PASSWORD, or generated and printed once.",
    )
    boot.add_argument("--name", required=True, help="e.g. 淄博市大数据局")
    boot.add_argument("--credit-code", required=True, help="unified social credit code")
    boot.add_argument("--username", required=True, help="the administrator's username")
    boot.add_argument("--data-dir", default=None, help="embedded mode: where state lives")
    boot.add_argument("--mode", choices=["embedded", "distributed"], default="embedded")
    boot.set_defaults(func=run_bootstrap)
