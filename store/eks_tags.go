package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// taggable resolves an EKS resource ARN to its tag table and row.
func (db *DB) taggable(ctx context.Context, tx *sql.Tx, resourceARN string) (table, col string, id int64, err error) {
	a, perr := arn.Parse(resourceARN)
	if perr != nil || a.Service != "eks" {
		// [unknown] text (tagging errors are BadRequestException/NotFoundException).
		return "", "", 0, newErr(KindInvalidParameter, "Invalid ARN: %s", resourceARN)
	}
	switch {
	case strings.HasPrefix(a.Resource, "cluster/"):
		table, col = "cluster_tags", "cluster_id"
		err = tx.QueryRowContext(ctx, `SELECT id FROM clusters WHERE arn = ?`, resourceARN).Scan(&id)
	case strings.HasPrefix(a.Resource, "access-entry/"):
		table, col = "access_entry_tags", "entry_id"
		err = tx.QueryRowContext(ctx, `SELECT id FROM access_entries WHERE arn = ?`, resourceARN).Scan(&id)
	default:
		err = sql.ErrNoRows
	}
	if errors.Is(err, sql.ErrNoRows) {
		// [unknown] text.
		return "", "", 0, newErr(KindNotFound, "Resource %s not found", resourceARN)
	}
	return table, col, id, err
}

// TagResource adds or overwrites tags on a cluster or access entry.
func (db *DB) TagResource(ctx context.Context, resourceARN string, tags map[string]string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		table, col, id, err := db.taggable(ctx, tx, resourceARN)
		if err != nil {
			return err
		}
		if err := putTags(ctx, tx, table, col, id, tags); err != nil {
			return err
		}
		// [inferred] the 50-tag quota applies to the resource's total.
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE `+col+` = ?`, id).Scan(&n); err != nil {
			return err
		}
		if n > 50 {
			return newErr(KindInvalidParameter, "Resource %s cannot have more than 50 tags", resourceARN)
		}
		return nil
	})
}

// UntagResource removes tags by key; absent keys are ignored.
func (db *DB) UntagResource(ctx context.Context, resourceARN string, keys []string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		table, col, id, err := db.taggable(ctx, tx, resourceARN)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE `+col+` = ? AND key = ?`, id, k); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListTagsForResource returns a resource's tags.
func (db *DB) ListTagsForResource(ctx context.Context, resourceARN string) (tags map[string]string, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		table, col, id, err := db.taggable(ctx, tx, resourceARN)
		if err != nil {
			return err
		}
		tags, err = getTags(ctx, tx, table, col, id)
		return err
	})
	return tags, err
}
