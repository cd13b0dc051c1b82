#!/usr/bin/env python3
"""tilbake-web in a real browser: headless Chromium driven by Selenium against
a real tilbake-server (tokens on, RocksDB in a temporary directory) and a real
tilbake-web, both on loopback.

A small tenant whose figures were computed by hand (see seed_ratings) is
imported through the CLI. Every page is read in English, Norwegian bokmål
and Danish; axe-core must report zero violations on each; each page is saved
as a screenshot, and the quality report is printed to PDF and rendered with
pdftoppm.

  browser_test.py   (paths from the environment, set by tests/web/CMakeLists.txt)
    TILBAKE_SERVER, TILBAKE_WEB, TILBAKE_CLI   the three programs
    AXE_JS                                     axe-core's axe.min.js
    SCREENSHOT_DIR                             where the pictures go
"""
import base64
import hashlib
import json
import os
import pathlib
import re
import secrets
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

SERVER = os.environ.get("TILBAKE_SERVER", "build/server/tilbake-server")
WEB = os.environ.get("TILBAKE_WEB", "build/client/web/tilbake-web")
CLI = os.environ.get("TILBAKE_CLI", "build/client/cli/tilbake")
AXE_JS = os.environ.get("AXE_JS", "")
SHOTS = pathlib.Path(os.environ.get("SCREENSHOT_DIR", "browser-screenshots"))

LANGUAGES = ("en", "nb", "da")
PERIOD = "from=2026-02&to=2026-03"  # Two months: the charts have lines.

# name, role, token, extra fields of the --tokens_file entry.
TOKENS = [
    ("kari", "clinician", "t-kari", 'clinician_id: "k-1"'),
    ("per", "clinician", "t-per", 'clinician_id: "k-7"'),
    ("lise", "quality", "t-lise", 'org_unit: "psyk"'),
    ("rune", "quality", "t-rune", 'org_unit: "rus"'),
    ("unni", "quality", "t-unni", 'org_unit: "psyk" clinician_figures: true'),
    ("anne", "admin", "t-anne", ""),
    ("dips", "integration", "t-dips", ""),
]


def token_file():
    lines = []
    for name, role, token, extra in TOKENS:
        salt = secrets.token_hex(16)
        digest = hashlib.sha256(bytes.fromhex(salt) + token.encode()).hexdigest()
        lines.append(f'token {{ name: "{name}" tenant_id: "demo" role: "{role}" '
                     f'{extra} salt: "{salt}" sha256: "{digest}" }}')
    return "\n".join(lines) + "\n"


def rating(key, episode, client, clinician, org_unit, session, instrument,
           item):
    """One SubmitRatingRequest: four items of `item` (total 4 × item)."""
    return {
        "idempotencyKey": key,
        "rating": {
            "tenantId": "demo", "episodeId": episode, "clientId": client,
            "clinicianId": clinician, "orgUnit": org_unit,
            "sessionNumber": session,
            "sessionDate": {"year": 2026, "month": 3, "day": 2 + 7 * (session - 1)},
            "instrumentId": instrument,
            "items": {"items": [{"value": item}] * 4},
        },
    }


