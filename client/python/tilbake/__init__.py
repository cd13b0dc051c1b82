"""Tilbake's Python SDK: session feedback (FIT, INSPIRE) over gRPC.

    from tilbake import Client, rating

    client = Client("127.0.0.1:50051")
    stored = client.submit(rating(tenant="oslo", episode="e-1", client="c-17",
                                  clinician="k-4",
                                  org_unit="psykisk-helse/team-nord",
                                  session=1, date="2026-11-02",
                                  instrument="ors",
                                  items=[5.1, 6.0, 7.3, 8.9]))
    print(stored.administration.score.total)

Figures for notebooks: client.trends(...) and client.report(...) return
rows with .to_frame() (pandas DataFrames, columns as the CSV export's,
docs/exports.md).

The generated messages and stubs are in tilbake.v1 (feedback_pb2,
trends_pb2, admin_pb2 and their _grpc modules).
"""

from tilbake.client import Client, TilbakeError, rating
from tilbake.frames import Report, Trends

__all__ = ["Client", "Report", "TilbakeError", "Trends", "rating"]
