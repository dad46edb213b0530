"""The bad-data corpus (tests/fixtures/crm/bad/): each file stops `orgsim calibrate` with exit 2 and
one exact message naming the file, the column and the data row (1-based, header not counted) or,
for a file that is not CSV at all, its line. Nothing is written when the input is bad.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("lifelines")

from orgsim import cli  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
BAD = "tests/fixtures/crm/bad"
GOOD = "tests/fixtures/crm/generic/deals.csv"
DATE = "not a date; expected YYYY-MM-DD or an ISO date-time"
NUMBER = "not a number; expected digits with a '.' decimal point"

# file, format, other files given first, the exact message (after "error: ")
CORPUS = [
    ("empty.csv", "generic", (), "{f}: empty file; expected a CSV header line and one row per deal"),
    ("blank_lines.csv", "generic", (), "{f}: empty file; expected a CSV header line and one row per deal"),
    ("header_only.csv", "generic", (), "{f}: no data rows (only the header line)"),
    ("missing_outcome.csv", "generic", (), "{f}: missing column 'outcome' (needed by the generic deals layout; "
     "found: deal_id, segment, source, created_date, closed_date, amount)"),
    ("bad_calendar_date.csv", "generic", (), "{f}: row 2, column 'created_date': not a calendar date; expected "
     "YYYY-MM-DD (got '2023-13-45')"),
    ("text_date.csv", "generic", (), f"{{f}}: row 3, column 'created_date': {DATE} (got 'March 3rd')"),
    ("empty_created.csv", "generic", (), "{f}: row 2, column 'created_date': empty; a date is needed here"),
    ("bad_closed_date.csv", "generic", (), "{f}: row 3, column 'closed_date': not a calendar date; expected "
     "YYYY-MM-DD (got '2024-02-30')"),
    ("amount_text.csv", "generic", (), f"{{f}}: row 3, column 'amount': {NUMBER} (got '12k')"),
    ("amount_thousands.csv", "generic", (), f"{{f}}: row 2, column 'amount': {NUMBER} (got '1,200.50')"),
    ("amount_inf.csv", "generic", (), f"{{f}}: row 2, column 'amount': {NUMBER} (got 'inf')"),
    ("empty_deal_id.csv", "generic", (), "{f}: row 2, column 'deal_id': empty; a deal id is needed here"),
    ("bad_outcome.csv", "generic", (), "{f}: row 3, column 'outcome': expected won, lost or open (got 'pending')"),
    ("latin1.csv", "generic", (), "{f}: line 3: not UTF-8 text (byte 0xe9); export the file as UTF-8 CSV"),
    ("ragged.csv", "generic", (), "{f}: line 4: 8 fields, but the header has 7 columns"),
    ("duplicate_header.csv", "generic", (), "{f}: column 'closed_date' appears more than once in the header"),
    ("binary.csv", "generic", (), "{f}: line 1: holds a NUL byte; not a CSV file"),
    ("stages_bad.csv", "generic", (GOOD,), f"{{f}}: row 2, column 'entered_date': {DATE} (got 'soon')"),
    ("stages_only.csv", "generic", (), "{f}: no deal file among the files (only stage history)"),
    ("sf_missing_iswon.csv", "salesforce", (), "{f}: missing column 'IsWon' (needed by the Salesforce Opportunity "
     "layout; found: Id, AccountId, Amount, CloseDate, CreatedDate, StageName, IsClosed, LeadSource, OwnerId, Type)"),
    ("sf_bad_bool.csv", "salesforce", (), "{f}: row 2, column 'IsClosed': expected true or false (got 'maybe')"),
    ("sf_day_first_date.csv", "salesforce", (), f"{{f}}: row 2, column 'CreatedDate': {DATE} (got '15/01/2024 09:30')"),
    ("hs_missing_createdate.csv", "hubspot", (), "{f}: missing column 'createdate' (needed by the HubSpot deals "
     "layout; found: hs_object_id, dealname, dealstage, pipeline, amount, closedate, hubspot_owner_id, "
     "hs_is_closed_won, hs_is_closed, hs_analytics_source)"),
    ("hs_bad_stage_date.csv", "hubspot", (), f"{{f}}: row 2, column 'hs_date_entered_qualifiedtobuy': {DATE} "
     "(got 'yesterday')"),
    ("pd_bad_status.csv", "pipedrive", (), "{f}: row 2, column 'status': expected open, won, lost or deleted "
     "(got 'archived')"),
    ("pd_bad_value.csv", "pipedrive", (), f"{{f}}: row 2, column 'value': {NUMBER} (got 'EUR 500')"),
    ("sp_bad_stage.csv", "sales-pipeline", (), "{f}: row 2, column 'deal_stage': expected Prospecting, Engaging, "
     "Won or Lost (got 'Closed')"),
    ("sp_engaging_no_date.csv", "sales-pipeline", (), "{f}: row 2, column 'engage_date': empty; only Prospecting "
     "deals may lack an engage date"),
]  # fmt: skip


def test_the_corpus_is_complete():
    files = sorted(p.name for p in (REPO / BAD).iterdir())
    assert files == sorted(c[0] for c in CORPUS)
    assert len(files) >= 20


@pytest.mark.parametrize("name, fmt, before, expected", CORPUS, ids=[c[0] for c in CORPUS])
def test_bad_file(name, fmt, before, expected, monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(REPO)
    f = f"{BAD}/{name}"
    out, js = tmp_path / "fragment.yaml", tmp_path / "cal.json"
    code = cli.main(["calibrate", *before, f, "--format", fmt, "--out", str(out), "--json", str(js)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"error: {expected.format(f=f)}\n"
    assert not out.exists() and not js.exists()


USAGE = [
    (["--format", "zoho"], "error: --format: unknown format 'zoho' (choose from salesforce, hubspot, pipedrive, "
     "generic, sales-pipeline)"),
    (["--format", "generic", "--as-of", "30/06/2024"], "error: --as-of 30/06/2024: not a date; expected YYYY-MM-DD"),
    (["--format", "generic", "--map", "Region"], "error: --map Region: expected COLUMN=FIELD (e.g. "
     "Loss_Reason__c=lost_reason)"),
    (["--format", "generic", "--map", "Region=region"], "error: --map Region=region: 'region' is not a field of the "
     "generic layout (fields: amount, closed, created, currency, deal_id, entered, lost_reason, outcome, owner, "
     "segment, source, stage)"),
    (["--format", "generic", "--segments", "smb:15000,enterprise"], "error: --segments smb:15000,enterprise: "
     "'smb:15000' is not NAME:<AMOUNT or NAME (e.g. smb:<15000,mid_market:<100000,enterprise)"),
    (["--format", "generic", "--segments", "enterprise,smb:<100"], "error: --segments enterprise,smb:<100: only "
     "the last band may be open-ended (got 'enterprise' before others)"),
]  # fmt: skip


@pytest.mark.parametrize("args, expected", USAGE, ids=[a[1] for a, _ in USAGE])
def test_bad_options(args, expected, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    assert cli.main(["calibrate", GOOD, *args]) == 2
    assert capsys.readouterr().err == expected + "\n"


def test_missing_file(monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    assert cli.main(["calibrate", "no/such.csv", "--format", "generic"]) == 2
    assert capsys.readouterr().err == "error: no/such.csv: no such file\n"


def test_without_lifelines_the_message_names_the_extra(monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "lifelines" else real(name, *a))
    monkeypatch.chdir(REPO)
    assert cli.main(["calibrate", GOOD, "--format", "generic"]) == 2
    assert capsys.readouterr().err == 'error: calibrate needs lifelines: pip install "orgsim[calibrate]"\n'
