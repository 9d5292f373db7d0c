-- The Kubernetes side names clusters by UID on every webhook call.
CREATE UNIQUE INDEX clusters_uid ON clusters (uid);
