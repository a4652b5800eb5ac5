-- The access log as a hash chain: each row carries the SHA-256 of the row before it and of
-- itself, so an edited, inserted or removed row is detectable (`saikoku audit verify`).
--
-- * `seq` is the chain's order, given under a transaction-scoped advisory lock: identity ids
--   are handed out before the lock, so two writers may commit in the other order; the lock
--   also makes the next writer wait for the previous one's commit, so it sees its row.
-- * The chain and the append-only triggers fire ALWAYS, also in `session_replication_role =
--   replica` (which the import and planning use to skip foreign-key checks), so no session can
--   write an unchained row or change one by turning triggers off.
-- * The digest covers every column in a text form that does not depend on session settings
--   (the time as microseconds since the epoch, jsonb's own normal form).

alter table saikoku.audit_log add column seq bigint, add column prev_hash bytea,
  add column row_hash bytea;

create function saikoku.audit_row_hash(prev bytea, r saikoku.audit_log) returns bytea
language sql stable as $$
  select sha256(coalesce(prev, '\x'::bytea) || convert_to(concat_ws(E'\x1f',
    r.seq::text, (extract(epoch from r.at) * 1000000)::bigint::text,
    coalesce(r.user_id::text, '∅'), coalesce(r.user_login, '∅'), coalesce(r.tenant_id::text, '∅'),
    r.action, coalesce(r.object_type, '∅'), coalesce(r.object_id, '∅'),
    coalesce(r.person_id::text, '∅'), coalesce(r.reason, '∅'),
    coalesce(host(r.client_addr), '∅'), r.detail::text), 'UTF8'))
$$;

-- Chain the rows written so far, in the order they were written.
do $$
declare
  r saikoku.audit_log;
  prev bytea := null;
  n bigint := 0;
begin
  alter table saikoku.audit_log disable trigger audit_log_no_update_delete;
  for r in select * from saikoku.audit_log order by id loop
    n := n + 1;
    r.seq := n;
    r.prev_hash := prev;
    r.row_hash := saikoku.audit_row_hash(prev, r);
    update saikoku.audit_log set seq = r.seq, prev_hash = r.prev_hash, row_hash = r.row_hash
     where id = r.id;
    prev := r.row_hash;
  end loop;
  alter table saikoku.audit_log enable always trigger audit_log_no_update_delete;
end;
$$;

alter table saikoku.audit_log alter column seq set not null, alter column row_hash set not null;
create unique index audit_log_seq_idx on saikoku.audit_log (seq);

create function saikoku.audit_log_chain() returns trigger
language plpgsql as $$
declare
  last_row record;
begin
  -- Any constant: one chain, one writer at a time until its transaction ends.
  perform pg_advisory_xact_lock(6021339217240871);
  select seq, row_hash into last_row from saikoku.audit_log order by seq desc limit 1;
  new.seq := coalesce(last_row.seq, 0) + 1;
  new.prev_hash := last_row.row_hash;
  new.row_hash := saikoku.audit_row_hash(new.prev_hash, new);
  return new;
end;
$$;

create trigger audit_log_chain before insert on saikoku.audit_log
  for each row execute function saikoku.audit_log_chain();
alter table saikoku.audit_log enable always trigger audit_log_chain;
alter table saikoku.audit_log enable always trigger audit_log_no_truncate;
