"""Ways data comes in: geography files and issue tables; all-or-nothing or row-by-row reports."""
