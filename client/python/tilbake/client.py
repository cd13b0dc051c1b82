"""A small convenience layer over the generated tilbake.v1 stubs.

Typed calls with a deadline each, retries with jittered exponential backoff
on UNAVAILABLE, DEADLINE_EXCEEDED and RESOURCE_EXHAUSTED (a retried
submission reuses its idempotency key, so it is never stored twice), and
errors raised as TilbakeError with the server's gRPC code and message (which
names the offending field). Anything not wrapped here is reachable through
the stubs: client.feedback_stub, client.trends_stub, client.admin_stub.
"""

import concurrent.futures
import datetime
import random
import secrets
import time
from typing import Iterable, List, Optional, Sequence, Union

import grpc

from tilbake.frames import Report, Trends, trends_request
from tilbake.v1 import admin_pb2, admin_pb2_grpc
from tilbake.v1 import feedback_pb2, feedback_pb2_grpc
from tilbake.v1 import trends_pb2, trends_pb2_grpc

_RETRYABLE = (
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
)

DateLike = Union[str, datetime.date, feedback_pb2.Date]


class TilbakeError(Exception):
    """A call the server refused (or could not be reached for)."""

    def __init__(self, code: grpc.StatusCode, message: str):
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message


def to_date(value: DateLike) -> feedback_pb2.Date:
    """'2026-11-02', a datetime.date or a v1 Date -> v1 Date."""
    if isinstance(value, feedback_pb2.Date):
        return value
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value)
    return feedback_pb2.Date(year=value.year, month=value.month, day=value.day)


_RELATIONS = {
    "parent": feedback_pb2.Rater.RELATION_PARENT,
    "carer": feedback_pb2.Rater.RELATION_CARER,
    "partner": feedback_pb2.Rater.RELATION_PARTNER,
    "sibling": feedback_pb2.Rater.RELATION_SIBLING,
    "other-family": feedback_pb2.Rater.RELATION_OTHER_FAMILY,
    "teacher": feedback_pb2.Rater.RELATION_TEACHER,
    "other": feedback_pb2.Rater.RELATION_OTHER,
}


def rating(*, tenant: str, episode: str, client: str, clinician: str,
           org_unit: str, session: int, date: DateLike, instrument: str,
           items: Optional[Sequence[Optional[float]]] = None,
           total: Optional[float] = None, skipped: bool = False,
           age: Optional[int] = None, rater: str = "client",
           rater_id: str = "") -> feedback_pb2.Rating:
    """One administration, answered by exactly one of `items` (format A; None
    for an unanswered item), `total` (format B) or `skipped`. `rater` is
    "client" or a collateral's relation (parent, carer, partner, sibling,
    other-family, teacher, other)."""
    if (items is not None) + (total is not None) + bool(skipped) != 1:
        raise ValueError("give exactly one of items, total or skipped=True")
    r = feedback_pb2.Rating(
        tenant_id=tenant, episode_id=episode, client_id=client,
        clinician_id=clinician, org_unit=org_unit, session_number=session,
        session_date=to_date(date), instrument_id=instrument)
    if items is not None:
        for value in items:
            answer = r.items.items.add()
            if value is not None:
                answer.value = value
    elif total is not None:
        r.total_only.total = total
    else:
        r.skipped.SetInParent()
    if age is not None:
        r.client_age_years = age
    if rater == "client":
        r.rater.kind = feedback_pb2.Rater.KIND_CLIENT
    else:
        if rater not in _RELATIONS:
            raise ValueError(f"rater: {rater!r} is not client or one of "
                             f"{', '.join(_RELATIONS)}")
        r.rater.kind = feedback_pb2.Rater.KIND_COLLATERAL
        r.rater.relation = _RELATIONS[rater]
        r.rater.rater_id = rater_id
    return r


def check_import_tally(sent: int, response: feedback_pb2.ImportRatingsResponse
                       ) -> feedback_pb2.ImportRatingsResponse:
    """`response` if the server's tally accounts for the `sent` records of
    one stream (received == sent == stored + replayed + rejected); raises
    TilbakeError(DATA_LOSS) otherwise, so a stream the server took as ended
    early is never a short success."""
    if response.received != sent:
        raise TilbakeError(
            grpc.StatusCode.DATA_LOSS,
            f"import: sent {sent} records but the server received "
            f"{response.received}; records after number {response.received} "
            "of this stream were not stored; send them again (idempotency "
            "keys make a re-run safe)")
    counted = response.stored + response.replayed + response.rejected
    if counted != response.received:
        raise TilbakeError(
            grpc.StatusCode.DATA_LOSS,
            f"import: the server received {response.received} records but "
            f"accounted for {counted} (stored + replayed + rejected)")
    return response


