"""English as Tandem's European readers read it.

Django's ``en`` formats are American: ``01/07/2027`` is the 7th of January there and the 1st of
July to a French director reading the English pages. Day, month name and year leave no doubt, and
times are on the 24-hour clock, as on the French pages. Input formats stay Django's (forms take
ISO dates from ``<input type="date">``).
"""

DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
FIRST_DAY_OF_WEEK = 1  # Monday
