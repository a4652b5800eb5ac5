-- Data linkage: rows a newer export no longer mentions are kept and flagged (missing_since),
-- never silently deleted; natural keys let a re-import change nothing.
alter table saikoku.phones add column missing_since timestamptz;
alter table saikoku.tax_bills add column missing_since timestamptz;
alter table saikoku.installments add column missing_since timestamptz;
alter table saikoku.installment_plans add column missing_since timestamptz;
alter table saikoku.bank_accounts add column missing_since timestamptz;
alter table saikoku.corporations add column missing_since timestamptz;
alter table saikoku.agents add column missing_since timestamptz;

create unique index bank_accounts_person_tax_key
  on saikoku.bank_accounts (tenant_id, person_id, coalesce(tax_type, ''));
create unique index corporations_person_name_key
  on saikoku.corporations (tenant_id, person_id, name);
create unique index agents_person_kind_name_key
  on saikoku.agents (tenant_id, person_id, kind, name);

-- Exported back to the delinquency system with each call-center record.
alter table saikoku.history add column recorded_by text;   -- 記録者 (operator's display name)
alter table saikoku.history add column promise text;       -- 納付約束 (date, amount, terms)

-- What a person still owes on one installment, principal and late fee, never negative.
create function saikoku.installment_owed(i saikoku.installments) returns bigint
language sql immutable parallel safe as $$
  select greatest(i.assessed_amount - i.paid_amount, 0)
       + greatest(i.late_fee_assessed - i.late_fee_paid, 0)
$$;

-- Who ran an import from the command line (the OS account), when no user id applies.
alter table saikoku.imports add column imported_by_name text;
