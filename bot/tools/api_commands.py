"""`bot api-key create|list|revoke`: the keys of the OpenAI-compatible API (`bot.web.api`, docs/api.md)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.settings import Settings
from bot.tools.commands import corpus_settings
from bot.web.api.sets import ALL_SETS, document_sets


def _run(store, work):
    # lazy: SQLAlchemy loads only for the commands that use the database (start-up time of every `bot` command)
    from bot.history.api_keys import KeyStoreUnavailable

    async def run():
        try:
            return await work
        finally:
            await store.close()

    try:
        return asyncio.run(run())
    except KeyStoreUnavailable as exc:
        raise ValueError(f"cannot reach the API keys: {exc}") from None


def cmd_api_key(args: argparse.Namespace, settings: Settings) -> int:
    # lazy: SQLAlchemy loads only for the commands that use the database (start-up time of every `bot` command)
    from bot.history.api_keys import api_keys_for

    store = api_keys_for(settings)
    if args.key_command == "create":
        if args.corpus:  # `bot serve --corpus DIR` serves that folder's set, not the configured corpus's
            settings = corpus_settings(settings, args.corpus)
        every = document_sets(settings)
        known = set(every)
        # By default the sets open to everyone there are now (not those added later): a set limited to named
        # chat users is reached only by a key that names it, as `*` does not reach it either.
        sets = args.set or sorted(name for name, s in every.items() if not s.served.users)
        if not sets:
            raise ValueError(
                "every document set here is limited to named users: name the ones this key may use with --set."
            )
        unknown = [s for s in sets if s not in known and s != ALL_SETS]
        if unknown:
            raise ValueError(f"no document set named {', '.join(unknown)}; this server has {', '.join(sorted(known))}.")
        key = _run(store, store.create(args.name, sets))
        print(key)
        print(
            f"bot: made the key {args.name!r} for {', '.join(sets)}. This is the only time it is shown: "
            "keep it now. `bot api-key revoke` ends it.",
            file=sys.stderr,
        )
        return 0
    if args.key_command == "list":
        keys = _run(store, store.keys())
        for key in keys:
            state = f"revoked {key.revoked_at[:16]}" if key.revoked_at else "active"
            print(f"{key.name}\t{key.prefix}…\t{','.join(key.sets)}\tmade {key.created_at[:16]}\t{state}")
        if not keys:
            print("bot: no API keys; the API is off until `bot api-key create NAME`.", file=sys.stderr)
        return 0
    revoked = _run(store, store.revoke(args.name))
    if not revoked:
        raise ValueError(f"no active key named {args.name!r} (`bot api-key list` shows them).")
    print(f"bot: revoked the key {args.name!r}; requests with it now get 401.", file=sys.stderr)
    return 0
