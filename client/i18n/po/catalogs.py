#!/usr/bin/env python3
"""Tilbake's message catalogs: every English text the pages and the exports
show, and whether each language's .po translates all of them.

  catalogs.py --check   exit 1 naming each missing or stale msgid
  catalogs.py --list    the msgids, one per line (for a new .po)

Texts are {{#t}}…{{/t}} in client/web/templates, page.T("…") in
client/web/*.cc, and N_("…") in client/export/*.cc (the column headers of
the CSV and .xlsx exports, which `tilbake` writes in these languages too).
"""
import pathlib
import re
import sys

PO = pathlib.Path(__file__).resolve().parent
CLIENT = PO.parent.parent
WEB = CLIENT / "web"


def msgids():
    found = set()
    for template in (WEB / "templates").glob("*.mustache"):
        found.update(re.findall(r"\{\{#t\}\}(.*?)\{\{/t\}\}",
                                template.read_text(), re.S))
    for source in WEB.glob("*.cc"):
        text = source.read_text()
        # One literal or adjacent ones ("…" "…"), joined below.
        found.update(re.findall(r'\.T\(\s*"((?:[^"\\]|\\.|"\s*")*)"', text))
        # A label table's English text, translated where it is shown.
        found.update(re.findall(r'\{"([^"]+)", "[a-z_]+",\s*\n?\s*\[', text))
    for source in (CLIENT / "export").glob("*.cc"):
        found.update(re.findall(r'N_\(\s*"((?:[^"\\]|\\.)*)"\s*\)',
                                source.read_text()))
    # C++ keeps long texts as adjacent literals; join them.
    return {re.sub(r'"\s*"', "", m) for m in found}


def catalog(po):
    entries, msgid, msgstr, field = {}, None, None, None
    for line in po.read_text().splitlines() + [""]:
        if line.startswith("msgid "):
            if msgid is not None:
                entries[msgid] = msgstr
            msgid, msgstr, field = eval(line[6:]), "", "id"
        elif line.startswith("msgstr "):
            msgstr, field = eval(line[7:]), "str"
        elif line.startswith('"') and field == "id":
            msgid += eval(line)
        elif line.startswith('"') and field == "str":
            msgstr += eval(line)
    if msgid is not None:
        entries[msgid] = msgstr
    entries.pop("", None)
    return entries


def main():
    wanted = msgids()
    if "--list" in sys.argv:
        print("\n".join(sorted(wanted)))
        return 0
    failed = False
    for po in sorted(PO.glob("*.po")):
        have = catalog(po)
        for m in sorted(wanted - {k for k, v in have.items() if v}):
            print(f"{po.name}: not translated: {m!r}")
            failed = True
        for m in sorted(set(have) - wanted):
            print(f"{po.name}: no longer used: {m!r}")
            failed = True
    if not failed:
        print(f"catalogs: {len(wanted)} texts, every one translated")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