class Client:
    """tilbake.v1 over one channel. Thread-safe (gRPC channels are)."""

    def __init__(self, target: str = "127.0.0.1:50051", *,
                 deadline: float = 10.0, max_attempts: int = 4,
                 initial_backoff: float = 0.2, max_backoff: float = 5.0,
                 credentials: Optional[grpc.ChannelCredentials] = None,
                 token: Optional[str] = None):
        """A plaintext channel to `target` unless `credentials` are given
        (grpc.ssl_channel_credentials(...)). `token` is sent as
        "authorization: Bearer <token>" on every call."""
        options = [("grpc.max_receive_message_length", 64 << 20)]
        self.channel = (grpc.secure_channel(target, credentials, options)
                        if credentials else
                        grpc.insecure_channel(target, options))
        self.feedback_stub = feedback_pb2_grpc.FeedbackStub(self.channel)
        self.trends_stub = trends_pb2_grpc.TrendsStub(self.channel)
        self.admin_stub = admin_pb2_grpc.AdminStub(self.channel)
        # grpc.health.v1 without generated code: the request is empty and
        # the response's field 1 is the status (1 = SERVING).
        self._health_check = self.channel.unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=lambda _: b"",
            response_deserializer=lambda data: data)
        self.deadline = deadline
        self.max_attempts = max(1, max_attempts)
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.metadata = ((("authorization", f"Bearer {token}"),)
                         if token else None)

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _call(self, method, request):
        backoff = self.initial_backoff
        for attempt in range(1, self.max_attempts + 1):
            try:
                return method(request, timeout=self.deadline,
                              metadata=self.metadata)
            except grpc.RpcError as error:
                if (error.code() not in _RETRYABLE
                        or attempt == self.max_attempts):
                    raise TilbakeError(error.code(), error.details()) from None
            time.sleep(backoff * random.uniform(0.5, 1.5))
            backoff = min(backoff * 2, self.max_backoff)
        raise AssertionError("unreachable")

    @staticmethod
    def new_idempotency_key() -> str:
        return "py-" + secrets.token_hex(16)

    def submit(self, rating: feedback_pb2.Rating,
               idempotency_key: Optional[str] = None
               ) -> feedback_pb2.SubmitRatingResponse:
        """Stores one administration and returns it scored. Without a key one
        is chosen; every retry of this call reuses it."""
        request = feedback_pb2.SubmitRatingRequest(
            idempotency_key=idempotency_key or self.new_idempotency_key(),
            rating=rating)
        return self._call(self.feedback_stub.SubmitRating, request)

    def import_ratings(
            self, records: Iterable[Union[
                feedback_pb2.SubmitRatingRequest,
                Sequence[feedback_pb2.SubmitRatingRequest]]], *,
            streams: int = 1) -> feedback_pb2.ImportRatingsResponse:
        """ImportRatings; record numbers count from 1. An element that is a
        list or tuple of records is a row: stored together or not at all
        (one session's ORS and SRS; its records share the row's number).
        With `streams` > 1 the records go over that many streams at once
        (the server works each on its own thread), every episode's records
        in one stream and in their order; the tallies are added up and the
        errors sorted by record number. Not retried: a stream is
        acknowledged whole, so send it again (same keys) if it fails; stored
        records then come back as replayed."""
        def numbered_records():
            for number, record in enumerate(records, start=1):
                if isinstance(record, feedback_pb2.SubmitRatingRequest):
                    yield feedback_pb2.ImportRatingsRequest(
                        record_number=number, record=record)
                    continue
                for part in record:
                    yield feedback_pb2.ImportRatingsRequest(
                        record_number=number, record=part,
                        row=f"row {number}" if len(record) > 1 else "")

        numbered = numbered_records()

        def send(requests):
            sent = 0
            remaining = iter(requests)  # One pass, shared by both loops.

            def counted():
                nonlocal sent
                for request in remaining:
                    sent += 1
                    yield request

            try:
                response = self.feedback_stub.ImportRatings(counted(),
                                                       metadata=self.metadata)
            except grpc.RpcError as error:
                raise TilbakeError(error.code(), error.details()) from None
            # Records gRPC never took (the server ended the stream first)
            # were still meant for it.
            for _ in counted():
                pass
            return check_import_tally(sent, response)

        if streams <= 1:  # Sent as read: the records need not fit in memory.
            return send(numbered)
        lanes: List[List[feedback_pb2.ImportRatingsRequest]] = [
            [] for _ in range(streams)]
        for request in numbered:
            r = request.record.rating
            lanes[hash((r.tenant_id, r.episode_id)) % streams].append(request)
        lanes = [lane for lane in lanes if lane] or [[]]
        with concurrent.futures.ThreadPoolExecutor(len(lanes)) as pool:
            results = list(pool.map(send, lanes))
        total = feedback_pb2.ImportRatingsResponse()
        for result in results:
            total.received += result.received
            total.stored += result.stored
            total.replayed += result.replayed
            total.rejected += result.rejected
            total.errors.extend(result.errors)
        total.errors.sort(key=lambda e: e.record_number)
        return total

    def get_episode(self, tenant: str, episode: str, *,
                    history: bool = False) -> feedback_pb2.Episode:
        """With `history`, also the versions corrections and voids ended
        (Episode.history)."""
        request = feedback_pb2.GetEpisodeRequest(tenant_id=tenant,
                                                 episode_id=episode,
                                                 include_history=history)
        return self._call(self.feedback_stub.GetEpisode, request).episode

    def correct(self, tenant: str, episode: str, administration: str,
                rating: feedback_pb2.Rating, *, reason: str,
                idempotency_key: Optional[str] = None
                ) -> feedback_pb2.CorrectRatingResponse:
        """Replaces a stored administration ("3/ors/c-17/client") with
        `rating` as it should have been: its answers, session date, age or
        rater (every other field as stored, or empty). `reason` is
        required (at most 500 characters, nothing that names the client).
        The version before stays in the episode's history. Start from the
        stored rating: copy `episode.administrations[i].rating` and change
        what was wrong."""
        request = feedback_pb2.CorrectRatingRequest(
            tenant_id=tenant, episode_id=episode,
            administration_id=administration, rating=rating, reason=reason,
            idempotency_key=idempotency_key or self.new_idempotency_key())
        return self._call(self.feedback_stub.CorrectRating, request)

    def void(self, tenant: str, episode: str, administration: str, *,
             reason: str, idempotency_key: Optional[str] = None
             ) -> feedback_pb2.VoidRatingResponse:
        """Marks a stored administration entered in error: it counts nowhere
        and stays, marked, in the history."""
        request = feedback_pb2.VoidRatingRequest(
            tenant_id=tenant, episode_id=episode,
            administration_id=administration, reason=reason,
            idempotency_key=idempotency_key or self.new_idempotency_key())
        return self._call(self.feedback_stub.VoidRating, request)

    def close_episode(self, tenant: str, episode: str, *, ending: str,
                      end_date: DateLike) -> feedback_pb2.Episode:
        """`ending` is "planned" (or mutual) or "unilateral" (dropout)."""
        types = {"planned": feedback_pb2.ENDING_TYPE_PLANNED,
                 "unilateral": feedback_pb2.ENDING_TYPE_UNILATERAL}
        if ending not in types:
            raise ValueError("ending: give 'planned' or 'unilateral'")
        request = feedback_pb2.CloseEpisodeRequest(
            tenant_id=tenant, episode_id=episode,
            ending=feedback_pb2.Ending(type=types[ending],
                                       end_date=to_date(end_date)))
        return self._call(self.feedback_stub.CloseEpisode, request).episode

    def list_instruments(self, family: str = ""
                         ) -> List[feedback_pb2.InstrumentDefinition]:
        request = feedback_pb2.ListInstrumentsRequest(family=family)
        return list(self._call(self.feedback_stub.ListInstruments,
                               request).instruments)

    def query_trends(self, request: trends_pb2.QueryTrendsRequest
                     ) -> List[trends_pb2.TrendRow]:
        """Every row of a trend query (the server streams them)."""
        def read(req, timeout, metadata):
            return list(self.trends_stub.QueryTrends(req, timeout=timeout,
                                                metadata=metadata))
        return self._call(read, request)

    def quality_report(self, tenant: str, start: DateLike, end: DateLike,
                       org_unit: str = "") -> trends_pb2.QualityReport:
        request = trends_pb2.QualityReportRequest(tenant_id=tenant,
                                                  org_unit=org_unit)
        getattr(request, "from").CopyFrom(to_date(start))
        request.to.CopyFrom(to_date(end))
        return self._call(self.trends_stub.GetQualityReport, request)

    def trends(self, tenant: str, start: DateLike, end: DateLike, *,
               org_unit: str = "", clinician: str = "",
               instruments: Sequence[str] = (),
               age_band: Optional[str] = None, bucket: str = "month",
               group_by: Sequence[str] = ("instrument",),
               depth: int = 0) -> Trends:
        """Trend rows as `tilbake trends` asks for them: `bucket` week,
        month, quarter, year or all; `group_by` of org_unit, clinician,
        instrument, age_band; `depth` org-unit levels. .to_frame() gives a
        DataFrame, one row per group and bucket."""
        request = trends_request(
            tenant, to_date(start), to_date(end), org_unit=org_unit,
            clinician=clinician, instruments=instruments, age_band=age_band,
            bucket=bucket, group_by=group_by, depth=depth)
        return Trends(request, self.query_trends(request))

    def report(self, tenant: str, start: DateLike, end: DateLike,
               org_unit: str = "") -> Report:
        """The quality report with its tables: .to_frame("outcomes") (the
        default), "indices", "summary", "age_bands", "alliance",
        "recovery_support"."""
        return Report(self.quality_report(tenant, start, end, org_unit))

    def create_backup(self, keep: int = 0) -> admin_pb2.CreateBackupResponse:
        return self._call(self.admin_stub.CreateBackup,
                          admin_pb2.CreateBackupRequest(keep=keep))

    def query_audit_log(self, tenant: str, client: str = "", *,
                        start=None, end=None) -> List[admin_pb2.AuditEntry]:
        """Every entry of a tenant's access log (admin tokens), oldest
        first; only those naming `client` when given; `start`/`end` are
        datetimes (end excluded). Reads every page."""
        request = admin_pb2.QueryAuditLogRequest(tenant_id=tenant,
                                                 client_id=client,
                                                 page_size=1000)
        if start is not None:
            getattr(request, "from").FromDatetime(start)
        if end is not None:
            request.to.FromDatetime(end)
        entries: List[admin_pb2.AuditEntry] = []
        while True:
            page = self._call(self.admin_stub.QueryAuditLog, request)
            entries.extend(page.entries)
            if not page.next_page_token:
                return entries
            request.page_token = page.next_page_token

    def export_client(self, tenant: str, client: str
                      ) -> List[feedback_pb2.Episode]:
        """Everything about one client pseudonym (admin tokens)."""
        request = admin_pb2.ExportClientRequest(tenant_id=tenant,
                                                client_id=client)
        return list(self._call(self.admin_stub.ExportClient, request).episodes)

    def _call_once(self, method, request):
        try:
            return method(request, timeout=self.deadline,
                          metadata=self.metadata)
        except grpc.RpcError as error:
            raise TilbakeError(error.code(), error.details()) from None

    def request_erasure(self, tenant: str, client: str, reason: str
                        ) -> admin_pb2.ErasureRequest:
        """Asks for a client's data to be erased; a second admin decides.
        Sent once: a resent request would be refused as a duplicate."""
        return self._call_once(self.admin_stub.RequestErasure,
                               admin_pb2.RequestErasureRequest(
                                   tenant_id=tenant, client_id=client,
                                   reason=reason))

    def run_retention(self, tenant: str, *, dry_run: bool = False
                      ) -> admin_pb2.RetentionReport:
        """The tenant's retention policy now (admin): episodes ended longer
        ago than it keeps them, and old access-log entries, are deleted;
        their trend figures stay. With `dry_run` only the counts."""
        return self._call_once(self.admin_stub.RunRetention,
                               admin_pb2.RunRetentionRequest(
                                   tenant_id=tenant, dry_run=dry_run))

    def decide_erasure(self, tenant: str, request_id: str, approve: bool
                       ) -> admin_pb2.ErasureRequest:
        return self._call_once(self.admin_stub.DecideErasure,
                               admin_pb2.DecideErasureRequest(
                                   tenant_id=tenant, request_id=request_id,
                                   approve=approve))

    def health(self) -> bool:
        """True when the server reports SERVING (one attempt, no retry)."""
        try:
            data = self._health_check(b"", timeout=self.deadline)
        except grpc.RpcError as error:
            raise TilbakeError(error.code(), error.details()) from None
        return data == b"\x08\x01"
