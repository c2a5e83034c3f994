"""Pure helpers (text, dates, spreadsheet safety). Imports nothing else from the application."""
