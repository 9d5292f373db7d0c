// Package store holds eksemu's state — accounts, IAM users, roles and access keys,
// STS sessions, EKS clusters, cluster updates, access entries, access-policy
// associations and tags — in SQLite (github.com/mattn/go-sqlite3).
//
// Shape (aesthetics.md G7): Open turns on WAL, synchronous=FULL and foreign
// keys and applies the embedded migrations in order. Every exported method is
// one transaction, so a failed call leaves the database exactly as it was.
// Writes go through a single connection (BEGIN IMMEDIATE), reads through a pool.
// SQLite errors never escape: callers see *Error values whose Kind says what
// went wrong and whose Message is the exact text AWS puts on the wire
// (../shared/reference/eks-api.md §3, authenticator.md §5.4).
//
// The package knows nothing of HTTP; the surfaces in emulator/… map Kinds to
// their own wire dialects.
package store
