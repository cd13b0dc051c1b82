#!/usr/bin/env python3
"""Submits a client's first two sessions (ORS at the start, SRS at the end)
and prints what Tilbake made of them.

    PYTHONPATH=build/client/python python3 client/python/examples/submit_and_read.py \
        --server 127.0.0.1:50051 --tenant oslo
"""

import argparse
import sys

from tilbake import Client, TilbakeError, rating


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="127.0.0.1:50051")
    parser.add_argument("--tenant", default="example")
    parser.add_argument("--episode", default="example-episode-1")
    args = parser.parse_args()

    common = dict(tenant=args.tenant, episode=args.episode, client="c-17",
                  clinician="k-4", org_unit="psykisk-helse/team-nord")
    forms = [
        rating(**common, session=1, date="2026-03-02", instrument="ors",
               items=[4.1, 5.0, 4.4, 3.9], age=34),
        rating(**common, session=1, date="2026-03-02", instrument="srs",
               items=[9.1, 9.0, 8.8, 9.2]),
        rating(**common, session=2, date="2026-03-09", instrument="ors",
               items=[6.0, 6.2, 5.9, 6.1], age=34),
        rating(**common, session=2, date="2026-03-09", instrument="srs",
               total=34.0),
    ]
    with Client(args.server) as client:
        try:
            for number, form in enumerate(forms):
                # A key per form: running the example again stores nothing new.
                client.submit(form, idempotency_key=f"{args.episode}-{number}")
            episode = client.get_episode(args.tenant, args.episode)
        except TilbakeError as error:
            print(f"tilbake: {error}", file=sys.stderr)
            return 1
    for a in episode.administrations:
        score = a.score
        total = f"{score.total:.1f}" if score.HasField("total") else "-"
        alerts = "; ".join(alert.message for alert in score.evaluation.alerts)
        print(f"session {a.rating.session_number} {a.rating.instrument_id:4} "
              f"total {total:>5}  {alerts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
