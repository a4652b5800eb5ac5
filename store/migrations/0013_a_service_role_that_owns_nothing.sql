-- The service connects as saikoku_app, a role that owns nothing; migrations run as the owner.
-- saikoku_app may read and write the business tables, but the access log only by INSERT (and
-- SELECT, for the hash chain and the auditor's view): no UPDATE, DELETE or TRUNCATE, and as it
-- owns no table it cannot ALTER one or turn its triggers off.
--
-- The role is made here (NOLOGIN) when missing, so the grants always have a grantee; the
-- installation gives it LOGIN and a password (deploy/postgres.sh does for the rig).

do $$
begin
  if not exists (select from pg_roles where rolname = 'saikoku_app') then
    create role saikoku_app nologin;
  end if;
end;
$$;

grant usage on schema saikoku to saikoku_app;
grant select, insert, update, delete on all tables in schema saikoku to saikoku_app;
grant usage, select on all sequences in schema saikoku to saikoku_app;
revoke update, delete, truncate on saikoku.audit_log from saikoku_app;
revoke insert, update, delete, truncate on saikoku.schema_migrations from saikoku_app;

-- Tables and sequences the owner makes in later migrations.
alter default privileges in schema saikoku
  grant select, insert, update, delete on tables to saikoku_app;
alter default privileges in schema saikoku grant usage, select on sequences to saikoku_app;

-- The import and the planning skip foreign-key checks where the session may set this
-- (campaigns/linkage/first.py, campaigns/planning.py): half the time of a million-person plan.
-- The access log's triggers fire ALWAYS (migration 0011), so this does not reach them. Only
-- a superuser may grant it (PostgreSQL 15+); elsewhere the checks stay on.
do $$
begin
  execute 'grant set on parameter session_replication_role to saikoku_app';
exception when insufficient_privilege or syntax_error or undefined_object then
  raise notice 'session_replication_role not granted to saikoku_app: foreign-key checks stay on';
end;
$$;
