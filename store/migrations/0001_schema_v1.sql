-- 0001_schema_v1.sql — Saikoku schema v1.
--
-- Applied by the migration runner inside one transaction (no BEGIN/COMMIT here; the runner
-- records the file in its own schema_migrations table).  PostgreSQL 15+ (tested on 15 and 18).
--
-- Conventions
--   * Every object lives in schema "saikoku"; names are always schema-qualified.
--   * Money is integer yen (bigint).  Timestamps are timestamptz, calendar dates are date.
--   * Imported values that get normalised keep the original text beside them (*_raw); every
--     imported row also keeps its full source record in source_row jsonb.
--   * Multi-tenancy: every business table has tenant_id (ON DELETE CASCADE from tenants, so a
--     tenant's data can be erased as a whole at contract end).  References between business
--     tables are composite (tenant_id, x_id) -> (tenant_id, id), so a row can never point at a
--     row of another tenant; every referenced table therefore has UNIQUE (tenant_id, id).
--   * Rows are never hard-deleted in normal operation: users are disabled, persons that a newer
--     export no longer mentions are flagged (missing_since), campaigns are stopped.  Foreign keys
--     inside a tenant are NO ACTION unless the child is pure detail of the parent (CASCADE), so
--     deleting e.g. a person who has call attempts fails instead of silently losing history.
--     Whole-tenant erasure works because every table cascades from tenants in the same statement.
--   * audit_log is the exception: no FKs at all, append-only, survives tenant erasure (it holds
--     ids, never personal data).

create schema if not exists saikoku;

-- ---------------------------------------------------------------------------------------------
-- Shared trigger functions
-- ---------------------------------------------------------------------------------------------

create function saikoku.touch_updated_at() returns trigger
language plpgsql as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

create function saikoku.audit_log_forbid_change() returns trigger
language plpgsql as $$
begin
  raise exception 'saikoku.audit_log is append-only: % is not allowed', tg_op
    using errcode = 'insufficient_privilege',
          hint = 'Audit rows are never changed or removed; write a new row instead.';
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- Tenants and users
-- ---------------------------------------------------------------------------------------------

-- Departments sharing the server (税務課, 医療保険年金課, ...).  Deleting a tenant erases all of
-- its business data (contract-end erasure); audit_log rows survive.
create table saikoku.tenants (
  id uuid primary key default gen_random_uuid(),
  code text not null unique check (code ~ '^[a-z][a-z0-9_]{1,31}$'),
  name text not null check (btrim(name) <> ''),
  created_at timestamptz not null default now()
);

-- Login accounts (contractor operators, supervisors, ward staff, admins, auditors, PBX admins).
-- Never deleted in normal operation: set disabled_at.  login_id is unique per tenant, so the
-- login form must identify the tenant (department) too.
create table saikoku.users (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references saikoku.tenants on delete cascade,
  login_id text not null check (login_id ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$'),
  display_name text not null check (btrim(display_name) <> ''),
  role text not null check (role in ('operator','supervisor','staff','admin','auditor','pbx_admin')),
  password_hash text not null check (password_hash <> ''),
  failed_logins integer not null default 0 check (failed_logins >= 0),
  locked_until timestamptz,
  disabled_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, login_id),
  unique (tenant_id, id)
);

-- ---------------------------------------------------------------------------------------------
-- Data linkage with the delinquency-management system (滞納整理支援システム)
-- ---------------------------------------------------------------------------------------------

-- One import run (delinquency export or receipts feed): who, when, which files, what happened.
create table saikoku.imports (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references saikoku.tenants on delete cascade,
  kind text not null check (kind in ('delinquency_export','receipts')),
  imported_by uuid,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  -- [{"name": "...csv", "sha256": "<64 hex>", "bytes": n, "encoding": "cp932"}, ...]
  files jsonb not null default '[]' check (jsonb_typeof(files) = 'array'),
  -- {"rows": n, "inserted": n, "updated": n, "rejected": n, "missing": n, ...}
  counts jsonb not null default '{}' check (jsonb_typeof(counts) = 'object'),
  status text not null default 'running' check (status in ('running','completed','failed')),
  failure_detail text,                        -- no personal data
  unique (tenant_id, id),
  foreign key (tenant_id, imported_by) references saikoku.users (tenant_id, id),
  check (finished_at is null or finished_at >= started_at),
  check ((status = 'running') = (finished_at is null))
);
create index imports_tenant_started_idx on saikoku.imports (tenant_id, started_at);

-- 宛名: delinquents and their household members as exported by the delinquency system.
-- Natural key: 宛名番号 (resident_number) per tenant.  Rows a newer export no longer mentions are
-- kept and flagged (missing_since), never deleted by an import.
create table saikoku.persons (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references saikoku.tenants on delete cascade,
  resident_number text not null check (btrim(resident_number) <> ''),   -- 宛名番号 / 住民番号
  household_number text,                                                -- 世帯番号
  name_raw text not null,                                                -- 氏名 (as exported)
  name text not null check (btrim(name) <> ''),                          -- normalised
  name_kana_raw text,                                                    -- フリガナ
  name_kana text,                                                        -- full-width katakana
  sex text check (sex in ('male','female')),
  birth_date date,
  birth_date_raw text,
  householder_name_raw text,                                             -- 世帯主氏名
  householder_name text,
  relation text,                                                         -- 続柄
  postal_code text check (postal_code ~ '^[0-9]{7}$'),
  address_raw text,                                                      -- 区内住所
  address text,
  address_before_raw text,                                               -- 転入前住所
  address_before text,
  address_after_raw text,                                                -- 転出後住所
  address_after text,
  mailing_name_raw text,                                                 -- 送付先名称
  mailing_name text,
  mailing_postal_code text check (mailing_postal_code ~ '^[0-9]{7}$'),
  mailing_address_raw text,                                              -- 送付先住所
  mailing_address text,
  -- foreign residents (外国人)
  foreign_registration_number text,                                      -- 外国人登録番号
  alias_raw text,                                                        -- 通称名
  alias text,
  nationality text,                                                      -- 国籍
  residence_status text,                                                 -- 在留資格
  period_of_stay text,                                                   -- 在留期間
  -- work
  occupation text,                                                       -- 職業
  employer_name text,                                                    -- 勤務先名称
  employer_address_raw text,
  employer_address text,
  employer_phone_raw text,        -- 勤務先電話番号: shown to staff; dialable numbers live in phones
  employer_phone_e164 text check (employer_phone_e164 ~ '^\+[1-9][0-9]{6,14}$'),
  -- resident-record events
  resident_since date,                                                   -- 区民となった日
  resident_since_raw text,
  address_set_on date,                                                   -- 住所を定めた日
  address_set_on_raw text,
  change_reason text,                                                    -- 異動事由
  change_date date,                                                      -- 異動日
  change_date_raw text,
  -- collection management
  delinquency_category text,                                             -- 滞納区分
  staff_in_charge text,                                                  -- 担当者名 (ward staff)
  do_not_call boolean not null default false,
  -- deceased 死亡, bankruptcy 破産, collection_suspended 執行停止, staff_only 職員対応中,
  -- refused 架電拒否, other
  no_call_category text check (no_call_category in
    ('deceased','bankruptcy','collection_suspended','staff_only','refused','other')),
  do_not_call_reason text,
  -- staleness
  last_seen_import_id uuid,
  missing_since timestamptz,     -- set when an export no longer mentions the person; cleared when seen again
  source_row jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, resident_number),
  unique (tenant_id, id),
  foreign key (tenant_id, last_seen_import_id) references saikoku.imports (tenant_id, id),
  check (not do_not_call or no_call_category is not null),
  check (source_row is null or jsonb_typeof(source_row) = 'object')
);
create index persons_household_idx on saikoku.persons (tenant_id, household_number);
create index persons_kana_idx on saikoku.persons (tenant_id, name_kana);
create index persons_missing_idx on saikoku.persons (tenant_id, missing_since) where missing_since is not null;

