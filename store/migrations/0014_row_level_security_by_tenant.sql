-- Tenant separation in the database itself: every table with a tenant_id (but the access log,
-- which records reads across tenants for the auditors of each) has row-level security.
--
-- * saikoku_tenant (no login) sees and writes only the rows of the tenant named by the
--   setting saikoku.tenant_id, nothing when it is unset. A logged-in user's request switches
--   its connection to this role with their tenant (store/db.py `tenant_scope`), so a query
--   that forgets its tenant filter finds nothing of another division.
-- * saikoku_app, the service's own login, works across tenants (the dialer, the call
--   handling, logins, the import): it bypasses row-level security, which a superuser must
--   grant (PostgreSQL refuses COPY into a table under a policy, and the import copies); a
--   policy of its own lets it at least see and write every row where that was not granted.
--   It can become saikoku_tenant, never the other way round.
-- * The owner (migrations) is not subject to row-level security.
-- A policy of `true` costs the planner nothing; an OR of the two in one policy made every
-- query of the planning a sequential scan (22,000 people: a preview of minutes, not 0.1 s).

do $$
begin
  if not exists (select from pg_roles where rolname = 'saikoku_tenant') then
    create role saikoku_tenant nologin;
  end if;
end;
$$;
grant saikoku_tenant to saikoku_app;

grant usage on schema saikoku to saikoku_tenant;
grant select, insert, update, delete on all tables in schema saikoku to saikoku_tenant;
grant usage, select on all sequences in schema saikoku to saikoku_tenant;
revoke update, delete, truncate on saikoku.audit_log from saikoku_tenant;
revoke insert, update, delete, truncate on saikoku.schema_migrations from saikoku_tenant;
alter default privileges in schema saikoku
  grant select, insert, update, delete on tables to saikoku_tenant;
alter default privileges in schema saikoku grant usage, select on sequences to saikoku_tenant;

do $$
declare
  t record;
begin
  for t in
    select c.table_name from information_schema.columns c
      join information_schema.tables b using (table_schema, table_name)
     where c.table_schema = 'saikoku' and c.column_name = 'tenant_id'
       and b.table_type = 'BASE TABLE' and c.table_name <> 'audit_log'
  loop
    execute format('alter table saikoku.%I enable row level security', t.table_name);
    execute format('create policy service_wide on saikoku.%I to saikoku_app using (true)',
                   t.table_name);
    execute format('create policy tenant_scope on saikoku.%I to saikoku_tenant using'
                   ' (tenant_id = nullif(current_setting(''saikoku.tenant_id'', true), '''')::uuid)',
                   t.table_name);
  end loop;
end;
$$;

do $$
begin
  alter role saikoku_app bypassrls;
exception when insufficient_privilege then
  raise notice 'saikoku_app does not bypass row-level security: a superuser must grant it'
    ' (alter role saikoku_app bypassrls) for the import''s COPY';
end;
$$;
