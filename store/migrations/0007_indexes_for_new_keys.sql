-- Indexes the foreign-key checks of 0005's tables need (user erasure, tenant erasure).
create index web_sessions_tenant_user_idx on saikoku.web_sessions (tenant_id, user_id);
create index campaign_pacing_changes_changed_by_idx
  on saikoku.campaign_pacing_changes (tenant_id, changed_by);
