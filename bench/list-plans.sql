-- Loaded by bench/list-plans into its scratch database: three campaigns' participants, their codes and referrals,
-- conversions and rewards.
-- :big, :medium and :small are the campaigns' ids; their rows interleave in id order (ids time-ordered like UUIDv7,
-- the row number in the first 8 and the last 12 hex digits), and a campaign's rewards have every status.
SET session_replication_role = replica; -- no foreign-key triggers while loading
CREATE TEMP TABLE n AS
SELECT i, CASE WHEN i % 20000 = 7 THEN :'small'::uuid WHEN i % 20 = 3 THEN :'medium'::uuid ELSE :'big'::uuid END AS c,
       (lpad(to_hex(i), 8, '0') || '-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid AS id
FROM generate_series(1, 1000000) i;
INSERT INTO "Participants" ("Id", "CampaignId", "ExternalId", "CreatedAt")
SELECT id, c, 'x' || i, now() FROM n;
-- Each participant's code, and every other one referred by the participant twenty rows before it (of the same
-- campaign but for a few): the participants' page joins both.
INSERT INTO "ReferralCodes" ("Id", "Code", "CampaignId", "ParticipantId", "IsVanity", "IsDisabled", "CreatedAt")
SELECT (lpad(to_hex(i), 8, '0') || '-0002-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'c' || i, c, id, false,
       false, now()
FROM n;
INSERT INTO "Referrals" ("Id", "CampaignId", "ReferrerId", "ReferredId", "Status", "Source", "Code", "Reason",
                         "CreatedAt")
SELECT (lpad(to_hex(i), 8, '0') || '-0003-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, c,
       (lpad(to_hex(i - 20), 8, '0') || '-0000-7000-8000-' || lpad(to_hex(i - 20), 12, '0'))::uuid, id, 'Qualified',
       'Click', 'c' || (i - 20), 'attributed', now()
FROM n WHERE i % 2 = 0 AND i > 20;
INSERT INTO "Conversions"
  ("Id", "CampaignId", "ParticipantId", "Type", "ExternalId", "Amount", "Currency", "OccurredAt", "CreatedAt")
SELECT (lpad(to_hex(i), 8, '0') || '-0001-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, c, id, 'Purchase', 'o' || i,
       1000, 'USD', now(), now()
FROM n WHERE i % 3 <> 1;
INSERT INTO "Rewards"
  ("Id", "CampaignId", "ParticipantId", "RuleId", "ReferralId", "ConversionId", "Amount", "Currency", "Status",
   "GrantKey", "CreatedAt", "UpdatedAt")
SELECT (lpad(to_hex(i), 8, '0') || '-000' || j || '-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, c, id,
       gen_random_uuid(), gen_random_uuid(),
       (lpad(to_hex(i), 8, '0') || '-0001-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 100, 'USD',
       (ARRAY['Pending', 'Approved', 'Paid', 'Voided'])[1 + (i / 7 + j) % 4], 'g' || i || '-' || j, now(), now()
FROM n, generate_series(2, 3) j WHERE i % 3 <> 1;
SET session_replication_role = DEFAULT;
VACUUM ANALYZE "Participants", "ReferralCodes", "Referrals", "Conversions", "Rewards";
SELECT count(*) FILTER (WHERE "CampaignId" = :'big') AS big, count(*) FILTER (WHERE "CampaignId" = :'medium') AS medium,
       count(*) FILTER (WHERE "CampaignId" = :'small') AS small FROM "Participants";
