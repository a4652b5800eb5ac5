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
--    key while it holds such a reference — phones (created_by), receipts (import_id),
--    history (import, attempt, author). The tables the dialer writes keep their tenant key
--    for now; 0005 already creates its tables with composite references only.
--    tests/db/test_import.py erases a tenant with all of this in it.
--
-- 3. last_seen_import_id goes: nothing ever wrote it, staleness is missing_since, and an
--    import that wrote it would rewrite every row of a re-import that must write nothing.
--    Its foreign key cost every imported row a trigger call (and erasure an ordering trap).
--
-- 4. New rows of the imported tables get time-ordered ids (UUID version 7: 48 bits of
--    milliseconds, then random bits), so an import appends to the right-hand edge of the id
--    indexes instead of writing into random pages of them. 100,000 people: pg CPU 34 -> 26 s;
--    the gap grows with the tables (the id indexes of a ward's millions of installments
--    outgrow shared_buffers). An id so reveals when its row was created, as created_at does.

-- 1. Indexes for foreign-key checks --------------------------------------------------------

-- persons → phones (ON DELETE CASCADE): the one that made tenant erasure quadratic
create index phones_person_idx on saikoku.phones (person_id);

-- imports → imported history
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

-- 3. last_seen_import_id ---------------------------------------------------------------------

alter table saikoku.persons drop column last_seen_import_id;
alter table saikoku.phones drop column last_seen_import_id;
alter table saikoku.tax_bills drop column last_seen_import_id;
alter table saikoku.installments drop column last_seen_import_id;
alter table saikoku.installment_plans drop column last_seen_import_id;
alter table saikoku.bank_accounts drop column last_seen_import_id;
alter table saikoku.corporations drop column last_seen_import_id;
alter table saikoku.agents drop column last_seen_import_id;

-- 4. Time-ordered ids ---------------------------------------------------------------------

-- RFC 9562 version 7: unix milliseconds in the first 48 bits, version 7, variant 10, the
-- other 74 bits random (from gen_random_uuid, whose variant bits are already 10).
create function saikoku.uuid_v7() returns uuid
language sql volatile parallel safe as $$
  select encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
           placing substring(int8send((extract(epoch from clock_timestamp()) * 1000)::bigint)
                             from 3)
           from 1 for 6), 52, 1), 53, 1), 'hex')::uuid
$$;

alter table saikoku.persons alter column id set default saikoku.uuid_v7();
alter table saikoku.phones alter column id set default saikoku.uuid_v7();
alter table saikoku.tax_bills alter column id set default saikoku.uuid_v7();
alter table saikoku.installments alter column id set default saikoku.uuid_v7();
alter table saikoku.installment_plans alter column id set default saikoku.uuid_v7();
alter table saikoku.bank_accounts alter column id set default saikoku.uuid_v7();
alter table saikoku.corporations alter column id set default saikoku.uuid_v7();
alter table saikoku.agents alter column id set default saikoku.uuid_v7();
