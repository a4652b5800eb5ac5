-- The order a supervisor gives a campaign's targets: most owed, oldest debt, fewest contacts,
-- in the sequence they choose (campaigns/planning.py).
alter table saikoku.campaigns add column priority_order text[] not null
  default array['owed','age','contacts']
  check (cardinality(priority_order) between 1 and 3
         and priority_order <@ array['owed','age','contacts']);