-- Phone numbers of a person: imported or collected by operators (委託先が収集する電話番号).
-- Wrong numbers are flagged (marked_wrong_at), not deleted; call_attempts point at them.
create table saikoku.phones (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references saikoku.tenants on delete cascade,
  person_id uuid not null,
  kind text not null default 'unknown' check (kind in ('mobile','landline','work','unknown')),
  phone_raw text not null,
  phone_e164 text check (phone_e164 ~ '^\+[1-9][0-9]{6,14}$'),
  is_valid boolean not null default false,
  invalid_reason text,
  source text not null check (source in ('import','operator')),
  created_by uuid,                      -- operator who entered it (source = 'operator')
  last_seen_import_id uuid,             -- source = 'import'
  marked_wrong_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id),
  foreign key (tenant_id, person_id) references saikoku.persons (tenant_id, id) on delete cascade,
  foreign key (tenant_id, created_by) references saikoku.users (tenant_id, id),
  foreign key (tenant_id, last_seen_import_id) references saikoku.imports (tenant_id, id),
  check (not is_valid or phone_e164 is not null),
  check (is_valid or invalid_reason is not null)
);
-- one row per number per person (upsert keys for the importer)
create unique index phones_person_e164_key on saikoku.phones (person_id, phone_e164) where phone_e164 is not null;
create unique index phones_person_raw_key on saikoku.phones (person_id, phone_raw) where phone_e164 is null;
-- inbound caller-ID lookup (with or without tenant)
create index phones_e164_idx on saikoku.phones (phone_e164, tenant_id) where phone_e164 is not null;

