"""Text a student chose, shown where the instructor reads it without any of it acting.

A submission decides file names, ids, error messages, answers and whole HTML outputs; each place
the kit shows them has its own way to be attacked, and its own module:

* :mod:`.inert`: on a terminal (and anywhere else plain text goes): control characters, escape
  sequences and direction overrides shown as their escapes;
* :mod:`.spreadsheet`: in a CSV cell opened in Excel, WPS or LibreOffice: never a formula;
* :mod:`.safe_html`: in an HTML page (feedback, the report's notebook pages): formatting only,
  no script, nothing fetched from the network.
"""
