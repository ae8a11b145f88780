"""``python -m local.token``: print a development token, and nothing else, for ``$(make -s token)``.

    python -m local.token --role REGULATOR
    python -m local.token --role ENTERPRISE_ADMIN --enterprise 91350100M000100Y43
    python -m local.token --role PARTNER --enterprise 91350100M000100Y43 --scope events:write

A request that cannot make a token prints the reason on stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import sys

from local.tokens import ROLES, TokenRequestError, mint_token


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m local.token", description="Print a token the local gateway accepts."
    )
    parser.add_argument("--role", required=True, help=" | ".join(ROLES))
    parser.add_argument("--enterprise", help="USCC of the enterprise the principal acts for")
    parser.add_argument("--subject", help="the sub claim (default: built from role and USCC)")
    parser.add_argument(
        "--scope", action="append", dest="scopes", help="a scope; repeat for several"
    )
    parser.add_argument("--ttl-hours", type=int, default=12, help="lifetime (default 12)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        token = mint_token(
            args.role.strip().upper(),
            args.enterprise.strip() if args.enterprise else None,
            subject=args.subject,
            scopes=args.scopes,
            ttl_hours=args.ttl_hours,
        )
    except TokenRequestError as error:
        print(f"token: {error}", file=sys.stderr)
        return 2
    print(token)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