-- 課税情報: one tax bill (resident tax 特別区民税・都民税, or light vehicle tax 軽自動車税).
create table saikoku.tax_bills (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references saikoku.tenants on delete cascade,
  person_id uuid not null,
  tax_type text not null check (tax_type in ('resident','light_vehicle')),
  fiscal_year smallint not null check (fiscal_year between 1900 and 2200),             -- 年度 (Gregorian)
  applicable_year smallint check (applicable_year between 1900 and 2200),              -- 相当年度
  tax_item text,                                                                       -- 税目
  notice_number text not null check (btrim(notice_number) <> ''),                       -- 納税通知書番号
  annual_amount bigint not null check (annual_amount >= 0),                            -- 年税額 / 課税額
  -- light vehicle tax only (軽自動車税)
  chassis_number text,                                                                 -- 車体識別番号
  vehicle_type text,                                                                   -- 車種
  vehicle_name text,                                                                   -- 車名
  displacement text,       -- 排気量 as exported ("660", "125cc"; electric vehicles have none)
  garage_location text,                                                                -- 定置場
  plate_number text,                                                                   -- 標識番号
  last_seen_import_id uuid,
  source_row jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, tax_type, fiscal_year, notice_number),
  unique (tenant_id, id),
  foreign key (tenant_id, person_id) references saikoku.persons (tenant_id, id) on delete cascade,
  foreign key (tenant_id, last_seen_import_id) references saikoku.imports (tenant_id, id),
  check (tax_type = 'light_vehicle' or (chassis_number is null and vehicle_type is null and
         vehicle_name is null and displacement is null and garage_location is null and plate_number is null)),
  check (source_row is null or jsonb_typeof(source_row) = 'object')
);
create index tax_bills_person_idx on saikoku.tax_bills (person_id);

-- 期別: one installment of a bill with its principal (本税) and late-fee (延滞金) state.
create table saikoku.installments (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references saikoku.tenants on delete cascade,
  bill_id uuid not null,
  installment_no smallint not null check (installment_no between 0 and 99),   -- 期 (0 = 随時)
  assessed_amount bigint not null check (assessed_amount >= 0),               -- 調定額
  paid_amount bigint not null default 0 check (paid_amount >= 0),             -- 納税額
  over_under_amount bigint,          -- 過不足額 as exported; signed (negative = still owed)
  due_date date,                                                              -- 納期限
  due_date_raw text,
  late_fee_assessed bigint not null default 0 check (late_fee_assessed >= 0), -- 延滞金調定額
  late_fee_paid bigint not null default 0 check (late_fee_paid >= 0),         -- 延滞金納付額
  late_fee_over_under bigint,                                                 -- 延滞金過不足額 (signed)
  principal_received_on date,                                                 -- 本税 領収日
  principal_received_on_raw text,
  principal_booked_on date,                                                   -- 本税 収納日
  principal_booked_on_raw text,
  late_fee_received_on date,                                                  -- 延滞金 領収日
  late_fee_received_on_raw text,
  late_fee_booked_on date,                                                    -- 延滞金 収納日
  late_fee_booked_on_raw text,
  status text not null default 'unpaid'
    check (status in ('unpaid','partially_paid','paid','overpaid','cancelled')),
  last_seen_import_id uuid,
  source_row jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (bill_id, installment_no),     -- also the "installments by bill" lookup index
  unique (tenant_id, id),
  foreign key (tenant_id, bill_id) references saikoku.tax_bills (tenant_id, id) on delete cascade,
  foreign key (tenant_id, last_seen_import_id) references saikoku.imports (tenant_id, id),
  check (source_row is null or jsonb_typeof(source_row) = 'object')
);
create index installments_open_due_idx on saikoku.installments (tenant_id, due_date)
  where status in ('unpaid','partially_paid');

-- 収納情報: individual payments (or corrections) booked against an installment, from the receipts feed.
create table saikoku.receipts (
  id bigint generated always as identity primary key,
  tenant_id uuid not null references saikoku.tenants on delete cascade,
  installment_id uuid not null,
  kind text not null check (kind in ('principal','late_fee')),
  amount bigint not null check (amount <> 0),  -- yen; negative = reversal/correction (取消・更正) in the feed
  received_on date not null,                   -- 領収日
  received_on_raw text,
  booked_on date,                              -- 収納日
  booked_on_raw text,
  import_id uuid not null,
  source_ref text,         -- idempotency key: the feed's own receipt id, or sha256 of the source row
  source_row jsonb,
  created_at timestamptz not null default now(),
  foreign key (tenant_id, installment_id) references saikoku.installments (tenant_id, id) on delete cascade,
  foreign key (tenant_id, import_id) references saikoku.imports (tenant_id, id),
  check (source_row is null or jsonb_typeof(source_row) = 'object')
);
create index receipts_installment_idx on saikoku.receipts (installment_id, received_on);
create index receipts_import_idx on saikoku.receipts (import_id);
create unique index receipts_source_ref_key on saikoku.receipts (tenant_id, source_ref) where source_ref is not null;

