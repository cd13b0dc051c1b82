"""The Python SDK against a real tilbake-server (a child process on a free
loopback port, RocksDB in a temp directory). Run by ctest (PythonSdk) with
PYTHONPATH=build/client/python and TILBAKE_SERVER=the server binary."""

import hashlib
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import unittest

import grpc

from tilbake import Client, TilbakeError, rating
from tilbake.v1 import feedback_pb2, trends_pb2

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "examples",
                       "submit_and_read.py")


class Server:
    """tilbake-server as a child process; port read from its start line."""

    def __init__(self, tokens: str = ""):
        """`tokens`: the text of a --tokens_file (empty: auth off)."""
        self.dir = tempfile.TemporaryDirectory(prefix="tilbake-py-")
        extra = []
        if tokens:
            path = os.path.join(self.dir.name, "tokens.textpb")
            with open(path, "w") as out:
                out.write(tokens)
            extra = [f"--tokens_file={path}"]
        self.process = subprocess.Popen(
            [os.environ["TILBAKE_SERVER"], "--listen=127.0.0.1:0",
             f"--data_dir={self.dir.name}/data", "--metrics_listen=",
             "--log_requests=false"] + extra,
            stderr=subprocess.PIPE, text=True)
        self.log = []
        port = None
        for line in self.process.stderr:  # Bounded: the server exits on error.
            self.log.append(line)
            match = re.search(r"event=server_started .*\bport=(\d+)", line)
            if match:
                port = int(match.group(1))
                break
        if port is None:
            raise RuntimeError("server did not start:\n" + "".join(self.log))
        # Keep draining stderr so the server never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in self.process.stderr],
                         daemon=True).start()
        self.address = f"127.0.0.1:{port}"

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=60)
        self.dir.cleanup()
        return code


def ors(session, items, episode="e-1", **extra):
    return rating(tenant="tenant-a", episode=episode, client="c-17",
                  clinician="k-4", org_unit="psykisk-helse/team-nord",
                  session=session, date=f"2026-03-0{1 + session}",
                  instrument="ors", items=items, **extra)


class ClientTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = Server()

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        if code != 0:
            raise AssertionError(f"server exited {code} on SIGTERM")

    def setUp(self):
        self.client = Client(self.server.address, max_attempts=1)

    def tearDown(self):
        self.client.close()

    def test_submit_scores_and_the_episode_reads_back(self):
        stored = self.client.submit(ors(1, [5.1, 6.0, 7.3, 8.9],
                                        episode="e-read"))
        self.assertFalse(stored.replayed)
        self.assertAlmostEqual(stored.administration.score.total, 27.3)
        episode = self.client.get_episode("tenant-a", "e-read")
        self.assertEqual(len(episode.administrations), 1)
        self.assertAlmostEqual(episode.administrations[0].score.total, 27.3)
        self.assertEqual(episode.administrations[0].rating.client_id, "c-17")

    def test_a_retry_with_the_same_key_is_replayed_not_doubled(self):
        form = ors(1, [4, 5, 6, 7], episode="e-retry")
        first = self.client.submit(form, idempotency_key="py-key-1")
        again = self.client.submit(form, idempotency_key="py-key-1")
        self.assertFalse(first.replayed)
        self.assertTrue(again.replayed)
        self.assertEqual(
            len(self.client.get_episode("tenant-a", "e-retry")
                .administrations), 1)
        with self.assertRaises(TilbakeError) as caught:
            self.client.submit(ors(1, [1, 1, 1, 1], episode="e-retry"),
                               idempotency_key="py-key-1")
        self.assertEqual(caught.exception.code,
                         grpc.StatusCode.ALREADY_EXISTS)

    def test_bad_input_names_the_field(self):
        with self.assertRaises(TilbakeError) as caught:
            self.client.submit(ors(1, [5, 6, 10.5, 8], episode="e-bad"))
        self.assertEqual(caught.exception.code,
                         grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("rating.items[2] (social): 10.5 is above the maximum "
                      "10.0", caught.exception.message)
        with self.assertRaises(TilbakeError) as missing:
            self.client.get_episode("tenant-a", "e-404")
        self.assertEqual(missing.exception.code, grpc.StatusCode.NOT_FOUND)

    def test_import_stores_good_records_and_reports_bad_ones(self):
        records = [
            feedback_pb2.SubmitRatingRequest(
                idempotency_key=f"py-imp-{n}",
                rating=ors(n, items, episode="e-import"))
            for n, items in ((1, [5, 5, 5, 5]), (2, [5, 5, 12, 5]),
                             (3, [6, 6, 6, 6]))
        ]
        response = self.client.import_ratings(records)
        self.assertEqual((response.received, response.stored,
                          response.replayed, response.rejected), (3, 2, 0, 1))
        self.assertEqual(response.errors[0].record_number, 2)
        again = self.client.import_ratings(records)
        self.assertEqual((again.stored, again.replayed), (0, 2))

    def test_a_row_is_stored_whole_or_refused_whole(self):
        def form(instrument, items, key):
            return feedback_pb2.SubmitRatingRequest(
                idempotency_key=key,
                rating=rating(tenant="tenant-a", episode="e-row",
                              client="c-17", clinician="k-4",
                              org_unit="psykisk-helse/team-nord", session=1,
                              date="2026-03-02", instrument=instrument,
                              items=items))
        refused = self.client.import_ratings([
            (form("ors", [5, 5, 12, 5], "py-row-ors"),
             form("srs", [9, 9, 9, 9], "py-row-srs"))])
        self.assertEqual((refused.received, refused.stored, refused.rejected),
                         (2, 0, 2))
        self.assertEqual([e.record_number for e in refused.errors], [1, 1])
        self.assertIn("rating.items[2] (social)", refused.errors[0].message)
        self.assertIn("row: not stored, as its ors was refused",
                      refused.errors[1].message)
        with self.assertRaises(TilbakeError):
            self.client.get_episode("tenant-a", "e-row")
        stored = self.client.import_ratings([
            (form("ors", [5, 5, 5, 5], "py-row-ors"),
             form("srs", [9, 9, 9, 9], "py-row-srs"))])
        self.assertEqual((stored.received, stored.stored), (2, 2))
        self.assertEqual(len(self.client.get_episode(
            "tenant-a", "e-row").administrations), 2)

    def test_import_fails_when_the_server_received_fewer_than_sent(self):
        # A server that takes the stream as ended early answers with a short
        # tally; the SDK raises DATA_LOSS rather than return it.
        class ShortTally:
            def ImportRatings(self, requests, metadata=None):
                for _, _ in zip(range(4), requests):
                    pass
                return feedback_pb2.ImportRatingsResponse(received=4, stored=4)

        records = [feedback_pb2.SubmitRatingRequest(
            idempotency_key=f"py-short-{n}", rating=ors(n, [5, 5, 5, 5]))
            for n in range(1, 7)]
        real = self.client.feedback_stub
        self.client.feedback_stub = ShortTally()
        try:
            with self.assertRaises(TilbakeError) as raised:
                self.client.import_ratings(records)
        finally:
            self.client.feedback_stub = real
        self.assertEqual(raised.exception.code, grpc.StatusCode.DATA_LOSS)
        self.assertIn("sent 6 records but the server received 4",
                      str(raised.exception))

    def test_import_in_streams_adds_up_the_streams(self):
        # Four episodes of two sessions; record 4 (e-par-2, session 2) bad.
        records = [
            feedback_pb2.SubmitRatingRequest(
                idempotency_key=f"py-par-{e}-{n}",
                rating=ors(n, [5, 5, 12, 5] if (e, n) == (2, 2)
                           else [5, 5, 5, 5], episode=f"e-par-{e}"))
            for e in range(1, 5) for n in (1, 2)
        ]
        response = self.client.import_ratings(records, streams=3)
        self.assertEqual((response.received, response.stored,
                          response.replayed, response.rejected), (8, 7, 0, 1))
        self.assertEqual([e.record_number for e in response.errors], [4])
        for e in range(1, 5):
            sessions = [a.rating.session_number for a in
                        self.client.get_episode("tenant-a",
                                                f"e-par-{e}").administrations]
            self.assertEqual(sessions, [1] if e == 2 else [1, 2])
        again = self.client.import_ratings(records, streams=2)
        self.assertEqual((again.stored, again.replayed, again.rejected),
                         (0, 7, 1))

    def test_a_correction_and_a_void_keep_the_trail(self):
        for session, items in ((1, [0.5, 0.8, 1.0, 1.2]),
                               (2, [5.1, 6.0, 7.3, 8.9]),
                               (3, [6, 6, 6, 6])):
            self.client.submit(ors(session, items, episode="e-fix"))
        episode = self.client.get_episode("tenant-a", "e-fix")
        right = feedback_pb2.Rating()
        right.CopyFrom(episode.administrations[0].rating)
        del right.items.items[:]
        for value in (0.8, 1.2, 1.5, 1.8):
            right.items.items.add(value=value)
        fixed = self.client.correct("tenant-a", "e-fix", "1/ors/c-17/client",
                                    right, reason="client marked 5.3",
                                    idempotency_key="py-fix-1")
        self.assertFalse(fixed.replayed)
        intake, later = fixed.episode.administrations[:2]
        self.assertAlmostEqual(intake.score.total, 5.3)
        self.assertEqual(intake.revision, 1)
        self.assertEqual(intake.status, feedback_pb2.RECORD_STATUS_AMENDED)
        # 27.3 - 5.3, where it read 27.3 - 3.5 before.
        self.assertAlmostEqual(later.score.evaluation.change_since_intake,
                               22.0)
        again = self.client.correct("tenant-a", "e-fix", "1/ors/c-17/client",
                                    right, reason="client marked 5.3",
                                    idempotency_key="py-fix-1")
        self.assertTrue(again.replayed)
        voided = self.client.void("tenant-a", "e-fix", "3/ors/c-17/client",
                                  reason="wrong client")
        self.assertEqual(len(voided.episode.administrations), 2)
        read = self.client.get_episode("tenant-a", "e-fix", history=True)
        self.assertEqual(
            [(r.version.administration_id, r.change, r.reason)
             for r in read.history],
            [("1/ors/c-17/client", feedback_pb2.RECORD_STATUS_AMENDED,
              "client marked 5.3"),
             ("3/ors/c-17/client", feedback_pb2.RECORD_STATUS_ENTERED_IN_ERROR,
              "wrong client")])
        self.assertAlmostEqual(read.history[0].version.score.total, 3.5)
        self.assertEqual(len(self.client.get_episode("tenant-a",
                                                     "e-fix").history), 0)
        with self.assertRaises(TilbakeError) as refused:
            self.client.void("tenant-a", "e-fix", "2/ors/c-17/client",
                             reason="")
        self.assertEqual(refused.exception.code,
                         grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("reason: required", str(refused.exception))

    def test_a_dry_run_of_retention_says_there_is_no_policy(self):
        report = self.client.run_retention("tenant-a", dry_run=True)
        self.assertTrue(report.dry_run)
        self.assertFalse(report.HasField("episodes_ended_before"))
        self.assertEqual(report.episodes, 0)

    def test_instruments_and_health(self):
        ids = {d.id for d in self.client.list_instruments("fit")}
        self.assertTrue({"ors", "srs", "cors", "csrs"} <= ids)
        self.assertTrue(self.client.health())

    def test_close_then_trends_and_the_quality_report(self):
        for session, items in ((1, [4, 5, 5, 6]), (2, [6, 7, 7, 6])):
            self.client.submit(
                rating(tenant="tenant-t", episode="e-trend", client="c-9",
                       clinician="k-1", org_unit="dept/team", session=session,
                       date=f"2026-04-0{session}", instrument="ors",
                       items=items))
        closed = self.client.close_episode("tenant-t", "e-trend",
                                           ending="planned",
                                           end_date="2026-04-10")
        self.assertTrue(closed.HasField("ending"))
        request = trends_pb2.QueryTrendsRequest(
            tenant_id="tenant-t", instrument_ids=["ors"],
            bucket=trends_pb2.TREND_BUCKET_WHOLE_PERIOD)
        getattr(request, "from").CopyFrom(feedback_pb2.Date(year=2026,
                                                            month=1, day=1))
        request.to.CopyFrom(feedback_pb2.Date(year=2026, month=6, day=30))
        rows = self.client.query_trends(request)
        self.assertEqual(len(rows), 1)
        # Intake 20.0, last 26.0: one series, mean change +6.0.
        self.assertEqual(rows[0].all.series, 1)
        self.assertAlmostEqual(rows[0].all.mean_intake, 20.0)
        self.assertAlmostEqual(rows[0].all.mean_change, 6.0)
        report = self.client.quality_report("tenant-t", "2026-01-01",
                                            "2026-06-30")
        self.assertEqual(report.sessions, 2)
        self.assertEqual([o.instrument_id for o in report.outcomes], ["ors"])

    def test_the_rating_helper_wants_one_answer_format(self):
        with self.assertRaises(ValueError):
            rating(tenant="t", episode="e", client="c", clinician="k",
                   org_unit="d", session=1, date="2026-01-01",
                   instrument="ors", items=[1, 2, 3, 4], total=10)
        with self.assertRaises(ValueError):
            ors(1, [1, 2, 3, 4], rater="neighbour")

    def test_the_example_script_runs(self):
        env = dict(os.environ)
        result = subprocess.run(
            [sys.executable, EXAMPLE, "--server", self.server.address,
             "--tenant", "tenant-example"],
            capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        # ORS 4.1 + 5.0 + 4.4 + 3.9 = 17.4; the session-2 SRS is 34.0.
        self.assertIn("session 1 ors  total  17.4", result.stdout)
        self.assertIn("session 2 srs  total  34.0", result.stdout)


class TokenTest(unittest.TestCase):
    """The `token` option against a server that wants bearer tokens."""

    def test_calls_carry_the_token(self):
        salt = secrets.token_hex(16)
        digest = hashlib.sha256(bytes.fromhex(salt) + b"t-py").hexdigest()
        server = Server(tokens=(
            'token { name: "py" tenant_id: "tenant-a" role: "integration" '
            f'salt: "{salt}" sha256: "{digest}" }}\n'))
        try:
            with Client(server.address, max_attempts=1) as anonymous:
                with self.assertRaises(TilbakeError) as caught:
                    anonymous.submit(ors(1, [5, 5, 5, 5], episode="e-tok"))
                self.assertEqual(caught.exception.code,
                                 grpc.StatusCode.UNAUTHENTICATED)
            with Client(server.address, max_attempts=1,
                        token="t-py") as client:
                stored = client.submit(ors(1, [5, 5, 5, 5], episode="e-tok"))
                self.assertAlmostEqual(stored.administration.score.total, 20.0)
                response = client.import_ratings([
                    feedback_pb2.SubmitRatingRequest(
                        idempotency_key="py-tok-2",
                        rating=ors(2, [6, 6, 6, 6], episode="e-tok"))])
                self.assertEqual(response.stored, 1)
                self.assertEqual(
                    len(client.get_episode("tenant-a", "e-tok")
                        .administrations), 2)
        finally:
            self.assertEqual(server.stop(), 0)

    def test_access_log_export_and_two_admin_erasure(self):
        entries = []
        for name in ("py", "anne", "bo"):
            salt = secrets.token_hex(16)
            digest = hashlib.sha256(
                bytes.fromhex(salt) + f"t-{name}".encode()).hexdigest()
            role = "integration" if name == "py" else "admin"
            entries.append(
                f'token {{ name: "{name}" tenant_id: "tenant-a" '
                f'role: "{role}" salt: "{salt}" sha256: "{digest}" }}\n')
        server = Server(tokens="".join(entries))
        try:
            with Client(server.address, max_attempts=1, token="t-py") as py:
                py.submit(ors(1, [5, 5, 5, 5], episode="e-er"))
            anne = Client(server.address, max_attempts=1, token="t-anne")
            bo = Client(server.address, max_attempts=1, token="t-bo")
            with anne, bo:
                episodes = anne.export_client("tenant-a", "c-17")
                self.assertEqual([e.episode_id for e in episodes], ["e-er"])
                log = anne.query_audit_log("tenant-a", "c-17")
                self.assertEqual([(e.action, e.actor, e.outcome_name)
                                  for e in log],
                                 [("SubmitRating", "py", "OK"),
                                  ("ExportClient", "anne", "OK")])
                request = anne.request_erasure("tenant-a", "c-17", "asked")
                with self.assertRaises(TilbakeError) as caught:
                    anne.decide_erasure("tenant-a", request.request_id, True)
                self.assertEqual(caught.exception.code,
                                 grpc.StatusCode.PERMISSION_DENIED)
                done = bo.decide_erasure("tenant-a", request.request_id, True)
                self.assertEqual(done.administrations_erased, 1)
                with self.assertRaises(TilbakeError) as caught:
                    anne.export_client("tenant-a", "c-17")
                self.assertEqual(caught.exception.code,
                                 grpc.StatusCode.NOT_FOUND)
        finally:
            self.assertEqual(server.stop(), 0)


if __name__ == "__main__":
    unittest.main()
