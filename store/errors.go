package store

import (
	"errors"
	"fmt"
)

// Kind classifies an error independently of any wire dialect.
type Kind int

// Kinds. When you add one, add it to every surface's error mapping (a test checks).
const (
	KindInternal         Kind = iota // a bug or I/O failure; detail only in logs
	KindNotFound                     // EKS ResourceNotFoundException, IAM NoSuchEntity
	KindAlreadyExists                // EKS ResourceInUseException, IAM EntityAlreadyExists
	KindInUse                        // EKS ResourceInUseException (update in progress), IAM DeleteConflict
	KindInvalidParameter             // EKS InvalidParameterException, IAM/STS ValidationError
	KindInvalidRequest               // EKS InvalidRequestException
	KindLimitExceeded                // EKS ResourceLimitExceededException, IAM LimitExceeded
	KindAccessDenied                 // STS AccessDenied
	KindMalformedPolicy              // IAM/STS MalformedPolicyDocument
	KindExpiredToken                 // temporary credentials past their expiry
	KindUnknownKey                   // access key ID not known
)

var kindNames = map[Kind]string{
	KindInternal: "internal", KindNotFound: "not found", KindAlreadyExists: "already exists",
	KindInUse: "in use", KindInvalidParameter: "invalid parameter", KindInvalidRequest: "invalid request",
	KindLimitExceeded: "limit exceeded", KindAccessDenied: "access denied",
	KindMalformedPolicy: "malformed policy", KindExpiredToken: "expired token", KindUnknownKey: "unknown key",
}

// AllKinds lists every Kind; surfaces' tests use it to prove their mapping is total.
func AllKinds() []Kind {
	ks := make([]Kind, 0, len(kindNames))
	for k := range KindUnknownKey + 1 {
		ks = append(ks, k)
	}
	return ks
}

func (k Kind) String() string { return kindNames[k] }

// Error is the error type of every exported method.
type Error struct {
	Kind    Kind
	Message string // the text AWS sends for this condition
	// Cluster is the EKS cluster the error concerns; EKS bodies carry it as clusterName.
	Cluster string
	err     error // wrapped cause (internal errors)
}

func (e *Error) Error() string {
	if e.err != nil {
		return e.Message + ": " + e.err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.err }

// Is makes errors.Is(err, store.ErrNotFound) and friends work.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Kind == e.Kind
}

// Sentinels for errors.Is.
var (
	ErrNotFound         = &Error{Kind: KindNotFound}
	ErrAlreadyExists    = &Error{Kind: KindAlreadyExists}
	ErrInUse            = &Error{Kind: KindInUse}
	ErrInvalidParameter = &Error{Kind: KindInvalidParameter}
	ErrInvalidRequest   = &Error{Kind: KindInvalidRequest}
	ErrAccessDenied     = &Error{Kind: KindAccessDenied}
	ErrUnknownKey       = &Error{Kind: KindUnknownKey}
	ErrExpiredToken     = &Error{Kind: KindExpiredToken}
)

// KindOf returns the Kind of err (KindInternal for foreign errors).
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

func newErr(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

func clusterErr(k Kind, cluster, format string, args ...any) *Error {
	e := newErr(k, format, args...)
	e.Cluster = cluster
	return e
}

func internal(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Kind: KindInternal, Message: "store: " + op, err: err}
}