-- 分割納付約束: instalment-payment promises held by the delinquency system (imported).
-- Promises taken by our operators are in saikoku.promises.
create table saikoku.installment_plans (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references saikoku.tenants on delete cascade,
  person_id uuid not null,
  plan_number text,                 -- the delinquency system's own id of the plan, when exported
  -- {"monthly_amount": n, "day_of_month": d, "installments": [...], "text": "..."}
  terms jsonb not null default '{}' check (jsonb_typeof(terms) = 'object'),
  start_date date,
  start_date_raw text,
  end_date date,
  end_date_raw text,
  status text not null default 'active' check (status in ('active','completed','defaulted','cancelled')),
  last_seen_import_id uuid,
  source_row jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (tenant_id, person_id) references saikoku.persons (tenant_id, id) on delete cascade,
  foreign key (tenant_id, last_seen_import_id) references saikoku.imports (tenant_id, id),
  check (end_date is null or start_date is null or end_date >= start_date),
  check (source_row is null or jsonb_typeof(source_row) = 'object')
);
create index installment_plans_person_idx on saikoku.installment_plans (person_id);
create unique index installment_plans_number_key on saikoku.installment_plans (tenant_id, plan_number)
  where plan_number is not null;

-- 口座情報: bank auto-debit (口座振替) registration.  The account number is deliberately not stored
-- (not among the data items the ward provides).
create table saikoku.bank_accounts (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references saikoku.tenants on delete cascade,
  person_id uuid not null,
  tax_type text check (tax_type in ('resident','light_vehicle')),     -- null = not stated
  auto_debit boolean not null,                                         -- 口座振替の有無
  bank_name text,                                                      -- 金融機関名
  branch_name text,                                                    -- 支店名
  holder_name_raw text,                                                -- 口座名義人
  holder_name text,
  start_fiscal_year smallint check (start_fiscal_year between 1900 and 2200),   -- 開始年度
  start_installment smallint check (start_installment between 0 and 99),        -- 開始期別
  cancelled_on date,                                                   -- 口座取消日
  cancelled_on_raw text,
  failure_reason text,                                                 -- 不能事由
  last_seen_import_id uuid,
  source_row jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (tenant_id, person_id) references saikoku.persons (tenant_id, id) on delete cascade,
  foreign key (tenant_id, last_seen_import_id) references saikoku.imports (tenant_id, id),
  check (source_row is null or jsonb_typeof(source_row) = 'object')
);
create index bank_accounts_person_idx on saikoku.bank_accounts (person_id);

-- 法人情報: corporate details attached to a 宛名 (person) record.
create table saikoku.corporations (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references saikoku.tenants on delete cascade,
  person_id uuid not null,
  postal_code text check (postal_code ~ '^[0-9]{7}$'),
  address_raw text,                                                    -- 所在地
  address text,
  name_raw text not null,                                              -- 名称
  name text not null check (btrim(name) <> ''),
  phone_raw text,
  phone_e164 text check (phone_e164 ~ '^\+[1-9][0-9]{6,14}$'),
  designation_number text,                                             -- 指定番号
  last_seen_import_id uuid,
  source_row jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (tenant_id, person_id) references saikoku.persons (tenant_id, id) on delete cascade,
  foreign key (tenant_id, last_seen_import_id) references saikoku.imports (tenant_id, id),
  check (source_row is null or jsonb_typeof(source_row) = 'object')
);
create index corporations_person_idx on saikoku.corporations (person_id);

-- 納税管理人・相続人: tax agents, heirs and other representatives of a person.
create table saikoku.agents (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references saikoku.tenants on delete cascade,
  person_id uuid not null,
  kind text not null check (kind in ('tax_agent','heir','other')),    -- 種別
  postal_code text check (postal_code ~ '^[0-9]{7}$'),
  address_raw text,
  address text,
  name_raw text not null,
  name text not null check (btrim(name) <> ''),
  phone_raw text,
  phone_e164 text check (phone_e164 ~ '^\+[1-9][0-9]{6,14}$'),
  registered_on date,                                                  -- 登録年月日
  registered_on_raw text,
  last_seen_import_id uuid,
  source_row jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (tenant_id, person_id) references saikoku.persons (tenant_id, id) on delete cascade,
  foreign key (tenant_id, last_seen_import_id) references saikoku.imports (tenant_id, id),
  check (source_row is null or jsonb_typeof(source_row) = 'object')
);
create index agents_person_idx on saikoku.agents (person_id);

