-- What a Q.850 hangup cause says about a call nobody answered. Asterisk's OriginateResponse
-- "Reason" is coarse (a PJSIP 486 arrives as reason 0), so the cause decides when there is
-- one; the reason is the fallback. One definition, used by every writer of call_attempts.
alter table saikoku.call_attempts drop constraint call_attempts_status_check;
alter table saikoku.call_attempts add constraint call_attempts_status_check check (status in (
  'dialing','answered','busy','no_answer','rejected','invalid_number','failed','congestion',
  'abandoned','connected','completed','unknown'));

create function saikoku.attempt_status_for_cause(cause int) returns text
language sql immutable parallel safe as $$
  select case
    when cause = 17 then 'busy'                          -- user busy (486)
    when cause in (18, 19, 20) then 'no_answer'          -- no response / no answer / absent
    when cause = 21 then 'rejected'                      -- call rejected (603 Decline)
    when cause in (1, 3, 22, 28) then 'invalid_number'   -- unallocated, no route, changed, bad format
    when cause in (27, 34, 38, 41, 42, 47) then 'failed' -- network, trunk or congestion
  end
$$;
