package authn

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/eksemu/eksemu/sigv4"
	"github.com/eksemu/eksemu/store"
)

// Reason says why authentication failed.
type Reason int

// Reasons.
const (
	// ReasonMissing: no signature (MissingAuthenticationToken).
	ReasonMissing Reason = iota + 1
	// ReasonIncomplete: malformed signature fields (IncompleteSignature).
	ReasonIncomplete
	// ReasonUnknownKey: access key or session token not recognised (InvalidClientTokenId).
	ReasonUnknownKey
	// ReasonExpiredToken: temporary credentials past their expiry (ExpiredToken).
	ReasonExpiredToken
	// ReasonSignature: wrong signature or X-Amz-Date outside the window (SignatureDoesNotMatch).
	ReasonSignature
	// ReasonInternal: the store failed.
	ReasonInternal
)

// Failure is an authentication failure; Message is AWS's text.
type Failure struct {
	Reason  Reason
	Message string
	err     error
}

func (f *Failure) Error() string { return f.Message }
func (f *Failure) Unwrap() error { return f.err }

// Texts shared by every AWS protocol.
const (
	msgInvalidToken = "The security token included in the request is invalid."
	msgExpiredToken = "The security token included in the request is expired"
)

// MaxSkew is the clock skew AWS tolerates on X-Amz-Date.
const MaxSkew = 15 * time.Minute

// AWS authenticates SigV4-signed AWS API requests against the store.
type AWS struct {
	db       *store.DB
	verifier *sigv4.Verifier
	now      func() time.Time
}

// NewAWS returns an AWS authenticator.
func NewAWS(db *store.DB, now func() time.Time) *AWS {
	return &AWS{db: db, verifier: sigv4.NewVerifier(now, MaxSkew), now: now}
}

// Request authenticates r, whose body has already been read into body.
func (a *AWS) Request(ctx context.Context, r *http.Request, body []byte) (store.Caller, error) {
	req, err := sigv4.Parse(r)
	if err != nil {
		return store.Caller{}, fromSigV4(err)
	}
	return a.verify(ctx, r, body, req, nil)
}

func (a *AWS) verify(ctx context.Context, r *http.Request, body []byte, req *sigv4.Request, extra http.Header) (store.Caller, error) {
	cred, err := a.credential(ctx, req)
	if err != nil {
		return store.Caller{}, err
	}
	// The signer below derives the scope date from X-Amz-Date, so a credential
	// whose date differs would otherwise go unnoticed.
	if day := req.Time.Format("20060102"); req.Date != day {
		// [unknown] AWS's exact text; this is the wording AWS-compatible verifiers use.
		return store.Caller{}, &Failure{Reason: ReasonSignature, Message: fmt.Sprintf(
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'. ",
			req.Date, day, req.Time.Format("20060102T150405Z"))}
	}
	if err := a.verifier.CheckTime(req); err != nil {
		return store.Caller{}, fromSigV4(err)
	}
	if err := a.verifier.VerifySignature(ctx, r, body, req, cred.SecretAccessKey, extra); err != nil {
		return store.Caller{}, fromSigV4(err)
	}
	return cred.Caller, nil
}

// credential looks up the access key and checks the session token and expiry.
func (a *AWS) credential(ctx context.Context, req *sigv4.Request) (store.Credential, error) {
	cred, err := a.db.LookupAccessKey(ctx, req.AccessKeyID)
	if errors.Is(err, store.ErrUnknownKey) {
		return store.Credential{}, &Failure{Reason: ReasonUnknownKey, Message: msgInvalidToken}
	}
	if err != nil {
		return store.Credential{}, &Failure{Reason: ReasonInternal, Message: "internal error", err: err}
	}
	if cred.SessionToken != req.SecurityToken {
		return store.Credential{}, &Failure{Reason: ReasonUnknownKey, Message: msgInvalidToken}
	}
	if cred.Expired(a.now()) {
		return store.Credential{}, &Failure{Reason: ReasonExpiredToken, Message: msgExpiredToken}
	}
	return cred, nil
}

func fromSigV4(err error) error {
	var se *sigv4.Error
	if !errors.As(err, &se) {
		return &Failure{Reason: ReasonInternal, Message: "internal error", err: err}
	}
	switch se.Code {
	case sigv4.Missing:
		return &Failure{Reason: ReasonMissing, Message: se.Message}
	case sigv4.Incomplete:
		return &Failure{Reason: ReasonIncomplete, Message: se.Message}
	}
	return &Failure{Reason: ReasonSignature, Message: se.Message}
}