-- ---------------------------------------------------------------------------------------------
-- Campaigns and the dialer
-- ---------------------------------------------------------------------------------------------

-- 納付案内計画: a calling campaign of one tenant.
create table saikoku.campaigns (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references saikoku.tenants on delete cascade,
  name text not null check (btrim(name) <> ''),
  tax_scope text[] not null default array['resident','light_vehicle']
    check (cardinality(tax_scope) > 0 and tax_scope <@ array['resident','light_vehicle']),
  status text not null default 'draft'
    check (status in ('draft','ready','running','paused','completed','stopped')),
  -- {"mode": "progressive"|"predictive", "max_ratio": 3.0, "abandon_target": 0.025, ...}
  pacing jsonb not null default '{}' check (jsonb_typeof(pacing) = 'object'),
  created_by uuid not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, name),
  unique (tenant_id, id),
  foreign key (tenant_id, created_by) references saikoku.users (tenant_id, id)
);

-- Status history of a campaign (who started / paused / stopped it, when and why).
create table saikoku.campaign_status_changes (
  id bigint generated always as identity primary key,
  tenant_id uuid not null references saikoku.tenants on delete cascade,
  campaign_id uuid not null,
  changed_by uuid,                 -- null = the system (e.g. completed when no targets remain)
  changed_at timestamptz not null default now(),
  from_status text check (from_status in ('draft','ready','running','paused','completed','stopped')),
  to_status text not null check (to_status in ('draft','ready','running','paused','completed','stopped')),
  reason text,
  foreign key (tenant_id, campaign_id) references saikoku.campaigns (tenant_id, id) on delete cascade,
  foreign key (tenant_id, changed_by) references saikoku.users (tenant_id, id),
  check (from_status is distinct from to_status)
);
create index campaign_status_changes_campaign_idx on saikoku.campaign_status_changes (campaign_id, changed_at);

-- Persons selected for a campaign and their dialing state.
--   pending   eligible when next_attempt_at is null or due
--   claimed   reserved by a dialer worker until claim_expires_at
--   in_call   an attempt is live
--   callback  operator-scheduled call back at next_attempt_at
--   completed / exhausted (attempt limit) / excluded (planning rule, excluded_reason)
create table saikoku.campaign_targets (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references saikoku.tenants on delete cascade,
  campaign_id uuid not null,
  person_id uuid not null,
  priority integer not null default 0,
  state text not null default 'pending'
    check (state in ('pending','claimed','in_call','callback','completed','exhausted','excluded')),
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz,
  claimed_by text,                 -- dialer worker id ("host:pid:task") or "user:<uuid>" for a manual call
  claim_expires_at timestamptz,
  excluded_reason text,            -- rule name, no personal data
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (campaign_id, person_id),
  unique (tenant_id, id),
  foreign key (tenant_id, campaign_id) references saikoku.campaigns (tenant_id, id) on delete cascade,
  foreign key (tenant_id, person_id) references saikoku.persons (tenant_id, id) on delete cascade,
  check (state <> 'claimed' or (claimed_by is not null and claim_expires_at is not null)),
  check (state <> 'excluded' or excluded_reason is not null),
  check (state <> 'callback' or next_attempt_at is not null)
);
create index campaign_targets_queue_idx on saikoku.campaign_targets (campaign_id, state, next_attempt_at);
create index campaign_targets_claims_idx on saikoku.campaign_targets (claim_expires_at) where state = 'claimed';
create index campaign_targets_person_idx on saikoku.campaign_targets (person_id);

-- One dial (outbound) or one received call (inbound).  The id is also the AMI ActionID, the
-- Originate ChannelId and the ARI channel id.  Column set fixed for the dialer; the only change
-- from the agreed definition is ON DELETE CASCADE on tenant_id (contract-end erasure).
create table saikoku.call_attempts (
  id uuid primary key default gen_random_uuid(),   -- also the AMI ActionID, ChannelId and ARI channel id
  tenant_id uuid not null references saikoku.tenants on delete cascade,
  campaign_id uuid references saikoku.campaigns,
  target_id uuid references saikoku.campaign_targets,
  person_id uuid references saikoku.persons,
  phone_id uuid references saikoku.phones,
  direction text not null default 'outbound' check (direction in ('outbound','inbound')),
  dial_string text not null,
  status text not null default 'dialing' check (status in ('dialing','answered','busy','no_answer','failed','congestion','abandoned','connected','completed','unknown')),
  originate_reason int,            -- AMI OriginateResponse Reason
  hangup_cause int,                -- Q.850 cause from the Hangup event
  hangup_cause_text text,
  amd_status text,                 -- HUMAN / MACHINE / NOTSURE / HANGUP (null when AMD off)
  amd_cause text,
  failure_detail text,             -- no personal data
  created_at timestamptz not null default now(),
  originated_at timestamptz,
  answered_at timestamptz,
  stasis_at timestamptz,
  ended_at timestamptz
);
-- lets child tables reference (tenant_id, attempt_id)
alter table saikoku.call_attempts add constraint call_attempts_tenant_id_id_key unique (tenant_id, id);
create index call_attempts_live_idx on saikoku.call_attempts (status) where ended_at is null;
create index call_attempts_campaign_idx on saikoku.call_attempts (campaign_id, created_at);
create index call_attempts_person_idx on saikoku.call_attempts (person_id, created_at);
create index call_attempts_target_idx on saikoku.call_attempts (target_id);
create index call_attempts_phone_idx on saikoku.call_attempts (phone_id);

