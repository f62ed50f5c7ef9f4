import os

# openpyxl parses workbooks with lxml whenever lxml is installed (python-docx brings it), and
# then neither defusedxml's protections nor our error messages apply to uploaded spreadsheets:
# it must read them through defusedxml (caseaudit/imports/parsers/common.py). Set before
# openpyxl is first imported; `imports/tests/test_file_safety.py` checks it holds.
os.environ.setdefault("OPENPYXL_LXML", "False")
