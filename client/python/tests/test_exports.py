"""Trends and the quality report leave Tilbake the same way by every road:
`tilbake trends|report --format=csv|xlsx` read back with Python's csv and
openpyxl, and Client.trends()/report().to_frame(), against a real
tilbake-server holding a seeded tenant, with figures computed by hand.
Small cells are left out in every export (a quality token: threshold 5).

Run by ctest (PythonSdk) with TILBAKE_SERVER and TILBAKE_CLI set."""

import csv
import hashlib
import io
import math
import os
import secrets
import subprocess
import sys
import tempfile
import unittest

from test_client import Server
from tilbake import Client, rating

PERIOD = ["--from=2026-01-01", "--to=2026-06-30"]

# psyk/nord: five clients, ORS totals (intake, last) as four equal items.
# Rule set jt-5: cutoff 25, reliable change 5, effect-size SD 7.
NORD = {"c1": (10, 20),   # +10: reliably improved, not recovered
        "c2": (12, 26),   # +14: recovered (from below 25 to 25 or more)
        "c3": (20, 22),   # +2: no reliable change
        "c4": (18, 12),   # -6: reliably deteriorated
        "c5": (30, 32)}   # +2: intake above the cutoff
# psyk/sor: two clients, fewer than the threshold: left out.
SOR = {"c6": (8, 16), "c7": (10, 10)}

# By hand, psyk/nord, every series:
MEAN_INTAKE = (10 + 12 + 20 + 18 + 30) / 5      # 18.0
MEAN_LATEST = (20 + 26 + 22 + 12 + 32) / 5      # 22.4
MEAN_CHANGE = MEAN_LATEST - MEAN_INTAKE         # 4.4
EFFECT_SIZE = MEAN_CHANGE / 7                   # 0.628571...
MEAN_SCORE = (90 + 112) / 10                    # 20.2, every form


def token_entry(name, role, token, extra=""):
    salt = secrets.token_hex(16)
    digest = hashlib.sha256(bytes.fromhex(salt) + token.encode()).hexdigest()
    return (f'token {{ name: "{name}" tenant_id: "tenant-x" role: "{role}" '
            f'{extra} salt: "{salt}" sha256: "{digest}" }}\n')


def close(a, b, places=9):
    return a is not None and math.isclose(a, b, abs_tol=10 ** -places)


class ExportsTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = Server(tokens=token_entry("dips", "integration", "t-dips")
                            + token_entry("lise", "quality", "t-lise",
                                          'org_unit: "psyk"'))
        cls.dir = tempfile.TemporaryDirectory(prefix="tilbake-exports-")
        with Client(cls.server.address, max_attempts=1,
                    token="t-dips") as dips:
            for unit, clients in (("psyk/nord", NORD), ("psyk/sor", SOR)):
                for client, totals in clients.items():
                    for session, total in enumerate(totals, start=1):
                        dips.submit(rating(
                            tenant="tenant-x", episode=f"e-{client}",
                            client=client, clinician="k-1", org_unit=unit,
                            session=session, date=f"2026-03-0{session * 2}",
                            instrument="ors", items=[total / 4] * 4, age=40))
                    dips.close_episode("tenant-x", f"e-{client}",
                                       ending="planned",
                                       end_date="2026-03-20")

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()
        code = cls.server.stop()
        if code != 0:
            raise AssertionError(f"server exited {code} on SIGTERM")

    def tilbake(self, *args):
        env = dict(os.environ, TILBAKE_TOKEN="t-lise", LANG="C.UTF-8")
        result = subprocess.run(
            [os.environ["TILBAKE_CLI"], f"--server={self.server.address}",
             "--attempts=1", *args],
            capture_output=True, env=env, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        return result.stdout

    def trends_csv(self, *extra):
        text = self.tilbake("trends", "--tenant=tenant-x", *PERIOD,
                            "--org_unit=psyk", "--bucket=all",
                            "--group_by=org_unit", "--depth=2",
                            "--split", "--format=csv", *extra)
        return text

    def test_trends_csv_reads_back_with_the_figures_and_small_cells_out(self):
        rows = list(csv.DictReader(io.StringIO(
            self.trends_csv("--column_keys").decode("utf-8"), newline="")))
        by = {(r["org_unit"], r["intake"]): r for r in rows}
        self.assertEqual(len(rows), 6)  # Two units, three intake groups.
        nord = by[("psyk/nord", "All")]
        self.assertEqual(nord["bucket_start"], "2026-01-01")
        self.assertEqual(nord["administrations"], "10")
        self.assertEqual(nord["sessions"], "10")
        self.assertEqual(nord["pct_sessions_with_ors"], "100")
        self.assertEqual(nord["episodes_started"], "5")
        self.assertTrue(close(float(nord["mean_score"]), MEAN_SCORE))
        self.assertEqual(nord["series"], "5")
        self.assertTrue(close(float(nord["mean_intake"]), MEAN_INTAKE))
        self.assertTrue(close(float(nord["mean_latest"]), MEAN_LATEST))
        self.assertTrue(close(float(nord["mean_change"]), MEAN_CHANGE))
        self.assertTrue(close(float(nord["effect_size"]), EFFECT_SIZE))
        self.assertEqual(float(nord["pct_reliable_improvement"]), 20)  # c1
        self.assertEqual(float(nord["pct_reliable_recovery"]), 20)  # c2
        self.assertEqual(float(nord["pct_reliable_deterioration"]), 20)  # c4
        self.assertEqual(nord["planned_endings"], "5")
        self.assertEqual(nord["outcome_suppressed"], "false")
        # Intake below the cutoff: c1-c4, four series, fewer than five.
        below = by[("psyk/nord", "Intake below cutoff")]
        self.assertEqual(below["outcome_suppressed"], "true")
        for key in ("series", "mean_intake", "mean_change", "effect_size",
                    "planned_endings"):
            self.assertEqual(below[key], "", key)
        # psyk/sor: two clients; nothing of it shows, not even as a 0.
        sor = by[("psyk/sor", "All")]
        self.assertEqual(sor["activity_suppressed"], "true")
        self.assertEqual(sor["outcome_suppressed"], "true")
        for key in ("administrations", "sessions", "mean_score", "series",
                    "mean_change", "unilateral_endings"):
            self.assertEqual(sor[key], "", key)

    def test_csv_for_nordic_spreadsheets(self):
        raw = self.trends_csv("--lang=nb", "--separator=;", "--decimal_comma",
                              "--bom")
        self.assertTrue(raw.startswith(b"\xef\xbb\xbf"))
        text = raw.decode("utf-8-sig")
        self.assertIn("\r\n", text)  # RFC 4180 line ends.
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
        header = rows[0]
        self.assertIn("Avdeling eller team", header)
        self.assertIn("Gjennomsnittlig endring", header)
        nord = next(r for r in rows[1:]
                    if r[header.index("Avdeling eller team")] == "psyk/nord"
                    and r[header.index("Inntak")] == "Alle")
        change = nord[header.index("Gjennomsnittlig endring")]
        self.assertTrue(close(float(change.replace(",", ".")), MEAN_CHANGE))
        self.assertIn(",", change)

    def test_report_xlsx_has_a_sheet_per_table_and_numbers_as_numbers(self):
        import openpyxl  # pylint: disable=import-outside-toplevel
        path = os.path.join(self.dir.name, "report.xlsx")
        out = self.tilbake("report", "--tenant=tenant-x", *PERIOD,
                           "--org_unit=psyk/nord", "--format=xlsx",
                           f"--out={path}", "--lang=da")
        self.assertIn(b"wrote", out)
        book = openpyxl.load_workbook(path)
        self.assertEqual(book.sheetnames,
                         ["Om tallene", "Sammendrag", "Indikatorer",
                          "Resultater", "Aldersgrupper", "Alliance",
                          "Støtte til recovery"])
        about = {r[0]: r[1] for r in book["Om tallene"].iter_rows(
            min_row=2, values_only=True)}
        self.assertEqual(about["Afdeling eller team"], "psyk/nord")
        self.assertEqual(about["Regelsæt"], "jt-5")
        self.assertEqual(about["Grænse for små grupper (klienter)"], 5)
        self.assertEqual(about["Fra"].date().isoformat(), "2026-01-01")
        sheet = book["Resultater"]
        header = [c.value for c in sheet[1]]
        rows = {(r[0], r[1]): dict(zip(header, r))
                for r in sheet.iter_rows(min_row=2, values_only=True)}
        every = rows[("ors", "Alle")]
        self.assertIsInstance(every["Klientforløb"], int)
        self.assertEqual(every["Klientforløb"], 5)
        self.assertIsInstance(every["Gennemsnitlig ændring"], float)
        self.assertTrue(close(every["Gennemsnitlig ændring"], MEAN_CHANGE))
        self.assertTrue(close(every["Effektstørrelse"], EFFECT_SIZE))
        below = rows[("ors", "Indtag under klinisk grænse")]
        self.assertIsNone(below["Klientforløb"])
        self.assertIsNone(below["Gennemsnitlig ændring"])
        self.assertIs(below["Resultattal udeladt (små grupper)"], True)
        summary = book["Sammendrag"]
        figures = dict(zip([c.value for c in summary[1]],
                           [c.value for c in summary[2]]))
        self.assertEqual(figures["Klientsamtaler"], 10)
        self.assertEqual(figures["Forløb startet"], 5)

    def test_every_format_goes_to_out(self):
        for fmt, expected in (("table", "Quality report: tenant-x / psyk/nord"),
                              ("json", '"rule_set": "jt-5"')):
            path = os.path.join(self.dir.name, f"report.{fmt}")
            out = self.tilbake("report", "--tenant=tenant-x", *PERIOD,
                               "--org_unit=psyk/nord", f"--format={fmt}",
                               f"--out={path}")
            self.assertEqual(out.decode(), f"wrote {path}\n")
            with open(path, encoding="utf-8") as written:
                self.assertIn(expected, written.read())

    def test_report_csv_is_one_figure_a_line(self):
        rows = list(csv.DictReader(io.StringIO(self.tilbake(
            "report", "--tenant=tenant-x", *PERIOD, "--org_unit=psyk/nord",
            "--format=csv", "--column_keys").decode(), newline="")))
        self.assertEqual(list(rows[0]), ["table", "instrument", "group",
                                         "figure", "label", "value"])
        value = {(r["table"], r["instrument"], r["group"], r["figure"]):
                 r["value"] for r in rows}
        self.assertEqual(value[("summary", "", "", "sessions")], "10")
        self.assertEqual(value[("indices", "ors", "", "episodes")], "5")
        # Five clients, one episode each.
        self.assertEqual(value[("indices", "ors", "", "distinct_clients")],
                         "5")
        self.assertTrue(close(float(
            value[("outcomes", "ors", "All", "mean_change")]), MEAN_CHANGE))
        self.assertEqual(
            value[("outcomes", "ors", "Intake below cutoff", "series")], "")

    def test_frames_have_the_csv_columns_and_the_same_figures(self):
        import pandas  # pylint: disable=import-outside-toplevel
        with Client(self.server.address, max_attempts=1,
                    token="t-lise") as lise:
            trends = lise.trends("tenant-x", "2026-01-01", "2026-06-30",
                                 org_unit="psyk", bucket="all",
                                 group_by=["org_unit"], depth=2)
            report = lise.report("tenant-x", "2026-01-01", "2026-06-30",
                                 org_unit="psyk/nord")
        self.assertEqual(trends.small_cell_threshold, 5)
        frame = trends.to_frame(split=True)
        header = next(csv.reader(io.StringIO(
            self.trends_csv("--column_keys").decode())))
        self.assertEqual(list(frame.columns), header)
        self.assertEqual(len(frame), 6)
        nord = frame[(frame.org_unit == "psyk/nord")
                     & (frame.intake == "all")].iloc[0]
        self.assertEqual(nord.series, 5)
        self.assertTrue(close(nord.mean_change, MEAN_CHANGE))
        self.assertTrue(close(nord.effect_size, EFFECT_SIZE))
        self.assertEqual(str(nord.bucket_start.date()), "2026-01-01")
        below = frame[(frame.org_unit == "psyk/nord")
                      & (frame.intake == "below_cutoff")].iloc[0]
        self.assertTrue(below.outcome_suppressed)
        self.assertTrue(math.isnan(below.mean_change))
        sor = frame[frame.org_unit == "psyk/sor"].iloc[0]
        self.assertTrue(sor.activity_suppressed)
        # Counts stay integers beside the ones left out (<NA>).
        self.assertEqual(str(frame.series.dtype), "Int64")
        self.assertTrue(sor.administrations is pandas.NA)

        outcomes = report.to_frame()
        self.assertEqual(list(outcomes.columns)[:3],
                         ["instrument", "intake", "series"])
        every = outcomes[outcomes.intake == "all"].iloc[0]
        self.assertEqual(every.series, 5)
        self.assertTrue(close(every.mean_change, MEAN_CHANGE))
        indices = report.to_frame("indices").iloc[0]
        self.assertEqual(indices.episodes, 5)
        self.assertEqual(indices.planned_endings, 5)
        self.assertEqual(report.sessions, 10)  # The message reads through.
        with self.assertRaises(ValueError):
            report.to_frame("nonsense")

    def test_the_notebook_example_prints_the_frames(self):
        example = os.path.join(os.path.dirname(__file__), "..", "examples",
                               "quality_frames.py")
        result = subprocess.run(
            [sys.executable, example, "--server", self.server.address,
             "--tenant", "tenant-x", "--org_unit", "psyk",
             "--from", "2026-01-01", "--to", "2026-06-30", "--bucket", "all"],
            capture_output=True, text=True, timeout=60,
            env=dict(os.environ, TILBAKE_TOKEN="t-lise"))
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = result.stdout.splitlines()
        # The pivot: psyk/nord's 4.4 / 7 = 0.63; psyk/sor left out.
        row = next(line for line in lines if line.startswith("2026-01-01"))
        self.assertEqual(row.split()[1:], ["0.63", "NaN"])
        # The report was asked for the whole of psyk: seven series.
        every = next(line for line in lines if line.split()[:2] ==
                     ["ors", "all"])
        self.assertEqual(every.split()[2], "7")
        self.assertIn("fewer than 5 clients are left out", result.stdout)


if __name__ == "__main__":
    unittest.main()