-- Transition log of an attempt (AMI/ARI events and our own state changes).
create table saikoku.call_attempt_events (
  id bigint generated always as identity primary key,
  tenant_id uuid not null references saikoku.tenants on delete cascade,
  attempt_id uuid not null,
  at timestamptz not null default now(),
  kind text not null check (btrim(kind) <> ''),
  detail jsonb not null default '{}' check (jsonb_typeof(detail) = 'object'),   -- no personal data
  foreign key (tenant_id, attempt_id) references saikoku.call_attempts (tenant_id, id) on delete cascade
);
create index call_attempt_events_attempt_idx on saikoku.call_attempt_events (attempt_id, at);

-- ---------------------------------------------------------------------------------------------
-- What the operator records (応答内容)
-- ---------------------------------------------------------------------------------------------

-- Disposition of an attempt, saved by the operator at wrap-up (or by the system for
-- answering_machine / no_contact).
create table saikoku.outcomes (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references saikoku.tenants on delete cascade,
  attempt_id uuid not null unique,
  disposition text not null check (disposition in (
    'promise_to_pay','already_paid','slip_reissue','auto_debit_recommended','consultation_handoff',
    'callback','wrong_number','third_party','refused','answering_machine','no_contact')),
  operator_id uuid,                -- null when set by the system
  saved_at timestamptz not null default now(),
  wrap_overrun boolean not null default false,
  foreign key (tenant_id, attempt_id) references saikoku.call_attempts (tenant_id, id) on delete cascade,
  foreign key (tenant_id, operator_id) references saikoku.users (tenant_id, id)
);
create index outcomes_tenant_saved_idx on saikoku.outcomes (tenant_id, saved_at);
create index outcomes_operator_idx on saikoku.outcomes (operator_id, saved_at);

-- 納付約束: a promise to pay taken by an operator.
create table saikoku.promises (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references saikoku.tenants on delete cascade,
  person_id uuid not null,
  attempt_id uuid,
  promised_date date not null,
  amount bigint not null check (amount > 0),
  -- [{"installment_id": "<uuid>", "amount": n}, ...]
  installments jsonb not null default '[]' check (jsonb_typeof(installments) = 'array'),
  status text not null default 'pending' check (status in ('pending','kept','broken')),
  created_by uuid,
  created_at timestamptz not null default now(),
  resolved_at timestamptz,
  foreign key (tenant_id, person_id) references saikoku.persons (tenant_id, id) on delete cascade,
  foreign key (tenant_id, attempt_id) references saikoku.call_attempts (tenant_id, id),
  foreign key (tenant_id, created_by) references saikoku.users (tenant_id, id),
  check ((status = 'pending') = (resolved_at is null))
);
create index promises_person_idx on saikoku.promises (person_id, created_at);
create index promises_pending_idx on saikoku.promises (tenant_id, promised_date) where status = 'pending';
create index promises_attempt_idx on saikoku.promises (attempt_id);

-- 会話記録: free-text conversation notes written by operators.
create table saikoku.conversation_logs (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references saikoku.tenants on delete cascade,
  attempt_id uuid,
  person_id uuid not null,
  author_id uuid not null,
  body text not null check (btrim(body) <> ''),
  created_at timestamptz not null default now(),
  foreign key (tenant_id, attempt_id) references saikoku.call_attempts (tenant_id, id),
  foreign key (tenant_id, person_id) references saikoku.persons (tenant_id, id) on delete cascade,
  foreign key (tenant_id, author_id) references saikoku.users (tenant_id, id)
);
create index conversation_logs_person_idx on saikoku.conversation_logs (person_id, created_at);
create index conversation_logs_attempt_idx on saikoku.conversation_logs (attempt_id);

