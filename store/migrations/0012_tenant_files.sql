-- Files the product writes for a tenant to a path the user chooses (history exports, import
-- error reports, access-log exports), so that erasure at contract end finds and removes them.
-- Recordings and letter batches already name their files in their own rows.
-- A file written again to the same path is one row, with the checksum of its last content.
create table saikoku.tenant_files (
  id bigint generated always as identity primary key,
  tenant_id uuid not null references saikoku.tenants on delete cascade,
  kind text not null check (kind in ('history_export', 'import_errors', 'access_log_export')),
  path text not null check (path like '/%'),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  created_at timestamptz not null default now(),
  unique (tenant_id, path)
);
