"""Mint development tokens: ``qp-token regulator --level provincial --region 330000``.

Only for dev and test: it signs with the dev key (HS256). Production tokens come from the
identity provider and are verified with its RS256 public key.
"""

import argparse
import os
import sys

from shared.auth.tokens import dev_token
from shared.settings import ServiceSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="qp-token", description=__doc__)
    parser.add_argument("role", choices=["regulator", "certification_body", "enterprise"])
    parser.add_argument("--sub", help="subject (user id); defaults to something per role")
    parser.add_argument("--name")
    parser.add_argument("--level", choices=["national", "provincial", "municipal", "county"])
    parser.add_argument("--department", default="SAMR")
    parser.add_argument("--region", help="GB/T 2260 region code, e.g. 330000")
    parser.add_argument("--body-id")
    parser.add_argument("--uscc")
    parser.add_argument("--hours", type=float, default=12)
    args = parser.parse_args(argv)
    if os.environ.get("ENVIRONMENT", "dev").strip().lower() in ("prod", "production"):
        print("refusing to mint dev tokens in production", file=sys.stderr)
        return 2
    settings = ServiceSettings(environment="dev")
    claims: dict[str, object] = {"role": args.role, "name": args.name}
    if args.role == "regulator":
        claims.update(
            authority_level=args.level or "provincial",
            department=args.department,
            region_code=args.region or "330000",
        )
        claims["sub"] = args.sub or f"regulator-{claims['region_code']}"
    elif args.role == "certification_body":
        if not args.body_id:
            parser.error("certification_body tokens need --body-id")
        claims.update(body_id=args.body_id, sub=args.sub or f"body-{args.body_id}")
    else:
        if not args.uscc:
            parser.error("enterprise tokens need --uscc")
        claims.update(uscc=args.uscc, sub=args.sub or f"enterprise-{args.uscc}")
    from datetime import timedelta

    print(dev_token(settings, ttl=timedelta(hours=args.hours), **claims))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
