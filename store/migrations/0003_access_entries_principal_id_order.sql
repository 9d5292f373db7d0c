-- Every TokenReview and SubjectAccessReview looks an entry up by principal ID
-- (WHERE cluster_id = ? AND principal_id = ? ORDER BY principal_arn LIMIT 1).
-- With principal_arn in the index the lookup is one index seek; without it
-- SQLite preferred access_entries_principal_arn to satisfy the ORDER BY and
-- scanned every entry of the cluster.
DROP INDEX access_entries_principal_id;
CREATE INDEX access_entries_principal_id ON access_entries (cluster_id, principal_id, principal_arn);
