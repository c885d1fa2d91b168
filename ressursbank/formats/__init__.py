"""File formats: HR import and export (CSV/XLSX), benchmark readers and writers. Domain records in and out."""