-- 区職員への引継ぎ: a person handed over to ward staff (payment consultation etc.).
create table saikoku.handoffs (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references saikoku.tenants on delete cascade,
  person_id uuid not null,
  attempt_id uuid,
  note text not null check (btrim(note) <> ''),
  status text not null default 'open' check (status in ('open','taken','closed')),
  created_by uuid not null,
  created_at timestamptz not null default now(),
  taken_by uuid,
  taken_at timestamptz,
  closed_at timestamptz,
  result text,
  foreign key (tenant_id, person_id) references saikoku.persons (tenant_id, id) on delete cascade,
  foreign key (tenant_id, attempt_id) references saikoku.call_attempts (tenant_id, id),
  foreign key (tenant_id, created_by) references saikoku.users (tenant_id, id),
  foreign key (tenant_id, taken_by) references saikoku.users (tenant_id, id),
  check (status = 'open' or (taken_by is not null and taken_at is not null)),
  check ((status = 'closed') = (closed_at is not null))
);
create index handoffs_open_idx on saikoku.handoffs (tenant_id, status, created_at) where status <> 'closed';
create index handoffs_person_idx on saikoku.handoffs (person_id, created_at);
create index handoffs_attempt_idx on saikoku.handoffs (attempt_id);

-- 経過記録: contact history, both imported from the delinquency system (source = 'import') and
-- produced here (source = 'call_center', exported back, exported_at set when written out).
create table saikoku.history (
  id bigint generated always as identity primary key,
  tenant_id uuid not null references saikoku.tenants on delete cascade,
  person_id uuid not null,
  source text not null check (source in ('import','call_center')),
  contact_kind text,                     -- 訪問 / 交渉 / 電話 ... as given
  contacted_at timestamptz,              -- 訪問日時・交渉日時
  contacted_at_raw text,
  place text,                            -- 交渉場所
  counterpart text,                      -- 交渉相手名
  content text,                          -- 交渉内容
  forms_issued text,                     -- 各種帳票発行記録
  attempt_id uuid,                       -- call_center rows
  author_id uuid,                        -- call_center rows
  import_id uuid,                        -- import rows
  source_ref text,                       -- idempotency key of imported rows (sha256 of the source row)
  source_row jsonb,
  exported_at timestamptz,
  created_at timestamptz not null default now(),
  foreign key (tenant_id, person_id) references saikoku.persons (tenant_id, id) on delete cascade,
  foreign key (tenant_id, attempt_id) references saikoku.call_attempts (tenant_id, id),
  foreign key (tenant_id, author_id) references saikoku.users (tenant_id, id),
  foreign key (tenant_id, import_id) references saikoku.imports (tenant_id, id),
  check (source = 'call_center' or (import_id is not null and exported_at is null and attempt_id is null)),
  check (source = 'import' or (import_id is null and source_ref is null and contacted_at is not null)),
  check (source_row is null or jsonb_typeof(source_row) = 'object')
);
create index history_person_idx on saikoku.history (person_id, contacted_at);
create index history_export_queue_idx on saikoku.history (tenant_id, created_at)
  where source = 'call_center' and exported_at is null;
create unique index history_source_ref_key on saikoku.history (tenant_id, source_ref) where source_ref is not null;

-- ---------------------------------------------------------------------------------------------
-- Letters (催告書 for persons without a usable phone; 納付書再発行)
-- ---------------------------------------------------------------------------------------------

-- Manifest of one printed PDF batch.
create table saikoku.letter_batches (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references saikoku.tenants on delete cascade,
  campaign_id uuid,
  letter_count integer not null check (letter_count >= 0),
  sha256 text check (sha256 ~ '^[0-9a-f]{64}$'),
  file_path text,
  created_by uuid not null,
  created_at timestamptz not null default now(),
  printed_at timestamptz,
  unique (tenant_id, id),
  foreign key (tenant_id, campaign_id) references saikoku.campaigns (tenant_id, id),
  foreign key (tenant_id, created_by) references saikoku.users (tenant_id, id),
  check (printed_at is null or (sha256 is not null and file_path is not null))
);

-- One letter: queued (batch_id null), then placed in a batch with its page range.
create table saikoku.letters (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references saikoku.tenants on delete cascade,
  person_id uuid not null,
  campaign_id uuid,
  attempt_id uuid,                 -- slip_reissue asked for during a call
  batch_id uuid,
  kind text not null check (kind in ('reminder','slip_reissue')),
  -- installments the letter / slip covers: [{"installment_id": "<uuid>"}, ...]
  installments jsonb not null default '[]' check (jsonb_typeof(installments) = 'array'),
  requested_by uuid,
  created_at timestamptz not null default now(),
  printed_at timestamptz,
  page_from integer check (page_from >= 1),
  page_to integer,
  foreign key (tenant_id, person_id) references saikoku.persons (tenant_id, id) on delete cascade,
  foreign key (tenant_id, campaign_id) references saikoku.campaigns (tenant_id, id),
  foreign key (tenant_id, attempt_id) references saikoku.call_attempts (tenant_id, id),
  foreign key (tenant_id, batch_id) references saikoku.letter_batches (tenant_id, id),
  foreign key (tenant_id, requested_by) references saikoku.users (tenant_id, id),
  check (page_to >= page_from),
  check ((page_from is null) = (page_to is null)),
  check (page_from is null or batch_id is not null)
);
create index letters_queue_idx on saikoku.letters (tenant_id, kind, created_at) where batch_id is null;
create index letters_person_idx on saikoku.letters (person_id, created_at);
create index letters_batch_idx on saikoku.letters (batch_id, page_from);

