"""LTC's date and number formats per language (settings.FORMAT_MODULE_PATH). Money reads the
same in both: thousands separated by commas, two decimals (``floatformat:"2g"``). Dates are ISO
(2026-12-01) in Chinese, as Chinese business documents write them, and "Dec. 1, 2026" in
English; times are 24-hour in both."""
