-- Web logins, operators' phones and states, who changed a campaign's pacing, and the operator
-- each call was bridged to.

-- The PJSIP endpoint of an operator's desk phone (asterisk-conf/pjsip_operators.conf: op001…).
-- An endpoint belongs to one user at a time across the whole PBX.
alter table saikoku.users add column phone_endpoint text
  check (phone_endpoint ~ '^[a-z][a-z0-9_]{0,31}$');
create unique index users_phone_endpoint_key on saikoku.users (phone_endpoint)
  where phone_endpoint is not null;

-- A browser session.  Only a hash of the cookie's token is stored, so a copy of this table
-- opens no session; the CSRF token is bound to the session.
create table saikoku.web_sessions (
  token_hash bytea primary key check (length(token_hash) = 32),
  tenant_id uuid not null,
  user_id uuid not null,
  csrf_token text not null check (length(csrf_token) >= 32),
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null,
  ended_at timestamptz,
  client_addr inet,
  foreign key (tenant_id, user_id) references saikoku.users (tenant_id, id) on delete cascade
);
create index web_sessions_user_idx on saikoku.web_sessions (user_id) where ended_at is null;

-- Operator availability for the dialer (dialer/operators.py), with who made
-- each change: the operator, a supervisor, or the system (null: e.g. the phone went away).
create table saikoku.operator_state_changes (
  id bigint generated always as identity primary key,
  tenant_id uuid not null,
  operator_id uuid not null,
  changed_by uuid,
  at timestamptz not null default now(),
  from_state text,
  to_state text not null
    check (to_state in ('offline','connecting','ready','paused','talking','wrap_up')),
  reason text,
  foreign key (tenant_id, operator_id) references saikoku.users (tenant_id, id) on delete cascade
);
create index operator_state_changes_operator_idx
  on saikoku.operator_state_changes (operator_id, at);

-- Every change of a campaign's pacing knobs: before and after, who and when.
create table saikoku.campaign_pacing_changes (
  id bigint generated always as identity primary key,
  tenant_id uuid not null,
  campaign_id uuid not null,
  changed_by uuid not null,
  changed_at timestamptz not null default now(),
  before jsonb not null,
  after jsonb not null,
  foreign key (tenant_id, campaign_id) references saikoku.campaigns (tenant_id, id) on delete cascade,
  foreign key (tenant_id, changed_by) references saikoku.users (tenant_id, id)
);
create index campaign_pacing_changes_campaign_idx
  on saikoku.campaign_pacing_changes (campaign_id, changed_at);

-- Which operator took an outbound call and when it was bridged to them.
alter table saikoku.call_attempts
  add column operator_id uuid,
  add column connected_at timestamptz,
  add foreign key (tenant_id, operator_id) references saikoku.users (tenant_id, id);
create index call_attempts_operator_idx on saikoku.call_attempts (operator_id, created_at);