-- ---------------------------------------------------------------------------------------------
-- Recordings
-- ---------------------------------------------------------------------------------------------

-- Call recordings: row inserted when recording starts, completed when the file is in the store.
-- Files must be purged (purged_at) before rows go away: tenant erasure deletes the rows, so the
-- erasure procedure removes the files first.
create table saikoku.recordings (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references saikoku.tenants on delete cascade,
  attempt_id uuid not null,
  path text not null,
  sha256 text check (sha256 ~ '^[0-9a-f]{64}$'),
  bytes bigint check (bytes >= 0),
  duration_ms integer check (duration_ms >= 0),
  started_at timestamptz not null,
  stored_at timestamptz,
  purge_after timestamptz,
  purged_at timestamptz,
  unique (tenant_id, path),
  foreign key (tenant_id, attempt_id) references saikoku.call_attempts (tenant_id, id),
  check (stored_at is null or (sha256 is not null and bytes is not null)),
  check (stored_at is null or stored_at >= started_at)
);
create index recordings_attempt_idx on saikoku.recordings (attempt_id);
create index recordings_purge_idx on saikoku.recordings (purge_after) where purged_at is null;

-- ---------------------------------------------------------------------------------------------
-- Audit log
-- ---------------------------------------------------------------------------------------------

-- Append-only access and action log (アクセスログ).  Deliberately NO foreign keys: tenant_id,
-- user_id and person_id are plain uuids so that rows survive user/person deletion and whole-
-- tenant erasure at contract end (the ward may need the log for audits and incident reports
-- after the data itself is gone).  Therefore it must never hold personal data itself: ids,
-- action names and non-personal detail only; user_login keeps the log readable once the users
-- table rows are erased.  UPDATE, DELETE and TRUNCATE raise (triggers below).
create table saikoku.audit_log (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  user_id uuid,                    -- null = the system
  user_login text,
  tenant_id uuid,
  action text not null check (btrim(action) <> ''),
  object_type text,
  object_id text,                  -- uuid or bigint id as text
  person_id uuid,
  reason text,                     -- e.g. why a record was opened (no personal data)
  client_addr inet,
  detail jsonb not null default '{}' check (jsonb_typeof(detail) = 'object')
);
create index audit_log_person_idx on saikoku.audit_log (person_id, at);
create index audit_log_user_idx on saikoku.audit_log (user_id, at);
create index audit_log_tenant_idx on saikoku.audit_log (tenant_id, at);

create trigger audit_log_no_update_delete
  before update or delete on saikoku.audit_log
  for each row execute function saikoku.audit_log_forbid_change();
create trigger audit_log_no_truncate
  before truncate on saikoku.audit_log
  for each statement execute function saikoku.audit_log_forbid_change();

-- ---------------------------------------------------------------------------------------------
-- updated_at maintenance
-- ---------------------------------------------------------------------------------------------

create trigger users_touch before update on saikoku.users
  for each row execute function saikoku.touch_updated_at();
create trigger persons_touch before update on saikoku.persons
  for each row execute function saikoku.touch_updated_at();
create trigger phones_touch before update on saikoku.phones
  for each row execute function saikoku.touch_updated_at();
create trigger tax_bills_touch before update on saikoku.tax_bills
  for each row execute function saikoku.touch_updated_at();
create trigger installments_touch before update on saikoku.installments
  for each row execute function saikoku.touch_updated_at();
create trigger installment_plans_touch before update on saikoku.installment_plans
  for each row execute function saikoku.touch_updated_at();
create trigger bank_accounts_touch before update on saikoku.bank_accounts
  for each row execute function saikoku.touch_updated_at();
create trigger corporations_touch before update on saikoku.corporations
  for each row execute function saikoku.touch_updated_at();
create trigger agents_touch before update on saikoku.agents
  for each row execute function saikoku.touch_updated_at();
create trigger campaigns_touch before update on saikoku.campaigns
  for each row execute function saikoku.touch_updated_at();
create trigger campaign_targets_touch before update on saikoku.campaign_targets
  for each row execute function saikoku.touch_updated_at();