def seed_ratings():
    """The tenant "demo" in March 2026, by hand:

    psyk/nord (clinician k-1): clients c-1..c-5, ORS 20.0 then 30.0 (change
      +10: past the reliable change of 5 and the cutoff 25, so recovered),
      SRS 36.0 both sessions; closed as planned on 2026-03-20. Episode e-9
      (client c-9) is open: ORS 20.0 then 30.0, SRS 36.0 then 20.0 (below the
      cutoff 36 and fallen by 16: two alerts). Episode e-8 (client c-8) is
      open too: ORS 20.0 then 12.0 (below the expected range's lower bound
      21.8: red), SRS 36.0 both sessions.
    psyk/sor (clinician k-2): clients c-11..c-15, ORS 20.0 then 22.0 (no
      reliable change), no SRS; closed as planned on 2026-03-20.

    Quality report of psyk for March: 24 sessions (14 + 10), 12 episodes
    started, ORS in 100.0 % of sessions, SRS in 14 / 24 = 58.3 %; of the 10
    closed series: mean intake 20.0, mean change (5·10 + 5·2) / 10 = 6.0,
    effect size 6.0 / SD 7 = 0.86 (rule set jt-5), recovered 50.0 %,
    reliably improved but not recovered 0.0 %, deteriorated 0.0 %. Alliance:
    14 SRS completed, one below the cutoff 36 (e-9's 20.0): 1 / 14 = 7.1 %.
    """
    records, closes = [], []
    for c in range(1, 6):
        e = f"e-{c}"
        for s, item in ((1, 5.0), (2, 7.5)):
            records.append(rating(f"{e}-{s}-ors", e, f"c-{c}", "k-1",
                                  "psyk/nord", s, "ors", item))
            records.append(rating(f"{e}-{s}-srs", e, f"c-{c}", "k-1",
                                  "psyk/nord", s, "srs", 9.0))
        closes.append(e)
    for s, (ors, srs) in ((1, (5.0, 9.0)), (2, (7.5, 5.0))):
        records.append(rating(f"e-9-{s}-ors", "e-9", "c-9", "k-1", "psyk/nord",
                              s, "ors", ors))
        records.append(rating(f"e-9-{s}-srs", "e-9", "c-9", "k-1", "psyk/nord",
                              s, "srs", srs))
    for s, ors in ((1, 5.0), (2, 3.0)):
        records.append(rating(f"e-8-{s}-ors", "e-8", "c-8", "k-1", "psyk/nord",
                              s, "ors", ors))
        records.append(rating(f"e-8-{s}-srs", "e-8", "c-8", "k-1", "psyk/nord",
                              s, "srs", 9.0))
    for c in range(11, 16):
        e = f"e-{c}"
        for s, item in ((1, 5.0), (2, 5.5)):
            records.append(rating(f"{e}-{s}-ors", e, f"c-{c}", "k-2",
                                  "psyk/sor", s, "ors", item))
        closes.append(e)
    return records, closes


def click(driver, element):
    """Clicks a link or a form's button and waits for the next page."""
    driver.execute_script("window.tilbakeOldPage = true;")
    element.click()
    WebDriverWait(driver, 30).until(lambda d: d.execute_script(
        "return window.tilbakeOldPage === undefined && "
        "document.readyState === 'complete';"))


# The teams of psyk in March 2026, from seed_ratings: nord has 14 sessions
# (e-1..e-5 and the open e-8 and e-9, ORS and SRS in each), 5 closed series with
# change +10 (effect size 10 / 7 = 1.43), all recovered; sor has 10 sessions
# with ORS and no SRS, 5 series with change +2 (2 / 7 = 0.29), none
# recovered.
TEAMS = {
    "psyk/nord": {"sessions": "14", "pct_ors": "100.0 %", "pct_srs": "100.0 %",
                  "series": "5", "mean_change": "10.0", "effect_size": "1.43",
                  "pct_reliable_recovery": "100.0 %",
                  "unilateral_endings": "0"},
    "psyk/sor": {"sessions": "10", "pct_ors": "100.0 %", "pct_srs": "0.0 %",
                 "series": "5", "mean_change": "2.0", "effect_size": "0.29",
                 "pct_reliable_recovery": "0.0 %", "unilateral_endings": "0"},
}


class Process:
    """A program whose output is read until `ready` matches (a group of the
    pattern is the answer), then drained in the background."""

    def __init__(self, argv, ready, timeout=60):
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.lines = []
        deadline = time.monotonic() + timeout
        self.match = None
        while self.match is None:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError(f"{argv[0]} did not start:\n" +
                                   "".join(self.lines))
            if select.select([self.proc.stdout], [], [], left)[0]:
                line = self.proc.stdout.readline()
                self.lines.append(line)
                self.match = re.search(ready, line)
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Stack:
    """tilbake-server and tilbake-web on loopback, with the tokens above."""

    def __init__(self, workdir, session_idle="30m"):
        self.dir = pathlib.Path(workdir)
        (self.dir / "tokens.textpb").write_text(token_file())
        self.server = Process(
            [SERVER, "--listen=127.0.0.1:0", f"--data_dir={self.dir}/data",
             f"--tokens_file={self.dir}/tokens.textpb", "--metrics_listen=",
             "--log_requests=false"],
            r"event=server_started .* port=(\d+)")
        self.address = f"127.0.0.1:{self.server.match.group(1)}"
        self.web = Process(
            [WEB, f"--server={self.address}", "--listen=127.0.0.1:0",
             f"--session_idle={session_idle}"],
            r"event=web_started url=(\S+)")
        self.url = self.web.match.group(1).rstrip("/")

    def cli(self, token, *args):
        done = subprocess.run([CLI, f"--server={self.address}",
                               f"--token={token}", *args],
                              capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"tilbake {' '.join(args)}: {done.stderr}")
        return done.stdout

    def seed(self):
        records, closes = seed_ratings()
        path = self.dir / "seed.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
        self.cli("t-dips", "import", str(path))
        for episode in closes:
            self.cli("t-dips", "close-episode", "--tenant=demo",
                     f"--episode={episode}", "--ending=planned",
                     "--end_date=2026-03-20")

    def stop(self):
        self.web.stop()
        self.server.stop()


