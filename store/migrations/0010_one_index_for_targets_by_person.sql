-- A plan writes every target of a campaign at once (campaigns/planning.py): each index of
-- campaign_targets is about a second of a million-person plan. Two of them led with the
-- person: nothing looks targets up by (campaign_id, person_id) with the campaign leading
-- (lookups by campaign use campaign_targets_queue_idx), so the unique key turns round and
-- serves the lookups by person too (the cascade from persons, and its check) on its own.
alter table saikoku.campaign_targets drop constraint campaign_targets_campaign_id_person_id_key;
alter table saikoku.campaign_targets
  add constraint campaign_targets_person_id_campaign_id_key unique (person_id, campaign_id);
drop index saikoku.campaign_targets_person_idx;
