"""Data linkage with the ward's delinquency-management system (滞納整理支援システム):
the interchange format, import into PostgreSQL, the receipts feed and the export back."""
