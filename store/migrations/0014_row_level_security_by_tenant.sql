-- Tenant separation in the database itself: every table with a tenant_id (but the access log,
-- which records reads across tenants for the auditors of each) shows the service's role only
-- the rows in its scope. A request of a logged-in user runs in the scope of their tenant
-- (`saikoku.scope = 'tenant'`, `saikoku.tenant_id`, set on the request's connection and reset
-- when it goes back to the pool), so a query that forgets its tenant filter finds nothing of
-- another division. The service's own work across tenants (the dialer, the call handling,
-- logins) runs in the 'system' scope its connections start in (store/db.py). The owner
-- (migrations) is not subject to these policies.

create function saikoku.in_scope(tenant uuid) returns boolean
language sql stable as $$
  select current_setting('saikoku.scope', true) = 'system'
      or tenant = nullif(current_setting('saikoku.tenant_id', true), '')::uuid
$$;

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
    execute format('create policy tenant_scope on saikoku.%I using (saikoku.in_scope(tenant_id))',
                   t.table_name);
  end loop;
end;
$$;
