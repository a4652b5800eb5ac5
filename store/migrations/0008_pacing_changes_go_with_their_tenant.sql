-- Tenant erasure: pacing changes are deleted with their tenant directly. Reached only through
-- the campaign cascade, the check of changed_by against the users being deleted could run
-- first and refuse the whole erasure.
alter table saikoku.campaign_pacing_changes
  add foreign key (tenant_id) references saikoku.tenants on delete cascade;
create index campaign_pacing_changes_tenant_idx on saikoku.campaign_pacing_changes (tenant_id);
