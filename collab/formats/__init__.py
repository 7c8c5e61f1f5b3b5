"""Date and time formats that override Django's defaults for a language (``FORMAT_MODULE_PATH``)."""
