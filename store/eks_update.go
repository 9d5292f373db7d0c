package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"
)

// UpdateParam is one Update.params element; Value is JSON-encoded (eks-api.md §2.6).
type UpdateParam struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Update is a cluster update.
type Update struct {
	ID        string
	Type      string
	Status    string
	Params    []UpdateParam
	CreatedAt time.Time
}

// UpdateConfigInput is an UpdateClusterConfig request reduced to one kind of change.
type UpdateConfigInput struct {
	// Type is the Update type: AccessConfigUpdate, LoggingUpdate, EndpointAccessUpdate, …
	Type string
	// AuthMode is the requested mode for AccessConfigUpdate.
	AuthMode string
	// Params are the update's params (AccessConfigUpdate computes its own).
	Params []UpdateParam
	// Config holds top-level Config members the update replaces (not for AccessConfigUpdate).
	Config map[string]json.RawMessage
	// MergeConfig holds top-level Config members that are JSON objects whose
	// members the update sets, keeping the others (a partial resourcesVpcConfig).
	// The merge happens inside the update's transaction, so concurrent partial
	// updates of one member do not lose each other's changes.
	MergeConfig map[string]json.RawMessage
	// ClientRequestToken makes retries idempotent.
	ClientRequestToken string
	// Delay is how long the update stays InProgress.
	Delay time.Duration
}

// UpdateClusterConfig starts an update. An authentication-mode change must
// follow the one-way ladder CONFIG_MAP → API_AND_CONFIG_MAP → API; the new mode
// takes effect when the update turns Successful, Delay from now. A second update
// while one is in progress is refused (KindInUse).
func (db *DB) UpdateClusterConfig(ctx context.Context, k ClusterKey, in UpdateConfigInput) (u Update, err error) {
	err = db.write(ctx, func(tx *sql.Tx) error {
		id, c, err := db.getClusterWithID(ctx, tx, k)
		if err != nil {
			return err
		}
		if in.ClientRequestToken != "" {
			prior, err := db.scanUpdate(tx.QueryRowContext(ctx, `SELECT `+updateCols+` FROM cluster_updates WHERE cluster_id = ? AND client_request_token = ? AND type = ?`,
				id, in.ClientRequestToken, in.Type))
			if err == nil {
				u = prior
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		var running string
		err = tx.QueryRowContext(ctx, `SELECT id FROM cluster_updates WHERE cluster_id = ? AND completes_at > ? ORDER BY created_at LIMIT 1`, id, ms(db.now())).Scan(&running)
		if err == nil {
			return clusterErr(KindInUse, k.Name, "Cannot %s because cluster %s currently has update %s in progress", in.Type, k.Name, running)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		now := db.now().Truncate(time.Millisecond)
		done := now.Add(in.Delay)
		params := in.Params
		switch in.Type {
		case UpdateAccessConfig:
			cur, want := modeRank[c.AuthMode], modeRank[in.AuthMode]
			if _, ok := modeRank[in.AuthMode]; !ok || want != cur+1 {
				return clusterErr(KindInvalidParameter, k.Name, "Unsupported authentication mode update from %s to %s", c.AuthMode, in.AuthMode)
			}
			params = []UpdateParam{{Type: ParamAuthMode, Value: strconv.Quote(in.AuthMode)}}
			if _, err := tx.ExecContext(ctx, `UPDATE clusters SET prev_auth_mode = ?, auth_mode = ?, auth_mode_since = ? WHERE id = ?`,
				c.AuthMode, in.AuthMode, ms(done), id); err != nil {
				return err
			}
		default:
			if len(in.Config) > 0 || len(in.MergeConfig) > 0 {
				merged := map[string]json.RawMessage{}
				if err := json.Unmarshal(c.Config, &merged); err != nil {
					return err
				}
				for key, v := range in.Config {
					merged[key] = v
				}
				for key, v := range in.MergeConfig {
					obj := map[string]json.RawMessage{}
					if cur, ok := merged[key]; ok {
						if err := json.Unmarshal(cur, &obj); err != nil || obj == nil {
							obj = map[string]json.RawMessage{} // not an object: replaced
						}
					}
					var change map[string]json.RawMessage
					if err := json.Unmarshal(v, &change); err != nil {
						return err
					}
					for m, mv := range change {
						obj[m] = mv
					}
					merged[key] = json.RawMessage(toJSON(obj))
				}
				if _, err := tx.ExecContext(ctx, `UPDATE clusters SET config = ? WHERE id = ?`, toJSON(merged), id); err != nil {
					return err
				}
			}
		}
		if params == nil {
			params = []UpdateParam{}
		}
		u = Update{ID: db.ids.UUID(), Type: in.Type, Status: UpdateInProgress, Params: params, CreatedAt: now}
		if in.Delay <= 0 {
			u.Status = UpdateSuccessful
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO cluster_updates (id, cluster_id, type, params, client_request_token, created_at, completes_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			u.ID, id, u.Type, toJSON(u.Params), in.ClientRequestToken, ms(now), ms(done))
		return err
	})
	return u, err
}

const updateCols = `id, type, params, created_at, completes_at`

func (db *DB) scanUpdate(row interface{ Scan(...any) error }) (Update, error) {
	var u Update
	var params string
	var created, done int64
	if err := row.Scan(&u.ID, &u.Type, &params, &created, &done); err != nil {
		return Update{}, err
	}
	if err := json.Unmarshal([]byte(params), &u.Params); err != nil {
		return Update{}, err
	}
	u.CreatedAt = fromMS(created)
	u.Status = UpdateSuccessful
	if ms(db.now()) < done {
		u.Status = UpdateInProgress
	}
	return u, nil
}

// DescribeUpdate returns an update of a cluster. KindNotFound for an unknown cluster or id.
func (db *DB) DescribeUpdate(ctx context.Context, k ClusterKey, updateID string) (u Update, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		id, _, err := db.getClusterWithID(ctx, tx, k)
		if err != nil {
			return err
		}
		u, err = db.scanUpdate(tx.QueryRowContext(ctx, `SELECT `+updateCols+` FROM cluster_updates WHERE cluster_id = ? AND id = ?`, id, updateID))
		if errors.Is(err, sql.ErrNoRows) {
			// [unknown] EKS's text for an unknown update id.
			return clusterErr(KindNotFound, k.Name, "No update found for ID: %s", updateID)
		}
		return err
	})
	return u, err
}

// ListUpdates lists a cluster's update IDs, oldest first.
func (db *DB) ListUpdates(ctx context.Context, k ClusterKey, p Page) (ids []string, next string, err error) {
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	type row struct{ key, id string }
	var rows []row
	err = db.read(ctx, func(tx *sql.Tx) error {
		cid, _, err := db.getClusterWithID(ctx, tx, k)
		if err != nil {
			return err
		}
		rs, err := tx.QueryContext(ctx, `SELECT printf('%020d/%s', created_at, id), id FROM cluster_updates
			WHERE cluster_id = ? AND printf('%020d/%s', created_at, id) > ? ORDER BY created_at, id LIMIT ?`, cid, after, p.limit()+1)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var r row
			if err := rs.Scan(&r.key, &r.id); err != nil {
				return err
			}
			rows = append(rows, r)
		}
		return rs.Err()
	})
	rows, next = pageOf(rows, p.limit(), func(r row) string { return r.key })
	ids = make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.id
	}
	return ids, next, err
}