def browser(accept_language="en", downloads=None):
    """Headless Chromium; with `downloads`, files it downloads go there."""
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--window-size=1280,1000",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"):
        options.add_argument(arg)
    prefs = {"intl.accept_languages": accept_language}
    if downloads:
        prefs.update({"download.default_directory": str(downloads),
                      "download.prompt_for_download": False})
    options.add_experimental_option("prefs", prefs)
    binary = shutil.which("chromium")
    if binary:
        options.binary_location = binary
    service = Service(
        executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    if downloads:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                               {"behavior": "allow",
                                "downloadPath": str(downloads)})
    return driver


def downloaded(folder, suffix, limit=30.0):
    """The one file ending in `suffix` once Chromium has finished it
    (bounded: `limit` seconds of polling, then a clear failure)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        done = [p for p in pathlib.Path(folder).iterdir()
                if p.name.endswith(suffix)]
        partial = [p for p in pathlib.Path(folder).iterdir()
                   if p.name.endswith(".crdownload")]
        if done and not partial:
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"no {suffix} download in {folder}: "
                         f"{[p.name for p in pathlib.Path(folder).iterdir()]}")


class BrowserTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if not AXE_JS or not pathlib.Path(AXE_JS).is_file():
            raise RuntimeError(f"axe-core not found at {AXE_JS!r}: run "
                               "deploy/install-deps.sh")
        cls.axe = pathlib.Path(AXE_JS).read_text()
        SHOTS.mkdir(parents=True, exist_ok=True)
        cls.tmp = tempfile.TemporaryDirectory(prefix="tilbake-browser-")
        cls.stack = Stack(cls.tmp.name)
        cls.stack.seed()
        cls.driver = browser()

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.stack.stop()
        cls.tmp.cleanup()

    # --- helpers ---------------------------------------------------------

    def open(self, path, driver=None):
        (driver or self.driver).get(self.stack.url + path)

    def sign_in(self, token, driver=None):
        d = driver or self.driver
        d.delete_all_cookies()
        self.open("/sign-in", d)
        d.find_element(By.ID, "token").send_keys(token)
        click(d, d.find_element(By.CSS_SELECTOR, "form.sign-in button"))
        self.assertTrue(d.find_elements(By.CSS_SELECTOR, "form.sign-out"),
                        d.page_source)

    def figure(self, name, scope=None):
        root = scope or self.driver
        return root.find_element(By.CSS_SELECTOR,
                                 f'[data-figure="{name}"]').text

    def axe_violations(self):
        self.driver.execute_script(self.axe)
        return self.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            axe.run(document, {runOnly: {type: 'tag', values: [
                'wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})
              .then(r => done(r.violations.map(v => ({
                  id: v.id, impact: v.impact, help: v.help,
                  nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))
              .catch(e => done([{id: 'axe-error', help: String(e)}]));
        """)

    def check_page(self, name):
        """axe-core finds nothing; the page goes into a screenshot."""
        violations = self.axe_violations()
        self.assertEqual(violations, [], f"axe on {name}")
        height = self.driver.execute_script(
            "return document.documentElement.scrollHeight")
        self.driver.set_window_size(1280, min(max(height + 40, 600), 6000))
        self.driver.save_screenshot(str(SHOTS / f"{name}.png"))
        self.driver.set_window_size(1280, 1000)

    def decimal(self, lang, text):
        return text.replace(".", ",") if lang in ("nb", "da") else text

    # --- the tests ---------------------------------------------------------

    def test_axe_reports_a_violation_when_there_is_one(self):
        # The check above must be able to fail: a token field without its
        # label is caught.
        self.driver.delete_all_cookies()
        self.open("/sign-in")
        self.driver.execute_script(
            "document.querySelector('label[for=token]').remove();")
        ids = [v["id"] for v in self.axe_violations()]
        self.assertIn("label", ids)

    def test_sign_in_sets_a_strict_cookie_and_sign_out_ends_the_session(self):
        self.driver.delete_all_cookies()
        self.open("/report")
        self.assertIn("/report", self.driver.current_url)
        self.assertTrue(self.driver.find_elements(By.ID, "token"))
        self.check_page("sign-in-en")
        self.sign_in("t-lise")
        cookie = self.driver.get_cookie("tilbake_session")
        self.assertTrue(cookie["httpOnly"])
        self.assertEqual(cookie["sameSite"], "Strict")
        self.assertFalse(cookie["secure"])  # Plain HTTP on loopback.
        click(self.driver, self.driver.find_element(By.CSS_SELECTOR, "form.sign-out button"))
        self.assertTrue(self.driver.find_elements(By.ID, "token"))
        self.open("/report")
        self.assertTrue(self.driver.find_elements(By.ID, "token"))
        self.assertFalse(self.driver.find_elements(By.CSS_SELECTOR,
                                                   "[data-figure]"))

    def test_the_quality_report_shows_the_hand_computed_figures(self):
        self.sign_in("t-lise")
        implementation = {
            "sessions": "24", "episodes_started": "12",
            "pct_ors": "100.0 %", "pct_srs": "58.3 %",
        }
        outcome = {
            "series": "10", "mean_intake": "20.0", "mean_change": "6.0",
            "effect_size": "0.86", "pct_reliable_recovery": "50.0 %",
            "pct_reliable_improvement": "0.0 %",
            "pct_reliable_deterioration": "0.0 %",
        }
        for lang in LANGUAGES:
            with self.subTest(lang=lang):
                self.open(f"/report?org_unit=psyk&{PERIOD}&lang={lang}")
                html = self.driver.find_element(By.TAG_NAME, "html")
                self.assertEqual(html.get_attribute("lang"), lang)
                for table, expected in (("table.implementation", implementation),
                                        ('table[data-instrument="ors"]', outcome)):
                    scope = self.driver.find_element(By.CSS_SELECTOR, table)
                    for name, value in expected.items():
                        self.assertEqual(self.figure(name, scope),
                                         self.decimal(lang, value), name)
                # Alliance: of the 14 SRS, e-9's 20.0 alone is below 36.
                row = self.driver.find_element(
                    By.CSS_SELECTOR, 'table.alliance tr[data-instrument="srs"]')
                for name, value in (("completed", "14"), ("below_cutoff", "1"),
                                    ("pct_below_cutoff", "7.1 %")):
                    self.assertEqual(self.figure(name, row),
                                     self.decimal(lang, value), name)
                self.assertTrue(self.driver.find_elements(
                    By.CSS_SELECTOR, "figure.chart svg[role=img] title"))
                # The teams side by side (docstring of seed_ratings).
                for team, figures in TEAMS.items():
                    row = self.driver.find_element(
                        By.CSS_SELECTOR, f'tr[data-team="{team}"]')
                    for name, value in figures.items():
                        self.assertEqual(self.figure(name, row),
                                         self.decimal(lang, value),
                                         f"{team} {name}")
                self.check_page(f"report-{lang}")
        # The JSON link gives the API's own numbers.
        link = self.driver.find_element(By.CSS_SELECTOR, ".source a")
        self.open(link.get_attribute("href").replace(self.stack.url, ""))
        report = json.loads(self.driver.find_element(By.TAG_NAME, "pre").text)
        self.assertEqual(report["sessions"], "24")
        self.assertEqual(report["outcomes"][0]["all"]["mean_change"], 6.0)
        self.assertEqual(report["alliance"][0]["below_cutoff"], "1")
        self.assertEqual(report["alliance"][0]["completed"], "14")

    def test_the_report_and_the_teams_table_download_for_spreadsheets(self):
        import openpyxl  # pylint: disable=import-outside-toplevel
        folder = pathlib.Path(self.tmp.name) / "downloads"
        folder.mkdir(exist_ok=True)
        driver = browser(accept_language="nb", downloads=folder)
        try:
            self.sign_in("t-lise", driver)
            self.open(f"/report?org_unit=psyk&{PERIOD}&lang=nb", driver)
            # The report as a workbook: a sheet per table, numbers as numbers.
            # A download leaves the page as it is: a plain click.
            driver.find_element(
                By.CSS_SELECTOR, 'p.downloads a[href^="/data/report.xlsx"]').click()
            path = downloaded(folder, ".xlsx")
            self.assertEqual(path.name, "tilbake-report-2026-02-2026-03.xlsx")
            book = openpyxl.load_workbook(path)
            self.assertEqual(book.sheetnames[:4], ["Om tallene", "Sammendrag",
                                                   "Indikatorer", "Resultater"])
            sheet = book["Resultater"]
            header = [c.value for c in sheet[1]]
            every = next(dict(zip(header, r)) for r in sheet.iter_rows(
                min_row=2, values_only=True) if r[:2] == ("ors", "Alle"))
            self.assertEqual(every["Klientforløp"], 10)
            self.assertEqual(every["Gjennomsnittlig endring"], 6.0)
            summary = book["Sammendrag"]
            self.assertEqual(summary["B2"].value, 24)  # Client sessions.
            # The teams table as CSV for a Norwegian spreadsheet.
            driver.find_element(
                By.CSS_SELECTOR,
                'p.downloads a[href^="/data/report.csv"][href$="table=teams"]'
            ).click()
            csv_path = downloaded(folder, ".csv")
            text = csv_path.read_bytes().decode("utf-8-sig")
            lines = text.split("\r\n")
            self.assertTrue(lines[0].startswith("Fra;Til;Avdeling eller team;"),
                            lines[0])
            nord = next(line for line in lines if ";psyk/nord;" in line)
            self.assertIn(";" + TEAMS["psyk/nord"]["sessions"] + ";", nord)
        finally:
            driver.quit()

    def test_figures_per_clinician_only_for_a_token_granted_them(self):
        # Lise's token has no clinician_figures: the page does not ask.
        self.sign_in("t-lise")
        self.open(f"/report?org_unit=psyk&{PERIOD}&lang=en")
        self.assertTrue(self.driver.find_elements(By.CSS_SELECTOR, "table.teams"))
        self.assertFalse(self.driver.find_elements(By.CSS_SELECTOR,
                                                   "table.clinicians"))
        # Unni's has: one clinician per team here, so the teams' figures.
        self.sign_in("t-unni")
        for lang in LANGUAGES:
            with self.subTest(lang=lang):
                self.open(f"/report?org_unit=psyk&{PERIOD}&lang={lang}")
                for clinician, team in (("k-1", "psyk/nord"),
                                        ("k-2", "psyk/sor")):
                    row = self.driver.find_element(
                        By.CSS_SELECTOR,
                        f'table.clinicians tr[data-clinician="{clinician}"]')
                    for name, value in TEAMS[team].items():
                        self.assertEqual(self.figure(name, row),
                                         self.decimal(lang, value),
                                         f"{clinician} {name}")
                self.check_page(f"report-clinicians-{lang}")

    def test_accept_language_chooses_and_the_switch_changes_the_language(self):
        driver = browser(accept_language="nb-NO,nb")
        try:
            self.sign_in("t-lise", driver)
            driver.get(self.stack.url + f"/report?org_unit=psyk&{PERIOD}")
            self.assertEqual(driver.find_element(By.TAG_NAME, "html")
                             .get_attribute("lang"), "nb")
            self.assertEqual(driver.find_element(By.TAG_NAME, "h1").text,
                             "Kvalitetsrapport")
            click(driver, driver.find_element(By.CSS_SELECTOR, 'nav.languages a[lang="da"]'))
            self.assertEqual(driver.find_element(By.TAG_NAME, "html")
                             .get_attribute("lang"), "da")
            self.assertEqual(driver.find_element(
                By.CSS_SELECTOR,
                'table[data-instrument="ors"] [data-figure="mean_change"]').text,
                "6,0")
        finally:
            driver.quit()

    def test_the_report_prints_to_a_clean_a4_pdf(self):
        self.sign_in("t-lise")
        self.open(f"/report?org_unit=psyk&{PERIOD}&lang=nb")
        pdf = base64.b64decode(self.driver.print_page())
        path = SHOTS / "report-nb.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"],
                              capture_output=True, text=True,
                              check=True).stdout
        # Period, org unit, rule set and the printing date are on paper;
        # the pickers and the navigation are not.
        self.assertIn("1. februar 2026 – 31. mars 2026", text)
        self.assertIn("Enhet: psyk", text)
        self.assertIn("Regelsett: jt-5", text)
        self.assertIn("Skrevet ut:", text)
        self.assertNotIn("Fra måned", text)  # The period picker.
        self.assertNotIn("Logg ut", text)
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1",
                        str(path), str(SHOTS / "report-nb-print")],
                       check=True)
        self.assertTrue(list(SHOTS.glob("report-nb-print*.png")))

    def test_the_episode_page_and_the_client_view(self):
        self.sign_in("t-kari")
        for lang in LANGUAGES:
            with self.subTest(lang=lang):
                self.open(f"/episode?episode=e-9&lang={lang}")
                row = self.driver.find_element(
                    By.CSS_SELECTOR, 'tr[data-session="2"][data-instrument="ors"]')
                self.assertEqual(self.figure("score", row),
                                 self.decimal(lang, "30.0"))
                self.assertEqual(self.figure("change", row),
                                 self.decimal(lang, "10.0"))
                alerts = [e.text for e in self.driver.find_elements(
                    By.CSS_SELECTOR, "ul.alerts li")]
                self.assertEqual(len(alerts), 2, alerts)  # Green needs none.
                if lang == "en":
                    self.assertEqual(alerts, [
                        "SRS below the cutoff: talk about the alliance",
                        "SRS fell since the last session"])
                self.check_page(f"episode-{lang}")
                click(self.driver, self.driver.find_element(By.CSS_SELECTOR, "a.button"))
                self.assertIn("client-view", self.driver.find_element(
                    By.TAG_NAME, "body").get_attribute("class"))
                scores = [e.text for e in self.driver.find_elements(
                    By.CSS_SELECTOR, '[data-figure="score"]')]
                self.assertEqual(scores, [self.decimal(lang, "20.0"),
                                          self.decimal(lang, "30.0")])
                visible = self.driver.find_element(By.TAG_NAME, "main").text
                for code in ("c-9", "e-9", "ORS", "SRS"):
                    self.assertNotIn(code, visible)
                legend = self.driver.find_element(By.CSS_SELECTOR, "svg").text
                self.check_page(f"client-view-{lang}")
                click(self.driver, self.driver.find_element(By.CSS_SELECTOR, "a.button"))
                self.assertIn("srs=hide", self.driver.current_url)
                hidden = self.driver.find_element(By.CSS_SELECTOR, "svg").text
                self.assertLess(len(hidden), len(legend))  # One line fewer.
                self.check_page(f"client-view-no-srs-{lang}")

    def test_the_caseload_puts_the_episodes_needing_attention_first(self):
        self.sign_in("t-kari")
        for lang in LANGUAGES:
            with self.subTest(lang=lang):
                self.open(f"/caseload?lang={lang}")
                rows = self.driver.find_elements(
                    By.CSS_SELECTOR, "table.caseload tbody tr")
                # Open episodes only (e-1..e-5 are closed); red before the
                # alliance alerts.
                self.assertEqual([r.get_attribute("data-episode") for r in rows],
                                 ["e-8", "e-9"])
                self.assertEqual(self.figure("score", rows[0]),
                                 self.decimal(lang, "12.0"))
                self.assertEqual(self.figure("score", rows[1]),
                                 self.decimal(lang, "30.0"))
                if lang == "en":
                    self.assertIn("Red: off track",
                                  self.figure("attention", rows[0]))
                    attention = self.figure("attention", rows[1])
                    self.assertIn("SRS below the cutoff", attention)
                    self.assertIn("SRS fell since the last session", attention)
                    # March 2026 is far more than four weeks ago.
                    self.assertIn("No outcome score for weeks: 4+", attention)
                self.check_page(f"caseload-{lang}")
        click(self.driver, self.driver.find_element(
            By.CSS_SELECTOR, 'tr[data-episode="e-9"] a'))
        self.assertIn("/episode?episode=e-9", self.driver.current_url)

    def test_refusals_get_the_no_access_page_and_are_in_the_access_log(self):
        self.sign_in("t-rune")  # Quality lead of "rus".
        self.open(f"/report?org_unit=psyk&{PERIOD}&lang=en")
        self.assertEqual(self.driver.find_element(By.TAG_NAME, "h1").text,
                         "No access")
        self.assertIn("this token reads rus and below only",
                      self.driver.page_source)
        self.check_page("no-access-en")
        self.sign_in("t-per")  # Another clinician than e-9's.
        self.open("/episode?episode=e-9&lang=nb")
        self.assertEqual(self.driver.find_element(By.TAG_NAME, "h1").text,
                         "Ingen tilgang")
        self.assertFalse(self.driver.find_elements(By.CSS_SELECTOR,
                                                   "[data-figure]"))
        log = json.loads(self.stack.cli("t-anne", "--json", "audit",
                                        "--tenant=demo"))
        refused = {(e.get("actor"), e.get("action"))
                   for e in log.get("entries", [])
                   if e.get("outcome_name", e.get("outcomeName"))
                   == "PERMISSION_DENIED"}
        self.assertIn(("rune", "GetQualityReport"), refused)
        self.assertIn(("per", "GetEpisode"), refused)

    def test_a_form_with_a_wrong_csrf_token_is_refused(self):
        self.sign_in("t-lise")
        self.open("/report?lang=en")
        self.driver.execute_script(
            "document.querySelector('form.sign-out input[name=csrf]')"
            ".value = 'forged';")
        click(self.driver, self.driver.find_element(By.CSS_SELECTOR, "form.sign-out button"))
        self.assertEqual(self.driver.find_element(By.TAG_NAME, "h1").text,
                         "No access")
        self.open("/report?lang=en")  # Still signed in: nothing changed.
        self.assertTrue(self.driver.find_elements(By.CSS_SELECTOR,
                                                  "form.sign-out"))

    def test_unknown_pages_get_a_clear_page_in_each_language(self):
        self.sign_in("t-lise")
        for lang in LANGUAGES:
            with self.subTest(lang=lang):
                self.open(f"/no-such-page?lang={lang}")
                self.assertTrue(self.driver.find_elements(By.TAG_NAME, "h1"))
                self.check_page(f"not-found-{lang}")


