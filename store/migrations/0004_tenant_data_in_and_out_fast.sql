-- A tenant's data goes in fast (imports) and out fast (contract-end erasure).
--
-- 1. Every foreign key gets an index its checks can use. Deleting a tenant cascades row by
--    row (tenant → persons → phones, bills → installments → receipts …) and checks every
--    NO ACTION reference to each deleted row (users, imports, call attempts …): without an
--    index on the referencing columns each of those is a scan of the whole child table. A
--    tenant of 22,000 people took 3.5 minutes to delete, almost all of it scanning phones
--    (whose only person indexes are partial) once per person. A partial index "where x is
--    not null" serves a reference check (x = $1 implies it) and stays empty for a column
--    that is mostly null, so it costs the importer nothing.
--    tests/db/test_migrations.py checks that every foreign key has such an index.
--
-- 2. The tenant_id → tenants foreign key is dropped where the row's tenant is already
--    guaranteed, and its erasure already cascades, by a NOT NULL composite reference
--    (tenant_id, parent_id) → parent (tenant_id, id) ON DELETE CASCADE whose parent is erased
--    with the tenant (installments → tax_bills → persons → tenants). The dropped key checked
--    nothing the composite one does not, but it cost every imported row one more trigger
--    and parent lookup (1.7 s of 12.9 s for 470,000 installments).
--    Erasure then reaches these rows a few cascade steps down, after the NO ACTION checks
--    of rows deleted one step down (users, imports) have run: a table keeps its own tenant
--    key while it holds such a reference that is in use — phones (created_by), receipts
--    (import_id), history (import, attempt, author). The last_seen_import_id references,
--    not yet written by anything, become ON DELETE SET NULL: an import record that goes
--    away just leaves "last seen by" empty, and erasure cannot trip over them.
--    The tables the dialer writes keep their tenant key for now; 0005 already creates its
--    tables with composite references only.
--    tests/db/test_import.py erases a tenant with all of this in it.

-- 1. Indexes for foreign-key checks --------------------------------------------------------

-- persons → phones (ON DELETE CASCADE): the one that made tenant erasure quadratic
create index phones_person_idx on saikoku.phones (person_id);

-- imports → rows that name the import that last saw them, and imported history
create index persons_last_seen_import_idx on saikoku.persons (last_seen_import_id)
  where last_seen_import_id is not null;
create index phones_last_seen_import_idx on saikoku.phones (last_seen_import_id)
  where last_seen_import_id is not null;
create index tax_bills_last_seen_import_idx on saikoku.tax_bills (last_seen_import_id)
  where last_seen_import_id is not null;
create index installments_last_seen_import_idx on saikoku.installments (last_seen_import_id)
  where last_seen_import_id is not null;
create index installment_plans_last_seen_import_idx
  on saikoku.installment_plans (last_seen_import_id) where last_seen_import_id is not null;
create index bank_accounts_last_seen_import_idx on saikoku.bank_accounts (last_seen_import_id)
  where last_seen_import_id is not null;
create index corporations_last_seen_import_idx on saikoku.corporations (last_seen_import_id)
  where last_seen_import_id is not null;
create index agents_last_seen_import_idx on saikoku.agents (last_seen_import_id)
  where last_seen_import_id is not null;
create index history_import_idx on saikoku.history (import_id) where import_id is not null;

-- users → what they created, changed or wrote
create index imports_imported_by_idx on saikoku.imports (imported_by)
  where imported_by is not null;
create index phones_created_by_idx on saikoku.phones (created_by) where created_by is not null;
create index campaigns_created_by_idx on saikoku.campaigns (created_by);
create index campaign_status_changes_changed_by_idx on saikoku.campaign_status_changes (changed_by)
  where changed_by is not null;
create index promises_created_by_idx on saikoku.promises (created_by)
  where created_by is not null;
create index conversation_logs_author_idx on saikoku.conversation_logs (author_id);
create index handoffs_created_by_idx on saikoku.handoffs (created_by);
create index handoffs_taken_by_idx on saikoku.handoffs (taken_by) where taken_by is not null;
create index history_author_idx on saikoku.history (author_id) where author_id is not null;
create index letter_batches_created_by_idx on saikoku.letter_batches (created_by);
create index letters_requested_by_idx on saikoku.letters (requested_by)
  where requested_by is not null;

-- call attempts and campaigns → letters and history that name them
create index history_attempt_idx on saikoku.history (attempt_id) where attempt_id is not null;
create index letters_attempt_idx on saikoku.letters (attempt_id) where attempt_id is not null;
create index letters_campaign_idx on saikoku.letters (campaign_id) where campaign_id is not null;
create index letter_batches_campaign_idx on saikoku.letter_batches (campaign_id)
  where campaign_id is not null;

-- 2. Redundant tenant references of the imported tables ------------------------------------

alter table saikoku.tax_bills drop constraint tax_bills_tenant_id_fkey;               -- → persons
alter table saikoku.installments drop constraint installments_tenant_id_fkey;         -- → tax_bills
alter table saikoku.installment_plans drop constraint installment_plans_tenant_id_fkey; -- → persons
alter table saikoku.bank_accounts drop constraint bank_accounts_tenant_id_fkey;       -- → persons
alter table saikoku.corporations drop constraint corporations_tenant_id_fkey;         -- → persons
alter table saikoku.agents drop constraint agents_tenant_id_fkey;                     -- → persons

alter table saikoku.persons drop constraint persons_tenant_id_last_seen_import_id_fkey,
  add foreign key (tenant_id, last_seen_import_id) references saikoku.imports (tenant_id, id)
      on delete set null (last_seen_import_id);
alter table saikoku.phones drop constraint phones_tenant_id_last_seen_import_id_fkey,
  add foreign key (tenant_id, last_seen_import_id) references saikoku.imports (tenant_id, id)
      on delete set null (last_seen_import_id);
alter table saikoku.tax_bills drop constraint tax_bills_tenant_id_last_seen_import_id_fkey,
  add foreign key (tenant_id, last_seen_import_id) references saikoku.imports (tenant_id, id)
      on delete set null (last_seen_import_id);
alter table saikoku.installments drop constraint installments_tenant_id_last_seen_import_id_fkey,
  add foreign key (tenant_id, last_seen_import_id) references saikoku.imports (tenant_id, id)
      on delete set null (last_seen_import_id);
alter table saikoku.installment_plans
  drop constraint installment_plans_tenant_id_last_seen_import_id_fkey,
  add foreign key (tenant_id, last_seen_import_id) references saikoku.imports (tenant_id, id)
      on delete set null (last_seen_import_id);
alter table saikoku.bank_accounts drop constraint bank_accounts_tenant_id_last_seen_import_id_fkey,
  add foreign key (tenant_id, last_seen_import_id) references saikoku.imports (tenant_id, id)
      on delete set null (last_seen_import_id);
alter table saikoku.corporations drop constraint corporations_tenant_id_last_seen_import_id_fkey,
  add foreign key (tenant_id, last_seen_import_id) references saikoku.imports (tenant_id, id)
      on delete set null (last_seen_import_id);
alter table saikoku.agents drop constraint agents_tenant_id_last_seen_import_id_fkey,
  add foreign key (tenant_id, last_seen_import_id) references saikoku.imports (tenant_id, id)
      on delete set null (last_seen_import_id);
