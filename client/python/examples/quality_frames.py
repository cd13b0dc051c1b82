#!/usr/bin/env python3
"""A quality lead's notebook, as a script: a department's teams quarter by
quarter and the quality report of the year, as pandas DataFrames.

    .venv/bin/python client/python/examples/quality_frames.py \\
        --server 127.0.0.1:50051 --tenant oslo --org_unit psyk \\
        --from 2026-01-01 --to 2026-12-31

Needs pandas (pip install './client/python[frames]', or Debian's
python3-pandas) and a token that reads aggregates ($TILBAKE_TOKEN).
"""

import argparse
import os
import sys

import pandas

from tilbake import Client, TilbakeError


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="127.0.0.1:50051")
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--org_unit", default="")
    parser.add_argument("--from", dest="start", required=True)
    parser.add_argument("--to", dest="end", required=True)
    parser.add_argument("--bucket", default="quarter")
    args = parser.parse_args()
    depth = args.org_unit.count("/") + 2 if args.org_unit else 1

    with Client(args.server, token=os.environ.get("TILBAKE_TOKEN")) as client:
        try:
            teams = client.trends(args.tenant, args.start, args.end,
                                  org_unit=args.org_unit, bucket=args.bucket,
                                  group_by=["org_unit"], depth=depth)
            report = client.report(args.tenant, args.start, args.end,
                                   org_unit=args.org_unit)
        except TilbakeError as error:
            print(f"tilbake: {error}", file=sys.stderr)
            return 1

    frame = teams.to_frame()
    pandas.set_option("display.width", 120)
    # Effect size per team and period; NaN where too few clients to show.
    print("Effect size by", args.bucket)
    print(frame.pivot(index="bucket_start", columns="org_unit",
                      values="effect_size").round(2).to_string())
    print()
    print("Outcomes of the period (rule set", report.rule_set + ")")
    outcomes = report.to_frame("outcomes")
    print(outcomes[["instrument", "intake", "series", "mean_intake",
                    "mean_change", "effect_size", "pct_reliable_recovery"]]
          .round(2).to_string(index=False))
    if teams.small_cell_threshold:
        print(f"\nFigures from fewer than {teams.small_cell_threshold} "
              "clients are left out (NaN).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