class SessionAndServerLossTest(unittest.TestCase):
    """A stack of its own, with a second tilbake-web whose sessions end after
    one idle second; then the server goes away."""

    def test_an_idle_session_ends_and_a_lost_server_gets_a_clear_page(self):
        with tempfile.TemporaryDirectory(prefix="tilbake-browser-") as tmp:
            stack = Stack(tmp)
            brief = Process([WEB, f"--server={stack.address}",
                             "--listen=127.0.0.1:0", "--session_idle=1s"],
                            r"event=web_started url=(\S+)")
            driver = browser()
            try:
                for url in (brief.match.group(1), stack.url + "/"):
                    driver.get(url + "sign-in")
                    driver.find_element(By.ID, "token").send_keys("t-lise")
                    click(driver, driver.find_element(By.CSS_SELECTOR,
                                        "form.sign-in button"))
                    self.assertTrue(driver.find_elements(By.CSS_SELECTOR,
                                                         "form.sign-out"))
                    if url == stack.url + "/":
                        break
                    time.sleep(2.5)  # Past the idle second (not a speed check).
                    driver.get(url + "report?lang=en")
                    self.assertIn("Your session ended", driver.page_source)
                    self.assertTrue(driver.find_elements(By.ID, "token"))
                stack.server.stop()
                driver.get(stack.url + "/report?lang=en")
                self.assertIn("not available right now", driver.page_source)
            finally:
                driver.quit()
                brief.stop()
                stack.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
